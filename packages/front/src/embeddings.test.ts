import { describe, expect, it } from 'vitest';
import type { EmbedResult } from './client.js';
import { embeddingsList, embeddingsListStream } from './embeddings.js';

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

describe('embeddingsListStream', () => {
  it.each([0, 1, 31, 32, 33, 200])(
    'writes the bytes of the whole list for %i vectors, a slice at a time',
    async (n) => {
      for (const encoding of ['float', 'base64'] as const) {
        let ended = 0;
        const { text, chunks } = await collect(embeddingsListStream(result(n), encoding, () => (ended += 1)));
        expect(text).toBe(JSON.stringify(embeddingsList(result(n), encoding)));
        expect(chunks).toBe(1 + Math.max(1, Math.ceil(n / 32)));
        expect(ended).toBe(1);
      }
    },
  );

  it('lets other work run between slices, and reports a cancelled body as ended', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 0);
    const stream = embeddingsListStream(result(32 * 20, 768), 'float');
    await collect(stream);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    let ended = 0;
    const cancelled = embeddingsListStream(result(100), 'float', () => (ended += 1));
    const reader = cancelled.getReader();
    await reader.read();
    await reader.cancel();
    expect(ended).toBe(1);
  });
});
