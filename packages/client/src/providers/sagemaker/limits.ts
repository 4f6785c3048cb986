import type { ModelLimitsRow } from '../provider-definition.js';

/** SageMaker's row of the limits table: the container decides; TGI and vLLM reject negative temperatures only. */
export const SAGEMAKER_LIMITS: readonly ModelLimitsRow[] = [
  { match: /./, temperature: { min: 0, max: 100 }, embedding: { maxTextsPerCall: 32 } },
];
