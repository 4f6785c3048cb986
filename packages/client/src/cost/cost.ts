/**
 * The cost of a call in integer micro-dollars (µ$, 1 USD = 1,000,000 µ$), so that sums over many calls are exact.
 * Each component (input, cached input, output, images) is rounded to the nearest µ$ once, then summed.
 */
import { DEFAULT_PRICES, type ModelPrice, priceFor } from '@genai-deploy/config';
import type { Cost, Usage } from '../types.js';

export { type Cost, DEFAULT_PRICES, type ModelPrice, priceFor };

/** Usage as costOf reads it. `cachedInputTokens` are part of `inputTokens` (OpenAI's convention). */
export type CostUsage = Pick<Usage, 'inputTokens'> &
  Partial<Pick<Usage, 'outputTokens'>> & {
    /** Input tokens read from the provider's prompt cache (included in inputTokens). @default 0 */
    readonly cachedInputTokens?: number;
    /** Input images billed per image (only for prices with `perImage`). @default 0 */
    readonly images?: number;
  };

/**
 * µ$ for `units` at `usdPerMillionUnits`: n × price, rounded once. A true product is a multiple of 1e-6 at most
 * (integer units, prices with up to 6 decimals), so nudging it by 1e-9 before rounding undoes float noise below a
 * half (3 × 0.15 = 0.44999999999999996 stays 0, 0.1 × 5 = 0.5 rounds up) and moves no real value.
 */
function micro(units: number, usdPerMillionUnits: number): number {
  if (units <= 0 || usdPerMillionUnits <= 0) return 0;
  return Math.round(units * usdPerMillionUnits + 1e-9);
}

const count = (n: number | undefined): number =>
  typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;

/** A cost of 0 µ$: an unpriced model (`priced: false`) or a cache hit (`cacheHit: true`). */
export function zeroCost(options: { readonly cacheHit: boolean; readonly price?: ModelPrice }): Cost {
  return {
    microUsd: 0,
    usd: 0,
    inputMicroUsd: 0,
    cachedInputMicroUsd: 0,
    outputMicroUsd: 0,
    imageMicroUsd: 0,
    priced: options.price !== undefined,
    cacheHit: options.cacheHit,
    ...(options.price ? { price: options.price } : {}),
  };
}

/**
 * The cost of a call from its usage, for a model address (`<provider>/<model-or-endpoint>`), with `prices` over
 * DEFAULT_PRICES. A model without a price costs 0 with `priced: false`.
 */
export function costOf(usage: CostUsage, model: string, prices?: Readonly<Record<string, ModelPrice>>): Cost {
  const price = priceFor(model, prices);
  if (!price) return zeroCost({ cacheHit: false });
  const input = count(usage.inputTokens);
  const cached = Math.min(count(usage.cachedInputTokens), input);
  const inputMicroUsd = micro(input - cached, price.inputPerMTok);
  const cachedInputMicroUsd = micro(cached, price.cachedInputPerMTok ?? price.inputPerMTok);
  const outputMicroUsd = micro(count(usage.outputTokens), price.outputPerMTok);
  // perImage is USD per image: µ$ per million images is perImage × 1e12, so n × perImage × 1e6 µ$.
  const imageMicroUsd = price.perImage ? micro(count(usage.images) * 1e6, price.perImage) : 0;
  const microUsd = inputMicroUsd + cachedInputMicroUsd + outputMicroUsd + imageMicroUsd;
  return {
    microUsd,
    usd: microUsd / 1e6,
    inputMicroUsd,
    cachedInputMicroUsd,
    outputMicroUsd,
    imageMicroUsd,
    priced: true,
    cacheHit: false,
    price,
  };
}

/** µ$ as USD text with 6 decimals (`1234` → `"0.001234"`), as the front's `x-genai-cost-usd` shows it. */
export function formatUsd(microUsd: number): string {
  return (microUsd / 1e6).toFixed(6);
}
