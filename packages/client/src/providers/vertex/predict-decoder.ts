import { GenAiError } from '../../errors.js';
import { numbersOf } from '../../vectors.js';
import { LOWER_THREAD_PRIORITY, SharedWorkerThread } from '../../worker-thread.js';

/** The embeddings of one `predict` answer: a vector and a token count per prediction. */
export interface DecodedPredictions {
  readonly embeddings: number[][];
  readonly inputTokens: number;
}

/**
 * Answers at least this large are decoded on a worker thread. A text-embedding `predict` of 250 texts at 768
 * dimensions is ~4 MB of JSON: `JSON.parse` holds the event loop ~20-40 ms for each, and a gateway receives
 * several at once (a 2,048-text request is 9 calls), so /health and every other request waited behind them
 * (issue 19: /health p99 193 ms under two such requests). Below this size the thread hop costs more than it saves.
 */
export const OFF_THREAD_BYTES = 256 * 1024;

/**
 * The worker's source, evaluated as a script (`eval: true`), so that it needs no file of its own: bundlers
 * (the Lambda front's esbuild step) and the published package carry it inside this module. It parses the
 * answer and sends back the vectors as one Float64Array (transferred, not copied) with each vector's length.
 */
const WORKER_SOURCE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
${LOWER_THREAD_PRIORITY}
const decoder = new TextDecoder();
parentPort.on('message', ({ id, bytes }) => {
  let out;
  try {
    const body = JSON.parse(decoder.decode(bytes));
    const predictions = body && body.predictions;
    if (!Array.isArray(predictions)) {
      out = { id, error: 'no-predictions' };
    } else {
      const lengths = new Uint32Array(predictions.length);
      let inputTokens = 0;
      let total = 0;
      const vectors = predictions.map((p, i) => {
        const e = (p && p.embeddings) || {};
        const v = e.values || (p && p.values) || [];
        inputTokens += Number((e.statistics && e.statistics.token_count) || 0);
        lengths[i] = v.length;
        total += v.length;
        return v;
      });
      const values = new Float64Array(total);
      let at = 0;
      let bad = false;
      for (const v of vectors) for (const x of v) { if (typeof x !== 'number') bad = true; values[at++] = x; }
      out = bad
        ? { id, error: 'not-numbers' }
        : { id, lengths, values, inputTokens };
    }
  } catch (e) {
    out = { id, error: 'not-json' };
  }
  parentPort.postMessage(out, out.values ? [out.lengths.buffer, out.values.buffer] : []);
});
`;

type WorkerAnswer =
  | { id: number; error: 'no-predictions' | 'not-numbers' | 'not-json' }
  | { id: number; lengths: Uint32Array; values: Float64Array; inputTokens: number };

const thread = new SharedWorkerThread<{ bytes: ArrayBuffer }, WorkerAnswer>(
  WORKER_SOURCE,
  'vertex predict decoder',
);

function malformed(model: string, what: string): GenAiError {
  return new GenAiError(
    `vertex predict on ${model} answered ${what}; expected { predictions: [{ embeddings: { values: [numbers] } }] }`,
    { kind: 'model-error', provider: 'vertex', retryable: false },
  );
}

function decodeInline(model: string, view: Uint8Array): DecodedPredictions {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(view));
  } catch {
    throw malformed(model, 'with a body that is not JSON');
  }
  return predictionsToEmbeddings(model, body);
}

/** The embeddings of parsed predictions (the inline path, and answers a test's auth client gives as objects). */
export function predictionsToEmbeddings(model: string, body: unknown): DecodedPredictions {
  const predictions = (body as { predictions?: unknown } | undefined)?.predictions;
  if (!Array.isArray(predictions)) throw malformed(model, 'without a predictions array');
  let inputTokens = 0;
  const embeddings = predictions.map((p) => {
    const value = (p ?? {}) as {
      embeddings?: { values?: number[]; statistics?: { token_count?: number } };
      values?: number[];
    };
    inputTokens += Number(value.embeddings?.statistics?.token_count ?? 0);
    return value.embeddings?.values ?? value.values ?? [];
  });
  return { embeddings, inputTokens };
}

/**
 * Decodes the body of a `predict` answer: bytes of at least OFF_THREAD_BYTES on the shared worker thread, smaller
 * ones inline; an already parsed object as is.
 */
export async function decodePredict(model: string, data: unknown): Promise<DecodedPredictions> {
  if (!(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data))
    return predictionsToEmbeddings(model, data);
  const view = ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
  if (view.byteLength < OFF_THREAD_BYTES) return decodeInline(model, view);
  // The bytes move to the worker (transferred): copy a view that shares a larger buffer first.
  const own =
    view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer
      ? view.buffer
      : view.slice().buffer;
  let answer: WorkerAnswer;
  try {
    answer = await thread.call({ bytes: own }, [own]);
  } catch (e) {
    // Refused before the bytes moved (the thread cannot start here): decoded on the loop instead.
    if (own.byteLength > 0) return decodeInline(model, view);
    throw new GenAiError(
      'the vertex predict decoder thread stopped while decoding an answer; retry the call',
      {
        kind: 'unavailable',
        provider: 'vertex',
        retryable: true,
        cause: e,
      },
    );
  }
  if ('error' in answer) {
    throw malformed(
      model,
      answer.error === 'not-json'
        ? 'with a body that is not JSON'
        : answer.error === 'not-numbers'
          ? 'with a vector that holds something other than numbers'
          : 'without a predictions array',
    );
  }
  const embeddings: number[][] = new Array(answer.lengths.length);
  let at = 0;
  for (let i = 0; i < answer.lengths.length; i++) {
    const length = answer.lengths[i]!;
    embeddings[i] = numbersOf(answer.values, at, length);
    at += length;
  }
  return { embeddings, inputTokens: answer.inputTokens };
}

/**
 * A REST error read as bytes (the call asks for an ArrayBuffer) carries its `{ error: ... }` body undecoded:
 * decode it in place so that the error mapping reads it as it reads any REST error.
 */
export function withDecodedErrorBody(e: unknown): unknown {
  const response = (e as { response?: { data?: unknown } } | undefined)?.response;
  const data = response?.data;
  if (response && (data instanceof ArrayBuffer || ArrayBuffer.isView(data))) {
    const bytes = ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);
    const text = new TextDecoder().decode(bytes);
    try {
      response.data = JSON.parse(text);
    } catch {
      response.data = text;
    }
  }
  return e;
}
