import type { SearchHit, VectorIndex, VectorStoreFilter } from '@genai-deploy/client/retrieval';
import type { VectorStoreConfig } from '@genai-deploy/config';
import type { FrontState } from '../context.js';
import { HttpError } from '../errors.js';
import { chunkingOf, DEFAULT_CHUNKING, type StaticChunking } from './chunking.js';
import { embedTexts } from './embedder.js';
import { fileNotFound, fromIndexError, storeFileNotFound, storeNotFound } from './errors.js';
import { extractText, fileFormat } from './file-text.js';
import type { Ingestion } from './ingestion.js';
import type { VectorStoreMetadata } from './metadata.js';
import {
  type FileRecord,
  newId,
  type StoreFileRecord,
  type StoreRecord,
  vectorStoreObject,
} from './records.js';
import type { AttachFileBody, CreateStoreBody } from './schemas.js';

/** Largest upload when the configuration sets none: 10 MiB. */
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;

export interface VectorStoreServiceDeps {
  readonly front: Pick<FrontState, 'client' | 'scoped' | 'limits' | 'metrics' | 'logger'>;
  readonly config: VectorStoreConfig;
  readonly index: VectorIndex;
  readonly meta: VectorStoreMetadata;
  readonly ingestion: Ingestion;
}

/** What a search asks for, once validated. */
export interface SearchRequest {
  readonly query: string;
  readonly k: number;
  readonly filter?: VectorStoreFilter;
  /** Hits scoring below it are left out. @default - none */
  readonly scoreThreshold?: number;
  readonly signal?: AbortSignal;
}

/** The id a store's chunks carry in the index: the owner's key id and the store id, so no key reads another's. */
export const scopedStoreId = (owner: string, storeId: string) => `${owner}:${storeId}`;

/**
 * The vector store API's operations, free of HTTP: files, stores, attachments (ingested in the background) and
 * search. Every operation takes the owner (the caller's key id); what another key created is not found.
 */
export class VectorStoreService {
  readonly config: VectorStoreConfig;
  readonly meta: VectorStoreMetadata;
  readonly maxFileBytes: number;
  private readonly chunking: StaticChunking;
  private indexReady: Promise<void> | undefined;

  constructor(private readonly deps: VectorStoreServiceDeps) {
    this.config = deps.config;
    this.meta = deps.meta;
    this.maxFileBytes = deps.config.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.chunking = deps.config.chunking ?? DEFAULT_CHUNKING;
  }

  get engine(): string {
    return this.deps.index.engine;
  }

  /** Creates the index (or checks it) once; a failure is tried again on the next call. */
  ready(): Promise<void> {
    this.indexReady ??= this.deps.index.ensureIndex().catch((e: unknown) => {
      this.indexReady = undefined;
      throw fromIndexError(e, this.engine);
    });
    return this.indexReady;
  }

  async uploadFile(owner: string, upload: { filename: string; bytes: Uint8Array; mediaType: string }) {
    // Refused now rather than failed later: the caller learns at once that the file cannot be read.
    const format = fileFormat(upload.filename, upload.mediaType);
    extractText(upload.bytes, format, upload.filename);
    const record: FileRecord = {
      id: newId('file-'),
      owner,
      filename: upload.filename,
      bytes: upload.bytes.byteLength,
      purpose: 'assistants',
      format,
      createdAt: Date.now(),
    };
    await this.meta.addFile(record, upload.bytes);
    return record;
  }

  async file(owner: string, id: string, param?: string): Promise<FileRecord> {
    const file = await this.meta.file(owner, id);
    if (!file) throw fileNotFound(id, param);
    return file;
  }

  /** Deletes a file and erases it from every store it is attached to (its chunks leave the index first). */
  async deleteFile(owner: string, id: string): Promise<void> {
    await this.file(owner, id, 'file_id');
    for (const storeId of await this.meta.fileStores(owner, id)) await this.detach(owner, storeId, id);
    await this.meta.removeFile(owner, id);
  }

  async createStore(owner: string, body: CreateStoreBody): Promise<StoreRecord> {
    // Every file is checked before anything is created.
    for (const [i, id] of (body.file_ids ?? []).entries()) await this.file(owner, id, `file_ids[${i}]`);
    const store: StoreRecord = {
      id: newId('vs_'),
      owner,
      name: body.name ?? '',
      ...(body.description !== undefined ? { description: body.description } : {}),
      metadata: body.metadata ?? null,
      ...(body.chunking_strategy?.type === 'static'
        ? { chunking: chunkingOf(body.chunking_strategy, this.chunking) }
        : {}),
      createdAt: Date.now(),
    };
    await this.meta.addStore(store);
    for (const fileId of body.file_ids ?? []) await this.attach(owner, store.id, { file_id: fileId });
    return store;
  }

