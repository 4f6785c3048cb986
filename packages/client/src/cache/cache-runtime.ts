import type { CallContext, ClientEventInput } from '../layer.js';
import { toolCall } from '../tools/tool-calls.js';
import type {
  FinishReason,
  GenerateResult,
  NormalizedGenerateRequest,
  ProviderName,
  ToolCall,
} from '../types.js';
import type {} from './cache-events.js';
import { type CacheKeyOptions, generateCacheKey } from './cache-key.js';
import type { CacheOptions } from './cache-options.js';
import { positive } from './cache-options.js';
import { ttlFor } from './cache-policy.js';
import { type CacheStats, StatsRecorder } from './cache-stats.js';
import { decodeJson, decodeVector, encodeJson, encodeVector } from './codec.js';
import type { FailOpenReporter } from './redis-store.js';
import { TieredCache, type ValueCodec } from './tiered-cache.js';

/** What is stored for a generate/stream answer (never the request: keys are hashes). */
export interface StoredAnswer {
  readonly text: string;
  readonly finishReason: FinishReason;
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number };
  readonly provider: ProviderName;
  readonly model: string;
  readonly toolCalls?: readonly ToolCall[];
  /** The text is the answer's JSON (a json or json-schema response format, checked before it was stored). */
  readonly object?: unknown;
}

/**
 * Stored as a JSON array: six fields, then (only when present) the tool calls as `[id, name, argumentsText]`
 * and a flag for a JSON answer, whose object is parsed again from the text. Entries written before tools
 * existed (six fields) read the same.
 */
export const answerCodec: ValueCodec<StoredAnswer> = {
  encode: (a, o) => {
    const fields: unknown[] = [
      a.text,
      a.finishReason,
      a.usage.inputTokens,
      a.usage.outputTokens,
      a.provider,
      a.model,
    ];
    if (a.toolCalls?.length || a.object !== undefined) {
      fields.push(
        a.toolCalls?.map((c) => [c.id, c.name, c.argumentsText]) ?? null,
        a.object !== undefined ? 1 : 0,
      );
    }
    return encodeJson(fields, o);
  },
  decode: (bytes) => {
    const v = decodeJson(bytes);
    if (!Array.isArray(v) || (v.length !== 6 && v.length !== 8) || typeof v[0] !== 'string') return undefined;
    const [text, finishReason, inputTokens, outputTokens, provider, model, calls, json] = v as [
      string,
      FinishReason,
      number,
      number,
      ProviderName,
      string,
      [string, string, string][] | null | undefined,
      number | undefined,
    ];
    const answer: StoredAnswer = {
      text,
      finishReason,
      usage: { inputTokens, outputTokens },
      provider,
      model,
    };
    if (!calls && !json) return answer;
    return Object.assign(answer, {
      ...(calls &&
        calls.length > 0 && { toolCalls: calls.map(([id, name, args]) => toolCall(id, name, args)) }),
      ...(json === 1 && { object: JSON.parse(text) as unknown }),
    });
  },
  sizeOf: (a) =>
    2 * (a.text.length + a.model.length) +
    160 +
    (a.toolCalls?.reduce((n, c) => n + 2 * (c.argumentsText.length + c.name.length + c.id.length) + 64, 0) ??
      0),
};

/**
 * Embedding vectors as the memory tier holds them: Float64Arrays, whose numbers live outside the JS heap, so the
 * collector neither scans nor moves them (as number[] the tier held up to 64 MB of arrays in the old generation,
 * and every vector stored was a young array that survived scavenges; issue 19 item 4). Redis holds the same
 * float32/float64 bytes as before.
 */
export const vectorCodec: ValueCodec<Float64Array> = {
  encode: (v, o) => encodeVector(v, o),
  decode: (bytes) => decodeVector(bytes),
  sizeOf: (v) => v.byteLength + 64,
};

