import { randomBytes } from 'node:crypto';
import type { Attributes } from '@genai-deploy/client/retrieval';
import type { StaticChunking } from './chunking.js';
import type { FileFormat } from './file-text.js';

/**
 * What the vector store API keeps about files, stores and the files attached to stores, and their views in
 * OpenAI's shapes (node_modules/openai/resources/files.d.ts and vector-stores/*.d.ts). Every record carries its
 * `owner`, the short hash id of the API key that created it: lookups are by owner, so another key finds nothing.
 */

export interface FileRecord {
  readonly id: string;
  readonly owner: string;
  readonly filename: string;
  readonly bytes: number;
  readonly purpose: string;
  /** How its text is read, decided at upload (from its name, else its media type). @default - from the filename */
  readonly format?: FileFormat;
  /** Milliseconds since the epoch (OpenAI shows seconds; ms keep the order of files created in one second). */
  readonly createdAt: number;
}

export interface StoreRecord {
  readonly id: string;
  readonly owner: string;
  readonly name: string;
  readonly description?: string;
  readonly metadata: Readonly<Record<string, string>> | null;
  /** Chunking of files attached without a `chunking_strategy` of their own. @default - the configuration's */
  readonly chunking?: StaticChunking;
  readonly createdAt: number;
}

export type StoreFileStatus = 'in_progress' | 'completed' | 'failed' | 'cancelled';

export interface LastError {
  readonly code: 'server_error' | 'unsupported_file' | 'invalid_file';
  readonly message: string;
}

/** A file attached to a store: its id is the file's id. */
export interface StoreFileRecord {
  readonly id: string;
  readonly vectorStoreId: string;
  readonly owner: string;
  readonly filename: string;
  readonly createdAt: number;
  readonly status: StoreFileStatus;
  readonly lastError: LastError | null;
  /** Bytes the file's chunks take in the index: their text and vectors. */
  readonly usageBytes: number;
  readonly chunks: number;
  readonly attributes: Attributes | null;
  readonly chunking: StaticChunking;
  /**
   * The ingestion run that owns this record: attaching the file again starts a new run, and only the current
   * run may settle the record (a stale run stops at its next batch).
   */
  readonly run: string;
}

/** `file-`, `vs_` and run ids: 128 random bits, hex (safe in Redis keys, URLs and every engine's ids). */
export function newId(prefix: 'file-' | 'vs_' | 'run_'): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/** OpenAI's `file` object. */
export function fileObject(f: FileRecord) {
  return {
    id: f.id,
    object: 'file' as const,
    bytes: f.bytes,
    created_at: seconds(f.createdAt),
    filename: f.filename,
    purpose: f.purpose,
    // Deprecated by OpenAI but still sent: a file here is ready as soon as it is stored.
    status: 'processed' as const,
    status_details: null,
  };
}

/** OpenAI's `vector_store.file` object. */
export function vectorStoreFileObject(r: StoreFileRecord) {
  return {
    id: r.id,
    object: 'vector_store.file' as const,
    created_at: seconds(r.createdAt),
    usage_bytes: r.usageBytes,
    vector_store_id: r.vectorStoreId,
    status: r.status,
    last_error: r.lastError,
    chunking_strategy: {
      type: 'static' as const,
      static: {
        max_chunk_size_tokens: r.chunking.maxChunkSizeTokens,
        chunk_overlap_tokens: r.chunking.chunkOverlapTokens,
      },
    },
    attributes: r.attributes,
  };
}

/** OpenAI's `vector_store` object; counts, usage and status come from the files attached to it. */
export function vectorStoreObject(s: StoreRecord, files: readonly StoreFileRecord[]) {
  const counts = { in_progress: 0, completed: 0, failed: 0, cancelled: 0, total: files.length };
  let usage = 0;
  let lastActive = s.createdAt;
  for (const f of files) {
    counts[f.status] += 1;
    usage += f.usageBytes;
    lastActive = Math.max(lastActive, f.createdAt);
  }
  return {
    id: s.id,
    object: 'vector_store' as const,
    created_at: seconds(s.createdAt),
    name: s.name,
    ...(s.description !== undefined ? { description: s.description } : {}),
    usage_bytes: usage,
    file_counts: counts,
    status: counts.in_progress > 0 ? ('in_progress' as const) : ('completed' as const),
    last_active_at: seconds(lastActive),
    metadata: s.metadata,
    expires_at: null,
  };
}
