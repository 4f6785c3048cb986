import { describe, expect, it } from 'vitest';
import {
  describeVectorStoreEmbeddingProblem,
  type EmbeddingModelCatalog,
  embeddingDimensions,
  resolveVectorStoreEmbedding,
} from './vector-store-embedding.js';

const TITAN = 'bedrock/amazon.titan-embed-text-v2:0';
const COHERE = 'bedrock/cohere.embed-english-v3';
const catalog: EmbeddingModelCatalog = {
  models: [
    { id: 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0', kind: 'chat' },
    { id: TITAN, kind: 'embedding' },
  ],
  routes: {
    chat: { targets: ['bedrock/anthropic.claude-3-5-haiku-20241022-v1:0'] },
    embeddings: { targets: [TITAN] },
  },
};

const problemOf = (c: EmbeddingModelCatalog, request: Parameters<typeof resolveVectorStoreEmbedding>[1]) => {
  const result = resolveVectorStoreEmbedding(c, request);
  if (result.ok) throw new Error(`expected a problem, got ${JSON.stringify(result.value)}`);
  return { ...result.problem, message: describeVectorStoreEmbeddingProblem(result.problem) };
};

describe('resolveVectorStoreEmbedding', () => {
  it('takes the only embedding model and its default length, or a route to it, or a length it supports', () => {
    expect(resolveVectorStoreEmbedding(catalog, {})).toEqual({
      ok: true,
      value: { embeddingModel: TITAN, dimension: 1024, model: TITAN },
    });
    expect(resolveVectorStoreEmbedding(catalog, { embeddingModel: 'embeddings', dimension: 512 })).toEqual({
      ok: true,
      value: { embeddingModel: 'embeddings', dimension: 512, model: TITAN },
    });
    // A SageMaker model's length is whatever its container returns: the caller says it.
    const own = { models: [{ id: 'sagemaker/e5-large', kind: 'embedding' as const }] };
    expect(resolveVectorStoreEmbedding(own, { dimension: 1024 })).toMatchObject({ ok: true });
  });

  it('knows the lengths of the Bedrock, Vertex and Azure embedding models', () => {
    expect(embeddingDimensions('bedrock/us.amazon.titan-embed-text-v2:0')).toEqual({
      default: 1024,
      allowed: [256, 512, 1024],
    });
    expect(embeddingDimensions('vertex/text-embedding-005')?.default).toBe(768);
    expect(embeddingDimensions('vertex/gemini-embedding-001')?.default).toBe(3072);
    expect(embeddingDimensions('azure/text-embedding-3-small')?.default).toBe(1536);
    expect(embeddingDimensions('sagemaker/text-embedding-005')).toBeUndefined();
  });

  it.each([
    [
      'no embedding model at all',
      { models: [{ id: 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0' }] },
      {},
      'vector-store-embedding-model-missing',
      /none was named\. Embedding models and routes in the configuration: none\. Fix: add a model with kind "embedding"/,
    ],
    [
      'two embedding models and no choice',
      { models: [...(catalog.models ?? []), { id: COHERE, kind: 'embedding' as const }] },
      {},
      'vector-store-embedding-model-missing',
      /configuration: "bedrock\/amazon\.titan-embed-text-v2:0", "bedrock\/cohere\.embed-english-v3"/,
    ],
    [
      'an unknown name',
      catalog,
      { embeddingModel: 'embed' },
      'vector-store-embedding-model-unknown',
      /embeddingModel "embed" is neither a model nor a route.*Expected one of: "bedrock\/amazon\.titan-embed-text-v2:0", "embeddings"/,
    ],
    [
      'a chat route',
      catalog,
      { embeddingModel: 'chat' },
      'vector-store-embedding-model-kind',
      /resolves to "bedrock\/anthropic\.claude-3-5-haiku-20241022-v1:0", which is not an embedding model/,
    ],
    [
      'a route falling back to another model',
      {
        models: [...(catalog.models ?? []), { id: COHERE, kind: 'embedding' as const }],
        routes: { embeddings: { targets: [TITAN, COHERE] } },
      },
      { embeddingModel: 'embeddings' },
      'vector-store-embedding-models-mixed',
      /vectors of different models are not comparable/,
    ],
    [
      'a length the model cannot return',
      catalog,
      { dimension: 768 },
      'vector-store-dimension-mismatch',
      /dimension 768 does not match the embedding model "bedrock\/amazon\.titan-embed-text-v2:0", which returns vectors of 256, 512, 1024 dimensions \(1024 unless asked\)\. Fix: use dimension 1024/,
    ],
    [
      'a model of unknown length without a dimension',
      { models: [{ id: 'sagemaker/e5-large', kind: 'embedding' as const }] },
      {},
      'vector-store-dimension-unknown',
      /the vector length of "sagemaker\/e5-large" is not known here.*Fix: pass dimension/,
    ],
    [
      'a length past the engine limit',
      { models: [{ id: 'sagemaker/e5-large', kind: 'embedding' as const }] },
      { dimension: 5000 },
      'vector-store-dimension-invalid',
      /dimension is 5000; expected a whole number from 1 to 4096/,
    ],
  ])('refuses %s', (_name, c, request, code, message) => {
    const problem = problemOf(c, request);
    expect(problem.code).toBe(code);
    expect(problem.message).toMatch(message);
  });
});
