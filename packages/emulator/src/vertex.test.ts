import { helpers, v1 } from '@google-cloud/aiplatform';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './index.js';

type Client = InstanceType<typeof v1.PredictionServiceClient>;

let emulator: Emulator;
let client: Client;
const PARENT = 'projects/demo/locations/us-central1';
const GEMINI = `${PARENT}/publishers/google/models/gemini-2.0-flash`;
const EMBED = `${PARENT}/publishers/google/models/text-embedding-005`;

function makeClient(token?: string): Client {
  const authClient = new OAuth2Client();
  if (token) authClient.setCredentials({ access_token: token });
  return new v1.PredictionServiceClient({
    apiEndpoint: '127.0.0.1',
    port: emulator.port,
    protocol: 'http',
    fallback: true,
    // google-gax types its own nested copy of google-auth-library; the root copy works the same at run time.
    authClient: authClient as never,
  });
}

beforeAll(async () => {
  emulator = await startEmulator();
  client = makeClient('test-token');
});
afterAll(async () => {
  await client.close();
  await emulator.close();
});
beforeEach(() => emulator.reset());

const content = (text: string) => [{ role: 'user', parts: [{ text }] }];

describe('Vertex generateContent', () => {
  it('answers deterministically with usageMetadata', async () => {
    const [a] = await client.generateContent({ model: GEMINI, contents: content('Why is the sky blue?') });
    const [b] = await client.generateContent({ model: GEMINI, contents: content('Why is the sky blue?') });
    const [c] = await client.generateContent({ model: GEMINI, contents: content('Why is grass green?') });
    const text = a.candidates?.[0]?.content?.parts?.[0]?.text ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(b.candidates?.[0]?.content?.parts?.[0]?.text).toBe(text);
    expect(c.candidates?.[0]?.content?.parts?.[0]?.text).not.toBe(text);
    expect(a.candidates?.[0]?.finishReason).toBe('STOP');
    expect(a.usageMetadata).toMatchObject({
      promptTokenCount: 5,
      candidatesTokenCount: text.split(' ').length,
    });
  });

  it('caps at maxOutputTokens with MAX_TOKENS and rejects out-of-range settings as INVALID_ARGUMENT', async () => {
    const [capped] = await client.generateContent({
      model: GEMINI,
      contents: content('Why is the sky blue?'),
      generationConfig: { maxOutputTokens: 4 },
    });
    expect(capped.candidates?.[0]?.finishReason).toBe('MAX_TOKENS');
    expect(capped.usageMetadata?.candidatesTokenCount).toBe(4);
    const err = await client
      .generateContent({ model: GEMINI, contents: content('x'), generationConfig: { temperature: 3 } })
      .catch((e: unknown) => e);
    // @google-cloud/aiplatform 6.x over REST raises gaxios's error: HTTP status in `code`, the google.rpc.Status
    // JSON in `message` (googleapis/gax-nodejs#1803).
    expect(err?.constructor.name).toBe('GaxiosError');
    expect(err).toMatchObject({ status: 400 });
    expect(JSON.parse((err as Error).message).error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect((err as Error).message).toMatch(/temperature value of 3/);
  });

  it('streams the same text in a JSON array, the last chunk with finishReason and usage', async () => {
    const [whole] = await client.generateContent({ model: GEMINI, contents: content('Stream please') });
    const chunks: {
      candidates?: { content?: { parts?: { text?: string }[] }; finishReason?: unknown }[];
      usageMetadata?: unknown;
    }[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = client.streamGenerateContent({ model: GEMINI, contents: content('Stream please') });
      stream.on('data', (d) => chunks.push(d));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.map((c) => c.candidates?.[0]?.content?.parts?.[0]?.text ?? '').join('')).toBe(
      whole.candidates?.[0]?.content?.parts?.[0]?.text,
    );
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe('STOP');
    expect(chunks.at(-1)?.usageMetadata).toMatchObject({
      candidatesTokenCount: whole.usageMetadata?.candidatesTokenCount,
    });
  });
});

describe('Vertex predict', () => {
  it('embeds with text-embedding-005: 768 dims or outputDimensionality, unit vectors, items counted', async () => {
    const [res] = await client.predict({
      endpoint: EMBED,
      instances: [helpers.toValue({ content: 'hello' })!, helpers.toValue({ content: 'world' })!],
    });
    const preds = (res.predictions ?? []).map(
      (p) => helpers.fromValue(p as never) as { embeddings: { values: number[] } },
    );
    expect(preds).toHaveLength(2);
    expect(preds[0]!.embeddings.values).toHaveLength(768);
    expect(Math.hypot(...preds[0]!.embeddings.values)).toBeCloseTo(1, 6);
    const [small] = await client.predict({
      endpoint: EMBED,
      instances: [helpers.toValue({ content: 'hello' })!],
      parameters: helpers.toValue({ outputDimensionality: 256 }),
    });
    const v = helpers.fromValue(small.predictions![0] as never) as { embeddings: { values: number[] } };
    expect(v.embeddings.values).toHaveLength(256);
    expect(emulator.requests().items['vertex.predict']).toBe(3);
  });

  it('rejects 251 instances with INVALID_ARGUMENT', async () => {
    const err = await client
      .predict({
        endpoint: EMBED,
        instances: Array.from({ length: 251 }, (_, i) => helpers.toValue({ content: `t${i}` })!),
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400 });
    expect(JSON.parse((err as Error).message).error.status).toBe('INVALID_ARGUMENT');
    expect((err as Error).message).toMatch(
      /batchSize value of 251 but the supported range is from 1 \(inclusive\) to 251 \(exclusive\)/,
    );
  });

  it('serves endpoint predict and rawPredict for a text endpoint', async () => {
    const endpoint = `${PARENT}/endpoints/llama-endpoint`;
    const [res] = await client.predict({
      endpoint,
      instances: [helpers.toValue({ prompt: 'Hi', max_tokens: 3 })!],
    });
    const text = res.predictions?.[0]?.stringValue ?? '';
    expect(text.split(' ')).toHaveLength(3);
    const [raw] = await client.rawPredict({
      endpoint,
      httpBody: {
        contentType: 'application/json',
        data: Buffer.from(JSON.stringify({ instances: [{ prompt: 'Hi', max_tokens: 3 }] })),
      },
    });
    const payload = JSON.parse(Buffer.from(raw.data as Uint8Array).toString('utf8'));
    expect(payload.predictions).toEqual([text]);
    expect(emulator.requests().byOperation).toMatchObject({ 'vertex.predict': 1, 'vertex.rawPredict': 1 });
  });
});

describe('Vertex faults and credentials', () => {
  it('status 429 is RESOURCE_EXHAUSTED (rpc code 8) with RetryInfo in the body', async () => {
    emulator.setFaults([{ provider: 'vertex', status: 429, retryAfterMs: 1500, count: 1 }]);
    const err = (await client
      .generateContent({ model: GEMINI, contents: content('x') })
      .catch((e: unknown) => e)) as {
      status: number;
      message: string;
    };
    expect(err.constructor.name).toBe('GaxiosError');
    expect(err).toMatchObject({ status: 429 });
    const status = JSON.parse(err.message).error;
    expect(status).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(status.details).toEqual([
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.5s' },
    ]);
    // The same body over plain HTTP, as any REST caller sees it.
    emulator.setFaults([{ provider: 'vertex', errorType: 'RESOURCE_EXHAUSTED' }]);
    const res = await fetch(`${emulator.url}/v1/${GEMINI}:generateContent`, {
      method: 'POST',
      headers: { authorization: 'Bearer t' },
      body: '{}',
    });
    expect(res.status).toBe(429);
    expect(
      ((await res.json()) as { error: { details: { retryDelay: string }[] } }).error.details[0]?.retryDelay,
    ).toBe('1s');
  });

  it('rejects a missing token with UNAUTHENTICATED (code 16)', async () => {
    const anonymous = makeClient();
    const err = await anonymous
      .generateContent({ model: GEMINI, contents: content('x') })
      .catch((e: unknown) => e);
    await anonymous.close();
    expect(err).toBeInstanceOf(Error);
    const res = await fetch(`${emulator.url}/v1/${GEMINI}:generateContent`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { status: string } }).error.status).toBe('UNAUTHENTICATED');
  });

  it('stream-error puts a google.rpc.Status into the stream after N chunks', async () => {
    emulator.setFaults([{ operation: 'vertex.streamGenerateContent', kind: 'stream-error', afterChunks: 2 }]);
    const chunks: { candidates?: { finishReason?: unknown }[] }[] = [];
    await new Promise<unknown>((resolve) => {
      const stream = client.streamGenerateContent({ model: GEMINI, contents: content('Stream please') });
      stream.on('data', (d) => chunks.push(d));
      stream.on('end', resolve);
      stream.on('error', resolve);
    });
    // The Node client decodes the error element as an empty response: the stream ends without a finishReason.
    expect(chunks.filter((c) => c.candidates?.length)).toHaveLength(2);
    expect(chunks.map((c) => c.candidates?.[0]?.finishReason)).not.toContain('STOP');
    const res = await fetch(`${emulator.url}/v1/${GEMINI}:streamGenerateContent`, {
      method: 'POST',
      headers: { authorization: 'Bearer t' },
      body: JSON.stringify({ contents: content('Stream please') }),
    });
    const body = JSON.parse(await res.text());
    expect(body).toHaveLength(3);
    expect(body[2].error).toMatchObject({ code: 500, status: 'INTERNAL' });
  });
});
