import { type BatchOptions, createEmbedBatchLayer } from '../batch/embed-batch-layer.js';
import { GenAiError } from '../errors.js';
import type { Layer } from '../types.js';
import { createCacheLayer } from './cache-layer.js';
import type { CacheOptions, CoalesceOptions } from './cache-options.js';
import { CacheRuntime, type CacheRuntimeDeps } from './cache-runtime.js';
import type { CacheStats } from './cache-stats.js';
import { createCoalesceLayer } from './coalesce-layer.js';

/** The cache, coalesce and batch options of `createClient`. */
export interface RequestLayerOptions {
  /**
   * Exact-match cache of answers and of embedding vectors (per text). Answers are cached when the request is
   * deterministic (temperature 0) or says `cache: true`, never when it says `cache: false`. `false` turns
   * the cache off; `{ redis }` adds a shared Redis tier behind the in-process LRU.
   * @default {} - in-process LRU of 64 MiB, TTL 3600 s, no Redis
   */
  readonly cache?: boolean | CacheOptions;
  /**
   * Identical cacheable requests in flight share one upstream call (in the process; across instances
   * through a Redis fill lock when the cache has Redis). `false` turns it off.
   * @default {} - on
   */
  readonly coalesce?: boolean | CoalesceOptions;
  /**
   * Embedding micro-batching: concurrent embed calls to the same targets within `windowMs` are merged into
   * upstream calls of up to the model's per-call limits. `false` turns it off.
   * @default {} - on, 5 ms window
   */
  readonly batch?: boolean | BatchOptions;
}

export interface RequestLayers {
  /** cache → coalesce → batch, the ones turned on, outermost first. */
  readonly layers: readonly Layer[];
  /** Counters since creation. */
  stats(): CacheStats;
  /** Closes the stores (a Redis connection opened here is quit). */
  close(): Promise<void>;
}

/**
 * Builds the request layers of issue 6 for `createClient`: the cache (memory, plus Redis when given),
 * coalescing of identical in-flight requests, and embedding micro-batching. Each is on by default and
 * turned off with `false`.
 */
export function createRequestLayers(
  options: RequestLayerOptions = {},
  deps: CacheRuntimeDeps = {},
): RequestLayers {
  try {
    return build(options, deps);
  } catch (e) {
    // Option checks of the stores and the batcher throw TypeErrors; from createClient they are invalid options.
    if (e instanceof TypeError) {
      throw new GenAiError(`createClient: ${e.message}`, {
        kind: 'invalid-request',
        code: 'invalid-option',
        cause: e,
      });
    }
    throw e;
  }
}

function build(options: RequestLayerOptions, deps: CacheRuntimeDeps): RequestLayers {
  for (const name of ['cache', 'coalesce', 'batch'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'boolean' && (typeof value !== 'object' || value === null)) {
      throw new TypeError(
        `${name} must be true, false or an options object; received ${JSON.stringify(value)}. Omit it for the default (on).`,
      );
    }
  }
  const cacheOptions = options.cache === false ? false : options.cache === true ? {} : (options.cache ?? {});
  const runtime = new CacheRuntime(cacheOptions, deps);
  const layers: Layer[] = [];
  if (cacheOptions !== false) layers.push(createCacheLayer(runtime));
  if (options.coalesce !== false) {
    layers.push(createCoalesceLayer(runtime, options.coalesce === true ? {} : (options.coalesce ?? {})));
  }
  if (options.batch !== false) {
    layers.push(createEmbedBatchLayer(options.batch === true ? {} : (options.batch ?? {}), runtime.stats));
  }
  return { layers, stats: () => runtime.snapshot(), close: () => runtime.close() };
}
