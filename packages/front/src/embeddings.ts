import { type Catalog, type CatalogEntry, estimateTokens } from './catalog.js';
import type { EmbedRequest, EmbedResult } from './client.js';
import {
  BATCH_NUMBERS,
  encodeItemsInline,
  encodeItemsOffThread,
  OFF_THREAD_NUMBERS,
  toBase64,
} from './embeddings-encoder.js';
import { HttpError } from './errors.js';
import { type EmbeddingsRequest, embeddingsRequestSchema, parseBody } from './openai-schema.js';

export interface PreparedEmbeddings {
  readonly body: EmbeddingsRequest;
  readonly entry: CatalogEntry;
  readonly request: Omit<EmbedRequest, 'signal'>;
  readonly estimatedInputTokens: number;
  readonly encoding: 'float' | 'base64';
}

/** Validates an OpenAI embeddings request and maps it onto the client's `embed`. */
export function prepareEmbeddings(raw: unknown, catalog: Catalog): PreparedEmbeddings {
  const body = parseBody(embeddingsRequestSchema, raw);
  const entry = catalog.resolve(body.model, 'embedding');
  const inputs = typeof body.input === 'string' ? [body.input] : body.input;
  const estimates = inputs.map(estimateTokens);
  if (entry.maxInputTokens !== undefined) {
    const i = estimates.findIndex((n) => n > entry.maxInputTokens!);
    if (i >= 0) {
      const param = typeof body.input === 'string' ? 'input' : `input[${i}]`;
      throw new HttpError(
        400,
        `${param} is about ${estimates[i]} tokens; the model ${entry.name} accepts at most ${entry.maxInputTokens} per input ` +
          'on this gateway. Split the text.',
        { param, code: 'context_length_exceeded' },
      );
    }
  }
  return {
    body,
    entry,
    request: {
      model: body.model,
      input: inputs,
      ...(body.dimensions !== undefined ? { dimensions: body.dimensions } : {}),
      ...(body.input_type !== undefined ? { inputType: body.input_type } : {}),
    },
    estimatedInputTokens: estimates.reduce((a, b) => a + b, 0),
    encoding: body.encoding_format ?? 'float',
  };
}

/** OpenAI's embeddings `list` object. `model` is the model that answered. */
export function embeddingsList(result: EmbedResult, encoding: 'float' | 'base64') {
  return {
    object: 'list' as const,
    data: result.embeddings.map((v, index) => ({
      object: 'embedding' as const,
      index,
      embedding: encoding === 'base64' ? toBase64(v) : v,
    })),
    model: `${result.provider}/${result.model}`,
    usage: { prompt_tokens: result.usage.inputTokens, total_tokens: result.usage.inputTokens },
  };
}

const utf8 = new TextEncoder();
/** How long one inline slice may hold the event loop before the stream yields. */
const SLICE_MS = 4;

/**
 * `embeddingsList` as a stream of bytes, written a batch of vectors at a time: a list of thousands of vectors (tens
 * of MB of JSON) is never built whole, and other requests (/health included) are answered while it is written.
 * A list of at least OFF_THREAD_NUMBERS numbers is encoded by a worker thread (embeddings-encoder.ts), two batches
 * ahead of the socket; a smaller one on the loop, yielding every SLICE_MS. The bytes are
 * `JSON.stringify(embeddingsList(...))`.
 */
export function embeddingsListStream(
  result: EmbedResult,
  encoding: 'float' | 'base64',
  onEnd: () => void = () => {},
): ReadableStream<Uint8Array> {
  const { embeddings } = result;
  let numbers = 0;
  for (const vector of embeddings) numbers += vector.length;
  const offThread = numbers >= OFF_THREAD_NUMBERS;
  let next = 0;
  const ahead: Promise<Uint8Array>[] = [];
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  const trailer = () => {
    const usage = { prompt_tokens: result.usage.inputTokens, total_tokens: result.usage.inputTokens };
    return utf8.encode(
      `],"model":${JSON.stringify(`${result.provider}/${result.model}`)},"usage":${JSON.stringify(usage)}}`,
    );
  };
  /** The next batch of at most BATCH_NUMBERS numbers (at least one vector), sent to the thread. */
  const sendBatch = () => {
    const from = next;
    let size = 0;
    do size += embeddings[next++]!.length;
    while (next < embeddings.length && size + embeddings[next]!.length <= BATCH_NUMBERS);
    ahead.push(encodeItemsOffThread(embeddings.slice(from, next), from, encoding));
  };
  /** Vectors encoded on the loop until SLICE_MS have passed (at least one). */
  const inlineSlice = () => {
    const started = performance.now();
    const chunks: Uint8Array[] = [];
    do {
      const from = next;
      next = Math.min(embeddings.length, next + 8);
      chunks.push(encodeItemsInline(embeddings.slice(from, next), from, encoding));
    } while (next < embeddings.length && performance.now() - started < SLICE_MS);
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(utf8.encode('{"object":"list","data":['));
      },
      async pull(controller) {
        let bytes: Uint8Array | undefined;
        if (offThread) {
          while (ahead.length < 2 && next < embeddings.length) sendBatch();
          bytes = await ahead.shift();
        } else if (next < embeddings.length) {
          if (next > 0) await new Promise((r) => setImmediate(r));
          bytes = inlineSlice();
        }
        if (ended) return; // cancelled while the batch was encoded
        if (bytes) controller.enqueue(bytes);
        if (next >= embeddings.length && ahead.length === 0) {
          controller.enqueue(trailer());
          controller.close();
          end();
        }
      },
      cancel: end,
    },
    // One chunk at a time: the next is taken only once the runtime has written the previous one.
    { highWaterMark: 1 },
  );
}
