import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { createHttpHeaders, type PipelineRequest } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { AZURE_TRACING_POLICIES, AzureAdapter } from './adapter.js';
import type { AzureProviderOptions } from './options.js';

// Headers for endpoints the emulator cannot stand in for (its host name decides the behaviour): the request is
// captured by a last pipeline policy instead of going to the network.

async function captured(
  endpoint: string,
  providerOptions?: Record<string, unknown>,
  auth: Omit<AzureProviderOptions, 'endpoint'> = { apiKey: 'k' },
): Promise<PipelineRequest> {
  const adapter = new AzureAdapter({ endpoint, ...auth });
  const client = await adapter.client();
  let request: PipelineRequest | undefined;
  client.pipeline.addPolicy(
    {
      name: 'capture',
      sendRequest: async (req) => {
        request = req;
        const body = {
          choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1 },
        };
        return {
          status: 200,
          headers: createHttpHeaders({ 'content-type': 'application/json' }),
          request: req,
          bodyAsText: JSON.stringify(body),
        };
      },
    },
    { afterPhase: 'Sign' },
  );
  const target = { provider: 'azure' as const, model: 'llama-blue', id: 'azure/llama-blue' };
  const result = await adapter.generate(
    target,
    {
      model: 'azure/llama-blue',
      targets: [target],
      messages: [{ role: 'user', content: 'hi' }],
      ...(providerOptions ? { providerOptions } : {}),
    },
    new AbortController().signal,
  );
  expect(result.text).toBe('ok');
  return request!;
}

describe('Azure request headers', () => {
  it('an Azure ML managed online endpoint gets the deployment in azureml-model-deployment', async () => {
    const req = await captured('https://my-endpoint.westeurope.inference.ml.azure.com/v1');
    expect(req.url).toBe(
      'https://my-endpoint.westeurope.inference.ml.azure.com/v1/chat/completions?api-version=2024-05-01-preview',
    );
    expect(req.headers.get('azureml-model-deployment')).toBe('llama-blue');
    expect(JSON.parse(String(req.body)).model).toBe('llama-blue');
  });

  it('an Azure AI inference endpoint does not; providerOptions are passed through explicitly', async () => {
    const req = await captured('https://res.services.ai.azure.com/models', { seed: 7 });
    expect(req.headers.get('azureml-model-deployment')).toBeUndefined();
    expect(req.headers.get('extra-parameters')).toBe('pass-through');
    expect(JSON.parse(String(req.body))).toMatchObject({ model: 'llama-blue', seed: 7 });
    expect(req.headers.get('api-key')).toBe('k');
  });
});

describe('Azure pipeline (issue 20)', () => {
  it('has no tracing policies (the client traces each call itself) and keeps the request as before', async () => {
    const adapter = new AzureAdapter({ endpoint: 'https://res.services.ai.azure.com/models', apiKey: 'k' });
    const names = (await adapter.client()).pipeline.getOrderedPolicies().map((p) => p.name);
    for (const policy of AZURE_TRACING_POLICIES) expect(names).not.toContain(policy);
    const req = await captured('https://res.services.ai.azure.com/models');
    expect(req.url).toBe(
      'https://res.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview',
    );
    expect(req.headers.get('user-agent')).toMatch(/azsdk-js-ai-inference-rest/);
    expect(req.headers.get('x-ms-client-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

/** A node:http upstream answering every chat request with `answer`; counts the TCP connections it accepts. */
async function sseUpstream(answer: (res: ServerResponse) => void) {
  const open = new Set<ServerResponse>();
  let connections = 0;
  const server = createServer((req, res) => {
    req.resume();
    open.add(res);
    req.on('end', () => answer(res));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const SSE_ANSWER = [
  `data: ${JSON.stringify({ choices: [{ delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] })}\n\n`,
  `data: ${JSON.stringify({ choices: [{ delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1 } })}\n\n`,
  'data: [DONE]\n\n',
].join('');

async function streamOnce(adapter: AzureAdapter) {
  const target = { provider: 'azure' as const, model: 'gpt-4o-mini', id: 'azure/gpt-4o-mini' };
  const events = [];
  const request = {
    model: target.id,
    targets: [target],
    messages: [{ role: 'user' as const, content: 'hi' }],
  };
  for await (const e of adapter.stream(target, request, new AbortController().signal)) events.push(e);
  return events;
}

describe('Azure streams and their connection (issue 20)', () => {
  it('keeps the keep-alive connection when the body ends with [DONE]: three streams, one connection', async () => {
    // GIVEN an upstream that writes a whole stream and ends its body
    const upstream = await sseUpstream((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(SSE_ANSWER);
    });
    try {
      const adapter = new AzureAdapter({ endpoint: upstream.endpoint, apiKey: 'k' });
      // WHEN three streams are read one after the other
      for (let i = 0; i < 3; i++) {
        const events = await streamOnce(adapter);
        expect(events.map((e) => e.type)).toEqual(['delta', 'finish']);
      }
      // THEN they all went over the first connection (it used to be destroyed at [DONE]: one connect a stream)
      expect(upstream.connections()).toBe(1);
    } finally {
      await upstream.close();
    }
  });

  it('does not wait for a body still open after [DONE]: the stream finishes at [DONE]', async () => {
    // GIVEN an upstream that sends [DONE] and leaves the body open
    const upstream = await sseUpstream((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(SSE_ANSWER);
    });
    try {
      const adapter = new AzureAdapter({ endpoint: upstream.endpoint, apiKey: 'k' });
      // WHEN a stream is read, THEN it ends with its finish event (and gives up the connection, left open)
      const events = await streamOnce(adapter);
      expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
      await streamOnce(adapter);
      expect(upstream.connections()).toBe(2);
    } finally {
      await upstream.close();
    }
  });
});

/** A user's Entra ID credential, as the application would pass it: records the scopes it is asked for. */
function recordingCredential(): TokenCredential & { scopes: string[][] } {
  const scopes: string[][] = [];
  return {
    scopes,
    async getToken(asked: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
      scopes.push(Array.isArray(asked) ? asked : [asked]);
      return { token: 'entra-token', expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

describe('Azure Entra ID token scopes', () => {
  it('asks the TokenCredential for the scopes given in azure.scopes and sends the token', async () => {
    const credential = recordingCredential();
    // On a host whose default would be the Cognitive Services scope: the option wins.
    const req = await captured('https://res.services.ai.azure.com/models', undefined, {
      credential,
      scopes: ['https://ml.azure.com/.default'],
    });
    expect(credential.scopes).toEqual([['https://ml.azure.com/.default']]);
    expect(req.headers.get('authorization')).toBe('Bearer entra-token');
  });

  it.each([
    ['https://res.services.ai.azure.com/models', 'https://cognitiveservices.azure.com/.default'],
    ['https://res.cognitiveservices.azure.com/models', 'https://cognitiveservices.azure.com/.default'],
    [
      'https://res.openai.azure.com/openai/deployments/gpt-4o',
      'https://cognitiveservices.azure.com/.default',
    ],
    // The @azure-rest/ai-inference default, right for Azure ML managed online endpoints.
    ['https://my-endpoint.westeurope.inference.ml.azure.com/v1', 'https://ml.azure.com/.default'],
  ])('by default, %s asks for %s', async (endpoint, scope) => {
    const credential = recordingCredential();
    await captured(endpoint, undefined, { credential });
    expect(credential.scopes).toEqual([[scope]]);
  });
});
