import {
  GenAiError,
  isGenAiError,
  kindFromStatus,
  looksLikeContextLength,
  networkError,
  parseDuration,
} from '../../errors.js';
import type { ErrorKind } from '../../types.js';
import {
  isGoogleCredentialsFailure,
  missingCredentialsError,
  refusedCredentialsMessage,
} from '../shared/credentials.js';

/** gRPC status code → kind and HTTP status (https://cloud.google.com/apis/design/errors). */
const BY_CODE: Readonly<
  Record<number, { name: string; kind: ErrorKind; status: number; retryable?: boolean }>
> = {
  1: { name: 'CANCELLED', kind: 'aborted', status: 499 },
  2: { name: 'UNKNOWN', kind: 'unavailable', status: 500 },
  3: { name: 'INVALID_ARGUMENT', kind: 'invalid-request', status: 400 },
  4: { name: 'DEADLINE_EXCEEDED', kind: 'timeout', status: 504 },
  5: { name: 'NOT_FOUND', kind: 'not-found', status: 404 },
  6: { name: 'ALREADY_EXISTS', kind: 'invalid-request', status: 409 },
  7: { name: 'PERMISSION_DENIED', kind: 'auth', status: 403 },
  8: { name: 'RESOURCE_EXHAUSTED', kind: 'throttled', status: 429 },
  9: { name: 'FAILED_PRECONDITION', kind: 'invalid-request', status: 400 },
  10: { name: 'ABORTED', kind: 'unavailable', status: 409 },
  11: { name: 'OUT_OF_RANGE', kind: 'invalid-request', status: 400 },
  12: { name: 'UNIMPLEMENTED', kind: 'not-found', status: 501 },
  13: { name: 'INTERNAL', kind: 'unavailable', status: 500 },
  14: { name: 'UNAVAILABLE', kind: 'unavailable', status: 503 },
  15: { name: 'DATA_LOSS', kind: 'unavailable', status: 500, retryable: false },
  16: { name: 'UNAUTHENTICATED', kind: 'auth', status: 401 },
};

interface GoogleErrorLike {
  readonly code?: number | string;
  readonly message?: string;
  readonly details?: unknown;
  readonly statusDetails?: readonly unknown[];
  readonly metadata?: unknown;
}

/** Finds RetryInfo.retryDelay among an error's decoded details (REST JSON or gRPC status details). */
export function retryDelayOf(details: readonly unknown[] | undefined): number | undefined {
  for (const d of details ?? []) {
    if (!d || typeof d !== 'object') continue;
    const delay = (d as { retryDelay?: unknown }).retryDelay;
    const ms = parseDuration(delay);
    if (ms !== undefined) return ms;
  }
  return undefined;
}

const BY_NAME = new Map(Object.entries(BY_CODE).map(([code, v]) => [v.name, { ...v, code: Number(code) }]));

interface HttpErrorBody {
  readonly code?: number;
  readonly message?: string;
  readonly status?: string;
  readonly details?: readonly unknown[];
}

/** The `{ error: { code, message, status, details } }` body of a REST error, from a message or response data. */
function httpErrorBody(err: GoogleErrorLike & { response?: { data?: unknown } }): HttpErrorBody | undefined {
  const candidates: unknown[] = [err.response?.data];
  if (typeof err.message === 'string' && /^\s*[[{]/.test(err.message)) {
    try {
      candidates.push(JSON.parse(err.message));
    } catch {}
  }
  for (let c of candidates) {
    if (Array.isArray(c)) c = c.find((x) => x && typeof x === 'object' && 'error' in x);
    const inner = (c as { error?: unknown } | undefined)?.error;
    if (inner && typeof inner === 'object') return inner as HttpErrorBody;
  }
  return undefined;
}

/**
 * Maps a Vertex error to a GenAiError: a GoogleError (gRPC, or REST decoded by gax), a GaxiosError (REST
 * transport: gax lets the HTTP client's error through with the JSON body as its message), or a connection failure.
 */
export function mapGoogleError(e: unknown): GenAiError {
  if (isGenAiError(e)) return e;
  // No Application Default Credentials, an unreadable key file, a refused token refresh: before any API call.
  if (isGoogleCredentialsFailure(e)) return missingCredentialsError('vertex', e, 'CredentialsUnavailable');
  const err = (e ?? {}) as GoogleErrorLike & { status?: unknown; response?: { data?: unknown } };
  const http = httpErrorBody(err);
  const httpStatus = typeof err.status === 'number' ? err.status : http?.code;
  let known =
    (http?.status ? BY_NAME.get(http.status) : undefined) ??
    (!err.response && typeof err.code === 'number' ? BY_CODE[err.code] : undefined);
  if (!known && httpStatus !== undefined) {
    const kind = kindFromStatus(httpStatus);
    known = { name: `HTTP_${httpStatus}`, kind, status: httpStatus };
  }
  if (!known) {
    const net = networkError(e, 'vertex');
    if (net) return net;
  }
  const message = http?.message ?? err.message ?? String(e);
  const details =
    http?.details ??
    (Array.isArray(err.statusDetails)
      ? err.statusDetails
      : Array.isArray(err.details)
        ? err.details
        : undefined);
  const retryAfterMs = retryDelayOf(details);
  let kind: ErrorKind = known?.kind ?? 'unavailable';
  if (kind === 'invalid-request' && looksLikeContextLength(message)) kind = 'context-length';
  const status = known ? (httpStatus ?? known.status) : undefined;
  const what = `vertex ${known?.name ?? 'error'}${status !== undefined ? ` (HTTP ${status})` : ''}`;
  return new GenAiError(kind === 'auth' ? refusedCredentialsMessage('vertex', what) : what, {
    kind,
    provider: 'vertex',
    providerMessage: message,
    ...(known ? { status: httpStatus ?? known.status, code: known.name } : {}),
    ...(known?.retryable !== undefined ? { retryable: known.retryable } : known ? {} : { retryable: false }),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    cause: e,
  });
}
