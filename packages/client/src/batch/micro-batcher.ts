/**
 * The batch function's contract (dataloader's): given keys, resolve to one result per key in key order;
 * an `Error` in a slot fails that key only. `signal` aborts when every caller of the batch has left.
 */
export type BatchFunction<K, V> = (keys: readonly K[], signal: AbortSignal) => Promise<ArrayLike<V | Error>>;

export interface MicroBatcherOptions<K, V> {
  /** Makes one upstream call for a batch of keys. */
  readonly batch: BatchFunction<K, V>;
  /** How long the first key of a batch waits for more, in ms; 0 collects the keys of the current event-loop turn. @default 5 */
  readonly windowMs?: number;
  /**
   * The window when no batch is in flight or waiting, in ms (0: the keys of the current event-loop turn). With
   * `0`, a key that finds the batcher idle leaves at the end of its turn (with the keys loaded in that turn:
   * the texts of one call, calls made together) instead of waiting `windowMs` for companions that may not come;
   * keys that arrive while a batch is in flight wait the full window behind it, so batches form under load.
   * @default windowMs
   */
  readonly idleWindowMs?: number;
  /** Most keys per batch; a full batch leaves at once. @default Infinity */
  readonly maxBatchSize?: number;
  /** Most total weight per batch (e.g. estimated tokens); a key heavier than this goes alone. @default Infinity */
  readonly maxBatchWeight?: number;
  /** Weight of a key. @default - every key weighs 0 */
  readonly weigh?: (key: K) => number;
  /** Most batches in flight at once; further full batches wait (and the open one keeps filling). @default Infinity */
  readonly maxConcurrency?: number;
  /** Called as each batch leaves, with its keys and total weight. */
  readonly onDispatch?: (keys: readonly K[], weight: number) => void;
}

interface Item<K, V> {
  readonly key: K;
  readonly weight: number;
  readonly signal: AbortSignal | undefined;
  /** Set while the item waits in a dispatched batch: that batch's abort bookkeeping. */
  batch?: Dispatched;
  settled: boolean;
  resolve(value: V): void;
  reject(error: unknown): void;
  detach(): void;
}

interface Dispatched {
  readonly controller: AbortController;
  waiting: number;
}

/**
 * A micro-batcher: keys submitted within `windowMs` of each other are sent together, up to the size and
 * weight limits, each caller getting its own result back. Callers may abort: an aborted key leaves its
 * batch (or the batch's upstream call is cancelled when all its keys left).
 */
export class MicroBatcher<K, V> {
  readonly #batch: BatchFunction<K, V>;
  readonly #windowMs: number;
  readonly #idleWindowMs: number;
  readonly #maxSize: number;
  readonly #maxWeight: number;
  readonly #weigh: ((key: K) => number) | undefined;
  readonly #maxConcurrency: number;
  readonly #onDispatch: MicroBatcherOptions<K, V>['onDispatch'];
  #open: Item<K, V>[] = [];
  #openWeight = 0;
  #timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  readonly #sealed: Item<K, V>[][] = [];
  #inFlight = 0;
  readonly #watchers = new WeakMap<AbortSignal, { items: Set<Item<K, V>>; onAbort: () => void }>();

  constructor(options: MicroBatcherOptions<K, V>) {
    this.#batch = options.batch;
    this.#windowMs = check('windowMs', options.windowMs, 5, true);
    this.#idleWindowMs = check('idleWindowMs', options.idleWindowMs, this.#windowMs, true);
    this.#maxSize = check('maxBatchSize', options.maxBatchSize, Number.POSITIVE_INFINITY, false);
    this.#maxWeight = check('maxBatchWeight', options.maxBatchWeight, Number.POSITIVE_INFINITY, false);
    this.#maxConcurrency = check('maxConcurrency', options.maxConcurrency, Number.POSITIVE_INFINITY, false);
    this.#weigh = options.weigh;
    this.#onDispatch = options.onDispatch;
  }

  /** Batches in flight. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Keys waiting for a batch to leave. */
  get pending(): number {
    return this.#open.length + this.#sealed.reduce((n, b) => n + b.length, 0);
  }

