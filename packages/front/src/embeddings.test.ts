import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EmbedResult } from './client.js';
import { embeddingsList, embeddingsListStream } from './embeddings.js';
import { BATCH_NUMBERS } from './embeddings-encoder.js';

const result = (count: number, dimensions = 5): EmbedResult =>
  ({
    embeddings: Array.from({ length: count }, (_, i) =>
      Array.from({ length: dimensions }, (_, j) => Math.sin(i * 31 + j) / (j + 1)),
    ),
    usage: { inputTokens: count * 3 },
    provider: 'vertex',
    model: 'text-embedding-005',
    cached: false,
    attempts: 1,
  }) as unknown as EmbedResult;

async function collect(stream: ReadableStream<Uint8Array>): Promise<{ text: string; chunks: number }> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text, chunks };
    chunks += 1;
    text += decoder.decode(value, { stream: true });
  }
}

const resultOf = (embeddings: number[][]): EmbedResult =>
  ({ ...result(0), embeddings, usage: { inputTokens: embeddings.length } }) as EmbedResult;

describe('embeddingsListStream', () => {
  it.each([0, 1, 31, 32, 33, 200])(
    'writes the bytes of the whole list for %i small vectors (encoded on the loop)',
    async (n) => {
      for (const encoding of ['float', 'base64'] as const) {
        let ended = 0;
        const { text, chunks } = await collect(embeddingsListStream(result(n), encoding, () => (ended += 1)));
        expect(text).toBe(JSON.stringify(embeddingsList(result(n), encoding)));
        expect(chunks).toBeGreaterThanOrEqual(2);
        expect(ended).toBe(1);
      }
    },
  );

  it.each([
    [22, 768], // just over OFF_THREAD_NUMBERS
    [64, 768], // one batch
    [65, 768], // a batch and a vector
    [300, 768],
    [40, 3072], // text-embedding-3-large's width: 16 vectors a batch
  ])('writes the same bytes from the encoder thread for %i vectors of %i', async (n, dimensions) => {
    for (const encoding of ['float', 'base64'] as const) {
      let ended = 0;
      const { text, chunks } = await collect(
        embeddingsListStream(result(n, dimensions), encoding, () => (ended += 1)),
      );
      expect(text).toBe(JSON.stringify(embeddingsList(result(n, dimensions), encoding)));
      expect(chunks).toBeGreaterThanOrEqual(2 + Math.floor((n * dimensions) / BATCH_NUMBERS));
      expect(ended).toBe(1);
    }
  });

  it('writes values JSON prints in other forms, and vectors of different lengths, as JSON.stringify does', async () => {
    // -0 prints as 0, tiny and huge values in exponent form, NaN and infinities as null; widths vary per vector.
    const odd = [
      -0,
      1e-7,
      1e21,
      5e-324,
      Number.MAX_VALUE,
      -1.5e-300,
      0.1 + 0.2,
      Math.fround(0.1),
      NaN,
      Infinity,
    ];
    const embeddings = Array.from({ length: 120 }, (_, i) =>
      Array.from(
        { length: 300 + (i % 7) * 50 },
        (_, j) => odd[(i + j) % odd.length]! * (j % 3 === 0 ? -1 : 1),
      ),
    );
    for (const encoding of ['float', 'base64'] as const) {
      const { text } = await collect(embeddingsListStream(resultOf(embeddings), encoding));
      expect(text).toBe(JSON.stringify(embeddingsList(resultOf(embeddings), encoding)));
    }
  });

  it('writes a vector holding something other than numbers as JSON.stringify does', async () => {
    const embeddings = Array.from({ length: 100 }, (_, i) =>
      Array.from({ length: 768 }, (_, j) => i + j / 1000),
    );
    (embeddings[70] as unknown[])[5] = null;
    (embeddings[3] as unknown[])[0] = '1';
    for (const encoding of ['float', 'base64'] as const) {
      const { text } = await collect(embeddingsListStream(resultOf(embeddings), encoding));
      expect(text).toBe(JSON.stringify(embeddingsList(resultOf(embeddings), encoding)));
    }
  });

  it('leaves the event loop mostly idle while a large list is encoded', async () => {
    // 2,048 vectors of 768: ~33 MB of JSON, the issue-19 request. Encoded on the loop, the loop is busy throughout.
    const list = result(2048, 768);
    const before = performance.eventLoopUtilization();
    let bytes = 0;
    for await (const chunk of embeddingsListStream(list, 'float')) bytes += chunk.byteLength;
    const used = performance.eventLoopUtilization(before);
    expect(bytes).toBe(Buffer.byteLength(JSON.stringify(embeddingsList(list, 'float'))));
    expect(used.utilization).toBeLessThan(0.5);
  });

  it.runIf(process.platform === 'linux')(
    'runs the encoder thread below the priority of the event loop (Linux)',
    async () => {
      await collect(embeddingsListStream(result(100, 768), 'float'));
      const niceOf = (stat: string) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      const loop = niceOf(readFileSync('/proc/thread-self/stat', 'utf8'));
      const threads = readdirSync('/proc/self/task').map((tid) =>
        niceOf(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')),
      );
      expect(threads).toContain(Math.min(19, loop + 10));
    },
  );

  it('lets other work run between inline slices, and reports a cancelled body as ended', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 0);
    // 16,000 one-number vectors: below OFF_THREAD_NUMBERS, yet several SLICE_MS of work on the loop.
    const stream = embeddingsListStream(result(16_000, 1), 'float');
    await collect(stream);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    for (const n of [100, 1000]) {
      // Small dimensions: encoded inline; 1,000 of 768 (below): on the thread, cancelled with batches in flight.
      for (const dimensions of [5, 768]) {
        let ended = 0;
        const cancelled = embeddingsListStream(result(n, dimensions), 'float', () => (ended += 1));
        const reader = cancelled.getReader();
        await reader.read();
        await reader.cancel();
        await new Promise((r) => setTimeout(r, 50));
        expect(ended).toBe(1);
      }
    }
  });
});
