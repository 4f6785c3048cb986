import type {} from '../cache/cache-events.js';
import { fromCache, replay, storeAnswer, storingStream } from '../cache/cache-layer.js';
import { positive } from '../cache/cache-options.js';
import { isCacheableRequest } from '../cache/cache-policy.js';
import { answerCodec, type CacheRuntime, type StoredAnswer, toStored } from '../cache/cache-runtime.js';
import type { RedisStore } from '../cache/redis-store.js';
import type { CallContext, GenerateNext, Layer, StreamNext } from '../layer.js';
import type { GenerateResult, NormalizedGenerateRequest, StreamEvent } from '../types.js';
import type {} from './coalesce-events.js';
import type { CoalesceOptions } from './coalesce-options.js';
import { SharedStream } from './shared-stream.js';
import { SingleFlight } from './single-flight.js';

interface Shared {
  readonly result: GenerateResult;
  /** Upstream attempts made by the shared call (credited to the caller that started it). */
  readonly attempts: number;
  /** The answer came from another instance's fill. */
  readonly peer: boolean;
}

/**
 * The coalesce step: identical cacheable requests in flight in this process share one upstream call
 * (streams too: late joiners replay what the first already received, then follow live). With a Redis
 * tier, instances coordinate through a short fill lock, for generate and stream alike: the holder calls the
 * provider and stores the answer before releasing; the others poll for it (bounded), replay it (as a stream
 * when streaming), and fall back to their own call.
 * Non-deterministic requests are never coalesced: callers sampling at temperature > 0 want distinct answers.
 */
export function createCoalesceLayer(runtime: CacheRuntime, options: CoalesceOptions = {}): Layer {
  return new CoalesceLayer(runtime, options);
}

class CoalesceLayer implements Layer {
  readonly name = 'coalesce';
  readonly #runtime: CacheRuntime;
  readonly #redis: RedisStore | undefined;
  readonly #distributed: boolean;
  readonly #lockTtlMs: number;
  readonly #waitMs: number;
  readonly #pollMs: number;
  readonly #flights = new SingleFlight<Shared>();
  readonly #streams = new Map<string, SharedStream<StreamEvent>>();
  /** Finish events replayed from another instance's fill (counted as peer hits by each consumer). */
  readonly #peerFinishes = new WeakSet<StreamEvent>();

  constructor(runtime: CacheRuntime, options: CoalesceOptions) {
    this.#runtime = runtime;
    this.#redis = runtime.store?.redis;
    this.#distributed = (options.distributed ?? true) && this.#redis !== undefined;
    this.#lockTtlMs = positive('coalesce.lockTtlMs', options.lockTtlMs, 15_000, 'ms');
    this.#waitMs = positive('coalesce.waitMs', options.waitMs, 10_000, 'ms');
    this.#pollMs = positive('coalesce.pollIntervalMs', options.pollIntervalMs, 20, 'ms');
  }

