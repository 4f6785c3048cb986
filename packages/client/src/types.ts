/**
 * Public request and result types of @genai-deploy/client: plain data, imported by every other module and
 * importing none of them (the pipeline's contract is in layer.ts).
 */
import type { ProviderName } from '@genai-deploy/config';

export type { ProviderName };

export type Role = 'user' | 'assistant';

export interface Message {
  readonly role: Role;
  readonly content: string;
}

export type FinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'other';

export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
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
}

/** One text delta of a stream. */
export interface StreamDelta {
  readonly type: 'delta';
  readonly text: string;
}

/** The last event of every successful stream. */
export interface StreamFinish extends Omit<GenerateResult, 'text'> {
  readonly type: 'finish';
}

export type StreamEvent = StreamDelta | StreamFinish;

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
  | 'mid-stream';
