import { STATUS_CODES } from 'node:http';
import {
  GenAiError,
  isGenAiError,
  kindFromStatus,
  looksLikeContextLength,
  networkError,
  retryAfterFromHeaders,
} from '../../errors.js';
import type { ErrorKind } from '../../types.js';
import {
  azureIdentityErrorName,
  missingCredentialsError,
  refusedCredentialsMessage,
} from '../shared/credentials.js';

interface AzureErrorBody {
  readonly error?: {
    readonly code?: string;
    readonly message?: string;
    readonly innererror?: { readonly code?: string };
  };
  readonly message?: string;
}

/** Maps an unexpected Azure AI inference response (status, headers, JSON body) to a GenAiError. */
export function azureResponseError(
  status: number,
  headers: Readonly<Record<string, string | string[] | undefined>> | undefined,
  body: unknown,
): GenAiError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as AzureErrorBody;
  const code = b.error?.code ?? b.error?.innererror?.code;
  const message =
    b.error?.message ?? b.message ?? (typeof body === 'string' && body ? body : `HTTP ${status}`);
  const retryAfterMs = retryAfterFromHeaders(headers);
  let kind: ErrorKind = kindFromStatus(status);
  const innerCode = b.error?.innererror?.code;
  if (
    code === 'content_filter' ||
    innerCode === 'ResponsibleAIPolicyViolation' ||
    /content (?:management )?(?:filter|policy)/i.test(message)
  ) {
    kind = 'content-filter';
  } else if (
    code === 'context_length_exceeded' ||
    (kind === 'invalid-request' && looksLikeContextLength(message))
  ) {
    kind = 'context-length';
  } else if (code === 'DeploymentNotFound' || code === 'unknown_model') {
    kind = 'not-found';
  }
  // Worded like the AWS errors (`bedrock ThrottlingException (HTTP 429)`). Azure's throttling body repeats the
  // status as its code (`{"error":{"code":"429"}}`): the status text names it then.
  const name = code && code !== String(status) ? code : (STATUS_CODES[status] ?? 'error');
  const what = `azure ${name} (HTTP ${status})`;
  return new GenAiError(kind === 'auth' ? refusedCredentialsMessage('azure', what) : what, {
    kind,
    provider: 'azure',
    status,
    providerMessage: message,
    ...(code ? { code } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/** Maps an error thrown by the Azure pipeline (connection failures, RestError) to a GenAiError. */
export function mapAzureError(e: unknown): GenAiError {
  if (isGenAiError(e)) return e;
  // DefaultAzureCredential found no identity, or Entra ID refused the token request: before any API call.
  const identityError = azureIdentityErrorName(e);
  if (identityError) return missingCredentialsError('azure', e, identityError);
  const net = networkError(e, 'azure');
  if (net) return net;
  const err = e as {
    statusCode?: number;
    message?: string;
    name?: string;
    code?: string;
    response?: { headers?: { toJSON?: () => Record<string, string> } };
  };
  if (typeof err?.statusCode === 'number') {
    const error = azureResponseError(err.statusCode, err.response?.headers?.toJSON?.(), {
      message: err.message,
    });
    return new GenAiError(error.message, { ...error, kind: error.kind, cause: e });
  }
  if (err?.code === 'REQUEST_SEND_ERROR') {
    return new GenAiError(`connection to azure failed: ${err.message}`, {
      kind: 'unavailable',
      provider: 'azure',
      code: err.code,
      cause: e,
    });
  }
  return new GenAiError(`azure call failed: ${err?.message ?? String(e)}`, {
    kind: 'unavailable',
    retryable: false,
    provider: 'azure',
    cause: e,
  });
}
