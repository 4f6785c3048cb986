import { type BudgetLedger, createBudgetLedger } from '@genai-deploy/client';
import type { VectorIndex } from '@genai-deploy/client/retrieval';
import { cacheScope, FRONT_ENV, type FrontConfig, pricesFromConfig } from '@genai-deploy/config';
import { Hono } from 'hono';
import type { Redis } from 'ioredis';
import { ApiKeys } from './auth.js';
import { LogSampler, MemoryAuthThrottle, RedisAuthThrottle } from './auth-throttle.js';
import { FrontBudgets } from './budget.js';
import { Catalog } from './catalog.js';
import type { GatewayClient } from './client.js';
import type { AppEnv, FrontState } from './context.js';
import { type JobStore, MemoryJobStore, RedisJobStore } from './jobs.js';
import { KeyRing } from './keys/key-ring.js';
import { type KeyStore, MemoryKeyStore, RedisKeyStore } from './keys/store.js';
import { createLogger, type Logger } from './logger.js';
import { FrontMetrics } from './metrics.js';
import { API_KEY, type AuthGuard, authenticate, type Credential } from './middleware/auth.js';
import { corsFor } from './middleware/cors.js';
import { Drain } from './middleware/drain.js';
import { notFound, onError } from './middleware/errors.js';
import { InFlightWork } from './middleware/in-flight.js';
import { requestLog } from './middleware/request-log.js';
import { MemoryRateLimiter, type RateLimiter, RedisRateLimiter } from './rate-limit.js';
import { adminRoutes } from './routes/admin.js';
import { chatRoutes } from './routes/chat.js';
import { embeddingsRoutes } from './routes/embeddings.js';
import { filesRoutes } from './routes/files.js';
import { healthRoutes } from './routes/health.js';
import { type JobWorkerOptions, jobsRoutes, startJobWorkers } from './routes/jobs.js';
import { modelsRoutes } from './routes/models.js';
import { spendRoutes } from './routes/spend.js';
import { vectorStoresRoutes } from './routes/vector-stores.js';
import { serverSpan } from './tracing/server-span.js';
import type { IngestionOptions } from './vector-stores/ingestion.js';
import { createVectorStores } from './vector-stores/setup.js';

export interface FrontOptions {
  /** The validated configuration (`parseFrontConfig` or `loadConfig`). */
  readonly config: FrontConfig;
  /** Accepted API keys (`ApiKeys.from` or `loadApiKeys`). */
  readonly apiKeys: ApiKeys;
  /**
   * Scrape credentials for `GET /metrics`; API keys cannot read it (403).
   * @default - none: /metrics is closed (`createFrontFromEnv` reads GENAI_METRICS_KEYS)
   */
  readonly metricsKeys?: ApiKeys;
  /**
   * Admin keys for `/admin/*` (key management, spend); they also read /metrics and cannot call `/v1/*`.
   * @default - none: /admin is closed (`createFrontFromEnv` reads GENAI_ADMIN_KEYS)
   */
  readonly adminKeys?: ApiKeys;
  /**
   * Where keys created through the admin API live.
   * @default - in Redis when the front has it (every instance sees them), else in this process
   */
  readonly keyStore?: KeyStore;
  /**
   * How long an instance trusts a key looked up in the store, in ms: the bound on how late a change made on
   * another instance takes effect here. @default 500
   */
  readonly keyCacheMs?: number;
  /**
   * The budget ledger: reservations, budgets and the spend counters of /v1/spend.
   * @default - `createBudgetLedger` on `redis` under `<keyPrefix>{budget}:` (every instance shares one budget), else in this process
   */
  readonly budgetLedger?: BudgetLedger;
  /** The client that reaches the providers; the front closes it on close(). */
  readonly client: GatewayClient;
  /**
   * Redis for jobs and shared rate limits. The front opens no connection itself: `createFrontFromEnv` and
   * `startFront` open the one to config.cache.redisUrl and share it with the client's cache.
   * @default - none: jobs and rate limits in this process
   */
  readonly redis?: Redis;
  /** Whether close() quits `redis`. @default false */
  readonly ownsRedis?: boolean;
  /** Prefix of every Redis key the front writes. @default 'genai:front:' */
  readonly keyPrefix?: string;
  /** @default - JSON logs on stdout at LOG_LEVEL (info) */
  readonly logger?: Logger;
  /** @default - a new registry with the process's default metrics */
  readonly metrics?: FrontMetrics;
  /** Job worker tuning; `workers: false` only accepts and serves jobs (another instance runs them). */
  readonly jobs?: JobWorkerOptions;
  /**
   * The index behind config.vectorStore; the front closes it on close().
   * @default - a memory index for engine `memory`; other engines need it (`createFrontFromEnv` builds it)
   */
  readonly vectorIndex?: VectorIndex;
  /** Vector store ingestion tuning (concurrency, batches). */
  readonly ingestion?: IngestionOptions;
}

