import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { GenerateNext } from '../layer.js';
import { createCircuitBreakerLayer } from './circuit-breaker.js';
import { A, B, context, error, ofType, request, result } from './resilience.test-utils.js';

function target(behaviour: () => Promise<void> | void) {
  let calls = 0;
  const next: GenerateNext = async (_req, ctx) => {
    calls++;
    await behaviour();
    return result(ctx.target!);
  };
  return { next, calls: () => calls };
}

describe('circuit breaker layer', () => {
  it('opens after 10 consecutive health failures, then fails fast without calling the target', async () => {
    const breaker = createCircuitBreakerLayer();
    const down = target(() => {
      throw error('unavailable', { status: 503 });
    });
    const { ctx, events } = context({ target: A });
    for (let i = 0; i < 10; i++)
      await expect(breaker.generate!(request(), ctx, down.next)).rejects.toMatchObject({
        kind: 'unavailable',
      });
    expect(breaker.state(A.id)).toBe('open');
    const e = await breaker.generate!(request(), ctx, down.next).catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: 'circuit-open', target: A });
    expect((e as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(9_000);
    expect(down.calls()).toBe(10);
    expect(ofType(events, 'breaker-state')).toMatchObject([
      { target: A, state: 'open', error: { kind: 'unavailable' } },
    ]);
    // Another target has its own circuit.
    await expect(breaker.generate!(request(), context({ target: B }).ctx, down.next)).rejects.toMatchObject({
      kind: 'unavailable',
    });
  });

  it('opens on the failure ratio once the minimum volume is reached', async () => {
    const breaker = createCircuitBreakerLayer({
      failureRatio: 0.5,
      windowSize: 20,
      minimumAttempts: 10,
      consecutiveFailures: 100,
    });
    let n = 0;
    // Alternating success and failure: never 10 in a row, but 6 of the last 11 fail.
    const flaky = target(() => {
      if (n++ % 2 === 0) throw error('throttled');
    });
    const { ctx } = context({ target: A });
    for (let i = 0; i < 11; i++) await breaker.generate!(request(), ctx, flaky.next).catch(() => undefined);
    expect(breaker.state(A.id)).toBe('open');
  });

  it('does not count invalid requests, auth or content-filter errors', async () => {
    const breaker = createCircuitBreakerLayer({ consecutiveFailures: 3 });
    const kinds = ['invalid-request', 'auth', 'content-filter', 'not-found', 'context-length'] as const;
    const { ctx } = context({ target: A });
    for (const kind of [...kinds, ...kinds]) {
      await breaker.generate!(request(), ctx, async () => {
        throw error(kind);
      }).catch(() => undefined);
    }
    expect(breaker.state(A.id)).toBe('closed');
  });

  it('lets one probe through after the cool-down while others fail fast, and closes on its success', async () => {
    const breaker = createCircuitBreakerLayer({ consecutiveFailures: 2, halfOpenAfterMs: 50 });
    let healthy = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const t = target(async () => {
      if (!healthy) throw error('timeout');
      await gate;
    });
    const { ctx, events } = context({ target: A });
    for (let i = 0; i < 2; i++) await breaker.generate!(request(), ctx, t.next).catch(() => undefined);
    expect(breaker.state(A.id)).toBe('open');
    await delay(60);
    healthy = true;
    const probe = breaker.generate!(request(), ctx, t.next);
    await delay(5);
    expect(breaker.state(A.id)).toBe('half-open');
    await expect(breaker.generate!(request(), ctx, t.next)).rejects.toMatchObject({ kind: 'circuit-open' });
    expect(t.calls()).toBe(3);
    release();
    await expect(probe).resolves.toMatchObject({ text: 'ok' });
    expect(breaker.state(A.id)).toBe('closed');
    expect(ofType(events, 'breaker-state').map((e) => e.state)).toEqual(['open', 'half-open', 'closed']);
  });

  it('a failed probe reopens the circuit with a doubled cool-down', async () => {
    const breaker = createCircuitBreakerLayer({
      consecutiveFailures: 1,
      halfOpenAfterMs: 40,
      maxHalfOpenAfterMs: 1_000,
    });
    const down = target(() => {
      throw error('unavailable');
    });
    const { ctx } = context({ target: A });
    await breaker.generate!(request(), ctx, down.next).catch(() => undefined);
    await delay(50);
    await breaker.generate!(request(), ctx, down.next).catch(() => undefined);
    expect(down.calls()).toBe(2);
    const e = await breaker.generate!(request(), ctx, down.next).catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: 'circuit-open' });
    expect((e as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(40);
  });

  it('rejects bad settings with what it received', () => {
    expect(() => createCircuitBreakerLayer({ failureRatio: 1.5 })).toThrow(
      /failureRatio must be .*received 1.5/,
    );
    expect(() => createCircuitBreakerLayer({ minimumAttempts: 100 })).toThrow(/minimumAttempts/);
  });
});

describe('circuit breaker and the client-side rate limiter', () => {
  it('does not count the limiter refusing a call: the target was never asked', async () => {
    const { createRateLimitLayer } = await import('./rate-limit.js');
    const breaker = createCircuitBreakerLayer({ consecutiveFailures: 2 });
    const limiter = createRateLimitLayer({
      requestsPerMinute: 60,
      burstSeconds: 1,
      maxWaitMs: 0,
      adaptive: false,
    });
    const { ctx } = context({ target: A });
    const ok: GenerateNext = async (_req, c) => result(c.target!);
    const through: GenerateNext = (req, c) => limiter.generate!(req, c, ok);
    await breaker.generate!(request(), ctx, through);
    for (let i = 0; i < 5; i++) {
      await expect(breaker.generate!(request(), ctx, through)).rejects.toMatchObject({
        code: 'ClientRateLimit',
      });
    }
    expect(breaker.state(A.id)).toBe('closed');
  });
});
