import { Hono } from 'hono';
import type { AppEnv, FrontState } from '../context.js';
import type { Drain } from '../middleware/drain.js';

/**
 * `GET /health` (liveness: the process answers; no auth, no dependencies), `GET /ready` (configuration loaded
 * and Redis, when the front has it, answering; 503 while draining) and `GET /metrics` (Prometheus text; the
 * composition puts auth in front of it).
 */
export function healthRoutes(
  front: Pick<FrontState, 'jobs' | 'metrics' | 'redis'>,
  drain: Pick<Drain, 'draining'>,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.get('/ready', async (c) => {
    if (drain.draining) return c.json({ status: 'draining' }, 503);
    const checks: Record<string, string> = { config: 'ok' };
    if (front.redis)
      checks.redis = (await withTimeout(front.jobs.ping(), 1000, false)) ? 'ok' : 'unreachable';
    const ok = Object.values(checks).every((v) => v === 'ok');
    return c.json({ status: ok ? 'ready' : 'not-ready', checks }, ok ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    c.header('content-type', front.metrics.registry.contentType);
    return c.body(await front.metrics.registry.metrics());
  });
  return app;
}

async function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<T>((r) => {
    timer = setTimeout(() => r(fallback), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}
