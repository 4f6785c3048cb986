import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { GenerateNext, StreamNext } from '../layer.js';
import {
  A,
  B,
  C,
  collect,
  context,
  error,
  fakeStream,
  ofType,
  request,
  result,
} from '../resilience/resilience.test-utils.js';
import type { Target } from '../types.js';
import { createFallbackLayer } from './fallback.js';

/** A `next` whose behaviour depends on the target chosen for the branch. */
function byTarget(behaviour: Record<string, (signal: AbortSignal) => Promise<void> | void>) {
  const calls: string[] = [];
  const next: GenerateNext = async (_req, ctx) => {
    const t = ctx.target!;
    calls.push(t.id);
    ctx.attempts++;
    await behaviour[t.id]?.(ctx.signal);
    return result(t, `from ${t.id}`);
  };
  return { next, calls };
}

const fail =
  (kind: Parameters<typeof error>[0], extra = {}) =>
  () => {
    throw error(kind, extra);
  };

describe('fallback layer', () => {
  it.each(['throttled', 'unavailable', 'timeout', 'circuit-open'] as const)(
    'moves to the next target on %s',
    async (kind) => {
      const layer = createFallbackLayer();
      const { next, calls } = byTarget({ [A.id]: fail(kind) });
      const { ctx, events } = context();
      await expect(layer.generate!(request([A, B]), ctx, next)).resolves.toMatchObject({
        text: `from ${B.id}`,
        provider: 'vertex',
      });
      expect(calls).toEqual([A.id, B.id]);
      expect(ctx.target).toEqual(B);
      expect(ctx.attempts).toBe(2);
      expect(ofType(events, 'fallback')).toMatchObject([{ from: A, to: B, error: { kind } }]);
    },
  );

  it.each(['invalid-request', 'auth', 'content-filter', 'not-found'] as const)(
    'stops on %s',
    async (kind) => {
      const layer = createFallbackLayer();
      const { next, calls } = byTarget({ [A.id]: fail(kind) });
      await expect(layer.generate!(request([A, B]), context().ctx, next)).rejects.toMatchObject({ kind });
      expect(calls).toEqual([A.id]);
    },
  );

  it('throws the last error when every target fails', async () => {
    const layer = createFallbackLayer();
    const { next, calls } = byTarget({
      [A.id]: fail('throttled'),
      [B.id]: fail('unavailable'),
      [C.id]: fail('timeout'),
    });
    await expect(layer.generate!(request([A, B, C]), context().ctx, next)).rejects.toMatchObject({
      kind: 'timeout',
    });
    expect(calls).toEqual([A.id, B.id, C.id]);
  });

  it('moves a context-length error to the next target with a larger window', async () => {
    const layer = createFallbackLayer({ contextWindows: { [A.id]: 8_000, [B.id]: 8_000, [C.id]: 200_000 } });
    const { next, calls } = byTarget({ [A.id]: fail('context-length') });
    await expect(layer.generate!(request([A, B, C]), context().ctx, next)).resolves.toMatchObject({
      provider: 'azure',
    });
    expect(calls).toEqual([A.id, C.id]);
    const none = createFallbackLayer({ contextWindows: { [A.id]: 8_000, [B.id]: 4_000 } });
    const second = byTarget({ [A.id]: fail('context-length') });
    await expect(none.generate!(request([A, B]), context().ctx, second.next)).rejects.toMatchObject({
      kind: 'context-length',
    });
    expect(second.calls).toEqual([A.id]);
  });

  it('hedges: starts the next target after the delay, the first answer wins and the loser is aborted', async () => {
    const layer = createFallbackLayer({ routes: { fast: { targets: [], hedgeAfterMs: 30 } } });
    let loserAborted = false;
    const { next, calls } = byTarget({
      [A.id]: (signal) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            loserAborted = true;
            reject(signal.reason);
          });
        }),
      [B.id]: () => delay(5),
    });
    const { ctx, events } = context();
    const started = Date.now();
    await expect(layer.generate!(request([A, B], 'fast'), ctx, next)).resolves.toMatchObject({
      provider: 'vertex',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(30);
    expect(calls).toEqual([A.id, B.id]);
    expect(loserAborted).toBe(true);
    expect(ofType(events, 'hedge')).toMatchObject([{ primary: A, hedge: B, afterMs: 30 }]);
  });

  it('does not hedge unless a route or the option asks for it, nor when hedging is false', async () => {
    const slowA = () => byTarget({ [A.id]: () => delay(60) });
    const plain = slowA();
    await createFallbackLayer().generate!(request([A, B]), context().ctx, plain.next);
    expect(plain.calls).toEqual([A.id]);
    const off = slowA();
    await createFallbackLayer({ hedging: false, routes: { r: { targets: [], hedgeAfterMs: 10 } } }).generate!(
      request([A, B], 'r'),
      context().ctx,
      off.next,
    );
    expect(off.calls).toEqual([A.id]);
    const on = slowA();
    await createFallbackLayer({ hedging: { afterMs: 10 } }).generate!(
      request([A, B]),
      context().ctx,
      on.next,
    );
    expect(on.calls).toEqual([A.id, B.id]);
  });

  it('an abort rejects at once, whatever the targets are doing', async () => {
    const layer = createFallbackLayer();
    const controller = new AbortController();
    const { next } = byTarget({ [A.id]: () => delay(5_000) });
    setTimeout(() => controller.abort(), 10);
    const started = Date.now();
    await expect(
      layer.generate!(request([A, B]), context({ signal: controller.signal }).ctx, next),
    ).rejects.toMatchObject({
      kind: 'aborted',
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  describe('one target (the fast path: no branch signal, no child context)', () => {
    it('calls the target once with the call context and passes its result and errors through', async () => {
      const layer = createFallbackLayer();
      const { next, calls } = byTarget({});
      const { ctx } = context();
      await expect(layer.generate!(request([A]), ctx, next)).resolves.toMatchObject({ text: `from ${A.id}` });
      expect(calls).toEqual([A.id]);
      expect(ctx.target).toEqual(A);
      const failing = byTarget({ [A.id]: fail('throttled', { retryAfterMs: 7 }) });
      await expect(layer.generate!(request([A]), context().ctx, failing.next)).rejects.toMatchObject({
        kind: 'throttled',
        retryAfterMs: 7,
      });
    });

    it('an abort or a deadline while the target runs is typed aborted / timeout', async () => {
      const layer = createFallbackLayer();
      const honours = (signal: AbortSignal) =>
        new Promise<void>((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(new Error('socket hang up')), { once: true }),
        );
      const { next } = byTarget({ [A.id]: honours });
      const aborted = new AbortController();
      setTimeout(() => aborted.abort(), 5);
      await expect(
        layer.generate!(request([A]), context({ signal: aborted.signal }).ctx, next),
      ).rejects.toMatchObject({ kind: 'aborted', provider: A.provider });
      const timedOut = new AbortController();
      setTimeout(() => timedOut.abort(new DOMException('deadline', 'TimeoutError')), 5);
      await expect(
        layer.generate!(request([A]), context({ signal: timedOut.signal }).ctx, next),
      ).rejects.toMatchObject({ kind: 'timeout' });
      await expect(
        layer.generate!(request([A]), context({ signal: AbortSignal.abort() }).ctx, next),
      ).rejects.toMatchObject({ kind: 'aborted' });
    });
  });

  describe('streams', () => {
    const streams = (
      plan: Record<string, (t: Target) => AsyncIterable<never>>,
    ): { next: StreamNext; calls: string[] } => {
      const calls: string[] = [];
      const next: StreamNext = (_req, ctx) => {
        const t = ctx.target!;
        calls.push(t.id);
        return plan[t.id]?.(t) ?? fakeStream(t, ['he', 'llo']);
      };
      return { next, calls };
    };

    it('falls back while nothing has reached the caller', async () => {
      const layer = createFallbackLayer();
      const { next, calls } = streams({
        [A.id]: (t) =>
          fakeStream(t, ['x'], { after: 0, error: error('unavailable') }) as AsyncIterable<never>,
      });
      const out = await collect(layer.stream!(request([A, B]), context({ operation: 'stream' }).ctx, next));
      expect(out).toMatchObject({ text: 'hello' });
      expect(out.events.at(-1)).toMatchObject({ type: 'finish', provider: 'vertex' });
      expect(calls).toEqual([A.id, B.id]);
    });

    it('hedges a stream that has not produced its first event in time; the slow one is aborted', async () => {
      const layer = createFallbackLayer({ hedging: { afterMs: 20 } });
      let slowAborted = false;
      const calls: string[] = [];
      const next: StreamNext = (_req, ctx) => {
        const t = ctx.target!;
        calls.push(t.id);
        if (t.id !== A.id) return fakeStream(t, ['fast']);
        return (async function* () {
          await new Promise<void>((resolve) =>
            ctx.signal.addEventListener('abort', () => {
              slowAborted = true;
              resolve();
            }),
          );
          yield* fakeStream(t, ['slow']);
        })();
      };
      const { ctx, events } = context({ operation: 'stream' });
      const out = await collect(layer.stream!(request([A, B]), ctx, next));
      expect(out.text).toBe('fast');
      expect(calls).toEqual([A.id, B.id]);
      expect(slowAborted).toBe(true);
      expect(ofType(events, 'hedge')).toHaveLength(1);
    });

    it('after 3 chunks, a cut reaches the caller as a typed mid-stream error after the 3 chunks', async () => {
      const layer = createFallbackLayer();
      const { next, calls } = streams({
        [A.id]: (t) =>
          fakeStream(t, ['one ', 'two ', 'three ', 'four'], {
            after: 3,
            error: error('unavailable', { code: 'ECONNRESET' }),
          }) as AsyncIterable<never>,
      });
      const out = await collect(layer.stream!(request([A, B]), context({ operation: 'stream' }).ctx, next));
      expect(out.events.map((e) => e.type)).toEqual(['delta', 'delta', 'delta']);
      expect(out.text).toBe('one two three ');
      expect(out.error).toMatchObject({
        kind: 'mid-stream',
        retryable: false,
        deliveredChars: 14,
        target: A,
        code: 'ECONNRESET',
      });
      expect(calls).toEqual([A.id]);
    });
  });
});
