import { describe, expect, it } from 'vitest';
import { azureResponseError } from './azure/errors.js';
import { embeddingsAdapter, messagesApiAdapter, tgiAdapter } from './sagemaker/payloads.js';
import { mapAwsError } from './shared/aws-errors.js';
import { plainPromptTemplate } from './shared/prompt-template.js';
import { lines, sseEvents } from './shared/sse.js';
import { fromValue } from './vertex/adapter.js';
import { mapGoogleError, retryDelayOf } from './vertex/errors.js';

// Mapping details the emulator does not exercise (gRPC-shaped Google errors, chunk boundaries, other container
// formats). The emulator-backed tests in test/client-*.test.ts cover the wire paths end to end.

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('line and SSE decoding', () => {
  it('reassembles lines split across chunks (and multi-byte characters split across chunks)', async () => {
    const euro = new TextEncoder().encode('€');
    async function* parts() {
      yield new TextEncoder().encode('data: {"a":');
      yield new TextEncoder().encode('1}\r\n\ndata: x');
      yield euro.slice(0, 1);
      yield euro.slice(1);
      yield new TextEncoder().encode('\n');
    }
    expect(await collect(lines(parts()))).toEqual(['data: {"a":1}', '', 'data: x€']);
  });

  it('groups data lines into events, ignoring comments', async () => {
    const events = await collect(
      sseEvents(lines(chunks(': keep-alive\n', 'event: e\ndata: 1\ndata: 2\n\n', 'data: [DONE]\n\n'))),
    );
    expect(events).toEqual([{ event: 'e', data: '1\n2' }, { data: '[DONE]' }]);
  });
});

