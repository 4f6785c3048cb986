import { providersFromConfig } from '@genai-deploy/client';
import type { FrontConfig } from '@genai-deploy/config';
import { FRONT_ENV, pricesFromConfig } from '@genai-deploy/config';
import type { ClientOptions } from './client.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The part of `createClient`'s options that the configuration decides. Credentials are not here: in the
 * cloud they come from each provider's default chain (the function's or container's identity), except an
 * Azure key, which comes from GENAI_AZURE_API_KEY when set.
 */
export type ClientOptionsFromConfig = Required<Pick<ClientOptions, 'providers' | 'routes'>> &
  Pick<ClientOptions, 'contextWindows' | 'prices'> & {
    cache: Exclude<ClientOptions['cache'], boolean | undefined>;
  };

/**
 * Turns the front's configuration into client options: the constructs set the configuration, the front
 * maps it here (and nowhere else).
 */
export function toClientOptions(config: FrontConfig, env: Env = process.env): ClientOptionsFromConfig {
  const contextWindows: Record<string, number> = {};
  for (const m of config.models) if (m.maxInputTokens !== undefined) contextWindows[m.id] = m.maxInputTokens;
  const routes: Record<string, { targets: string[]; cacheTtlSeconds?: number; hedgeAfterMs?: number }> = {};
  for (const [name, route] of Object.entries(config.routes))
    routes[name] = { ...route, targets: [...route.targets] };
  const { redisUrl, ttlSeconds, maxEntryBytes, memoryBytes } = config.cache;
  return {
    // Each provider maps its own part of the configuration (the client's provider registry).
    providers: providersFromConfig(config, env),
    routes,
    cache: {
      ttlSeconds,
      maxEntryBytes,
      memory: { maxBytes: memoryBytes },
      // Every key the front's process writes shares one prefix (jobs, limits, cache): one variable isolates a deployment.
      keyPrefix: `${env[FRONT_ENV.redisKeyPrefix.name] || 'genai:front:'}cache:`,
      ...(redisUrl ? { redis: { url: withPassword(redisUrl, env[FRONT_ENV.redisPassword.name]) } } : {}),
    },
    ...(Object.keys(contextWindows).length > 0 ? { contextWindows } : {}),
    // The configuration's prices over the defaults: every answer's `cost` (what the front settles and reports).
    ...(config.pricing ? { prices: pricesFromConfig(config.pricing) } : {}),
  };
}

/** The Redis URL with the AUTH password from the secret store (GENAI_REDIS_PASSWORD), which the config never holds. */
export function withPassword(url: string, password: string | undefined): string {
  if (!password) return url;
  const u = new URL(url);
  u.password = encodeURIComponent(password);
  return u.toString();
}
