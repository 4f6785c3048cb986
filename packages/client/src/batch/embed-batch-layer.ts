import type {} from '../cache/cache-events.js';
import { scopeOf } from '../cache/cache-policy.js';
import type { StatsRecorder } from '../cache/cache-stats.js';
import { canonicalize } from '../cache/canonical.js';
import { isGenAiError } from '../errors.js';
import { estimateTokens, limitsFor } from '../model-limits.js';
import type {
  CallContext,
  EmbedNext,
  EmbedResult,
  Layer,
  NormalizedEmbedRequest,
  ProviderName,
} from '../types.js';
import { MicroBatcher } from './micro-batcher.js';

/** Per-target override of the batching limits; `false` turns batching off for that target. */
export type BatchLimitOverride =
  | false
  | { readonly maxTextsPerCall?: number; readonly maxTokensPerCall?: number };

/** Options of embedding micro-batching (`createClient({ batch })`). */
export interface BatchOptions {
  /** How long the first text of a batch waits for more, in ms (0: the current event-loop turn only). @default 5 */
  readonly windowMs?: number;
  /** Batched upstream calls in flight at once per target; more wait and keep filling. @default 8 */
  readonly maxConcurrency?: number;
  /**
   * Upstream calls in flight at once per target for models that take one text per call (Titan Text
   * Embeddings v2, gemini-embedding-001): concurrent callers fan out, bounded, instead of merging.
   * @default 8
   */
  readonly fanOutConcurrency?: number;
  /**
   * Overrides of the per-model limits (model-limits.ts), keyed by model address, e.g. a SageMaker endpoint
   * whose container takes 64 texts: `{ 'sagemaker/my-embedder': { maxTextsPerCall: 64 } }`.
   * @default - the model-limits table (SageMaker endpoints: 32 texts per call)
   */
  readonly limits?: Readonly<Record<string, BatchLimitOverride>>;
}

interface Item {
  readonly text: string;
  readonly tokens: number;
  readonly req: NormalizedEmbedRequest;
  readonly ctx: CallContext;
  readonly next: EmbedNext;
}

interface ItemResult {
  readonly vector: number[];
  /** This text's share of the upstream call's input tokens (fractional; summed and rounded per caller). */
  readonly tokens: number;
  readonly batch: object;
  readonly attempts: number;
  readonly provider: ProviderName;
  readonly model: string;
}

interface Group {
  readonly batcher: MicroBatcher<Item, ItemResult>;
}

/** Errors caused by one input, which other inputs of the same batch must not share. */
const INPUT_ERRORS = new Set(['invalid-request', 'context-length', 'content-filter', 'model-error']);

function attributable(e: unknown): boolean {
  return isGenAiError(e) && INPUT_ERRORS.has(e.kind);
}

/**
 * The batch step for embeddings: concurrent embed calls to the same targets (same dimensions, input type
 * and provider options) within `windowMs` are merged into upstream calls of up to the model's per-call
 * limits (the smallest across the route's targets), and each caller gets its own vectors back in order.
 * Identical texts in a batch are sent once. When a batch fails because of one input, it is bisected so
 * that only the callers whose texts fail get the error. Models that take one text per call get bounded
 * parallel fan-out instead.
 */
