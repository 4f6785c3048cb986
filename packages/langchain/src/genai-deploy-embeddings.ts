/**
 * GenAiDeployEmbeddings: LangChain's Embeddings over the client's `embed`, which caches per text, batches
 * concurrent calls, splits by the model's limits and falls back along a route. Documents and queries are
 * embedded with their retrieval role (`inputType`), which Cohere, Vertex and Azure models distinguish.
 */

import type { CallCacheOptions, EmbedInputType, GenAiClient } from '@genai-deploy/client';
import { Embeddings, type EmbeddingsParams } from '@langchain/core/embeddings';
import { mapError } from './map-error.js';

export interface GenAiDeployEmbeddingsInput extends EmbeddingsParams {
  /** The client to call; never closed by this class. */
  client: GenAiClient;
  /** A model address (`vertex/text-embedding-005`) or a route name. */
  model: string;
  /** Output dimensions, for models that can choose. @default - the model's default */
  dimensions?: number;
  /** The client's per-text cache: `false` skips it; `{ scope }` keeps tenants apart. @default - cached per text */
  clientCache?: boolean | CallCacheOptions;
  /** Overall deadline per call in ms. @default - the client's deadlineMs */
  deadlineMs?: number;
}

export class GenAiDeployEmbeddings extends Embeddings {
  readonly client: GenAiClient;
  readonly model: string;
  readonly dimensions?: number;
  readonly clientCache?: boolean | CallCacheOptions;
  readonly deadlineMs?: number;

  constructor(fields: GenAiDeployEmbeddingsInput) {
    // The client is the one retry loop: LangChain's AsyncCaller would multiply its attempts.
    super({ ...fields, maxRetries: 0 });
    if (!fields?.client || typeof fields.client.embed !== 'function') {
      throw new TypeError(
        'GenAiDeployEmbeddings: `client` must be a GenAiClient (createClient from @genai-deploy/client)',
      );
    }
    this.client = fields.client;
    this.model = fields.model;
    if (fields.dimensions !== undefined) this.dimensions = fields.dimensions;
    if (fields.clientCache !== undefined) this.clientCache = fields.clientCache;
    if (fields.deadlineMs !== undefined) this.deadlineMs = fields.deadlineMs;
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    if (documents.length === 0) return [];
    return this.#embed(documents, 'document');
  }

  async embedQuery(query: string): Promise<number[]> {
    const [vector] = await this.#embed([query], 'query');
    return vector ?? [];
  }

  async #embed(input: string[], inputType: EmbedInputType): Promise<number[][]> {
    try {
      const result = await this.client.embed({
        model: this.model,
        input,
        inputType,
        ...(this.dimensions !== undefined && { dimensions: this.dimensions }),
        ...(this.clientCache !== undefined && { cache: this.clientCache }),
        ...(this.deadlineMs !== undefined && { deadlineMs: this.deadlineMs }),
      });
      return result.embeddings;
    } catch (error) {
      throw mapError(error);
    }
  }
}
