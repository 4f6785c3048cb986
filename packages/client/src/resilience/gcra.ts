/**
 * Generic cell rate algorithm (GCRA) over two dimensions, requests and tokens, as a reservation: a call
 * books its slot at once (FIFO by booking order) and learns how long to wait for it. One number per
 * dimension (the "theoretical arrival time") is the whole state, so the same arithmetic runs in memory
 * and inside one Redis script.
 */

/** One dimension's limit, resolved to GCRA terms. */
export interface GcraLimit {
  /** ms per unit (60000 / perMinute). */
  readonly intervalMs: number;
  /** Burst tolerance in ms: this much of the schedule may be used up ahead of time. */
  readonly toleranceMs: number;
}

export interface Reserve {
  readonly requests?: GcraLimit | undefined;
  readonly tokens?: GcraLimit | undefined;
  readonly tokenCost: number;
  /** Longest wait the caller accepts; beyond it nothing is booked. */
  readonly maxWaitMs: number;
}

/** A schedule move: `requestDelta`/`tokenDelta` units on the dimensions that have a limit. */
export interface Adjust {
  readonly requests?: GcraLimit | undefined;
  readonly tokens?: GcraLimit | undefined;
  readonly requestDelta: number;
  readonly tokenDelta: number;
}

export type Reservation =
  | { readonly admitted: true; readonly waitMs: number }
  | { readonly admitted: false; readonly retryAfterMs: number };

/** The shared state a limiter reads and books: memory for one process, Redis for many. */
export interface RateLimitStore {
  reserve(key: string, spec: Reserve): Promise<Reservation>;
  /** Moves a key's token schedule by `tokens` (negative gives back: a refund or a smaller real usage). */
  adjust(key: string, spec: Adjust): Promise<void>;
  close?(): Promise<void>;
}

/** Builds a limit from a per-minute rate; the burst is `burstSeconds` worth of the rate (at least one unit). */
export function perMinute(rate: number, burstSeconds: number): GcraLimit {
  const intervalMs = 60_000 / rate;
  const burstUnits = Math.max(1, (rate * burstSeconds) / 60);
  return { intervalMs, toleranceMs: burstUnits * intervalMs };
}

/**
 * Wait for `cost` units given the stored TAT. A cost larger than the burst is admitted on an idle schedule
 * (its excess becomes debt that later calls wait out), so an oversized request never waits forever.
 */
export function gcraWait(
  tat: number,
  now: number,
  limit: GcraLimit,
  cost: number,
): { wait: number; newTat: number } {
  const base = Math.max(tat, now);
  const increment = cost * limit.intervalMs;
  const capped = Math.min(increment, limit.toleranceMs);
  return { wait: Math.max(0, base + capped - now - limit.toleranceMs), newTat: base + increment };
}

/** In-process store. */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #tats = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async reserve(key: string, spec: Reserve): Promise<Reservation> {
    return this.reserveSync(key, spec);
  }

  reserveSync(key: string, spec: Reserve): Reservation {
    const now = this.#now();
    const r = spec.requests ? gcraWait(this.#tats.get(`${key}:r`) ?? now, now, spec.requests, 1) : undefined;
    const t =
      spec.tokens && spec.tokenCost > 0
        ? gcraWait(this.#tats.get(`${key}:t`) ?? now, now, spec.tokens, spec.tokenCost)
        : undefined;
    const wait = Math.max(r?.wait ?? 0, t?.wait ?? 0);
    if (wait > spec.maxWaitMs) return { admitted: false, retryAfterMs: Math.ceil(wait) };
    if (r) this.#tats.set(`${key}:r`, r.newTat);
    if (t) this.#tats.set(`${key}:t`, t.newTat);
    return { admitted: true, waitMs: Math.ceil(wait) };
  }

  async adjust(key: string, spec: Adjust): Promise<void> {
    const now = this.#now();
    if (spec.requests && spec.requestDelta !== 0) {
      this.#tats.set(
        `${key}:r`,
        (this.#tats.get(`${key}:r`) ?? now) + spec.requestDelta * spec.requests.intervalMs,
      );
    }
    if (spec.tokens && spec.tokenDelta !== 0) {
      this.#tats.set(
        `${key}:t`,
        (this.#tats.get(`${key}:t`) ?? now) + spec.tokenDelta * spec.tokens.intervalMs,
      );
    }
  }
}
