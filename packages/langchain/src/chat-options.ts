/** The options of ChatGenAiDeploy: on the model (constructor) and per call. */

import type { CallCacheOptions, GenAiClient, ResponseFormat } from '@genai-deploy/client';
import type {
  BaseChatModelCallOptions,
  BaseChatModelParams,
  BindToolsInput,
} from '@langchain/core/language_models/chat_models';

/** Request fields settable on the model and per call. */
export interface GenAiDeployRequestFields {
  temperature?: number;
  /** Output token limit. @default - the model's default */
  maxTokens?: number;
  topP?: number;
  /** Where the provider takes it (the client refuses it where not). */
  topK?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /**
   * The client's per-call cache (its request's `cache`): a switch or `{ enabled?, scope? }`. Named apart from
   * LangChain's own `cache` option, which caches generations in LangChain. @default - the client's rule (temperature 0)
   */
  clientCache?: boolean | CallCacheOptions;
  /** Overall deadline per call, retries and fallbacks included, in ms. @default - the client's deadlineMs */
  deadlineMs?: number;
  /** Fields passed through to the upstream provider's request. @default - none */
  providerOptions?: Record<string, unknown>;
}

export interface ChatGenAiDeployInput extends BaseChatModelParams, GenAiDeployRequestFields {
  /** The client to call; the model never closes it. */
  client: GenAiClient;
  /** A model address (`bedrock/...`, `vertex/...`) or a route name of the client. */
  model: string;
  stop?: string[];
  /** `invoke` streams too (callbacks get every token). @default false */
  streaming?: boolean;
}

export interface ChatGenAiDeployCallOptions extends BaseChatModelCallOptions, GenAiDeployRequestFields {
  /** Tools the model may call (`bindTools` sets them). */
  tools?: BindToolsInput[];
  /** `false`: at most one tool call per turn. @default true */
  parallel_tool_calls?: boolean;
  /** Ask the client for strict tool arguments where the provider can. @default - the provider's default */
  strict?: boolean;
  /** The client's response format (`withStructuredOutput` sets it). @default { type: 'text' } */
  response_format?: ResponseFormat;
}
