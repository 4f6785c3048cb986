import { type GenAiError, isGenAiError, type StreamEvent } from '@genai-deploy/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHAT, type ClientEmulator, PROVIDERS, startClientEmulator } from './client.test-utils.js';

// Streams end upstream when the consumer stops: breaking out of the loop or aborting the signal closes the
// provider's HTTP request/stream (the emulator's in-flight count returns to 0), for every provider.

let env: ClientEmulator;
beforeAll(async () => {
  // 250 ms per token: an answer of 200 tokens would stream for ~50 s, so a request that is still open a few
  // seconds after the consumer stopped was not aborted (no timing assertion needed).
  env = await startClientEmulator({}, { latency: { perTokenMs: 250 } });
});
afterAll(() => env.close());
beforeEach(() => env.emulator.reset());

const messages = [{ role: 'user' as const, content: 'Tell me a long story.' }];

describe.each(PROVIDERS)('%s', (provider) => {
  it('breaking out of the loop aborts the upstream stream', async () => {
    let deltas = 0;
    for await (const event of env.client.stream({ model: CHAT[provider], messages, maxTokens: 200 })) {
      if (event.type === 'delta') deltas++;
      if (deltas === 2) break;
    }
    expect(deltas).toBe(2);
    await expect.poll(() => env.emulator.requests().inFlight, { timeout: 3000 }).toBe(0);
    expect(env.emulator.requests().total).toBe(1);
  });

  it('aborting the signal mid-stream throws `aborted` and closes the upstream stream', async () => {
    const controller = new AbortController();
    const seen: StreamEvent[] = [];
    let error: unknown;
    try {
      for await (const event of env.client.stream({
        model: CHAT[provider],
        messages,
        maxTokens: 200,
        signal: controller.signal,
      })) {
        seen.push(event);
        if (seen.length === 2) controller.abort();
      }
    } catch (e) {
      error = e;
    }
    expect(isGenAiError(error)).toBe(true);
    expect((error as GenAiError).kind).toBe('aborted');
    expect(seen.every((e) => e.type === 'delta')).toBe(true);
    await expect.poll(() => env.emulator.requests().inFlight, { timeout: 3000 }).toBe(0);
  });

  it('a stream cut after some text is a `mid-stream` error (not retried, not repeated)', async () => {
    env.emulator.setFaults([{ provider, kind: 'stream-cut', afterChunks: 2 }]);
    const own = env.newClient({ retry: { maxAttempts: 3 } });
    let text = '';
    const error = await (async () => {
      for await (const event of own.stream({ model: CHAT[provider], messages, maxTokens: 20 })) {
        if (event.type === 'delta') text += event.text;
      }
    })().catch((e: unknown) => e as GenAiError);
    expect(isGenAiError(error)).toBe(true);
    expect((error as GenAiError).kind).toBe('mid-stream');
    expect((error as GenAiError).retryable).toBe(false);
    expect(text.length).toBeGreaterThan(0);
    expect(env.emulator.requests().total).toBe(1);
  });
});

describe('an error event inside the stream, before any text', () => {
  // Bedrock: a ThrottlingException event; SageMaker: a ModelStreamError; Azure: an SSE `error` chunk. Vertex's
  // REST decoder (gax) drops `{ "error" }` array elements, so that stream ends early: `truncated-stream`.
  it.each([
    ['bedrock', 'throttled', 'ThrottlingException'],
    ['sagemaker', 'model-error', 'ModelStreamError'],
    ['vertex', 'unavailable', 'truncated-stream'],
    ['azure', 'unavailable', 'InternalServerError'],
  ] as const)('%s → %s (retryable: nothing reached the caller)', async (provider, kind, code) => {
    env.emulator.setFaults([{ provider, kind: 'stream-error', afterChunks: 0 }]);
    let deltas = 0;
    const error = await (async () => {
      for await (const event of env.client.stream({ model: CHAT[provider], messages, maxTokens: 10 })) {
        if (event.type === 'delta') deltas++;
      }
    })().catch((e: unknown) => e as GenAiError);
    expect(deltas).toBe(0);
    expect(error).toMatchObject({ kind, retryable: true, code, provider });
  });
});

it('a stream that is consumed to the end leaves nothing open', async () => {
  for (const provider of PROVIDERS) {
    for await (const _ of env.client.stream({ model: CHAT[provider], messages, maxTokens: 2 })) {
      // drain
    }
  }
  await expect.poll(() => env.emulator.requests().inFlight, { timeout: 3000 }).toBe(0);
  expect(env.emulator.requests().total).toBe(4);
});
