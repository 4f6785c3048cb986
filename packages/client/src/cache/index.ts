export type {} from './cache-events.js';
export {
  CACHE_KEY_VERSION,
  type CacheKeyOptions,
  embedKeyBase,
  embedTextCacheKey,
  generateCacheKey,
} from './cache-key.js';
export { createCacheLayer } from './cache-layer.js';
export type { CacheOptions, CoalesceOptions } from './cache-options.js';
export { isCacheableFinish, isCacheableRequest } from './cache-policy.js';
export { CacheRuntime, type CacheRuntimeDeps } from './cache-runtime.js';
export { BATCH_SIZE_BUCKETS, type CacheStats } from './cache-stats.js';
export { canonicalize } from './canonical.js';
export { createCoalesceLayer } from './coalesce-layer.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export {
  type FailOpenReporter,
  type RedisEntry,
  type RedisOperation,
  RedisStore,
  type RedisStoreOptions,
} from './redis-store.js';
export { createRequestLayers, type RequestLayerOptions, type RequestLayers } from './request-layers.js';
