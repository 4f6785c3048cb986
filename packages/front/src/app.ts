import { randomUUID } from 'node:crypto';
import type { FrontConfig } from '@genai-deploy/config';
import { type Context, Hono } from 'hono';
import { cors } from 'hono/cors';
import type { Redis } from 'ioredis';
import { type ApiKeys, type Caller, presentedKey } from './auth.js';
import { Catalog } from './catalog.js';
import {
  chatCompletion,
  completionId,
  type PreparedChat,
  prepareChat,
  type StreamOutcome,
  sseStream,
} from './chat.js';
import type { GatewayClient, StreamEvent } from './client.js';
import { embeddingsList, prepareEmbeddings } from './embeddings.js';
import { fromUpstreamError, HttpError, internalError, retryAfterSeconds } from './errors.js';
import {
  type JobOutcome,
  type JobRecord,
  JobRunner,
  type JobStore,
  jobId,
  MemoryJobStore,
  RedisJobStore,
} from './jobs.js';
import { createLogger, type Logger } from './logger.js';
import { FrontMetrics } from './metrics.js';
import { MemoryRateLimiter, type RateLimiter, RedisRateLimiter } from './rate-limit.js';
import { connectRedis } from './redis.js';

export interface FrontOptions {
  /** The validated configuration (`parseFrontConfig` or `loadConfig`). */
  readonly config: FrontConfig;
  /** Accepted API keys (`ApiKeys.from` or `loadApiKeys`). */
  readonly apiKeys: ApiKeys;
  /** The client that reaches the providers; the front closes it on close(). */
  readonly client: GatewayClient;
  /** Redis for jobs and shared rate limits. @default - a connection to config.cache.redisUrl when set, else memory */
  readonly redis?: Redis;
  /** Whether close() quits `redis`. @default false for a given connection (true for the one the front opens) */
  readonly ownsRedis?: boolean;
  /** Prefix of every Redis key the front writes. @default 'genai:front:' */
  readonly keyPrefix?: string;
  /** @default - JSON logs on stdout at LOG_LEVEL (info) */
  readonly logger?: Logger;
  /** @default - a new registry with the process's default metrics */
  readonly metrics?: FrontMetrics;
  /** Job worker tuning; `workers: false` only accepts and serves jobs (another instance runs them). */
  readonly jobs?: { readonly workers?: boolean; readonly leaseMs?: number; readonly pollMs?: number };
}

/** Per-request facts gathered for the log line and metrics. */
interface RequestInfo {
  endpoint: string;
  model?: string;
  provider?: string;
  inputTokens?: number;
  outputTokens?: number;
  cached?: boolean;
  attempts?: number;
  keyId?: string;
  prompt?: unknown;
  completion?: string;
  error?: unknown;
  /** Chat: the caller's index of each client message, to name fields in upstream validation errors. */
  messageIndex?: readonly number[];
  /** Set by streaming handlers: resolves when the body has been sent or abandoned. */
  done?: Promise<void>;
}

type Env = { Variables: { requestId: string; caller: Caller; info: RequestInfo } };

