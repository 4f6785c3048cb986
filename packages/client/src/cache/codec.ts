import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

/**
 * Stored value format: one header byte, then the payload. The low bits name the format, the high bit says
 * the payload is brotli-compressed. A reader that meets an unknown header treats the entry as a miss, so a
 * newer writer never breaks an older reader sharing the same Redis.
 */
const JSON_UTF8 = 0x01;
const VECTOR_F32 = 0x02;
const VECTOR_F64 = 0x03;
const COMPRESSED = 0x80;

export interface CodecOptions {
  /** Payloads at least this large are brotli-compressed when that saves space. @default 1024 */
  readonly compressAboveBytes?: number;
}

function finish(format: number, payload: Uint8Array, options: CodecOptions): Buffer {
  const threshold = options.compressAboveBytes ?? 1024;
  if (payload.byteLength >= threshold) {
    const packed = brotliCompressSync(payload, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_SIZE_HINT]: payload.byteLength },
    });
    // Embedding vectors barely compress: keep the raw bytes unless compression saves an eighth.
    if (packed.byteLength < payload.byteLength * 0.875) {
      return Buffer.concat([Buffer.of(format | COMPRESSED), packed]);
    }
  }
  return Buffer.concat([Buffer.of(format), payload]);
}

function open(bytes: Uint8Array): { format: number; payload: Buffer } | undefined {
  if (bytes.byteLength < 1) return undefined;
  const header = bytes[0]!;
  const body = Buffer.from(bytes.buffer, bytes.byteOffset + 1, bytes.byteLength - 1);
  const payload = header & COMPRESSED ? brotliDecompressSync(body) : body;
  return { format: header & ~COMPRESSED, payload };
}

export function encodeJson(value: unknown, options: CodecOptions = {}): Buffer {
  return finish(JSON_UTF8, Buffer.from(JSON.stringify(value), 'utf8'), options);
}

/** Decodes a JSON entry; undefined when the bytes are not one (treated as a miss). */
export function decodeJson(bytes: Uint8Array): unknown {
  const opened = safeOpen(bytes);
  if (opened?.format !== JSON_UTF8) return undefined;
  try {
    return JSON.parse(opened.payload.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Encodes one embedding vector as little-endian floats: float32 when every component is exactly a float32
 * (what the providers return), float64 otherwise, so a cached vector is bit-identical to the one received.
 */
export function encodeVector(vector: ArrayLike<number>, options: CodecOptions = {}): Buffer {
  let f32 = true;
  for (let i = 0; i < vector.length && f32; i++) f32 = Math.fround(vector[i]!) === vector[i];
  const bytes = Buffer.allocUnsafe(vector.length * (f32 ? 4 : 8));
  for (let i = 0; i < vector.length; i++) {
    if (f32) bytes.writeFloatLE(vector[i]!, i * 4);
    else bytes.writeDoubleLE(vector[i]!, i * 8);
  }
  return finish(f32 ? VECTOR_F32 : VECTOR_F64, bytes, options);
}

/** Decodes a vector entry into a Float64Array (what the memory tier holds); undefined when the bytes are not one. */
export function decodeVector(bytes: Uint8Array): Float64Array | undefined {
  const opened = safeOpen(bytes);
  if (!opened) return undefined;
  const { format, payload } = opened;
  const size = format === VECTOR_F32 ? 4 : format === VECTOR_F64 ? 8 : 0;
  if (size === 0 || payload.byteLength % size !== 0) return undefined;
  const out = new Float64Array(payload.byteLength / size);
  for (let i = 0; i < out.length; i++) {
    out[i] = size === 4 ? payload.readFloatLE(i * 4) : payload.readDoubleLE(i * 8);
  }
  return out;
}

function safeOpen(bytes: Uint8Array) {
  try {
    return open(bytes);
  } catch {
    return undefined; // corrupt compressed payload: a miss, never an error
  }
}
