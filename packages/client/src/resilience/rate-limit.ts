import type { Redis } from 'ioredis';
import { abortError, GenAiError, isGenAiError, optionError } from '../errors.js';
import type { CallContext, Layer } from '../layer.js';
import { estimateTokens } from '../tokens.js';
import type {
  NormalizedEmbedRequest,
  NormalizedGenerateRequest,
  StreamEvent,
  Target,
  Usage,
} from '../types.js';
import { AdaptiveRate } from './adaptive-rate.js';
import { CLIENT_RATE_LIMIT_CODE } from './classify.js';
import { type GcraLimit, MemoryRateLimitStore, perMinute, type RateLimitStore } from './gcra.js';
import { RedisRateLimitStore } from './redis-rate-limit-store.js';
import type {} from './resilience-events.js';
import { sleep } from './sleep.js';

export { CLIENT_RATE_LIMIT_CODE };

export interface TargetRateLimit {
  /** Requests per minute to this target. @default - not limited */
  readonly requestsPerMinute?: number;
  /** Tokens per minute to this target, estimated before the call and corrected by reported usage. @default - not limited */
  readonly tokensPerMinute?: number;
}

export interface RateLimitOptions extends TargetRateLimit {
  /** Limits per target id (`provider/model` or `provider/model@region`), replacing the defaults above. @default - none */
  readonly targets?: Readonly<Record<string, TargetRateLimit>>;
  /** Burst allowance, in seconds of the per-minute rate (at least one request). @default 10 */
  readonly burstSeconds?: number;
  /**
   * Longest a call waits for its slot, in ms (never past the call's deadline). A call that cannot be
   * admitted in time fails at once with kind `throttled`, code `ClientRateLimit` and `retryAfterMs`, and
   * the fallback chain moves on. @default 10000
   */
  readonly maxWaitMs?: number;
  /**
   * Cut the request rate on throttling and grow it back as calls succeed (the AWS SDK adaptive mode's
   * CUBIC controller), per target and per process. @default true
   */
  readonly adaptive?: boolean;
  /** Output tokens assumed for a call without `maxTokens`, in the token estimate. @default 1024 */
  readonly defaultMaxTokens?: number;
  /**
   * Share the requests/min and tokens/min quotas across processes through this Redis (one atomic Lua
   * script per call). The adaptive cut stays per process. @default - in-process quotas
   */
  readonly redis?: Redis;
  /** Key prefix in Redis. @default 'genai:rl:' */
  readonly redisKeyPrefix?: string;
}

interface TargetState {
  readonly requests?: GcraLimit;
  readonly tokens?: GcraLimit;
  readonly adaptive?: AdaptiveRate;
}

export interface RateLimitLayer extends Layer {
  /** The adaptive request rate of a target, in requests per second (Infinity when not cut). */
  adaptiveRate(targetId: string): number;
}

/**
 * Client-side rate limiting per target: requests and tokens per minute as GCRA reservations (FIFO, bounded
 * and abortable waits), in memory or shared through Redis, plus an adaptive cut on throttling.
 */
