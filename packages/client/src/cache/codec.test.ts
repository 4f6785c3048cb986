import { describe, expect, it } from 'vitest';
import { decodeJson, decodeVector, encodeJson, encodeVector } from './codec.js';

describe('codec', () => {
  it('round-trips JSON and marks small payloads uncompressed with a header byte', () => {
    const bytes = encodeJson({ a: 'x' });
    expect(bytes[0]).toBe(0x01);
    expect(decodeJson(bytes)).toEqual({ a: 'x' });
  });

  it('compresses large payloads (high bit of the header) and reads them back', () => {
    const text = 'the quick brown fox jumps over the lazy dog '.repeat(200);
    const bytes = encodeJson({ text });
    expect(bytes[0]).toBe(0x81);
    expect(bytes.byteLength).toBeLessThan(text.length / 4);
    expect(decodeJson(bytes)).toEqual({ text });
    expect(encodeJson({ text }, { compressAboveBytes: 1e9 })[0]).toBe(0x01);
  });

  it('stores float32 vectors in 4 bytes per component, bit-identical', () => {
    const v = Array.from({ length: 768 }, (_, i) => Math.fround(Math.sin(i)));
    const bytes = encodeVector(v);
    expect(bytes[0]).toBe(0x02);
    expect(bytes.byteLength).toBe(1 + 768 * 4);
    expect(decodeVector(bytes)).toEqual(Float64Array.from(v));
  });

  it('keeps float64 when a component is not a float32, so nothing is rounded', () => {
    const v = [0.1, 0.2, Math.PI];
    const bytes = encodeVector(v);
    expect(bytes[0]).toBe(0x03);
    expect(decodeVector(bytes)).toEqual(Float64Array.from(v));
  });

  it('treats unknown headers, wrong formats and corrupt data as a miss', () => {
    expect(decodeJson(Buffer.of(0x7f, 1, 2))).toBeUndefined();
    expect(decodeJson(Buffer.of(0x81, 1, 2, 3))).toBeUndefined();
    expect(decodeJson(Buffer.alloc(0))).toBeUndefined();
    expect(decodeVector(encodeJson([1, 2]))).toBeUndefined();
    expect(decodeJson(encodeVector([1, 2]))).toBeUndefined();
    expect(decodeVector(Buffer.of(0x02, 1, 2, 3))).toBeUndefined();
  });
});
