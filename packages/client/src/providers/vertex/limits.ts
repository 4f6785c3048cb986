import type { ModelLimitsRow } from '../provider-definition.js';

/**
 * Vertex AI's rows of the limits table. Sources: "Get text embeddings": 250 texts / 20,000 tokens per call,
 * 2,048 tokens per text; gemini-embedding-001: one text per call; Gemini takes temperatures 0 to 2.
 */
export const VERTEX_LIMITS: readonly ModelLimitsRow[] = [
  {
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
    match: /^(?:text-embedding-00[45]|text-multilingual-embedding-002)$/,
    embedding: {
      maxTextsPerCall: 250,
      maxTokensPerCall: 20_000,
      maxTokensPerText: 2048,
      defaultDimensions: 768,
      dimensions: { min: 1, max: 768 },
    },
  },
  { match: /./, temperature: { min: 0, max: 2 } },
];
