import { type ErrorKind, type GenAiError, isGenAiError } from '@genai-deploy/client';
import type { FaultRule } from '@genai-deploy/emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHAT, type ClientEmulator, EMBED, PROVIDERS, startClientEmulator } from './client.test-utils.js';

// Every emulator fault maps to the right kind / retryable / status / retryAfterMs (retries off: one attempt).

let env: ClientEmulator;
beforeAll(async () => {
  env = await startClientEmulator();
});
afterAll(() => env.close());
beforeEach(() => env.emulator.reset());

const messages = [{ role: 'user' as const, content: 'hello' }];

async function failure(
  model: string,
  op: 'generate' | 'stream' | 'embed' = 'generate',
  signal?: AbortSignal,
) {
  try {
    if (op === 'generate') await env.client.generate({ model, messages, ...(signal ? { signal } : {}) });
    else if (op === 'embed') await env.client.embed({ model, input: ['x'], ...(signal ? { signal } : {}) });
    else for await (const _ of env.client.stream({ model, messages, ...(signal ? { signal } : {}) }));
  } catch (e) {
    expect(isGenAiError(e)).toBe(true);
    return e as GenAiError;
  }
  throw new Error(`${model} ${op} did not fail`);
}

interface Case {
  readonly name: string;
  readonly model: string;
  readonly rule: FaultRule;
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly op?: 'generate' | 'stream' | 'embed';
}

