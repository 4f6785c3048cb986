import { type ModelPrice, priceFor } from '@genai-deploy/config';
import type { Cost, Target } from '../types.js';
import { costOf, zeroCost } from './cost.js';

/**
 * The target that produced an answer when no step set `ctx.target` on the call's own context: the embed batcher
 * answers from a context of its own, and the split and fallback steps set it on child contexts. The answer names
 * its provider and model (Vertex may report a model version, hence the provider-only second choice).
 */
export function answeredBy(
  targets: readonly Target[],
  answer: { readonly provider: string; readonly model: string },
): Target | undefined {
  return (
    targets.find((t) => t.provider === answer.provider && t.model === answer.model) ??
    targets.find((t) => t.provider === answer.provider)
  );
}

/** What a call's answer cost: its usage at the price of the target that answered; 0 for a cache hit. */
export function resultCost(
  result: {
    readonly cached: boolean;
    readonly provider: string;
    readonly model: string;
    readonly usage: { readonly inputTokens: number; readonly outputTokens?: number };
  },
  target: Target | undefined,
  prices: Readonly<Record<string, ModelPrice>> | undefined,
): Cost {
  const address = `${target?.provider ?? result.provider}/${target?.model ?? result.model}`;
  if (result.cached) {
    const price = priceFor(address, prices);
    return zeroCost({ cacheHit: true, ...(price ? { price } : {}) });
  }
  return costOf(result.usage, address, prices);
}
