/**
 * Public request and result types of @genai-deploy/client: plain data, imported by every other module and
 * importing none of them (the pipeline's contract is in layer.ts).
 */
import type { ModelPrice, ProviderName } from '@genai-deploy/config';

export type { ProviderName };

export type Role = 'user' | 'assistant' | 'tool';

/** Text in a user message. */
export interface TextPart {
  readonly type: 'text';
  readonly text: string;
}

/** Image media types every provider behind the client accepts. */
export type ImageMediaType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';

/** An image in a user message, inline. Per-provider limits (count, size) are checked before any network call. */
export interface ImagePart {
  readonly type: 'image';
  readonly mediaType: ImageMediaType;
  /** The image's bytes, base64 (no `data:` prefix). */
  readonly data: string;
}

export type ContentPart = TextPart | ImagePart;

export interface UserMessage {
  readonly role: 'user';
  /** Text, or text and image parts. */
  readonly content: string | readonly ContentPart[];
}

export interface AssistantMessage {
  readonly role: 'assistant';
  /** The text of the turn ('' when the model only called tools). */
  readonly content: string;
  /** The tool calls the model made in this turn; the `tool` messages that follow answer them. */
  readonly toolCalls?: readonly ToolCall[];
}

/** The result of a tool call, given back to the model. */
export interface ToolMessage {
  readonly role: 'tool';
  /** The `id` of the call it answers (a tool call of an earlier assistant message). */
  readonly toolCallId: string;
  /** The result as text (JSON text for structured results). */
  readonly content: string;
}

export type Message = UserMessage | AssistantMessage | ToolMessage;

/** A JSON Schema (draft-07 or 2020-12), as plain data. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** A tool the model may call. */
export interface ToolDefinition {
  /** 1 to 64 letters, digits, `_` or `-` (the strictest rule among the providers). */
  readonly name: string;
  readonly description?: string;
  /** JSON Schema of the arguments: an object schema. */
  readonly parameters: JsonSchema;
  /** Ask for arguments that follow the schema exactly where the provider can (a hint; the answer is not checked). @default false */
  readonly strict?: boolean;
}

/** Whether and which tool the model calls: `auto` (it decides), `none`, `required` (at least one), or one tool. */
export type ToolChoice = 'auto' | 'none' | 'required' | { readonly type: 'tool'; readonly name: string };

/** A tool call of the model. */
export interface ToolCall {
  /** The call's id (the provider's, or a deterministic one where the provider gives none). */
  readonly id: string;
  readonly name: string;
  /** The arguments as the model wrote them. */
  readonly argumentsText: string;
  /** The arguments parsed, or undefined when the model wrote text that is not JSON. */
  readonly arguments: unknown;
}

/**
 * The answer's format: `json` (a JSON object) or `json-schema` (JSON that conforms to `schema`). The client
 * checks every JSON answer and fails with kind `invalid-output` (the raw answer in the error's `text`) when it
 * does not conform; such an answer is never cached.
 */
export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json' }
  | {
      readonly type: 'json-schema';
      readonly schema: JsonSchema;
      /** @default 'response' */
      readonly name?: string;
      readonly description?: string;
      /** Ask for constrained decoding where the provider has it. The answer is checked either way. @default - the provider's default */
      readonly strict?: boolean;
    };

export type FinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'other';

export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/**
 * What a call cost upstream, in integer micro-dollars (µ$, 1 USD = 1,000,000 µ$) so that sums are exact: each
 * component is its tokens (or images) × the model's price, rounded to the nearest µ$ once (cost/cost.ts).
 */
export interface Cost {
  /** Total, integer µ$: the sum of the four components. */
  readonly microUsd: number;
  /** The total in USD (`microUsd / 1e6`). */
  readonly usd: number;
  readonly inputMicroUsd: number;
  readonly cachedInputMicroUsd: number;
  readonly outputMicroUsd: number;
  readonly imageMicroUsd: number;
  /** false when no price is known for the model: every amount is then 0. */
  readonly priced: boolean;
  /** Served from this client's cache: no upstream call, so 0. */
  readonly cacheHit: boolean;
  /** The price applied, when there was one. */
  readonly price?: ModelPrice;
}

export interface GenerateRequest {
  /** `<provider>/<model-or-endpoint>` or a route name from the client options. */
  readonly model: string;
  readonly messages: readonly Message[];
  readonly system?: string;
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly stop?: readonly string[];
  /** Tools the model may call. @default - none */
  readonly tools?: readonly ToolDefinition[];
  /** @default - 'auto' when tools are given */
  readonly toolChoice?: ToolChoice;
  /**
   * `false`: at most one tool call per turn. Providers without that switch (Bedrock, Vertex AI, Azure AI inference)
   * have the extra calls dropped by the client, deltas included. @default true
   */
  readonly parallelToolCalls?: boolean;
  /** @default { type: 'text' } */
  readonly responseFormat?: ResponseFormat;
  /** Sampling seed, where the provider takes one (refused where it does not). @default - none */
  readonly seed?: number;
  /** -2 to 2, where the provider takes it (refused where it does not). @default - none */
  readonly presencePenalty?: number;
  /** -2 to 2, where the provider takes it (refused where it does not). @default - none */
  readonly frequencyPenalty?: number;
  /** Top-k sampling, where the provider takes it (refused where it does not). @default - none */
  readonly topK?: number;
  readonly signal?: AbortSignal;
  /**
   * Cache this call's answer even if it is not deterministic (true), or never (false); or per-call cache
   * options, e.g. `{ scope: tenantId }` to keep tenants' entries apart. @default - cache when temperature is 0
   */
  readonly cache?: boolean | CallCacheOptions;
  /** Overall deadline for the call, retries and fallbacks included, in ms. @default - the client's deadlineMs */
  readonly deadlineMs?: number;
  /** Provider-specific fields passed through to the provider (part of the cache key). */
  readonly providerOptions?: Readonly<Record<string, unknown>>;
}

