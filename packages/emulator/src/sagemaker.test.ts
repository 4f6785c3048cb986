import {
  InvokeEndpointCommand,
  InvokeEndpointWithResponseStreamCommand,
  ModelError,
  ModelStreamError,
  SageMakerRuntimeClient,
  ServiceUnavailable,
} from '@aws-sdk/client-sagemaker-runtime';
import { describe, expect, it } from 'vitest';
import { useAwsEmulator } from './emulator.test-utils.js';

const env = useAwsEmulator(SageMakerRuntimeClient, { sagemakerEndpoints: { 'vectors-prod': 'embeddings' } });

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const parse = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes));

const generate = (inputs: string, parameters: Record<string, unknown> = {}, endpoint = 'llama-tgi') =>
  new InvokeEndpointCommand({
    EndpointName: endpoint,
    ContentType: 'application/json',
    Body: json({ inputs, parameters }),
  });

describe('SageMaker TGI container', () => {
  it('InvokeEndpoint answers [{ generated_text }] deterministically, details on request', async () => {
    const a = parse((await env.client.send(generate('Hello there'))).Body);
    const b = parse((await env.client.send(generate('Hello there'))).Body);
    const c = parse((await env.client.send(generate('General Kenobi'))).Body);
    expect(a).toEqual(b);
    expect(a[0].generated_text).not.toBe(c[0].generated_text);
    const capped = parse(
      (await env.client.send(generate('Hello there', { max_new_tokens: 2, details: true }))).Body,
    );
    expect(capped[0].generated_text.split(' ')).toHaveLength(2);
    expect(capped[0].details).toMatchObject({ finish_reason: 'length', generated_tokens: 2 });
  });

  it('rejects invalid parameters as ModelError with the container status', async () => {
    const err = await env.client.send(generate('x', { temperature: -1 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).$metadata.httpStatusCode).toBe(424);
    expect((err as ModelError).OriginalStatusCode).toBe(422);
    expect((err as ModelError).OriginalMessage).toMatch(/temperature/);
  });

  it('streams TGI token lines in PayloadPart events, the last with generated_text and finish_reason', async () => {
    const whole = parse((await env.client.send(generate('Stream it', { max_new_tokens: 5 }))).Body)[0]
      .generated_text;
    const out = await env.client.send(
      new InvokeEndpointWithResponseStreamCommand({
        EndpointName: 'llama-tgi',
        ContentType: 'application/json',
        Body: json({ inputs: 'Stream it', parameters: { max_new_tokens: 5 }, stream: true }),
      }),
    );
    let raw = '';
    for await (const event of out.Body ?? []) raw += new TextDecoder().decode(event.PayloadPart?.Bytes);
    const lines = raw
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => JSON.parse(l.slice(5)));
    expect(lines).toHaveLength(5);
    expect(lines.map((l) => l.token.text).join('')).toBe(whole);
    expect(lines.at(-1)).toMatchObject({ generated_text: whole, details: { finish_reason: 'length' } });
    expect(lines[0].generated_text).toBeNull();
  });
});

describe('SageMaker embeddings container', () => {
  it('embeds a list of strings into 384-dim unit vectors and counts items', async () => {
    const out = await env.client.send(
      new InvokeEndpointCommand({
        EndpointName: 'minilm-embed',
        ContentType: 'application/json',
        Body: json(['a', 'b']),
      }),
    );
    const vectors: number[][] = parse(out.Body);
    expect(vectors).toHaveLength(2);
    expect(vectors[0]).toHaveLength(384);
    expect(Math.hypot(...vectors[0]!)).toBeCloseTo(1, 6);
    const again = parse(
      (
        await env.client.send(
          new InvokeEndpointCommand({ EndpointName: 'minilm-embed', Body: json({ inputs: ['a'] }) }),
        )
      ).Body,
    );
    expect(again[0]).toEqual(vectors[0]);
    const configured = parse(
      (await env.client.send(new InvokeEndpointCommand({ EndpointName: 'vectors-prod', Body: json(['a']) })))
        .Body,
    );
    expect(configured[0]).toHaveLength(384);
    expect(env.emulator.requests().items['sagemaker.invokeEndpoint']).toBe(4);
  });

  it('rejects batches over 32 as ModelError 413', async () => {
    const err = await env.client
      .send(
        new InvokeEndpointCommand({
          EndpointName: 'minilm-embed',
          Body: json(Array.from({ length: 33 }, (_, i) => `t${i}`)),
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).OriginalStatusCode).toBe(413);
  });
});

describe('SageMaker faults and credentials', () => {
  it('status 424 is a ModelError carrying OriginalStatusCode', async () => {
    env.emulator.setFaults([{ provider: 'sagemaker', status: 424, originalStatusCode: 503, count: 1 }]);
    const err = await env.client.send(generate('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).$metadata.httpStatusCode).toBe(424);
    expect((err as ModelError).OriginalStatusCode).toBe(503);
  });

  it('status 503 is ServiceUnavailable', async () => {
    env.emulator.setFaults([{ model: 'llama-tgi', status: 503 }]);
    const err = await env.client.send(generate('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceUnavailable);
    await expect(env.client.send(generate('x', {}, 'other-tgi'))).resolves.toBeDefined();
  });

  it('stream-error sends a ModelStreamError event after N parts', async () => {
    env.emulator.setFaults([
      { operation: 'sagemaker.invokeEndpointWithResponseStream', kind: 'stream-error', afterChunks: 2 },
    ]);
    const out = await env.client.send(
      new InvokeEndpointWithResponseStreamCommand({
        EndpointName: 'llama-tgi',
        Body: json({ inputs: 'x', stream: true }),
      }),
    );
    let parts = 0;
    const err = await (async () => {
      for await (const event of out.Body ?? []) if (event.PayloadPart) parts++;
    })().catch((e: unknown) => e);
    expect(parts).toBe(2);
    expect(err).toBeInstanceOf(ModelStreamError);
  });

  it('rejects a request signed for another service like AWS does', async () => {
    const res = await fetch(`${env.emulator.url}/endpoints/llama-tgi/invocations`, {
      method: 'POST',
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEMULATOR/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=' +
          'a'.repeat(64),
        'x-amz-date': '20260101T000000Z',
      },
      body: '{"inputs":"x"}',
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
    const missing = await fetch(`${env.emulator.url}/endpoints/llama-tgi/invocations`, {
      method: 'POST',
      body: '{}',
    });
    expect(missing.status).toBe(403);
    expect(await missing.json()).toEqual({ Message: 'Missing Authentication Token' });
  });
});
