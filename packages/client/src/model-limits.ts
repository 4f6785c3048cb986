import { PROVIDERS } from '@genai-deploy/config';
import type { EmbeddingLimits, ModelLimits } from './providers/provider-definition.js';
import { PROVIDER_REGISTRY } from './providers/registry.js';
import { estimateTokens } from './tokens.js';
import type { ProviderName } from './types.js';

export type { EmbeddingLimits, ModelLimits };

/**
 * Per-model limits, one table. Validation (per-text limits, temperature), embedding splitting and the
 * micro-batcher all read it, so an advertised limit that drifts from the real one is fixed once, in the
 * provider's folder (`providers/<name>/limits.ts`, with its sources). Rows are in registry order; a lookup
 * compares only the rows of its provider, where specific models come first and the catch-all row last.
 */
export const MODEL_LIMITS: readonly ModelLimits[] = PROVIDERS.flatMap((provider) =>
  PROVIDER_REGISTRY[provider].limits.map((row): ModelLimits => ({ provider, ...row })),
);

/** Embedding limits used when the table has no row for a model. */
export const DEFAULT_EMBEDDING_LIMITS: EmbeddingLimits = { maxTextsPerCall: 16 };

/** The limits row for a model (the first matching row of each kind of limit wins). */
export function limitsFor(
  provider: ProviderName,
  model: string,
): {
  temperature?: { min: number; max: number };
  embedding: EmbeddingLimits;
} {
  const key = `${provider}/${model}`;
  let found = memo.get(key);
  if (!found) {
    found = lookup(provider, model);
    if (memo.size >= 1000) memo.clear();
    memo.set(key, found);
  }
  return found;
}

// Lookups run on every call (validation, splitting): remember them per model.
const memo = new Map<string, ReturnType<typeof lookup>>();

function lookup(
  provider: ProviderName,
  model: string,
): {
  temperature?: { min: number; max: number };
  embedding: EmbeddingLimits;
} {
  let temperature: { min: number; max: number } | undefined;
  let embedding: EmbeddingLimits | undefined;
  for (const row of MODEL_LIMITS) {
    if (row.provider !== provider || !row.match.test(model)) continue;
    temperature ??= row.temperature;
    embedding ??= row.embedding;
    if (temperature && embedding) break;
  }
  return { ...(temperature ? { temperature } : {}), embedding: embedding ?? DEFAULT_EMBEDDING_LIMITS };
}

/**
 * Splits texts into consecutive groups that each fit one upstream call (texts per call and tokens per call).
 * Returns index ranges `[start, end)` into `texts`, in order.
 */
export function planEmbeddingCalls(texts: readonly string[], limits: EmbeddingLimits): [number, number][] {
  const groups: [number, number][] = [];
  let start = 0;
  let tokens = 0;
  for (let i = 0; i < texts.length; i++) {
    const t = limits.maxTokensPerCall === undefined ? 0 : estimateTokens(texts[i] ?? '');
    const full =
      i - start >= limits.maxTextsPerCall ||
      (limits.maxTokensPerCall !== undefined && i > start && tokens + t > limits.maxTokensPerCall);
    if (full) {
      groups.push([start, i]);
      start = i;
      tokens = 0;
    }
    tokens += t;
  }
  if (texts.length > start) groups.push([start, texts.length]);
  return groups;
}