export interface Front {
  readonly app: Hono<Env>;
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

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Builds the front's HTTP app over a client. Runtimes (Node server, Lambda) wrap `front.app`. */
export function createFront(options: FrontOptions): Front {
  const { config, apiKeys, client } = options;
  const logger = options.logger ?? createLogger();
  const metrics = options.metrics ?? new FrontMetrics();
  const catalog = new Catalog(config);
  const prefix = options.keyPrefix ?? 'genai:front:';
  const ownsRedis = options.redis ? (options.ownsRedis ?? false) : !!config.cache.redisUrl;
  const redis = options.redis ?? (config.cache.redisUrl ? connectRedis(config.cache.redisUrl) : undefined);
  redis?.on('error', (e) => logger.warn({ err: { message: e.message } }, 'redis error'));
  const redisError = (use: string) => (e: unknown) => {
    metrics.redisErrors.inc({ use });
    logger.warn({ err: { message: (e as Error)?.message }, use }, 'redis failure tolerated');
  };
  const limits: RateLimiter = redis
    ? new RedisRateLimiter(redis, config.limits, prefix, redisError('rate-limit'))
    : new MemoryRateLimiter(config.limits);
  const store: JobStore = redis ? new RedisJobStore(redis, prefix) : new MemoryJobStore();
  /**
   * With `cache.scopeByKey`, every call is scoped by its caller's key id (a short hash tag, never the key):
   * cached answers and answers in flight are never shared between API keys. Off, the request is unchanged.
   */
  const scoped: <R extends object>(request: R, keyId: string) => R = config.cache.scopeByKey
    ? (request, keyId) => ({ ...request, cache: { scope: keyId } })
    : (request) => request;

  let inFlight = 0;
  let draining = false;
  const idleWaiters = new Set<() => void>();
  const leave = () => {
    inFlight -= 1;
    metrics.inFlight.set(inFlight);
    if (inFlight === 0) for (const w of idleWaiters) w();
  };

  const app = new Hono<Env>();

  // Request id, in-flight tracking, the log line and request metrics, for every request.
  app.use('*', async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const info: RequestInfo = { endpoint: routeName(c.req.path) };
    c.set('requestId', requestId);
    c.set('info', info);
    c.header('x-request-id', requestId);
    const started = performance.now();
    inFlight += 1;
    metrics.inFlight.set(inFlight);
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      leave();
      const status = c.res.status;
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      const model = info.model ?? 'none';
      metrics.requests.inc({ endpoint: info.endpoint, model, status });
      metrics.duration.observe({ endpoint: info.endpoint, model, status }, latencyMs / 1000);
      if (info.endpoint === 'metrics' || info.endpoint === 'health') return;
      const line: Record<string, unknown> = {
        requestId,
        method: c.req.method,
        path: c.req.path,
        status,
        latencyMs,
        model: info.model,
        provider: info.provider,
        tokensIn: info.inputTokens,
        tokensOut: info.outputTokens,
        cache: info.cached === undefined ? undefined : info.cached ? 'hit' : 'miss',
        attempts: info.attempts,
        key: info.keyId,
      };
      if (config.logPrompts) {
        line.prompt = info.prompt;
        line.completion = info.completion;
      }
      if (info.error !== undefined && status >= 500) {
        const e = info.error as { name?: string; message?: string; kind?: string; stack?: string };
        line.err = { name: e.name, message: e.message, kind: e.kind, stack: e.stack };
        logger.error(line, 'request failed');
      } else {
        logger.info(line, 'request');
      }
    };
    try {
      if (draining && info.endpoint !== 'health' && info.endpoint !== 'metrics') {
        c.header('connection', 'close');
        throw new HttpError(503, 'the server is shutting down; retry on another instance', {
          code: 'shutting_down',
          headers: { 'retry-after': '1' },
        });
      }
      await next();
    } finally {
      if (info.done) info.done.then(finish, finish);
      else finish();
    }
  });

  if (config.corsOrigins && config.corsOrigins.length > 0) {
    app.use(
      '*',
      cors({
        origin: config.corsOrigins,
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        allowHeaders: ['authorization', 'content-type', 'x-api-key', 'x-request-id'],
        exposeHeaders: [
          'x-request-id',
          'x-genai-provider',
          'x-genai-cache',
          'x-genai-attempts',
          'retry-after',
          'x-ratelimit-limit-requests',
        ],
        maxAge: 600,
      }),
    );
  }

  app.onError((e, c) => {
    const info = c.get('info');
    const requestId = c.get('requestId') ?? 'unknown';
    const err = toHttpError(e, info?.model ?? 'unknown', requestId, info?.messageIndex);
    if (info) info.error = e;
    for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
    return c.json(err.toBody(), err.status as never);
  });

  app.notFound((c) => {
    const err = new HttpError(404, `no route ${c.req.method} ${c.req.path}; see packages/front/README.md`, {
      code: 'unknown_url',
    });
    return c.json(err.toBody(), 404);
  });

  // Liveness: the process answers. No auth, no dependencies.
  app.get('/health', (c) => c.json({ status: 'ok' }));

  // Readiness: configuration loaded and Redis (when configured) answering.
  app.get('/ready', async (c) => {
    if (draining) return c.json({ status: 'draining' }, 503);
    const checks: Record<string, string> = { config: 'ok' };
    if (redis) checks.redis = (await withTimeout(store.ping(), 1000, false)) ? 'ok' : 'unreachable';
    const ok = Object.values(checks).every((v) => v === 'ok');
    return c.json({ status: ok ? 'ready' : 'not-ready', checks }, ok ? 200 : 503);
  });

  // API keys on everything else.
  const authenticate = async (c: Context<Env>, next: () => Promise<void>) => {
    const caller = apiKeys.verify(presentedKey(c.req.raw.headers));
    if (!caller) {
      throw new HttpError(
        401,
        'missing or invalid API key: send "Authorization: Bearer <key>" or "x-api-key: <key>" with a key issued by this gateway',
        { code: 'invalid_api_key', type: 'invalid_request_error' },
      );
    }
    c.set('caller', caller);
    c.get('info').keyId = caller.id;
    await next();
  };
  app.use('/v1/*', authenticate);
  app.use('/metrics', authenticate);

  app.get('/metrics', async (c) => {
    c.header('content-type', metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });

  app.get('/v1/models', (c) =>
    c.json({
      object: 'list',
      data: catalog.list().map((e) => ({
        id: e.name,
        object: 'model',
        created: 0,
        owned_by: e.isRoute ? 'route' : (e.provider ?? 'route'),
        kind: e.kind,
        ...(e.isRoute ? { targets: e.targets.map((t) => t.id) } : {}),
      })),
    }),
  );

  const takeLimits = async (c: Context<Env>, tokens: number) => {
    const decision = await limits.take(c.get('caller').id, tokens);
    if (decision.ok) return;
    metrics.rateLimited.inc({ limit: decision.limit });
    const perMinute =
      decision.limit === 'requests' ? config.limits.requestsPerMinute : config.limits.tokensPerMinute;
    throw new HttpError(
      429,
      `rate limit reached: ${perMinute} ${decision.limit} per minute for this API key; retry after the Retry-After delay`,
      {
        code: 'rate_limit_exceeded',
        type: 'rate_limit_error',
        headers: {
          'retry-after': retryAfterSeconds(decision.retryAfterMs),
          'retry-after-ms': String(decision.retryAfterMs),
        },
      },
    );
  };

  /**
   * Replaces a call's up-front token estimate with what it consumed upstream: reported usage, or nothing
   * for a cache hit or a call that failed before the provider answered. tokens/min guards upstream quota and
   * cost, which a cached answer does not spend.
   */
  const settleTokens = (
    key: string,
    estimate: number,
    usage?: { readonly inputTokens: number; readonly outputTokens?: number; readonly cached: boolean },
  ) => {
    const actual = !usage || usage.cached ? 0 : usage.inputTokens + (usage.outputTokens ?? 0);
    void limits.adjust(key, actual - estimate);
  };

  const countUsage = (
    model: string,
    provider: string,
    inTok: number,
    outTok: number,
    cached: boolean,
    attempts: number,
  ) => {
    metrics.tokens.inc({ model, direction: 'in' }, inTok);
    metrics.tokens.inc({ model, direction: 'out' }, outTok);
    metrics.cache.inc({ model, result: cached ? 'hit' : 'miss' });
    if (attempts > 0) metrics.attempts.inc({ model, provider }, attempts);
  };

  const tooLarge = () =>
    new HttpError(413, `the request body is larger than ${config.limits.maxBodyBytes} bytes`, {
      code: 'request_too_large',
    });

  /**
   * The body as text within limits.maxBodyBytes. A declared Content-Length is checked before reading (and the
   * HTTP parser holds the body to it), which keeps the runtime's fast path; a chunked body is counted as it
   * arrives and refused as soon as it passes the limit.
   */
  const readText = async (c: Context<Env>): Promise<string> => {
    const max = config.limits.maxBodyBytes;
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (Number(declared) > max) throw tooLarge();
      return c.req.text();
    }
    const body = c.req.raw.body;
    if (!body) return '';
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        void reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks).toString('utf8');
  };

  const readJson = async (c: Context<Env>): Promise<unknown> => {
    const text = await readText(c);
    try {
      return JSON.parse(text);
    } catch {
      throw new HttpError(
        400,
        `the request body is not valid JSON${text.length === 0 ? ' (it is empty)' : ''}; send a JSON object with content-type application/json`,
        { code: 'invalid_json' },
      );
    }
  };

  /**
   * Reads and validates a body within the per-key limits. With a declared Content-Length the limits are
   * taken first, charging body bytes / 4 as the token estimate: a refused request costs neither reading nor
   * validation, which keeps 429s cheap under overload. The estimate is settled against real usage later, and
   * refunded when the body turns out invalid.
   */
  const admit = async <T extends { readonly estimatedInputTokens: number }>(
    c: Context<Env>,
    prepare: (raw: unknown) => T,
  ): Promise<{ prepared: T; charged: number }> => {
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined && /^\d+$/.test(declared)) {
      // Too large is known from the header alone: refuse before it counts against the key.
      if (Number(declared) > config.limits.maxBodyBytes) throw tooLarge();
      const charged = Math.ceil(Number(declared) / 4);
      await takeLimits(c, charged);
      try {
        return { prepared: prepare(await readJson(c)), charged };
      } catch (e) {
        settleTokens(c.get('caller').id, charged);
        throw e;
      }
    }
    const prepared = prepare(await readJson(c));
    await takeLimits(c, prepared.estimatedInputTokens);
    return { prepared, charged: prepared.estimatedInputTokens };
  };

  app.post('/v1/chat/completions', async (c) => {
    const info = c.get('info');
    const { prepared, charged } = await admit(c, (raw) => prepareChat(raw, catalog));
    info.model = prepared.entry.name;
    info.messageIndex = prepared.messageIndex;
    if (config.logPrompts) info.prompt = prepared.body.messages;
    const caller = c.get('caller');
    const id = completionId();
    const created = Math.floor(Date.now() / 1000);
    // The runtime aborts the request's signal when the caller disconnects: the client then aborts upstream.
    const signal = c.req.raw.signal;

    if (!prepared.stream) {
      const result = await client
        .generate(scoped({ ...prepared.request, signal }, caller.id))
        .catch((e: unknown) => {
          settleTokens(caller.id, charged);
          throw e;
        });
      Object.assign(info, {
        provider: result.provider,
        inputTokens: result.usage.inputTokens,
        outputTokens: result.usage.outputTokens,
        cached: result.cached,
        attempts: result.attempts,
        completion: config.logPrompts ? result.text : undefined,
      });
      countUsage(
        prepared.entry.name,
        result.provider,
        result.usage.inputTokens,
        result.usage.outputTokens,
        result.cached,
        result.attempts,
      );
      settleTokens(caller.id, charged, { ...result.usage, cached: result.cached });
      setGenAiHeaders(c, result.provider, result.cached, result.attempts);
      return c.json(chatCompletion(result, id, created));
    }

    const iterator = client
      .stream(scoped({ ...prepared.request, signal }, caller.id))
      [Symbol.asyncIterator]();
    // Failures before the first token (throttled, unavailable, ...) become proper HTTP errors.
    const first: IteratorResult<StreamEvent> = await iterator.next().catch((e: unknown) => {
      settleTokens(caller.id, charged);
      throw e;
    });
    let resolveDone!: () => void;
    info.done = new Promise<void>((r) => {
      resolveDone = r;
    });
    const body = sseStream({
      iterator,
      first,
      id,
      created,
      model: prepared.entry.name,
      includeUsage: prepared.includeUsage,
      // Ending the iteration aborts the upstream request (the runtime may also abort `signal`).
      onCancel: () => {},
      toError: (e) => toHttpError(e, prepared.entry.name, c.get('requestId'), prepared.messageIndex).toBody(),
      onEnd: (outcome: StreamOutcome) => {
        if (outcome.ok) {
          const f = outcome.finish;
          Object.assign(info, {
            provider: f.provider,
            inputTokens: f.usage.inputTokens,
            outputTokens: f.usage.outputTokens,
            cached: f.cached,
            attempts: f.attempts,
            completion: config.logPrompts ? outcome.text : undefined,
          });
          countUsage(
            prepared.entry.name,
            f.provider,
            f.usage.inputTokens,
            f.usage.outputTokens,
            f.cached,
            f.attempts,
          );
          settleTokens(caller.id, charged, { ...f.usage, cached: f.cached });
        } else {
          info.error = outcome.error;
          if (!outcome.cancelled)
            logger.warn(
              { requestId: c.get('requestId'), err: errSummary(outcome.error) },
              'stream failed after the first byte',
            );
        }
        resolveDone();
      },
    });
    if (prepared.entry.provider) c.header('x-genai-provider', prepared.entry.provider);
    c.header('content-type', 'text/event-stream; charset=utf-8');
    c.header('cache-control', 'no-cache');
    c.header('x-accel-buffering', 'no');
    return c.body(body);
  });

  app.post('/v1/embeddings', async (c) => {
    const info = c.get('info');
    const { prepared, charged } = await admit(c, (raw) => prepareEmbeddings(raw, catalog));
    info.model = prepared.entry.name;
    const result = await client
      .embed(scoped({ ...prepared.request, signal: c.req.raw.signal }, c.get('caller').id))
      .catch((e: unknown) => {
        settleTokens(c.get('caller').id, charged);
        throw e;
      });
    Object.assign(info, {
      provider: result.provider,
      inputTokens: result.usage.inputTokens,
      outputTokens: 0,
      cached: result.cached,
      attempts: result.attempts,
    });
    countUsage(
      prepared.entry.name,
      result.provider,
      result.usage.inputTokens,
      0,
      result.cached,
      result.attempts,
    );
    settleTokens(c.get('caller').id, charged, {
      ...result.usage,
      cached: result.cached,
    });
    setGenAiHeaders(c, result.provider, result.cached, result.attempts);
    return c.json(embeddingsList(result, prepared.encoding));
  });

  // Async jobs: a chat request run in the background, its result kept for limits.jobTtlSeconds.
  const jobTtlMs = config.limits.jobTtlSeconds * 1000;

  const runJob = async (job: JobRecord, signal: AbortSignal): Promise<JobOutcome> => {
    let prepared: PreparedChat;
    try {
      prepared = prepareChat(job.request, catalog);
    } catch (e) {
      // The configuration changed under a queued job (its model is gone): fail it like a request.
      const err = toHttpError(e, 'unknown', job.id);
      return { ok: false, status: err.status, body: err.toBody() };
    }
    const model = prepared.entry.name;
    try {
      const result = await client.generate(scoped({ ...prepared.request, signal }, job.owner));
      countUsage(
        model,
        result.provider,
        result.usage.inputTokens,
        result.usage.outputTokens,
        result.cached,
        result.attempts,
      );
      settleTokens(job.owner, job.charged ?? prepared.estimatedInputTokens, {
        ...result.usage,
        cached: result.cached,
      });
      metrics.jobs.inc({ status: 'succeeded' });
      logger.info(
        {
          jobId: job.id,
          model,
          provider: result.provider,
          tokensIn: result.usage.inputTokens,
          tokensOut: result.usage.outputTokens,
          attempts: result.attempts,
          key: job.owner,
        },
        'job succeeded',
      );
      return { ok: true, result: chatCompletion(result, completionId(), Math.floor(Date.now() / 1000)) };
    } catch (e) {
      if (signal.aborted) throw e;
      settleTokens(job.owner, job.charged ?? prepared.estimatedInputTokens);
      const err = toHttpError(e, model, job.id, prepared.messageIndex);
      metrics.jobs.inc({ status: 'failed' });
      logger.warn(
        { jobId: job.id, model, status: err.status, err: errSummary(e), key: job.owner },
        'job failed',
      );
      return { ok: false, status: err.status, body: err.toBody() };
    }
  };

  const runner = new JobRunner(
    store,
    runJob,
    {
      concurrency: config.limits.jobConcurrency,
      ttlMs: jobTtlMs,
      ...(options.jobs?.leaseMs !== undefined ? { leaseMs: options.jobs.leaseMs } : {}),
      ...(options.jobs?.pollMs !== undefined ? { pollMs: options.jobs.pollMs } : {}),
    },
    (e, job) => logger.error({ jobId: job?.id, err: errSummary(e) }, 'job runner error'),
  );
  const workers = options.jobs?.workers ?? true;
  if (workers) runner.start();

  app.post('/v1/jobs', async (c) => {
    const info = c.get('info');
    const { prepared, charged } = await admit(c, (raw) => {
      const p = prepareChat(raw, catalog);
      if (p.stream) {
        throw new HttpError(
          400,
          'invalid stream: a job cannot stream; omit "stream" and read the result from GET /v1/jobs/{id}',
          { param: 'stream', code: 'invalid_value' },
        );
      }
      return p;
    });
    info.model = prepared.entry.name;
    const now = Date.now();
    const record: JobRecord = {
      id: jobId(),
      owner: c.get('caller').id,
      status: 'queued',
      createdAt: now,
      attempts: 0,
      request: prepared.body,
      charged,
    };
    try {
      await store.create(record, jobTtlMs);
    } catch (e) {
      throw new HttpError(503, 'the job queue is unavailable; retry later', {
        code: 'queue_unavailable',
        headers: { 'retry-after': '5' },
        cause: e,
      });
    }
    metrics.jobs.inc({ status: 'queued' });
    if (workers) runner.kick();
    c.header('location', `/v1/jobs/${record.id}`);
    return c.json(jobView(record), 202);
  });

  app.get('/v1/jobs/:id', async (c) => {
    c.get('info').endpoint = 'jobs';
    const id = c.req.param('id');
    const job = /^job_[\w-]{1,64}$/.test(id) ? await store.get(id) : undefined;
    // Another key's job is indistinguishable from a missing one.
    if (!job || job.owner !== c.get('caller').id) {
      throw new HttpError(
        404,
        `no job ${id.slice(0, 80)} for this API key (jobs expire ${config.limits.jobTtlSeconds} s after they finish)`,
        {
          code: 'job_not_found',
          param: 'id',
        },
      );
    }
    return c.json(jobView(job));
  });

  const idle = (timeoutMs: number) =>
    new Promise<boolean>((resolve) => {
      if (inFlight === 0) return resolve(true);
      const done = (value: boolean) => {
        idleWaiters.delete(onIdle);
        clearTimeout(timer);
        resolve(value);
      };
      const onIdle = () => done(true);
      idleWaiters.add(onIdle);
      const timer = setTimeout(() => done(false), timeoutMs);
      timer.unref();
    });

  let closed: Promise<void> | undefined;
  return {
    app,
    metrics,
    logger,
    get inFlight() {
      return inFlight;
    },
    startDrain() {
      draining = true;
    },
    idle,
    close(drainMs = 0) {
      closed ??= (async () => {
        draining = true;
        const started = Date.now();
        await idle(drainMs);
        await runner.stop(Math.max(0, drainMs - (Date.now() - started)));
        await client.close();
        if (ownsRedis && redis) await redis.quit().catch(() => redis.disconnect());
      })();
      return closed;
    },
  };
}

