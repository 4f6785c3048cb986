import type { ClientEvent, StreamEvent } from '@genai-deploy/client';
import { startEmulator } from '@genai-deploy/emulator';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startRedisChild } from '../packages/client/src/cache/redis-server.test-utils.js';
import { CHAT } from './client.test-utils.js';
import { emulatorClient, REDIS_URL, redisPrefix, upstream } from './client-cache-helpers.js';
import { emulatorSuite } from './client-emulator-suite.js';

// Evidence for issue 6 (caching and coalescing): createClient → official clients → the emulator over real
// sockets, Redis over real connections. Upstream requests are counted by the emulator (/_emulator/requests).

// 40 ms before every answer: concurrent calls really overlap in flight.
const emulator = emulatorSuite({ port: 0, latency: { baseMs: 40 } });
const client = emulator.client;

const ask = (content: string) => ({
  model: CHAT.vertex,
  messages: [{ role: 'user' as const, content }],
  temperature: 0,
  maxTokens: 32,
});

const collect = async (stream: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> => {
  const events: StreamEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
};
const text = (events: readonly StreamEvent[]) =>
  events.map((e) => (e.type === 'delta' ? e.text : '')).join('');

const setFaults = async (rules: readonly object[]) => {
  const res = await fetch(`${emulator.url}/_emulator/faults`, {
    method: 'POST',
    body: JSON.stringify({ rules }),
  });
  if (!res.ok) throw new Error(`POST /_emulator/faults answered ${res.status}: ${await res.text()}`);
};

/** Fill locks left under a test's key prefix (none once every fill has ended). */
async function lockKeys(prefix: string): Promise<string[]> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    return await redis.keys(`${prefix}*:lock`);
  } finally {
    redis.disconnect();
  }
}

