import { isTimeoutReason } from './abort.js';
import type { ErrorKind, ProviderName, Target } from './types.js';

/**
 * Brand shared by every copy of this package: `Symbol.for` returns the same symbol across module instances,
 * so `isGenAiError` works when two versions of @genai-deploy/client end up in one process (instanceof would not).
 */
const BRAND: unique symbol = Symbol.for('@genai-deploy/client.GenAiError') as never;

/** Kinds a retry (of the same target) may fix, unless the provider says otherwise. */
const RETRYABLE_BY_DEFAULT: Readonly<Record<ErrorKind, boolean>> = {
  throttled: true,
  unavailable: true,
  timeout: true,
  'invalid-request': false,
  auth: false,
  'not-found': false,
  'context-length': false,
  'content-filter': false,
  'model-error': false,
  aborted: false,
  'circuit-open': false,
  'mid-stream': false,
  'invalid-output': false,
  'budget-exceeded': false,
};

export interface GenAiErrorOptions {
  readonly kind: ErrorKind;
  /** @default - by kind: throttled, unavailable and timeout are retryable */
  readonly retryable?: boolean;
  readonly provider?: ProviderName;
  /** HTTP status of the upstream answer, when there was one. */
  readonly status?: number;
  /** The provider's retry hint (Retry-After, retry-after-ms, RetryInfo), in ms. */
  readonly retryAfterMs?: number;
  /** The provider's own error name or code, e.g. `ThrottlingException`, `RESOURCE_EXHAUSTED`, `content_filter`. */
  readonly code?: string;
  readonly target?: Target;
  readonly cause?: unknown;
  /** `mid-stream` only: characters of output the caller had received before the stream failed. */
  readonly deliveredChars?: number;
  /** `invalid-output` only: the model's raw answer. */
  readonly text?: string;
  /** The provider's own error text, verbatim (see GenAiError.providerMessage). */
  readonly providerMessage?: string;
  /** `budget-exceeded` only: when the spent budget resets (the start of the next UTC day or month). */
  readonly resetAt?: Date;
}

/** The one error type of the client. Check it with `isGenAiError(e)`, never `instanceof`. */
export class GenAiError extends Error {
  override readonly name = 'GenAiError';
  readonly [BRAND] = true;
  readonly kind: ErrorKind;
  /** Whether trying the same target again may succeed. */
  readonly retryable: boolean;
  readonly provider?: ProviderName;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly code?: string;
  /** The target that failed; set by the pipeline when the provider did not. */
  target?: Target;
  /** `mid-stream` only: characters of output the caller had received before the stream failed. */
  readonly deliveredChars?: number;
  /** `invalid-output` only: the model's raw answer (it may quote the prompt: not for logs unless prompts are). */
  readonly text?: string;
  /**
   * The provider's own error text, verbatim, when the error came from a provider's answer; `message` is the
   * client's own words (provider, error name, status). It may name accounts, roles, resources and hosts of the
   * deployment: log it (redacted) on the server side, never pass it to an end user.
   */
  readonly providerMessage?: string;
  /** `budget-exceeded` only: when the spent budget resets (the start of the next UTC day or month). */
  readonly resetAt?: Date;

  constructor(message: string, options: GenAiErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = options.kind;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT[options.kind];
    if (options.provider !== undefined) this.provider = options.provider;
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.code !== undefined) this.code = options.code;
    if (options.target !== undefined) this.target = options.target;
    if (options.deliveredChars !== undefined) this.deliveredChars = options.deliveredChars;
    if (options.text !== undefined) this.text = options.text;
    if (options.providerMessage !== undefined) this.providerMessage = options.providerMessage;
    if (options.resetAt !== undefined) this.resetAt = options.resetAt;
  }
}

/** True for a GenAiError from any copy of this package. */
export function isGenAiError(e: unknown): e is GenAiError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}

/** A GenAiError of kind `mid-stream`: the stream failed after `deliveredChars` characters reached the caller. */
export type MidStreamError = GenAiError & { readonly kind: 'mid-stream'; readonly deliveredChars: number };

/** True for a GenAiError of kind `mid-stream` (from any copy of this package). */
export function isMidStreamError(e: unknown): e is MidStreamError {
  return isGenAiError(e) && e.kind === 'mid-stream';
}

/** A bad createClient option: an `invalid-request` GenAiError naming the option, what it got and what it needs. */
export function optionError(message: string): GenAiError {
  return new GenAiError(`createClient: ${message}`, { kind: 'invalid-request', code: 'invalid-option' });
}

/** A validation error: names the field, the value received and the rule, and says how to fix it. */
export function invalidRequest(field: string, value: unknown, rule: string, fix?: string): GenAiError {
  const shown = describeValue(value);
  return new GenAiError(`invalid ${field}: got ${shown}; ${rule}${fix ? `. ${fix}` : ''}`, {
    kind: 'invalid-request',
    code: 'validation',
  });
}