const CASES: Case[] = [
  // Bedrock
  {
    name: 'ThrottlingException + Retry-After',
    model: CHAT.bedrock,
    rule: { errorType: 'ThrottlingException', retryAfterMs: 2000 },
    kind: 'throttled',
    retryable: true,
    status: 429,
    retryAfterMs: 2000,
  },
  {
    name: 'ServiceQuotaExceededException',
    model: CHAT.bedrock,
    rule: { errorType: 'ServiceQuotaExceededException' },
    kind: 'throttled',
    retryable: false,
    status: 400,
  },
  {
    name: 'ModelNotReadyException',
    model: CHAT.bedrock,
    rule: { errorType: 'ModelNotReadyException' },
    kind: 'unavailable',
    retryable: true,
    status: 429,
  },
  {
    name: 'ServiceUnavailableException',
    model: CHAT.bedrock,
    rule: { errorType: 'ServiceUnavailableException' },
    kind: 'unavailable',
    retryable: true,
    status: 503,
  },
  {
    name: 'InternalServerException',
    model: CHAT.bedrock,
    rule: { status: 500 },
    kind: 'unavailable',
    retryable: true,
    status: 500,
  },
  {
    name: 'ModelTimeoutException',
    model: CHAT.bedrock,
    rule: { errorType: 'ModelTimeoutException' },
    kind: 'timeout',
    retryable: true,
    status: 408,
  },
  {
    name: 'ValidationException',
    model: CHAT.bedrock,
    rule: { errorType: 'ValidationException' },
    kind: 'invalid-request',
    retryable: false,
    status: 400,
  },
  {
    name: 'ValidationException (context length)',
    model: CHAT.bedrock,
    rule: { errorType: 'ValidationException', message: 'prompt is too long: 250123 tokens > 200000 maximum' },
    kind: 'context-length',
    retryable: false,
    status: 400,
  },
  {
    name: 'AccessDeniedException',
    model: CHAT.bedrock,
    rule: { status: 403 },
    kind: 'auth',
    retryable: false,
    status: 403,
  },
  {
    name: 'ResourceNotFoundException',
    model: CHAT.bedrock,
    rule: { status: 404 },
    kind: 'not-found',
    retryable: false,
    status: 404,
  },
  {
    name: 'ModelErrorException 503',
    model: CHAT.bedrock,
    rule: { errorType: 'ModelErrorException', originalStatusCode: 503 },
    kind: 'model-error',
    retryable: true,
    status: 424,
  },
  {
    name: 'ThrottlingException on InvokeModel (embeddings)',
    model: EMBED.bedrock,
    op: 'embed',
    rule: { errorType: 'ThrottlingException' },
    kind: 'throttled',
    retryable: true,
    status: 429,
  },
  {
    name: 'ThrottlingException on ConverseStream',
    model: CHAT.bedrock,
    op: 'stream',
    rule: { errorType: 'ThrottlingException', retryAfterMs: 1000 },
    kind: 'throttled',
    retryable: true,
    status: 429,
    retryAfterMs: 1000,
  },
  {
    name: 'throttling event inside ConverseStream before any text',
    model: CHAT.bedrock,
    op: 'stream',
    rule: { kind: 'stream-error', errorType: 'ThrottlingException' },
    kind: 'throttled',
    retryable: true,
  },
  // SageMaker
  {
    name: 'ModelError with OriginalStatusCode 503',
    model: CHAT.sagemaker,
    rule: { errorType: 'ModelError', originalStatusCode: 503 },
    kind: 'model-error',
    retryable: true,
    status: 424,
  },
  {
    name: 'ModelError with OriginalStatusCode 429',
    model: CHAT.sagemaker,
    rule: { errorType: 'ModelError', originalStatusCode: 429 },
    kind: 'throttled',
    retryable: true,
    status: 424,
  },
  {
    name: 'ModelError with OriginalStatusCode 400',
    model: CHAT.sagemaker,
    rule: { errorType: 'ModelError', originalStatusCode: 400 },
    kind: 'invalid-request',
    retryable: false,
    status: 424,
  },
  {
    name: 'ThrottlingException',
    model: CHAT.sagemaker,
    rule: { errorType: 'ThrottlingException' },
    kind: 'throttled',
    retryable: true,
    status: 429,
  },
  {
    name: 'ModelNotReadyException',
    model: CHAT.sagemaker,
    rule: { errorType: 'ModelNotReadyException' },
    kind: 'unavailable',
    retryable: true,
  },
  {
    name: 'ServiceUnavailable',
    model: CHAT.sagemaker,
    rule: { status: 503 },
    kind: 'unavailable',
    retryable: true,
    status: 503,
  },
  {
    name: 'ValidationError',
    model: CHAT.sagemaker,
    rule: { status: 400 },
    kind: 'invalid-request',
    retryable: false,
    status: 400,
  },
  {
    name: 'ModelError on embeddings',
    model: EMBED.sagemaker,
    op: 'embed',
    rule: { errorType: 'ModelError', originalStatusCode: 500 },
    kind: 'model-error',
    retryable: true,
    status: 424,
  },
  // Vertex AI
  {
    name: 'RESOURCE_EXHAUSTED + RetryInfo',
    model: CHAT.vertex,
    rule: { errorType: 'RESOURCE_EXHAUSTED', retryAfterMs: 3400 },
    kind: 'throttled',
    retryable: true,
    status: 429,
    retryAfterMs: 3400,
  },
  {
    name: 'RESOURCE_EXHAUSTED on streamGenerateContent',
    model: CHAT.vertex,
    op: 'stream',
    rule: { errorType: 'RESOURCE_EXHAUSTED', retryAfterMs: 1500 },
    kind: 'throttled',
    retryable: true,
    status: 429,
    retryAfterMs: 1500,
  },
  {
    name: 'RESOURCE_EXHAUSTED on predict (embeddings)',
    model: EMBED.vertex,
    op: 'embed',
    rule: { errorType: 'RESOURCE_EXHAUSTED' },
    kind: 'throttled',
    retryable: true,
    status: 429,
    retryAfterMs: 1000,
  },
  {
    name: 'UNAVAILABLE',
    model: CHAT.vertex,
    rule: { status: 503 },
    kind: 'unavailable',
    retryable: true,
    status: 503,
  },
  {
    name: 'UNAUTHENTICATED',
    model: CHAT.vertex,
    rule: { status: 401 },
    kind: 'auth',
    retryable: false,
    status: 401,
  },
  {
    name: 'PERMISSION_DENIED',
    model: CHAT.vertex,
    rule: { status: 403 },
    kind: 'auth',
    retryable: false,
    status: 403,
  },
  {
    name: 'NOT_FOUND',
    model: CHAT.vertex,
    rule: { status: 404 },
    kind: 'not-found',
    retryable: false,
    status: 404,
  },
  {
    name: 'INVALID_ARGUMENT (context length)',
    model: CHAT.vertex,
    rule: {
      errorType: 'INVALID_ARGUMENT',
      message: 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).',
    },
    kind: 'context-length',
    retryable: false,
    status: 400,
  },
  {
    name: 'DEADLINE_EXCEEDED',
    model: CHAT.vertex,
    rule: { status: 504 },
    kind: 'timeout',
    retryable: true,
    status: 504,
  },
  // Azure AI inference
  {
    name: '429 + retry-after-ms',
    model: CHAT.azure,
    rule: { status: 429, retryAfterMs: 1500 },
    kind: 'throttled',
    retryable: true,
    status: 429,
    retryAfterMs: 1500,
  },
  {
    name: '429 on a stream request',
    model: CHAT.azure,
    op: 'stream',
    rule: { status: 429, retryAfterMs: 250 },
    kind: 'throttled',
    retryable: true,
    status: 429,
    retryAfterMs: 250,
  },
  {
    name: '429 on embeddings',
    model: EMBED.azure,
    op: 'embed',
    rule: { status: 429 },
    kind: 'throttled',
    retryable: true,
    status: 429,
    retryAfterMs: 1000,
  },
  { name: '401', model: CHAT.azure, rule: { status: 401 }, kind: 'auth', retryable: false, status: 401 },
  { name: '403', model: CHAT.azure, rule: { status: 403 }, kind: 'auth', retryable: false, status: 403 },
  {
    name: '404 DeploymentNotFound',
    model: CHAT.azure,
    rule: { errorType: 'DeploymentNotFound' },
    kind: 'not-found',
    retryable: false,
    status: 404,
  },
  {
    name: 'content_filter',
    model: CHAT.azure,
    rule: {
      errorType: 'content_filter',
      message: 'The response was filtered due to the prompt triggering content management policy.',
    },
    kind: 'content-filter',
    retryable: false,
    status: 400,
  },
  {
    name: 'context_length_exceeded',
    model: CHAT.azure,
    rule: {
      status: 400,
      errorType: 'context_length_exceeded',
      message: "This model's maximum context length is 128000 tokens.",
    },
    kind: 'context-length',
    retryable: false,
    status: 400,
  },
  {
    name: '503',
    model: CHAT.azure,
    rule: { status: 503 },
    kind: 'unavailable',
    retryable: true,
    status: 503,
  },
];