describe('Google errors over gRPC', () => {
  it('maps numeric status codes and decoded RetryInfo details', () => {
    const e = Object.assign(new Error('8 RESOURCE_EXHAUSTED: Quota exceeded'), {
      code: 8,
      statusDetails: [{ retryDelay: { seconds: 12, nanos: 500_000_000 } }],
    });
    expect(mapGoogleError(e)).toMatchObject({
      kind: 'throttled',
      retryable: true,
      status: 429,
      retryAfterMs: 12_500,
      code: 'RESOURCE_EXHAUSTED',
    });
    expect(mapGoogleError(Object.assign(new Error('x'), { code: 14 }))).toMatchObject({
      kind: 'unavailable',
      retryable: true,
    });
    expect(mapGoogleError(Object.assign(new Error('x'), { code: 16 }))).toMatchObject({
      kind: 'auth',
      retryable: false,
    });
    expect(mapGoogleError(Object.assign(new Error('x'), { code: 1 }))).toMatchObject({ kind: 'aborted' });
    expect(
      mapGoogleError(
        Object.assign(
          new Error(
            'The input token count (2000000) exceeds the maximum number of tokens allowed (1048576).',
          ),
          { code: 3 },
        ),
      ),
    ).toMatchObject({ kind: 'context-length' });
  });

  it('reads RetryInfo in JSON form too', () => {
    expect(
      retryDelayOf([{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo' }, { retryDelay: '1.5s' }]),
    ).toBe(1500);
    expect(retryDelayOf(undefined)).toBeUndefined();
  });

  it('decodes protobuf Values as the REST transport hands them over', () => {
    expect(
      fromValue({
        kind: 'structValue',
        structValue: {
          fields: {
            values: { kind: 'listValue', listValue: { values: [{ kind: 'numberValue', numberValue: 0.5 }] } },
            ok: { boolValue: true },
          },
        },
        nullValue: 0,
        stringValue: '',
      }),
    ).toEqual({ values: [0.5], ok: true });
    expect(fromValue({ kind: 'stringValue', stringValue: 'hi', numberValue: 0 })).toBe('hi');
  });
});

describe('AWS errors', () => {
  it('a SageMaker ModelError whose container said 422 "too many tokens" is context-length, not retryable', () => {
    const e = Object.assign(new Error('Received client error (422) from primary'), {
      name: 'ModelError',
      OriginalStatusCode: 422,
      OriginalMessage:
        'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 5000 `inputs` tokens',
      $metadata: { httpStatusCode: 424 },
    });
    expect(mapAwsError(e, 'sagemaker')).toMatchObject({
      kind: 'context-length',
      retryable: false,
      status: 424,
    });
  });

  it('unknown server faults are retryable `unavailable`; Retry-After is read from the raw response', () => {
    const e = Object.assign(new Error('boom'), {
      name: 'SomethingNew',
      $fault: 'server',
      $metadata: { httpStatusCode: 502 },
      $response: { statusCode: 502, headers: { 'retry-after': '7' } },
    });
    expect(mapAwsError(e, 'bedrock')).toMatchObject({
      kind: 'unavailable',
      retryable: true,
      retryAfterMs: 7000,
      code: 'SomethingNew',
    });
  });

  it('a missing SageMaker endpoint (a 400 ValidationError) is not-found', () => {
    const e = Object.assign(new Error('Endpoint my-ep of account 123456789012 not found.'), {
      name: 'ValidationError',
      $metadata: { httpStatusCode: 400 },
    });
    expect(mapAwsError(e, 'sagemaker')).toMatchObject({ kind: 'not-found', retryable: false });
  });
});

describe('Azure errors', () => {
  it('classifies by code and message', () => {
    expect(azureResponseError(400, {}, { error: { code: 'content_filter', message: 'filtered' } }).kind).toBe(
      'content-filter',
    );
    expect(
      azureResponseError(
        400,
        {},
        { error: { code: 'BadRequest', message: 'x', innererror: { code: 'ResponsibleAIPolicyViolation' } } },
      ).kind,
    ).toBe('content-filter');
    expect(azureResponseError(429, { 'retry-after': '3' }, {})).toMatchObject({
      kind: 'throttled',
      retryAfterMs: 3000,
    });
    expect(azureResponseError(404, {}, { error: { code: 'DeploymentNotFound', message: 'no' } }).kind).toBe(
      'not-found',
    );
  });
});

describe('SageMaker payload adapters', () => {
  const req = {
    model: 'sagemaker/x',
    targets: [],
    system: 'Be brief.',
    messages: [
      { role: 'user' as const, content: 'Hi' },
      { role: 'assistant' as const, content: 'Hello' },
      { role: 'user' as const, content: 'Bye' },
    ],
    maxTokens: 5,
    temperature: 0,
  };

  it('TGI: prompt template, greedy for temperature 0, details on', () => {
    expect(plainPromptTemplate(req)).toBe(
      'System: Be brief.\n\nUser: Hi\n\nAssistant: Hello\n\nUser: Bye\n\nAssistant:',
    );
    expect(tgiAdapter.generateBody!(req, true)).toEqual({
      inputs: plainPromptTemplate(req),
      parameters: { max_new_tokens: 5, do_sample: false, details: true, return_full_text: false },
      stream: true,
    });
  });

  it('TGI: parses answers and stream lines', () => {
    expect(
      tgiAdapter.parseGenerate!([
        {
          generated_text: 'ok',
          details: { finish_reason: 'length', generated_tokens: 5, prefill: [1, 2, 3] },
        },
      ]),
    ).toEqual({ text: 'ok', finishReason: 'length', usage: { inputTokens: 3, outputTokens: 5 } });
    expect(
      tgiAdapter.parseStreamLine!('data:{"token":{"text":" a","special":false},"details":null}'),
    ).toEqual({ text: ' a' });
    expect(
      tgiAdapter.parseStreamLine!(
        'data:{"token":{"text":"</s>","special":true},"details":{"finish_reason":"eos_token","generated_tokens":7}}',
      ),
    ).toEqual({
      finishReason: 'stop',
      outputTokens: 7,
    });
    expect(() =>
      tgiAdapter.parseStreamLine!(
        'data:{"error":"Request failed during generation","error_type":"generation"}',
      ),
    ).toThrow(/Request failed during generation/);
    expect(tgiAdapter.parseStreamLine!('')).toBeUndefined();
  });

  it('Messages API: OpenAI-style body, answer and chunks', () => {
    expect(messagesApiAdapter.generateBody!(req, false)).toMatchObject({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'Bye' },
      ],
      max_tokens: 5,
      temperature: 0,
    });
    expect(
      messagesApiAdapter.parseGenerate!({
        choices: [{ message: { content: 'x' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 4, completion_tokens: 1 },
      }),
    ).toEqual({ text: 'x', finishReason: 'stop', usage: { inputTokens: 4, outputTokens: 1 } });
    expect(
      messagesApiAdapter.parseStreamLine!(
        'data: {"choices":[{"delta":{"content":"y"},"finish_reason":null}]}',
      ),
    ).toEqual({ text: 'y' });
    expect(messagesApiAdapter.parseStreamLine!('data: [DONE]')).toEqual({ done: true });
  });

  it('embeddings: list in, list (or { embeddings }) out', () => {
    expect(embeddingsAdapter.embedBody!(['a', 'b'], { model: 'm', input: ['a', 'b'], targets: [] })).toEqual({
      inputs: ['a', 'b'],
    });
    expect(embeddingsAdapter.parseEmbed!([[1], [2]], ['a', 'b'])).toEqual({ embeddings: [[1], [2]] });
    expect(embeddingsAdapter.parseEmbed!({ embeddings: [[1]] }, ['a'])).toEqual({ embeddings: [[1]] });
    expect(() => embeddingsAdapter.parseEmbed!({ nope: 1 }, ['a'])).toThrow(/unexpected embeddings response/);
  });
});
