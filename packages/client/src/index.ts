/**
 * @genai-deploy/client: what users of the client need, chosen name by name. The building blocks behind
 * `createClient` (each step's layer, the stores, the provider registry) are `@genai-deploy/client/internal`.
 */

export type {} from './batch/batch-events.js';
// Options of the pipeline's steps
export type { BatchLimitOverride, BatchOptions } from './batch/batch-options.js';
// Budgets: the ledger (memory or Redis) the optional budget step and the front use
export type {} from './budget/budget-events.js';
export type { BudgetOptions } from './budget/budget-options.js';
export { createBudgetLedger, DEFAULT_BUDGET_PREFIX } from './budget/create-budget-ledger.js';
export type {
  BudgetLedger,
  BudgetLedgerOptions,
  BudgetPeriod,
  BudgetScope,
  Reservation,
  ReserveResult,
  SoftLimitReport,
  SpendQuery,
  SpendRecord,
  SpendReport,
  SpendTotals,
} from './budget/ledger-types.js';
export type { RedisOperationName } from './cache/cache-events.js';
export type { CacheOptions } from './cache/cache-options.js';
export { BATCH_SIZE_BUCKETS, type CacheStats } from './cache/cache-stats.js';
// `cache.redis` takes a RedisStore as well as a URL or its options.
export { RedisStore, type RedisStoreOptions } from './cache/redis-store.js';
// The client and its options
export { DEFAULT_DEADLINE_MS } from './call-runner.js';
export type { ClientOptions, GenAiClient, RequestLayerOptions } from './client-options.js';
export type {} from './coalesce/coalesce-events.js';
export type { CoalesceOptions } from './coalesce/coalesce-options.js';
// Cost: integer micro-dollars from the price table (DEFAULT_PRICES of @genai-deploy/config, overridable)
export {
  type CostUsage,
  costOf,
  DEFAULT_PRICES,
  formatUsd,
  type ModelPrice,
  priceFor,
} from './cost/cost.js';
export { DEFAULT_ESTIMATE_OUTPUT_TOKENS, estimateCost } from './cost/estimate.js';
export { createClient } from './create-client.js';
// Errors and their guards
export {
  GenAiError,
  type GenAiErrorOptions,
  isGenAiError,
  isMidStreamError,
  type MidStreamError,
} from './errors.js';
export type {
  ClientEvent,
  ClientEventBase,
  ClientEventListener,
  ClientEventMap,
  ClientEventOf,
  ClientEventType,
} from './events.js';
// The Layer contract (user middleware: `layers.request`, `layers.target`)
export {
  type CallContext,
  type ClientEventInput,
  deriveContext,
  type EmbedNext,
  type GenerateNext,
  type Layer,
  type StreamNext,
} from './layer.js';
// Per-model limits (validation, splitting and batching read them)
export {
  DEFAULT_EMBEDDING_LIMITS,
  type EmbeddingLimits,
  limitsFor,
  MODEL_LIMITS,
  type ModelLimits,
} from './model-limits.js';
// Providers: their options, the front's configuration mapped to them, SageMaker payload adapters
export type { AzureProviderOptions } from './providers/azure/options.js';
export type { BedrockProviderOptions } from './providers/bedrock/options.js';
export { type ProvidersOptions, providersFromConfig } from './providers/registry.js';
export type { SageMakerProviderOptions } from './providers/sagemaker/options.js';
export {
  createTgiAdapter,
  embeddingsAdapter,
  messagesApiAdapter,
  type SageMakerAdapter,
  type SageMakerGeneration,
  type SageMakerStreamPart,
  tgiAdapter,
} from './providers/sagemaker/payloads.js';
export type { AwsProviderOptions } from './providers/shared/aws-config.js';
export { type PromptTemplate, plainPromptTemplate } from './providers/shared/prompt-template.js';
export type { VertexProviderOptions } from './providers/vertex/options.js';
export type { RedisConnection } from './redis-connection.js';
export type { CircuitBreakerOptions } from './resilience/circuit-breaker.js';
export { CLIENT_RATE_LIMIT_CODE } from './resilience/classify.js';
export type { RateLimitOptions, TargetRateLimit } from './resilience/rate-limit.js';
// Events: each step declares its own (module augmentation of ClientEventMap); these lines bring them all in.
export type { CircuitStateName } from './resilience/resilience-events.js';
export type { ResilienceOptions } from './resilience/resilience-options.js';
export type { RetryOptions } from './resilience/retry.js';
export type { RetryBudgetOptions } from './resilience/retry-budget.js';
export type { SharedResilienceOptions } from './resilience/shared-resilience.js';
export type { HedgingOptions } from './route/fallback.js';
export type {} from './route/route-events.js';
export type { RouteOptions } from './route/routes.js';
export { DEFAULT_EMBED_CONCURRENCY } from './split/embedding-split.js';
export type { TelemetryOptions } from './telemetry.js';
// Requests and results
export type {
  AssistantMessage,
  CallCacheOptions,
  ContentPart,
  Cost,
  EmbedInputType,
  EmbedRequest,
  EmbedResult,
  ErrorKind,
  FinishReason,
  GenerateRequest,
  GenerateResult,
  ImageMediaType,
  ImagePart,
  JsonSchema,
  Message,
  NormalizedEmbedRequest,
  NormalizedGenerateRequest,
  Operation,
  ProviderName,
  ResponseFormat,
  Role,
  StreamDelta,
  StreamEvent,
  StreamFinish,
  StreamToolCall,
  StreamToolCallDelta,
  Target,
  TextPart,
  ToolCall,
  ToolChoice,
  ToolDefinition,
  ToolMessage,
  Usage,
  UserMessage,
} from './types.js';
