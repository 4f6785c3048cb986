import { createClient, type GenAiClient } from '@genai-deploy/client';
import { type Emulator, startEmulator } from '@genai-deploy/emulator';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { failure } from './client.test-utils.js';

// The Vertex provider over gRPC (the official client's default transport) against the emulator, which serves
// PredictionService on the same port. An http:// endpoint with transport 'grpc' is an insecure channel.
let emulator: Emulator;
let client: GenAiClient;
const GEMINI = 'vertex/gemini-2.0-flash';
const messages = (content: string) => [{ role: 'user' as const, content }];

beforeAll(async () => {
  // No Google credentials here: skip google-auth-library's GCE metadata probe (the insecure channel needs none).
  process.env.METADATA_SERVER_DETECTION = 'none';
  emulator = await startEmulator({ port: 0 });
  client = createClient({
    retry: false,
    circuitBreaker: false,
    cache: false,
    providers: {
      vertex: { project: 'test-project', location: 'us-central1', endpoint: emulator.url, transport: 'grpc' },
    },
  });
});
afterAll(async () => {
  await client?.close();
  await emulator?.close();
});
beforeEach(() => emulator.reset());

describe('Vertex over gRPC', () => {
  it('generate answers with the same text and usage as REST, one upstream request', async () => {
    const r = await client.generate({ model: GEMINI, messages: messages('Why is the sky blue?') });
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.finishReason).toBe('stop');
    expect(r.usage.outputTokens).toBe(r.text.split(' ').length);
    expect(emulator.requests().byOperation['vertex.generateContent']).toBe(1);
    // REST needs a token (the emulator checks for one); the insecure gRPC channel needed none.
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: 'test-token' });
    const rest = createClient({
      retry: false,
      cache: false,
      providers: {
        vertex: {
          project: 'test-project',
          location: 'us-central1',
          endpoint: emulator.url,
          transport: 'rest',
          authClient,
        },
      },
    });
    try {
      const viaRest = await rest.generate({ model: GEMINI, messages: messages('Why is the sky blue?') });
      expect(viaRest.text).toBe(r.text);
    } finally {
      await rest.close();
    }
  });

  it('stream yields deltas that add up to the generate answer, then finish with usage', async () => {
    const whole = await client.generate({ model: GEMINI, messages: messages('Stream please') });
    let text = '';
    let deltas = 0;
    let finish: { finishReason: string; usage: { outputTokens: number } } | undefined;
    for await (const e of client.stream({ model: GEMINI, messages: messages('Stream please') })) {
      if (e.type === 'delta') {
        text += e.text;
        deltas++;
      } else if (e.type === 'finish') finish = e;
    }
    expect(deltas).toBeGreaterThan(1);
    expect(text).toBe(whole.text);
    expect(finish).toMatchObject({ finishReason: 'stop', usage: { outputTokens: whole.usage.outputTokens } });
  });

  it('breaking out of a stream, or aborting a hung call, cancels the gRPC call upstream', async () => {
    const slow = await startEmulator({ port: 0, latency: { perTokenMs: 20 } });
    const slowClient = createClient({
      retry: false,
      cache: false,
      providers: {
        vertex: { project: 'test-project', location: 'us-central1', endpoint: slow.url, transport: 'grpc' },
      },
    });
    try {
      for await (const e of slowClient.stream({
        model: GEMINI,
        messages: messages('a long answer please'),
      })) {
        if (e.type === 'delta') break;
      }
      await expect.poll(() => slow.requests().inFlight, { timeout: 3000 }).toBe(0);
      expect(slow.requests().total).toBe(1);

      slow.setFaults([{ provider: 'vertex', kind: 'hang', count: 1 }]);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const e = await failure(
        slowClient.generate({ model: GEMINI, messages: messages('x'), signal: controller.signal }),
      );
      expect(e.kind).toBe('aborted');
      await expect.poll(() => slow.requests().inFlight, { timeout: 3000 }).toBe(0);
    } finally {
      await slowClient.close();
      await slow.close();
    }
  });

  it('embed: 3 texts in one predict call, 768 dimensions each', async () => {
    const r = await client.embed({ model: 'vertex/text-embedding-005', input: ['a', 'b', 'c'] });
    expect(r.embeddings).toHaveLength(3);
    for (const v of r.embeddings) expect(v).toHaveLength(768);
    expect(emulator.requests().items['vertex.predict']).toBe(3);
    expect(emulator.requests().byOperation['vertex.predict']).toBe(1);
  });

  it('a 429 is RESOURCE_EXHAUSTED (code 8): throttled, retryable, with the RetryInfo delay', async () => {
    emulator.setFaults([{ provider: 'vertex', status: 429, retryAfterMs: 1500, count: 1 }]);
    const e = await failure(client.generate({ model: GEMINI, messages: messages('x') }));
    expect(e).toMatchObject({
      kind: 'throttled',
      retryable: true,
      provider: 'vertex',
      status: 429,
      code: 'RESOURCE_EXHAUSTED',
      retryAfterMs: 1500,
    });
  });

  it.each([
    [503, 'unavailable', 'UNAVAILABLE', true],
    [400, 'invalid-request', 'INVALID_ARGUMENT', false],
    [401, 'auth', 'UNAUTHENTICATED', false],
    [504, 'timeout', 'DEADLINE_EXCEEDED', true],
  ] as const)('HTTP %i over gRPC → %s (%s)', async (status, kind, code, retryable) => {
    emulator.setFaults([{ provider: 'vertex', status, count: 1 }]);
    const e = await failure(client.generate({ model: GEMINI, messages: messages('x') }));
    expect(e).toMatchObject({ kind, code, retryable, provider: 'vertex' });
  });

  it('with retries on, a 429 is retried after the hint and succeeds (2 upstream requests)', async () => {
    const retrying = createClient({
      cache: false,
      providers: {
        vertex: {
          project: 'test-project',
          location: 'us-central1',
          endpoint: emulator.url,
          transport: 'grpc',
        },
      },
    });
    try {
      emulator.setFaults([{ provider: 'vertex', status: 429, retryAfterMs: 50, count: 1 }]);
      const r = await retrying.generate({ model: GEMINI, messages: messages('retry me') });
      expect(r.attempts).toBe(2);
      expect(emulator.requests().byOperation['vertex.generateContent']).toBe(2);
    } finally {
      await retrying.close();
    }
  });
});
