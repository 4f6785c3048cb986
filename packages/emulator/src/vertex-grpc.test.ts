import { helpers, v1 } from '@google-cloud/aiplatform';
import { grpc } from 'google-gax';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './index.js';

/** The Node client's default transport (gRPC), on the same port as everything else. */

let emulator: Emulator;
let client: InstanceType<typeof v1.PredictionServiceClient>;
const GEMINI = 'projects/demo/locations/us-central1/publishers/google/models/gemini-2.0-flash';
const content = (text: string) => [{ role: 'user', parts: [{ text }] }];

beforeAll(async () => {
  // No Google credentials here: skip google-auth-library's GCE metadata probe (the insecure channel needs none).
  process.env.METADATA_SERVER_DETECTION = 'none';
  emulator = await startEmulator();
  client = new v1.PredictionServiceClient({
    apiEndpoint: '127.0.0.1',
    port: emulator.port,
    sslCreds: grpc.credentials.createInsecure(),
  });
});
afterAll(async () => {
  await client.close();
  await emulator.close();
});
beforeEach(() => emulator.reset());

describe('Vertex over gRPC', () => {
  it('generateContent answers like the REST transport, with usage', async () => {
    const [res] = await client.generateContent({ model: GEMINI, contents: content('Why is the sky blue?') });
    const text = res.candidates?.[0]?.content?.parts?.[0]?.text ?? '';
    expect(text.split(' ').length).toBe(res.usageMetadata?.candidatesTokenCount);
    expect(res.candidates?.[0]?.finishReason).toBe('STOP');
    const rest = await fetch(`${emulator.url}/v1/${GEMINI}:generateContent`, {
      method: 'POST',
      headers: { authorization: 'Bearer t' },
      body: JSON.stringify({ contents: content('Why is the sky blue?') }),
    });
    const body = (await rest.json()) as { candidates: { content: { parts: { text: string }[] } }[] };
    expect(body.candidates[0]?.content.parts[0]?.text).toBe(text);
    expect(emulator.requests().byOperation['vertex.generateContent']).toBe(2);
  });

  it('streamGenerateContent streams messages that add up to the answer', async () => {
    const [whole] = await client.generateContent({ model: GEMINI, contents: content('Stream please') });
    const chunks: { candidates?: { content?: { parts?: { text?: string }[] }; finishReason?: unknown }[] }[] =
      [];
    await new Promise<void>((resolve, reject) => {
      const stream = client.streamGenerateContent({ model: GEMINI, contents: content('Stream please') });
      stream.on('data', (d) => chunks.push(d));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    expect(chunks.map((c) => c.candidates?.[0]?.content?.parts?.[0]?.text ?? '').join('')).toBe(
      whole.candidates?.[0]?.content?.parts?.[0]?.text,
    );
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe('STOP');
  });

  it('predict embeds with text-embedding-005', async () => {
    const [res] = await client.predict({
      endpoint: 'projects/demo/locations/us-central1/publishers/google/models/text-embedding-005',
      instances: [helpers.toValue({ content: 'hello' })!],
    });
    const values =
      res.predictions?.[0]?.structValue?.fields?.embeddings?.structValue?.fields?.values?.listValue?.values;
    expect(values).toHaveLength(768);
    expect(emulator.requests().items['vertex.predict']).toBe(1);
  });

  it('a 429 fault is RESOURCE_EXHAUSTED (code 8) with RetryInfo in the status details', async () => {
    emulator.setFaults([{ provider: 'vertex', status: 429, retryAfterMs: 1500, count: 1 }]);
    const err = (await client
      .generateContent({ model: GEMINI, contents: content('x') })
      .catch((e: unknown) => e)) as {
      code: number;
      statusDetails?: { retryDelay?: { seconds?: unknown; nanos?: number } }[];
    };
    expect(err.code).toBe(8);
    const retry = err.statusDetails?.find((d) => d.retryDelay);
    expect(Number(retry?.retryDelay?.seconds)).toBe(1);
    expect(retry?.retryDelay?.nanos).toBe(500_000_000);
  });

  it('validation errors are INVALID_ARGUMENT (code 3); stream-error ends the stream with an error', async () => {
    const err = await client
      .generateContent({ model: GEMINI, contents: content('x'), generationConfig: { temperature: 3 } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 3 });
    emulator.setFaults([{ provider: 'vertex', kind: 'stream-error', afterChunks: 2 }]);
    let chunks = 0;
    const streamErr = await new Promise<unknown>((resolve) => {
      const stream = client.streamGenerateContent({ model: GEMINI, contents: content('Stream please') });
      stream.on('data', () => chunks++);
      stream.on('end', () => resolve(undefined));
      stream.on('error', resolve);
    });
    expect(chunks).toBe(2);
    expect(streamErr).toMatchObject({ code: 13 });
  });
});
