import { HttpError } from '../errors.js';

/**
 * The vector store API's errors, each saying what was asked, what exists and what to do. Another key's file or
 * store is indistinguishable from a missing one (404), so ids cannot be probed across keys.
 */

const shown = (id: string) => JSON.stringify(id.slice(0, 80));

export function fileNotFound(id: string, param = 'file_id'): HttpError {
  return new HttpError(
    404,
    `no file ${shown(id)} for this API key: upload it with POST /v1/files (purpose "assistants") and use the id it returns`,
    { param, code: 'file_not_found' },
  );
}

export function storeNotFound(id: string, param = 'vector_store_id'): HttpError {
  return new HttpError(
    404,
    `no vector store ${shown(id)} for this API key: create one with POST /v1/vector_stores, or list yours with GET /v1/vector_stores`,
    { param, code: 'vector_store_not_found' },
  );
}

export function storeFileNotFound(storeId: string, fileId: string): HttpError {
  return new HttpError(
    404,
    `the file ${shown(fileId)} is not attached to the vector store ${shown(storeId)}: attach it with POST /v1/vector_stores/${storeId.slice(0, 80)}/files`,
    { param: 'file_id', code: 'vector_store_file_not_found' },
  );
}

export function vectorStoresOff(): HttpError {
  return new HttpError(
    404,
    'the vector store API is off on this gateway: its configuration has no vectorStore (ask its operator to set config.vectorStore)',
    { code: 'vector_stores_disabled' },
  );
}

/** What the front needs of a GenAiError from the retrieval module (structural, like middleware/errors.ts). */
interface IndexError {
  readonly kind: string;
  readonly message: string;
  readonly retryAfterMs?: number;
}

const isIndexError = (e: unknown): e is IndexError =>
  e instanceof Error && typeof (e as { kind?: unknown }).kind === 'string';

/**
 * An index failure as the caller's answer. Bad input (a filter the engine cannot express, say) keeps the module's
 * message, which names the field and the rule; the engine's own failures get a message about the gateway, since
 * the caller cannot fix our engine. Anything else is left to the front's error handler.
 */
export function fromIndexError(e: unknown, engine: string, param: string | null = null): unknown {
  if (!isIndexError(e)) return e;
  switch (e.kind) {
    case 'invalid-request':
      return new HttpError(400, e.message, { param, code: 'invalid_value', cause: e });
    case 'auth':
      return new HttpError(
        502,
        `the gateway could not authenticate to its vector store (${engine}); contact its operator`,
        { code: 'vector_store_auth_error', cause: e },
      );
    case 'throttled':
      return new HttpError(
        429,
        `the vector store (${engine}) is throttling; retry after the Retry-After delay`,
        {
          code: 'vector_store_throttled',
          headers: { 'retry-after': String(Math.max(1, Math.ceil((e.retryAfterMs ?? 1000) / 1000))) },
          cause: e,
        },
      );
    case 'aborted':
      return e;
    default:
      return new HttpError(503, `the vector store (${engine}) is unavailable; retry later`, {
        code: 'vector_store_unavailable',
        headers: { 'retry-after': '5' },
        cause: e,
      });
  }
}