export interface Front {
  readonly app: Hono<AppEnv>;
  /** The validated configuration it runs with. */
  readonly config: FrontConfig;
  readonly metrics: FrontMetrics;
  readonly logger: Logger;
  /** Requests being answered (streams until their last byte). */
  readonly inFlight: number;
  /** Stops taking work: /ready and new requests answer 503, job workers stop claiming. */
  startDrain(): void;
  /** Resolves true when nothing is in flight, false if `timeoutMs` passed first. */
  idle(timeoutMs: number): Promise<boolean>;
  /** Drains (up to `drainMs`), stops the job workers (unfinished jobs go back to the queue), closes the client and Redis. */
  close(drainMs?: number): Promise<void>;
}

/**
 * Builds the front's HTTP app over a client. Runtimes (Node server, Lambda) wrap `front.app`.
 * Middleware runs in the order it is added (server span, then request log, outermost); routes live in routes/,
 * one sub-app each.
 */
export function createFront(options: FrontOptions): Front {
  const { config, client } = options;
  const { redis, ownsRedis = false } = options;
  const front = frontState(options);
  const drain = new Drain(front.metrics);
  // Before any worker starts: a configuration it refuses leaves nothing running.
  const vectors = createVectorStores(front, {
    ...(options.vectorIndex ? { index: options.vectorIndex } : {}),
    ...(options.ingestion ? { ingestion: options.ingestion } : {}),
    ...(redis ? { redis } : {}),
    keyPrefix: keyPrefixOf(options),
  });
  const jobs = startJobWorkers(front, options.jobs);

  const app = new Hono<AppEnv>();
  // The server span is the active context of everything after it: the log line and the client's spans.
  app.use('*', serverSpan());
  app.use('*', requestLog(front));
  app.use('*', drain.middleware);
  const cors = corsFor(config);
  if (cors) app.use('*', cors);
  app.onError(onError);
  app.notFound(notFound);
  // API keys on everything but /health, /ready and /metrics, which takes its own scrape credential.
  const guard = authGuard(front, options.redis, keyPrefixOf(options));
  const ring = front.keys;
  const adminKeys = options.adminKeys ?? ApiKeys.from({});
  app.use('/v1/*', authenticate(guard, API_KEY(ring, adminKeys)));
  app.use('/admin/*', authenticate(guard, adminCredential(adminKeys, ring)));
  app.use('/metrics', authenticate(guard, metricsCredential(options.metricsKeys, adminKeys, ring)));
  app.route('/', adminRoutes(front, ring));
  app.route('/', spendRoutes(front));
  app.route('/', healthRoutes(front, drain));
  app.route('/', modelsRoutes(front));
  app.route('/', chatRoutes(front, vectors.grounding));
  app.route('/', embeddingsRoutes(front));
  app.route('/', jobsRoutes(front, jobs));
  app.route('/', filesRoutes(front, vectors));
  app.route('/', vectorStoresRoutes(front, vectors));

  let closed: Promise<void> | undefined;
  return {
    app,
    config,
    metrics: front.metrics,
    logger: front.logger,
    get inFlight() {
      return drain.inFlight;
    },
    startDrain: () => drain.start(),
    idle: (timeoutMs) => drain.idle(timeoutMs),
    close(drainMs = 0) {
      closed ??= (async () => {
        drain.start();
        const started = Date.now();
        await drain.idle(drainMs);
        await jobs.runner.stop(Math.max(0, drainMs - (Date.now() - started)));
        await vectors.stop(Math.max(0, drainMs - (Date.now() - started)));
        await vectors.close();
        await front.budgets.ledger.close();
        await client.close();
        if (ownsRedis && redis) await redis.quit().catch(() => redis.disconnect());
      })();
      return closed;
    },
  };
}

const DEFAULT_KEY_PREFIX = 'genai:front:';

/** The prefix of every Redis key the front writes. */
function keyPrefixOf(options: Pick<FrontOptions, 'keyPrefix'>): string {
  return options.keyPrefix ?? DEFAULT_KEY_PREFIX;
}

