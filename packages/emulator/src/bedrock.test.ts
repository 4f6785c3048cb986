import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  ServiceQuotaExceededException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import { useAwsEmulator } from './emulator.test-utils.js';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
// Default request handler: HTTP/2 (NodeHttp2Handler), as users run it.
const env = useAwsEmulator(BedrockRuntimeClient);

const ask = (text: string, maxTokens?: number) =>
  new ConverseCommand({
    modelId: MODEL,
    messages: [{ role: 'user', content: [{ text }] }],
    inferenceConfig: maxTokens === undefined ? {} : { maxTokens },
  });

async function collect(stream: AsyncIterable<ConverseStreamOutput> | undefined) {
  const events: ConverseStreamOutput[] = [];
  for await (const event of stream ?? []) events.push(event);
  return events;
}

describe('Bedrock Converse', () => {
  it('answers deterministically with usage counted in words', async () => {
    const a = await env.client.send(ask('What is a GPU?'));
    const b = await env.client.send(ask('What is a GPU?'));
    const c = await env.client.send(ask('What is a TPU?'));
    const text = a.output?.message?.content?.[0]?.text ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(b.output?.message?.content?.[0]?.text).toBe(text);
    expect(c.output?.message?.content?.[0]?.text).not.toBe(text);
    expect(a.stopReason).toBe('end_turn');
    expect(a.usage).toEqual({
      inputTokens: 4,
      outputTokens: text.split(' ').length,
      totalTokens: 4 + text.split(' ').length,
    });
    expect(a.$metadata.httpStatusCode).toBe(200);
  });

  it('caps the answer at maxTokens with stopReason max_tokens', async () => {
    const out = await env.client.send(ask('What is a GPU?', 3));
    expect(out.output?.message?.content?.[0]?.text?.split(' ')).toHaveLength(3);
    expect(out.stopReason).toBe('max_tokens');
    expect(out.usage?.outputTokens).toBe(3);
  });

  it('rejects invalid conversations with ValidationException', async () => {
    const err = await env.client
      .send(
        new ConverseCommand({ modelId: MODEL, messages: [{ role: 'assistant', content: [{ text: 'hi' }] }] }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationException);
    expect((err as ValidationException).message).toMatch(/must start with a user message/);
    expect((err as ValidationException).$metadata.httpStatusCode).toBe(400);
    const blank = await env.client.send(ask(' ')).catch((e: unknown) => e);
    expect((blank as Error).message).toBe(
      'The text field in the ContentBlock object at messages.0.content.0 is blank. Add text to the text field, and try again.',
    );
    const tooMany = await env.client.send(ask('hi', 100_000)).catch((e: unknown) => e);
    expect(tooMany).toBeInstanceOf(ValidationException);
    expect((tooMany as Error).message).toMatch(/model limit of 8192/);
  });

  it('counts requests per operation', async () => {
    await env.client.send(ask('one'));
    await env.client.send(ask('two'));
    const res = await fetch(`${env.emulator.url}/_emulator/requests`);
    expect(await res.json()).toEqual({
      total: 2,
      byOperation: { 'bedrock.converse': 2 },
      items: {},
      inFlight: 0,
    });
  });
});

describe('Bedrock ConverseStream', () => {
  it('streams the same text as Converse, then stop reason and usage', async () => {
    const whole = await env.client.send(ask('Stream me'));
    const out = await env.client.send(
      new ConverseStreamCommand({
        modelId: MODEL,
        messages: [{ role: 'user', content: [{ text: 'Stream me' }] }],
      }),
    );
    const events = await collect(out.stream);
    expect(events[0]?.messageStart?.role).toBe('assistant');
    const text = events.map((e) => e.contentBlockDelta?.delta?.text ?? '').join('');
    expect(text).toBe(whole.output?.message?.content?.[0]?.text);
    expect(events.find((e) => e.messageStop)?.messageStop?.stopReason).toBe('end_turn');
    expect(events.at(-1)?.metadata?.usage?.outputTokens).toBe(whole.usage?.outputTokens);
    expect(env.emulator.requests().byOperation['bedrock.converseStream']).toBe(1);
  });
});

/** Streams a ConverseStream answer to its end or its error: the text deltas received, and what it threw. */
async function streamUntilError(text: string): Promise<{ deltas: string[]; err: unknown }> {
  const out = await env.client.send(
    new ConverseStreamCommand({ modelId: MODEL, messages: [{ role: 'user', content: [{ text }] }] }),
  );
  const deltas: string[] = [];
  const err = await (async () => {
    for await (const e of out.stream ?? [])
      if (e.contentBlockDelta?.delta?.text) deltas.push(e.contentBlockDelta.delta.text);
  })().catch((e: unknown) => e);
  return { deltas, err };
}

describe('Bedrock faults', () => {
  it('status 429 alone is a ThrottlingException with a retry hint', async () => {
    env.emulator.setFaults([{ provider: 'bedrock', status: 429, retryAfterMs: 2000, count: 1 }]);
    const err = await env.client.send(ask('hello')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThrottlingException);
    expect((err as ThrottlingException).$metadata.httpStatusCode).toBe(429);
    expect((err as ThrottlingException).$response?.headers['retry-after']).toBe('2');
    // count: 1 is spent
    await expect(env.client.send(ask('hello'))).resolves.toBeDefined();
  });

  it('ServiceQuotaExceededException is a 400, ServiceUnavailableException a 503', async () => {
    env.emulator.setFaults([
      { operation: 'bedrock.converse', errorType: 'ServiceQuotaExceededException', count: 1 },
      { operation: 'bedrock.converse', status: 503, count: 1 },
    ]);
    const quota = await env.client.send(ask('x')).catch((e: unknown) => e);
    expect(quota).toBeInstanceOf(ServiceQuotaExceededException);
    expect((quota as ServiceQuotaExceededException).$metadata.httpStatusCode).toBe(400);
    const unavailable = await env.client.send(ask('x')).catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(ServiceUnavailableException);
    expect((unavailable as ServiceUnavailableException).$metadata.httpStatusCode).toBe(503);
  });

  it('stream-error sends a throttlingException event after N chunks', async () => {
    env.emulator.setFaults([{ operation: 'bedrock.converseStream', kind: 'stream-error', afterChunks: 2 }]);
    const { deltas, err } = await streamUntilError('Stream me');
    expect(deltas).toHaveLength(2);
    expect(err).toBeInstanceOf(ThrottlingException);
  });

  it('stream-cut ends the stream with an error after N chunks', async () => {
    env.emulator.setFaults([{ operation: 'bedrock.converseStream', kind: 'stream-cut', afterChunks: 1 }]);
    const { deltas, err } = await streamUntilError('Stream me');
    expect(deltas).toHaveLength(1);
    expect(err).toBeInstanceOf(Error);
  });
});
