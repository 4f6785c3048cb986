import type { FinishReason, NormalizedGenerateRequest } from '../types.js';

/**
 * Whether a generate/stream request may be answered from, and stored in, the cache: `cache: false` never,
 * `cache: true` always, otherwise only deterministic requests (temperature 0). A request without a
 * temperature runs at the provider's default (usually 1), so it is not deterministic.
 */
export function isCacheableRequest(req: Pick<NormalizedGenerateRequest, 'cache' | 'temperature'>): boolean {
  const c = req.cache;
  const enabled = typeof c === 'object' ? c.enabled : c;
  if (enabled === false) return false;
  if (enabled === true) return true;
  return req.temperature === 0;
}

/** Whether a request's `cache` field turns the cache off for it (`false` or `{ enabled: false }`). */
export function isCacheOff(cache: NormalizedGenerateRequest['cache']): boolean {
  return cache === false || (typeof cache === 'object' && cache.enabled === false);
}

/** The per-call tenant scope of a request's `cache` field, if any. */
export function scopeOf(cache: NormalizedGenerateRequest['cache']): string | undefined {
  return typeof cache === 'object' ? cache.scope : undefined;
}

/**
 * Whether a finished answer may be stored. Content-filtered answers are not (a later call, or a changed
 * filter, may answer); neither is an answer whose finish reason the adapter could not map ('other').
 */
export function isCacheableFinish(finishReason: FinishReason): boolean {
  return finishReason === 'stop' || finishReason === 'length' || finishReason === 'tool-calls';
}

/** TTL in ms of an answer on `route`: the route's `cacheTtlSeconds` when set (0 turns caching off), else the default. */
export function ttlFor(
  route: string | undefined,
  routes: Readonly<Record<string, { readonly cacheTtlSeconds?: number | undefined }>> | undefined,
  defaultTtlSeconds: number,
): number {
  const perRoute = route === undefined ? undefined : routes?.[route]?.cacheTtlSeconds;
  return (perRoute ?? defaultTtlSeconds) * 1000;
}
