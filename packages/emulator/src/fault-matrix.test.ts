import {
  BedrockRuntimeClient,
  ConverseStreamCommand,
  InvokeModelCommand,
  ServiceUnavailableException,
} from '@aws-sdk/client-bedrock-runtime';
import {
  InternalFailure,
  InvokeEndpointCommand,
  InvokeEndpointWithResponseStreamCommand,
  SageMakerRuntimeClient,
} from '@aws-sdk/client-sagemaker-runtime';
import { AzureKeyCredential } from '@azure/core-auth';
import createClient, { type ModelClient } from '@azure-rest/ai-inference';
import { v1 } from '@google-cloud/aiplatform';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsClientConfig } from './emulator.test-utils.js';
import { type Emulator, type FaultRule, startEmulator } from './index.js';

/**
 * Every fault kind against every provider, through the official clients: a call that must fail fails with the
 * client's error for that fault, and a hang with hangMs still answers.
 */

let emulator: Emulator;
let bedrock: BedrockRuntimeClient;
let sagemaker: SageMakerRuntimeClient;
let vertex: InstanceType<typeof v1.PredictionServiceClient>;
let azure: ModelClient;

const GEMINI = 'projects/demo/locations/us-central1/publishers/google/models/gemini-2.0-flash';

beforeAll(async () => {
  emulator = await startEmulator();
  bedrock = new BedrockRuntimeClient(awsClientConfig(emulator));
  sagemaker = new SageMakerRuntimeClient(awsClientConfig(emulator));
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'token' });
  vertex = new v1.PredictionServiceClient({
    apiEndpoint: '127.0.0.1',
    port: emulator.port,
    protocol: 'http',
    fallback: true,
    authClient: authClient as never,
  });
  azure = createClient(emulator.url, new AzureKeyCredential('key'), {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
});
afterAll(async () => {
  bedrock.destroy();
  sagemaker.destroy();
  await vertex.close();
  await emulator.close();
});
beforeEach(() => emulator.reset());

const text = (s: string) => new TextEncoder().encode(s);

/** One non-streaming call per provider; resolves to the client's result or rejects with its error. */
const calls = {
  bedrock: () =>
    bedrock.send(
      new InvokeModelCommand({
        modelId: 'amazon.titan-embed-text-v2:0',
        contentType: 'application/json',
        body: JSON.stringify({ inputText: 'hi' }),
      }),
    ),
  sagemaker: () =>
    sagemaker.send(new InvokeEndpointCommand({ EndpointName: 'tgi', Body: text('{"inputs":"hi"}') })),
  vertex: () =>
    vertex.generateContent({ model: GEMINI, contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
  azure: async () => {
    const res = await azure
      .path('/chat/completions')
      .post({ body: { messages: [{ role: 'user', content: 'hi' }] } });
    if (res.status !== '200') throw Object.assign(new Error(`azure ${res.status}`), { res });
    return res;
  },
} as const;

/** One streaming call per provider; resolves to the number of content chunks, rejects on a stream error. */
const streams = {
  bedrock: async () => {
    const out = await bedrock.send(
      new ConverseStreamCommand({
        modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
        messages: [{ role: 'user', content: [{ text: 'Stream a long enough answer' }] }],
      }),
    );
    let n = 0;
    for await (const e of out.stream ?? []) if (e.contentBlockDelta) n++;
    return n;
  },
  sagemaker: async () => {
    const out = await sagemaker.send(
      new InvokeEndpointWithResponseStreamCommand({
        EndpointName: 'tgi',
        Body: text('{"inputs":"Stream a long enough answer","stream":true}'),
      }),
    );
    let n = 0;
    for await (const e of out.Body ?? []) if (e.PayloadPart) n++;
    return n;
  },
  vertex: () =>
    new Promise<number>((resolve, reject) => {
      let n = 0;
      const s = vertex.streamGenerateContent({
        model: GEMINI,
        contents: [{ role: 'user', parts: [{ text: 'Stream a long enough answer' }] }],
      });
      s.on('data', (d: { candidates?: unknown[] }) => {
        if (d.candidates?.length) n++;
      });
      s.on('end', () => resolve(n));
      s.on('error', reject);
    }),
  azure: async () => {
    const res = await azure
      .path('/chat/completions')
      .post({ body: { messages: [{ role: 'user', content: 'Stream a long enough answer' }], stream: true } })
      .asNodeStream();
    let raw = '';
    for await (const chunk of res.body ?? []) raw += chunk.toString();
    if (!raw.includes('data: [DONE]')) throw new Error('stream ended without [DONE]');
    return raw.split('\n\n').filter((l) => l.includes('"content":"')).length;
  },
} as const;

const providers = ['bedrock', 'sagemaker', 'vertex', 'azure'] as const;

describe.each(providers)('%s', (provider) => {
  const fault = (rule: FaultRule) => emulator.setFaults([{ provider, count: 1, ...rule }]);

  it('error 503 fails the call, and only the next one', async () => {
    fault({ status: 503 });
    const err = await calls[provider]().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    if (provider === 'bedrock') expect(err).toBeInstanceOf(ServiceUnavailableException);
    if (provider === 'vertex') expect(JSON.parse((err as Error).message).error.status).toBe('UNAVAILABLE');
    if (provider === 'azure') expect((err as { res: { status: string } }).res.status).toBe('503');
    await expect(calls[provider]()).resolves.toBeDefined();
  });

  it('reset fails the call with a connection error', async () => {
    fault({ kind: 'reset' });
    const err = (await calls[provider]().catch((e: unknown) => e)) as Error & { code?: string };
    expect(err).toBeInstanceOf(Error);
    if (provider !== 'bedrock')
      expect(`${err.code} ${err.message}`).toMatch(/ECONNRESET|socket hang up|terminated|reset/i);
    await expect(calls[provider]()).resolves.toBeDefined();
  });

  it('hang with hangMs stalls, then answers', async () => {
    fault({ kind: 'hang', hangMs: 30 });
    await expect(calls[provider]()).resolves.toBeDefined();
    expect(emulator.requests().total).toBe(1);
  });

  it('streams complete without faults', async () => {
    expect(await streams[provider]()).toBeGreaterThan(3);
  });

  it('stream-cut after 2 chunks breaks the stream', async () => {
    fault({ kind: 'stream-cut', afterChunks: 2 });
    const result = await streams[provider]().catch((e: unknown) => e);
    // Vertex's Node client turns a cut into an error; every client sees the stream fail.
    expect(result).toBeInstanceOf(Error);
  });

  it('stream-error after 2 chunks is an error for the client, or (Vertex) a stream without finish', async () => {
    fault({ kind: 'stream-error', afterChunks: 2 });
    const result = await streams[provider]().catch((e: unknown) => e);
    if (provider === 'vertex') expect(result).toBe(2);
    else expect(result).toBeInstanceOf(Error);
  });

  it('error faults carry the status-specific type', async () => {
    fault({ status: 500 });
    const err = await calls[provider]().catch((e: unknown) => e);
    if (provider === 'sagemaker') expect(err).toBeInstanceOf(InternalFailure);
    else expect(err).toBeInstanceOf(Error);
  });
});
