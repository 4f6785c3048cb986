import { GenAiError } from '../errors.js';
import type { CallContext, EmbedNext, GenerateNext, Layer, StreamNext } from '../layer.js';
import type {
  EmbedResult,
  GenerateResult,
  NormalizedEmbedRequest,
  NormalizedGenerateRequest,
  StreamEvent,
} from '../types.js';
import { numbersOf } from '../vectors.js';
import type {} from './cache-events.js';
import { embedKeyBase, embedTextCacheKey } from './cache-key.js';
import { isCacheableFinish, isCacheableRequest, isCacheOff } from './cache-policy.js';
import { answerCodec, type CacheRuntime, type StoredAnswer, toStored, vectorCodec } from './cache-runtime.js';
import type { TieredCache } from './tiered-cache.js';

/** Stores a finished answer unless policy or size forbid it. Never throws (Redis fails open). */
export async function storeAnswer(
  runtime: CacheRuntime,
  ctx: CallContext,
  key: string,
  req: NormalizedGenerateRequest,
  answer: StoredAnswer,
): Promise<boolean> {
  const store = runtime.store;
  if (!store) return false;
  if (!isCacheableFinish(answer.finishReason)) {
    runtime.stats.skipped++;
    runtime.emit(ctx, {
      type: 'cache-skip',
      reason: answer.finishReason === 'content-filter' ? 'content-filter' : 'not-final',
      count: 1,
    });
    return false;
  }
  const ttlMs = runtime.ttlMs(req.route);
  if (ttlMs <= 0) return false;
  const stored = await store.set(key, answer, answerCodec, ttlMs, runtime.reporter(ctx));
  if (!stored) {
    runtime.stats.skipped++;
    runtime.emit(ctx, { type: 'cache-skip', reason: 'too-large', count: 1 });
  }
  return stored;
}

export function fromCache(answer: StoredAnswer, ctx: CallContext): GenerateResult {
  // Object.assign, not `{ ...answer, cached, ... }`: in Node 20 a spread copy grown by new keys costs ~1 µs per key.
  return Object.assign({}, answer, {
    cached: true as const,
    attempts: 0,
    latencyMs: Date.now() - ctx.startedAt,
  });
}

/**
 * Passes a provider stream on, storing its answer (the deltas' text and the finish event) unless a layer below
 * already did. Stored before the finish event goes on, so a caller that stops right after it still leaves the
 * answer in the cache (and a coalescing holder stores it before its lock goes). A stream that ends without a
 * finish event is partial and never stored.
 */
export async function* storingStream(
  runtime: CacheRuntime,
  ctx: CallContext,
  key: string,
  req: NormalizedGenerateRequest,
  events: AsyncIterable<StreamEvent>,
): AsyncGenerator<StreamEvent> {
  let text = '';
  for await (const event of events) {
    if (event.type === 'delta') {
      text += event.text;
    } else if (event.type === 'finish' && runtime.store && !runtime.isHandled(event)) {
      await storeAnswer(runtime, ctx, key, req, toStored({ ...event, text }));
      runtime.markHandled(event);
    }
    yield event;
  }
}

/**
 * Replays a cached answer as a stream: the text as one delta, each tool call as one delta and its complete
 * event, then the finish event with `cached: true`.
 */
export async function* replay(answer: StoredAnswer, ctx: CallContext): AsyncGenerator<StreamEvent> {
  if (answer.text.length > 0) yield { type: 'delta', text: answer.text };
  const calls = answer.toolCalls ?? [];
  for (const [index, c] of calls.entries()) {
    yield { type: 'tool-call-delta', index, id: c.id, name: c.name, argumentsDelta: c.argumentsText };
  }
  for (const [index, toolCall] of calls.entries()) yield { type: 'tool-call', index, toolCall };
  const { text: _text, ...rest } = answer;
  yield { type: 'finish', ...rest, cached: true, attempts: 0, latencyMs: Date.now() - ctx.startedAt };
}

/**
 * The cache step: answers cacheable requests from the tiered store and stores what comes back. Errors,
 * aborted or partial streams and content-filtered answers are never stored. Embeddings are cached per
 * text: only the texts not found are sent on.
 */
