import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './index.js';

/** Wire details checked over plain HTTP, where no official client exposes them. */

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

const sigv4 = (service: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=AKIDEMULATOR/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'ab'.repeat(32)}`,
  'x-amz-date': '20260101T000000Z',
});
const converse = JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'hi' }] }] });
const MODEL_PATH = '/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse';

describe('Bedrock credentials', () => {
  it('accepts SigV4 for bedrock and Bedrock API keys', async () => {
    expect(
      (await fetch(emulator.url + MODEL_PATH, { method: 'POST', headers: sigv4('bedrock'), body: converse }))
        .status,
    ).toBe(200);
    const key = await fetch(emulator.url + MODEL_PATH, {
      method: 'POST',
      headers: { authorization: 'Bearer ABSKkey' },
      body: converse,
    });
    expect(key.status).toBe(200);
  });

  it.each([
    [{}, 'MissingAuthenticationTokenException', 'Missing Authentication Token'],
    [{ authorization: 'AWS4-HMAC-SHA256 garbage' }, 'IncompleteSignatureException', "requires 'Credential'"],
    [
      sigv4('sagemaker'),
      'InvalidSignatureException',
      "Credential should be scoped to correct service: 'bedrock'",
    ],
  ])('rejects %j with 403 %s', async (headers, type, message) => {
    const res = await fetch(emulator.url + MODEL_PATH, { method: 'POST', headers, body: converse });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe(type);
    expect(((await res.json()) as { message: string }).message).toContain(message);
  });
});

describe('Vertex REST details', () => {
  const base = '/v1/projects/p/locations/us-central1/publishers/google/models';
  const auth = { authorization: 'Bearer token', 'content-type': 'application/json' };
  const contents = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hello' }] }] });

  it('sends finishReason as a name without enum-encoding=int and as a number with it; v1beta1 works', async () => {
    const named = await fetch(`${emulator.url}${base}/gemini-2.0-flash:generateContent`, {
      method: 'POST',
      headers: auth,
      body: contents,
    });
    expect(
      ((await named.json()) as { candidates: { finishReason: unknown }[] }).candidates[0]?.finishReason,
    ).toBe('STOP');
    const numbered = await fetch(
      `${emulator.url}${base.replace('v1', 'v1beta1')}/gemini-2.0-flash:generateContent?$alt=json%3Benum-encoding=int`,
      { method: 'POST', headers: auth, body: contents },
    );
    expect(
      ((await numbered.json()) as { candidates: { finishReason: unknown }[] }).candidates[0]?.finishReason,
    ).toBe(1);
  });

  it('streams server-sent events with alt=sse', async () => {
    const res = await fetch(`${emulator.url}${base}/gemini-2.0-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: auth,
      body: contents,
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = (await res.text())
      .split('\r\n\r\n')
      .filter((e) => e.startsWith('data: '))
      .map((e) => JSON.parse(e.slice(6)));
    expect(events.length).toBeGreaterThan(3);
    expect(events.at(-1).usageMetadata.totalTokenCount).toBeGreaterThan(0);
  });

  it('serves rawPredict with a raw JSON body and embedding endpoints', async () => {
    const raw = await fetch(`${emulator.url}/v1/projects/p/locations/l/endpoints/llm:rawPredict`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ instances: [{ prompt: 'hi', max_tokens: 2 }] }),
    });
    expect(((await raw.json()) as { predictions: string[] }).predictions[0]?.split(' ')).toHaveLength(2);
    const emb = await fetch(`${emulator.url}/v1/projects/p/locations/l/endpoints/my-embedder:predict`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ instances: [{ content: 'a' }, { content: 'b' }] }),
    });
    const body = (await emb.json()) as { predictions: { embeddings: { values: number[] } }[] };
    expect(body.predictions).toHaveLength(2);
    expect(body.predictions[0]?.embeddings.values).toHaveLength(768);
  });
});

describe('Azure details', () => {
  it('encodes embeddings as base64 float32 on request', async () => {
    const url = `${emulator.url}/embeddings?api-version=2024-05-01-preview`;
    const headers = { 'api-key': 'k', 'content-type': 'application/json' };
    const floats = (await (
      await fetch(url, { method: 'POST', headers, body: JSON.stringify({ input: 'x', dimensions: 4 }) })
    ).json()) as {
      data: { embedding: number[] }[];
    };
    const b64 = (await (
      await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ input: 'x', dimensions: 4, encoding_format: 'base64' }),
      })
    ).json()) as { data: { embedding: string }[] };
    const decoded = Array.from(
      new Float32Array(Uint8Array.from(Buffer.from(b64.data[0]!.embedding, 'base64')).buffer),
    );
    for (const [i, x] of decoded.entries()) expect(x).toBeCloseTo(floats.data[0]!.embedding[i]!, 6);
  });
});

describe('routing', () => {
  it('answers unknown routes with 404 naming the routes, and unknown control routes too', async () => {
    const res = await fetch(`${emulator.url}/nope`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toMatch(/converse-stream/);
    expect((await fetch(`${emulator.url}/_emulator/nope`)).status).toBe(404);
  });
});
