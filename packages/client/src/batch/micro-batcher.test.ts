import { describe, expect, it } from 'vitest';
import { MicroBatcher } from './micro-batcher.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('MicroBatcher', () => {
  it('merges keys loaded within the window into one batch, results in key order', async () => {
    const batches: number[][] = [];
    const b = new MicroBatcher<number, string>({
      windowMs: 10,
      batch: async (keys) => {
        batches.push([...keys]);
        return keys.map((k) => `v${k}`);
      },
    });
    const a = b.load(1);
    await sleep(2);
    const rest = [b.load(2), b.load(3)];
    expect(await Promise.all([a, ...rest])).toEqual(['v1', 'v2', 'v3']);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('sends a full batch at once and splits by size and by weight', async () => {
    const batches: number[][] = [];
    const b = new MicroBatcher<number, number>({
      windowMs: 60_000, // only full batches (and the final seal) leave: proves fullness triggers dispatch
      maxBatchSize: 4,
      maxBatchWeight: 10,
      weigh: (k) => k,
      batch: async (keys) => {
        batches.push([...keys]);
        return keys;
      },
    });
    const loads = [1, 1, 1, 1, 1, 8, 3, 3].map((k) => b.load(k));
    await Promise.all(loads.slice(0, 5));
    expect(batches).toEqual([
      [1, 1, 1, 1],
      [1, 8],
    ]);
    const lone = b.load(20); // heavier than the limit: goes alone, never blocks the queue
    expect(await lone).toBe(20);
    expect(batches.slice(2)).toEqual([[3, 3], [20]]);
  });

  it('gives per-key errors to their keys only (dataloader contract)', async () => {
    const b = new MicroBatcher<number, number>({
      windowMs: 1,
      batch: async (keys) => keys.map((k) => (k < 0 ? new Error(`bad key ${k}`) : k * 2)),
    });
    expect(await b.loadMany([1, -1, 3])).toEqual([2, new Error('bad key -1'), 6]);
    await expect(b.load(-5)).rejects.toThrow('bad key -5');
  });

  it('fails every key with a clear error when the batch function returns the wrong number of results', async () => {
    const b = new MicroBatcher<number, number>({ windowMs: 0, batch: async () => [1] });
    const all = await b.loadMany([1, 2]);
    for (const r of all)
      expect(String(r)).toMatch(/returned 1 results for 2 keys.*one result .* per key, in key order/);
  });

  it('fails every key of a batch whose function throws, and keeps working afterwards', async () => {
    let fail = true;
    const b = new MicroBatcher<number, number>({
      windowMs: 0,
      batch: async (keys) => {
        if (fail) throw new Error('upstream down');
        return keys;
      },
    });
    await expect(Promise.all([b.load(1), b.load(2)])).rejects.toThrow('upstream down');
    fail = false;
    expect(await b.load(3)).toBe(3);
  });

  it('bounds batches in flight; waiting keys keep filling the open batch', async () => {
    let inFlight = 0;
    let peak = 0;
    const sizes: number[] = [];
    const b = new MicroBatcher<number, number>({
      windowMs: 0,
      maxBatchSize: 1,
      maxConcurrency: 3,
      batch: async (keys) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        sizes.push(keys.length);
        await sleep(5);
        inFlight--;
        return keys;
      },
    });
    const out = await Promise.all(Array.from({ length: 12 }, (_, i) => b.load(i)));
    expect(out).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(peak).toBe(3);
    expect(sizes).toEqual(Array(12).fill(1));
  });

  it('drops a key aborted before its batch leaves, and cancels a batch all of whose keys aborted', async () => {
    const batches: number[][] = [];
    let upstream: AbortSignal | undefined;
    const b = new MicroBatcher<number, number>({
      windowMs: 5,
      batch: async (keys, signal) => {
        batches.push([...keys]);
        upstream = signal;
        await sleep(30);
        return keys;
      },
    });
    const gone = new AbortController();
    const a = b.load(1, gone.signal);
    const kept = b.load(2);
    gone.abort(new Error('caller left'));
    await expect(a).rejects.toThrow('caller left');
    expect(await kept).toBe(2);
    expect(batches).toEqual([[2]]);

    const c = new AbortController();
    const late = b.load(3, c.signal);
    await sleep(10); // dispatched
    c.abort(new Error('everyone left'));
    await expect(late).rejects.toThrow('everyone left');
    expect(upstream!.aborted).toBe(true);
  });

  it('loadCancellable: a cancelled key leaves its batch before it is sent; cancelling every key of a sent batch aborts its call', async () => {
    const batches: number[][] = [];
    const signals: AbortSignal[] = [];
    const b = new MicroBatcher<number, number>({
      windowMs: 5,
      batch: (keys, signal) => {
        batches.push([...keys]);
        signals.push(signal);
        return new Promise((resolve) => {
          const timer = setTimeout(() => resolve(keys), 50);
          signal.addEventListener('abort', () => clearTimeout(timer));
        });
      },
    });
    const one = b.loadCancellable(1);
    const two = b.loadCancellable(2);
    one.cancel(new Error('caller left'));
    await expect(one.promise).rejects.toThrow('caller left');
    expect(await two.promise).toBe(2);
    expect(batches).toEqual([[2]]);

    const three = b.loadCancellable(3);
    const four = b.loadCancellable(4);
    await sleep(10); // the batch [3, 4] is in flight
    three.cancel(new Error('gone'));
    expect(signals[1]!.aborted).toBe(false); // 4 still waits
    four.cancel(new Error('gone too'));
    expect(signals[1]!.aborted).toBe(true);
    await expect(three.promise).rejects.toThrow('gone');
    await expect(four.promise).rejects.toThrow('gone too');
    four.cancel(new Error('again')); // a settled key: no effect
  });

  it('idleWindowMs: a key that finds the batcher idle leaves at the end of its turn; keys behind a batch in flight wait the window', async () => {
    const batches: number[][] = [];
    const b = new MicroBatcher<number, number>({
      windowMs: 40,
      idleWindowMs: 0,
      batch: async (keys) => {
        batches.push([...keys]);
        await sleep(20);
        return keys;
      },
    });
    const started = performance.now();
    const first = b.load(1);
    const sameTurn = b.load(2); // loaded in the same turn: shares the idle batch
    await sleep(0);
    expect(batches).toEqual([[1, 2]]); // left without waiting 40 ms
    const behind = [b.load(3), b.load(4)];
    await sleep(5);
    const late = b.load(5); // within the window of the batch forming behind the one in flight
    expect(await Promise.all([first, sameTurn, ...behind, late])).toEqual([1, 2, 3, 4, 5]);
    expect(batches).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(40);
    // Idle again: the next key leaves at once, not after 40 ms.
    await b.load(6);
    expect(batches.at(-1)).toEqual([6]);
  });

  it('rejects bad options with the value received', () => {
    expect(() => new MicroBatcher({ batch: async () => [], idleWindowMs: Number.NaN })).toThrow(
      /idleWindowMs.*NaN/,
    );
    expect(() => new MicroBatcher({ batch: async () => [], windowMs: -1 })).toThrow(
      /windowMs.*non-negative.*-1/,
    );
    expect(() => new MicroBatcher({ batch: async () => [], maxBatchSize: 0 })).toThrow(
      /maxBatchSize.*positive.*0/,
    );
  });
});