export function createCacheLayer(runtime: CacheRuntime): Layer {
  const store = runtime.store;
  return {
    name: 'cache',

    // The stores close with the client (its close() closes every layer).
    close: () => runtime.close(),

    async generate(req: NormalizedGenerateRequest, ctx: CallContext, next: GenerateNext) {
      if (!store || !isCacheableRequest(req)) return next(req, ctx);
      const key = runtime.keyOf(req);
      const hit = await store.get(key, answerCodec, runtime.reporter(ctx));
      if (hit) {
        countHit(runtime, ctx, hit.tier, 1);
        return fromCache(hit.value, ctx);
      }
      countMiss(runtime, ctx, 1);
      const result = await next(req, ctx);
      if (!runtime.isHandled(result)) await storeAnswer(runtime, ctx, key, req, toStored(result));
      return result;
    },

    async *stream(req: NormalizedGenerateRequest, ctx: CallContext, next: StreamNext) {
      if (!store || !isCacheableRequest(req)) {
        yield* next(req, ctx);
        return;
      }
      const key = runtime.keyOf(req);
      const hit = await store.get(key, answerCodec, runtime.reporter(ctx));
      if (hit) {
        countHit(runtime, ctx, hit.tier, 1);
        yield* replay(hit.value, ctx);
        return;
      }
      countMiss(runtime, ctx, 1);
      yield* storingStream(runtime, ctx, key, req, next(req, ctx));
    },

    async embed(req: NormalizedEmbedRequest, ctx: CallContext, next: EmbedNext) {
      if (!store || !runtime.embeddings || isCacheOff(req.cache)) return next(req, ctx);
      const base = embedKeyBase(req, runtime.keyOptions);
      // Identical texts in one call are looked up and sent once.
      const unique = [...new Set(req.input)];
      const keys = unique.map((t) => embedTextCacheKey(base, t, runtime.keyOptions));
      const hits = await store.getMany(keys, vectorCodec, runtime.reporter(ctx));
      const vectors = new Map<string, ArrayLike<number>>();
      let memoryHits = 0;
      let redisHits = 0;
      const missing: number[] = [];
      // With Redis the lookup spanned a round trip, during which a concurrent call may have received and
      // stored a text (its share in the batch layer is over by then): look in memory once more before sending.
      const recheck = store.redis !== undefined && store.memory !== undefined;
      hits.forEach((found, i) => {
        const hit = found ?? (recheck ? memoryHit(store, keys[i]!) : undefined);
        if (!hit) missing.push(i);
        else {
          vectors.set(unique[i]!, hit.value);
          if (hit.tier === 'memory') memoryHits++;
          else redisHits++;
        }
      });
      if (memoryHits > 0) countHit(runtime, ctx, 'memory', memoryHits);
      if (redisHits > 0) countHit(runtime, ctx, 'redis', redisHits);
      let upstream: EmbedResult | undefined;
      /** Vectors received for this call (the batch step gives each call vectors of its own). */
      const fresh = new Map<string, number[]>();
      if (missing.length > 0) {
        countMiss(runtime, ctx, missing.length);
        const texts = missing.map((i) => unique[i]!);
        upstream = await next({ ...req, input: texts }, ctx);
        if (upstream.embeddings.length !== texts.length) {
          throw new GenAiError(
            `${upstream.provider}/${upstream.model} returned ${upstream.embeddings.length} vectors for ${texts.length} texts; expected one per text, in order`,
            { kind: 'model-error', provider: upstream.provider, retryable: false },
          );
        }
        for (const [j, t] of texts.entries()) fresh.set(t, upstream.embeddings[j]!);
        const ttlMs = runtime.ttlMs(req.route);
        if (ttlMs > 0) {
          // The tier keeps copies: the vectors received go to the caller.
          const stored = await store.setMany(
            missing.map((i, j) => ({ key: keys[i]!, value: new Float64Array(upstream!.embeddings[j]!) })),
            vectorCodec,
            ttlMs,
            runtime.reporter(ctx),
          );
          const skipped = stored.filter((s) => !s).length;
          if (skipped > 0) {
            runtime.stats.skipped += skipped;
            runtime.emit(ctx, { type: 'cache-skip', reason: 'too-large', count: skipped });
          }
        }
      }
      // A caller that mutates its vectors must change neither the cached ones nor its other vectors: cached
      // vectors are copied out, and a vector received is handed over once, then copied for a repeated text.
      const embeddings = req.input.map((t) => {
        const own = fresh.get(t);
        if (own === undefined) return numbersOf(vectors.get(t)!);
        fresh.delete(t);
        vectors.set(t, own); // a repeat of the text gets a copy
        return own;
      });
      if (upstream) return { ...upstream, embeddings };
      const first = req.targets[0]!;
      return {
        embeddings,
        usage: { inputTokens: 0 },
        provider: first.provider,
        model: first.model,
        cached: true,
        attempts: 0,
        latencyMs: Date.now() - ctx.startedAt,
      };
    },
  };
}

function memoryHit(store: TieredCache, key: string): { value: Float64Array; tier: 'memory' } | undefined {
  const value = store.memory?.get(key) as Float64Array | undefined;
  return value === undefined ? undefined : { value, tier: 'memory' };
}

function countHit(runtime: CacheRuntime, ctx: CallContext, tier: 'memory' | 'redis', n: number) {
  if (tier === 'memory') runtime.stats.memoryHits += n;
  else runtime.stats.redisHits += n;
  runtime.emit(ctx, { type: 'cache-hit', tier, count: n });
}

function countMiss(runtime: CacheRuntime, ctx: CallContext, n: number) {
  runtime.stats.misses += n;
  runtime.emit(ctx, { type: 'cache-miss', count: n });
}