export function createEmbedBatchLayer(options: BatchOptions = {}, stats?: StatsRecorder): Layer {
  const windowMs = options.windowMs ?? 5;
  const maxConcurrency = options.maxConcurrency ?? 8;
  const fanOut = options.fanOutConcurrency ?? 8;
  const overrides = options.limits ?? {};
  const groups = new Map<string, Group>();
  // Validate eagerly so a bad option fails createClient, not the first call.
  new MicroBatcher({ batch: async () => [], windowMs, maxConcurrency, maxBatchSize: fanOut });

  function limitsOf(req: NormalizedEmbedRequest): { texts: number; tokens: number } | undefined {
    let texts = Number.POSITIVE_INFINITY;
    let tokens = Number.POSITIVE_INFINITY;
    for (const t of req.targets) {
      const override = overrides[`${t.provider}/${t.model}`];
      if (override === false) return undefined;
      const table = limitsFor(t.provider, t.model).embedding;
      texts = Math.min(texts, override?.maxTextsPerCall ?? table.maxTextsPerCall);
      tokens = Math.min(
        tokens,
        override?.maxTokensPerCall ?? table.maxTokensPerCall ?? Number.POSITIVE_INFINITY,
      );
    }
    return Number.isFinite(texts) ? { texts, tokens } : undefined;
  }

  function groupKey(req: NormalizedEmbedRequest): string {
    // The per-call scope keeps tenants in separate batches: a text is never shared across scopes.
    return canonicalize([
      req.targets.map((t) => t.id),
      req.dimensions,
      req.inputType ?? 'document',
      req.providerOptions,
      scopeOf(req.cache),
    ]);
  }

  function groupFor(
    key: string,
    req: NormalizedEmbedRequest,
    limits: { texts: number; tokens: number },
  ): Group {
    let group = groups.get(key);
    if (!group) {
      const single = limits.texts <= 1;
      const target = req.targets[0]?.id ?? '';
      group = {
        batcher: new MicroBatcher<Item, ItemResult>({
          batch: (items, signal) => runBatch(items, signal, target),
          windowMs: single ? 0 : windowMs,
          maxBatchSize: limits.texts,
          ...(Number.isFinite(limits.tokens) && {
            maxBatchWeight: limits.tokens,
            weigh: (i: Item) => i.tokens,
          }),
          maxConcurrency: single ? fanOut : maxConcurrency,
        }),
      };
      groups.set(key, group);
    }
    return group;
  }

  async function runBatch(
    items: readonly Item[],
    signal: AbortSignal,
    target: string,
  ): Promise<(ItemResult | Error)[]> {
    const first = items[0]!;
    const index = new Map<string, number>();
    const texts: string[] = [];
    for (const item of items) {
      if (!index.has(item.text)) {
        index.set(item.text, texts.length);
        texts.push(item.text);
      }
    }
    const shared: CallContext = {
      ...first.ctx,
      signal,
      // The batch serves every caller; each caller's own deadline still ends its own wait.
      deadline: Math.max(...items.map((i) => i.ctx.deadline)),
      attempts: 0,
    };
    let provider: ProviderName = first.req.targets[0]!.provider;
    let model = first.req.targets[0]!.model;
    let inputTokens = 0;

    const embedOrBisect = async (part: string[]): Promise<(number[] | Error)[]> => {
      try {
        const res = await first.next({ ...first.req, input: part }, shared);
        if (res.embeddings.length !== part.length) {
          throw new TypeError(
            `embedding call returned ${res.embeddings.length} vectors for ${part.length} texts`,
          );
        }
        provider = res.provider;
        model = res.model;
        inputTokens += res.usage.inputTokens;
        return res.embeddings;
      } catch (e) {
        if (signal.aborted || !attributable(e)) throw e;
        if (part.length === 1) return [e as Error];
        // One input spoiled the batch: split it so that the other inputs still get their vectors.
        const mid = Math.ceil(part.length / 2);
        const [a, b] = await Promise.all([embedOrBisect(part.slice(0, mid)), embedOrBisect(part.slice(mid))]);
        return [...a, ...b];
      }
    };

    const estimates = texts.map((t) => estimateTokens(t));
    // Recorded once per batch with the texts actually sent (duplicates merged), before any bisection.
    stats?.recordBatch(texts.length);
    first.ctx.emit?.({
      type: 'batch-dispatch',
      target,
      size: texts.length,
      callers: new Set(items.map((i) => i.ctx)).size,
      tokens: estimates.reduce((n, x) => n + x, 0),
    });
    const vectors = await embedOrBisect(texts);
    const totalEstimate = estimates.reduce((n, x) => n + x, 0) || 1;
    const batch = {};
    const used = new Set<number>();
    return items.map((item): ItemResult | Error => {
      const at = index.get(item.text)!;
      const v = vectors[at]!;
      if (v instanceof Error) return v;
      const repeated = used.has(at);
      used.add(at);
      return {
        // A text sent once for several callers: each gets its own copy of the vector.
        vector: repeated ? v.slice() : v,
        tokens: repeated ? 0 : (inputTokens * estimates[at]!) / totalEstimate,
        batch,
        attempts: shared.attempts,
        provider,
        model,
      };
    });
  }

  return {
    name: 'batch',
    async embed(req: NormalizedEmbedRequest, ctx: CallContext, next: EmbedNext): Promise<EmbedResult> {
      const limits = limitsOf(req);
      if (!limits || req.input.length === 0) return next(req, ctx);
      const key = groupKey(req);
      const { batcher } = groupFor(key, req, limits);
      const weigh = Number.isFinite(limits.tokens);
      let results: ItemResult[];
      try {
        results = await Promise.all(
          req.input.map((text) =>
            batcher.load({ text, tokens: weigh ? estimateTokens(text) : 0, req, ctx, next }, ctx.signal),
          ),
        );
      } finally {
        // Groups exist per distinct targets/options: drop idle ones so varying options cannot grow the map.
        if (batcher.pending === 0 && batcher.inFlight === 0 && groups.get(key)?.batcher === batcher) {
          groups.delete(key);
        }
      }
      const batches = new Map<object, number>();
      for (const r of results) batches.set(r.batch, r.attempts);
      for (const attempts of batches.values()) ctx.attempts += attempts;
      return {
        embeddings: results.map((r) => r.vector),
        usage: { inputTokens: Math.round(results.reduce((n, r) => n + r.tokens, 0)) },
        provider: results[0]!.provider,
        model: results[0]!.model,
        cached: false,
        attempts: ctx.attempts,
        latencyMs: Date.now() - ctx.startedAt,
      };
    },
  };
}
