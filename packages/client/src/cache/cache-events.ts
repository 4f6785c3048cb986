/**
 * Events of the cache step, added to the client's typed event union (events.ts) by interface augmentation.
 * They reach `createClient({ onEvent })` tagged with the call's requestId.
 */
declare module '../events.js' {
  interface ClientEventMap {
    /** A lookup was answered from cache (`tier` says where; embeddings count the texts found). */
    'cache-hit': { readonly tier: 'memory' | 'redis' | 'peer'; readonly count: number };
    /** A lookup found nothing (embeddings count the texts not found). */
    'cache-miss': { readonly count: number };
    /** Redis was down, slow or erroring, and the call went on without it. */
    'cache-fail-open': { readonly redisOperation: RedisOperationName; readonly reason: string };
    /** An answer was not stored, and why. */
    'cache-skip': { readonly reason: 'too-large' | 'content-filter' | 'not-final'; readonly count: number };
  }
}

export type RedisOperationName = 'get' | 'set' | 'lock' | 'unlock' | 'poll';
