import type { ModelPrice } from '@genai-deploy/config';
import type { BatchOptions } from './batch/batch-options.js';
import type { BudgetOptions } from './budget/budget-options.js';
import type { CacheOptions } from './cache/cache-options.js';
import type { CacheStats } from './cache/cache-stats.js';
import type { CoalesceOptions } from './coalesce/coalesce-options.js';
import type { ClientEventListener } from './events.js';
import type { Layer } from './layer.js';
import type { ProvidersOptions } from './providers/registry.js';
import type { ResilienceOptions } from './resilience/resilience-options.js';
import type { RouteOptions } from './route/routes.js';
import type { TelemetryOptions } from './telemetry.js';
import type { EmbedRequest, EmbedResult, GenerateRequest, GenerateResult, StreamEvent } from './types.js';

export type { ProvidersOptions };

/** The cache, coalesce and batch options of `createClient`. */
export interface RequestLayerOptions {
  /**
   * Exact-match cache of answers and of embedding vectors (per text). Answers are cached when the request is
   * deterministic (temperature 0) or says `cache: true`, never when it says `cache: false`. `false` turns
   * the cache off; `{ redis }` adds a shared Redis tier behind the in-process LRU.
   * @default {} - in-process LRU of 64 MiB, TTL 3600 s, no Redis
   */
  readonly cache?: boolean | CacheOptions;
  /**
   * Identical cacheable requests in flight share one upstream call (in the process; across instances
   * through a Redis fill lock when the cache has Redis). `false` turns it off.
   * @default {} - on
   */
  readonly coalesce?: boolean | CoalesceOptions;
  /**
   * Embedding micro-batching: concurrent embed calls to the same targets within `windowMs` are merged into
   * upstream calls of up to the model's per-call limits; a call that finds its target idle leaves at once
   * (`idleWindowMs`). `false` turns it off.
   * @default {} - on, 5 ms window behind a batch in flight, none when idle
   */
  readonly batch?: boolean | BatchOptions;
}

export interface ClientOptions extends ResilienceOptions, RequestLayerOptions {
  /** @default {} */
  readonly providers?: ProvidersOptions;
  /** Named routes: an ordered list of targets each, addressed by name as `model`. @default {} */
  readonly routes?: Readonly<Record<string, RouteOptions>>;
  /** Overall deadline per call, retries and fallbacks included, in ms. @default 120000 */
  readonly deadlineMs?: number;
  /** OpenTelemetry spans. @default - the global tracer, no prompt text */
  readonly telemetry?: TelemetryOptions;
  /** Typed events (request-start, attempt, request-end, error, ...) for users without OpenTelemetry. @default - none */
  readonly onEvent?: ClientEventListener;
  /**
   * User middleware. `request` layers run after the built-in request layers (cache, coalesce, batch), before
   * routing; `target` layers run after the built-in target layers (retry, breaker, rate limit, timeout), once
   * per attempt, just before the provider. The first listed is the outermost. @default - none
   */
  readonly layers?: { readonly request?: readonly Layer[]; readonly target?: readonly Layer[] };
  /** Upstream calls in flight at once for one embed call split by the model's per-call limits. @default 4 */
  readonly embedConcurrency?: number;
  /**
   * Prices by model address (USD per million tokens, with their source and date), over DEFAULT_PRICES of
   * @genai-deploy/config. Every answer carries its `cost`; a model without a price costs 0 with `priced: false`.
   * @default {} - DEFAULT_PRICES alone
   */
  readonly prices?: Readonly<Record<string, ModelPrice>>;
  /**
   * Budgets: each call reserves its estimated cost against `scopes(request)` in `ledger` before anything else
   * (kind `budget-exceeded`, before any network call, when it does not fit) and settles its actual cost after.
   * @default - no budgets
   */
  readonly budget?: BudgetOptions;
}

/** The client returned by `createClient`. */
export interface GenAiClient {
  /** One completion. Rejects with a GenAiError. */
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /**
   * A streamed completion: `{ type: 'delta', text }` events, then exactly one `{ type: 'finish', ... }`.
   * Breaking out of the loop, or aborting `request.signal`, aborts the upstream request. Errors (GenAiError)
   * are thrown from the loop.
   */
  stream(request: GenerateRequest): AsyncGenerator<StreamEvent, void, undefined>;
  /** Embeddings in input order; inputs over the model's per-call limit are split into several calls. */
  embed(request: EmbedRequest): Promise<EmbedResult>;
  /** Aborts every call in flight, closes every layer and official client. Idempotent. */
  close(): Promise<void>;
  /** Cache, coalescing and batching counters since the client was created (hits, misses, fail-opens, batch sizes). */
  cacheStats(): CacheStats;
}
