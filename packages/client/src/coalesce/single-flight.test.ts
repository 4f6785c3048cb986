import { describe, expect, it } from 'vitest';
import { SharedStream } from './shared-stream.js';
import { SingleFlight } from './single-flight.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SingleFlight', () => {
  it('runs once for concurrent callers with the same key and shares the result', async () => {
    const flight = new SingleFlight<number>();
    let runs = 0;
    const gate = deferred<number>();
    const calls = Array.from({ length: 10 }, () =>
      flight.run('k', new AbortController().signal, () => {
        runs++;
        return gate.promise;
      }),
    );
    expect(calls.filter((c) => c.leader)).toHaveLength(1);
    gate.resolve(42);
    expect(await Promise.all(calls.map((c) => c.promise))).toEqual(Array(10).fill(42));
    expect(runs).toBe(1);
    expect(flight.size).toBe(0);
  });

  it('shares errors too, and starts afresh after settling', async () => {
    const flight = new SingleFlight<number>();
    const a = flight.run('k', new AbortController().signal, async () => {
      throw new Error('boom');
    });
    const b = flight.run('k', new AbortController().signal, async () => 1);
    await expect(a.promise).rejects.toThrow('boom');
    await expect(b.promise).rejects.toThrow('boom');
    const c = flight.run('k', new AbortController().signal, async () => 2);
    expect(c.leader).toBe(true);
    expect(await c.promise).toBe(2);
  });

  it('does not cancel the shared call when one caller aborts, only when all have', async () => {
    const flight = new SingleFlight<string>();
    let upstream: AbortSignal | undefined;
    const gate = deferred<string>();
    const c1 = new AbortController();
    const c2 = new AbortController();
    const a = flight.run('k', c1.signal, (s) => {
      upstream = s;
      return gate.promise;
    });
    const b = flight.run('k', c2.signal, () => gate.promise);
    c1.abort(new Error('caller 1 gave up'));
    await expect(a.promise).rejects.toThrow('caller 1 gave up');
    expect(upstream!.aborted).toBe(false);
    gate.resolve('answer');
    expect(await b.promise).toBe('answer');

    const gate2 = deferred<string>();
    const c3 = new AbortController();
    const c = flight.run('j', c3.signal, (s) => {
      upstream = s;
      return gate2.promise;
    });
    c3.abort(new Error('last caller left'));
    await expect(c.promise).rejects.toThrow('last caller left');
    expect(upstream!.aborted).toBe(true);
    expect(flight.size).toBe(0); // a new caller starts a new call instead of joining the cancelled one
  });
});

async function* ticks(n: number, signal: AbortSignal, step = 5) {
  for (let i = 0; i < n; i++) {
    await new Promise((r) => setTimeout(r, step));
    signal.throwIfAborted();
    yield i;
  }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('SharedStream', () => {
  it('gives every consumer every event, late joiners included', async () => {
    let opened = 0;
    let settled = 0;
    const shared = new SharedStream<number>(
      (s) => {
        opened++;
        return ticks(5, s);
      },
      () => settled++,
    );
    const first = collect(shared.consume(new AbortController().signal));
    await new Promise((r) => setTimeout(r, 12));
    const late = collect(shared.consume(new AbortController().signal));
    expect(await first).toEqual([0, 1, 2, 3, 4]);
    expect(await late).toEqual([0, 1, 2, 3, 4]);
    expect(opened).toBe(1);
    expect(settled).toBe(1);
    expect(shared.closed).toBe(true);
  });

  it('keeps the upstream open while one consumer remains, and aborts it when the last leaves', async () => {
    let upstream: AbortSignal | undefined;
    const shared = new SharedStream<number>(
      (s) => {
        upstream = s;
        return ticks(100, s);
      },
      () => {},
    );
    const quitter = new AbortController();
    const a = (async () => {
      for await (const x of shared.consume(quitter.signal)) if (x === 1) quitter.abort(new Error('bye'));
    })();
    const b: number[] = [];
    const stayer = (async () => {
      for await (const x of shared.consume(new AbortController().signal)) {
        b.push(x);
        if (x === 4) break;
      }
    })();
    await expect(a).rejects.toThrow('bye');
    await stayer;
    expect(b).toEqual([0, 1, 2, 3, 4]);
    expect(upstream!.aborted).toBe(true);
    expect(shared.closed).toBe(true);
  });

  it('replays the events received before an upstream error, then throws it to every consumer', async () => {
    const shared = new SharedStream<number>(
      async function* () {
        yield 1;
        throw new Error('cut');
      },
      () => {},
    );
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const x of shared.consume(new AbortController().signal)) seen.push(x);
      })(),
    ).rejects.toThrow('cut');
    expect(seen).toEqual([1]);
  });
});
