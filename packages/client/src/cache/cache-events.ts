/**
 * Events of the cache, coalesce and batch layers, added to the client's typed event union (events.ts) by
 * interface augmentation. They reach `createClient({ onEvent })` tagged with the call's requestId.
 */
declare module '../events.js' {
  interface ClientEventMap {
    /** A lookup was answered from cache (`tier` says where; embeddings count the texts found). */
    'cache-hit': { readonly tier: 'memory' | 'redis' | 'peer'; readonly count: number };
    /** A lookup found nothing (embeddings count the texts not found). */
    'cache-miss': { readonly count: number };
    /**
     * The call shared another identical call's upstream request: in this process, or another instance's fill.
     * `count` is 1 for generate/stream; embeddings count the texts shared with other calls' texts in flight.
     */
    'cache-coalesced': { readonly scope: 'process' | 'peer'; readonly count: number };
    /** Redis was down, slow or erroring, and the call went on without it. */
    'cache-fail-open': { readonly redisOperation: RedisOperationName; readonly reason: string };
    /** An answer was not stored, and why. */
    'cache-skip': { readonly reason: 'too-large' | 'content-filter' | 'not-final'; readonly count: number };
    /** The micro-batcher sent one upstream embedding call carrying texts of `callers` calls. */
    'batch-dispatch': {
      /** Id of the first target of the batch's route. */
      readonly target: string;
      /** Texts in the upstream call. */
      readonly size: number;
      /** Calls whose texts it carries. */
      readonly callers: number;
      /** Estimated tokens it carries (0 when the model has no token limit per call). */
      readonly tokens: number;
    };
  }
}

export type RedisOperationName = 'get' | 'set' | 'lock' | 'unlock' | 'poll';
