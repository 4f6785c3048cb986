import type { FrontConfig } from '@genai-deploy/config';
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/** CORS for the configured browser origins; undefined (CORS off) when none is configured. */
export function corsFor(config: FrontConfig): MiddlewareHandler | undefined {
  if (!config.corsOrigins || config.corsOrigins.length === 0) return undefined;
  return cors({
    origin: config.corsOrigins,
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    allowHeaders: ['authorization', 'content-type', 'x-api-key', 'x-request-id'],
    // Browsers hide response headers unless listed: these are the ones a caller acts on.
    exposeHeaders: [
      'x-request-id',
      'x-genai-provider',
      'x-genai-cache',
      'x-genai-attempts',
      'retry-after',
      'x-ratelimit-limit-requests',
    ],
    maxAge: 600,
  });
}
