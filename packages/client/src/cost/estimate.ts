import { type ModelPrice, priceFor } from '@genai-deploy/config';
import { estimateInputTokens, estimateTokens } from '../tokens.js';
import type { EmbedRequest, GenerateRequest, Message } from '../types.js';

/**
 * Output tokens an estimate assumes when a request sets no `maxTokens`: the configuration's default
 * `maxOutputTokens`. @default 4096
 */
export const DEFAULT_ESTIMATE_OUTPUT_TOKENS = 4096;

function imageCount(messages: readonly Message[]): number {
  let n = 0;
  for (const m of messages)
    if (m.role === 'user' && typeof m.content !== 'string')
      for (const p of m.content) if (p.type === 'image') n++;
  return n;
}

/**
 * An upper estimate of a call's cost in µ$, before it is made: its input tokens as the client estimates them
 * (tokens.ts, on the high side; no prompt-cache discount), plus `maxTokens` output tokens (or
 * DEFAULT_ESTIMATE_OUTPUT_TOKENS), for a model address with `prices` over DEFAULT_PRICES. 0 for an unpriced
 * model. What a budget reserves before a call.
 */
export function estimateCost(
  request: GenerateRequest | EmbedRequest,
  model: string,
  prices?: Readonly<Record<string, ModelPrice>>,
): number {
  const price = priceFor(model, prices);
  if (!price) return 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let images = 0;
  if ('input' in request) {
    for (const text of typeof request.input === 'string' ? [request.input] : request.input)
      inputTokens += estimateTokens(text);
  } else {
    inputTokens = estimateInputTokens(request);
    outputTokens = request.maxTokens ?? DEFAULT_ESTIMATE_OUTPUT_TOKENS;
    images = price.perImage ? imageCount(request.messages) : 0;
  }
  return (
    Math.ceil(inputTokens * price.inputPerMTok) +
    Math.ceil(outputTokens * price.outputPerMTok) +
    Math.ceil(images * 1e6 * (price.perImage ?? 0))
  );
}
