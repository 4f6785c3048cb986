import { describe, expect, it } from 'vitest';
import { createResilienceLayers } from './build.js';

describe('createResilienceLayers', () => {
  it('puts the target layers in pipeline order: retry, breaker, rate limit, attempt timeout', () => {
    const all = createResilienceLayers({ rateLimit: { requestsPerMinute: 60 }, attemptTimeoutMs: 1_000 }, {});
    expect(all.route.name).toBe('fallback');
    expect(all.targetLayers.map((l) => l.name)).toEqual([
      'retry',
      'circuit-breaker',
      'rate-limit',
      'attempt-timeout',
    ]);
  });

  it('defaults: retry and breaker on, no client-side rate limit, no per-attempt timeout', () => {
    expect(createResilienceLayers({}, {}).targetLayers.map((l) => l.name)).toEqual([
      'retry',
      'circuit-breaker',
    ]);
    expect(createResilienceLayers({ retry: false, circuitBreaker: false }, {}).targetLayers).toEqual([]);
  });

  it('rejects a bad option at createClient time with what it received', () => {
    expect(() => createResilienceLayers({ attemptTimeoutMs: 0 }, {})).toThrow(
      /attemptTimeoutMs must be .*received 0/,
    );
    expect(() => createResilienceLayers({ hedging: { afterMs: -1 } }, {})).toThrow(/hedging.afterMs/);
  });
});