describe('in-process cache and coalescing', () => {
  it('100 identical concurrent deterministic calls make exactly 1 upstream request; the next is a cache hit', async () => {
    const events: ClientEvent[] = [];
    const c = client({ onEvent: (e) => events.push(e) });
    const results = await Promise.all(Array.from({ length: 100 }, () => c.generate(ask('what is a GPU?'))));
    expect((await upstream(emulator.url)).byOperation['vertex.generateContent']).toBe(1);
    expect((await upstream(emulator.url)).total).toBe(1);
    expect(new Set(results.map((r) => r.text)).size).toBe(1);
    expect(results.filter((r) => r.attempts === 1)).toHaveLength(1); // the leader; 99 followers made none
    expect(events.filter((e) => e.type === 'cache-coalesced')).toHaveLength(99);

    const again = await c.generate(ask('what is a GPU?'));
    expect(again).toMatchObject({ text: results[0]!.text, cached: true, attempts: 0, provider: 'vertex' });
    expect((await upstream(emulator.url)).total).toBe(1);
    expect(c.cacheStats()).toMatchObject({ memoryHits: 1, coalesced: 99 });
    expect(events.filter((e) => e.type === 'request-end' && e.cached)).toHaveLength(1);
  });

  it('concurrent identical streams share one upstream stream; a cached answer is replayed as a stream', async () => {
    const c = client();
    const read = async () => {
      const events: StreamEvent[] = [];
      for await (const e of c.stream(ask('stream me'))) events.push(e);
      return events;
    };
    const runs = await Promise.all(Array.from({ length: 10 }, read));
    expect(new Set(runs.map(text)).size).toBe(1);
    expect((await upstream(emulator.url)).byOperation['vertex.streamGenerateContent']).toBe(1);

    const replay = await read();
    expect(text(replay)).toBe(text(runs[0]!));
    expect(replay.at(-1)).toMatchObject({ type: 'finish', cached: true, attempts: 0 });
    const viaGenerate = await c.generate(ask('stream me'));
    expect(viaGenerate).toMatchObject({ text: text(runs[0]!), cached: true });
    expect((await upstream(emulator.url)).total).toBe(1);
  });

  it('a coalesced stream caller that stops reading does not cut the others; the upstream closes when all left', async () => {
    // 250 ms per token: an answer (12 to 60 words) takes at least 3 s to stream in full.
    const slow = await startEmulator({ port: 0, latency: { perTokenMs: 250 } });
    const c = emulatorClient(slow.url);
    try {
      const req = { ...ask('a slow story'), maxTokens: 4 };
      const quitter = (async () => {
        for await (const e of c.stream(req)) if (e.type === 'delta') break;
      })();
      const stayer = (async () => {
        const events: StreamEvent[] = [];
        for await (const e of c.stream(req)) events.push(e);
        return events;
      })();
      await quitter;
      const events = await stayer;
      expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: 'length' });
      expect(slow.requests().byOperation['vertex.streamGenerateContent']).toBe(1);

      const other = { ...ask('another slow story'), maxTokens: 1000 };
      await Promise.all(
        [0, 1].map(async () => {
          for await (const e of c.stream(other)) if (e.type === 'delta') break;
        }),
      );
      // Closed well before the answer could have finished streaming by itself.
      await expect.poll(() => slow.requests().inFlight, { timeout: 1500 }).toBe(0);
      expect(slow.requests().byOperation['vertex.streamGenerateContent']).toBe(2);
    } finally {
      await c.close();
      await slow.close();
    }
  });

  it('does not cache sampling calls, errors or streams cut short', async () => {
    const c = client();
    const sampled = { ...ask('sample'), temperature: 0.9 };
    await Promise.all([c.generate(sampled), c.generate(sampled)]);
    expect((await upstream(emulator.url)).total).toBe(2);

    await fetch(`${emulator.url}/_emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ rules: [{ provider: 'vertex', status: 503, count: 1 }] }),
    });
    await expect(c.generate(ask('flaky'))).rejects.toMatchObject({ kind: 'unavailable' });
    expect(await c.generate(ask('flaky'))).toMatchObject({ cached: false, attempts: 1 });

    for await (const e of c.stream(ask('cut'))) if (e.type === 'delta') break;
    const whole: StreamEvent[] = [];
    for await (const e of c.stream(ask('cut'))) whole.push(e);
    expect(whole.at(-1)).toMatchObject({ cached: false });
    expect((await upstream(emulator.url)).byOperation['vertex.streamGenerateContent']).toBe(2);
  });

  it('caches embeddings per text: a call with some texts cached sends only the others', async () => {
    const c = client();
    const model = 'vertex/text-embedding-005';
    const first = await c.embed({ model, input: ['alpha', 'beta'] });
    const second = await c.embed({ model, input: ['beta', 'gamma', 'alpha'] });
    expect(second.embeddings[0]).toEqual(first.embeddings[1]);
    expect(second.embeddings[2]).toEqual(first.embeddings[0]);
    const counts = await upstream(emulator.url);
    expect(counts.byOperation['vertex.predict']).toBe(2);
    expect(counts.items['vertex.predict']).toBe(3); // alpha, beta, then gamma only
    const uncached = emulatorClient(emulator.url, { cache: false });
    try {
      expect((await uncached.embed({ model, input: ['gamma'] })).embeddings[0]).toEqual(second.embeddings[1]);
    } finally {
      await uncached.close();
    }
  });
});

describe('per-call cache scope (tenants)', () => {
  it('tenant A’s cached or in-flight answer is never served to tenant B; the same tenant hits', async () => {
    const c = client();
    const as = (scope: string) => ({ ...ask('a question two tenants ask'), cache: { scope } });
    // In flight at the same time: not coalesced across scopes.
    const [a, b] = await Promise.all([c.generate(as('tenant-a')), c.generate(as('tenant-b'))]);
    expect([a.cached, b.cached]).toEqual([false, false]);
    expect((await upstream(emulator.url)).byOperation['vertex.generateContent']).toBe(2);
    expect(c.cacheStats().coalesced).toBe(0);

    expect(await c.generate(as('tenant-a'))).toMatchObject({ text: a.text, cached: true, attempts: 0 });
    expect(await collect(c.stream(as('tenant-b')))).toContainEqual(
      expect.objectContaining({ type: 'finish', cached: true }),
    );
    // Unscoped calls share neither tenant's entries.
    expect((await c.generate(ask('a question two tenants ask'))).cached).toBe(false);
    expect((await upstream(emulator.url)).byOperation['vertex.generateContent']).toBe(3);

    const embed = (scope: string) =>
      c.embed({ model: 'vertex/text-embedding-005', input: ['a text two tenants embed'], cache: { scope } });
    const [ea, eb] = await Promise.all([embed('tenant-a'), embed('tenant-b')]);
    expect(eb.embeddings).toEqual(ea.embeddings);
    expect((await upstream(emulator.url)).items['vertex.predict']).toBe(2); // once per tenant
    expect(await embed('tenant-a')).toMatchObject({ embeddings: ea.embeddings, cached: true });
    expect((await upstream(emulator.url)).items['vertex.predict']).toBe(2);
  });

  it('refuses a bad scope at the boundary, before any network call', async () => {
    const c = client();
    await expect(c.generate({ ...ask('x'), cache: { scope: '' } })).rejects.toMatchObject({
      kind: 'invalid-request',
      message: expect.stringMatching(/invalid cache\.scope: got ""; expected a non-empty string/),
    });
    expect((await upstream(emulator.url)).total).toBe(0);
  });
});

describe('shared Redis tier', () => {
  it('a second client instance gets the first one’s answer from Redis with no upstream call', async () => {
    const { prefix, cleanup } = redisPrefix();
    try {
      const a = client({ cache: { redis: REDIS_URL, keyPrefix: prefix } });
      const b = client({ cache: { redis: REDIS_URL, keyPrefix: prefix } });
      const first = await a.generate(ask('shared answer'));
      expect(first.cached).toBe(false);
      const second = await b.generate(ask('shared answer'));
      expect(second).toMatchObject({ text: first.text, cached: true, attempts: 0 });
      expect(b.cacheStats().redisHits).toBe(1);
      const vectors = await a.embed({ model: 'vertex/text-embedding-005', input: ['shared text'] });
      expect(await b.embed({ model: 'vertex/text-embedding-005', input: ['shared text'] })).toMatchObject({
        embeddings: vectors.embeddings,
        cached: true,
      });
      expect((await upstream(emulator.url)).total).toBe(2);
    } finally {
      await cleanup();
    }
  });

  it('instances asking the same question at once: one fills under a Redis lock, the others wait for it', async () => {
    const { prefix, cleanup } = redisPrefix();
    try {
      const instances = Array.from({ length: 4 }, () =>
        client({ cache: { redis: REDIS_URL, keyPrefix: prefix } }),
      );
      const results = await Promise.all(instances.map((c) => c.generate(ask('asked everywhere'))));
      expect((await upstream(emulator.url)).total).toBe(1);
      expect(new Set(results.map((r) => r.text)).size).toBe(1);
      expect(results.filter((r) => r.cached)).toHaveLength(3);
    } finally {
      await cleanup();
    }
  });

  it('4 instances streaming the same question at once: 1 upstream stream under the Redis lock, the others replay its answer', async () => {
    const { prefix, cleanup } = redisPrefix();
    try {
      const instances = Array.from({ length: 4 }, () =>
        client({ cache: { redis: REDIS_URL, keyPrefix: prefix } }),
      );
      const runs = await Promise.all(instances.map((c) => collect(c.stream(ask('streamed everywhere')))));
      const counts = await upstream(emulator.url);
      expect(counts.byOperation['vertex.streamGenerateContent']).toBe(1);
      expect(counts.total).toBe(1);
      expect(text(runs[0]!).length).toBeGreaterThan(0);
      expect(new Set(runs.map(text)).size).toBe(1);
      const finishes = runs.map((r) => r.at(-1));
      expect(finishes.filter((f) => f?.type === 'finish' && !f.cached && f.attempts === 1)).toHaveLength(1);
      expect(finishes.filter((f) => f?.type === 'finish' && f.cached && f.attempts === 0)).toHaveLength(3);
      expect(instances.reduce((n, c) => n + c.cacheStats().peerHits, 0)).toBe(3);
      expect(await lockKeys(prefix)).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  it('an instance waiting on another’s stream streams itself when the holder’s stream is cut or fails', async () => {
    const { prefix, cleanup } = redisPrefix();
    try {
      const [a, b] = [0, 1].map(() => client({ cache: { redis: REDIS_URL, keyPrefix: prefix } }));
      for (const [question, fault] of [
        ['cut while streaming', { kind: 'stream-cut', afterChunks: 1 }],
        ['failed before streaming', { status: 503 }],
      ] as const) {
        await setFaults([{ operation: 'vertex.streamGenerateContent', count: 1, ...fault }]);
        const before = (await upstream(emulator.url)).byOperation['vertex.streamGenerateContent'] ?? 0;
        const settled = await Promise.allSettled([a!, b!].map((c) => collect(c.stream(ask(question)))));
        // The holder's caller sees its stream fail; the waiter finds the lock released without an answer
        // and makes its own upstream call, which succeeds.
        expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(1);
        const ok = settled.find((s) => s.status === 'fulfilled') as PromiseFulfilledResult<StreamEvent[]>;
        expect(ok.value.at(-1)).toMatchObject({ type: 'finish', cached: false });
        expect(text(ok.value).length).toBeGreaterThan(0);
        const after = (await upstream(emulator.url)).byOperation['vertex.streamGenerateContent'];
        expect(after! - before).toBe(2);
        expect(await lockKeys(prefix)).toEqual([]);
      }
    } finally {
      await cleanup();
    }
  });

  it('a stream caller that aborts while waiting for another instance’s fill ends promptly, without an upstream call', {
    timeout: 20_000,
  }, async () => {
    const { prefix, cleanup } = redisPrefix();
    // Waits far longer than the test may run: only the abort can end the waiter in time.
    const options = { cache: { redis: REDIS_URL, keyPrefix: prefix }, coalesce: { waitMs: 600_000 } };
    const [holder, waiter] = [client(options), client(options)];
    try {
      await setFaults([
        { operation: 'vertex.streamGenerateContent', kind: 'hang', hangMs: 60_000, count: 1 },
      ]);
      const holding = new AbortController();
      const held = collect(holder.stream({ ...ask('held'), signal: holding.signal }));
      held.catch(() => {});
      await expect.poll(async () => (await upstream(emulator.url)).inFlight).toBe(1);
      expect(await lockKeys(prefix)).toHaveLength(1);

      const leaving = new AbortController();
      const waiting = collect(waiter.stream({ ...ask('held'), signal: leaving.signal }));
      await new Promise((r) => setTimeout(r, 100)); // the waiter is polling the lock by now
      leaving.abort(new Error('the waiter left'));
      await expect(waiting).rejects.toThrow('the waiter left');
      expect((await upstream(emulator.url)).total).toBe(1); // only the holder's hanging call

      holding.abort(new Error('the holder left'));
      await expect(held).rejects.toThrow();
      // The holder's lock goes with its aborted stream.
      await expect.poll(() => lockKeys(prefix)).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  it('keeps answering when Redis is stopped in the middle of a run (fail open)', async () => {
    const redis = await startRedisChild();
    const events: ClientEvent[] = [];
    // No memory tier: every lookup and write goes to Redis, so the outage is felt by every call.
    const c = client({ cache: { redis: redis.url, memory: false }, onEvent: (e) => events.push(e) });
    const call = (i: number) => c.generate(ask(`question ${i % 40}`));
    let failures = 0;
    const run = async (from: number, to: number) => {
      for (let i = from; i < to; i += 10) {
        const batch = await Promise.allSettled(Array.from({ length: 10 }, (_, j) => call(i + j)));
        failures += batch.filter((r) => r.status === 'rejected').length;
      }
    };
    await run(0, 100);
    const hitsBefore = c.cacheStats().redisHits;
    expect(hitsBefore).toBeGreaterThan(0);
    const mid = run(100, 200);
    await new Promise((r) => setTimeout(r, 100));
    await redis.kill();
    await mid;
    await run(200, 300);
    expect(failures).toBe(0);
    expect(c.cacheStats().failOpen).toBeGreaterThan(0);
    expect(events.some((e) => e.type === 'cache-fail-open')).toBe(true);
    expect(events.some((e) => e.type === 'error')).toBe(false);
  });
});
