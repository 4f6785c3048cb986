import { limitsFor } from '@genai-deploy/client';
import { embeddingDimensions, type ProviderName } from '@genai-deploy/config';
import { describe, expect, it } from 'vitest';

// The constructs check a vector store's dimension against @genai-deploy/config's table of embedding models; the
// client batches and validates `dimensions` with its own limits table. They must say the same of every model
// both know, or a platform would deploy an index the client then refuses (or the reverse).
const MODELS: readonly [ProviderName, string][] = [
  ['bedrock', 'amazon.titan-embed-text-v2:0'],
  ['bedrock', 'us.amazon.titan-embed-text-v2:0'],
  ['bedrock', 'amazon.titan-embed-text-v1'],
  ['bedrock', 'cohere.embed-english-v3'],
  ['bedrock', 'cohere.embed-multilingual-v3'],
  ['vertex', 'text-embedding-005'],
  ['vertex', 'text-embedding-004'],
  ['vertex', 'text-multilingual-embedding-002'],
  ['vertex', 'gemini-embedding-001'],
];

describe('embedding model lengths', () => {
  it.each(MODELS)('config and client agree on %s/%s', (provider, model) => {
    const client = limitsFor(provider, model).embedding;
    const config = embeddingDimensions(`${provider}/${model}`);
    expect(config?.default).toBe(client.defaultDimensions);
    expect(config?.allowed).toEqual(client.dimensions);
  });
});
