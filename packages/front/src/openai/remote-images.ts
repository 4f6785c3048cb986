import type { ContentPart, ImageMediaType, Message } from '../client.js';
import { HttpError } from '../errors.js';
import type { RemoteImage } from './chat-request.js';

const MEDIA_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** Limits of fetching images from the configuration's allowed hosts. */
export interface RemoteImageLimits {
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

/**
 * Fetches the images given by an allowed remote URL and puts them in the client request's messages in place
 * of their placeholders. Redirects are not followed (a redirect could lead to any host), the size is counted
 * as the bytes arrive, and the whole fetch is bounded in time and by the caller's signal.
 */
export async function fetchRemoteImages(
  messages: readonly Message[],
  remote: readonly RemoteImage[],
  limits: RemoteImageLimits,
  signal?: AbortSignal,
): Promise<Message[]> {
  const out = messages.slice();
  const fetched = await Promise.all(remote.map((r) => fetchImage(r, limits, signal)));
  remote.forEach((r, i) => {
    const m = out[r.message];
    if (m?.role !== 'user' || typeof m.content === 'string') return;
    const content: ContentPart[] = m.content.slice();
    content[r.part] = fetched[i]!;
    out[r.message] = { ...m, content };
  });
  return out;
}

async function fetchImage(
  r: RemoteImage,
  limits: RemoteImageLimits,
  signal?: AbortSignal,
): Promise<ContentPart> {
  const fail = (why: string) =>
    new HttpError(400, `invalid ${r.param}: the image at ${r.url.host} could not be used: ${why}`, {
      param: r.param,
      code: 'invalid_image_url',
    });
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  let response: Response;
  try {
    response = await fetch(r.url, {
      redirect: 'manual',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch {
    throw fail(timeout.aborted ? `no answer within ${limits.timeoutMs} ms` : 'the host could not be reached');
  }
  if (response.status !== 200) {
    void response.body?.cancel();
    throw fail(
      `it answered HTTP ${response.status}${response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : ''}`,
    );
  }
  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!MEDIA_TYPES.has(mediaType)) {
    void response.body?.cancel();
    throw fail(`expected a PNG, JPEG, GIF or WebP image; got content-type "${mediaType.slice(0, 40)}"`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      throw fail(timeout.aborted ? `not read within ${limits.timeoutMs} ms` : 'the transfer failed');
    });
    if (done) break;
    size += value.byteLength;
    if (size > limits.maxBytes) {
      void reader.cancel().catch(() => {});
      throw fail(`larger than ${limits.maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return {
    type: 'image',
    mediaType: mediaType as ImageMediaType,
    data: Buffer.concat(chunks).toString('base64'),
  };
}
