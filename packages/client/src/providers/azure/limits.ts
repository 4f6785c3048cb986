import type { ModelLimitsRow } from '../provider-definition.js';

/** Azure AI inference's row of the limits table (OpenAI-compatible chat and embeddings: 2,048 inputs per call). */
export const AZURE_LIMITS: readonly ModelLimitsRow[] = [
  { match: /./, temperature: { min: 0, max: 2 }, embedding: { maxTextsPerCall: 2048 } },
];