function setGenAiHeaders(c: Context<Env>, provider: string, cached: boolean, attempts: number): void {
  c.header('x-genai-provider', provider);
  c.header('x-genai-cache', cached ? 'hit' : 'miss');
  c.header('x-genai-attempts', String(attempts));
}

function isUpstreamError(e: unknown): e is Parameters<typeof fromUpstreamError>[0] {
  return (
    typeof e === 'object' &&
    e !== null &&
    e instanceof Error &&
    typeof (e as { kind?: unknown }).kind === 'string'
  );
}

function toHttpError(
  e: unknown,
  model: string,
  requestId: string,
  messageIndex?: readonly number[],
): HttpError {
  if (e instanceof HttpError) return e;
  if (isUpstreamError(e)) return fromUpstreamError(e, model, messageIndex);
  return internalError(requestId, e);
}

function errSummary(e: unknown) {
  const err = e as { name?: string; message?: string; kind?: string; status?: number };
  return { name: err?.name, message: err?.message, kind: err?.kind, status: err?.status };
}

function routeName(path: string): string {
  if (path === '/v1/chat/completions') return 'chat';
  if (path === '/v1/embeddings') return 'embeddings';
  if (path === '/v1/models') return 'models';
  if (path.startsWith('/v1/jobs')) return 'jobs';
  if (path === '/health' || path === '/ready' || path === '/metrics') return path.slice(1);
  return 'other';
}

function jobView(job: JobRecord) {
  return {
    id: job.id,
    object: 'job',
    status: job.status,
    created_at: Math.floor(job.createdAt / 1000),
    ...(job.startedAt !== undefined ? { started_at: Math.floor(job.startedAt / 1000) } : {}),
    ...(job.finishedAt !== undefined ? { completed_at: Math.floor(job.finishedAt / 1000) } : {}),
    attempts: job.attempts,
    ...(job.result !== undefined ? { result: job.result } : {}),
    ...(job.error !== undefined
      ? { error: (job.error.body as { error?: unknown }).error ?? job.error.body }
      : {}),
  };
}

async function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<T>((r) => {
    timer = setTimeout(() => r(fallback), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}
