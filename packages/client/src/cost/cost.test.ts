import { DEFAULT_PRICES, type ModelPrice } from '@genai-deploy/config';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGenAiError } from '../errors.js';
import { costOf, formatUsd } from './cost.js';
import { DEFAULT_ESTIMATE_OUTPUT_TOKENS, estimateCost } from './estimate.js';
import { checkPrices } from './prices-option.js';
import { resultCost } from './result-cost.js';

const PRICE: ModelPrice = {
  inputPerMTok: 0.15,
  outputPerMTok: 0.6,
  cachedInputPerMTok: 0.075,
  perImage: 0.0002,
  source: 'test',
  asOf: '2026-12-04',
};
const PRICES = { 'azure/priced': PRICE };

describe('costOf', () => {
  it('prices each component once, in integer micro-dollars', () => {
    // 1,000 input tokens of which 400 cached, 2,000 output, 3 images at $0.15 / $0.075 / $0.60 per MTok, $0.0002 each.
    const cost = costOf(
      { inputTokens: 1000, cachedInputTokens: 400, outputTokens: 2000, images: 3 },
      'azure/priced',
      PRICES,
    );
    expect(cost).toEqual({
      microUsd: 90 + 30 + 1200 + 600,
      usd: 0.00192,
      inputMicroUsd: 90,
      cachedInputMicroUsd: 30,
      outputMicroUsd: 1200,
      imageMicroUsd: 600,
      priced: true,
      cacheHit: false,
      price: PRICE,
    });
    expect(formatUsd(cost.microUsd)).toBe('0.001920');
  });

  it('rounds each component to the nearest µ$ (float noise does not move a half)', () => {
    // 3 × 0.15 = 0.44999999999999996 in floating point: 0.45 µ$ rounds to 0, 5 × 0.15 = 0.75 rounds to 1.
    expect(costOf({ inputTokens: 3, outputTokens: 0 }, 'azure/priced', PRICES).microUsd).toBe(0);
    expect(costOf({ inputTokens: 5, outputTokens: 0 }, 'azure/priced', PRICES).microUsd).toBe(1);
    // 7 × 0.075 = 0.525 µ$ (0.5249999999999999 as a double) → 1.
    expect(
      costOf({ inputTokens: 7, cachedInputTokens: 7, outputTokens: 0 }, 'azure/priced', PRICES).microUsd,
    ).toBe(1);
  });

  it('uses DEFAULT_PRICES under the overrides, and the override wins', () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000 };
    expect(costOf(usage, 'azure/gpt-4o-mini').microUsd).toBe(150_000 + 600_000);
    const mine = { 'azure/gpt-4o-mini': { ...PRICE, inputPerMTok: 1, outputPerMTok: 2 } };
    expect(costOf(usage, 'azure/gpt-4o-mini', mine).microUsd).toBe(3_000_000);
  });

  it('costs 0 with priced false for a model without a price (SageMaker endpoints by default)', () => {
    const cost = costOf({ inputTokens: 500, outputTokens: 500 }, 'sagemaker/llama-tgi');
    expect(cost).toMatchObject({ microUsd: 0, usd: 0, priced: false, cacheHit: false });
    expect(cost.price).toBeUndefined();
  });

  it('charges cached tokens at the input price when the model has no cached price, and never more than the input', () => {
    const noCached = { 'azure/x': { inputPerMTok: 1, outputPerMTok: 1, source: 't', asOf: '2026-12-04' } };
    expect(costOf({ inputTokens: 10, cachedInputTokens: 4 }, 'azure/x', noCached)).toMatchObject({
      inputMicroUsd: 6,
      cachedInputMicroUsd: 4,
    });
    // More cached than input (a provider quirk) is capped at the input.
    expect(costOf({ inputTokens: 10, cachedInputTokens: 50 }, 'azure/x', noCached).microUsd).toBe(10);
  });

  const usage = fc.record({
    inputTokens: fc.integer({ min: 0, max: 2_000_000 }),
    cachedInputTokens: fc.integer({ min: 0, max: 2_000_000 }),
    outputTokens: fc.integer({ min: 0, max: 2_000_000 }),
    images: fc.integer({ min: 0, max: 50 }),
  });
  const price = fc.record({
    inputPerMTok: fc.double({ min: 0, max: 100, noNaN: true }),
    outputPerMTok: fc.double({ min: 0, max: 100, noNaN: true }),
    cachedInputPerMTok: fc.double({ min: 0, max: 100, noNaN: true }),
    perImage: fc.double({ min: 0, max: 1, noNaN: true }),
  });

  it('property: the components sum to the total, every amount an integer >= 0, usd = microUsd / 1e6', () => {
    fc.assert(
      fc.property(usage, price, (u, p) => {
        const c = costOf(u, 'azure/m', { 'azure/m': { ...p, source: 't', asOf: '2026-12-04' } });
        const parts = [c.inputMicroUsd, c.cachedInputMicroUsd, c.outputMicroUsd, c.imageMicroUsd];
        for (const v of [...parts, c.microUsd]) expect(Number.isSafeInteger(v) && v >= 0).toBe(true);
        expect(parts.reduce((a, b) => a + b, 0)).toBe(c.microUsd);
        expect(c.usd).toBe(c.microUsd / 1e6);
      }),
    );
  });

  it('property: monotone in every token count and in images', () => {
    fc.assert(
      fc.property(
        usage,
        price,
        fc.constantFrom('inputTokens', 'outputTokens', 'images'),
        fc.integer({ min: 1, max: 100_000 }),
        (u, p, field, more) => {
          const prices = { 'azure/m': { ...p, source: 't', asOf: '2026-12-04' } };
          const before = costOf(u, 'azure/m', prices).microUsd;
          const after = costOf({ ...u, [field]: u[field] + more }, 'azure/m', prices).microUsd;
          expect(after).toBeGreaterThanOrEqual(before);
        },
      ),
    );
  });

  it('property: a sum of per-call costs is exact (integers), whatever the order', () => {
    fc.assert(
      fc.property(fc.array(usage, { minLength: 1, maxLength: 50 }), (calls) => {
        const costs = calls.map((u) => costOf(u, 'azure/gpt-4o-mini').microUsd);
        const forward = costs.reduce((a, b) => a + b, 0);
        const backward = [...costs].reverse().reduce((a, b) => a + b, 0);
        expect(forward).toBe(backward);
        expect(Number.isSafeInteger(forward)).toBe(true);
      }),
    );
  });
});

