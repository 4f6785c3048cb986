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
  limitsFor,
  MODEL_LIMITS,
  type ModelLimits,
  planEmbeddingCalls,
} from './model-limits.js';
export { composeEmbed, composeGenerate, composeStream, deriveContext } from './pipeline.js';
export type { AzureProviderOptions } from './providers/azure/options.js';
export type { BedrockProviderOptions } from './providers/bedrock/options.js';
export type {
  ProviderAdapter,
  ProviderEmbedResult,
  ProviderGenerateResult,
  ProviderStreamEvent,
} from './providers/provider-definition.js';
export { providersFromConfig } from './providers/registry.js';
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
export * from './resilience/index.js';
export { type RouteOptions, resolveTargets, toTarget } from './route.js';
export { GEN_AI_SYSTEM, type TelemetryOptions } from './telemetry.js';
export { estimateTokens } from './tokens.js';
export * from './types.js';