describe('fault mapping', () => {
  it.each(CASES)('$model $name', async (c) => {
    const provider = c.model.slice(0, c.model.indexOf('/')) as FaultRule['provider'];
    env.emulator.setFaults([{ provider, ...c.rule }]);
    const e = await failure(c.model, c.op);
    expect({ kind: e.kind, retryable: e.retryable, provider: e.provider }).toEqual({
      kind: c.kind,
      retryable: c.retryable,
      provider,
    });
    if (c.status !== undefined) expect(e.status).toBe(c.status);
    expect(e.retryAfterMs).toBe(c.retryAfterMs);
    expect(e.target?.id).toBe(c.model.split('@')[0]);
    expect(e.message.length).toBeGreaterThan(10);
    // One attempt, one upstream request: nothing below the client retried.
    expect(env.emulator.requests().total).toBe(1);
  });

  it.each(PROVIDERS)('%s: a connection reset is a retryable `unavailable`', async (provider) => {
    env.emulator.setFaults([{ provider, kind: 'reset' }]);
    const e = await failure(CHAT[provider]);
    expect(e).toMatchObject({ kind: 'unavailable', retryable: true, provider });
    expect(env.emulator.requests().total).toBe(1);
  });
});

describe('abort and deadline', () => {
  it.each(PROVIDERS)(
    '%s: aborting the signal during a hung call rejects with `aborted` and closes the request',
    async (provider) => {
      env.emulator.setFaults([{ provider, kind: 'hang' }]);
      const controller = new AbortController();
      const pending = failure(CHAT[provider], 'generate', controller.signal);
      await new Promise((r) => setTimeout(r, 150));
      controller.abort();
      const e = await pending;
      expect(e).toMatchObject({ kind: 'aborted', retryable: false });
      await expect.poll(() => env.emulator.requests().inFlight, { timeout: 3000 }).toBe(0);
    },
  );

  it('the overall deadline rejects with `timeout`', async () => {
    env.emulator.setFaults([{ provider: 'bedrock', kind: 'hang' }]);
    const started = Date.now();
    const e = await env.client
      .generate({ model: CHAT.bedrock, messages, deadlineMs: 200 })
      .catch((err: unknown) => err as GenAiError);
    expect(e).toMatchObject({ kind: 'timeout' });
    expect(Date.now() - started).toBeLessThan(5000);
    await expect.poll(() => env.emulator.requests().inFlight, { timeout: 3000 }).toBe(0);
  });

  it('an already aborted signal fails before any request', async () => {
    const e = await failure(CHAT.azure, 'generate', AbortSignal.abort());
    expect(e.kind).toBe('aborted');
    expect(env.emulator.requests().total).toBe(0);
  });

  it('close() aborts calls in flight and refuses new ones', async () => {
    const own = env.newClient();
    env.emulator.setFaults([{ provider: 'sagemaker', kind: 'hang' }]);
    const pending = own
      .generate({ model: CHAT.sagemaker, messages })
      .catch((err: unknown) => err as GenAiError);
    await new Promise((r) => setTimeout(r, 100));
    await own.close();
    expect(await pending).toMatchObject({ kind: 'aborted' });
    await expect(own.generate({ model: CHAT.sagemaker, messages })).rejects.toMatchObject({
      kind: 'aborted',
    });
    await expect.poll(() => env.emulator.requests().inFlight, { timeout: 3000 }).toBe(0);
  });
});
