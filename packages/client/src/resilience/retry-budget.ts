import { optionError } from '../errors.js';

/**
 * A client-wide retry budget: the AWS SDK standard mode's retry quota. Retries spend tokens, successes
 * give them back, so during an outage a client stops multiplying its load once the bucket is empty and
 * resumes retrying as calls succeed again.
 */

export interface RetryBudgetOptions {
  /** Tokens in a full bucket. @default 500 */
  readonly capacity?: number;
  /** Tokens a retry spends. @default 5 */
  readonly retryCost?: number;
  /** Tokens a retry after a timeout spends. @default 10 */
  readonly timeoutRetryCost?: number;
  /** Tokens a success that needed no retry adds back. @default 1 */
  readonly successIncrement?: number;
}

export class RetryBudget {
  readonly capacity: number;
  readonly retryCost: number;
  readonly timeoutRetryCost: number;
  readonly successIncrement: number;
  #available: number;

  constructor(options: RetryBudgetOptions = {}) {
    this.capacity = positive('capacity', options.capacity ?? 500);
    this.retryCost = positive('retryCost', options.retryCost ?? 5);
    this.timeoutRetryCost = positive('timeoutRetryCost', options.timeoutRetryCost ?? 10);
    this.successIncrement = nonNegative('successIncrement', options.successIncrement ?? 1);
    this.#available = this.capacity;
  }

  /** Tokens left. */
  get available(): number {
    return this.#available;
  }

  /** Spends the cost of one retry; false (and nothing spent) when the bucket cannot pay for it. */
  tryAcquire(afterTimeout: boolean): number | undefined {
    const cost = afterTimeout ? this.timeoutRetryCost : this.retryCost;
    if (cost > this.#available) return undefined;
    this.#available -= cost;
    return cost;
  }

  /** Gives back a retry that did not happen (the call was aborted during its backoff). */
  refund(cost: number): void {
    this.#available = Math.min(this.capacity, this.#available + cost);
  }

  /** A call succeeded: refund what its last retry cost, or add the small no-retry increment. */
  recordSuccess(lastRetryCost: number | undefined): void {
    this.#available = Math.min(this.capacity, this.#available + (lastRetryCost ?? this.successIncrement));
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw optionError(`retry.budget.${name} must be a positive number, received ${value}`);
  }
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw optionError(`retry.budget.${name} must be zero or a positive number, received ${value}`);
  }
  return value;
}
