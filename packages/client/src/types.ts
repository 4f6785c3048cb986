/**
 * Public request/response types and the pipeline contract of @genai-deploy/client.
 *
 * The pipeline (docs/ARCHITECTURE.md) reads top to bottom:
 *   validate → cache → coalesce → batch → route/fallback → retry → breaker → rate limit → timeout → provider
 * "Request layers" (cache, coalesce, batch) see the logical request before a target is chosen; the
 * route/fallback step picks targets in order; "target layers" (retry, breaker, rate limit, timeout) wrap
 * each call to one target; the provider adapter makes exactly one upstream request per call.
 */
import type { ProviderName } from '@genai-deploy/config';
import type { ClientEvent } from './events.js';

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

/** Per-call state that flows through every layer. */
export interface CallContext {
  readonly operation: Operation;
  /** Aborts on the caller's signal, the overall deadline, or `close()`. */
  readonly signal: AbortSignal;
  /** Epoch ms at which the overall deadline expires. */
  readonly deadline: number;
  readonly startedAt: number;
  /** Upstream attempts so far; incremented by the attempt that reaches the provider. */
  attempts: number;
  /** The target chosen by route/fallback; set before target layers run. */
  target?: Target;
  /** Correlates the events and span of one call (added by issue 4). */
  readonly requestId?: string;
  /**
   * A per-attempt signal set by a target layer (the timeout layer) through `deriveContext`; the provider call
   * aborts on it as well as on `signal`, and its TimeoutError reason maps to a retryable `timeout` error.
   */
  readonly attemptSignal?: AbortSignal;
  /** Emits a typed client event (see events.ts) tagged with this call's requestId and operation. */
  readonly emit?: (event: ClientEventInput) => void;
}

/** An event as a layer emits it: the pipeline adds requestId, operation and timestamp. */
export type ClientEventInput = DistributiveOmit<ClientEvent, 'requestId' | 'operation' | 'timestamp'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type GenerateNext = (req: NormalizedGenerateRequest, ctx: CallContext) => Promise<GenerateResult>;
export type StreamNext = (req: NormalizedGenerateRequest, ctx: CallContext) => AsyncIterable<StreamEvent>;
export type EmbedNext = (req: NormalizedEmbedRequest, ctx: CallContext) => Promise<EmbedResult>;

/**
 * A pipeline step. Every hook is optional; a missing hook passes through. The first layer listed is the
 * outermost. A layer must not swallow `ctx.signal` aborts.
 */
export interface Layer {
  readonly name: string;
  generate?(req: NormalizedGenerateRequest, ctx: CallContext, next: GenerateNext): Promise<GenerateResult>;
  stream?(req: NormalizedGenerateRequest, ctx: CallContext, next: StreamNext): AsyncIterable<StreamEvent>;
  embed?(req: NormalizedEmbedRequest, ctx: CallContext, next: EmbedNext): Promise<EmbedResult>;
  close?(): Promise<void> | void;
}

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
