import {
  BedrockRuntimeClient,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ModelStreamErrorException,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import { useAwsEmulator } from './emulator.test-utils.js';

const env = useAwsEmulator(BedrockRuntimeClient);

const invoke = (modelId: string, body: unknown) =>
  env.client.send(
    new InvokeModelCommand({ modelId, contentType: 'application/json', body: JSON.stringify(body) }),
  );
const decode = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes));
const norm = (v: number[]) => Math.hypot(...v);

describe('InvokeModel: Titan Text Embeddings v2', () => {
  const TITAN = 'amazon.titan-embed-text-v2:0';
  it('returns a deterministic 1024-dim unit vector, or the requested dimensions', async () => {
    const a = decode((await invoke(TITAN, { inputText: 'hello world' })).body);
    const b = decode((await invoke(TITAN, { inputText: 'hello world' })).body);
    const c = decode((await invoke(TITAN, { inputText: 'goodbye' })).body);
    expect(a.embedding).toHaveLength(1024);
    expect(norm(a.embedding)).toBeCloseTo(1, 6);
    expect(a.embedding).toEqual(b.embedding);
    expect(a.embedding).not.toEqual(c.embedding);
    expect(a.inputTextTokenCount).toBe(2);
    const small = decode((await invoke(TITAN, { inputText: 'hello world', dimensions: 256 })).body);
    expect(small.embedding).toHaveLength(256);
    expect(env.emulator.requests().items['bedrock.invokeModel']).toBe(4);
  });

  it('takes one text per call and rejects a list like the service', async () => {
    const err = await invoke(TITAN, { inputText: ['a', 'b'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationException);
    expect((err as Error).message).toBe(
      'Malformed input request: #/inputText: expected type: String, found: JSONArray, please reformat your input and try again.',
    );
    const dims = await invoke(TITAN, { inputText: 'a', dimensions: 300 }).catch((e: unknown) => e);
    expect(dims).toBeInstanceOf(ValidationException);
  });
});

describe('InvokeModel: Cohere Embed', () => {
  const COHERE = 'cohere.embed-english-v3';
  it('embeds up to 96 texts into 1024 dims', async () => {
    const texts = Array.from({ length: 96 }, (_, i) => `text ${i}`);
    const out = decode((await invoke(COHERE, { texts, input_type: 'search_document' })).body);
    expect(out.response_type).toBe('embeddings_floats');
    expect(out.embeddings).toHaveLength(96);
    expect(out.embeddings[0]).toHaveLength(1024);
    const byType = decode(
      (await invoke(COHERE, { texts: ['a'], input_type: 'search_query', embedding_types: ['float'] })).body,
    );
    expect(byType.response_type).toBe('embeddings_by_type');
    expect(byType.embeddings.float[0]).toHaveLength(1024);
    expect(env.emulator.requests().items['bedrock.invokeModel']).toBe(97);
  });

  it('rejects 97 texts and a missing input_type', async () => {
    const err = await invoke(COHERE, {
      texts: Array.from({ length: 97 }, () => 'x'),
      input_type: 'search_document',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationException);
    expect((err as Error).message).toMatch(/expected maximum item count: 96, found: 97/);
    const missing = await invoke(COHERE, { texts: ['x'] }).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/required key \[input_type\] not found/);
  });
});

describe('InvokeModel: Anthropic messages body', () => {
  const CLAUDE = 'anthropic.claude-3-5-haiku-20241022-v1:0';
  const body = {
    anthropic_version: 'bedrock-2023-05-31',
    max_tokens: 512,
    messages: [{ role: 'user', content: 'Hi there' }],
  };

  it('answers in the Anthropic shape with token-count headers', async () => {
    const out = await invoke(CLAUDE, body);
    const msg = decode(out.body);
    expect(msg).toMatchObject({
      type: 'message',
      role: 'assistant',
      stop_reason: 'end_turn',
      usage: { input_tokens: 2 },
    });
    expect(msg.content[0].text.split(' ')).toHaveLength(msg.usage.output_tokens);
    expect(out.$metadata.httpStatusCode).toBe(200);
  });

  it('requires anthropic_version and max_tokens', async () => {
    const err = await invoke(CLAUDE, { messages: body.messages, max_tokens: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationException);
    expect((err as Error).message).toMatch(/required key \[anthropic_version\] not found/);
  });

  it('streams Anthropic events in chunk.bytes', async () => {
    const whole = decode((await invoke(CLAUDE, body)).body).content[0].text;
    const out = await env.client.send(
      new InvokeModelWithResponseStreamCommand({
        modelId: CLAUDE,
        contentType: 'application/json',
        body: JSON.stringify(body),
      }),
    );
    const events: { type: string; delta?: { text?: string; stop_reason?: string } }[] = [];
    for await (const e of out.body ?? []) events.push(decode(e.chunk?.bytes));
    expect(events[0]?.type).toBe('message_start');
    expect(events.map((e) => (e.type === 'content_block_delta' ? e.delta?.text : '')).join('')).toBe(whole);
    expect(events.find((e) => e.type === 'message_delta')?.delta?.stop_reason).toBe('end_turn');
    expect(events.at(-1)?.type).toBe('message_stop');
  });

  it('stream-error with ModelStreamErrorException surfaces as that class', async () => {
    env.emulator.setFaults([
      {
        operation: 'bedrock.invokeModelWithResponseStream',
        kind: 'stream-error',
        errorType: 'ModelStreamErrorException',
        originalStatusCode: 500,
      },
    ]);
    const out = await env.client.send(
      new InvokeModelWithResponseStreamCommand({
        modelId: CLAUDE,
        contentType: 'application/json',
        body: JSON.stringify(body),
      }),
    );
    const err = await (async () => {
      for await (const _ of out.body ?? []) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelStreamErrorException);
    expect((err as ModelStreamErrorException).originalStatusCode).toBe(500);
  });
});
