import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import type { AppEnv } from '../context.js';
import { fromUpstreamError, HttpError, internalError } from '../errors.js';
import { redactSecrets } from '../logger.js';

/** Every error leaves in OpenAI's shape; the original stays on the request for the log line. */
export const onError: ErrorHandler<AppEnv> = (e, c: Context<AppEnv>) => {
  const info = c.get('info');
  const requestId = c.get('requestId') ?? 'unknown';
  const err = toHttpError(e, info?.model ?? 'unknown', requestId, info?.messageIndex);
  if (info) info.error = e;
  for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
  return c.json(err.toBody(), err.status as never);
};

export const notFound: NotFoundHandler<AppEnv> = (c) => {
  const err = new HttpError(404, `no route ${c.req.method} ${c.req.path}; see packages/front/README.md`, {
    code: 'unknown_url',
  });
  return c.json(err.toBody(), 404);
};

function isUpstreamError(e: unknown): e is Parameters<typeof fromUpstreamError>[0] {
  return (
    typeof e === 'object' &&
    e !== null &&
    e instanceof Error &&
    typeof (e as { kind?: unknown }).kind === 'string'
  );
}

/** Ours as they are, the client's mapped to OpenAI's statuses and codes, anything else a 500 naming the request id. */
export function toHttpError(
  e: unknown,
  model: string,
  requestId: string,
  messageIndex?: readonly number[],
): HttpError {
  if (e instanceof HttpError) return e;
  if (isUpstreamError(e)) return fromUpstreamError(e, model, messageIndex, requestId);
  return internalError(requestId, e);
}

/**
 * The fields of an error worth a log line (no stack, no request or response bodies). A provider's own text is
 * kept, redacted (ARNs, account ids, hosts, addresses, key=value secrets): it is what the operator needs to
 * answer a caller who quotes the request id.
 */
export function errSummary(e: unknown) {
  const err = e as {
    name?: string;
    message?: string;
    kind?: string;
    status?: number;
    code?: string;
    provider?: string;
    providerMessage?: string;
  };
  return {
    name: err?.name,
    message: err?.message === undefined ? undefined : redactSecrets(err.message),
    kind: err?.kind,
    status: err?.status,
    code: err?.code,
    provider: err?.provider,
    providerMessage: err?.providerMessage === undefined ? undefined : redactSecrets(err.providerMessage),
  };
}