export function createRateLimitLayer(options: RateLimitOptions): RateLimitLayer {
  const burstSeconds = options.burstSeconds ?? 10;
  const maxWaitMs = options.maxWaitMs ?? 10_000;
  const adaptiveOn = options.adaptive ?? true;
  const defaultMaxTokens = options.defaultMaxTokens ?? 1024;
  check(
    burstSeconds > 0 && Number.isFinite(burstSeconds),
    'burstSeconds',
    burstSeconds,
    'a number of seconds > 0',
  );
  check(maxWaitMs >= 0 && Number.isFinite(maxWaitMs), 'maxWaitMs', maxWaitMs, 'a number of ms >= 0');
  check(
    Number.isInteger(defaultMaxTokens) && defaultMaxTokens >= 0,
    'defaultMaxTokens',
    defaultMaxTokens,
    'an integer >= 0',
  );
  validateLimit('', options);
  for (const [id, limit] of Object.entries(options.targets ?? {})) validateLimit(`targets["${id}"].`, limit);

  const store: RateLimitStore = options.redis
    ? new RedisRateLimitStore({
        redis: options.redis,
        ...(options.redisKeyPrefix ? { keyPrefix: options.redisKeyPrefix } : {}),
      })
    : new MemoryRateLimitStore();
  const adaptiveGate = new MemoryRateLimitStore();
  const states = new Map<string, TargetState>();
  let storeWarned = false;

  function stateFor(target: Target): TargetState {
    let state = states.get(target.id);
    if (state) return state;
    const limit = options.targets?.[target.id] ?? options;
    state = {
      ...(limit.requestsPerMinute ? { requests: perMinute(limit.requestsPerMinute, burstSeconds) } : {}),
      ...(limit.tokensPerMinute ? { tokens: perMinute(limit.tokensPerMinute, burstSeconds) } : {}),
      ...(adaptiveOn ? { adaptive: new AdaptiveRate(Date.now, (limit.requestsPerMinute ?? 0) / 60) } : {}),
    };
    states.set(target.id, state);
    return state;
  }

  function throttledError(target: Target, retryAfterMs: number, why: string): GenAiError {
    return new GenAiError(
      `client-side rate limit for ${target.id}: ${why}; the next slot is ${retryAfterMs} ms away. ` +
        'Raise rateLimit.maxWaitMs, the call deadline or the target quota, or add a fallback target',
      {
        kind: 'throttled',
        retryable: false,
        code: CLIENT_RATE_LIMIT_CODE,
        provider: target.provider,
        target,
        retryAfterMs,
      },
    );
  }

  /** Books the call's slot and waits for it; returns what to settle after the call. */
  async function admit(ctx: CallContext, target: Target, tokenEstimate: number) {
    const state = stateFor(target);
    const budgetMs = Math.max(0, Math.min(maxWaitMs, ctx.deadline - Date.now()));
    const adaptiveLimit = adaptiveLimitOf(state);
    const gate = adaptiveLimit
      ? adaptiveGate.reserveSync(target.id, { requests: adaptiveLimit, tokenCost: 0, maxWaitMs: budgetMs })
      : { admitted: true as const, waitMs: 0 };
    if (!gate.admitted) {
      throw throttledError(target, gate.retryAfterMs, 'the send rate is cut after throttling');
    }
    const refundGate = () =>
      adaptiveLimit
        ? adaptiveGate.adjust(target.id, { requests: adaptiveLimit, requestDelta: -1, tokenDelta: 0 })
        : undefined;
    let waitMs = gate.waitMs;
    let booked = false;
    if (state.requests || state.tokens) {
      let reservation: Awaited<ReturnType<RateLimitStore['reserve']>>;
      try {
        reservation = await store.reserve(target.id, {
          requests: state.requests,
          tokens: state.tokens,
          tokenCost: tokenEstimate,
          maxWaitMs: budgetMs,
        });
      } catch (e) {
        // A shared store that is down must not take the service down with it: fail open, say so once.
        if (!storeWarned) {
          storeWarned = true;
          process.emitWarning(
            `rate limit store failed, admitting calls unlimited: ${String(e)}`,
            'GenAiClientWarning',
          );
        }
        reservation = { admitted: true, waitMs: 0 };
      }
      if (!reservation.admitted) {
        void refundGate();
        throw throttledError(
          target,
          reservation.retryAfterMs,
          'the requests/min or tokens/min quota is used up',
        );
      }
      booked = true;
      waitMs = Math.max(waitMs, reservation.waitMs);
    }
    if (waitMs > 0) {
      ctx.emit?.({ type: 'rate-limit-wait', target, waitMs });
      try {
        await sleep(waitMs, ctx.signal);
      } catch {
        void refundGate();
        if (booked) void settle(target, state, -1, -tokenEstimate);
        throw abortError(ctx.signal, target.provider);
      }
    }
    return { state, booked };
  }

  function settle(
    target: Target,
    state: TargetState,
    requestDelta: number,
    tokenDelta: number,
  ): Promise<void> {
    if (!state.tokens && !state.requests) return Promise.resolve();
    return store
      .adjust(target.id, { requests: state.requests, tokens: state.tokens, requestDelta, tokenDelta })
      .catch(() => undefined);
  }

  function observe(state: TargetState, e: unknown): void {
    if (!state.adaptive) return;
    if (isGenAiError(e) && e.code === CLIENT_RATE_LIMIT_CODE) return;
    state.adaptive.record(isGenAiError(e) && e.kind === 'throttled');
  }

  function corrected(
    target: Target,
    state: TargetState,
    booked: boolean,
    estimate: number,
    usage: Usage | undefined,
  ) {
    observe(state, undefined);
    if (booked && state.tokens && usage) {
      const actual = usage.inputTokens + usage.outputTokens;
      if (actual !== estimate) void settle(target, state, 0, actual - estimate);
    }
  }

  async function run<T extends { usage: Usage | { inputTokens: number } }>(
    ctx: CallContext,
    estimate: number,
    call: () => Promise<T>,
  ): Promise<T> {
    const target = ctx.target;
    if (!target) return call();
    const { state, booked } = await admit(ctx, target, estimate);
    try {
      const result = await call();
      const u = result.usage as Partial<Usage>;
      corrected(target, state, booked, estimate, {
        inputTokens: u.inputTokens ?? 0,
        outputTokens: u.outputTokens ?? 0,
      });
      return result;
    } catch (e) {
      observe(state, e);
      throw e;
    }
  }

  return {
    name: 'rate-limit',
    adaptiveRate(targetId) {
      return states.get(targetId)?.adaptive?.ratePerSecond ?? Number.POSITIVE_INFINITY;
    },
    generate: (req, ctx, next) => run(ctx, estimateGenerate(req, defaultMaxTokens), () => next(req, ctx)),
    embed: (req, ctx, next) => run(ctx, estimateEmbed(req), () => next(req, ctx)),
    async *stream(req, ctx, next) {
      const target = ctx.target;
      if (!target) {
        yield* next(req, ctx);
        return;
      }
      const estimate = estimateGenerate(req, defaultMaxTokens);
      const { state, booked } = await admit(ctx, target, estimate);
      let first = true;
      try {
        for await (const event of next(req, ctx) as AsyncIterable<StreamEvent>) {
          if (first) {
            first = false;
            observe(state, undefined);
          }
          if (event.type === 'finish') corrected(target, state, booked, estimate, event.usage);
          yield event;
        }
      } catch (e) {
        if (first) observe(state, e);
        throw e;
      }
    },
  };
}

