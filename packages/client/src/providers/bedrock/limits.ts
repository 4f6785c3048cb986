import type { ModelLimitsRow } from '../provider-definition.js';

/**
 * Bedrock's rows of the limits table. Sources: Titan Text Embeddings v2: one text of up to 8,192 tokens;
 * Cohere Embed on Bedrock: 96 texts of 2,048 characters; the Converse models take temperatures 0 to 1.
 */
export const BEDROCK_LIMITS: readonly ModelLimitsRow[] = [
  {
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
    match: /^(?:[a-z]{2}\.)?amazon\.titan-embed-text-v1/,
    embedding: {
      maxTextsPerCall: 1,
      maxTokensPerCall: 8192,
      maxTokensPerText: 8192,
      defaultDimensions: 1536,
    },
  },
  {
    match: /^(?:[a-z]{2}\.)?cohere\.embed-(?:english|multilingual)-v3/,
    embedding: { maxTextsPerCall: 96, maxCharsPerText: 2048, defaultDimensions: 1024 },
  },
  {
    match: /^(?:[a-z]{2}\.)?(?:anthropic|amazon|meta|mistral|cohere|ai21)\./,
    temperature: { min: 0, max: 1 },
  },
  { match: /./, temperature: { min: 0, max: 1 } },
];
