import { type BatchOptions, createEmbedBatchLayer } from '../batch/embed-batch-layer.js';
import type { Layer } from '../types.js';
import { createCacheLayer } from './cache-layer.js';
import type { CacheOptions, CoalesceOptions } from './cache-options.js';
import { CacheRuntime, type CacheRuntimeDeps } from './cache-runtime.js';
import type { CacheStats } from './cache-stats.js';
import { createCoalesceLayer } from './coalesce-layer.js';

export interface RequestLayerOptions {
  /** @default {} (memory only, deterministic requests) */
  readonly cache?: boolean | CacheOptions;
  /** @default {} */
  readonly coalesce?: boolean | CoalesceOptions;
  /** @default {} */
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
