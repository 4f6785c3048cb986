import type { HonoRequest, MiddlewareHandler } from 'hono';
import type { AppEnv, FrontState } from '../context.js';
import { HttpError } from '../errors.js';
import { takeLimits } from '../middleware/admission.js';
import { vectorStoresOff } from './errors.js';
import type { VectorStoreService } from './service.js';

/** HTTP helpers shared by routes/files.ts and routes/vector-stores.ts. */

/** The `endpoint` label of the request's metrics and log line (a closed set: `files` or `vector_stores`). */
export function endpointLabel(endpoint: 'files' | 'vector_stores'): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.get('info').endpoint = endpoint;
    await next();
  };
}

/** The service, or the 404 that says the API is off on this gateway. */
export function required(service: VectorStoreService | undefined): VectorStoreService {
  if (!service) throw vectorStoresOff();
  return service;
}

/**
 * Counts a request that does not go through `admission` (a multipart upload, a DELETE) against the key's
 * requests/min, and takes one unit of in-flight work; the returned function gives the unit back.
 */
export async function countRequest(
  front: Pick<FrontState, 'config' | 'limits' | 'metrics' | 'work'>,
  key: string,
): Promise<() => void> {
  await takeLimits(front, key, 0);
  return front.work.acquire(key, 1);
}

/** Room for the multipart framing and the `purpose` field around the file itself. */
const MULTIPART_OVERHEAD = 64 * 1024;

/**
 * A multipart body read within `maxFileBytes` (plus framing): refused from its Content-Length when declared, else
 * counted as it arrives and cut at the bound. Parsed by the runtime's FormData (undici's), not by hand.
 */
export async function readMultipart(
  req: Pick<HonoRequest, 'header' | 'raw'>,
  maxFileBytes: number,
): Promise<FormData> {
  const type = req.header('content-type') ?? '';
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw new HttpError(
      415,
      `unsupported content type ${type ? JSON.stringify(type.slice(0, 100)) : '(none sent)'}: upload the file as multipart/form-data with the fields "file" and "purpose"`,
      { code: 'unsupported_media_type' },
    );
  }
  const max = maxFileBytes + MULTIPART_OVERHEAD;
  const declared = Number(req.header('content-length') ?? Number.NaN);
  if (declared > max) throw tooLarge(maxFileBytes);
  const bytes = await readBounded(req.raw.body, max, maxFileBytes);
  try {
    return await new Response(bytes, { headers: { 'content-type': type } }).formData();
  } catch (e) {
    throw new HttpError(
      400,
      'the multipart body could not be parsed; send multipart/form-data with a "file" part',
      {
        code: 'invalid_body',
        cause: e,
      },
    );
  }
}

async function readBounded(
  body: ReadableStream<Uint8Array> | null,
  max: number,
  maxFileBytes: number,
): Promise<Uint8Array> {
  if (!body) return new Uint8Array();
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        void reader.cancel().catch(() => {});
        throw tooLarge(maxFileBytes);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof HttpError) throw e;
    throw new HttpError(400, 'the request body was cut off before its end; send it whole', {
      code: 'incomplete_body',
      cause: e,
    });
  }
  return Buffer.concat(chunks);
}

export function tooLarge(maxFileBytes: number): HttpError {
  return new HttpError(
    413,
    `the file is larger than ${maxFileBytes} bytes, the largest this gateway accepts (config.vectorStore.maxFileBytes); split it into smaller files`,
    { param: 'file', code: 'file_too_large' },
  );
}