/** A Redis failure the front goes on without: counted by its use and logged. */
function tolerated(
  front: Pick<FrontState, 'metrics' | 'logger'>,
  use: string,
  message = 'redis failure tolerated',
): (e: unknown) => void {
  return (e) => {
    front.metrics.redisErrors.inc({ use });
    front.logger.warn({ err: { message: (e as Error)?.message }, use }, message);
  };
}

/** The state every route and middleware shares: limits and jobs in Redis when the front has it, else in memory. */
function frontState(options: FrontOptions): FrontState {
  const { config, redis } = options;
  const logger = options.logger ?? createLogger();
  const metrics = options.metrics ?? new FrontMetrics();
  const prefix = keyPrefixOf(options);
  redis?.on('error', (e) => logger.warn({ err: { message: e.message } }, 'redis error'));
  if (!redis && config.cache.redisUrl) {
    logger.warn(
      'config.cache.redisUrl is set but the front was given no Redis connection: jobs and rate limits stay in this process; pass `redis` (openRedis(url)) or start it with createFrontFromEnv or startFront, which open it',
    );
  }
  const limits: RateLimiter = redis
    ? new RedisRateLimiter(redis, config.limits, prefix, tolerated({ metrics, logger }, 'rate-limit'))
    : new MemoryRateLimiter(config.limits);
  const jobs: JobStore = redis ? new RedisJobStore(redis, prefix) : new MemoryJobStore();
  const { maxInFlightPerKey = 2048, maxInFlight = 4096 } = config.limits;
  const keys = keyRing({ metrics, logger }, options);
  const ledger =
    options.budgetLedger ??
    createBudgetLedger({
      ...(redis ? { redis, prefix: `${prefix}{budget}:` } : {}),
      ...(config.budgets?.softLimitFraction !== undefined
        ? { softLimitFraction: config.budgets.softLimitFraction }
        : {}),
    });
  return {
    keys,
    budgets: new FrontBudgets(ledger, pricesFromConfig(config.pricing), {
      metrics,
      logger,
      teamBudget: (team) => keys.teamBudget(team),
    }),
    config,
    catalog: new Catalog(config),
    client: options.client,
    logger,
    metrics,
    limits,
    work: new InFlightWork({ perKey: maxInFlightPerKey, perInstance: maxInFlight }),
    jobs,
    redis,
    scoped:
      cacheScope(config.cache) === 'shared'
        ? (request) => request
        : (request, keyId) => ({ ...request, cache: { scope: keyId } }),
  };
}

/** Failed authentications per client address: in Redis when the front has it, so every instance counts them. */
function authGuard(front: FrontState, redis: Redis | undefined, keyPrefix: string): AuthGuard {
  const limit = front.config.limits.authFailuresPerMinute ?? 30;
  const onError = tolerated(front, 'auth-throttle');
  return {
    ...front,
    authThrottle: redis
      ? new RedisAuthThrottle(redis, limit, keyPrefix, onError)
      : new MemoryAuthThrottle(limit),
    authLogSampler: new LogSampler(),
  };
}

/** The caller keys: the environment's, then the store's (in Redis when the front has it). */
function keyRing(front: Pick<FrontState, 'metrics' | 'logger'>, options: FrontOptions): KeyRing {
  const store =
    options.keyStore ??
    (options.redis ? new RedisKeyStore(options.redis, keyPrefixOf(options)) : new MemoryKeyStore());
  return new KeyRing(options.apiKeys, store, {
    ...(options.keyCacheMs !== undefined ? { cacheMs: options.keyCacheMs } : {}),
    onError: tolerated(front, 'key-store', 'key store failure tolerated'),
  });
}

/** /admin takes the admin keys only; without any it is closed to everyone. Caller keys get 403. */
function adminCredential(adminKeys: ApiKeys, ring: KeyRing): Credential {
  return {
    keys: adminKeys,
    otherKeys: ring,
    hint: `send an admin key (${FRONT_ENV.adminKeys.name}) as "Authorization: Bearer <key>"${adminKeys.size ? '' : '; none is configured on this gateway'}`,
  };
}

/** /metrics takes the scrape credentials and the admin keys; without any it is closed to everyone. */
function metricsCredential(metricsKeys: ApiKeys | undefined, adminKeys: ApiKeys, ring: KeyRing): Credential {
  const keys = (metricsKeys ?? ApiKeys.from({})).with(adminKeys);
  return {
    keys,
    otherKeys: ring,
    hint: `send a scrape credential (${FRONT_ENV.metricsKeys.name}) or an admin key as "Authorization: Bearer <credential>"${keys.size ? '' : '; none is configured on this gateway'}`,
  };
}
