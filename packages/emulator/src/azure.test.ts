import { AzureKeyCredential } from '@azure/core-auth';
import createClient, { type ModelClient } from '@azure-rest/ai-inference';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './index.js';

let emulator: Emulator;
let client: ModelClient;

beforeAll(async () => {
  emulator = await startEmulator();
  client = createClient(emulator.url, new AzureKeyCredential('test-key'), {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => emulator.reset());

interface ChatBody {
  choices: { message: { content: string }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

const chat = (content: string, extra: Record<string, unknown> = {}) =>
  client
    .path('/chat/completions')
    .post({ body: { messages: [{ role: 'user', content }], model: 'gpt-4o-mini', ...extra } });

async function sse(content: string): Promise<{ events: Record<string, unknown>[]; done: boolean }> {
  const res = await client
    .path('/chat/completions')
    .post({ body: { messages: [{ role: 'user', content }], model: 'gpt-4o-mini', stream: true } })
    .asNodeStream();
  let raw = '';
  for await (const chunk of res.body ?? []) raw += chunk.toString();
  const data = raw
    .split('\n\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => l.slice(6));
  return {
    events: data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d)),
    done: data.at(-1) === '[DONE]',
  };
}

describe('Azure chat completions', () => {
  it('answers deterministically with usage', async () => {
    const a = await chat('Tell me about Azure');
    const b = await chat('Tell me about Azure');
    const c = await chat('Tell me about AWS');
    expect(a.status).toBe('200');
    const body = a.body as ChatBody;
    expect((b.body as ChatBody).choices[0]?.message.content).toBe(body.choices[0]?.message.content);
    expect((c.body as ChatBody).choices[0]?.message.content).not.toBe(body.choices[0]?.message.content);
    expect(body.choices[0]?.finish_reason).toBe('stop');
    expect(body.usage.prompt_tokens).toBe(4);
    expect(body.usage.completion_tokens).toBe(body.choices[0]?.message.content.split(' ').length);
  });

  it('caps at max_tokens with finish_reason length', async () => {
    const res = await chat('Tell me about Azure', { max_tokens: 3 });
    expect((res.body as ChatBody).choices[0]).toMatchObject({ finish_reason: 'length' });
    expect((res.body as ChatBody).usage.completion_tokens).toBe(3);
  });

  it('streams SSE chunks ending in usage and [DONE]', async () => {
    const whole = ((await chat('Stream this')).body as ChatBody).choices[0]?.message.content;
    const { events, done } = await sse('Stream this');
    const choices = events.map(
      (e) => (e.choices as { delta: { content?: string }; finish_reason: string | null }[])[0],
    );
    expect(choices.map((c) => c?.delta.content ?? '').join('')).toBe(whole);
    expect(choices.at(-1)?.finish_reason).toBe('stop');
    expect(events.at(-1)?.usage).toBeDefined();
    expect(done).toBe(true);
  });

  it('rejects bad input with 422 and unknown fields unless extra-parameters allows them', async () => {
    const res = await chat('x', { temperature: 5 });
    expect(res.status).toBe('422');
    expect(res.body).toMatchObject({ error: { code: 'Invalid input' } });
    const extra = await chat('x', { frobnicate: true });
    expect(extra.status).toBe('422');
    expect((extra.body as { error: { message: string } }).error.message).toMatch(
      /Extra parameters \['frobnicate'\] are not allowed when extra-parameters is not set/,
    );
    const passed = await client.path('/chat/completions').post({
      body: { messages: [{ role: 'user', content: 'x' }], frobnicate: true } as never,
      headers: { 'extra-parameters': 'pass-through' },
    });
    expect(passed.status).toBe('200');
  });
});

describe('Azure embeddings and info', () => {
  it('embeds into 1536 dims by default or the requested dimensions, counting items', async () => {
    const res = await client
      .path('/embeddings')
      .post({ body: { input: ['a', 'b', 'c'], model: 'text-embedding-3-small' } });
    expect(res.status).toBe('200');
    const body = res.body as { data: { index: number; embedding: number[] }[] };
    expect(body.data).toHaveLength(3);
    expect(body.data[0]?.embedding).toHaveLength(1536);
    expect(Math.hypot(...(body.data[0]?.embedding ?? []))).toBeCloseTo(1, 6);
    const small = await client.path('/embeddings').post({ body: { input: ['a'], dimensions: 256 } });
    expect((small.body as { data: { embedding: number[] }[] }).data[0]?.embedding).toHaveLength(256);
    expect(emulator.requests().items['azure.embeddings']).toBe(4);
  });

  it('rejects more than 2,048 inputs with 400', async () => {
    const res = await client
      .path('/embeddings')
      .post({ body: { input: Array.from({ length: 2049 }, (_, i) => `t${i}`) } });
    expect(res.status).toBe('400');
    expect((res.body as { error: { message: string } }).error.message).toMatch(
      /max number of inputs is 2048/,
    );
  });

  it('GET /info describes the model and is not counted', async () => {
    const res = await client.path('/info').get();
    expect(res.status).toBe('200');
    expect(res.body).toMatchObject({ model_type: 'chat-completion' });
    expect(emulator.requests().total).toBe(0);
  });
});

describe('Azure faults and credentials', () => {
  it('status 429 carries retry-after-ms and retry-after', async () => {
    emulator.setFaults([{ provider: 'azure', status: 429, retryAfterMs: 2500, count: 1 }]);
    const res = await chat('x');
    expect(res.status).toBe('429');
    expect(res.headers['retry-after-ms']).toBe('2500');
    expect(res.headers['retry-after']).toBe('3');
    expect(res.body).toMatchObject({ error: { code: '429' } });
    expect((await chat('x')).status).toBe('200');
  });

  it('stream-error writes an error event after N chunks and no [DONE]', async () => {
    emulator.setFaults([{ operation: 'azure.chatCompletions', kind: 'stream-error', afterChunks: 2 }]);
    const { events, done } = await sse('Stream this');
    expect(events.at(-1)).toMatchObject({ error: { code: 'InternalServerError' } });
    expect(events.filter((e) => e.choices)).toHaveLength(3); // role chunk + 2 content chunks
    expect(done).toBe(false);
  });

  it('rejects a missing key with 401 and a missing api-version with 400', async () => {
    const noKey = await fetch(`${emulator.url}/chat/completions?api-version=2024-05-01-preview`, {
      method: 'POST',
      body: '{}',
    });
    expect(noKey.status).toBe(401);
    const noVersion = await fetch(`${emulator.url}/chat/completions`, {
      method: 'POST',
      headers: { 'api-key': 'k' },
      body: '{}',
    });
    expect(noVersion.status).toBe(400);
    expect(((await noVersion.json()) as { error: { code: string } }).error.code).toBe(
      'MissingApiVersionParameter',
    );
  });
});
