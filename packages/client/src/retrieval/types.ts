import type { Attributes, VectorStoreFilter } from './filter.js';

// Declared with the filters over them (filter.ts), which would otherwise import this file back.
export type { Attributes, AttributeValue } from './filter.js';

/** One chunk of a file in a vector store, with its embedding. */
export interface Chunk {
  /** Unique within the index: upserting an existing id replaces that chunk. */
  readonly id: string;
  readonly vectorStoreId: string;
  readonly fileId: string;
  readonly text: string;
  /** The embedding; every engine stores and compares it normalised to unit length (cosine similarity). */
  readonly vector: readonly number[];
  /** Filterable attributes (at most 16 keys of up to 64 characters; strings up to 512 characters). */
  readonly attributes?: Attributes;
  readonly filename?: string;
}

/** A chunk found by `search`. */
export interface SearchHit {
  readonly id: string;
  readonly vectorStoreId: string;
  readonly fileId: string;
  /** @default '' when the chunk was stored without one */
  readonly filename: string;
  readonly text: string;
  /** Cosine similarity of the query and the chunk (1 is identical), the same scale on every engine. */
  readonly score: number;
  readonly attributes: Attributes;
}

export interface SearchOptions {
  /** How many chunks to return, the nearest first: 1 to 1000. */
  readonly k: number;
  /** OpenAI's vector store filter on attributes (comparison and compound filters). */
  readonly filter?: VectorStoreFilter;
  /** Search only these stores. @default - every store in the index */
  readonly vectorStoreIds?: readonly string[];
}

/** The engines behind a VectorIndex. */
export type VectorEngine = 'opensearch' | 'vertex-vector-search' | 'azure-ai-search' | 'memory';

/**
 * One vector index holding the chunks of many vector stores, on one engine. Every method fails with a
 * GenAiError: `invalid-request` for bad input (before any network call), otherwise the engine's failure mapped to
 * `auth`, `not-found`, `throttled`, `unavailable`, `timeout` or `invalid-request`, the engine's error in `cause`.
 */
export interface VectorIndex {
  readonly engine: VectorEngine;
  /** Creates the index with the mapping this module expects, or checks the existing one; idempotent. */
  ensureIndex(): Promise<void>;
  /** Adds chunks, replacing those with the same ids. */
  upsert(chunks: readonly Chunk[]): Promise<void>;
  /** The `k` chunks nearest to `vector` that pass the filter, sorted by descending score. */
  search(vector: readonly number[], options: SearchOptions): Promise<SearchHit[]>;
  /** Removes a file's chunks from a store; returns how many were removed. */
  deleteByFile(vectorStoreId: string, fileId: string): Promise<number>;
  /** Removes every chunk of a store; returns how many were removed. */
  deleteStore(vectorStoreId: string): Promise<number>;
  /** Releases the engine client (and connections this index opened itself). */
  close(): Promise<void>;
}
