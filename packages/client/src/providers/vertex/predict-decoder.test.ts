import { describe, expect, it } from 'vitest';
import { isGenAiError } from '../../errors.js';
import { decodePredict, OFF_THREAD_BYTES, withDecodedErrorBody } from './predict-decoder.js';

const bytesOf = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** A predict answer of `count` vectors of `dims` doubles (full precision, negatives, tiny and large values). */
function answer(count: number, dims: number) {
  return {
    predictions: Array.from({ length: count }, (_, i) => ({
      embeddings: {
        values: Array.from({ length: dims }, (_, j) => Math.sin(i * 7919 + j) * 10 ** ((j % 7) - 3)),
        statistics: { token_count: i + 1, truncated: false },
      },
    })),
    deployedModelId: '123',
  };
}

describe('decodePredict', () => {
  it('decodes a small answer inline and a large one on the worker thread, both exactly as JSON.parse', async () => {
    const small = answer(2, 8);
    expect(bytesOf(small).byteLength).toBeLessThan(OFF_THREAD_BYTES);
    const inline = await decodePredict('m', bytesOf(small));
    expect(inline.embeddings).toEqual(small.predictions.map((p) => p.embeddings.values));
    expect(inline.inputTokens).toBe(3);

    const large = answer(250, 768);
    const bytes = bytesOf(large);
    expect(bytes.byteLength).toBeGreaterThan(OFF_THREAD_BYTES);
    const [a, b] = await Promise.all([decodePredict('m', bytes), decodePredict('m', bytesOf(large))]);
    const expected = JSON.parse(JSON.stringify(large)).predictions.map(
      (p: { embeddings: { values: number[] } }) => p.embeddings.values,
    );
    expect(a.embeddings).toEqual(expected);
    expect(b.embeddings).toEqual(expected);
    expect(a.inputTokens).toBe((250 * 251) / 2);
    // The bytes were transferred to the worker, not copied.
    expect(bytes.byteLength).toBe(0);
  });

  it('takes an answer already parsed (an auth client that decodes for us) as is', async () => {
    const decoded = await decodePredict('m', { predictions: [{ values: [1, 2] }] });
    expect(decoded).toEqual({ embeddings: [[1, 2]], inputTokens: 0 });
  });

  it.each([
    ['not JSON', new TextEncoder().encode(`{"predictions": [${'1,'.repeat(OFF_THREAD_BYTES)}`), /not JSON/],
    [
      'no predictions array',
      bytesOf({ predictions: 'x'.repeat(OFF_THREAD_BYTES) }),
      /without a predictions array/,
    ],
    [
      'a vector of strings',
      bytesOf({ predictions: [{ embeddings: { values: Array(OFF_THREAD_BYTES / 4).fill('0.1') } }] }),
      /something other than numbers/,
    ],
    ['small, not JSON', new TextEncoder().encode('<html>'), /not JSON/],
    ['small, no predictions', bytesOf({ error: 'x' }), /without a predictions array/],
  ])('refuses %s with a non-retryable model error naming the expected shape', async (_, bytes, message) => {
    const error = await decodePredict('text-embedding-005', bytes).catch((e: unknown) => e);
    expect(isGenAiError(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'model-error', retryable: false });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('text-embedding-005');
    expect((error as Error).message).toContain('expected { predictions');
  });

  it('decodes the JSON error body of a REST error read as bytes, for the error mapping', () => {
    const body = { error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'quota' } };
    const e = { response: { status: 429, data: bytesOf(body).buffer } };
    expect((withDecodedErrorBody(e) as typeof e).response.data).toEqual(body);
    const text = { response: { data: new TextEncoder().encode('upstream said no') } };
    expect((withDecodedErrorBody(text) as { response: { data: unknown } }).response.data).toBe(
      'upstream said no',
    );
  });
});
