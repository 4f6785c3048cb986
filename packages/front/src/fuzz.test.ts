import { type FrontConfigInput, parseFrontConfig } from '@genai-deploy/config';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFront, type Front } from './app.js';
import { ApiKeys } from './auth.js';
import { type Emulator, emulatorClient, emulatorProviders, startEmulator } from './emulator.test-utils.js';
import { createLogger } from './logger.js';
import { FrontMetrics } from './metrics.js';

const CHAT = 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0';
const EMBED = 'vertex/text-embedding-005';

// Requests that pass the front's validation reach the emulator through the real client over real sockets.
let emulator: Emulator;
let front: Front;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  const config: FrontConfigInput = {
    models: [
      { id: CHAT, maxInputTokens: 2000, maxOutputTokens: 256 },
      { id: EMBED, kind: 'embedding' },
    ],
    routes: { r: { targets: [CHAT] } },
    limits: { requestsPerMinute: 1_000_000, tokensPerMinute: 1_000_000_000, maxBodyBytes: 20_000 },
    providers: emulatorProviders(emulator.url),
  };
  front = createFront({
    config: parseFrontConfig(config),
    apiKeys: ApiKeys.from({ keys: ['k'] }),
    // Cache off: every valid request is an upstream call. One attempt each: a fuzz case never waits on backoff.
    client: emulatorClient(config, { retry: false, circuitBreaker: false, cache: false }),
    logger: createLogger({ level: 'silent' }),
    metrics: new FrontMetrics({ defaultMetrics: false }),
    jobs: { workers: false },
  });
});
afterAll(async () => {
  await front?.close();
  await emulator?.close();
});

const post = (path: string, body: string) =>
  front.app.request(path, {
    method: 'POST',
    headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
    body,
  });

// Values of every JSON type, biased towards the shapes the schema looks at.
const anyJson = fc.jsonValue({ maxDepth: 3 });
const role = fc.oneof(
  fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool', 'function'),
  fc.string(),
);
const content = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.array(
    fc.record({ type: fc.oneof(fc.constant('text'), fc.string()), text: fc.oneof(fc.string(), anyJson) }),
    {
      maxLength: 3,
    },
  ),
  anyJson,
);
const message = fc.oneof(fc.record({ role, content }, { requiredKeys: [] }), anyJson);
const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1, 2, 4096, 1e9, Number.NaN),
  anyJson,
);
const chatBody = fc.record(
  {
    model: fc.oneof(fc.constantFrom(CHAT, 'r', EMBED, 'azure/x', '', 'bedrock/'), fc.string(), anyJson),
    messages: fc.oneof(fc.array(message, { maxLength: 4 }), anyJson),
    max_tokens: number,
    max_completion_tokens: number,
    temperature: number,
    top_p: number,
    n: number,
    stop: fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 6 }), anyJson),
    stream: fc.oneof(fc.boolean(), anyJson),
    stream_options: fc.oneof(fc.record({ include_usage: fc.oneof(fc.boolean(), anyJson) }), anyJson),
    tools: anyJson,
    logprobs: anyJson,
    user: anyJson,
  },
  { requiredKeys: [] },
);
const embeddingsBody = fc.record(
  {
    model: fc.oneof(fc.constantFrom(EMBED, CHAT), fc.string(), anyJson),
    input: fc.oneof(fc.string(), fc.array(fc.oneof(fc.string(), anyJson), { maxLength: 5 }), anyJson),
    encoding_format: fc.oneof(fc.constantFrom('float', 'base64'), fc.string(), anyJson),
    dimensions: number,
    input_type: fc.oneof(fc.constantFrom('query', 'document'), anyJson),
  },
  { requiredKeys: [] },
);
// Mostly valid requests with one field replaced by anything: exercises the paths behind validation.
const validChat = fc
  .record(
    {
      model: fc.constantFrom(CHAT, 'r'),
      // Either any roles, or a conversation the providers accept (user first, alternating, user last).
      messages: fc.oneof(
        fc.array(
          fc.record({
            role: fc.constantFrom('system', 'user', 'assistant'),
            content: fc.string({ maxLength: 100 }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        fc
          .tuple(
            fc.option(fc.string({ maxLength: 50 })),
            fc.array(fc.string({ maxLength: 100 }), { minLength: 1, maxLength: 3 }),
          )
          .map(([system, texts]) => [
            ...(system === null ? [] : [{ role: 'system', content: system }]),
            ...texts.map((content, i) => ({
              role: (texts.length - 1 - i) % 2 === 0 ? 'user' : 'assistant',
              content,
            })),
          ]),
      ),
      max_tokens: fc.integer({ min: 1, max: 300 }),
      temperature: fc.double({ min: 0, max: 2, noNaN: true }),
      stream: fc.boolean(),
    },
    { requiredKeys: ['model', 'messages'] },
  )
  .chain((b) =>
    fc.oneof(
      fc.constant(b),
      fc
        .tuple(fc.constantFrom(...Object.keys(b), 'stop', 'top_p', 'n'), anyJson)
        .map(([k, v]) => ({ ...b, [k]: v })),
    ),
  );
const rawText = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }));

describe('fuzzed request bodies', () => {
  it('never answer 5xx, and always answer OpenAI-shaped errors', async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/v1/chat/completions', '/v1/embeddings', '/v1/jobs'),
        fc.oneof(
          { weight: 4, arbitrary: chatBody.map((b) => JSON.stringify(b)) },
          { weight: 3, arbitrary: validChat.map((b) => JSON.stringify(b)) },
          { weight: 2, arbitrary: embeddingsBody.map((b) => JSON.stringify(b)) },
          { weight: 1, arbitrary: anyJson.map((b) => JSON.stringify(b)) },
          { weight: 1, arbitrary: rawText },
        ),
        async (path, body) => {
          const res = await post(path, body);
          seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
          const text = await res.text();
          expect(res.status, `${path} ${body.slice(0, 300)} -> ${text.slice(0, 300)}`).toBeLessThan(500);
          if (res.status >= 400) {
            const err = JSON.parse(text).error;
            expect(typeof err.message).toBe('string');
            expect(typeof err.type).toBe('string');
          }
        },
      ),
      { numRuns: 3000, seed: 7 },
    );
    // The generators reach past validation too, not only into 400s.
    expect(seen.get(400)).toBeGreaterThan(100);
    expect((seen.get(200) ?? 0) + (seen.get(202) ?? 0)).toBeGreaterThan(10);
    // ... and those reached the emulator.
    const upstream = emulator.requests();
    expect(upstream.byOperation['bedrock.converse'] ?? 0).toBeGreaterThan(10);
    expect(upstream.byOperation['bedrock.converseStream'] ?? 0).toBeGreaterThan(10);
    expect(upstream.inFlight).toBe(0);
  });
});
