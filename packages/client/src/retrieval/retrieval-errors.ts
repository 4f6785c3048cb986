import { GenAiError, invalidRequest, isNetworkCode } from '../errors.js';
import type { ErrorKind } from '../types.js';

export { isNetworkCode };

/** Errors of the retrieval module: our own messages; an engine's error stays in `cause`, never in the message. */

/** Bad input, found before any network call: names the field, the value, the rule and the fix. */
export function invalidInput(field: string, value: unknown, rule: string, fix?: string): GenAiError {
  return invalidRequest(field, value, rule, fix);
}

/** What an engine client's error says, read without trusting its shape. */
export interface EngineErrorFacts {
  readonly status?: number;
  /** The engine's error name or code, e.g. `index_not_found_exception`, `RESOURCE_EXHAUSTED`. */
  readonly code?: string;
  readonly retryAfterMs?: number;
  /** A network failure (connection refused, reset, DNS) rather than an answer. */
  readonly network?: boolean;
  readonly timeout?: boolean;
  /** Credentials could not be obtained, so nothing was sent (e.g. no Application Default Credentials). */
  readonly credentials?: boolean;
}

/** Advice per kind of failure, specific to the engine and the resource. */
export interface EngineHints {
  readonly auth?: string;
  readonly notFound?: string;
}

function kindOf(facts: EngineErrorFacts): ErrorKind {
  if (facts.credentials) return 'auth';
  if (facts.timeout) return 'timeout';
  if (facts.network) return 'unavailable';
  const s = facts.status;
  if (s === undefined) return 'unavailable';
  if (s === 401 || s === 403) return 'auth';
  if (s === 404) return 'not-found';
  if (s === 408 || s === 504) return 'timeout';
  if (s === 429) return 'throttled';
  if (s >= 500) return 'unavailable';
  return 'invalid-request';
}

const ADVICE: Partial<Record<ErrorKind, string>> = {
  throttled: 'The engine is throttling: retry after a pause (retryAfterMs when the engine sent a hint)',
  unavailable: 'The engine did not answer or failed: retry later',
  timeout: 'The engine did not answer in time: retry later',
  'invalid-request': 'The engine rejected the request; the engine error is in `cause`',
};

/**
 * An engine's failure of `action` (e.g. "OpenSearch Serverless search in index 'chunks'") as a GenAiError: the kind
 * from the status, our own message with advice, the engine's error in `cause`.
 */
export function engineFailure(
  action: string,
  facts: EngineErrorFacts,
  cause: unknown,
  hints: EngineHints = {},
): GenAiError {
  const kind = kindOf(facts);
  const advice = kind === 'auth' ? hints.auth : kind === 'not-found' ? hints.notFound : ADVICE[kind];
  const what =
    facts.status !== undefined
      ? `HTTP ${facts.status}`
      : facts.credentials
        ? 'no credentials'
        : facts.timeout
          ? 'timed out'
          : 'no answer';
  return new GenAiError(`${action} failed (${what}, ${kind})${advice ? `. ${advice}` : ''}`, {
    kind,
    ...(facts.status !== undefined ? { status: facts.status } : {}),
    ...(facts.code !== undefined ? { code: facts.code } : {}),
    ...(facts.retryAfterMs !== undefined ? { retryAfterMs: facts.retryAfterMs } : {}),
    cause,
  });
}

/** A Retry-After header value (seconds or an HTTP date) in ms. */
export function retryAfterMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * An engine's official client, loaded on first use (a service that uses one engine never loads the others), or
 * an `invalid-request` error saying which package to install when it is missing.
 */
export async function importEngineClient<T>(load: () => Promise<T>, who: string, pkg: string): Promise<T> {
  try {
    return await load();
  } catch (cause) {
    throw new GenAiError(`${who} needs the ${pkg} package: install it next to @genai-deploy/client`, {
      kind: 'invalid-request',
      code: 'missing-dependency',
      cause,
    });
  }
}
