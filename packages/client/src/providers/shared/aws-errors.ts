import {
  GenAiError,
  isGenAiError,
  kindFromStatus,
  looksLikeContextLength,
  networkError,
  retryAfterFromHeaders,
} from '../../errors.js';
import type { ErrorKind } from '../../types.js';
import { missingCredentialsError, refusedCredentialsMessage } from './credentials.js';

/** Error mapping shared by the Bedrock and SageMaker runtime clients (AWS SDK v3 service exceptions). */

interface AwsServiceError {
  readonly name?: string;
  readonly message?: string;
  readonly $fault?: 'client' | 'server';
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $response?: { readonly statusCode?: number; readonly headers?: Record<string, string> };
  /** Bedrock ModelErrorException / ModelStreamErrorException. */
  readonly originalStatusCode?: number;
  /** SageMaker ModelError. */
  readonly OriginalStatusCode?: number;
  readonly OriginalMessage?: string;
  readonly originalMessage?: string;
}

const BY_NAME: Readonly<Record<string, { kind: ErrorKind; retryable?: boolean }>> = {
  ThrottlingException: { kind: 'throttled' },
  TooManyRequestsException: { kind: 'throttled' },
  // A quota (tokens per day, account limit): waiting seconds will not fix it, but another target might.
  ServiceQuotaExceededException: { kind: 'throttled', retryable: false },
  ModelNotReadyException: { kind: 'unavailable' },
  ServiceUnavailableException: { kind: 'unavailable' },
  ServiceUnavailable: { kind: 'unavailable' },
  InternalServerException: { kind: 'unavailable' },
  InternalFailure: { kind: 'unavailable' },
  InternalDependencyException: { kind: 'unavailable' },
  InternalStreamFailure: { kind: 'unavailable' },
  ModelTimeoutException: { kind: 'timeout' },
  ValidationException: { kind: 'invalid-request' },
  ValidationError: { kind: 'invalid-request' },
  SerializationException: { kind: 'invalid-request' },
  AccessDeniedException: { kind: 'auth' },
  UnrecognizedClientException: { kind: 'auth' },
  InvalidSignatureException: { kind: 'auth' },
  IncompleteSignatureException: { kind: 'auth' },
  MissingAuthenticationTokenException: { kind: 'auth' },
  ExpiredTokenException: { kind: 'auth' },
  ExpiredToken: { kind: 'auth' },
  ResourceNotFoundException: { kind: 'not-found' },
};

/** Maps an AWS SDK error (or a connection failure) to a GenAiError. */
export function mapAwsError(e: unknown, provider: 'bedrock' | 'sagemaker'): GenAiError {
  if (isGenAiError(e)) return e;
  const err = (e ?? {}) as AwsServiceError;
  // The default chain found no credentials (or a profile's source failed): the call never left the process.
  if (err.name === 'CredentialsProviderError' || err.name === 'TokenProviderError') {
    return missingCredentialsError(provider, e, err.name);
  }
  const net = networkError(e, provider);
  if (net) return net;
  const name = err.name ?? 'Error';
  const message = err.message ?? String(e);
  // Exceptions inside an event stream carry the stream's 200: not an error status.
  const rawStatus = err.$metadata?.httpStatusCode ?? err.$response?.statusCode;
  const status = rawStatus !== undefined && rawStatus >= 400 ? rawStatus : undefined;
  const retryAfterMs = retryAfterFromHeaders(err.$response?.headers);
  const common = {
    provider,
    code: name,
    cause: e,
    ...(status !== undefined ? { status } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };

  const original = err.originalStatusCode ?? err.OriginalStatusCode;
  if (
    name === 'ModelError' ||
    name === 'ModelErrorException' ||
    name === 'ModelStreamErrorException' ||
    name === 'ModelStreamError'
  ) {
    // The container's own status decides: its 5xx and 429 are worth retrying, its 4xx are the request's fault.
    const originalMessage = err.OriginalMessage ?? err.originalMessage;
    const detail = `${message}${originalMessage && !message.includes(originalMessage) ? ` (${originalMessage})` : ''}`;
    const ours = `${provider} ${name}: the model's container answered${original !== undefined ? ` ${original}` : ' with an error'}`;
    if (original !== undefined && original >= 400 && original < 500 && original !== 429 && original !== 408) {
      const kind = looksLikeContextLength(detail) ? 'context-length' : 'invalid-request';
      return new GenAiError(ours, { ...common, kind, retryable: false, providerMessage: detail });
    }
    const kind: ErrorKind = original === 429 ? 'throttled' : 'model-error';
    return new GenAiError(ours, {
      ...common,
      kind,
      retryable: original === undefined || original >= 500 || original === 429 || original === 408,
      providerMessage: detail,
    });
  }

  const known = BY_NAME[name];
  let kind: ErrorKind = known?.kind ?? (err.$fault === 'server' ? 'unavailable' : kindFromStatus(status));
  // A 4xx under a server-side name (an InternalFailure answering 403, say) is about the request or our
  // credentials, not an outage: the status decides, so a misconfiguration is not hidden behind "unavailable".
  if (kind === 'unavailable' && status !== undefined && status < 500 && status !== 408 && status !== 429) {
    kind = kindFromStatus(status);
  }
  if (kind === 'invalid-request' && looksLikeContextLength(message)) kind = 'context-length';
  // SageMaker answers a missing endpoint with a 400 ValidationError.
  if (
    kind === 'invalid-request' &&
    /endpoint .* (?:not found|does not exist)|could not find endpoint/i.test(message)
  ) {
    kind = 'not-found';
  }
  const what = `${provider} ${name}${status !== undefined ? ` (HTTP ${status})` : ''}`;
  return new GenAiError(kind === 'auth' ? refusedCredentialsMessage(provider, what) : what, {
    ...common,
    kind,
    ...(known?.retryable !== undefined ? { retryable: known.retryable } : {}),
    providerMessage: message,
  });
}
