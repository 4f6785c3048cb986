import { createHash } from 'node:crypto';
import { lexicalEmbedding } from './lexical-embedding.js';

/** Deterministic content: the same prompt and parameters always give the same text or vector. */

const WORDS = (
  'the a model answer cloud token stream batch vector region endpoint quota latency deploy server ' +
  'request response engine prompt context window result value signal queue worker cache layer policy ' +
  'retry timeout circuit fallback route provider metric trace event buffer frame chunk socket header ' +
  'payload schema record index shard replica cluster node pod image container volume network gateway ' +
  'is are was can will should may must does has makes keeps sends reads writes holds moves turns runs ' +
  'quickly slowly often rarely always never here there now then also only just still even again ' +
  'bright calm dense early fair green heavy light narrow open plain quiet rapid sharp steady warm'
).split(' ');

/** 32-bit seed from any strings. */
export function seedOf(...parts: readonly string[]): number {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\u0000');
  return hash.digest().readUInt32LE(0);
}

/** mulberry32: small, fast, good enough for content and fault draws. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Tokens are whitespace-separated words (the documented rule for every provider's usage fields). */
export function countTokens(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}

export interface Completion {
  /** Output tokens (words for prose, 4-character slices for JSON); their count is the usage's output tokens. */
  readonly words: readonly string[];
  readonly text: string;
  /** Stream deltas; their concatenation is `text`. */
  readonly pieces: readonly string[];
  /** Why generation ended: the answer is complete, maxTokens cut it, or a stop sequence was generated. */
  readonly finish: 'stop' | 'length' | 'stop_sequence';
  /** The stop sequence that ended the answer. */
  readonly stopSequence?: string;
}

/**
 * The answer to a prompt: 12 to 60 words chosen by a hash of the prompt and the answer-changing parameters,
 * cut to `maxTokens` words when that is smaller.
 */
export function complete(
  prompt: string,
  params: Readonly<Record<string, unknown>>,
  maxTokens?: number,
  stop: readonly string[] = [],
): Completion {
  const key = JSON.stringify(
    Object.keys(params)
      .sort()
      .filter((k) => params[k] !== undefined)
      .map((k) => [k, params[k]]),
  );
  const rand = prng(seedOf('completion', prompt, key));
  const length = 12 + Math.floor(rand() * 49);
  const all: string[] = [];
  for (let i = 0; i < length; i++) all.push(WORDS[Math.floor(rand() * WORDS.length)]!);
  all[0] = all[0]!.charAt(0).toUpperCase() + all[0]!.slice(1);
  all[length - 1] = `${all[length - 1]}.`;
  // A stop sequence ends the answer before it (at a word boundary, so the token count stays exact).
  let end = length;
  let stopSequence: string | undefined;
  if (stop.length > 0) {
    let text = '';
    for (let i = 0; i < length && stopSequence === undefined; i++) {
      text += (i === 0 ? '' : ' ') + all[i];
      stopSequence = stop.find((s) => s !== '' && text.includes(s));
      if (stopSequence !== undefined) end = i;
    }
  }
  if (maxTokens !== undefined && maxTokens < end) {
    const words = all.slice(0, Math.max(0, maxTokens));
    return { words, text: words.join(' '), pieces: deltas(words), finish: 'length' };
  }
  const words = all.slice(0, end);
  if (stopSequence !== undefined)
    return { words, text: words.join(' '), pieces: deltas(words), finish: 'stop_sequence', stopSequence };
  return { words, text: words.join(' '), pieces: deltas(words), finish: 'stop' };
}

/** A word of the answer vocabulary, drawn from `rand` (schema samples use it for their strings). */
export function pickWord(rand: () => number): string {
  return WORDS[Math.floor(rand() * WORDS.length)]!;
}

/**
 * A fixed prose answer (a tool result echoed back, an image note before the generated words): whitespace
 * tokens, streamed one word at a time with its leading whitespace kept, so the text stays verbatim.
 */
export function textCompletion(text: string, maxTokens?: number): Completion {
  const all = text.match(/\s*\S+/g) ?? [];
  const cut = maxTokens !== undefined && maxTokens < all.length;
  const pieces = cut ? all.slice(0, Math.max(0, maxTokens)) : all;
  const joined = cut ? pieces.join('') : text;
  return { words: pieces.map((p) => p.trim()), text: joined, pieces, finish: cut ? 'length' : 'stop' };
}

/** Characters per token of JSON answers and tool arguments (what BPE tokenizers give on JSON, roughly). */
export const JSON_CHARS_PER_TOKEN = 4;

/** Tokens of JSON text: one per 4 characters, at least 1. */
export function jsonTokens(json: string): number {
  return Math.max(1, Math.ceil(json.length / JSON_CHARS_PER_TOKEN));
}

/**
 * A JSON answer: tokens are 4-character slices, streamed 4 tokens per delta; maxTokens cuts the text (the
 * JSON is then incomplete, as a real model's is).
 */
export function jsonCompletion(json: string, maxTokens?: number): Completion {
  const tokens: string[] = [];
  for (let i = 0; i < json.length; i += JSON_CHARS_PER_TOKEN)
    tokens.push(json.slice(i, i + JSON_CHARS_PER_TOKEN));
  const cut = maxTokens !== undefined && maxTokens < tokens.length;
  const words = cut ? tokens.slice(0, Math.max(0, maxTokens)) : tokens;
  return {
    words,
    text: words.join(''),
    pieces: fragments(words.join(''), 16),
    finish: cut ? 'length' : 'stop',
  };
}

/** Splits text into fragments of `size` characters (the last may be shorter); one empty text gives none. */
export function fragments(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Splits an answer into stream deltas of one word each (the first without a leading space). */
export function deltas(words: readonly string[]): string[] {
  return words.map((w, i) => (i === 0 ? w : ` ${w}`));
}

/**
 * A deterministic unit vector of `dimensions` for the text (and the model): a lexical model, so texts that share
 * words are close (lexical-embedding.ts).
 */
export function embed(text: string, dimensions: number, model = ''): number[] {
  return lexicalEmbedding(text, dimensions, model);
}
