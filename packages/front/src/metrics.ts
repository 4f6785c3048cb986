import { BATCH_SIZE_BUCKETS, type ClientEvent } from '@genai-deploy/client';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The front's Prometheus metrics, on a registry of its own (several fronts can live in one process). */
export class FrontMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'endpoint' | 'model' | 'status'>;
  readonly duration: Histogram<'endpoint' | 'model' | 'status'>;
  readonly tokens: Counter<'model' | 'direction'>;
  readonly cache: Counter<'model' | 'result'>;
  readonly attempts: Counter<'model' | 'provider'>;
  readonly upstreamRequests: Counter<'target' | 'provider'>;
  readonly rateLimited: Counter<'limit'>;
  readonly authFailures: Counter<'result'>;
  readonly inFlight: Gauge;
  readonly jobs: Counter<'status'>;
  readonly redisErrors: Counter<'use'>;
  readonly clientCache: Counter<'result'>;
  readonly clientCoalesced: Counter<'scope'>;
  readonly clientCacheFailOpen: Counter<'operation'>;
  readonly clientCacheSkipped: Counter<'reason'>;
  readonly clientBatchSize: Histogram<'target'>;
  readonly targetUp: Gauge<'target'>;
  readonly costUsd: Counter<'key_id' | 'team' | 'model'>;
  readonly budgetSoftLimit: Counter<'scope' | 'period'>;
  readonly budgetExceeded: Counter<'scope' | 'period'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    this.registry = new Registry();
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'genai_front_requests_total',
      help: 'Requests answered by the front, by endpoint, model and HTTP status.',
      labelNames: ['endpoint', 'model', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'genai_front_request_duration_seconds',
      help: 'Time to the full answer (streams: to the last byte), by endpoint, model and HTTP status.',
      labelNames: ['endpoint', 'model', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.tokens = new Counter({
      name: 'genai_front_tokens_total',
      help: 'Tokens reported by the providers, by model and direction (in = prompt, out = completion).',
      labelNames: ['model', 'direction'],
      registers,
    });
    this.cache = new Counter({
      name: 'genai_front_cache_total',
      help: 'Answers served from the cache (hit) or from a provider (miss), by model.',
      labelNames: ['model', 'result'],
      registers,
    });
    this.attempts = new Counter({
      name: 'genai_front_upstream_attempts_total',
      help: 'Upstream requests made for successful calls, retries and fallbacks included, by model and provider.',
      labelNames: ['model', 'provider'],
      registers,
    });
    this.upstreamRequests = new Counter({
      name: 'genai_front_upstream_requests_total',
      help: 'Every upstream request the client made (retries, fallbacks and failed calls included), by target.',
      labelNames: ['target', 'provider'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'genai_front_rate_limited_total',
      help: 'Requests refused with 429 by the per-key limits, by limit.',
      labelNames: ['limit'],
      registers,
    });
    this.authFailures = new Counter({
      name: 'genai_front_auth_failures_total',
      help: 'Requests refused by authentication: invalid (no or a wrong credential) or throttled (the address failed too often).',
      labelNames: ['result'],
      registers,
    });
    this.inFlight = new Gauge({
      name: 'genai_front_in_flight_requests',
      help: 'Requests being answered now.',
      registers,
    });
    this.jobs = new Counter({
      name: 'genai_front_jobs_total',
      help: 'Async jobs by final status (succeeded, failed) and submissions (queued).',
      labelNames: ['status'],
      registers,
    });
    this.redisErrors = new Counter({
      name: 'genai_front_redis_errors_total',
      help: 'Redis failures the front tolerated (rate limits fail open), by use.',
      labelNames: ['use'],
      registers,
    });
    // The client's cache, coalescing and batching layers, from its typed events (observeClientEvent).
    this.clientCache = new Counter({
      name: 'genai_client_cache_lookups_total',
      help: 'Cache lookups of the client (embeddings count texts), by result: memory_hit, redis_hit, peer_hit, miss.',
      labelNames: ['result'],
      registers,
    });
    this.clientCoalesced = new Counter({
      name: 'genai_client_coalesced_total',
      help: 'Calls (embeddings: texts) that shared an identical in-flight upstream call, in this process or another instance.',
      labelNames: ['scope'],
      registers,
    });
    this.clientCacheFailOpen = new Counter({
      name: 'genai_client_cache_fail_open_total',
      help: 'Redis cache operations that failed or were too slow, after which the call went on without Redis.',
      labelNames: ['operation'],
      registers,
    });
    this.clientCacheSkipped = new Counter({
      name: 'genai_client_cache_skipped_total',
      help: 'Answers not stored in the cache, by reason (too-large, content-filter, not-final).',
      labelNames: ['reason'],
      registers,
    });
    this.clientBatchSize = new Histogram({
      name: 'genai_client_embedding_batch_size',
      help: 'Texts per upstream embedding call made by the micro-batcher, by target.',
      labelNames: ['target'],
      buckets: [...BATCH_SIZE_BUCKETS],
      registers,
    });
    // From the client's circuit breakers: a target whose circuit is open (or half-open, probing) is down.
    this.targetUp = new Gauge({
      name: 'genai_target_up',
      help: "1 while a target's circuit breaker is closed, 0 while it is open, half-open or isolated, by target.",
      labelNames: ['target'],
      registers,
    });
    // Cost and budgets (issue 18): key_id is the key's 16-hex tag, never the key.
    this.costUsd = new Counter({
      name: 'genai_cost_usd_total',
      help: 'Upstream cost of answered calls in USD at the price table, by key id, team (empty: none) and the model that answered; cache hits cost 0.',
      labelNames: ['key_id', 'team', 'model'],
      registers,
    });
    this.budgetSoftLimit = new Counter({
      name: 'genai_budget_soft_limit_total',
      help: 'Calls admitted past the soft limit (budgets.softLimitFraction) of a budget, by scope (key, team) and period (day, month).',
      labelNames: ['scope', 'period'],
      registers,
    });
    this.budgetExceeded = new Counter({
      name: 'genai_budget_exceeded_total',
      help: 'Calls refused with 429 budget_exceeded, by scope (key, team) and period (day, month).',
      labelNames: ['scope', 'period'],
      registers,
    });
  }

  /** Counts one of the client's cache, coalescing and batching events; follows its circuit breakers. */
  observeClientEvent(event: ClientEvent): void {
    switch (event.type) {
      case 'cache-hit':
        this.clientCache.inc({ result: `${event.tier}_hit` }, event.count);
        break;
      case 'cache-miss':
        this.clientCache.inc({ result: 'miss' }, event.count);
        break;
      case 'cache-coalesced':
        this.clientCoalesced.inc({ scope: event.scope }, event.count);
        break;
      case 'cache-fail-open':
        this.clientCacheFailOpen.inc({ operation: event.redisOperation });
        break;
      case 'cache-skip':
        this.clientCacheSkipped.inc({ reason: event.reason }, event.count);
        break;
      case 'breaker-state':
        this.targetUp.set({ target: event.target.id }, event.state === 'closed' ? 1 : 0);
        break;
      case 'batch-dispatch':
        this.clientBatchSize.observe({ target: event.target }, event.size);
        break;
    }
  }
}
