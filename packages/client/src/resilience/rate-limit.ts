import { abortError, GenAiError, isGenAiError, optionError } from '../errors.js';
import type { CallContext, Layer } from '../layer.js';
import type { RedisConnection } from '../redis-connection.js';
import { estimateInputTokens, estimateTokens } from '../tokens.js';
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
import type { SharedResilience } from './shared-resilience.js';
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
   * CUBIC controller), per target: per process, or across processes with `sharedResilience` (a throttle
   * seen by one instance cuts every instance's rate). @default true
   */
  readonly adaptive?: boolean;
  /** Output tokens assumed for a call without `maxTokens`, in the token estimate. @default 1024 */
  readonly defaultMaxTokens?: number;
  /**
   * Share the requests/min and tokens/min quotas across processes through this Redis (one atomic Lua
   * script per call). The adaptive cut is shared by `sharedResilience`. @default - in-process quotas
   */
  readonly redis?: RedisConnection;
  /** Key prefix in Redis. @default 'genai:rl:' */
  readonly redisKeyPrefix?: string;
}

interface TargetState {
  readonly id: string;
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
export function createRateLimitLayer(options: RateLimitOptions, shared?: SharedResilience): RateLimitLayer {
  const limiter = new TargetLimiter(options, shared);
  const maxTokens = limiter.defaultMaxTokens;
  return {
    name: 'rate-limit',
    adaptiveRate: (targetId) => limiter.adaptiveRate(targetId),
    close: () => shared?.stop(),
    generate: (req, ctx, next) => limiter.run(ctx, estimateGenerate(req, maxTokens), () => next(req, ctx)),
    embed: (req, ctx, next) => limiter.run(ctx, estimateEmbed(req), () => next(req, ctx)),
    async *stream(req, ctx, next) {
      const target = ctx.target;
      if (!target) {
        yield* next(req, ctx);
        return;
      }
      const estimate = estimateGenerate(req, maxTokens);
      const { state, booked } = await limiter.admit(ctx, target, estimate);
      let first = true;
      try {
        for await (const event of next(req, ctx) as AsyncIterable<StreamEvent>) {
          if (first) {
            first = false;
            limiter.observe(state, undefined);
          }
          if (event.type === 'finish') limiter.corrected(target, state, booked, estimate, event.usage);
          yield event;
        }
      } catch (e) {
        if (first) limiter.observe(state, e);
        throw e;
      }
    },
  };
}

/** The limiter's state: per-target limits and adaptive rates, the (possibly shared) reservation store. */
class TargetLimiter {
  readonly defaultMaxTokens: number;
  readonly #options: RateLimitOptions;
  readonly #burstSeconds: number;
  readonly #maxWaitMs: number;
  readonly #adaptiveOn: boolean;
  readonly #store: RateLimitStore;
  readonly #adaptiveGate = new MemoryRateLimitStore();
  readonly #states = new Map<string, TargetState>();
  readonly #shared: SharedResilience | undefined;
  #storeWarned = false;

