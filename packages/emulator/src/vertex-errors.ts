import type { Exchange } from './exchange.js';
import type { FaultRule } from './types.js';

/** Vertex AI errors: google.rpc.Status as JSON (`{ "error": { code, message, status, details } }`). */

export const RPC_CODES: Readonly<Record<string, number>> = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
};

const HTTP_OF_STATUS: Readonly<Record<string, number>> = {
  CANCELLED: 499,
  UNKNOWN: 500,
  INVALID_ARGUMENT: 400,
  DEADLINE_EXCEEDED: 504,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  RESOURCE_EXHAUSTED: 429,
  FAILED_PRECONDITION: 400,
  ABORTED: 409,
  OUT_OF_RANGE: 400,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DATA_LOSS: 500,
  UNAUTHENTICATED: 401,
};

const STATUS_OF_HTTP: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const MESSAGES: Readonly<Record<string, string>> = {
  RESOURCE_EXHAUSTED:
    'Resource exhausted. Please try again later. Please refer to https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.',
  UNAVAILABLE: 'The service is currently unavailable.',
  INTERNAL: 'Internal error encountered.',
  DEADLINE_EXCEEDED: 'Deadline exceeded.',
  INVALID_ARGUMENT: 'Request contains an invalid argument.',
  PERMISSION_DENIED: 'Permission denied on resource (or it may not exist).',
  NOT_FOUND: 'The requested resource was not found.',
};

/** A protobuf Duration in JSON: "1s", "1.500s". */
export function duration(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  return Number.isInteger(seconds) ? `${seconds}s` : `${seconds.toFixed(3).replace(/0+$/, '')}s`;
}

export interface VertexError {
  readonly httpStatus: number;
  readonly body: { error: { code: number; message: string; status: string; details?: unknown[] } };
}

export function vertexError(status: string, message: string, retryAfterMs?: number): VertexError {
  const httpStatus = HTTP_OF_STATUS[status] ?? 500;
  const error: VertexError['body']['error'] = { code: httpStatus, message, status };
  if (retryAfterMs !== undefined)
    error.details = [
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: duration(retryAfterMs) },
    ];
  return { httpStatus, body: { error } };
}

/** `status` alone picks the natural error; 429 always carries RetryInfo (1 s unless retryAfterMs says otherwise). */
export function vertexFaultError(rule: FaultRule): VertexError {
  const status =
    rule.errorType !== undefined && rule.errorType in RPC_CODES
      ? rule.errorType
      : (STATUS_OF_HTTP[rule.status ?? 500] ??
        (rule.status !== undefined && rule.status < 500 ? 'FAILED_PRECONDITION' : 'INTERNAL'));
  const retry = rule.retryAfterMs ?? (status === 'RESOURCE_EXHAUSTED' ? 1000 : undefined);
  const err = vertexError(status, rule.message ?? MESSAGES[status] ?? `${status}: injected fault`, retry);
  return rule.status === undefined
    ? err
    : { httpStatus: rule.status, body: { error: { ...err.body.error, code: rule.status } } };
}

export function sendVertexError(ex: Exchange, err: VertexError, asArray = false): void {
  ex.json(err.httpStatus, asArray ? [err.body] : err.body, { vary: 'Origin, X-Origin, Referer' });
}

export function invalidArgument(ex: Exchange, message: string, asArray = false): void {
  sendVertexError(ex, vertexError('INVALID_ARGUMENT', message), asArray);
}

/** Bearer token required; Google's front end answers 401 UNAUTHENTICATED otherwise. */
export function checkBearer(ex: Exchange): boolean {
  const auth = ex.header('authorization');
  if (auth !== undefined && /^Bearer \S+$/.test(auth)) return true;
  const message =
    auth === undefined
      ? 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.'
      : 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
  sendVertexError(ex, vertexError('UNAUTHENTICATED', message));
  return false;
}