  load(key: K, signal?: AbortSignal): Promise<V> {
    return new Promise<V>((resolve, reject) => this.#enqueue(key, signal, resolve, reject));
  }

  /**
   * Like `load`, cancelled through the returned `cancel` instead of a signal. For callers that need a
   * cancellation per key (the embed batch step: one per shared text): an AbortController, its signal and its
   * listener cost ~40 us a key, which for a 2,048-text request held the event loop for ~80 ms.
   */
  loadCancellable(key: K): { readonly promise: Promise<V>; cancel(reason: unknown): void } {
    let item: Item<K, V> | undefined;
    const promise = new Promise<V>((resolve, reject) => {
      item = this.#enqueue(key, undefined, resolve, reject);
    });
    return {
      promise,
      cancel: (reason) => {
        if (item && !item.settled) this.#abortItem(item, reason);
      },
    };
  }

  /** Loads many keys; like dataloader's `loadMany`, each slot holds a value or that key's Error. */
  loadMany(keys: readonly K[], signal?: AbortSignal): Promise<(V | Error)[]> {
    return Promise.all(
      keys.map((k) =>
        this.load(k, signal).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))),
      ),
    );
  }

  #enqueue(
    key: K,
    signal: AbortSignal | undefined,
    resolve: (v: V) => void,
    reject: (e: unknown) => void,
  ): Item<K, V> | undefined {
    if (signal?.aborted) {
      reject(signal.reason);
      return undefined;
    }
    const weight = this.#weigh ? this.#weigh(key) : 0;
    const item: Item<K, V> = {
      key,
      weight,
      signal,
      settled: false,
      resolve: (v) => {
        if (item.settled) return;
        item.settled = true;
        item.detach();
        resolve(v);
      },
      reject: (e) => {
        if (item.settled) return;
        item.settled = true;
        item.detach();
        reject(e);
      },
      detach: () => (signal ? this.#unwatch(signal, item) : undefined),
    };
    if (signal) this.#watch(signal, item);
    if (
      this.#open.length > 0 &&
      (this.#open.length + 1 > this.#maxSize || this.#openWeight + weight > this.#maxWeight)
    ) {
      this.#seal();
    }
    this.#open.push(item);
    this.#openWeight += weight;
    if (this.#open.length >= this.#maxSize || this.#openWeight >= this.#maxWeight) this.#seal();
    else if (!this.#timer) {
      const windowMs =
        this.#inFlight === 0 && this.#sealed.length === 0 ? this.#idleWindowMs : this.#windowMs;
      this.#timer =
        windowMs === 0 ? setImmediate(() => this.#seal()) : setTimeout(() => this.#seal(), windowMs);
    }
    return item;
  }

  /**
   * One abort listener per signal, however many keys wait on it (a 600-text embed loads 600 keys with the
   * call's signal): no listener build-up, no MaxListenersExceededWarning. Removed when its last key settles.
   */
  #watch(signal: AbortSignal, item: Item<K, V>): void {
    let watchers = this.#watchers.get(signal);
    if (!watchers) {
      const items = new Set<Item<K, V>>();
      const onAbort = () => {
        this.#watchers.delete(signal);
        for (const i of [...items]) this.#abortItem(i);
      };
      watchers = { items, onAbort };
      this.#watchers.set(signal, watchers);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    watchers.items.add(item);
  }

  #unwatch(signal: AbortSignal, item: Item<K, V>): void {
    const watchers = this.#watchers.get(signal);
    if (!watchers?.items.delete(item) || watchers.items.size > 0) return;
    this.#watchers.delete(signal);
    signal.removeEventListener('abort', watchers.onAbort);
  }

  #abortItem(item: Item<K, V>, reason: unknown = item.signal?.reason): void {
    item.reject(reason);
    const batch = item.batch;
    if (batch && --batch.waiting === 0) batch.controller.abort(reason);
  }

  #seal(): void {
    if (this.#timer) {
      clearTimeout(this.#timer as NodeJS.Timeout);
      clearImmediate(this.#timer as NodeJS.Immediate);
      this.#timer = undefined;
    }
    const items = this.#open;
    this.#open = [];
    this.#openWeight = 0;
    if (items.length > 0) this.#sealed.push(items);
    this.#drain();
  }

  #drain(): void {
    while (this.#inFlight < this.#maxConcurrency && this.#sealed.length > 0) {
      // Keys aborted while their batch waited are dropped before it leaves.
      const items = this.#sealed.shift()!.filter((i) => !i.settled);
      if (items.length > 0) void this.#dispatch(items);
    }
  }

  async #dispatch(items: Item<K, V>[]): Promise<void> {
    this.#inFlight++;
    const batch: Dispatched = { controller: new AbortController(), waiting: items.length };
    for (const item of items) item.batch = batch;
    const keys = items.map((i) => i.key);
    try {
      this.#onDispatch?.(
        keys,
        items.reduce((n, i) => n + i.weight, 0),
      );
      const results = await this.#batch(keys, batch.controller.signal);
      if (results?.length !== keys.length) {
        throw new TypeError(
          `the batch function returned ${results?.length ?? String(results)} results for ${keys.length} keys; ` +
            'it must resolve to one result (a value or an Error) per key, in key order',
        );
      }
      items.forEach((item, i) => {
        const r = results[i] as V | Error;
        if (r instanceof Error) item.reject(r);
        else item.resolve(r);
      });
    } catch (e) {
      for (const item of items) item.reject(e);
    } finally {
      this.#inFlight--;
      this.#drain();
    }
  }
}

function check(name: string, value: number | undefined, fallback: number, zeroOk: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!zeroOk && value === 0)) {
    throw new TypeError(
      `batch ${name} must be a ${zeroOk ? 'non-negative' : 'positive'} number; received ${typeof value === 'number' ? String(value) : JSON.stringify(value)}. ` +
        `Omit it for the default (${fallback}).`,
    );
  }
  return value;
}
