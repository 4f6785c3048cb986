import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type GenAiClient } from '@genai-deploy/client';
import { frontConfigSchema } from '@genai-deploy/config';
import { type Emulator, startEmulator } from '@genai-deploy/emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AWS_CREDENTIALS } from './client.test-utils.js';

// SageMaker endpoints that host their model as an inference component (scale-to-zero endpoints) are invoked
// with InferenceComponentName, which the AWS SDK sends as the X-Amzn-SageMaker-Inference-Component header.
// A recording HTTP proxy in front of the emulator shows what goes on the wire.
let emulator: Emulator;
let proxy: Server;
let client: GenAiClient;
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  proxy = createServer((req, res) => {
    seen.push(req.headers);
    const upstream = request(
      `${emulator.url}${req.url}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  client = createClient({
    retry: false,
    cache: false,
    providers: {
      sagemaker: {
        region: 'us-east-1',
        endpoint: url,
        credentials: AWS_CREDENTIALS,
        inferenceComponents: { 'llama-tgi': 'llama-ic-1', 'bge-embed': 'bge-ic' },
      },
    },
  });
});
afterAll(async () => {
  await client?.close();
  await new Promise((resolve) => proxy?.close(resolve));
  await emulator?.close();
});
beforeEach(() => {
  seen.length = 0;
  emulator.reset();
});

const component = (h: IncomingHttpHeaders) => h['x-amzn-sagemaker-inference-component'];
const messages = [{ role: 'user' as const, content: 'hello there' }];

describe('SageMaker inference components', () => {
  it('generate, stream and embed send the endpoint’s component; the emulator answers them', async () => {
    const r = await client.generate({ model: 'sagemaker/llama-tgi', messages });
    expect(r.text.length).toBeGreaterThan(0);
    let text = '';
    for await (const e of client.stream({ model: 'sagemaker/llama-tgi', messages })) {
      if (e.type === 'delta') text += e.text;
    }
    expect(text).toBe(r.text);
    const embedded = await client.embed({ model: 'sagemaker/bge-embed', input: ['a', 'b'] });
    expect(embedded.embeddings).toHaveLength(2);
    expect(seen.map((h) => [h['x-amzn-sagemaker-inference-component'], h['content-type']])).toEqual([
      ['llama-ic-1', 'application/json'],
      ['llama-ic-1', 'application/json'],
      ['bge-ic', 'application/json'],
    ]);
    expect(emulator.requests().total).toBe(3);
  });

  it('an endpoint without a component gets no header', async () => {
    await client.generate({ model: 'sagemaker/mistral-tgi', messages }).catch(() => undefined);
    await client.generate({ model: 'sagemaker/llama-tgi', messages });
    expect(seen.map(component)).toEqual([undefined, 'llama-ic-1']);
  });

  it('the configuration takes inferenceComponent on sagemaker/ models only, with a valid name', () => {
    const ok = frontConfigSchema.parse({
      models: [{ id: 'sagemaker/llama-tgi', inferenceComponent: 'llama-ic-1' }],
    });
    expect(ok.models[0]?.inferenceComponent).toBe('llama-ic-1');
    const wrongProvider = frontConfigSchema.safeParse({
      models: [{ id: 'bedrock/amazon.nova-lite-v1:0', inferenceComponent: 'x' }],
    });
    expect(wrongProvider.error?.issues[0]?.message).toMatch(/for SageMaker endpoints only/);
    const badName = frontConfigSchema.safeParse({
      models: [{ id: 'sagemaker/llama-tgi', inferenceComponent: 'bad name!' }],
    });
    expect(badName.error?.issues[0]?.message).toMatch(/expected a SageMaker inference component name/);
  });
});
