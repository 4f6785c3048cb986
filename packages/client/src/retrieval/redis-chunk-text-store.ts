import { Redis } from 'ioredis';
import { GenAiError } from '../index.js';
import type { RedisConnection } from '../redis-connection.js';
import type { ChunkTextStore, StoredChunk } from './chunk-text-store.js';
import { batches } from './chunks.js';

export interface RedisChunkTextStoreOptions {
  /** A connected ioredis client, 5.x or 6.x (not closed by close()), or a `redis://` / `rediss://` URL to connect to. */
  readonly redis: RedisConnection | string;
  /** @default 'genai:chunks:' */
  readonly keyPrefix?: string;
}

const BATCH = 500;

/**
 * A ChunkTextStore on Redis (Memorystore on Google Cloud, the cache the platform already runs): one JSON string
 * per chunk, and a set of chunk ids per file and per store. A single Redis (not Cluster): a write touches the
 * chunk's key and its sets in one MULTI.
 */
export function redisChunkTextStore(options: RedisChunkTextStoreOptions): ChunkTextStore {
  const prefix = options.keyPrefix ?? 'genai:chunks:';
  const owned = typeof options.redis === 'string';
  // A request fails after one reconnection attempt rather than waiting out ioredis' default twenty.
  // Any ioredis major has the commands used here; the type checked at the boundary is the structural one.
  const redis =
    typeof options.redis === 'string'
      ? new Redis(options.redis, { maxRetriesPerRequest: 1 })
      : (options.redis as unknown as Redis);
  // Connection errors reach callers through the failed commands; the event alone would only print a warning.
  if (owned) redis.on('error', () => {});
  const chunkKey = (id: string) => `${prefix}chunk:${id}`;
  const fileKey = (store: string, file: string) =>
    `${prefix}file:${encodeURIComponent(store)}:${encodeURIComponent(file)}`;
  const storeKey = (store: string) => `${prefix}store:${encodeURIComponent(store)}`;

  async function run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      throw new GenAiError(`Redis chunk text store: ${operation} failed; check that Redis is reachable`, {
        kind: 'unavailable',
        code: 'chunk-text-store',
        cause,
      });
    }
  }

  async function read(ids: readonly string[]): Promise<(StoredChunk | undefined)[]> {
    const out: (StoredChunk | undefined)[] = [];
    for (const batch of batches(ids, BATCH)) {
      const values = await redis.mget(batch.map(chunkKey));
      for (const v of values) out.push(v === null ? undefined : (JSON.parse(v) as StoredChunk));
    }
    return out;
  }

  async function exec(multi: ReturnType<Redis['multi']>): Promise<void> {
    const results = await multi.exec();
    const failed = results?.find(([error]) => error !== null);
    if (failed) throw failed[0];
  }

  return {
    put: (chunks) =>
      run('put', async () => {
        for (const batch of batches(chunks, BATCH)) {
          const previous = await read(batch.map((c) => c.id));
          const multi = redis.multi();
          batch.forEach((c, i) => {
            const old = previous[i];
            if (old && (old.vectorStoreId !== c.vectorStoreId || old.fileId !== c.fileId)) {
              multi.srem(fileKey(old.vectorStoreId, old.fileId), c.id);
              if (old.vectorStoreId !== c.vectorStoreId) multi.srem(storeKey(old.vectorStoreId), c.id);
            }
            multi.set(chunkKey(c.id), JSON.stringify(c));
            multi.sadd(fileKey(c.vectorStoreId, c.fileId), c.id);
            multi.sadd(storeKey(c.vectorStoreId), c.id);
          });
          await exec(multi);
        }
      }),
    get: (ids) => run('get', () => read(ids)),
    idsOfFile: (vectorStoreId, fileId) =>
      run('file listing', () => redis.smembers(fileKey(vectorStoreId, fileId))),
    idsOfStore: (vectorStoreId) => run('store listing', () => redis.smembers(storeKey(vectorStoreId))),
    delete: (ids) =>
      run('delete', async () => {
        for (const batch of batches(ids, BATCH)) {
          const previous = await read(batch);
          const multi = redis.multi();
          batch.forEach((id, i) => {
            multi.del(chunkKey(id));
            const old = previous[i];
            if (old) {
              multi.srem(fileKey(old.vectorStoreId, old.fileId), id);
              multi.srem(storeKey(old.vectorStoreId), id);
            }
          });
          await exec(multi);
        }
      }),
    async close() {
      if (owned) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
