import type { ClientEvent } from '@genai-deploy/client';
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
