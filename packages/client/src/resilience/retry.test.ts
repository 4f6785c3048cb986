import { describe, expect, it } from 'vitest';
import { isGenAiError } from '../errors.js';
import type { GenerateNext, StreamNext } from '../layer.js';
import { A, collect, context, error, fakeStream, ofType, request, result } from './resilience.test-utils.js';
import { createRetryLayer } from './retry.js';

const fast = { baseDelayMs: 1, throttledBaseDelayMs: 1, maxDelayMs: 5 };

/** A `next` that fails with the given errors in order, then succeeds; counts calls. */
function failing(...errors: unknown[]) {
  const calls: number[] = [];
  const next: GenerateNext = async (_req, ctx) => {
    calls.push(Date.now());
    ctx.attempts++;
    const e = errors.shift();
    if (e) throw e;
    return result(A);
  };
  return { next, calls };
}

describe('retry layer', () => {
  it('retries throttled, unavailable and timeout errors, then succeeds', async () => {
    const layer = createRetryLayer({ ...fast, maxAttempts: 4 });
    const { next, calls } = failing(error('throttled'), error('unavailable'), error('timeout'));
    const { ctx, events } = context({ target: A });
    await expect(layer.generate!(request(), ctx, next)).resolves.toMatchObject({ text: 'ok' });
    expect(calls).toHaveLength(4);
    expect(ofType(events, 'retry').map((e) => e.error.kind)).toEqual(['throttled', 'unavailable', 'timeout']);
  });

  it.each(['invalid-request', 'auth', 'content-filter', 'not-found', 'context-length'] as const)(
    'never retries %s',
    async (kind) => {
      const layer = createRetryLayer(fast);
      const { next, calls } = failing(error(kind));
      const { ctx, events } = context({ target: A });
      await expect(layer.generate!(request(), ctx, next)).rejects.toMatchObject({ kind });
      expect(calls).toHaveLength(1);
      expect(ofType(events, 'retry-give-up')[0]).toMatchObject({ reason: 'not-retryable' });
    },
  );

  it('retries a model error only when the provider marked it retryable', async () => {
    const layer = createRetryLayer(fast);
    const retryable = failing(error('model-error', { retryable: true, status: 503 }));
    await layer.generate!(request(), context({ target: A }).ctx, retryable.next);
    expect(retryable.calls).toHaveLength(2);
    const final = failing(error('model-error', { retryable: false, status: 424 }));
    await expect(layer.generate!(request(), context({ target: A }).ctx, final.next)).rejects.toMatchObject({
      kind: 'model-error',
    });
    expect(final.calls).toHaveLength(1);
  });

  it('stops at maxAttempts with the last error', async () => {
    const layer = createRetryLayer({ ...fast, maxAttempts: 3 });
    const { next, calls } = failing(
      error('unavailable'),
      error('unavailable'),
      error('throttled'),
      error('unavailable'),
    );
    const { ctx, events } = context({ target: A });
    await expect(layer.generate!(request(), ctx, next)).rejects.toMatchObject({ kind: 'throttled' });
    expect(calls).toHaveLength(3);
    expect(ofType(events, 'retry-give-up')[0]).toMatchObject({ reason: 'max-attempts', attempt: 3 });
  });

  it('retries throttles with a server hint past maxAttempts, until the call succeeds', async () => {
    const layer = createRetryLayer({ ...fast, maxAttempts: 3 });
    const hinted = () => error('throttled', { retryAfterMs: 2 });
    const { next, calls } = failing(hinted(), hinted(), hinted(), hinted(), hinted());
    const { ctx, events } = context({ target: A });
    await expect(layer.generate!(request(), ctx, next)).resolves.toMatchObject({ text: 'ok' });
    expect(calls).toHaveLength(6);
    expect(ofType(events, 'retry').map((e) => e.attempt)).toEqual([1, 2, 3, 4, 5]);
  });

  it('still counts the other errors (and unhinted throttles) against maxAttempts between hinted throttles', async () => {
    const layer = createRetryLayer({ ...fast, maxAttempts: 3 });
    const hinted = () => error('throttled', { retryAfterMs: 2 });
    const { next, calls } = failing(
      hinted(),
      error('unavailable'),
      hinted(),
      error('throttled'),
      error('unavailable'),
      error('unavailable'),
    );
    const { ctx, events } = context({ target: A });
    await expect(layer.generate!(request(), ctx, next)).rejects.toMatchObject({ kind: 'unavailable' });
    expect(calls).toHaveLength(5);
    expect(ofType(events, 'retry-give-up')[0]).toMatchObject({ reason: 'max-attempts', attempt: 5 });
  });

  it("bounds hinted throttle retries by the call's deadline", async () => {
    const layer = createRetryLayer({ ...fast, maxAttempts: 2 });
    let calls = 0;
    const throttled: GenerateNext = async () => {
      calls++;
      throw error('throttled', { retryAfterMs: 20 });
    };
    const { ctx, events } = context({ target: A, deadlineMs: 200 });
    const started = Date.now();
    await expect(layer.generate!(request(), ctx, throttled)).rejects.toMatchObject({ kind: 'throttled' });
    expect(Date.now() - started).toBeLessThan(250);
    // ~20 ms per retry within 200 ms: far more than maxAttempts, fewer than the deadline allows at most.
    expect(calls).toBeGreaterThan(3);
    expect(calls).toBeLessThanOrEqual(10);
    expect(ofType(events, 'retry-give-up')[0]).toMatchObject({ reason: 'deadline' });
  });

  it('bounds hinted throttle retries by the retry budget', async () => {
    const layer = createRetryLayer({ ...fast, budget: { capacity: 15 } });
    let calls = 0;
    const throttled: GenerateNext = async () => {
      calls++;
      throw error('throttled', { retryAfterMs: 1 });
    };
    const { ctx, events } = context({ target: A });
    await expect(layer.generate!(request(), ctx, throttled)).rejects.toMatchObject({ kind: 'throttled' });
    // 15 tokens pay 3 retries of 5.
    expect(calls).toBe(4);
    expect(ofType(events, 'retry-give-up')[0]).toMatchObject({ reason: 'budget', attempt: 4 });
  });

  it('waits at least the server hint before retrying', async () => {
    const layer = createRetryLayer({ ...fast, random: () => 0 });
    const { next, calls } = failing(error('throttled', { retryAfterMs: 120 }));
    const { ctx, events } = context({ target: A });
    await layer.generate!(request(), ctx, next);
    expect(ofType(events, 'retry')[0]).toMatchObject({ delayMs: 120, retryAfterMs: 120 });
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(119);
  });

  it('gives up on this target instead of waiting for a hint far beyond the backoff', async () => {
    const layer = createRetryLayer({ ...fast, maxHintExtraMs: 50 });
    const { next, calls } = failing(error('throttled', { retryAfterMs: 30_000 }));
    const { ctx, events } = context({ target: A });
    await expect(layer.generate!(request(), ctx, next)).rejects.toMatchObject({ retryAfterMs: 30_000 });
    expect(calls).toHaveLength(1);
    expect(ofType(events, 'retry-give-up')[0]).toMatchObject({ reason: 'hint-too-long' });
  });

  it('does not start a backoff that would end after the deadline', async () => {
    const layer = createRetryLayer({ baseDelayMs: 10_000, random: () => 0.9 });
    const { next, calls } = failing(error('unavailable'));
    const { ctx, events } = context({ target: A, deadlineMs: 1_000 });
    await expect(layer.generate!(request(), ctx, next)).rejects.toMatchObject({ kind: 'unavailable' });
    expect(calls).toHaveLength(1);
    expect(ofType(events, 'retry-give-up')[0]).toMatchObject({ reason: 'deadline' });
  });

  it('an abort during the backoff ends the call at once', async () => {
    const layer = createRetryLayer({ baseDelayMs: 30_000, maxDelayMs: 30_000, random: () => 0.9 });
    const controller = new AbortController();
    const { next, calls } = failing(error('unavailable'));
    const { ctx } = context({ target: A, signal: controller.signal });
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    const e = await layer.generate!(request(), ctx, next).catch((x: unknown) => x);
    expect(isGenAiError(e) && e.kind).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(calls).toHaveLength(1);
    // The retry that never happened is not charged to the budget.
    expect(layer.budget?.available).toBe(500);
  });

  it('the shared budget caps retries when everything fails, and successes refill it', async () => {
    const layer = createRetryLayer({ ...fast, maxAttempts: 3, budget: { capacity: 50 } });
    let calls = 0;
    const down: GenerateNext = async () => {
      calls++;
      throw error('unavailable');
    };
    for (let i = 0; i < 100; i++)
      await layer.generate!(request(), context({ target: A }).ctx, down).catch(() => undefined);
    // 50 tokens pay 10 retries in all: 100 calls, 110 attempts.
    expect(calls).toBe(110);
    expect(layer.budget?.available).toBe(0);
    for (let i = 0; i < 20; i++)
      await layer.generate!(request(), context({ target: A }).ctx, async () => result(A));
    expect(layer.budget?.available).toBe(20);
  });

  it('streams: a failure before the first event is retried transparently', async () => {
    const layer = createRetryLayer(fast);
    let calls = 0;
    const next: StreamNext = () => {
      calls++;
      return calls === 1
        ? fakeStream(A, ['a'], { after: 0, error: error('unavailable') })
        : fakeStream(A, ['a', 'b']);
    };
    const out = await collect(
      layer.stream!(request(), context({ target: A, operation: 'stream' }).ctx, next),
    );
    expect(out.error).toBeUndefined();
    expect(out.text).toBe('ab');
    expect(calls).toBe(2);
  });

  it('streams: a failure after the first delta is not retried', async () => {
    const layer = createRetryLayer(fast);
    let calls = 0;
    const next: StreamNext = () => {
      calls++;
      return fakeStream(A, ['a', 'b', 'c', 'd'], { after: 3, error: error('mid-stream') });
    };
    const out = await collect(
      layer.stream!(request(), context({ target: A, operation: 'stream' }).ctx, next),
    );
    expect(out.text).toBe('abc');
    expect(out.error).toMatchObject({ kind: 'mid-stream' });
    expect(calls).toBe(1);
  });

  it('rejects a bad maxAttempts with what it received', () => {
    expect(() => createRetryLayer({ maxAttempts: 0 })).toThrow(
      /maxAttempts must be an integer >= 1.*received 0/,
    );
  });
});
