import type { Redis } from 'ioredis';
import type { StoreFileOutcome, VectorStoreMetadata } from './metadata.js';
import type { FileRecord, StoreFileRecord, StoreRecord } from './records.js';

// KEYS: the store's attachments hash. ARGV: file id, run, the settled record. Settles only the run still current.
const SETTLE_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return 0 end
local rec = cjson.decode(cur)
if rec.status ~= 'in_progress' or rec.run ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`;

/**
 * The vector store API's metadata in Redis, under the front's key prefix (`<prefix>vs:`). Each owner's keys share
 * the hash tag `{owner}`, so the multi-key transactions below also run on Redis Cluster:
 * - `file:<id>` (JSON), `bytes:<id>` (the upload), `files` (sorted set by creation) and `file-stores:<id>` (set);
 * - `store:<id>` (JSON), `stores` (sorted set) and `store-files:<id>` (hash of file id → JSON);
 * - outside the tag, `owner:<store id>` → owner, for routes that name a store by id.
 */
export class RedisVectorStoreMetadata implements VectorStoreMetadata {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
  ) {
    this.prefix = `${keyPrefix}vs:`;
  }

  private key(owner: string, ...parts: string[]): string {
    return `${this.prefix}{${owner}}:${parts.join(':')}`;
  }

  async addFile(file: FileRecord, bytes: Uint8Array): Promise<void> {
    await this.redis
      .multi()
      .set(this.key(file.owner, 'file', file.id), JSON.stringify(file))
      .set(this.key(file.owner, 'bytes', file.id), Buffer.from(bytes))
      .zadd(this.key(file.owner, 'files'), file.createdAt, file.id)
      .exec()
      .then(failed);
  }

  async file(owner: string, id: string) {
    return parse<FileRecord>(await this.redis.get(this.key(owner, 'file', id)));
  }

  async fileBytes(owner: string, id: string) {
    const bytes = await this.redis.getBuffer(this.key(owner, 'bytes', id));
    return bytes ?? undefined;
  }

  async files(owner: string) {
    return this.records<FileRecord>(owner, 'files', 'file');
  }

  async removeFile(owner: string, id: string) {
    const results = await this.redis
      .multi()
      .del(this.key(owner, 'file', id), this.key(owner, 'bytes', id))
      .zrem(this.key(owner, 'files'), id)
      .exec()
      .then(failed);
    return Number(results[0]?.[1] ?? 0) > 0;
  }

  async fileStores(owner: string, fileId: string) {
    return this.redis.smembers(this.key(owner, 'file-stores', fileId));
  }

  async addStore(store: StoreRecord): Promise<void> {
    await this.redis
      .multi()
      .set(this.key(store.owner, 'store', store.id), JSON.stringify(store))
      .zadd(this.key(store.owner, 'stores'), store.createdAt, store.id)
      .exec()
      .then(failed);
    await this.redis.set(`${this.prefix}owner:${store.id}`, store.owner);
  }

  async store(owner: string, id: string) {
    return parse<StoreRecord>(await this.redis.get(this.key(owner, 'store', id)));
  }

  async storeOwner(id: string) {
    return (await this.redis.get(`${this.prefix}owner:${id}`)) ?? undefined;
  }

  async stores(owner: string) {
    return this.records<StoreRecord>(owner, 'stores', 'store');
  }

  async removeStore(owner: string, id: string) {
    const files = await this.redis.hkeys(this.key(owner, 'store-files', id));
    const tx = this.redis
      .multi()
      .del(this.key(owner, 'store', id))
      .zrem(this.key(owner, 'stores'), id)
      .del(this.key(owner, 'store-files', id));
    for (const f of files) tx.srem(this.key(owner, 'file-stores', f), id);
    const results = await tx.exec().then(failed);
    await this.redis.del(`${this.prefix}owner:${id}`);
    return Number(results[0]?.[1] ?? 0) > 0;
  }

  async putStoreFile(record: StoreFileRecord): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key(record.owner, 'store-files', record.vectorStoreId), record.id, JSON.stringify(record))
      .sadd(this.key(record.owner, 'file-stores', record.id), record.vectorStoreId)
      .exec()
      .then(failed);
  }

  async storeFile(owner: string, storeId: string, fileId: string) {
    return parse<StoreFileRecord>(await this.redis.hget(this.key(owner, 'store-files', storeId), fileId));
  }

  async storeFiles(owner: string, storeId: string) {
    const values = await this.redis.hvals(this.key(owner, 'store-files', storeId));
    return values.map((v) => JSON.parse(v) as StoreFileRecord);
  }

  async settleStoreFile(
    owner: string,
    storeId: string,
    fileId: string,
    run: string,
    outcome: StoreFileOutcome,
  ) {
    const current = await this.storeFile(owner, storeId, fileId);
    if (!current || current.run !== run || current.status !== 'in_progress') return false;
    const settled = JSON.stringify({ ...current, ...outcome });
    const done = await this.redis.eval(
      SETTLE_SCRIPT,
      1,
      this.key(owner, 'store-files', storeId),
      fileId,
      run,
      settled,
    );
    return done === 1;
  }

  async removeStoreFile(owner: string, storeId: string, fileId: string) {
    const results = await this.redis
      .multi()
      .hdel(this.key(owner, 'store-files', storeId), fileId)
      .srem(this.key(owner, 'file-stores', fileId), storeId)
      .exec()
      .then(failed);
    return Number(results[0]?.[1] ?? 0) > 0;
  }

  /** Every record listed in an owner's sorted set (files or stores), in one round trip for the values. */
  private async records<T>(owner: string, list: string, kind: string): Promise<T[]> {
    const ids = await this.redis.zrange(this.key(owner, list), 0, -1);
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => this.key(owner, kind, id)));
    return values.flatMap((v) => (v === null ? [] : [JSON.parse(v) as T]));
  }
}

function parse<T>(value: string | null): T | undefined {
  return value === null ? undefined : (JSON.parse(value) as T);
}

/** A transaction's results, or the first command's error (ioredis reports them per command). */
function failed(results: [Error | null, unknown][] | null): [Error | null, unknown][] {
  if (!results) throw new Error('the Redis transaction was aborted');
  const error = results.find(([e]) => e)?.[0];
  if (error) throw error;
  return results;
}
