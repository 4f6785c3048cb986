import { createHttpHeaders, type PipelineRequest } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { AzureAdapter } from './azure-adapter.js';

// Headers for endpoints the emulator cannot stand in for (its host name decides the behaviour): the request is
// captured by a last pipeline policy instead of going to the network.

async function captured(
  endpoint: string,
  providerOptions?: Record<string, unknown>,
): Promise<PipelineRequest> {
  const adapter = new AzureAdapter({ endpoint, apiKey: 'k' });
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
