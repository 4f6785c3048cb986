import type { GenAiError } from '../errors.js';
import type { Target } from '../types.js';

/** Circuit states as events report them. */
export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated';

declare module '../events.js' {
  interface ClientEventMap {
    /** An attempt failed and will be retried on the same target after `delayMs`. */
    retry: {
      readonly target: Target;
      /** The attempt that failed, counting from 1 on this target. */
      readonly attempt: number;
      readonly delayMs: number;
      /** The server's retry hint, when it gave one. */
      readonly retryAfterMs?: number;
      readonly error: GenAiError;
      /** Retry budget tokens left after paying for this retry. */
      readonly budgetLeft: number;
    };
    /** An attempt failed and is not retried on this target (`reason` says why). */
    'retry-give-up': {
      readonly target: Target;
      readonly attempt: number;
      readonly reason: 'not-retryable' | 'max-attempts' | 'budget' | 'deadline' | 'hint-too-long' | 'aborted';
      readonly error: GenAiError;
    };
    /** The fallback chain moved from one target to the next. */
    fallback: {
      readonly from: Target;
      readonly to: Target;
      readonly error: GenAiError;
    };
    /** A hedged request started on a second target. */
    hedge: { readonly primary: Target; readonly hedge: Target; readonly afterMs: number };
    /** A target's circuit breaker changed state. */
    'breaker-state': {
      readonly target: Target;
      readonly state: CircuitStateName;
      readonly error?: GenAiError;
    };
    /** The client-side rate limiter held a call back for `waitMs` before sending it. */
    'rate-limit-wait': { readonly target: Target; readonly waitMs: number };
  }
}
