import { createClient, type GenAiClient } from '@genai-deploy/client';
import { type Emulator, startEmulator } from '@genai-deploy/emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emulatorProviders, failure } from './client.test-utils.js';

// Vertex embeddings with `embedTransport: 'rest-json'`: the documented REST predict call sent through
// google-auth-library's authenticated request and decoded as plain JSON, against the emulator. Every answer
// and error must be what the official client's path gives for the same call.
const MODEL = 'vertex/text-embedding-005';
let emulator: Emulator;
let json: GenAiClient;
let viaClient: GenAiClient;

function vertexClient(url: string, embedTransport: 'client' | 'rest-json', extra = {}): GenAiClient {
  return createClient({
    retry: false,
    circuitBreaker: false,
    cache: false,
    batch: false,
    ...extra,
    providers: { vertex: emulatorProviders(url, { embedTransport }).vertex! },
  });
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  json = vertexClient(emulator.url, 'rest-json');
  viaClient = vertexClient(emulator.url, 'client');
});
afterAll(async () => {
  await json?.close();
  await viaClient?.close();
  await emulator?.close();
});
beforeEach(() => emulator.reset());

describe("Vertex embed with embedTransport 'rest-json'", () => {
  it('createClient rejects an unknown embedTransport, naming the choices', () => {
    expect(() =>
      createClient({
        providers: { vertex: { project: 'p', location: 'us-central1', embedTransport: 'json' as never } },
      }),
    ).toThrow(/invalid providers\.vertex\.embedTransport: got "json"; expected 'client' .* or 'rest-json'/);
  });

  it('gives the same vectors and usage as the official client, in one predict request', async () => {
    for (const req of [
      { model: MODEL, input: ['alpha', 'beta', 'gamma'] },
      { model: MODEL, input: ['what is a query?'], inputType: 'query' as const },
      { model: MODEL, input: ['short', 'vectors'], dimensions: 256 },
    ]) {
      emulator.reset();
      const a = await json.embed(req);
      expect(emulator.requests().byOperation['vertex.predict']).toBe(1);
      expect(emulator.requests().items['vertex.predict']).toBe(req.input.length);
      const b = await viaClient.embed(req);
      expect(a.embeddings).toEqual(b.embeddings);
      expect(a.embeddings[0]).toHaveLength(req.dimensions ?? 768);
      expect(a.usage.inputTokens).toBe(b.usage.inputTokens);
      expect(a.usage.inputTokens).toBeGreaterThan(0);
      expect(a).toMatchObject({ provider: 'vertex', model: 'text-embedding-005' });
    }
    // The task type reaches the model: a query and a document of the same text are different vectors.
    const [query, doc] = await Promise.all([
      json.embed({ model: MODEL, input: 'same text', inputType: 'query' }),
      json.embed({ model: MODEL, input: 'same text' }),
    ]);
    expect(query.embeddings[0]).not.toEqual(doc.embeddings[0]);
  });

  it.each([
    [429, 'throttled', 'RESOURCE_EXHAUSTED', true],
    [503, 'unavailable', 'UNAVAILABLE', true],
    [400, 'invalid-request', 'INVALID_ARGUMENT', false],
    [401, 'auth', 'UNAUTHENTICATED', false],
    [404, 'not-found', 'NOT_FOUND', false],
  ] as const)('HTTP %i → %s (%s), as the official client maps it', async (status, kind, code, retryable) => {
    const fault = {
      provider: 'vertex' as const,
      status,
      count: 1,
      ...(status === 429 ? { retryAfterMs: 1500 } : {}),
    };
    emulator.setFaults([fault]);
    const e = await failure(json.embed({ model: MODEL, input: 'x' }));
    expect(e).toMatchObject({ kind, code, retryable, provider: 'vertex', status });
    if (status === 429) expect(e.retryAfterMs).toBe(1500);
    emulator.setFaults([fault]);
    const same = await failure(viaClient.embed({ model: MODEL, input: 'x' }));
    expect({ kind: same.kind, code: same.code, retryable: same.retryable, status: same.status }).toEqual({
      kind: e.kind,
      code: e.code,
      retryable: e.retryable,
      status: e.status,
    });
  });

  it('a reset connection is a retryable network failure; with retries on, the call succeeds', async () => {
    emulator.setFaults([{ provider: 'vertex', kind: 'reset', count: 1 }]);
    const e = await failure(json.embed({ model: MODEL, input: 'x' }));
    expect(e).toMatchObject({ kind: 'unavailable', retryable: true, provider: 'vertex' });
    const retrying = vertexClient(emulator.url, 'rest-json', { retry: undefined });
    try {
      emulator.reset();
      emulator.setFaults([{ provider: 'vertex', status: 429, retryAfterMs: 20, count: 1 }]);
      const r = await retrying.embed({ model: MODEL, input: 'retry me' });
      expect(r.attempts).toBe(2);
      expect(emulator.requests().byOperation['vertex.predict']).toBe(2);
    } finally {
      await retrying.close();
    }
  });

  it('an abort ends the upstream request', async () => {
    emulator.setFaults([{ provider: 'vertex', kind: 'hang', count: 1 }]);
    const controller = new AbortController();
    const pending = failure(json.embed({ model: MODEL, input: 'hang', signal: controller.signal }));
    await expect.poll(() => emulator.requests().inFlight, { timeout: 3000 }).toBe(1);
    controller.abort();
    expect((await pending).kind).toBe('aborted');
    await expect.poll(() => emulator.requests().inFlight, { timeout: 3000 }).toBe(0);
  });

  it('micro-batches 1,000 concurrent single-text calls into at most 5 predict requests, vectors in order', async () => {
    const batched = vertexClient(emulator.url, 'rest-json', { batch: { windowMs: 5 } });
    try {
      const texts = Array.from({ length: 1000 }, (_, i) => `rest-json text ${i}`);
      const results = await Promise.all(texts.map((input) => batched.embed({ model: MODEL, input })));
      expect(emulator.requests().byOperation['vertex.predict']).toBeLessThanOrEqual(5);
      emulator.reset();
      const expected: number[][] = [];
      for (let i = 0; i < texts.length; i += 250)
        expected.push(
          ...(await viaClient.embed({ model: MODEL, input: texts.slice(i, i + 250) })).embeddings,
        );
      expect(results.map((r) => r.embeddings[0])).toEqual(expected);
    } finally {
      await batched.close();
    }
  });
});
