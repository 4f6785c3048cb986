import { createHash } from 'node:crypto';

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
  /** Output words; join with ' ' for the text. */
  readonly words: readonly string[];
  readonly text: string;
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
    return { words, text: words.join(' '), finish: 'length' };
  }
  const words = all.slice(0, end);
  if (stopSequence !== undefined)
    return { words, text: words.join(' '), finish: 'stop_sequence', stopSequence };
  return { words, text: words.join(' '), finish: 'stop' };
}

/** Splits an answer into stream deltas of one word each (the first without a leading space). */
export function deltas(words: readonly string[]): string[] {
  return words.map((w, i) => (i === 0 ? w : ` ${w}`));
}

/** A deterministic unit vector of `dimensions` seeded by the text (and the model). */
export function embed(text: string, dimensions: number, model = ''): number[] {
  const rand = prng(seedOf('embedding', model, text));
  const v = new Array<number>(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    // Sum of uniforms approximates a Gaussian, so directions are spread evenly on the sphere.
    const x = rand() + rand() + rand() - 1.5;
    v[i] = x;
    norm += x * x;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dimensions; i++) v[i] = v[i]! / norm;
  return v;
}
