import { scopeOf } from '../cache/cache-policy.js';
import type { StatsRecorder } from '../cache/cache-stats.js';
import { canonicalize } from '../cache/canonical.js';
import type {} from '../coalesce/coalesce-events.js';
import type { CallContext, EmbedNext, Layer } from '../layer.js';
import { limitsFor } from '../model-limits.js';
import { estimateTokens } from '../tokens.js';
import type { EmbedResult, NormalizedEmbedRequest } from '../types.js';
import type { BatchLimitOverride, BatchOptions } from './batch-options.js';
import { type Item, type ItemResult, runBatch } from './batch-run.js';
import { MicroBatcher } from './micro-batcher.js';

/**
 * One text on its way upstream (waiting in a batch or sent), shared by every concurrent call of the group
 * asking for it: it goes upstream once and each call gets its vector. Its signal aborts only when every
 * waiting call has left, so one impatient caller never cancels the others' text.
 */
interface TextFlight {
  readonly item: Item;
  /** Takes the text out of its batch (or cancels the batch's call once all its texts left). */
  readonly cancel: (reason: unknown) => void;
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

interface Limits {
  readonly texts: number;
  readonly tokens: number;
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
  return new EmbedBatchLayer(options, stats);
}

class EmbedBatchLayer implements Layer {
  readonly name = 'batch';
  readonly #windowMs: number;
  readonly #idleWindowMs: number;
  readonly #maxConcurrency: number;
  readonly #fanOut: number;
  readonly #overrides: Readonly<Record<string, BatchLimitOverride>>;
  readonly #stats: StatsRecorder | undefined;
  readonly #groups = new Map<string, Group>();

  constructor(options: BatchOptions, stats: StatsRecorder | undefined) {
    this.#windowMs = options.windowMs ?? 5;
    this.#idleWindowMs = options.idleWindowMs ?? 0;
    this.#maxConcurrency = options.maxConcurrency ?? 8;
    this.#fanOut = options.fanOutConcurrency ?? 8;
    this.#overrides = options.limits ?? {};
    this.#stats = stats;
    // Validate eagerly so a bad option fails createClient, not the first call.
    new MicroBatcher({
      batch: async () => [],
      windowMs: this.#windowMs,
      idleWindowMs: this.#idleWindowMs,
      maxConcurrency: this.#maxConcurrency,
      maxBatchSize: this.#fanOut,
    });
  }

  async embed(req: NormalizedEmbedRequest, ctx: CallContext, next: EmbedNext): Promise<EmbedResult> {
    const limits = this.#limitsOf(req);
    if (!limits || req.input.length === 0) return next(req, ctx);
    ctx.signal.throwIfAborted();
    const key = groupKey(req);
    const group = this.#groupFor(key, req, limits);
    const { started, waits } = this.#join(key, group, req, ctx, next, Number.isFinite(limits.tokens));
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
        if (flight.settled) this.#release(key, group, flight);
        else
          flight.promise.then(
            () => this.#release(key, group, flight),
            () => this.#release(key, group, flight),
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
  }

  /** A wait per text of the call: a new flight for a text nobody asked for yet, else a share of its flight. */
  #join(
    key: string,
    group: Group,
    req: NormalizedEmbedRequest,
    ctx: CallContext,
    next: EmbedNext,
    weigh: boolean,
  ): { started: Set<TextFlight>; waits: Wait[] } {
    const started = new Set<TextFlight>();
    const waits: Wait[] = [];
    let joined = 0;
    for (const text of req.input) {
      let flight = group.flights.get(text);
      let original = false;
      if (!flight) {
        const tokens = weigh ? estimateTokens(text) : 0;
        const item: Item = { text, tokens, req, ctx, next, deadline: ctx.deadline, callers: new Set([ctx]) };
        flight = start(group, item);
        started.add(flight);
        original = true;
      } else if (!started.has(flight)) {
        // Another call's text, waiting in a batch or already sent: share it.
        joined++;
        flight.item.deadline = Math.max(flight.item.deadline, ctx.deadline);
        flight.item.callers.add(ctx);
      }
      waits.push(this.#wait(key, group, flight, original));
    }
    if (joined > 0) {
      if (this.#stats) this.#stats.coalesced += joined;
      ctx.emit?.({ type: 'cache-coalesced', scope: 'process', count: joined });
    }
    return { started, waits };
  }

  #limitsOf(req: NormalizedEmbedRequest): Limits | undefined {
    let texts = Number.POSITIVE_INFINITY;
    let tokens = Number.POSITIVE_INFINITY;
    for (const t of req.targets) {
      const override = this.#overrides[`${t.provider}/${t.model}`];
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

  #groupFor(key: string, req: NormalizedEmbedRequest, limits: Limits): Group {
    let group = this.#groups.get(key);
    if (!group) {
      const single = limits.texts <= 1;
      const target = req.targets[0]?.id ?? '';
      const stats = this.#stats;
      group = {
        flights: new Map(),
        batcher: new MicroBatcher<Item, ItemResult>({
          batch: (items, signal) => runBatch(items, signal, target, stats),
          windowMs: single ? 0 : this.#windowMs,
          idleWindowMs: single ? 0 : this.#idleWindowMs,
          maxBatchSize: limits.texts,
          ...(Number.isFinite(limits.tokens) && {
            maxBatchWeight: limits.tokens,
            weigh: (i: Item) => i.tokens,
          }),
          maxConcurrency: single ? this.#fanOut : this.#maxConcurrency,
        }),
      };
      this.#groups.set(key, group);
    }
    return group;
  }

  /** Forgets a flight (when it was the group's flight for its text) and drops the group once idle. */
  #release(key: string, group: Group, flight: TextFlight): void {
    if (group.flights.get(flight.item.text) === flight) group.flights.delete(flight.item.text);
    const { batcher } = group;
    // Groups exist per distinct targets/options/scope: drop idle ones so varying options cannot grow the map.
    if (batcher.pending === 0 && batcher.inFlight === 0 && group.flights.size === 0) {
      if (this.#groups.get(key) === group) this.#groups.delete(key);
    }
  }

  /** A wait for `flight`; `original` gets the vector itself, every other waiter a copy (and no token share). */
  #wait(key: string, group: Group, flight: TextFlight, original: boolean): Wait {
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
      leave: (reason) => {
        if (!leave()) return;
        reject(reason);
        if (flight.waiting === 0 && !flight.settled) {
          // Nobody waits for this text any more: take it out of its batch and let a later call start afresh.
          flight.cancel(reason);
          this.#release(key, group, flight);
        }
      },
    };
  }
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

function start(group: Group, item: Item): TextFlight {
  const { promise, cancel } = group.batcher.loadCancellable(item);
  const flight: TextFlight = { item, cancel, promise, waiting: 0, settled: false };
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
