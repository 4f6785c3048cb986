/**
 * GenAiDeployRetriever: a LangChain retriever over a VectorIndex of `@genai-deploy/client/retrieval`
 * (OpenSearch Serverless, Vertex AI Vector Search, Azure AI Search or memory): the query is embedded with the
 * embeddings' query role, the index searched with OpenAI's vector store filters, each hit a Document.
 */

import type { Attributes, VectorIndex, VectorStoreFilter } from '@genai-deploy/client/retrieval';
import type { CallbackManagerForRetrieverRun } from '@langchain/core/callbacks/manager';
import { Document } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { BaseRetriever, type BaseRetrieverInput } from '@langchain/core/retrievers';

export interface GenAiDeployRetrieverInput extends BaseRetrieverInput {
  /** The index to search (an engine of `@genai-deploy/client/retrieval`); never closed by the retriever. */
  index: VectorIndex;
  /** Embeds the query: the model that embedded the chunks (a GenAiDeployEmbeddings, or any Embeddings). */
  embeddings: EmbeddingsInterface;
  /** Documents per query. @default 4 */
  k?: number;
  /** Only these vector stores. @default - every store in the index */
  vectorStoreIds?: string[];
  /** OpenAI's vector store filter on chunk attributes. @default - none */
  filter?: VectorStoreFilter;
  /** Leave out hits whose cosine similarity is below this. @default - none */
  scoreThreshold?: number;
}

/** What each Document's metadata holds. */
export interface GenAiDeployDocumentMetadata {
  id: string;
  vectorStoreId: string;
  fileId: string;
  filename: string;
  /** Cosine similarity of query and chunk. */
  score: number;
  attributes: Attributes;
  [key: string]: unknown;
}

export class GenAiDeployRetriever extends BaseRetriever<GenAiDeployDocumentMetadata> {
  static override lc_name(): string {
    return 'GenAiDeployRetriever';
  }
  override lc_namespace = ['genai_deploy', 'retrievers'];

  readonly index: VectorIndex;
  readonly embeddings: EmbeddingsInterface;
  readonly k: number;
  readonly vectorStoreIds?: string[];
  readonly filter?: VectorStoreFilter;
  readonly scoreThreshold?: number;

  constructor(fields: GenAiDeployRetrieverInput) {
    super(fields);
    this.index = fields.index;
    this.embeddings = fields.embeddings;
    this.k = fields.k ?? 4;
    if (fields.vectorStoreIds) this.vectorStoreIds = fields.vectorStoreIds;
    if (fields.filter) this.filter = fields.filter;
    if (fields.scoreThreshold !== undefined) this.scoreThreshold = fields.scoreThreshold;
  }

  override async _getRelevantDocuments(
    query: string,
    _runManager?: CallbackManagerForRetrieverRun,
  ): Promise<Document<GenAiDeployDocumentMetadata>[]> {
    const vector = await this.embeddings.embedQuery(query);
    const hits = await this.index.search(vector, {
      k: this.k,
      ...(this.vectorStoreIds && { vectorStoreIds: this.vectorStoreIds }),
      ...(this.filter && { filter: this.filter }),
    });
    return hits
      .filter((hit) => this.scoreThreshold === undefined || hit.score >= this.scoreThreshold)
      .map(
        (hit) =>
          new Document<GenAiDeployDocumentMetadata>({
            id: hit.id,
            pageContent: hit.text,
            metadata: {
              id: hit.id,
              vectorStoreId: hit.vectorStoreId,
              fileId: hit.fileId,
              filename: hit.filename,
              score: hit.score,
              attributes: hit.attributes,
            },
          }),
      );
  }
}
