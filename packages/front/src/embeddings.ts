import { type Catalog, type CatalogEntry, estimateTokens } from './catalog.js';
import type { EmbedRequest, EmbedResult } from './client.js';
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

/** A vector as OpenAI's base64 form: little-endian float32 bytes. */
export function toBase64(vector: readonly number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) buf.writeFloatLE(vector[i]!, i * 4);
  return buf.toString('base64');
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

const encoder = new TextEncoder();
/** Vectors encoded per slice of the streamed list: small enough that /health answers between slices. */
const SLICE = 32;

/**
 * `embeddingsList` as a stream of bytes, encoded a slice of vectors at a time, yielding to the event loop
 * between slices: a list of thousands of vectors (tens of MB of JSON) is never built whole, and other
 * requests (/health included) are answered while it is written. The bytes are `JSON.stringify(embeddingsList(...))`.
 */
export function embeddingsListStream(
  result: EmbedResult,
  encoding: 'float' | 'base64',
  onEnd: () => void = () => {},
): ReadableStream<Uint8Array> {
  const { embeddings } = result;
  let next = 0;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encoder.encode('{"object":"list","data":['));
      },
      async pull(controller) {
        if (next > 0) await new Promise((r) => setImmediate(r));
        const stop = Math.min(embeddings.length, next + SLICE);
        let text = '';
        for (let index = next; index < stop; index++) {
          const vector = embeddings[index]!;
          const embedding = encoding === 'base64' ? toBase64(vector) : vector;
          text += `${index > 0 ? ',' : ''}${JSON.stringify({ object: 'embedding', index, embedding })}`;
        }
        next = stop;
        if (next >= embeddings.length) {
          const usage = { prompt_tokens: result.usage.inputTokens, total_tokens: result.usage.inputTokens };
          text += `],"model":${JSON.stringify(`${result.provider}/${result.model}`)},"usage":${JSON.stringify(usage)}}`;
          controller.enqueue(encoder.encode(text));
          controller.close();
          end();
          return;
        }
        controller.enqueue(encoder.encode(text));
      },
      cancel: end,
    },
    // One slice at a time: the next is encoded only once the runtime has taken the previous one.
    { highWaterMark: 1 },
  );
}