export function toStored(
  r: Pick<GenerateResult, 'text' | 'finishReason' | 'usage' | 'provider' | 'model' | 'toolCalls' | 'object'>,
): StoredAnswer {
  const stored: StoredAnswer = {
    text: r.text,
    finishReason: r.finishReason,
    usage: { inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens },
    provider: r.provider,
    model: r.model,
  };
  if (!r.toolCalls?.length && r.object === undefined) return stored;
  return Object.assign(stored, {
    ...(r.toolCalls?.length && { toolCalls: r.toolCalls }),
    ...(r.object !== undefined && { object: r.object }),
  });
}

export interface CacheRuntimeDeps {
  /** The client's routes, for `cacheTtlSeconds`. */
  readonly routes?: Readonly<Record<string, { readonly cacheTtlSeconds?: number | undefined }>>;
}

/**
 * State shared by the cache and coalesce layers of one client: the stores, the key derivation (computed
 * once per request), the counters, and the set of results already stored by an inner step (a coalesced
 * follower or a lock holder), which the cache layer must not store again.
 */
export class CacheRuntime {
  readonly stats = new StatsRecorder();
  /** undefined when caching is off (coalescing can still run). */
  readonly store: TieredCache | undefined;
  readonly keyOptions: CacheKeyOptions;
  readonly embeddings: boolean;
  readonly #defaultTtlSeconds: number;
  readonly #routes: CacheRuntimeDeps['routes'];
  readonly #keys = new WeakMap<object, string>();
  readonly #handled = new WeakSet<object>();

  constructor(options: CacheOptions | false, deps: CacheRuntimeDeps = {}) {
    this.#routes = deps.routes;
    const opts = options === false ? {} : options;
    this.#defaultTtlSeconds = positive('cache.ttlSeconds', opts.ttlSeconds, 3600, 'seconds');
    this.keyOptions = {
      ...(opts.keyPrefix !== undefined && { prefix: opts.keyPrefix }),
      ...(opts.namespace !== undefined && { namespace: opts.namespace }),
    };
    this.embeddings = options !== false && opts.embeddings !== false;
    this.store =
      options === false
        ? undefined
        : new TieredCache({
            ...(opts.memory !== undefined && { memory: opts.memory }),
            ...(opts.redis !== undefined && { redis: opts.redis }),
            ...(opts.maxEntryBytes !== undefined && {
              maxEntryBytes: positive('cache.maxEntryBytes', opts.maxEntryBytes, 262_144, 'bytes'),
            }),
            ...(opts.compressAboveBytes !== undefined && { compressAboveBytes: opts.compressAboveBytes }),
            maxMemoryTtlMs: this.#defaultTtlSeconds * 1000,
          });
  }

  /** Emits an event on the call's context (the pipeline tags it with requestId and operation). */
  emit(ctx: CallContext, event: ClientEventInput): void {
    ctx.emit?.(event);
  }

  /** Counts a call's Redis fail-opens and reports them as events of that call. */
  reporter(ctx: CallContext): FailOpenReporter {
    return (redisOperation, reason) => {
      this.stats.failOpen++;
      ctx.emit?.({ type: 'cache-fail-open', redisOperation, reason });
    };
  }

  keyOf(req: NormalizedGenerateRequest): string {
    let key = this.#keys.get(req);
    if (key === undefined) {
      key = generateCacheKey(req, this.keyOptions);
      this.#keys.set(req, key);
    }
    return key;
  }

  lockKeyOf(key: string): string {
    return `${key}:lock`;
  }

  ttlMs(route: string | undefined): number {
    return ttlFor(route, this.#routes, this.#defaultTtlSeconds);
  }

  /** Marks a result (or stream finish event) as already stored or not to be stored by the cache layer. */
  markHandled(value: object): void {
    this.#handled.add(value);
  }

  isHandled(value: object): boolean {
    return this.#handled.has(value);
  }

  snapshot(): CacheStats {
    return this.stats.snapshot();
  }

  async close(): Promise<void> {
    await this.store?.close();
  }
}
