import { scopeOf } from '../cache/cache-policy.js';
import type { StatsRecorder } from '../cache/cache-stats.js';
import { canonicalize } from '../cache/canonical.js';
import type {} from '../coalesce/coalesce-events.js';
import { isGenAiError } from '../errors.js';
import type { CallContext, EmbedNext, Layer } from '../layer.js';
import { limitsFor } from '../model-limits.js';
import { estimateTokens } from '../tokens.js';
import type { EmbedResult, NormalizedEmbedRequest, ProviderName } from '../types.js';
import type {} from './batch-events.js';
import type { BatchOptions } from './batch-options.js';
import { MicroBatcher } from './micro-batcher.js';

interface Item {
  readonly text: string;
  readonly tokens: number;
  /** The request, context and next step of the call that started the text (same group: same answer). */
  readonly req: NormalizedEmbedRequest;
  readonly ctx: CallContext;
  readonly next: EmbedNext;
  /** Latest deadline of the calls waiting for this text: the batch serves the most patient one. */
  deadline: number;
  /** Calls waiting for this text (for `batch-dispatch`'s `callers`). */
  readonly callers: Set<CallContext>;
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

/**
 * One text on its way upstream (waiting in a batch or sent), shared by every concurrent call of the group
 * asking for it: it goes upstream once and each call gets its vector. Its signal aborts only when every
 * waiting call has left, so one impatient caller never cancels the others' text.
 */
interface TextFlight {
  readonly item: Item;
  readonly controller: AbortController;
  readonly promise: Promise<ItemResult>;
  /** Calls (or duplicate texts of a call) still waiting for it. */
  waiting: number;
  settled: boolean;
}

/** One call's wait for one text. */
interface Wait {
  readonly promise: Promise<ItemResult>;
  /** Stops waiting (the call aborted or already failed); the last one out cancels the text. */
  leave(reason: unknown): void;
}

interface Group {
  readonly batcher: MicroBatcher<Item, ItemResult>;
  /**
   * Texts in flight by text. A flight stays joinable until the call that started it returns (after its
   * other texts), so a call arriving in between shares the answer the cache layer is about to store.
   */
  readonly flights: Map<string, TextFlight>;
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
 * Identical texts of concurrent calls (same targets, options and cache scope) share one upstream slot: a
 * text already waiting in a batch or in flight in an earlier one is awaited, not sent again (counted as
 * coalesced). When a batch fails because of one input, it is bisected so that only the callers whose texts
 * fail get the error. Models that take one text per call get bounded parallel fan-out instead.
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
        flights: new Map(),
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
      deadline: Math.max(...items.map((i) => i.deadline)),
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
      callers: new Set(items.flatMap((i) => [...i.callers])).size,
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

  /** Forgets a flight (when it was the group's flight for its text) and drops the group once idle. */
  function release(key: string, group: Group, flight: TextFlight): void {
    if (group.flights.get(flight.item.text) === flight) group.flights.delete(flight.item.text);
    const { batcher } = group;
    // Groups exist per distinct targets/options/scope: drop idle ones so varying options cannot grow the map.
    if (batcher.pending === 0 && batcher.inFlight === 0 && group.flights.size === 0) {
      if (groups.get(key) === group) groups.delete(key);
    }
  }

  function start(group: Group, item: Item): TextFlight {
    const controller = new AbortController();
    const promise = group.batcher.load(item, controller.signal);
    const flight: TextFlight = { item, controller, promise, waiting: 0, settled: false };
    // Registered first, so a flight is settled before any waiter hears of it.
    promise.then(
      () => {
        flight.settled = true;
      },
      () => {
        flight.settled = true;
      },
    );
    group.flights.set(item.text, flight);
    return flight;
  }

  /** A wait for `flight`; `original` gets the vector itself, every other waiter a copy (and no token share). */
  function wait(key: string, group: Group, flight: TextFlight, original: boolean): Wait {
    flight.waiting++;
    let left = false;
    const leave = (): boolean => {
      if (left) return false;
      left = true;
      flight.waiting--;
      return true;
    };
    let reject!: (e: unknown) => void;
    const promise = new Promise<ItemResult>((resolve, rej) => {
      reject = rej;
      flight.promise.then(
        (r) => {
          if (!leave()) return;
          resolve(original ? r : { ...r, vector: r.vector.slice(), tokens: 0, attempts: 0 });
        },
        (e: unknown) => {
          if (leave()) rej(e);
        },
      );
    });
    return {
      promise,
      leave(reason) {
        if (!leave()) return;
        reject(reason);
        if (flight.waiting === 0 && !flight.settled) {
          // Nobody waits for this text any more: take it out of its batch and let a later call start afresh.
          flight.controller.abort(reason);
          release(key, group, flight);
        }
      },
    };
  }

  return {
    name: 'batch',
    async embed(req: NormalizedEmbedRequest, ctx: CallContext, next: EmbedNext): Promise<EmbedResult> {
      const limits = limitsOf(req);
      if (!limits || req.input.length === 0) return next(req, ctx);
      ctx.signal.throwIfAborted();
      const key = groupKey(req);
      const group = groupFor(key, req, limits);
      const weigh = Number.isFinite(limits.tokens);
      const started = new Set<TextFlight>();
      const waits: Wait[] = [];
      let joined = 0;
      for (const text of req.input) {
        let flight = group.flights.get(text);
        let original = false;
        if (!flight) {
          const tokens = weigh ? estimateTokens(text) : 0;
          flight = start(group, {
            text,
            tokens,
            req,
            ctx,
            next,
            deadline: ctx.deadline,
            callers: new Set([ctx]),
          });
          started.add(flight);
          original = true;
        } else if (!started.has(flight)) {
          // Another call's text, waiting in a batch or already sent: share it.
          joined++;
          flight.item.deadline = Math.max(flight.item.deadline, ctx.deadline);
          flight.item.callers.add(ctx);
        }
        waits.push(wait(key, group, flight, original));
      }
      if (joined > 0) {
        if (stats) stats.coalesced += joined;
        ctx.emit?.({ type: 'cache-coalesced', scope: 'process', count: joined });
      }
      // One abort listener per call, however many texts it waits for.
      const onAbort = () => {
        for (const w of waits) w.leave(ctx.signal.reason);
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      let results: ItemResult[];
      try {
        results = await Promise.all(waits.map((w) => w.promise));
      } catch (e) {
        // This call has failed: it stops waiting for its other texts (shared ones go on for their other callers).
        for (const w of waits) w.leave(e);
        throw e;
      } finally {
        ctx.signal.removeEventListener('abort', onAbort);
        for (const flight of started) {
          if (flight.settled) release(key, group, flight);
          else
            flight.promise.then(
              () => release(key, group, flight),
              () => release(key, group, flight),
            );
        }
      }
      // Attempts count once per batch; a call that only shared a batch's texts made none of its own.
      const batches = new Map<object, number>();
      for (const r of results) batches.set(r.batch, Math.max(batches.get(r.batch) ?? 0, r.attempts));
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