/** A value in an error message: short JSON, never the whole value. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === undefined) return 'undefined';
  try {
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return String(value);
  }
}

/**
 * The error for an aborted signal: `timeout` (retryable) when the reason is a deadline, else `aborted`.
 * `attemptOnly` marks a per-attempt timeout, which the retry layer may retry; an overall deadline is final.
 */
export function abortError(signal: AbortSignal, provider?: ProviderName, cause?: unknown): GenAiError {
  const reason: unknown = signal.reason;
  if (isTimeoutReason(reason)) {
    return new GenAiError((reason as Error).message || 'the call timed out', {
      kind: 'timeout',
      provider,
      cause: cause ?? reason,
    });
  }
  const message = reason instanceof Error && reason.message ? reason.message : 'the call was aborted';
  return new GenAiError(message, { kind: 'aborted', provider, cause: cause ?? reason });
}

const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_ERROR',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_CONNECT_TIMEOUT',
  'REQUEST_SEND_ERROR',
]);

/** Whether an error code is a connection-level failure (reset, refused, DNS, HTTP/2 session...). */
export function isNetworkCode(code: unknown): boolean {
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

/** Returns an `unavailable` error when `e` (or its cause chain) is a connection-level failure. */
export function networkError(e: unknown, provider: ProviderName): GenAiError | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    const message = (cur as { message?: unknown }).message;
    if (
      (typeof code === 'string' && NETWORK_CODES.has(code)) ||
      (typeof message === 'string' &&
        /socket hang up|ECONNRESET|premature close|other side closed/i.test(message))
    ) {
      return new GenAiError(`connection to ${provider} failed: ${String(message ?? code)}`, {
        kind: 'unavailable',
        provider,
        code: typeof code === 'string' ? code : 'ECONNRESET',
        cause: e,
      });
    }
  }
  return undefined;
}

/** Parses a Retry-After header: delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Parses `retry-after-ms` (milliseconds, Azure and OpenAI style). */
export function parseRetryAfterMs(value: string | null | undefined): number | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const ms = Number(value);
  return Number.isFinite(ms) && ms >= 0 ? Math.round(ms) : undefined;
}

/** Reads the retry hint from headers (any casing), preferring the precise `retry-after-ms`. */
export function retryAfterFromHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>> | undefined,
): number | undefined {
  if (!headers) return undefined;
  const get = (name: string) => {
    for (const [k, v] of Object.entries(headers))
      if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
    return undefined;
  };
  return parseRetryAfterMs(get('retry-after-ms')) ?? parseRetryAfter(get('retry-after'));
}

/** Parses a protobuf Duration in JSON form ("34.4s") or object form ({ seconds, nanos }) to ms. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const m = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
    return m ? Math.round(Number(m[1]) * 1000) : undefined;
  }
  if (value && typeof value === 'object') {
    const { seconds, nanos } = value as { seconds?: unknown; nanos?: unknown };
    const s = Number(seconds ?? 0);
    const n = Number(nanos ?? 0);
    if (Number.isFinite(s) && Number.isFinite(n)) return Math.round(s * 1000 + n / 1e6);
  }
  return undefined;
}

/** Kind for a bare HTTP status when the provider gave nothing more specific. */
export function kindFromStatus(status: number | undefined): ErrorKind {
  if (status === undefined) return 'unavailable';
  if (status === 429) return 'throttled';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not-found';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 413) return 'context-length';
  if (status >= 500) return 'unavailable';
  return 'invalid-request';
}

const CONTEXT_LENGTH =
  /context length|context window|tokens \+ `?max_new_tokens`? must be|too many (?:input )?tokens|input is too long|prompt is too long|maximum context|too long for|exceeds? the (?:maximum|max) (?:number of )?(?:input )?tokens|token limit/i;

/** True when an invalid-request message is really about the input being too long for the model. */
export function looksLikeContextLength(message: string | undefined): boolean {
  return !!message && CONTEXT_LENGTH.test(message) && !/too many tokens per (?:minute|day)/i.test(message);
}

/** Turns anything a provider call threw into a GenAiError carrying its target. */
export function toGenAiError(e: unknown, target: Target, signal: AbortSignal): GenAiError {
  // An abort wins over whatever error the aborted client produced (each client words it differently).
  if (signal.aborted) {
    const err = abortError(signal, target.provider, e);
    err.target = target;
    return err;
  }
  if (isGenAiError(e)) {
    e.target ??= target;
    return e;
  }
  return new GenAiError(`${target.provider} call failed: ${e instanceof Error ? e.message : String(e)}`, {
    kind: 'unavailable',
    retryable: false,
    provider: target.provider,
    target,
    cause: e,
  });
}
