import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../types.js';
import { createAttemptTimeoutLayer } from './attempt-timeout.js';
import { A, collect, context, request, result } from './resilience.test-utils.js';

describe('attempt timeout layer', () => {
  it('fails a slow attempt with a retryable timeout and aborts its signal', async () => {
    const layer = createAttemptTimeoutLayer(30);
    let seen: AbortSignal | undefined;
    const e = await layer.generate!(request(), context({ target: A }).ctx, async (_req, ctx) => {
      seen = ctx.attemptSignal;
      await delay(1_000);
      return result(A);
    }).catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: 'timeout', retryable: true, target: A });
    expect(seen?.aborted).toBe(true);
    expect((seen!.reason as Error).name).toBe('TimeoutError');
  });

  it('leaves a fast attempt alone', async () => {
    const layer = createAttemptTimeoutLayer(1_000);
    await expect(
      layer.generate!(request(), context({ target: A }).ctx, async () => result(A)),
    ).resolves.toMatchObject({
      text: 'ok',
    });
  });

  it('an overall abort stays an abort, not a timeout', async () => {
    const layer = createAttemptTimeoutLayer(1_000);
    const controller = new AbortController();
    const { ctx } = context({ target: A, signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(
      layer.generate!(
        request(),
        ctx,
        (_req, c) =>
          new Promise((_, reject) => c.signal.addEventListener('abort', () => reject(c.signal.reason))),
      ),
    ).rejects.toMatchObject({ kind: 'aborted' });
  });

  it('streams: times out the wait for each event, not the whole stream', async () => {
    const layer = createAttemptTimeoutLayer(40);
    async function* slowButSteady(): AsyncGenerator<StreamEvent> {
      for (let i = 0; i < 5; i++) {
        await delay(15);
        yield { type: 'delta', text: 'x' };
      }
    }
    const ok = await collect(layer.stream!(request(), context({ target: A }).ctx, () => slowButSteady()));
    expect(ok).toMatchObject({ text: 'xxxxx' });
    async function* stalls(): AsyncGenerator<StreamEvent> {
      yield { type: 'delta', text: 'x' };
      await delay(1_000);
      yield { type: 'delta', text: 'y' };
    }
    const cut = await collect(layer.stream!(request(), context({ target: A }).ctx, () => stalls()));
    expect(cut.text).toBe('x');
    expect(cut.error).toMatchObject({ kind: 'timeout' });
  });
});
