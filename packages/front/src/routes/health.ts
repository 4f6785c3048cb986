import { isGenAiError } from '@genai-deploy/client';
import type { ModelConfig } from '@genai-deploy/config';
import { Hono } from 'hono';
import type { AppEnv, FrontState } from '../context.js';
import type { Drain } from '../middleware/drain.js';

/** How long a deep readiness result is reused: probes cost upstream calls, and probers poll every few seconds. */
export const DEEP_READY_TTL_MS = 10_000;
/** The longest a target's probe may take before it counts as failed. */
const PROBE_DEADLINE_MS = 5_000;

/**
 * `GET /health` (liveness: the process answers; no auth, no dependencies), `GET /ready` (configuration loaded
 * and Redis, when the front has it, answering; 503 while draining), `GET /ready?deep=1` (the same, plus one
 * cheap probe per configured model, reused for DEEP_READY_TTL_MS) and `GET /metrics` (Prometheus text; the
 * composition puts auth in front of it).
 */
export function healthRoutes(
  front: Pick<FrontState, 'jobs' | 'metrics' | 'redis' | 'client' | 'config'>,
  drain: Pick<Drain, 'draining'>,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const deep = deepProbes(front);
  // Every configured target is up until its circuit says otherwise, so the gauge has a series per target.
  for (const model of front.config.models) front.metrics.targetUp.set({ target: model.id }, 1);
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.get('/ready', async (c) => {
    if (drain.draining) return c.json({ status: 'draining' }, 503);
    const checks: Record<string, string> = { config: 'ok' };
    const deepAsked = ['1', 'true'].includes(c.req.query('deep') ?? '');
    const [redis, targets] = await Promise.all([
      front.redis ? withTimeout(front.jobs.ping(), 1000, false) : undefined,
      deepAsked ? deep() : undefined,
    ]);
    if (redis !== undefined) checks.redis = redis ? 'ok' : 'unreachable';
    Object.assign(checks, targets);
    const ok = Object.values(checks).every((v) => v === 'ok');
    return c.json({ status: ok ? 'ready' : 'not-ready', checks }, ok ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    c.header('content-type', front.metrics.registry.contentType);
    return c.body(await front.metrics.registry.metrics());
  });
  return app;
}

/**
 * The per-target checks of a deep readiness request: a 1-token generate or a one-text embed per configured
 * model, through the front's client (so an open circuit answers at once, without a network call) with its
 * cache off, shared by concurrent requests and reused for DEEP_READY_TTL_MS.
 */
function deepProbes(front: Pick<FrontState, 'client' | 'config'>): () => Promise<Record<string, string>> {
  let last: { at: number; result: Promise<Record<string, string>> } | undefined;
  return () => {
    if (last && Date.now() - last.at < DEEP_READY_TTL_MS) return last.result;
    const result = Promise.all(
      front.config.models.map(async (model) => [model.id, await probe(front, model)] as const),
    ).then(Object.fromEntries);
    last = { at: Date.now(), result };
    return result;
  };
}

async function probe(front: Pick<FrontState, 'client'>, model: ModelConfig): Promise<string> {
  try {
    if (model.kind === 'embedding') {
      await front.client.embed({
        model: model.id,
        input: ['ready'],
        cache: false,
        deadlineMs: PROBE_DEADLINE_MS,
      });
    } else {
      await front.client.generate({
        model: model.id,
        messages: [{ role: 'user', content: 'ready' }],
        maxTokens: 1,
        cache: false,
        deadlineMs: PROBE_DEADLINE_MS,
      });
    }
    return 'ok';
  } catch (e) {
    // Our own short reason (the error kind), never the provider's text: /ready answers without auth.
    return isGenAiError(e) ? e.kind : 'error';
  }
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