  async store(owner: string, id: string): Promise<StoreRecord> {
    const store = await this.meta.store(owner, id);
    if (!store) throw storeNotFound(id);
    return store;
  }

  async storeView(owner: string, store: StoreRecord) {
    return vectorStoreObject(store, await this.meta.storeFiles(owner, store.id));
  }

  /** Deletes a store: its chunks leave the index, then its attachments and the store itself. */
  async deleteStore(owner: string, id: string): Promise<void> {
    await this.store(owner, id);
    await this.deps.index.deleteStore(scopedStoreId(owner, id)).catch((e: unknown) => {
      throw fromIndexError(e, this.engine);
    });
    await this.meta.removeStore(owner, id);
  }

  /** Attaches a file (again: its chunks are replaced) and queues its ingestion; the record is `in_progress`. */
  async attach(owner: string, storeId: string, body: AttachFileBody): Promise<StoreFileRecord> {
    const store = await this.store(owner, storeId);
    const file = await this.file(owner, body.file_id);
    const record: StoreFileRecord = {
      id: file.id,
      vectorStoreId: store.id,
      owner,
      filename: file.filename,
      createdAt: Date.now(),
      status: 'in_progress',
      lastError: null,
      usageBytes: 0,
      chunks: 0,
      attributes: body.attributes ?? null,
      chunking: chunkingOf(body.chunking_strategy, store.chunking ?? this.chunking),
      run: newId('run_'),
    };
    await this.meta.putStoreFile(record);
    try {
      await this.deps.ingestion.enqueue(record);
    } catch (e) {
      await this.meta.removeStoreFile(owner, storeId, file.id).catch(() => {});
      throw new HttpError(503, 'the ingestion queue is unavailable; attach the file again later', {
        code: 'queue_unavailable',
        headers: { 'retry-after': '5' },
        cause: e,
      });
    }
    return record;
  }

  async storeFile(owner: string, storeId: string, fileId: string): Promise<StoreFileRecord> {
    await this.store(owner, storeId);
    const record = await this.meta.storeFile(owner, storeId, fileId);
    if (!record) throw storeFileNotFound(storeId, fileId);
    return record;
  }

  /** Detaches a file: its chunks leave the index (how a user's data is erased), then the attachment. */
  async detach(owner: string, storeId: string, fileId: string): Promise<void> {
    await this.storeFile(owner, storeId, fileId);
    await this.deps.index.deleteByFile(scopedStoreId(owner, storeId), fileId).catch((e: unknown) => {
      throw fromIndexError(e, this.engine);
    });
    await this.meta.removeStoreFile(owner, storeId, fileId);
  }

  /**
   * The chunks nearest to the query in the given stores (ids already in their index scope): the query embedded as
   * a `query` through the front's client, `k` chunks passing the filter, those under the threshold left out.
   */
  async search(owner: string, scopedIds: readonly string[], request: SearchRequest): Promise<SearchHit[]> {
    const [vector] = await embedTexts(
      this.deps.front,
      this.config,
      owner,
      [request.query],
      'query',
      request.signal,
    );
    await this.ready();
    const hits = await this.deps.index
      .search(vector!, {
        k: request.k,
        vectorStoreIds: scopedIds,
        ...(request.filter !== undefined ? { filter: request.filter } : {}),
      })
      .catch((e: unknown) => {
        throw fromIndexError(e, this.engine, 'filters');
      });
    // Cosine similarity may be negative for unrelated text: without a threshold every hit that passed the filter
    // is kept, as asked.
    const threshold = request.scoreThreshold;
    return threshold === undefined ? hits : hits.filter((h) => h.score >= threshold);
  }

  close(): Promise<void> {
    return this.deps.index.close();
  }
}

/** A search hit as OpenAI's search result (and a grounded answer's `sources`). */
export function searchResult(hit: SearchHit) {
  return {
    file_id: hit.fileId,
    filename: hit.filename,
    score: hit.score,
    attributes: hit.attributes,
    content: [{ type: 'text' as const, text: hit.text }],
  };
}

export type SearchResult = ReturnType<typeof searchResult>;
