import { LOWER_THREAD_PRIORITY, SharedWorkerThread } from '@genai-deploy/client/internal';

/**
 * Vectors' JSON written by a worker thread. Turning numbers into text is most of the cost of a large embeddings
 * list: 2,048 vectors of 768 floats are ~33 MB of JSON and ~200-400 ms of `JSON.stringify` on this repository's
 * benchmark host, plus as many MB of strings for the collector. On the event loop, even a slice at a time, that
 * held /health (issue 19 item 4: p99 148 ms under two such requests). Here the loop only copies each batch of
 * vectors into a Float64Array (~5 ns a number) and hands it over; the thread sends back the batch's bytes.
 */

/** Lists of at least this many numbers (~21 vectors of 768) are encoded off the loop; smaller ones inline. */
export const OFF_THREAD_NUMBERS = 16_384;

/** Numbers per batch sent to the thread (64 vectors of 768: ~1 MB of JSON, ~10 ms of the thread's time). */
export const BATCH_NUMBERS = 49_152;

/**
 * The JSON of the list items `from`..`from + lengths.length - 1`, each preceded by a comma unless it is item 0:
 * `,{"object":"embedding","index":i,"embedding":[...] or "base64"}`. Shared word for word by the inline path
 * and the thread (whose source is this function's text), so both write the same bytes.
 */
function encodeItems(
  values: Float64Array,
  lengths: ArrayLike<number>,
  from: number,
  encoding: 'float' | 'base64',
): string {
  let text = '';
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    const length = lengths[i]!;
    let embedding: string;
    if (encoding === 'base64') {
      // OpenAI's base64 form: little-endian float32 bytes, whatever the host's byte order.
      const bytes = new DataView(new ArrayBuffer(length * 4));
      for (let j = 0; j < length; j++) bytes.setFloat32(j * 4, values[at + j]!, true);
      embedding = `"${Buffer.from(bytes.buffer).toString('base64')}"`;
    } else {
      // A finite double prints the same through join as through JSON.stringify (both the shortest round-trip
      // form; -0 as 0), and a Float64Array joins without a copy into a number[] (~20% less than copy and
      // stringify). NaN and the infinities, which JSON writes as null, take JSON.stringify.
      const vector = values.subarray(at, at + length);
      let finite = true;
      for (let j = 0; j < length; j++) {
        const x = vector[j]!;
        if (x - x !== 0) {
          finite = false;
          break;
        }
      }
      embedding = finite ? `[${vector.join(',')}]` : JSON.stringify(Array.from(vector));
    }
    const index = from + i;
    text += `${index > 0 ? ',' : ''}{"object":"embedding","index":${index},"embedding":${embedding}}`;
    at += length;
  }
  return text;
}

/**
 * Copies `vectors` into one Float64Array with their lengths; undefined when a component is not a number (JSON
 * writes such a value differently from the number a Float64Array would hold: that batch is encoded inline).
 */
function pack(
  vectors: readonly (readonly number[])[],
): { values: Float64Array<ArrayBuffer>; lengths: Uint32Array<ArrayBuffer> } | undefined {
  const lengths = new Uint32Array(new ArrayBuffer(vectors.length * 4));
  let total = 0;
  for (let i = 0; i < vectors.length; i++) {
    lengths[i] = vectors[i]!.length;
    total += vectors[i]!.length;
  }
  const values = new Float64Array(new ArrayBuffer(total * 8));
  let at = 0;
  for (const vector of vectors) {
    for (let j = 0; j < vector.length; j++) {
      const x = vector[j];
      if (typeof x !== 'number') return undefined;
      values[at++] = x;
    }
  }
  return { values, lengths };
}

const WORKER_SOURCE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
const encodeItems = ${encodeItems.toString()};
${LOWER_THREAD_PRIORITY}
const encoder = new TextEncoder();
parentPort.on('message', ({ id, values, lengths, from, encoding }) => {
  let out;
  try {
    const bytes = encoder.encode(encodeItems(values, lengths, from, encoding));
    out = { id, bytes };
  } catch (e) {
    out = { id, error: String(e) };
  }
  parentPort.postMessage(out, out.bytes ? [out.bytes.buffer] : []);
});
`;

type Answer = { id: number; bytes: Uint8Array } | { id: number; error: string };

const thread = new SharedWorkerThread<
  {
    values: Float64Array<ArrayBuffer>;
    lengths: Uint32Array<ArrayBuffer>;
    from: number;
    encoding: 'float' | 'base64';
  },
  Answer
>(WORKER_SOURCE, 'embeddings encoder');
const utf8 = new TextEncoder();

/** The list items of `vectors` (the first is item `from`) as bytes, encoded on the event loop. */
export function encodeItemsInline(
  vectors: readonly (readonly number[])[],
  from: number,
  encoding: 'float' | 'base64',
): Uint8Array {
  const packed = pack(vectors);
  if (packed) return utf8.encode(encodeItems(packed.values, packed.lengths, from, encoding));
  // A vector holding something other than numbers: what JSON.stringify of the list would write.
  let text = '';
  vectors.forEach((vector, i) => {
    const index = from + i;
    const embedding = encoding === 'base64' ? JSON.stringify(toBase64(vector)) : JSON.stringify(vector);
    text += `${index > 0 ? ',' : ''}{"object":"embedding","index":${index},"embedding":${embedding}}`;
  });
  return utf8.encode(text);
}

/** The list items of `vectors` as bytes, encoded by the shared thread (inline if it cannot take them). */
export async function encodeItemsOffThread(
  vectors: readonly (readonly number[])[],
  from: number,
  encoding: 'float' | 'base64',
): Promise<Uint8Array> {
  const packed = pack(vectors);
  if (!packed) return encodeItemsInline(vectors, from, encoding);
  const { values, lengths } = packed;
  const answer = await thread
    .call({ values, lengths, from, encoding }, [values.buffer, lengths.buffer])
    .catch(() => undefined);
  return answer && 'bytes' in answer ? answer.bytes : encodeItemsInline(vectors, from, encoding);
}

/** A vector as OpenAI's base64 form: little-endian float32 bytes. */
export function toBase64(vector: readonly number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) buf.writeFloatLE(vector[i]!, i * 4);
  return buf.toString('base64');
}
