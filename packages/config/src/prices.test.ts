import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES, priceFor, pricesFromConfig } from './prices.js';
import { ConfigError, parseFrontConfig } from './schema.js';

describe('DEFAULT_PRICES', () => {
  it('gives every price a model address, an https source and the day it was read', () => {
    expect(Object.keys(DEFAULT_PRICES).length).toBeGreaterThan(0);
    for (const [address, price] of Object.entries(DEFAULT_PRICES)) {
      expect(address).toMatch(/^(bedrock|vertex|azure)\/\S+$/);
      expect(price.source).toMatch(/^https:\/\//);
      expect(price.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(price.inputPerMTok).toBeGreaterThan(0);
      expect(price.outputPerMTok).toBeGreaterThanOrEqual(0);
    }
  });

  it('leaves SageMaker endpoints unpriced (billed per instance-hour) and is frozen', () => {
    expect(Object.keys(DEFAULT_PRICES).some((a) => a.startsWith('sagemaker/'))).toBe(false);
    expect(Object.isFrozen(DEFAULT_PRICES)).toBe(true);
  });
});

describe('priceFor', () => {
  it('takes the override first, then DEFAULT_PRICES, exact addresses only', () => {
    const mine = { inputPerMTok: 9, outputPerMTok: 9, source: 'contract', asOf: '2026-12-01' };
    expect(priceFor('azure/gpt-4o-mini')).toBe(DEFAULT_PRICES['azure/gpt-4o-mini']);
    expect(priceFor('azure/gpt-4o-mini', { 'azure/gpt-4o-mini': mine })).toBe(mine);
    expect(priceFor('sagemaker/llama', { 'sagemaker/llama': mine })).toBe(mine);
    expect(priceFor('gpt-4o-mini')).toBeUndefined();
    expect(priceFor('azure/gpt-4o-mini@eastus')).toBeUndefined();
    expect(priceFor('toString')).toBeUndefined();
  });
});

describe('pricing and budgets in the configuration', () => {
  it('maps pricing to ModelPrices with a default source and date', () => {
    const config = parseFrontConfig({
      pricing: { 'sagemaker/llama-3-8b-tgi': { inputPerMTok: 0.5, outputPerMTok: 1.5 } },
      budgets: {},
    });
    expect(config.budgets).toEqual({ softLimitFraction: 0.8 });
    expect(pricesFromConfig(config.pricing, new Date('2026-12-04T10:00:00Z'))).toEqual({
      'sagemaker/llama-3-8b-tgi': {
        inputPerMTok: 0.5,
        outputPerMTok: 1.5,
        source: 'configuration',
        asOf: '2026-12-04',
      },
    });
    expect(pricesFromConfig(undefined)).toEqual({});
  });

  it('says which entry is wrong, what it got and what it expects', () => {
    const issues = (input: unknown) => {
      try {
        parseFrontConfig(input);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).issues;
      }
      throw new Error('expected the configuration to be refused');
    };
    expect(
      issues({
        pricing: { 'azure/x': { inputPerMTok: -1, outputPerMTok: 'cheap', asOf: 'yesterday', extra: 1 } },
      }),
    ).toEqual(
      expect.arrayContaining([
        { path: 'pricing.azure/x.inputPerMTok', message: expect.stringMatching(/>= 0/) },
        {
          path: 'pricing.azure/x.outputPerMTok',
          message: expect.stringMatching(/as a number of USD, e\.g\. 0\.15/),
        },
        { path: 'pricing.azure/x.asOf', message: expect.stringMatching(/YYYY-MM-DD/) },
        { path: 'pricing.azure/x', message: expect.stringMatching(/extra/) },
      ]),
    );
    expect(issues({ pricing: { 'fast-route': { inputPerMTok: 1, outputPerMTok: 1 } } })).toEqual([
      {
        path: 'pricing.fast-route',
        message: expect.stringMatching(
          /^"fast-route" is not a model address; expected "<provider>\/<model-or-endpoint>"/,
        ),
      },
    ]);
    expect(issues({ budgets: { softLimitFraction: 0 } })).toEqual([
      { path: 'budgets.softLimitFraction', message: expect.stringMatching(/> 0/) },
    ]);
    expect(issues({ budgets: { softLimitFraction: 1.5 } })[0]?.message).toMatch(/<= 1/);
  });
});