describe('resultCost', () => {
  const target = { provider: 'azure' as const, model: 'gpt-4o-mini', id: 'azure/gpt-4o-mini' };
  it('prices the target that answered, not the model name it reported', () => {
    const cost = resultCost(
      {
        cached: false,
        provider: 'azure',
        model: 'gpt-4o-mini-2024-07-18',
        usage: { inputTokens: 1e6, outputTokens: 0 },
      },
      target,
      {},
    );
    expect(cost.microUsd).toBe(150_000);
  });
  it('is 0 with cacheHit for a cache hit, with the price it would have had', () => {
    const cost = resultCost(
      {
        cached: true,
        provider: 'azure',
        model: 'gpt-4o-mini',
        usage: { inputTokens: 100, outputTokens: 100 },
      },
      target,
      {},
    );
    expect(cost).toMatchObject({ microUsd: 0, cacheHit: true, priced: true });
    expect(cost.price).toBe(DEFAULT_PRICES['azure/gpt-4o-mini']);
  });
});

describe('estimateCost', () => {
  it('is the estimated input plus maxTokens of output at the model price, rounded up', () => {
    // "hello world!" is 12 characters: 3 estimated tokens.
    const request = {
      model: 'azure/priced',
      messages: [{ role: 'user' as const, content: 'hello world!' }],
      maxTokens: 100,
    };
    expect(estimateCost(request, 'azure/priced', PRICES)).toBe(Math.ceil(3 * 0.15) + Math.ceil(100 * 0.6));
  });
  it('assumes DEFAULT_ESTIMATE_OUTPUT_TOKENS without maxTokens, and counts images at perImage', () => {
    const request = {
      model: 'azure/priced',
      messages: [
        {
          role: 'user' as const,
          content: [
            { type: 'text' as const, text: '' },
            { type: 'image' as const, mediaType: 'image/png' as const, data: 'AAAA' },
          ],
        },
      ],
    };
    const est = estimateCost(request, 'azure/priced', PRICES);
    expect(est).toBe(Math.ceil(1600 * 0.15) + Math.ceil(DEFAULT_ESTIMATE_OUTPUT_TOKENS * 0.6) + 200);
  });
  it('covers embeddings (input only) and is 0 for an unpriced model', () => {
    const texts = ['a'.repeat(400), 'b'.repeat(400)]; // 100 tokens each
    expect(estimateCost({ model: 'azure/priced', input: texts }, 'azure/priced', PRICES)).toBe(
      Math.ceil(200 * 0.15),
    );
    expect(estimateCost({ model: 'sagemaker/x', input: texts }, 'sagemaker/x')).toBe(0);
  });
  it('is never below the cost of an answer within maxTokens whose input was estimated', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), fc.integer({ min: 0, max: 4000 }), (text, maxTokens) => {
        const est = estimateCost(
          { model: 'azure/gpt-4o-mini', messages: [{ role: 'user', content: text }], maxTokens },
          'azure/gpt-4o-mini',
        );
        const tokens = Math.ceil(text.length / 4);
        expect(est).toBeGreaterThanOrEqual(
          costOf({ inputTokens: tokens, outputTokens: maxTokens }, 'azure/gpt-4o-mini').microUsd,
        );
      }),
    );
  });
});

describe("createClient's prices option (checkPrices)", () => {
  const message = (value: unknown): string => {
    try {
      checkPrices(value);
    } catch (e) {
      expect(isGenAiError(e) && e.kind === 'invalid-request').toBe(true);
      return (e as Error).message;
    }
    throw new Error('expected checkPrices to throw');
  };
  it('names the entry, the value received and what is expected', () => {
    expect(message([])).toMatch(/invalid prices: got an array of 0; expected an object of model address/);
    expect(message({ 'my-route': PRICE })).toMatch(/"my-route" is not a model address/);
    expect(message({ 'azure/x': { ...PRICE, inputPerMTok: -1 } })).toMatch(
      /invalid prices\["azure\/x"\]\.inputPerMTok: got -1; expected a number of USD >= 0 per million tokens/,
    );
    expect(message({ 'azure/x': { ...PRICE, outputPerMTok: undefined } })).toMatch(
      /outputPerMTok: got undefined/,
    );
    expect(message({ 'azure/x': { ...PRICE, perImage: Number.NaN } })).toMatch(
      /perImage: got NaN; .* per image/,
    );
    expect(message({ 'azure/x': { ...PRICE, source: '' } })).toMatch(
      /source: got ""; expected where the price comes from/,
    );
    expect(message({ 'azure/x': { ...PRICE, asOf: '04/12/2026' } })).toMatch(
      /asOf: got "04\/12\/2026"; expected .*YYYY-MM-DD/,
    );
  });
  it('accepts a good table', () => {
    expect(checkPrices({ 'sagemaker/my-endpoint': PRICE })).toEqual({ 'sagemaker/my-endpoint': PRICE });
    expect(checkPrices(undefined)).toEqual({});
  });
});