function adaptiveLimitOf(state: TargetState): GcraLimit | undefined {
  const adaptive = state.adaptive;
  if (!adaptive?.enabled) return undefined;
  const rate = adaptive.ratePerSecond;
  const intervalMs = 1000 / rate;
  // One second of burst at the current rate (at least one request), as the AWS SDK's bucket holds.
  return { intervalMs, toleranceMs: Math.max(1, rate) * intervalMs };
}

/** Input characters / 4 (CJK counted denser) plus the output budget. */
export function estimateGenerate(req: NormalizedGenerateRequest, defaultMaxTokens: number): number {
  let tokens = req.system ? estimateTokens(req.system) : 0;
  for (const m of req.messages) tokens += estimateTokens(m.content);
  return tokens + (req.maxTokens ?? defaultMaxTokens);
}

export function estimateEmbed(req: NormalizedEmbedRequest): number {
  let tokens = 0;
  for (const text of req.input) tokens += estimateTokens(text);
  return tokens;
}

function validateLimit(prefix: string, limit: TargetRateLimit): void {
  for (const key of ['requestsPerMinute', 'tokensPerMinute'] as const) {
    const v = limit[key];
    if (v !== undefined) check(Number.isFinite(v) && v > 0, `${prefix}${key}`, v, 'a number > 0');
  }
}

function check(ok: boolean, name: string, value: unknown, expected: string): void {
  if (!ok) throw optionError(`rateLimit.${name} must be ${expected}, received ${String(value)}`);
}
