/** Upper bounds of the batch-size histogram buckets (texts per upstream call); the last bucket is open. */
export const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048] as const;

/** Counters of the cache, coalescing and batching layers since the client was created. */
export interface CacheStats {
  /** Lookups answered by the memory tier (embeddings count texts). */
  readonly memoryHits: number;
  /** Lookups answered by Redis. */
  readonly redisHits: number;
  /** Answers received from another instance's fill. */
  readonly peerHits: number;
  readonly misses: number;
  /** Calls that joined an identical in-flight call (embeddings count texts shared with other calls in flight). */
  readonly coalesced: number;
  /** Redis operations that failed open. */
  readonly failOpen: number;
  /** Answers not stored (too large, content-filtered, partial). */
  readonly skipped: number;
  /** Upstream embedding calls made by the micro-batcher. */
  readonly batches: number;
  /** Texts sent by the micro-batcher. */
  readonly batchedTexts: number;
  /** Upstream calls per batch size: `counts[i]` counts batches of at most `BATCH_SIZE_BUCKETS[i]` texts (last: above). */
  readonly batchSizeHistogram: { readonly buckets: readonly number[]; readonly counts: readonly number[] };
}

export class StatsRecorder {
  memoryHits = 0;
  redisHits = 0;
  peerHits = 0;
  misses = 0;
  coalesced = 0;
  failOpen = 0;
  skipped = 0;
  batches = 0;
  batchedTexts = 0;
  readonly #histogram = new Array<number>(BATCH_SIZE_BUCKETS.length + 1).fill(0);

  recordBatch(size: number): void {
    this.batches++;
    this.batchedTexts += size;
    let i = BATCH_SIZE_BUCKETS.findIndex((b) => size <= b);
    if (i < 0) i = BATCH_SIZE_BUCKETS.length;
    this.#histogram[i]!++;
  }

  snapshot(): CacheStats {
    return {
      memoryHits: this.memoryHits,
      redisHits: this.redisHits,
      peerHits: this.peerHits,
      misses: this.misses,
      coalesced: this.coalesced,
      failOpen: this.failOpen,
      skipped: this.skipped,
      batches: this.batches,
      batchedTexts: this.batchedTexts,
      batchSizeHistogram: { buckets: [...BATCH_SIZE_BUCKETS], counts: [...this.#histogram] },
    };
  }
}
