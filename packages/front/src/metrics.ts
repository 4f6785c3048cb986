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
  readonly inFlight: Gauge;
  readonly jobs: Counter<'status'>;
  readonly redisErrors: Counter<'use'>;

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
  }
}
