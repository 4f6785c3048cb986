import { type GenAiError, isGenAiError } from '../errors.js';
import type { ErrorKind } from '../types.js';

/** `code` of the throttled error the client-side rate limiter raises (not the provider's). */
export const CLIENT_RATE_LIMIT_CODE = 'ClientRateLimit';

/**
 * Provider-neutral decisions on a failed attempt. The provider adapters map every wire error to a
 * GenAiError kind (with `retryable`, `status` and the retry hint); these functions decide what the
 * resilience layers do with it.
 */

/** Kinds a retry never fixes, whatever `retryable` says: the same request would fail the same way. */
const NEVER_RETRIED: ReadonlySet<ErrorKind> = new Set<ErrorKind>([
  'invalid-request',
  'auth',
  'not-found',
  'context-length',
  'content-filter',
  'aborted',
  'circuit-open',
  'mid-stream',
]);

/** Whether retrying the same target may help. Unknown errors (bugs, not wire errors) are never retried. */
export function isRetryable(e: unknown): e is GenAiError {
  if (!isGenAiError(e) || NEVER_RETRIED.has(e.kind)) return false;
  // throttled, unavailable, timeout and model-error: the adapter's verdict (e.g. a SageMaker ModelError
  // whose container answered 4xx is not retryable, a Bedrock ServiceQuotaExceededException neither).
  return e.retryable;
}

/** Whether the failure says something about the target's health, so the circuit breaker counts it. */
export function isHealthFailure(e: unknown): boolean {
  if (!isGenAiError(e)) return false;
  // Our own rate limiter said no: the target was never asked.
  if (e.code === CLIENT_RATE_LIMIT_CODE) return false;
  switch (e.kind) {
    case 'throttled':
    case 'unavailable':
    case 'timeout':
      return true;
    case 'model-error':
      return e.retryable || e.status === undefined || e.status >= 500;
    default:
      return false;
  }
}

/** Whether the throttling share of the retry policy applies (longer base delay, adaptive rate cut). */
export function isThrottle(e: unknown): boolean {
  return isGenAiError(e) && e.kind === 'throttled';
}

/**
 * Whether the fallback chain moves to the next target: the target could not serve the call right now
 * (throttled, unavailable, timed out, open circuit, or a model error a retry could fix). Invalid requests,
 * auth, content filters and not-found stop the chain: another target would not change the answer or would
 * hide a configuration bug. context-length is decided by the chain (it may move to a larger context).
 */
export function movesToNextTarget(e: unknown): boolean {
  if (!isGenAiError(e)) return false;
  switch (e.kind) {
    case 'throttled':
    case 'unavailable':
    case 'timeout':
    case 'circuit-open':
      return true;
    case 'model-error':
      return e.retryable;
    default:
      return false;
  }
}
