import { describe, expect, it } from 'vitest';
import { AzureAdapter } from './azure/adapter.js';
import { BedrockAdapter } from './bedrock/adapter.js';
import { SageMakerAdapterProvider } from './sagemaker/adapter.js';
import { VertexAdapter } from './vertex/adapter.js';

// The official clients are configured with their own retries off (the client's retry layer is the only loop).
// test/client-errors.test.ts shows it on the wire (a retryable fault = one request); these pin the configuration.

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

describe('official clients: retries off', () => {
  it('Bedrock and SageMaker: maxAttempts 1', async () => {
    const bedrock = new BedrockAdapter({ region: 'us-east-1', credentials });
    const sagemaker = new SageMakerAdapterProvider({ region: 'eu-west-1', credentials });
    expect(await bedrock.client().config.maxAttempts()).toBe(1);
    expect(await sagemaker.client().config.maxAttempts()).toBe(1);
    // A target pinned to another region gets its own client, configured the same way.
    expect(await bedrock.client('us-west-2').config.region()).toBe('us-west-2');
    expect(await bedrock.client('us-west-2').config.maxAttempts()).toBe(1);
    bedrock.close();
    sagemaker.close();
  });

  it('Vertex: no retry codes for any PredictionService method; gRPC to the regional host by default', async () => {
    const adapter = new VertexAdapter({ project: 'p', location: 'europe-west4' });
    const client = adapter.client();
    const opts = (client as unknown as { _opts: { servicePath: string; fallback: boolean } })._opts;
    expect(opts.servicePath).toBe('europe-west4-aiplatform.googleapis.com');
    expect(opts.fallback).toBe(false);
    const defaults = (
      client as unknown as { _defaults: Record<string, { retry?: { retryCodes: number[] } }> }
    )._defaults;
    for (const method of ['generateContent', 'predict', 'streamGenerateContent']) {
      expect(defaults[method]?.retry?.retryCodes ?? []).toEqual([]);
    }
    const global = new VertexAdapter({ project: 'p', location: 'global' }).client();
    expect((global as unknown as { _opts: { servicePath: string } })._opts.servicePath).toBe(
      'aiplatform.googleapis.com',
    );
    adapter.close();
  });

  it('Azure: no retry policy in the pipeline', async () => {
    const adapter = new AzureAdapter({
      endpoint: 'https://example.services.ai.azure.com/models',
      apiKey: 'k',
    });
    const client = await adapter.client();
    const names = client.pipeline.getOrderedPolicies().map((p) => p.name);
    expect(names.some((n) => /retry/i.test(n))).toBe(false);
    expect(names).toContain('customKeyCredentialPolicy');
  });
});
