import type { Attributes } from './types.js';

/** A chunk without its vector: what an engine that keeps only vectors (Vertex AI Vector Search) needs beside it. */
export interface StoredChunk {
  readonly id: string;
  readonly vectorStoreId: string;
  readonly fileId: string;
  readonly text: string;
  readonly filename?: string;
  readonly attributes: Attributes;
}

/**
 * Where chunk text lives for an engine that stores vectors only, and the per-file and per-store id lists that
 * deletion needs (the engine removes datapoints by id only).
 */
export interface ChunkTextStore {
  /** Stores chunks, replacing those with the same ids (and moving them between files or stores if they changed). */
  put(chunks: readonly StoredChunk[]): Promise<void>;
  /** The chunks with these ids, in order; undefined for ids not stored. */
  get(ids: readonly string[]): Promise<(StoredChunk | undefined)[]>;
  idsOfFile(vectorStoreId: string, fileId: string): Promise<string[]>;
  idsOfStore(vectorStoreId: string): Promise<string[]>;
  delete(ids: readonly string[]): Promise<void>;
  /** Releases connections the store opened itself. */
  close(): Promise<void>;
}

/** A ChunkTextStore in this process: for tests and single-instance use; nothing persists. */
export function memoryChunkTextStore(): ChunkTextStore {
  const chunks = new Map<string, StoredChunk>();
  return {
    async put(input) {
      for (const c of input) chunks.set(c.id, c);
    },
    async get(ids) {
      return ids.map((id) => chunks.get(id));
    },
    async idsOfFile(vectorStoreId, fileId) {
      return [...chunks.values()]
        .filter((c) => c.vectorStoreId === vectorStoreId && c.fileId === fileId)
        .map((c) => c.id);
    },
    async idsOfStore(vectorStoreId) {
      return [...chunks.values()].filter((c) => c.vectorStoreId === vectorStoreId).map((c) => c.id);
    },
    async delete(ids) {
      for (const id of ids) chunks.delete(id);
    },
    async close() {},
  };
}
