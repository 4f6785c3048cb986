import type { GenAiError } from '../errors.js';
import type { Target } from '../types.js';

/** Circuit states as events report them. */
export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated';

/** Events of the retry, breaker and rate-limit steps, added to the client's typed event union (events.ts). */
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
    /** A target's circuit breaker changed state. */
    'breaker-state': {
      readonly target: Target;
      readonly state: CircuitStateName;
      readonly error?: GenAiError;
    };
    /**
     * The state shared through Redis (`sharedResilience`) became unavailable (`reason` says why: each instance
     * uses its own circuits and rate cut meanwhile) or available again. Reported on the next call.
     */
    'shared-state': { readonly available: boolean; readonly reason?: string };
    /** The client-side rate limiter held a call back for `waitMs` before sending it. */
    'rate-limit-wait': { readonly target: Target; readonly waitMs: number };
  }
}
