import { describe, expect, it } from 'vitest';
import { DEFAULT_EMBEDDING_LIMITS, limitsFor, planEmbeddingCalls } from './model-limits.js';
import { estimateTokens } from './tokens.js';

describe('the per-model limits table', () => {
  it.each([
    [
      'vertex',
      'text-embedding-005',
      { maxTextsPerCall: 250, maxTokensPerCall: 20_000, maxTokensPerText: 2048, defaultDimensions: 768 },
    ],
    [
      'vertex',
      'text-embedding-004',
      { maxTextsPerCall: 250, maxTokensPerCall: 20_000, maxTokensPerText: 2048 },
    ],
    [
      'vertex',
      'gemini-embedding-001',
      { maxTextsPerCall: 1, maxTokensPerText: 2048, defaultDimensions: 3072 },
    ],
    [
      'bedrock',
      'amazon.titan-embed-text-v2:0',
      { maxTextsPerCall: 1, maxTokensPerCall: 8192, maxTokensPerText: 8192, defaultDimensions: 1024 },
    ],
    ['bedrock', 'cohere.embed-english-v3', { maxTextsPerCall: 96, maxCharsPerText: 2048 }],
    ['bedrock', 'cohere.embed-multilingual-v3', { maxTextsPerCall: 96, maxCharsPerText: 2048 }],
    ['azure', 'text-embedding-3-small', { maxTextsPerCall: 2048 }],
  ] as const)('%s %s', (provider, model, expected) => {
    expect(limitsFor(provider, model).embedding).toMatchObject(expected);
  });

  it('has temperature ranges per provider', () => {
    expect(limitsFor('bedrock', 'anthropic.claude-3-5-haiku-20241022-v1:0').temperature).toEqual({
      min: 0,
      max: 1,
    });
    expect(limitsFor('bedrock', 'us.anthropic.claude-3-7-sonnet-20250219-v1:0').temperature).toEqual({
      min: 0,
      max: 1,
    });
    expect(limitsFor('vertex', 'gemini-2.0-flash').temperature).toEqual({ min: 0, max: 2 });
    expect(limitsFor('azure', 'gpt-4o-mini').temperature).toEqual({ min: 0, max: 2 });
    expect(limitsFor('sagemaker', 'my-endpoint').temperature?.min).toBe(0);
  });

  it('falls back to conservative embedding limits for unknown models', () => {
    expect(limitsFor('bedrock', 'unknown.embed-model').embedding).toBe(DEFAULT_EMBEDDING_LIMITS);
  });
});

describe('estimateTokens', () => {
  it('is about four characters per token, and more for CJK text', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcd'.repeat(100))).toBe(100);
    expect(estimateTokens('日本語のテキスト')).toBeGreaterThanOrEqual(5);
  });
});

describe('planEmbeddingCalls', () => {
  it('splits by texts per call, in order', () => {
    const texts = Array.from({ length: 600 }, () => 'x');
    expect(planEmbeddingCalls(texts, { maxTextsPerCall: 250 })).toEqual([
      [0, 250],
      [250, 500],
      [500, 600],
    ]);
  });

  it('splits by tokens per call', () => {
    const texts = Array.from({ length: 5 }, () => 'word '.repeat(800)); // 1,000 tokens each
    expect(planEmbeddingCalls(texts, { maxTextsPerCall: 250, maxTokensPerCall: 2500 })).toEqual([
      [0, 2],
      [2, 4],
      [4, 5],
    ]);
  });

  it('never makes an empty call, even for one text over the per-call tokens', () => {
    expect(
      planEmbeddingCalls(['word '.repeat(8000)], { maxTextsPerCall: 10, maxTokensPerCall: 100 }),
    ).toEqual([[0, 1]]);
    expect(planEmbeddingCalls([], { maxTextsPerCall: 10 })).toEqual([]);
  });
});
