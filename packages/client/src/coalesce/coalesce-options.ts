/** Options of request coalescing (`createClient({ coalesce })`). Only cacheable requests coalesce. */
export interface CoalesceOptions {
  /**
   * Across instances sharing the cache's Redis: one instance takes a short fill lock and the others wait
   * for its answer (bounded), then fall back to their own call.
   * @default true when the cache has a Redis tier
   */
  readonly distributed?: boolean;
  /** Lifetime of the fill lock in ms; a filler that dies releases it by expiry. @default 15000 */
  readonly lockTtlMs?: number;
  /** Longest a waiting instance polls for another's fill before calling the provider itself, in ms. @default 10000 */
  readonly waitMs?: number;
  /** Interval between polls of another instance's fill, in ms. @default 20 */
  readonly pollIntervalMs?: number;
}
