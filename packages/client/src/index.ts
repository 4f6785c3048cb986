export * from './batch/index.js';
export * from './cache/index.js';
export type { ClientOptions, GenAiClient, ProvidersOptions } from './client-options.js';
export { createClient, DEFAULT_DEADLINE_MS, DEFAULT_EMBED_CONCURRENCY } from './create-client.js';
export { GenAiError, type GenAiErrorOptions, isGenAiError } from './errors.js';
export type {
  ClientEvent,
  ClientEventBase,
  ClientEventListener,
  ClientEventMap,
  ClientEventOf,
  ClientEventType,
} from './events.js';
export {
  DEFAULT_EMBEDDING_LIMITS,
  type EmbeddingLimits,
  estimateTokens,
  limitsFor,
  MODEL_LIMITS,
  type ModelLimits,
  planEmbeddingCalls,
} from './model-limits.js';
export { composeEmbed, composeGenerate, composeStream, deriveContext } from './pipeline.js';
export type { AwsProviderOptions } from './providers/aws-config.js';
export type { AzureProviderOptions } from './providers/azure-adapter.js';
export type { SageMakerProviderOptions } from './providers/sagemaker-adapter.js';
export {
  createTgiAdapter,
  embeddingsAdapter,
  messagesApiAdapter,
  type PromptTemplate,
  plainPromptTemplate,
  type SageMakerAdapter,
  type SageMakerGeneration,
  type SageMakerStreamPart,
  tgiAdapter,
} from './providers/sagemaker-payloads.js';
export type { VertexProviderOptions } from './providers/vertex-adapter.js';
export * from './resilience/index.js';
export { type RouteOptions, resolveTargets, toTarget } from './route.js';
export { GEN_AI_SYSTEM, type TelemetryOptions } from './telemetry.js';
export * from './types.js';
