import { z } from 'zod';

/** OpenAI's `static` chunking, in tokens. */
export interface StaticChunking {
  readonly maxChunkSizeTokens: number;
  readonly chunkOverlapTokens: number;
}

/** OpenAI's `auto` strategy: 800-token chunks overlapping by 400. */
export const DEFAULT_CHUNKING: StaticChunking = { maxChunkSizeTokens: 800, chunkOverlapTokens: 400 };

/** Tokens are estimated as the rest of the front does (catalog.ts `estimateTokens`): 4 characters a token. */
export const CHARS_PER_TOKEN = 4;

/** `chunking_strategy` as OpenAI accepts it: `auto` or `static` with 100–4096 tokens and at most half as overlap. */
export const chunkingStrategySchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('auto') }),
    z.strictObject({
      type: z.literal('static'),
      static: z.strictObject({
        max_chunk_size_tokens: z.number().int().min(100).max(4096),
        chunk_overlap_tokens: z.number().int().min(0),
      }),
    }),
  ])
  .superRefine((s, ctx) => {
    if (s.type === 'static' && s.static.chunk_overlap_tokens > s.static.max_chunk_size_tokens / 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['static', 'chunk_overlap_tokens'],
        message: `expected at most half of max_chunk_size_tokens (${Math.floor(s.static.max_chunk_size_tokens / 2)})`,
      });
    }
  });

export type ChunkingStrategy = z.output<typeof chunkingStrategySchema>;

/** The chunking a strategy asks for; `auto` (or none) is `fallback`. */
export function chunkingOf(strategy: ChunkingStrategy | undefined, fallback: StaticChunking): StaticChunking {
  if (strategy?.type !== 'static') return fallback;
  return {
    maxChunkSizeTokens: strategy.static.max_chunk_size_tokens,
    chunkOverlapTokens: strategy.static.chunk_overlap_tokens,
  };
}

const SPACE = /\s/;

/**
 * Splits text into chunks of at most `maxChunkSizeTokens` (estimated) that overlap by about `chunkOverlapTokens`,
 * as OpenAI's static strategy does. Cuts fall on whitespace when there is some in the chunk's second half, so words
 * are not split; a chunk never starts where the previous one did, so the loop always ends.
 */
export function chunkText(text: string, chunking: StaticChunking): string[] {
  const body = text
    .replace(/\r\n?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  const max = chunking.maxChunkSizeTokens * CHARS_PER_TOKEN;
  const overlap = chunking.chunkOverlapTokens * CHARS_PER_TOKEN;
  const chunks: string[] = [];
  let start = 0;
  while (start < body.length) {
    let end = Math.min(body.length, start + max);
    if (end < body.length) {
      const cut = lastSpace(body, start + Math.floor(max / 2), end);
      if (cut > start) end = cut;
    }
    const chunk = body.slice(start, end).trim();
    if (chunk.length > 0) chunks.push(chunk);
    if (end >= body.length) break;
    let next = end - overlap;
    // Start the overlap on a word, without reaching the cut.
    while (next > start && next < end && !SPACE.test(body[next - 1] ?? ' ')) next += 1;
    start = next > start && next < end ? next : end;
  }
  return chunks;
}

function lastSpace(text: string, from: number, to: number): number {
  for (let i = to; i > from; i--) if (SPACE.test(text[i] ?? '')) return i;
  return -1;
}
