import type { ClientEvent } from '@genai-deploy/client';
import { startEmulator } from '@genai-deploy/emulator';
import { describe, expect, it } from 'vitest';
import { emulatorClient, resetEmulator, upstream } from './client-cache-helpers.js';
import { emulatorSuite } from './client-emulator-suite.js';

// Evidence for issue 6 (embedding micro-batching): createClient → official clients → the emulator.

const emulator = emulatorSuite({ port: 0 });
const client = emulator.client;

const VERTEX = 'vertex/text-embedding-005';

describe('embedding micro-batching', () => {
  it('1,000 concurrent single-text calls to text-embedding-005 make at most 5 predict calls, vectors right and in order', async () => {
    const texts = Array.from({ length: 1000 }, (_, i) => `document number ${i} about topic ${i % 17}`);
    // The reference: the same texts embedded without batching or caching, 250 per call.
    const plain = emulatorClient(emulator.url, { cache: false, batch: false });
    const expected: number[][] = [];
    try {
      for (let i = 0; i < texts.length; i += 250) {
        expected.push(...(await plain.embed({ model: VERTEX, input: texts.slice(i, i + 250) })).embeddings);
      }
    } finally {
      await plain.close();
    }
    await resetEmulator(emulator.url);

    const events: ClientEvent[] = [];
    const c = client({ cache: false, onEvent: (e) => events.push(e) });
    const results = await Promise.all(texts.map((text) => c.embed({ model: VERTEX, input: text })));
    const counts = await upstream(emulator.url);
    expect(counts.byOperation['vertex.predict']).toBeLessThanOrEqual(5);
    expect(counts.items['vertex.predict']).toBe(1000);
    results.forEach((r, i) => {
      expect(r.embeddings).toHaveLength(1);
      expect(r.embeddings[0]).toEqual(expected[i]);
    });
    expect(new Set(results.map((r) => r.embeddings[0]![0])).size).toBeGreaterThan(900); // really distinct vectors
    const dispatches = events.filter((e) => e.type === 'batch-dispatch');
    expect(dispatches.map((e) => e.size).reduce((a, b) => a + b)).toBe(1000);
    expect(dispatches.every((e) => e.size <= 250)).toBe(true);
    expect(c.cacheStats().batchSizeHistogram.counts.reduce((a, b) => a + b)).toBe(dispatches.length);
  });

  it('1,000 concurrent single-text calls over 100 distinct texts send exactly 100 texts upstream; every vector equals an unbatched client’s', async () => {
    const distinct = Array.from({ length: 100 }, (_, i) => `shared passage ${i} on subject ${i % 7}`);
    const texts = Array.from({ length: 1000 }, (_, i) => distinct[(i * 37) % 100]!);
    const plain = emulatorClient(emulator.url, { cache: false, batch: false });
    const reference = new Map<string, number[]>();
    try {
      const { embeddings } = await plain.embed({ model: VERTEX, input: distinct });
      for (const [i, t] of distinct.entries()) reference.set(t, embeddings[i]!);
    } finally {
      await plain.close();
    }
    // Without a cache (only the batch layer can share texts), then with the default memory cache.
    for (const cache of [false, {}] as const) {
      await resetEmulator(emulator.url);
      const events: ClientEvent[] = [];
      const c = client({ cache, onEvent: (e) => events.push(e) });
      const results = await Promise.all(texts.map((text) => c.embed({ model: VERTEX, input: text })));
      const counts = await upstream(emulator.url);
      expect(counts.items['vertex.predict']).toBe(100);
      for (const [i, r] of results.entries()) expect(r.embeddings).toEqual([reference.get(texts[i]!)]);
      // Each caller has its own copy: changing one vector changes no other caller's.
      results[0]!.embeddings[0]![0] = 42;
      expect(results.filter((r) => r.embeddings[0]![0] === 42)).toHaveLength(1);
      const coalesced = events.filter((e) => e.type === 'cache-coalesced');
      expect(coalesced.reduce((n, e) => n + e.count, 0)).toBe(900);
      expect(c.cacheStats()).toMatchObject({ coalesced: 900, batchedTexts: 100 });
      const dispatches = events.filter((e) => e.type === 'batch-dispatch');
      expect(dispatches.reduce((n, e) => n + e.size, 0)).toBe(100);
      expect(dispatches.reduce((n, e) => n + e.callers, 0)).toBeGreaterThanOrEqual(100);
    }
  });

  it('a text in flight in an earlier batch is awaited, not sent again; a caller that aborts does not fail the others sharing its text', async () => {
    // 300 ms per upstream call: the second wave arrives while the first batch is on the wire.
    const slow = await startEmulator({ port: 0, latency: { baseMs: 300 } });
    const c = emulatorClient(slow.url, { cache: false });
    try {
      const first = Array.from({ length: 50 }, (_, i) => `early text ${i}`);
      const quitter = new AbortController();
      const wave1 = first.map((input, i) =>
        c.embed({ model: VERTEX, input, ...(i === 0 ? { signal: quitter.signal } : {}) }),
      );
      wave1[0]!.catch(() => {});
      await expect.poll(() => slow.requests().inFlight).toBe(1);
      const wave2 = first.map((t) => c.embed({ model: VERTEX, input: [t, `late ${t}`] }));
      quitter.abort(new Error('the first caller left'));
      await expect(wave1[0]).rejects.toThrow('the first caller left');
      const [one, two] = await Promise.all([Promise.all(wave1.slice(1)), Promise.all(wave2)]);
      two.forEach((r, i) => {
        expect(r.embeddings).toHaveLength(2);
        if (i > 0) expect(r.embeddings[0]).toEqual(one[i - 1]!.embeddings[0]);
      });
      const counts = slow.requests();
      expect(counts.byOperation['vertex.predict']).toBe(2);
      expect(counts.items['vertex.predict']).toBe(100); // 50 early texts once, then the 50 late ones
      expect(c.cacheStats().coalesced).toBe(50);
    } finally {
      await c.close();
      await slow.close();
    }
  });

  it('a bad text shared by several callers fails exactly those callers; the texts it shared a batch with succeed', async () => {
    const c = client({ cache: false });
    const bad = Array.from({ length: 2100 }, () => 'a').join(' ');
    const texts = Array.from({ length: 30 }, (_, i) => `fine text ${i}`);
    const calls = [
      ...texts.map((t) => [t]),
      ...texts.map((t) => [t]), // every fine text asked twice
      [bad],
      [bad],
      ['fine text 3', bad], // a caller with one bad text among fine ones
    ];
    const settled = await Promise.allSettled(calls.map((input) => c.embed({ model: VERTEX, input })));
    settled.forEach((s, i) => {
      if (i >= 60) expect(s).toMatchObject({ status: 'rejected', reason: { kind: 'invalid-request' } });
      else expect(s.status).toBe('fulfilled');
    });
    const ok = settled.slice(0, 60) as PromiseFulfilledResult<{ embeddings: number[][] }>[];
    for (let i = 0; i < 30; i++) expect(ok[i + 30]!.value.embeddings).toEqual(ok[i]!.value.embeddings);
  });

  it('one text the provider rejects fails only its own caller', async () => {
    const c = client({ cache: false });
    // 2,100 one-letter words: the client's estimate (~1,050 tokens) passes validation, the service counts
    // 2,100 tokens and rejects the whole request (autoTruncate is off), as Vertex does.
    const bad = Array.from({ length: 2100 }, () => 'a').join(' ');
    const texts = Array.from({ length: 30 }, (_, i) => (i === 13 ? bad : `fine text ${i}`));
    const settled = await Promise.allSettled(texts.map((input) => c.embed({ model: VERTEX, input })));
    settled.forEach((s, i) => {
      if (i === 13) expect(s).toMatchObject({ status: 'rejected', reason: { kind: 'invalid-request' } });
      else expect(s.status).toBe('fulfilled');
    });
    const calls = (await upstream(emulator.url)).byOperation['vertex.predict'] ?? 0;
    expect(calls).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(30))); // bisection, not one call per text
  });

  it('Titan v2 (one text per call) fans out with bounded concurrency; Cohere on Bedrock merges up to 96', async () => {
    const c = client({ cache: false, batch: { fanOutConcurrency: 4 } });
    const titan = 'bedrock/amazon.titan-embed-text-v2:0';
    const out = await Promise.all(
      Array.from({ length: 20 }, (_, i) => c.embed({ model: titan, input: `titan ${i}` })),
    );
    expect(out.every((r) => r.embeddings.length === 1 && r.embeddings[0]!.length === 1024)).toBe(true);
    expect((await upstream(emulator.url)).byOperation['bedrock.invokeModel']).toBe(20);

    await resetEmulator(emulator.url);
    const cohere = 'bedrock/cohere.embed-english-v3';
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => c.embed({ model: cohere, input: `cohere ${i}` })),
    );
    const counts = await upstream(emulator.url);
    expect(counts.byOperation['bedrock.invokeModel']).toBe(3); // 96 + 96 + 8
    expect(counts.items['bedrock.invokeModel']).toBe(200);
  });

  it('batches a SageMaker embeddings endpoint (list input) up to its configured limit', async () => {
    const c = client({ cache: false, batch: { limits: { 'sagemaker/bge-embed': { maxTextsPerCall: 25 } } } });
    const out = await Promise.all(
      Array.from({ length: 100 }, (_, i) => c.embed({ model: 'sagemaker/bge-embed', input: `s ${i}` })),
    );
    expect(out.every((r) => r.embeddings.length === 1)).toBe(true);
    expect((await upstream(emulator.url)).byOperation['sagemaker.invokeEndpoint']).toBe(4);
  });
});
