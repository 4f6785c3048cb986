import type { CodecOptions } from './codec.js';
import { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
import { type FailOpenReporter, RedisStore, type RedisStoreOptions } from './redis-store.js';

/** How one kind of value is stored. */
export interface ValueCodec<T> {
  encode(value: T, options: CodecOptions): Buffer;
  decode(bytes: Uint8Array): T | undefined;
  /** Estimated in-memory size of a decoded value, in bytes (the memory tier's budget unit). */
  sizeOf(value: T): number;
}

export interface TieredCacheOptions {
  /** The in-process LRU tier, or false for none. @default { maxBytes: 67108864 } */
  readonly memory?: false | MemoryStoreOptions;
  /** The shared Redis tier: a store, its options, or a URL. @default - none (memory only) */
  readonly redis?: RedisStore | RedisStoreOptions | string;
  /** Largest stored entry in bytes (after encoding); larger answers are returned but not cached. @default 262144 */
  readonly maxEntryBytes?: number;
  /** Entries at least this large are compressed. @default 1024 */
  readonly compressAboveBytes?: number;
  /** Longest an entry promoted from Redis stays in memory, in ms (Redis holds the authoritative TTL). @default 3600000 */
  readonly maxMemoryTtlMs?: number;
}

export type Tier = 'memory' | 'redis';

export interface Hit<T> {
  readonly value: T;
  readonly tier: Tier;
}

/**
 * Memory in front of Redis. Reads try memory, then Redis (promoting what Redis had into memory for its
 * remaining TTL); writes go to both. Redis problems are failures-open inside RedisStore, so nothing here
 * throws because of Redis.
 */
export class TieredCache {
  readonly memory: MemoryStore | undefined;
  readonly redis: RedisStore | undefined;
  readonly #ownsRedis: boolean;
  readonly #maxEntryBytes: number;
  readonly #codecOptions: CodecOptions;
  readonly #maxMemoryTtlMs: number;

  /** Fail-opens are reported per call through the `report` argument of each method. */
  constructor(options: TieredCacheOptions) {
    this.memory = options.memory === false ? undefined : new MemoryStore(options.memory ?? {});
    if (options.redis instanceof RedisStore) {
      this.redis = options.redis;
      this.#ownsRedis = false;
    } else if (options.redis !== undefined) {
      const redisOptions = typeof options.redis === 'string' ? { url: options.redis } : options.redis;
      this.redis = new RedisStore(redisOptions);
      this.#ownsRedis = true;
    } else {
      this.redis = undefined;
      this.#ownsRedis = false;
    }
    this.#maxEntryBytes = options.maxEntryBytes ?? 262_144;
    if (!(this.#maxEntryBytes > 0)) {
      throw new TypeError(
        `cache maxEntryBytes must be a positive number of bytes; received ${options.maxEntryBytes}`,
      );
    }
    this.#codecOptions =
      options.compressAboveBytes === undefined ? {} : { compressAboveBytes: options.compressAboveBytes };
    this.#maxMemoryTtlMs = options.maxMemoryTtlMs ?? 3_600_000;
  }

  async get<T>(key: string, codec: ValueCodec<T>, report?: FailOpenReporter): Promise<Hit<T> | undefined> {
    const local = this.memory?.get(key) as T | undefined;
    if (local !== undefined) return { value: local, tier: 'memory' };
    if (!this.redis) return undefined;
    const entry = await this.redis.get(key, report);
    if (!entry) return undefined;
    const value = codec.decode(entry.value);
    if (value === undefined) return undefined;
    this.#promote(key, value, codec, entry.ttlMs);
    return { value, tier: 'redis' };
  }

  /** Looks up many keys: memory first, the rest from Redis in one round trip. */
  async getMany<T>(
    keys: readonly string[],
    codec: ValueCodec<T>,
    report?: FailOpenReporter,
  ): Promise<(Hit<T> | undefined)[]> {
    const out: (Hit<T> | undefined)[] = keys.map((k) => {
      const local = this.memory?.get(k) as T | undefined;
      return local === undefined ? undefined : { value: local, tier: 'memory' as const };
    });
    if (!this.redis) return out;
    const missing: number[] = [];
    out.forEach((hit, i) => {
      if (!hit) missing.push(i);
    });
    if (missing.length === 0) return out;
    const entries = await this.redis.getMany(
      missing.map((i) => keys[i]!),
      report,
    );
    entries.forEach((entry, j) => {
      if (!entry) return;
      const value = codec.decode(entry.value);
      if (value === undefined) return;
      const i = missing[j]!;
      this.#promote(keys[i]!, value, codec, entry.ttlMs);
      out[i] = { value, tier: 'redis' };
    });
    return out;
  }

  /** Stores a value in both tiers; false when it is larger than `maxEntryBytes` (not stored). */
  async set<T>(
    key: string,
    value: T,
    codec: ValueCodec<T>,
    ttlMs: number,
    report?: FailOpenReporter,
  ): Promise<boolean> {
    return (await this.setMany([{ key, value }], codec, ttlMs, report))[0]!;
  }

  async setMany<T>(
    items: readonly { key: string; value: T }[],
    codec: ValueCodec<T>,
    ttlMs: number,
    report?: FailOpenReporter,
  ): Promise<boolean[]> {
    if (ttlMs <= 0) return items.map(() => false);
    const writes: { key: string; value: Buffer; ttlMs: number }[] = [];
    const stored = items.map(({ key, value }) => {
      // Encoding is skipped for memory-only caches unless needed for the size check on large values.
      const size = codec.sizeOf(value);
      const bytes =
        this.redis || size > this.#maxEntryBytes ? codec.encode(value, this.#codecOptions) : undefined;
      if ((bytes?.byteLength ?? size) > this.#maxEntryBytes) return false;
      this.memory?.set(key, value, size, ttlMs);
      if (bytes) writes.push({ key, value: bytes, ttlMs });
      return true;
    });
    if (this.redis && writes.length > 0) await this.redis.setMany(writes, report);
    return stored;
  }

  async close(): Promise<void> {
    this.memory?.clear();
    if (this.#ownsRedis) await this.redis?.close();
  }

  #promote<T>(key: string, value: T, codec: ValueCodec<T>, ttlMs: number): void {
    this.memory?.set(key, value, codec.sizeOf(value), Math.min(ttlMs, this.#maxMemoryTtlMs));
  }
}
