import { Worker } from 'node:worker_threads';

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
      // JSON.stringify of a plain array: a double prints the same from a Float64Array as from the number[].
      // Filled with a double first: unboxed doubles from the start, 2.4x faster than storing into holes.
      const vector: number[] = new Array(length).fill(0.5);
      for (let j = 0; j < length; j++) vector[j] = values[at + j]!;
      embedding = JSON.stringify(vector);
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
const { parentPort } = require('node:worker_threads');
const encodeItems = ${encodeItems.toString()};
// Below the event loop's priority (Linux: a thread's own nice value, +10): under CPU contention the bulk work
// here waits, not the loop's short tasks (/health among them); on an idle machine it runs as fast as before.
try {
  const os = require('node:os');
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  os.setPriority(tid, Math.min(19, os.getPriority(tid) + 10));
} catch {}
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

/**
 * One worker per process, shared by every list: started on the first large list, referenced only while a batch
 * is pending (an idle worker never keeps a process alive), replaced if it dies.
 */
class EncoderThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { resolve(a: Answer): void; reject(e: unknown): void }>();
  private nextId = 0;

  encode(
    values: Float64Array<ArrayBuffer>,
    lengths: Uint32Array<ArrayBuffer>,
    from: number,
    encoding: 'float' | 'base64',
  ) {
    const worker = this.start();
    const id = this.nextId++;
    if (this.pending.size === 0) worker.ref();
    return new Promise<Answer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, values, lengths, from, encoding }, [values.buffer, lengths.buffer]);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'genai-front-embeddings-encoder' });
    worker.unref();
    worker.on('message', (answer: Answer) => {
      const waiting = this.pending.get(answer.id);
      this.pending.delete(answer.id);
      if (this.pending.size === 0) worker.unref();
      waiting?.resolve(answer);
    });
    const fail = (error: unknown) => {
      if (this.worker === worker) this.worker = undefined;
      const waiting = [...this.pending.values()];
      this.pending.clear();
      for (const p of waiting) p.reject(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the embeddings encoder thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}

const thread = new EncoderThread();
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
  const answer = await thread.encode(packed.values, packed.lengths, from, encoding).catch(() => undefined);
  return answer && 'bytes' in answer ? answer.bytes : encodeItemsInline(vectors, from, encoding);
}

/** A vector as OpenAI's base64 form: little-endian float32 bytes. */
export function toBase64(vector: readonly number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) buf.writeFloatLE(vector[i]!, i * 4);
  return buf.toString('base64');
}
