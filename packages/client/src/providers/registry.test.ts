import { PROVIDERS, parseFrontConfig } from '@genai-deploy/config';
import { describe, expect, it } from 'vitest';
import { MODEL_LIMITS } from '../model-limits.js';
import { GEN_AI_SYSTEM } from '../telemetry.js';
import { PROVIDER_REGISTRY, providerDefinition, providersFromConfig } from './registry.js';

describe('the provider registry', () => {
  it('has one definition per provider name of @genai-deploy/config, under its own name', () => {
    expect(Object.keys(PROVIDER_REGISTRY)).toEqual([...PROVIDERS]);
    for (const name of PROVIDERS) expect(providerDefinition(name).name).toBe(name);
  });

  it("feeds the limits table: every provider's rows, each provider ending with a catch-all row", () => {
    for (const name of PROVIDERS) {
      const rows = MODEL_LIMITS.filter((r) => r.provider === name);
      expect(rows.length, name).toBe(providerDefinition(name).limits.length);
      expect(rows.at(-1)?.match.source, name).toBe('.');
    }
  });

  it('feeds the telemetry system names', () => {
    expect(GEN_AI_SYSTEM).toEqual({
      bedrock: { system: 'aws.bedrock', providerName: 'aws.bedrock' },
      sagemaker: { system: 'aws.sagemaker', providerName: 'aws.sagemaker' },
      vertex: { system: 'gcp.vertex_ai', providerName: 'gcp.vertex_ai' },
      azure: { system: 'az.ai.inference', providerName: 'azure.ai.inference' },
    });
  });

  it('says how to configure the providers that have no defaults, and only those', () => {
    expect(providerDefinition('bedrock').notConfigured(undefined)).toBeUndefined();
    expect(providerDefinition('sagemaker').notConfigured(undefined)).toBeUndefined();
    expect(providerDefinition('vertex').notConfigured(undefined)).toMatch(
      /Vertex AI is not configured; pass providers\.vertex: \{ project, location \}/,
    );
    expect(providerDefinition('azure').notConfigured(undefined)).toMatch(
      /Azure AI inference is not configured; pass providers\.azure: \{ endpoint, apiKey \| credential \}/,
    );
    expect(providerDefinition('vertex').notConfigured({ project: 'p', location: 'l' })).toBeUndefined();
  });
});

describe('providersFromConfig', () => {
  it("maps the front's configuration: provider settings, SageMaker adapters and inference components, the Azure key", () => {
    const config = parseFrontConfig({
      models: [
        { id: 'sagemaker/llama-tgi', maxInputTokens: 8000 },
        { id: 'sagemaker/llama-s2z', inferenceComponent: 'llama-s2z-ic' },
        { id: 'sagemaker/bge', kind: 'embedding' },
        { id: 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0' },
        { id: 'vertex/text-embedding-005', kind: 'embedding' },
      ],
      providers: {
        sagemaker: { region: 'eu-west-1' },
        bedrock: { region: 'eu-west-1' },
        vertex: { project: 'p', location: 'us-central1', embedTransport: 'rest-json' },
        azure: { endpoint: 'https://r.services.ai.azure.com/models' },
      },
    });
    expect(providersFromConfig(config, { GENAI_AZURE_API_KEY: 'k' })).toEqual({
      bedrock: { region: 'eu-west-1' },
      sagemaker: {
        region: 'eu-west-1',
        adapters: { 'llama-tgi': 'tgi', 'llama-s2z': 'tgi', bge: 'embeddings' },
        inferenceComponents: { 'llama-s2z': 'llama-s2z-ic' },
      },
      vertex: { project: 'p', location: 'us-central1', embedTransport: 'rest-json' },
      azure: { endpoint: 'https://r.services.ai.azure.com/models', apiKey: 'k' },
    });
  });

  it('leaves out providers the configuration does not use, and empty SageMaker maps', () => {
    expect(providersFromConfig(parseFrontConfig({ models: [{ id: 'sagemaker/llama-tgi' }] }), {})).toEqual({
      sagemaker: { adapters: { 'llama-tgi': 'tgi' } },
    });
    const azureOnly = parseFrontConfig({ providers: { azure: { endpoint: 'http://127.0.0.1:4010' } } });
    expect(providersFromConfig(azureOnly, {})).toEqual({ azure: { endpoint: 'http://127.0.0.1:4010' } });
  });
});