  constructor(options: RateLimitOptions, shared?: SharedResilience) {
    this.#options = options;
    this.#burstSeconds = options.burstSeconds ?? 10;
    this.#maxWaitMs = options.maxWaitMs ?? 10_000;
    this.#adaptiveOn = options.adaptive ?? true;
    this.defaultMaxTokens = options.defaultMaxTokens ?? 1024;
    checkOptions(options, this.#burstSeconds, this.#maxWaitMs, this.defaultMaxTokens);
    this.#store = options.redis
      ? new RedisRateLimitStore({
          redis: options.redis,
          ...(options.redisKeyPrefix ? { keyPrefix: options.redisKeyPrefix } : {}),
        })
      : new MemoryRateLimitStore();
    this.#shared = this.#adaptiveOn ? shared : undefined;
    // Another instance was throttled on a target this one sends to: cut this one's rate as well.
    this.#shared?.onThrottle((targetId) => this.#states.get(targetId)?.adaptive?.cut());
  }

  adaptiveRate(targetId: string): number {
    return this.#states.get(targetId)?.adaptive?.ratePerSecond ?? Number.POSITIVE_INFINITY;
  }

  stateFor(target: Target): TargetState {
    let state = this.#states.get(target.id);
    if (state) return state;
    const limit = this.#options.targets?.[target.id] ?? this.#options;
    const burst = this.#burstSeconds;
    state = {
      id: target.id,
      ...(limit.requestsPerMinute ? { requests: perMinute(limit.requestsPerMinute, burst) } : {}),
      ...(limit.tokensPerMinute ? { tokens: perMinute(limit.tokensPerMinute, burst) } : {}),
      ...(this.#adaptiveOn
        ? { adaptive: new AdaptiveRate(Date.now, (limit.requestsPerMinute ?? 0) / 60) }
        : {}),
    };
    this.#states.set(target.id, state);
    this.#shared?.watch(target.id);
    return state;
  }

  /** Books the call's slot and waits for it; returns what to settle after the call. */
  async admit(ctx: CallContext, target: Target, tokenEstimate: number) {
    const state = this.stateFor(target);
    this.#shared?.report(ctx.emit);
    const budgetMs = Math.max(0, Math.min(this.#maxWaitMs, ctx.deadline - Date.now()));
    const adaptiveLimit = adaptiveLimitOf(state);
    const gate = adaptiveLimit
      ? this.#adaptiveGate.reserveSync(target.id, {
          requests: adaptiveLimit,
          tokenCost: 0,
          maxWaitMs: budgetMs,
        })
      : { admitted: true as const, waitMs: 0 };
    if (!gate.admitted) {
      throw throttledError(target, gate.retryAfterMs, 'the send rate is cut after throttling');
    }
    const refundGate = () =>
      adaptiveLimit
        ? this.#adaptiveGate.adjust(target.id, { requests: adaptiveLimit, requestDelta: -1, tokenDelta: 0 })
        : undefined;
    let waitMs = gate.waitMs;
    let booked = false;
    if (state.requests || state.tokens) {
      const reservation = await this.#reserve(target, state, tokenEstimate, budgetMs);
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
        if (booked) void this.settle(target, state, -1, -tokenEstimate);
        throw abortError(ctx.signal, target.provider);
      }
    }
    return { state, booked };
  }

  async #reserve(target: Target, state: TargetState, tokenCost: number, maxWaitMs: number) {
    try {
      return await this.#store.reserve(target.id, {
        requests: state.requests,
        tokens: state.tokens,
        tokenCost,
        maxWaitMs,
      });
    } catch (e) {
      // A shared store that is down must not take the service down with it: fail open, say so once.
      if (!this.#storeWarned) {
        this.#storeWarned = true;
        process.emitWarning(
          `rate limit store failed, admitting calls unlimited: ${String(e)}`,
          'GenAiClientWarning',
        );
      }
      return { admitted: true as const, waitMs: 0 };
    }
  }

  settle(target: Target, state: TargetState, requestDelta: number, tokenDelta: number): Promise<void> {
    if (!state.tokens && !state.requests) return Promise.resolve();
    return this.#store
      .adjust(target.id, { requests: state.requests, tokens: state.tokens, requestDelta, tokenDelta })
      .catch(() => undefined);
  }

  observe(state: TargetState, e: unknown): void {
    if (!state.adaptive) return;
    if (isGenAiError(e) && e.code === CLIENT_RATE_LIMIT_CODE) return;
    const throttled = isGenAiError(e) && e.kind === 'throttled';
    state.adaptive.record(throttled);
    if (throttled) this.#shared?.throttled(state.id);
  }

  corrected(target: Target, state: TargetState, booked: boolean, estimate: number, usage: Usage | undefined) {
    this.observe(state, undefined);
    if (booked && state.tokens && usage) {
      const actual = usage.inputTokens + usage.outputTokens;
      if (actual !== estimate) void this.settle(target, state, 0, actual - estimate);
    }
  }

  async run<T extends { usage: Usage | { inputTokens: number } }>(
    ctx: CallContext,
    estimate: number,
    call: () => Promise<T>,
  ): Promise<T> {
    const target = ctx.target;
    if (!target) return call();
    const { state, booked } = await this.admit(ctx, target, estimate);
    try {
      const result = await call();
      const u = result.usage as Partial<Usage>;
      this.corrected(target, state, booked, estimate, {
        inputTokens: u.inputTokens ?? 0,
        outputTokens: u.outputTokens ?? 0,
      });
      return result;
    } catch (e) {
      this.observe(state, e);
      throw e;
    }
  }
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

function checkOptions(
  options: RateLimitOptions,
  burstSeconds: number,
  maxWaitMs: number,
  defaultMaxTokens: number,
): void {
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
  return estimateInputTokens(req) + (req.maxTokens ?? defaultMaxTokens);
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
