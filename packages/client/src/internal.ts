/**
 * `@genai-deploy/client/internal`: the building blocks behind `createClient` (the pipeline's order and
 * composition, each step's layer, the stores, the provider registry), for this repository's packages, tests
 * and benchmarks. No compatibility promise: what users need is in the main entry.
 */

// batch
export { createEmbedBatchLayer } from './batch/embed-batch-layer.js';
export { type BatchFunction, MicroBatcher, type MicroBatcherOptions } from './batch/micro-batcher.js';
// cache
export {
  CACHE_KEY_VERSION,
  type CacheKeyOptions,
  embedKeyBase,
  embedTextCacheKey,
  generateCacheKey,
} from './cache/cache-key.js';
export { createCacheLayer } from './cache/cache-layer.js';
export { isCacheableFinish, isCacheableRequest } from './cache/cache-policy.js';
export {
  answerCodec,
  CacheRuntime,
  type CacheRuntimeDeps,
  type StoredAnswer,
  vectorCodec,
} from './cache/cache-runtime.js';
export { canonicalize } from './cache/canonical.js';
export { MemoryStore, type MemoryStoreOptions } from './cache/memory-store.js';
export type { FailOpenReporter, RedisEntry, RedisOperation } from './cache/redis-store.js';
export { TieredCache, type TieredCacheOptions, type ValueCodec } from './cache/tiered-cache.js';
// coalesce
export { createCoalesceLayer } from './coalesce/coalesce-layer.js';
// limits, tokens, telemetry
export { planEmbeddingCalls } from './model-limits.js';
// The pipeline: its order, its composition
export {
  type BuiltPipeline,
  buildPipeline,
  createRequestLayers,
  createResilienceLayers,
  type RequestLayers,
} from './pipeline/build.js';
export { composeEmbed, composeGenerate, composeStream } from './pipeline/compose.js';
export {
  type LayerStepName,
  PIPELINE,
  type PipelineStep,
  type StepGroup,
  type StepName,
} from './pipeline/steps.js';
// providers
export { lazyAdapter, ProviderAdapters } from './providers/lazy-adapter.js';
export type {
  Env,
  ModelLimitsRow,
  OptionFailure,
  ProviderAdapter,
  ProviderDefinition,
  ProviderEmbedResult,
  ProviderGenerateResult,
  ProviderStreamEvent,
} from './providers/provider-definition.js';
export { PROVIDER_REGISTRY, type ProviderOptionsOf, providerDefinition } from './providers/registry.js';
export { providerTerminal } from './providers/terminal.js';
// resilience
export { createAttemptTimeoutLayer } from './resilience/attempt-timeout.js';
export { type BackoffOptions, DEFAULT_BACKOFF, retryDelay } from './resilience/backoff.js';
export { type CircuitBreakerLayer, createCircuitBreakerLayer } from './resilience/circuit-breaker.js';
export { isHealthFailure, isRetryable, movesToNextTarget } from './resilience/classify.js';
export {
  type GcraLimit,
  MemoryRateLimitStore,
  type RateLimitStore,
  type Reservation,
} from './resilience/gcra.js';
export { createRateLimitLayer, type RateLimitLayer } from './resilience/rate-limit.js';
export {
  GCRA_LUA,
  RedisRateLimitStore,
  type RedisRateLimitStoreOptions,
} from './resilience/redis-rate-limit-store.js';
export { createRetryLayer, type RetryLayer } from './resilience/retry.js';
export { RetryBudget } from './resilience/retry-budget.js';
// route (fallback) and split
export { createFallbackLayer, type FallbackOptions } from './route/fallback.js';
// validate
export { resolveTargets, toTarget } from './route/routes.js';
export { createEmbeddingSplitLayer } from './split/embedding-split.js';
export { GEN_AI_SYSTEM, Telemetry } from './telemetry.js';
export { estimateTokens } from './tokens.js';
export { type ValidationContext, validateEmbed, validateGenerate } from './validate/validate.js';
// worker threads
export { LOWER_THREAD_PRIORITY, SharedWorkerThread } from './worker-thread.js';
