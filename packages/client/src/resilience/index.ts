export { createAttemptTimeoutLayer } from './attempt-timeout.js';
export { type BackoffOptions, DEFAULT_BACKOFF, retryDelay } from './backoff.js';
export {
  type CircuitBreakerLayer,
  type CircuitBreakerOptions,
  createCircuitBreakerLayer,
} from './circuit-breaker.js';
export { isHealthFailure, isRetryable, movesToNextTarget } from './classify.js';
export {
  createFallbackLayer,
  type FallbackOptions,
  type HedgingOptions,
  isMidStreamError,
  type MidStreamError,
} from './fallback.js';
export { type GcraLimit, MemoryRateLimitStore, type RateLimitStore, type Reservation } from './gcra.js';
export {
  CLIENT_RATE_LIMIT_CODE,
  createRateLimitLayer,
  type RateLimitLayer,
  type RateLimitOptions,
  type TargetRateLimit,
} from './rate-limit.js';
export { GCRA_LUA, RedisRateLimitStore, type RedisRateLimitStoreOptions } from './redis-rate-limit-store.js';
export type { CircuitStateName } from './resilience-events.js';
export { createResilienceLayers, type ResilienceOptions } from './resilience-options.js';
export { createRetryLayer, type RetryLayer, type RetryOptions } from './retry.js';
export { RetryBudget, type RetryBudgetOptions } from './retry-budget.js';
