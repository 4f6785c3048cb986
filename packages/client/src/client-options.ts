import type { CacheStats } from './cache/cache-stats.js';
import type { RequestLayerOptions } from './cache/request-layers.js';
import type { ClientEventListener } from './events.js';
import type { ProvidersOptions } from './providers/registry.js';
import type { ResilienceOptions } from './resilience/resilience-options.js';
import type { RouteOptions } from './route.js';
import type { TelemetryOptions } from './telemetry.js';
import type {
  EmbedRequest,
  EmbedResult,
  GenerateRequest,
  GenerateResult,
  Layer,
  StreamEvent,
} from './types.js';

export type { ProvidersOptions };

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
  // Resilience (issue 5): retry, circuitBreaker, rateLimit, hedging, attemptTimeoutMs, contextWindows (ResilienceOptions).
  // Caching and batching (issue 6): cache, coalesce, batch (RequestLayerOptions).
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
