import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lexicalEmbedding, lexicalWords } from './lexical-embedding.js';

const cosine = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const sim = (a: string, b: string, dims = 768) =>
  cosine(lexicalEmbedding(a, dims), lexicalEmbedding(b, dims));

describe('lexicalEmbedding', () => {
  it('puts texts that share words closer than texts that do not', () => {
    const near = sim('the cat sat', 'a cat sat down');
    const far = sim('the cat sat', 'stock prices fell');
    expect(near).toBeGreaterThan(0.6);
    expect(Math.abs(far)).toBeLessThan(0.05);
    expect(near).toBeGreaterThan(far + 0.5);
  });

  it('ranks a passage by the words it shares with a question, word pairs breaking ties', () => {
    const question = 'how do I rotate the API keys';
    const passages = [
      'Rotate API keys every 90 days from the console.',
      'Keys to the office are at the front desk.',
      'The API returns JSON by default.',
    ];
    const ranked = [...passages].sort((a, b) => sim(question, b) - sim(question, a));
    expect(ranked[0]).toBe(passages[0]);
    // "api keys" as a pair scores above "keys" alone or "api" alone.
    expect(sim('api keys', 'rotate api keys')).toBeGreaterThan(sim('api keys', 'rotate keys api'));
  });

  it('does not make texts close through stop words alone', () => {
    expect(sim('the report of the board', 'the weather in the mountains')).toBeLessThan(0.1);
  });

  it('ignores case, punctuation and Unicode compatibility forms', () => {
    expect(lexicalWords('Ｃａｔ, SAT! déjà-vu')).toEqual(['cat', 'sat', 'déjà', 'vu']);
    expect(lexicalEmbedding('The CAT sat.', 64)).toEqual(lexicalEmbedding('the cat sat', 64));
  });

  it('keeps a query and a document embedding of one text apart, but close', () => {
    const query = lexicalEmbedding('search_query\u0000rotate api keys', 256, 'cohere');
    const doc = lexicalEmbedding('search_document\u0000rotate api keys', 256, 'cohere');
    expect(query).not.toEqual(doc);
    expect(cosine(query, doc)).toBeGreaterThan(0.99);
  });

  it('is dense, as real embeddings are: texts differ in every coordinate', () => {
    const a = lexicalEmbedding('document number 1 about topic 1', 256);
    const b = lexicalEmbedding('document number 2 about topic 2', 256);
    expect(a.filter((x) => x === 0)).toHaveLength(0);
    expect(a.filter((x, i) => x === b[i])).toHaveLength(0);
  });

  it('gives unit vectors of the requested dimension for any text, deterministically, one space per model', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 1024 }), (text, dims) => {
        const v = lexicalEmbedding(text, dims, 'm');
        expect(v).toHaveLength(dims);
        expect(Math.hypot(...v)).toBeCloseTo(1, 9);
        expect(lexicalEmbedding(text, dims, 'm')).toEqual(v);
      }),
      { numRuns: 100 },
    );
    expect(lexicalEmbedding('alpha beta', 256, 'm1')).not.toEqual(lexicalEmbedding('alpha beta', 256, 'm2'));
    expect(lexicalEmbedding('', 8)).toHaveLength(8);
    expect(lexicalEmbedding('?!', 8)).not.toEqual(lexicalEmbedding('!?', 8));
  });
});
