import type { RedisStore, RedisStoreOptions } from './redis-store.js';

/** Options of the response and embedding cache (`createClient({ cache })`). */
export interface CacheOptions {
  /** Default TTL of cached answers in seconds; a route's `cacheTtlSeconds` overrides it. @default 3600 */
  readonly ttlSeconds?: number;
  /** Largest cached entry in bytes (encoded, after compression); larger answers are returned but not stored. @default 262144 */
  readonly maxEntryBytes?: number;
  /** The in-process LRU tier, bounded by bytes, or false for none. @default { maxBytes: 67108864 } */
  readonly memory?: false | { readonly maxBytes?: number };
  /**
   * The shared tier: a Redis URL (`redis://`, `rediss://`), RedisStore options, or a RedisStore. Memory
   * stays in front of it. Redis down or slow never fails a call: each operation gives up after
   * `operationTimeoutMs` (default 50 ms) and the call goes to the provider.
   * @default - memory only
   */
  readonly redis?: string | RedisStoreOptions | RedisStore;
  /** Tenant or application scope of every key: entries are never shared across namespaces. @default - none */
  readonly namespace?: string;
  /** Prefix of every key. @default 'genai:' */
  readonly keyPrefix?: string;
  /** Entries at least this large are brotli-compressed. @default 1024 */
  readonly compressAboveBytes?: number;
  /** Cache embeddings per text (a call with some texts cached sends only the others). @default true */
  readonly embeddings?: boolean;
}

/** A positive option value, or `fallback` when unset; a TypeError names the option, the value and the unit. */
export function positive(name: string, value: number | undefined, fallback: number, unit: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(
      `${name} must be a positive number of ${unit}; received ${JSON.stringify(value)}. Omit it for the default (${fallback}).`,
    );
  }
  return value;
}
