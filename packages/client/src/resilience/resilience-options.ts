import type { HedgingOptions } from '../route/fallback.js';
import type { CircuitBreakerOptions } from './circuit-breaker.js';
import type { RateLimitOptions } from './rate-limit.js';
import type { RetryOptions } from './retry.js';
import type { SharedResilienceOptions } from './shared-resilience.js';

/**
 * The resilience options of `createClient`: the route step's (fallback, hedging, context windows) and the
 * target steps' (retry, circuit breaker, rate limit, attempt timeout). Their order: PIPELINE (pipeline/steps.ts).
 */
export interface ResilienceOptions {
  /**
   * Retries per target, inside the fallback chain, with a client-wide retry budget. `false` turns them off
   * (one attempt per target). Provider clients never retry on their own.
   * @default - 3 attempts (a throttle with a server hint is not counted: its retries are bounded by the
   * call's deadline and the budget); full-jitter backoff from 100 ms (500 ms when throttled) up to 20 s; server hints
   * honoured up to 5 s past the backoff; a 500-token budget (5 per retry, 10 after a timeout)
   */
  readonly retry?: RetryOptions | false;
  /**
   * A circuit breaker per target (provider + model + region), counting every attempt. `false` turns it off.
   * @default - opens at 10 consecutive failures or 80 % of the last 50 attempts (10 at least); probes
   * after 10 s, doubling to 60 s while probes fail
   */
  readonly circuitBreaker?: CircuitBreakerOptions | false;
  /**
   * Client-side rate limits per target (requests/min, tokens/min, adaptive cut on throttling), optionally
   * shared across processes through Redis.
   * @default - no client-side rate limiting
   */
  readonly rateLimit?: RateLimitOptions;
  /**
   * Share the circuit breakers' state and the adaptive rate cut across processes through Redis: a circuit one
   * instance opens fails fast on every instance within about `refreshMs` (no network call), the open period
   * ends with a probe on each, and a throttle one instance sees cuts every instance's send rate. Calls never
   * wait on Redis (the state is read in the background); when Redis fails, each instance keeps its own state
   * and a `shared-state` event says so. `false` is the default (for callers that turn a default off, e.g.
   * the front, which shares through its Redis when it has one).
   * @default - each process keeps its own circuits and rate cut
   */
  readonly sharedResilience?: SharedResilienceOptions | false;
  /**
   * Hedged requests: start the next target of a route when the current one has not answered in time.
   * `false` turns hedging off even for routes that set `hedgeAfterMs`.
   * @default - only routes with `hedgeAfterMs` hedge
   */
  readonly hedging?: HedgingOptions | false;
  /**
   * Time one attempt may take before it is aborted and retried (streams: time to the first event and
   * between events), in ms. The call's overall deadline (`deadlineMs`) still bounds everything.
   * @default - no per-attempt limit (only the overall deadline)
   */
  readonly attemptTimeoutMs?: number;
  /**
   * Input context window per target id or model address (e.g. `{ 'bedrock/model-a': 200000 }`): on a
   * context-length error the fallback chain skips to the next target with a larger (or unknown) window.
   * @default - windows unknown: a context-length error moves to the next target
   */
  readonly contextWindows?: Readonly<Record<string, number>>;
}
