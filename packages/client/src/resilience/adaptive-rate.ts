/**
 * The AWS SDK adaptive retry mode's client-side rate controller (CUBIC), per target. It stays out of
 * the way until the first throttling error; then it caps the send rate at 70 % of the measured rate
 * and grows it back along a cubic curve as calls succeed.
 */

const BETA = 0.7;
const SCALE = 0.4;
const SMOOTH = 0.8;
const MIN_FILL_RATE = 0.5;

export class AdaptiveRate {
  #enabled = false;
  #fillRate = Number.POSITIVE_INFINITY;
  #measuredRate = 0;
  #lastMaxRate = 0;
  #lastThrottleS = 0;
  #timeWindowS = 0;
  #requestCount = 0;
  #lastBucketS: number;
  #firstS: number | undefined;
  #total = 0;
  readonly #now: () => number;

  /** `initialRate`: requests per second assumed before any has been measured (e.g. the configured limit). */
  constructor(now: () => number = Date.now, initialRate = 0) {
    this.#now = now;
    this.#lastBucketS = Math.floor(now() / 500) / 2;
    this.#measuredRate = initialRate;
  }

  /** Whether throttling has been seen, so the rate cap applies. */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** Allowed requests per second (Infinity until the first throttle). */
  get ratePerSecond(): number {
    return this.#enabled ? this.#fillRate : Number.POSITIVE_INFINITY;
  }

  /** Smoothed rate of responses per second, measured in half-second buckets. */
  get measuredRate(): number {
    return this.#measuredRate;
  }

  /** Feeds one response: throttled or not. Returns the new allowed rate. */
  record(throttled: boolean): number {
    const nowS = this.#now() / 1000;
    this.#updateMeasuredRate(nowS);
    return throttled ? this.#cut(nowS) : this.#grow(nowS);
  }

  /**
   * Another instance sharing the target's quota was throttled: cut this instance's rate as if it had been
   * (from its own measured rate), without counting a response of its own. Returns the new allowed rate.
   */
  cut(): number {
    return this.#cut(this.#now() / 1000);
  }

  #cut(nowS: number): number {
    // Throttled before the first half-second bucket closed: the average so far is the best measure
    // (the AWS SDK would use 0 and drop to its 0.5 req/s floor).
    if (this.#measuredRate === 0)
      this.#measuredRate = this.#total / Math.max(0.5, nowS - (this.#firstS ?? nowS));
    const rateToUse = this.#enabled ? Math.min(this.#measuredRate, this.#fillRate) : this.#measuredRate;
    this.#lastMaxRate = rateToUse;
    this.#timeWindowS = Math.cbrt((this.#lastMaxRate * (1 - BETA)) / SCALE);
    this.#lastThrottleS = nowS;
    this.#enabled = true;
    return this.#fill(rateToUse * BETA);
  }

  #grow(nowS: number): number {
    this.#timeWindowS = Math.cbrt((this.#lastMaxRate * (1 - BETA)) / SCALE);
    return this.#fill(SCALE * (nowS - this.#lastThrottleS - this.#timeWindowS) ** 3 + this.#lastMaxRate);
  }

  #fill(rate: number): number {
    // Never more than twice what is actually being sent: a rate the client has not tried is not known good.
    this.#fillRate = Math.max(Math.min(rate, 2 * this.#measuredRate), MIN_FILL_RATE);
    return this.ratePerSecond;
  }

  #updateMeasuredRate(nowS: number): void {
    const bucket = Math.floor(nowS * 2) / 2;
    this.#firstS ??= nowS;
    this.#total++;
    this.#requestCount++;
    if (bucket > this.#lastBucketS) {
      const current = this.#requestCount / (bucket - this.#lastBucketS);
      this.#measuredRate = current * SMOOTH + this.#measuredRate * (1 - SMOOTH);
      this.#requestCount = 0;
      this.#lastBucketS = bucket;
    }
  }
}
