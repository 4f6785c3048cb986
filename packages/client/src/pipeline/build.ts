/**
 * Builds the client's layers from its options by walking PIPELINE (steps.ts): one builder per layer step, in
 * a record keyed by step name, so a step added to PIPELINE without its builder fails the type check.
 */
import { createEmbedBatchLayer } from '../batch/embed-batch-layer.js';
import { createBudgetLayer } from '../budget/budget-layer.js';
import { createCacheLayer } from '../cache/cache-layer.js';
import { CacheRuntime, type CacheRuntimeDeps } from '../cache/cache-runtime.js';
import type { CacheStats } from '../cache/cache-stats.js';
import type { ClientOptions, RequestLayerOptions } from '../client-options.js';
import { createCoalesceLayer } from '../coalesce/coalesce-layer.js';
import { checkPrices } from '../cost/prices-option.js';
import { GenAiError } from '../errors.js';
import type { Layer } from '../layer.js';
import { createAttemptTimeoutLayer } from '../resilience/attempt-timeout.js';
import { createCircuitBreakerLayer } from '../resilience/circuit-breaker.js';
import { createRateLimitLayer } from '../resilience/rate-limit.js';
import type { ResilienceOptions } from '../resilience/resilience-options.js';
import { createRetryLayer } from '../resilience/retry.js';
import { SharedResilience } from '../resilience/shared-resilience.js';
import { createFallbackLayer } from '../route/fallback.js';
import type { RouteOptions } from '../route/routes.js';
import { createEmbeddingSplitLayer, DEFAULT_EMBED_CONCURRENCY } from '../split/embedding-split.js';
import { type LayerStepName, PIPELINE, type PipelineStep, type StepGroup } from './steps.js';

/** What the steps' layers are built from. */
interface StepSetup {
  readonly options: ClientOptions;
  readonly routes: Readonly<Record<string, RouteOptions>>;
  /** State the cache, coalesce and batch steps share (stores, keys, counters), created on first use. */
  runtime(): CacheRuntime;
  /** Circuit and rate-cut state shared through Redis by the breaker and rate-limit steps, when configured. */
  shared(): SharedResilience | undefined;
}

/** One builder per layer step; undefined when the options turn the step off. */
const STEP_LAYERS: { readonly [S in LayerStepName]: (setup: StepSetup) => Layer | undefined } = {
  budget: ({ options }) =>
    options.budget ? createBudgetLayer(options.budget, checkPrices(options.prices)) : undefined,
  cache: ({ options, runtime }) => (options.cache === false ? undefined : createCacheLayer(runtime())),
  coalesce: ({ options, runtime }) =>
    options.coalesce === false
      ? undefined
      : createCoalesceLayer(runtime(), options.coalesce === true ? {} : (options.coalesce ?? {})),
  batch: ({ options, runtime }) =>
    options.batch === false
      ? undefined
      : createEmbedBatchLayer(options.batch === true ? {} : (options.batch ?? {}), runtime().stats),
  fallback: ({ options, routes }) =>
    createFallbackLayer({
      routes,
      ...(options.hedging !== undefined ? { hedging: options.hedging } : {}),
      ...(options.contextWindows ? { contextWindows: options.contextWindows } : {}),
    }),
  'embedding-split': ({ options }) =>
    createEmbeddingSplitLayer(options.embedConcurrency ?? DEFAULT_EMBED_CONCURRENCY),
  retry: ({ options }) => (options.retry === false ? undefined : createRetryLayer(options.retry ?? {})),
  'circuit-breaker': ({ options, shared }) =>
    options.circuitBreaker === false
      ? undefined
      : createCircuitBreakerLayer(options.circuitBreaker ?? {}, shared()),
  'rate-limit': ({ options, shared }) =>
    options.rateLimit ? createRateLimitLayer(options.rateLimit, shared()) : undefined,
  'attempt-timeout': ({ options }) =>
    options.attemptTimeoutMs === undefined ? undefined : createAttemptTimeoutLayer(options.attemptTimeoutMs),
};

function isLayerStep(step: PipelineStep): step is PipelineStep & { readonly name: LayerStepName } {
  return step.name in STEP_LAYERS;
}

