import type { ProviderName } from './types.js';

/**
 * Per-model limits, one table. Validation (per-text limits, temperature), embedding splitting and the
 * micro-batcher (issue 6) all read it, so an advertised limit that drifts from the real one is fixed here once.
 * Sources: the providers' model pages (Vertex "Get text embeddings": 250 texts / 20,000 tokens per call, 2,048
 * tokens per text, gemini-embedding-001 one text per call; Bedrock Titan Text Embeddings v2: one text of up to
 * 8,192 tokens; Cohere Embed on Bedrock: 96 texts of 2,048 characters; Azure AI inference: 2,048 inputs).
 */

export interface EmbeddingLimits {
  /** Most texts one upstream call takes. */
  readonly maxTextsPerCall: number;
  /** Most (estimated) tokens one upstream call takes, all texts together. @default - no limit */
  readonly maxTokensPerCall?: number;
  /** Most (estimated) tokens in one text. @default - no limit */
  readonly maxTokensPerText?: number;
  /** Most characters in one text. @default - no limit */
  readonly maxCharsPerText?: number;
  /** Vector size when `dimensions` is not given. @default - unknown */
  readonly defaultDimensions?: number;
  /** `dimensions` values the model accepts: a list, or an inclusive range. @default - `dimensions` not supported */
  readonly dimensions?: readonly number[] | { readonly min: number; readonly max: number };
}

export interface ModelLimits {
  readonly provider: ProviderName;
  /** Matches the model id (without the provider prefix). */
  readonly match: RegExp;
  /** Inclusive temperature range. */
  readonly temperature?: { readonly min: number; readonly max: number };
  readonly embedding?: EmbeddingLimits;
}

/** Specific models first: the first matching row wins, the provider's catch-all row comes last. */
export const MODEL_LIMITS: readonly ModelLimits[] = [
  // Bedrock
  {
    provider: 'bedrock',
    match: /^(?:[a-z]{2}\.)?amazon\.titan-embed-text-v2/,
    embedding: {
      maxTextsPerCall: 1,
      maxTokensPerCall: 8192,
      maxTokensPerText: 8192,
      maxCharsPerText: 50_000,
      defaultDimensions: 1024,
      dimensions: [256, 512, 1024],
    },
  },
  {
    provider: 'bedrock',
    match: /^(?:[a-z]{2}\.)?amazon\.titan-embed-text-v1/,
    embedding: {
      maxTextsPerCall: 1,
      maxTokensPerCall: 8192,
      maxTokensPerText: 8192,
      defaultDimensions: 1536,
    },
  },
  {
    provider: 'bedrock',
    match: /^(?:[a-z]{2}\.)?cohere\.embed-(?:english|multilingual)-v3/,
    embedding: { maxTextsPerCall: 96, maxCharsPerText: 2048, defaultDimensions: 1024 },
  },
  {
    provider: 'bedrock',
    match: /^(?:[a-z]{2}\.)?(?:anthropic|amazon|meta|mistral|cohere|ai21)\./,
    temperature: { min: 0, max: 1 },
  },
  { provider: 'bedrock', match: /./, temperature: { min: 0, max: 1 } },
  // Vertex AI
  {
    provider: 'vertex',
    match: /^gemini-embedding-001$/,
    embedding: {
      maxTextsPerCall: 1,
      maxTokensPerCall: 2048,
      maxTokensPerText: 2048,
      defaultDimensions: 3072,
      dimensions: { min: 1, max: 3072 },
    },
  },
  {
    provider: 'vertex',
    match: /^(?:text-embedding-00[45]|text-multilingual-embedding-002)$/,
    embedding: {
      maxTextsPerCall: 250,
      maxTokensPerCall: 20_000,
      maxTokensPerText: 2048,
      defaultDimensions: 768,
      dimensions: { min: 1, max: 768 },
    },
  },
  { provider: 'vertex', match: /./, temperature: { min: 0, max: 2 } },
  // Azure AI inference (OpenAI-compatible chat and embeddings)
  { provider: 'azure', match: /./, temperature: { min: 0, max: 2 }, embedding: { maxTextsPerCall: 2048 } },
  // SageMaker: the container decides; TGI and vLLM reject negative temperatures only.
  {
    provider: 'sagemaker',
    match: /./,
    temperature: { min: 0, max: 100 },
    embedding: { maxTextsPerCall: 32 },
  },
];

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
 * A cheap, deterministic token estimate (about 4 characters per token for English, never less than one token
 * per 2 UTF-16 units of CJK-heavy text). It errs on the high side so that splitting stays under real limits.
 */
export function estimateTokens(text: string): number {
  if (text.length === 0) return 0;
  let wide = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x2e7f) wide++;
  return Math.ceil((text.length - wide) / 4 + wide / 1.5);
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
