import { acceptsDimension, embeddingDimensions, type VectorStoreConfig } from '@genai-deploy/config';
import type { FrontState } from '../context.js';
import { HttpError } from '../errors.js';

type Front = Pick<FrontState, 'client' | 'scoped' | 'limits' | 'metrics'>;

/**
 * Embeds texts for the vector store through the front's client, so the client's pipeline applies (per-text
 * cache, micro-batching, retries, fallback), scoped by the owner's key like every call the front makes. What the
 * provider reports is charged to the owner's tokens/min after the fact: ingestion is background work that no
 * request's admission paid for.
 */
export async function embedTexts(
  front: Front,
  store: Pick<VectorStoreConfig, 'embeddingModel' | 'dimension'>,
  owner: string,
  texts: readonly string[],
  inputType: 'query' | 'document',
  signal?: AbortSignal,
): Promise<number[][]> {
  const dimensions = askedDimensions(store);
  const result = await front.client.embed(
    front.scoped(
      {
        model: store.embeddingModel,
        input: texts,
        inputType,
        ...(dimensions !== undefined ? { dimensions } : {}),
        ...(signal ? { signal } : {}),
      },
      owner,
    ),
  );
  if (!result.cached && result.usage.inputTokens > 0) {
    void front.limits.adjust(owner, result.usage.inputTokens);
    front.metrics.tokens.inc({ model: store.embeddingModel, direction: 'in' }, result.usage.inputTokens);
  }
  const wrong = result.embeddings.find((v) => v.length !== store.dimension);
  if (wrong) {
    throw new HttpError(
      500,
      `the embedding model ${store.embeddingModel} returned vectors of ${wrong.length} dimensions; config.vectorStore.dimension is ${store.dimension}. The operator must set vectorStore.dimension to the model's (and recreate the index)`,
      { code: 'vector_store_misconfigured' },
    );
  }
  return result.embeddings;
}

/** `dimensions` to ask for: the store's, when the model is known to return another length by default and can shorten. */
function askedDimensions(store: Pick<VectorStoreConfig, 'embeddingModel' | 'dimension'>): number | undefined {
  const known = embeddingDimensions(store.embeddingModel);
  if (!known || known.default === store.dimension) return undefined;
  return acceptsDimension(known, store.dimension) ? store.dimension : undefined;
}
