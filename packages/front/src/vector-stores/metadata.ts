import type { FileRecord, StoreFileRecord, StoreRecord } from './records.js';

/** What a finished ingestion writes on its store file. */
export type StoreFileOutcome = Pick<StoreFileRecord, 'status' | 'lastError' | 'usageBytes' | 'chunks'>;

/**
 * Where files (with their bytes), vector stores and the files attached to them are kept: in Redis when the front
 * has it (redis-metadata.ts), else in this process. Every lookup takes the owner, so another key's ids miss.
 */
export interface VectorStoreMetadata {
  addFile(file: FileRecord, bytes: Uint8Array): Promise<void>;
  file(owner: string, id: string): Promise<FileRecord | undefined>;
  fileBytes(owner: string, id: string): Promise<Uint8Array | undefined>;
  files(owner: string): Promise<FileRecord[]>;
  /** Removes the file and its bytes (not its attachments: see `fileStores`); whether it existed. */
  removeFile(owner: string, id: string): Promise<boolean>;
  /** The stores a file is attached to. */
  fileStores(owner: string, fileId: string): Promise<string[]>;

  addStore(store: StoreRecord): Promise<void>;
  store(owner: string, id: string): Promise<StoreRecord | undefined>;
  /** The key that created a store: routes configured with `retrieval` name stores by id alone. */
  storeOwner(id: string): Promise<string | undefined>;
  stores(owner: string): Promise<StoreRecord[]>;
  /** Removes the store and its attachments; whether it existed. */
  removeStore(owner: string, id: string): Promise<boolean>;

  /** Adds or replaces an attachment. */
  putStoreFile(record: StoreFileRecord): Promise<void>;
  storeFile(owner: string, storeId: string, fileId: string): Promise<StoreFileRecord | undefined>;
  storeFiles(owner: string, storeId: string): Promise<StoreFileRecord[]>;
  /** Settles an attachment still `in_progress` under `run`; false when it was removed or attached again meanwhile. */
  settleStoreFile(
    owner: string,
    storeId: string,
    fileId: string,
    run: string,
    outcome: StoreFileOutcome,
  ): Promise<boolean>;
  removeStoreFile(owner: string, storeId: string, fileId: string): Promise<boolean>;
}

const k = (...parts: string[]) => parts.join('\u0000');

/** The metadata in this process: lost on restart, one instance only (the default without Redis). */
export class MemoryVectorStoreMetadata implements VectorStoreMetadata {
  private readonly fileRecords = new Map<string, { record: FileRecord; bytes: Uint8Array }>();
  private readonly storeRecords = new Map<string, StoreRecord>();
  /** owner + store → file id → attachment. */
  private readonly attachments = new Map<string, Map<string, StoreFileRecord>>();
  private readonly owners = new Map<string, string>();

  async addFile(file: FileRecord, bytes: Uint8Array): Promise<void> {
    this.fileRecords.set(k(file.owner, file.id), { record: file, bytes });
  }
  async file(owner: string, id: string) {
    return this.fileRecords.get(k(owner, id))?.record;
  }
  async fileBytes(owner: string, id: string) {
    return this.fileRecords.get(k(owner, id))?.bytes;
  }
  async files(owner: string) {
    return [...this.fileRecords.values()].map((f) => f.record).filter((f) => f.owner === owner);
  }
  async removeFile(owner: string, id: string) {
    return this.fileRecords.delete(k(owner, id));
  }
  async fileStores(owner: string, fileId: string) {
    const out: string[] = [];
    for (const files of this.attachments.values()) {
      const r = files.get(fileId);
      if (r && r.owner === owner) out.push(r.vectorStoreId);
    }
    return out;
  }

  async addStore(store: StoreRecord): Promise<void> {
    this.storeRecords.set(k(store.owner, store.id), store);
    this.owners.set(store.id, store.owner);
  }
  async store(owner: string, id: string) {
    return this.storeRecords.get(k(owner, id));
  }
  async storeOwner(id: string) {
    return this.owners.get(id);
  }
  async stores(owner: string) {
    return [...this.storeRecords.values()].filter((s) => s.owner === owner);
  }
  async removeStore(owner: string, id: string) {
    this.attachments.delete(k(owner, id));
    this.owners.delete(id);
    return this.storeRecords.delete(k(owner, id));
  }

  async putStoreFile(record: StoreFileRecord): Promise<void> {
    const key = k(record.owner, record.vectorStoreId);
    const files = this.attachments.get(key) ?? new Map<string, StoreFileRecord>();
    files.set(record.id, record);
    this.attachments.set(key, files);
  }
  async storeFile(owner: string, storeId: string, fileId: string) {
    return this.attachments.get(k(owner, storeId))?.get(fileId);
  }
  async storeFiles(owner: string, storeId: string) {
    return [...(this.attachments.get(k(owner, storeId))?.values() ?? [])];
  }
  async settleStoreFile(
    owner: string,
    storeId: string,
    fileId: string,
    run: string,
    outcome: StoreFileOutcome,
  ) {
    const files = this.attachments.get(k(owner, storeId));
    const current = files?.get(fileId);
    if (!files || !current || current.run !== run || current.status !== 'in_progress') return false;
    files.set(fileId, { ...current, ...outcome });
    return true;
  }
  async removeStoreFile(owner: string, storeId: string, fileId: string) {
    return this.attachments.get(k(owner, storeId))?.delete(fileId) ?? false;
  }
}