/** Per-call cache options (the object form of a request's `cache` field). */
export interface CallCacheOptions {
  /**
   * Cache this call's answer even if it is not deterministic (true), or never (false), like `cache: true/false`.
   * @default - generate/stream: cache when temperature is 0; embed: cache every text
   */
  readonly enabled?: boolean;
  /**
   * Tenant scope of this call: it is part of every cache key and coalescing key, so an answer (or an answer in
   * flight) of one scope is never given to a call of another. An opaque, non-secret id (e.g. an API key's id,
   * never the key): 1 to 256 characters. It is hashed into the keys, never stored or logged as such.
   * @default - none (the client's `cache.namespace` alone)
   */
  readonly scope?: string;
}

export interface GenerateResult {
  readonly text: string;
  /** The tool calls of the answer (finish reason `tool-calls`). @default - none */
  readonly toolCalls?: readonly ToolCall[];
  /** With a `json` or `json-schema` response format: the answer parsed (and checked against the schema). */
  readonly object?: unknown;
  readonly finishReason: FinishReason;
  readonly usage: Usage;
  /** Provider that answered. */
  readonly provider: ProviderName;
  /** Model or endpoint that answered (without the provider prefix). */
  readonly model: string;
  readonly cached: boolean;
  /** Upstream attempts this call made (0 when served from cache). */
  readonly attempts: number;
  readonly latencyMs: number;
  /** What the call cost, from the client's prices (the target that answered; 0 with `cacheHit` for a cache hit). */
  readonly cost?: Cost;
}

/** One text delta of a stream. */
export interface StreamDelta {
  readonly type: 'delta';
  readonly text: string;
}

/**
 * A piece of a tool call: the first of a call carries its `id` and `name`, the later ones more argument text.
 * `index` tells parallel calls apart (0, 1, ... in the answer's order).
 */
export interface StreamToolCallDelta {
  readonly type: 'tool-call-delta';
  readonly index: number;
  readonly id?: string;
  readonly name?: string;
  readonly argumentsDelta: string;
}

/** A complete tool call, sent once its last delta is in, before the finish event. */
export interface StreamToolCall {
  readonly type: 'tool-call';
  readonly index: number;
  readonly toolCall: ToolCall;
}

/** The last event of every successful stream (its `toolCalls` are the stream's complete tool calls). */
export interface StreamFinish extends Omit<GenerateResult, 'text'> {
  readonly type: 'finish';
}

export type StreamEvent = StreamDelta | StreamToolCallDelta | StreamToolCall | StreamFinish;

export type EmbedInputType = 'query' | 'document';

export interface EmbedRequest {
  readonly model: string;
  readonly input: string | readonly string[];
  /** Output dimensions for models that support choosing them. @default - the model's default */
  readonly dimensions?: number;
  /** Retrieval role of the input, for models that distinguish it. @default 'document' */
  readonly inputType?: EmbedInputType;
  readonly signal?: AbortSignal;
  /** Overall deadline for the call, split calls, retries and fallbacks included, in ms. @default - the client's deadlineMs */
  readonly deadlineMs?: number;
  readonly providerOptions?: Readonly<Record<string, unknown>>;
  /** `false` skips the per-text cache for this call; `{ scope }` keeps tenants' vectors apart. @default - cached per text */
  readonly cache?: boolean | CallCacheOptions;
}

export interface EmbedResult {
  /** One vector per input, in input order. */
  readonly embeddings: number[][];
  readonly usage: { readonly inputTokens: number };
  readonly provider: ProviderName;
  readonly model: string;
  readonly cached: boolean;
  readonly attempts: number;
  readonly latencyMs: number;
  /** What the call cost, from the client's prices (0 with `cacheHit` when every text came from the cache). */
  readonly cost?: Cost;
}

/** A concrete place a request can go: one provider, one model or endpoint, optionally one region. */
export interface Target {
  readonly provider: ProviderName;
  readonly model: string;
  readonly region?: string;
  /** Stable identity for breakers, limiters and metrics: `provider/model` plus `@region` when set. */
  readonly id: string;
}

/** A request after validation and route resolution: what the layers and providers see. */
export interface NormalizedGenerateRequest extends Omit<GenerateRequest, 'signal' | 'model'> {
  readonly model: string;
  readonly targets: readonly Target[];
  readonly route?: string;
}

export interface NormalizedEmbedRequest extends Omit<EmbedRequest, 'signal' | 'model' | 'input'> {
  readonly model: string;
  readonly input: readonly string[];
  readonly targets: readonly Target[];
  readonly route?: string;
}

export type Operation = 'generate' | 'stream' | 'embed';

export type ErrorKind =
  | 'throttled'
  | 'unavailable'
  | 'timeout'
  | 'invalid-request'
  | 'auth'
  | 'not-found'
  | 'context-length'
  | 'content-filter'
  | 'model-error'
  | 'aborted'
  | 'circuit-open'
  | 'mid-stream'
  /** The answer does not follow the requested response format (the raw answer is in the error's `text`). */
  | 'invalid-output'
  /** A budget (client option `budget`) is spent: no upstream call was made; the error's `resetAt` says when it resets. */
  | 'budget-exceeded';
