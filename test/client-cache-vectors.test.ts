import { describe, expect, it } from 'vitest';
import { emulatorClient, REDIS_URL, redisPrefix, upstream } from './client-cache-helpers.js';
import { emulatorSuite } from './client-emulator-suite.js';

// The embeddings cache holds its vectors as Float64Arrays (off the JS heap; issue 19 item 4) and hands the
// vectors received to the caller: what callers get, and what they may do to it, is as before.
const emulator = emulatorSuite({ port: 0 });
const model = 'vertex/text-embedding-005';

describe('embedding vectors through the cache', () => {
  it('gives a hit the very numbers of the answer, and keeps callers from changing the cache or each other', async () => {
    const c = emulator.client();
    const uncached = emulator.client({ cache: false });
    const truth = (await uncached.embed({ model, input: ['one text', 'another text'] })).embeddings;

    // A text twice in one call: one upstream item, two arrays of the same numbers.
    const first = await c.embed({ model, input: ['one text', 'another text', 'one text'] });
    expect(first.cached).toBe(false);
    expect(first.embeddings).toEqual([truth[0], truth[1], truth[0]]);
    expect(first.embeddings[2]).not.toBe(first.embeddings[0]);
    first.embeddings[0]![0] = 42;
    expect(first.embeddings[2]).toEqual(truth[0]);
    first.embeddings[1]!.fill(7);

    const hit = await c.embed({ model, input: ['another text', 'one text', 'one text'] });
    expect(hit).toMatchObject({ cached: true, attempts: 0 });
    expect(hit.embeddings).toEqual([truth[1], truth[0], truth[0]]);
    expect(Array.isArray(hit.embeddings[0])).toBe(true);
    hit.embeddings[1]![0] = -1;
    expect(hit.embeddings[2]).toEqual(truth[0]);
    expect((await c.embed({ model, input: ['one text'] })).embeddings[0]).toEqual(truth[0]);
  });

  it('gives the same numbers from the Redis tier, to a client with an empty memory tier', async () => {
    const { prefix, cleanup } = redisPrefix();
    try {
      const cache = { redis: REDIS_URL, keyPrefix: prefix };
      const a = emulatorClient(emulator.url, { cache });
      const b = emulatorClient(emulator.url, { cache });
      try {
        const received = await a.embed({ model, input: ['a text in redis'] });
        const before = (await upstream(emulator.url)).items['vertex.predict'] ?? 0;
        const fromRedis = await b.embed({ model, input: ['a text in redis'] });
        expect(fromRedis).toMatchObject({ cached: true, embeddings: received.embeddings });
        expect((await upstream(emulator.url)).items['vertex.predict'] ?? 0).toBe(before);
        // Promoted into b's memory tier: the same numbers again, as a plain array of its own.
        const fromMemory = await b.embed({ model, input: ['a text in redis'] });
        expect(fromMemory.embeddings).toEqual(received.embeddings);
        expect(fromMemory.embeddings[0]).not.toBe(fromRedis.embeddings[0]);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    } finally {
      await cleanup();
    }
  });
});
