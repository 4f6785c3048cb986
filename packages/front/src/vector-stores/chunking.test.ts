import { describe, expect, it } from 'vitest';
import {
  CHARS_PER_TOKEN,
  chunkingOf,
  chunkingStrategySchema,
  chunkText,
  DEFAULT_CHUNKING,
} from './chunking.js';

const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');

describe('chunkText', () => {
  it('keeps a short text whole', () => {
    expect(chunkText('  Hello there.\r\n\r\n\r\n\r\nBye.  ', DEFAULT_CHUNKING)).toEqual([
      'Hello there.\n\nBye.',
    ]);
    expect(chunkText('   ', DEFAULT_CHUNKING)).toEqual([]);
  });

  it('cuts at most max tokens (4 characters each), on whitespace, overlapping by about the overlap', () => {
    const text = words(2000); // ~17,800 characters
    const chunking = { maxChunkSizeTokens: 200, chunkOverlapTokens: 50 };
    const chunks = chunkText(text, chunking);
    const max = 200 * CHARS_PER_TOKEN;
    expect(chunks.length).toBeGreaterThan(20);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(max);
      // No word is split: every chunk starts and ends on a whole word.
      expect(c).toMatch(/^word\d+( word\d+)*$/);
    }
    for (let i = 1; i < chunks.length; i++) {
      const prev = chunks[i - 1]!.split(' ');
      const first = chunks[i]!.split(' ')[0]!;
      // The next chunk starts inside the previous one, about 50 tokens (200 characters) before its end.
      const at = prev.lastIndexOf(first);
      expect(at).toBeGreaterThan(0);
      const overlap = prev.slice(at).join(' ').length;
      expect(overlap).toBeGreaterThan(150);
      expect(overlap).toBeLessThanOrEqual(200);
    }
    // Nothing is lost: the last word is in the last chunk, the first in the first.
    expect(chunks[0]).toMatch(/^word0 /);
    expect(chunks.at(-1)).toMatch(/ word1999$/);
  });

  it('without overlap, the chunks put back together are the text', () => {
    const text = words(500);
    const chunks = chunkText(text, { maxChunkSizeTokens: 100, chunkOverlapTokens: 0 });
    expect(chunks.join(' ')).toBe(text);
  });

  it('ends on text without whitespace and with the largest overlap allowed', () => {
    const text = 'x'.repeat(5000);
    const chunks = chunkText(text, { maxChunkSizeTokens: 100, chunkOverlapTokens: 50 });
    expect(chunks.every((c) => c.length <= 400)).toBe(true);
    expect(chunks.length).toBeLessThan(30);
    expect(chunks.at(-1)!.length).toBeGreaterThan(0);
  });
});

describe('chunking_strategy', () => {
  it('is auto (the configured default) or static within OpenAI bounds', () => {
    expect(chunkingOf(chunkingStrategySchema.parse({ type: 'auto' }), DEFAULT_CHUNKING)).toBe(
      DEFAULT_CHUNKING,
    );
    expect(
      chunkingOf(
        chunkingStrategySchema.parse({
          type: 'static',
          static: { max_chunk_size_tokens: 300, chunk_overlap_tokens: 150 },
        }),
        DEFAULT_CHUNKING,
      ),
    ).toEqual({ maxChunkSizeTokens: 300, chunkOverlapTokens: 150 });
    const tooMuchOverlap = chunkingStrategySchema.safeParse({
      type: 'static',
      static: { max_chunk_size_tokens: 300, chunk_overlap_tokens: 151 },
    });
    expect(tooMuchOverlap.success).toBe(false);
    expect(tooMuchOverlap.error?.issues[0]?.message).toContain('at most half of max_chunk_size_tokens (150)');
    expect(
      chunkingStrategySchema.safeParse({
        type: 'static',
        static: { max_chunk_size_tokens: 99, chunk_overlap_tokens: 0 },
      }).success,
    ).toBe(false);
  });
});
