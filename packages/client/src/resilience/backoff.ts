/**
 * Retry delays: exponential backoff with full jitter, as the AWS SDK's standard retry mode computes them,
 * and server retry hints honoured within bounds.
 */

export interface BackoffOptions {
  /** Base delay of the exponential backoff, in ms. @default 100 */
  readonly baseDelayMs: number;
  /** Base delay after a throttling error, in ms. @default 500 */
  readonly throttledBaseDelayMs: number;
  /** Largest backoff delay, in ms. @default 20000 */
  readonly maxDelayMs: number;
  /**
   * How far a server retry hint may push the delay beyond the computed backoff, in ms. A hint larger than
   * `backoff + maxHintExtraMs` is not waited for: the attempt gives up on this target (the fallback chain
   * moves on, or the caller sees the error with its `retryAfterMs`).
   * @default 5000
   */
  readonly maxHintExtraMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  baseDelayMs: 100,
  throttledBaseDelayMs: 500,
  maxDelayMs: 20_000,
  maxHintExtraMs: 5_000,
};

export interface DelayInput {
  /** Retries already made for this call on this target (0 before the first retry). */
  readonly retryIndex: number;
  readonly throttled: boolean;
  /** The server's retry hint, in ms from now. */
  readonly hintMs?: number | undefined;
}

export type DelayDecision =
  | { readonly wait: true; readonly delayMs: number; readonly backoffMs: number }
  | { readonly wait: false; readonly reason: 'hint-too-long'; readonly backoffMs: number };

/**
 * Full jitter: `random() * min(base * 2^retryIndex, max)`. With a hint, the delay is
 * `max(backoff, hint)`: never earlier than the server allowed, and never a stall longer than
 * `backoff + maxHintExtraMs` (the AWS SDK clamps hints to `[backoff, backoff + 5 s]`; we refuse to retry
 * early instead of cutting the hint short).
 */
export function retryDelay(
  input: DelayInput,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): DelayDecision {
  const base = input.throttled ? options.throttledBaseDelayMs : options.baseDelayMs;
  const ceiling = Math.min(options.maxDelayMs, base * 2 ** Math.min(input.retryIndex, 30));
  const backoffMs = Math.floor(random() * ceiling);
  const hint = input.hintMs;
  if (hint === undefined || !Number.isFinite(hint) || hint <= 0) {
    return { wait: true, delayMs: backoffMs, backoffMs };
  }
  if (hint > backoffMs + options.maxHintExtraMs) return { wait: false, reason: 'hint-too-long', backoffMs };
  return { wait: true, delayMs: Math.max(backoffMs, Math.ceil(hint)), backoffMs };
}