function setupOf(options: ClientOptions, deps: CacheRuntimeDeps = {}): StepSetup {
  let runtime: CacheRuntime | undefined;
  return {
    options,
    routes: options.routes ?? {},
    runtime: () => {
      runtime ??= asOptionError(() => createRuntime(options, deps));
      return runtime;
    },
    shared: sharedOf(options),
  };
}

/** One SharedResilience for the steps that use it, created on first use. */
function sharedOf(options: ResilienceOptions): () => SharedResilience | undefined {
  let shared: SharedResilience | undefined;
  return () => {
    if (options.sharedResilience) shared ??= new SharedResilience(options.sharedResilience);
    return shared;
  };
}

function createRuntime(options: RequestLayerOptions, deps: CacheRuntimeDeps): CacheRuntime {
  for (const name of ['cache', 'coalesce', 'batch'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'boolean' && (typeof value !== 'object' || value === null)) {
      throw new TypeError(
        `${name} must be true, false or an options object; received ${JSON.stringify(value)}. Omit it for the default (on).`,
      );
    }
  }
  const cache = options.cache === false ? false : options.cache === true ? {} : (options.cache ?? {});
  return new CacheRuntime(cache, deps);
}

/** Option checks of the stores and the batcher throw TypeErrors; from createClient they are invalid options. */
function asOptionError<T>(build: () => T): T {
  try {
    return build();
  } catch (e) {
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

function buildStep(
  step: PipelineStep & { readonly name: LayerStepName },
  setup: StepSetup,
): Layer | undefined {
  const build = STEP_LAYERS[step.name];
  return step.group === 'request' ? asOptionError(() => build(setup)) : build(setup);
}

/** The built-in layers of one group, in PIPELINE order. */
function groupLayers(group: StepGroup, setup: StepSetup): Layer[] {
  const layers: Layer[] = [];
  for (const step of PIPELINE) {
    if (step.group !== group || !isLayerStep(step)) continue;
    const layer = buildStep(step, setup);
    if (layer) layers.push(layer);
  }
  return layers;
}

export interface BuiltPipeline {
  /** Every layer, outermost first: PIPELINE's steps with the user's layers after their group's built-in ones. */
  readonly layers: readonly Layer[];
  /** Cache, coalescing and batching counters. */
  stats(): CacheStats;
}

/** The layers of a client, in PIPELINE order. Throws an `invalid-request` GenAiError on a bad option. */
export function buildPipeline(options: ClientOptions): BuiltPipeline {
  const setup = setupOf(options, { routes: options.routes ?? {} });
  const runtime = setup.runtime();
  const user: Partial<Record<StepGroup, readonly Layer[]>> = {
    request: options.layers?.request ?? [],
    target: options.layers?.target ?? [],
  };
  const layers: Layer[] = [];
  PIPELINE.forEach((step, i) => {
    if (isLayerStep(step)) {
      const layer = buildStep(step, setup);
      if (layer) layers.push(layer);
    }
    if (PIPELINE[i + 1]?.group !== step.group) layers.push(...(user[step.group] ?? []));
  });
  return { layers, stats: () => runtime.snapshot() };
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
 * The request group alone (cache, coalesce, batch), as `buildPipeline` builds it: each is on by default and
 * turned off with `false`.
 */
export function createRequestLayers(
  options: RequestLayerOptions = {},
  deps: CacheRuntimeDeps = {},
): RequestLayers {
  const setup = setupOf(options, deps);
  const runtime = setup.runtime();
  return {
    layers: groupLayers('request', setup),
    stats: () => runtime.snapshot(),
    close: () => runtime.close(),
  };
}

/**
 * The route step (fallback chain) and the target group (retry → circuit breaker → rate limit → attempt
 * timeout), as `buildPipeline` builds them. Retry sits outside the breaker so the breaker counts each attempt
 * and an open circuit ends the retries at once (the fallback chain moves on).
 */
export function createResilienceLayers(
  options: ResilienceOptions,
  routes: Readonly<Record<string, RouteOptions>>,
): { route: Layer; targetLayers: Layer[] } {
  const setup: StepSetup = {
    options,
    routes,
    runtime: () => new CacheRuntime(false),
    shared: sharedOf(options),
  };
  return { route: STEP_LAYERS.fallback(setup) as Layer, targetLayers: groupLayers('target', setup) };
}
