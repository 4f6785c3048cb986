import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { complete, countTokens, deltas, embed, prng, seedOf } from './content.js';

describe('complete', () => {
  it('is deterministic, 12 to 60 words, and different prompts (almost always) differ', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
        (prompt, temperature) => {
          const a = complete(prompt, { temperature: temperature ?? undefined });
          expect(complete(prompt, { temperature: temperature ?? undefined })).toEqual(a);
          expect(a.words.length).toBeGreaterThanOrEqual(12);
          expect(a.words.length).toBeLessThanOrEqual(60);
          expect(countTokens(a.text)).toBe(a.words.length);
          expect(a.finish).toBe('stop');
        },
      ),
    );
    const texts = new Set(Array.from({ length: 200 }, (_, i) => complete(`prompt ${i}`, {}).text));
    expect(texts.size).toBe(200);
  });

  it('caps at maxTokens with finish length, as a prefix of the full answer', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 80 }), (prompt, max) => {
        const full = complete(prompt, {});
        const capped = complete(prompt, {}, max);
        if (max < full.words.length) {
          expect(capped.finish).toBe('length');
          expect(capped.words).toEqual(full.words.slice(0, max));
        } else {
          expect(capped).toEqual(full);
        }
      }),
    );
  });

  it('stops before the word that completes a stop sequence', () => {
    const full = complete('stop test', {});
    const stopWord = full.words[5]!.replace('.', '');
    const stopped = complete('stop test', {}, undefined, [stopWord]);
    expect(stopped.finish).toBe('stop_sequence');
    expect(stopped.stopSequence).toBe(stopWord);
    expect(stopped.text).not.toContain(stopWord);
    expect(full.text.startsWith(stopped.text)).toBe(true);
  });

  it('undefined parameters do not change the answer; sampling parameters do', () => {
    expect(complete('p', { temperature: undefined })).toEqual(complete('p', {}));
    expect(complete('p', { temperature: 0.5 }).text).not.toBe(complete('p', { temperature: 0.7 }).text);
  });

  it('deltas concatenate to the text', () => {
    const { words, text } = complete('delta', {});
    expect(deltas(words).join('')).toBe(text);
  });
});

describe('embed', () => {
  it('gives deterministic unit vectors of the requested dimension, distinct per text and model', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 2048 }), (text, dims) => {
        const v = embed(text, dims, 'm');
        expect(v).toHaveLength(dims);
        expect(Math.hypot(...v)).toBeCloseTo(1, 9);
        expect(embed(text, dims, 'm')).toEqual(v);
      }),
      { numRuns: 50 },
    );
    expect(embed('a', 8, 'm')).not.toEqual(embed('b', 8, 'm'));
    expect(embed('a', 8, 'm1')).not.toEqual(embed('a', 8, 'm2'));
  });

  it('spreads unrelated texts: cosine similarity near 0', () => {
    const a = embed('alpha', 1024);
    const b = embed('beta', 1024);
    const cos = a.reduce((s, x, i) => s + x * b[i]!, 0);
    expect(Math.abs(cos)).toBeLessThan(0.15);
  });
});

describe('prng and seedOf', () => {
  it('are deterministic and uniform enough', () => {
    expect(seedOf('a', 'b')).toBe(seedOf('a', 'b'));
    expect(seedOf('a', 'b')).not.toBe(seedOf('ab'));
    const r = prng(1);
    const xs = Array.from({ length: 10_000 }, () => r());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });
});
