import { LRUCache } from 'lru-cache';

export interface MemoryStoreOptions {
  /** Bytes the store may hold (estimated in-memory size of the values); least recently used go first. @default 67108864 (64 MiB) */
  readonly maxBytes?: number;
}

interface Slot {
  readonly value: unknown;
}

/**
 * The embedded tier: an LRU bounded by bytes, not by entry count, so a few huge answers cannot push the
 * process out of memory and many small ones are not evicted early. Holds decoded values (a memory hit costs
 * no parsing); callers pass each value's estimated size.
 */
export class MemoryStore {
  readonly #lru: LRUCache<string, Slot>;

  constructor(options: MemoryStoreOptions = {}) {
    const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    if (!Number.isInteger(maxBytes) || maxBytes <= 0) {
      throw new TypeError(
        `cache memory maxBytes must be a positive integer number of bytes; received ${String(maxBytes)}. ` +
          'Pass e.g. 67108864 for 64 MiB, or memory: false to turn the memory tier off.',
      );
    }
    this.#lru = new LRUCache<string, Slot>({ maxSize: maxBytes, maxEntrySize: maxBytes });
  }

  get(key: string): unknown {
    return this.#lru.get(key)?.value;
  }

  /** Remaining lifetime of an entry in ms (Infinity without TTL, 0 when absent). */
  ttlMs(key: string): number {
    return this.#lru.getRemainingTTL(key);
  }

  set(key: string, value: unknown, sizeBytes: number, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.#lru.set(key, { value }, { size: Math.max(1, Math.ceil(sizeBytes)), ttl: ttlMs });
  }

  delete(key: string): void {
    this.#lru.delete(key);
  }

  clear(): void {
    this.#lru.clear();
  }

  /** Entries held. */
  get size(): number {
    return this.#lru.size;
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.#lru.calculatedSize;
  }
}