  async generate(
    req: NormalizedGenerateRequest,
    ctx: CallContext,
    next: GenerateNext,
  ): Promise<GenerateResult> {
    if (!isCacheableRequest(req)) return next(req, ctx);
    const runtime = this.#runtime;
    const key = runtime.keyOf(req);
    const { promise, leader } = this.#flights.run(key, ctx.signal, (signal) =>
      this.#fill(req, ctx, next, signal),
    );
    if (!leader) {
      runtime.stats.coalesced++;
      runtime.emit(ctx, { type: 'cache-coalesced', scope: 'process', count: 1 });
    }
    const shared = await promise;
    if (shared.peer) {
      this.#countPeerHit(ctx);
      const result = leader ? shared.result : fromCache(toStored(shared.result), ctx);
      runtime.markHandled(result);
      return result;
    }
    if (leader) {
      ctx.attempts += shared.attempts;
      return shared.result;
    }
    // A follower made no upstream attempt of its own, and must not store the answer a second time.
    const result: GenerateResult = { ...shared.result, attempts: 0, latencyMs: Date.now() - ctx.startedAt };
    runtime.markHandled(result);
    return result;
  }

  async *stream(
    req: NormalizedGenerateRequest,
    ctx: CallContext,
    next: StreamNext,
  ): AsyncGenerator<StreamEvent> {
    if (!isCacheableRequest(req)) {
      yield* next(req, ctx);
      return;
    }
    const runtime = this.#runtime;
    const key = runtime.keyOf(req);
    let shared = this.#streams.get(key);
    let leaderCtx: CallContext | undefined;
    const leader = !shared || shared.closed;
    if (leader) {
      const created = new SharedStream<StreamEvent>(
        (signal) => {
          leaderCtx = { ...ctx, signal, attempts: 0 };
          return this.#fillStream(req, ctx, leaderCtx, next, signal);
        },
        () => {
          if (this.#streams.get(key) === created) this.#streams.delete(key);
        },
      );
      this.#streams.set(key, created);
      shared = created;
    } else {
      runtime.stats.coalesced++;
      runtime.emit(ctx, { type: 'cache-coalesced', scope: 'process', count: 1 });
    }
    for await (const event of shared!.consume(ctx.signal)) {
      if (event.type !== 'finish') {
        yield event;
      } else if (this.#peerFinishes.has(event)) {
        this.#countPeerHit(ctx);
        const finish = leader ? event : { ...event, latencyMs: Date.now() - ctx.startedAt };
        runtime.markHandled(finish);
        yield finish;
      } else if (leader) {
        if (leaderCtx) ctx.attempts += leaderCtx.attempts;
        yield event;
      } else {
        // A follower made no upstream attempt of its own, and must not store the answer a second time.
        const finish = { ...event, attempts: 0, latencyMs: Date.now() - ctx.startedAt };
        runtime.markHandled(finish);
        yield finish;
      }
    }
  }

  #countPeerHit(ctx: CallContext): void {
    this.#runtime.stats.peerHits++;
    this.#runtime.emit(ctx, { type: 'cache-coalesced', scope: 'peer', count: 1 });
    this.#runtime.emit(ctx, { type: 'cache-hit', tier: 'peer', count: 1 });
  }

  /** Polls for another instance's fill; undefined when it gave up, failed, or Redis is unavailable. */
  async #waitForPeer(key: string, ctx: CallContext, signal: AbortSignal): Promise<StoredAnswer | undefined> {
    const runtime = this.#runtime;
    const until = Date.now() + this.#waitMs;
    while (Date.now() < until) {
      await sleep(this.#pollMs, signal);
      const seen = await this.#redis!.peek(key, runtime.lockKeyOf(key), runtime.reporter(ctx));
      if (!seen) return undefined;
      if (seen.entry) {
        const answer = answerCodec.decode(seen.entry.value);
        if (answer) runtime.store?.memory?.set(key, answer, answerCodec.sizeOf(answer), seen.entry.ttlMs);
        return answer;
      }
      // The filler is gone without storing (error, content filter, too large): call the provider ourselves.
      if (!seen.locked) return undefined;
    }
    return undefined;
  }

  async #fill(
    req: NormalizedGenerateRequest,
    ctx: CallContext,
    next: GenerateNext,
    signal: AbortSignal,
  ): Promise<Shared> {
    const runtime = this.#runtime;
    const shared: CallContext = { ...ctx, signal, attempts: 0 };
    const key = runtime.keyOf(req);
    let token: string | null | undefined;
    if (this.#distributed) {
      const lockKey = runtime.lockKeyOf(key);
      token = await this.#redis!.tryLock(lockKey, this.#lockTtlMs, runtime.reporter(ctx));
      if (token === null) {
        const answer = await this.#waitForPeer(key, ctx, signal);
        if (answer) return { result: fromCache(answer, ctx), attempts: 0, peer: true };
      }
    }
    try {
      const result = await next(req, shared);
      if (runtime.store) {
        // Stored inside the flight: before the lock goes (a waiting instance that sees the lock released finds
        // the answer), and before the flight ends (an identical call arriving just after finds it in memory).
        await storeAnswer(runtime, ctx, key, req, toStored(result));
        runtime.markHandled(result);
      }
      return { result, attempts: shared.attempts, peer: false };
    } finally {
      if (token) await this.#redis!.unlock(runtime.lockKeyOf(key), token, runtime.reporter(ctx));
    }
  }

  /**
   * The upstream side of a shared stream. With Redis it takes the same fill lock as `#fill`: the holder
   * streams from the provider (its callers get live deltas) and stores the answer before unlocking; an
   * instance that finds the lock held waits for the stored answer and replays it, or streams itself when the
   * holder fails, gives up or the wait ends. The lock goes on every path (finish, error, cut, abort).
   */
  async *#fillStream(
    req: NormalizedGenerateRequest,
    ctx: CallContext,
    shared: CallContext,
    next: StreamNext,
    signal: AbortSignal,
  ): AsyncGenerator<StreamEvent> {
    const runtime = this.#runtime;
    const key = runtime.keyOf(req);
    let token: string | null | undefined;
    try {
      if (this.#distributed) {
        token = await this.#redis!.tryLock(runtime.lockKeyOf(key), this.#lockTtlMs, runtime.reporter(ctx));
        if (token === null) {
          const answer = await this.#waitForPeer(key, ctx, signal);
          if (answer) {
            for await (const event of replay(answer, shared)) {
              if (event.type === 'finish') {
                this.#peerFinishes.add(event);
                runtime.markHandled(event);
              }
              yield event;
            }
            return;
          }
        }
      }
      // Stored before the finish event reaches any caller and before the lock goes: a waiting instance
      // that sees the lock released finds the answer, and so does an identical call arriving just after.
      yield* storingStream(runtime, ctx, key, req, next(req, shared));
    } finally {
      if (token) await this.#redis!.unlock(runtime.lockKeyOf(key), token, runtime.reporter(ctx));
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
