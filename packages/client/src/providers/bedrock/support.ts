import type { GenerateRequest } from '../../types.js';
import { imageProblem, type SamplingField, unsupportedSampling, usesTools } from '../shared/support.js';
import { hasNativeStructuredOutput } from './converse-mapping.js';

const base = (model: string) => model.replace(/^(?:[a-z]{2,4}|global)\./, '');

/** Models whose native request takes top-k (through `additionalModelRequestFields`): Claude and Nova. */
export function bedrockTopK(model: string): 'anthropic' | 'nova' | undefined {
  const m = base(model);
  if (m.startsWith('anthropic.claude')) return 'anthropic';
  if (m.startsWith('amazon.nova')) return 'nova';
  return undefined;
}

/**
 * What Bedrock Converse cannot honour: it has no seed or penalties; top-k only on Claude and Nova; a forced tool
 * (`required` or one tool) only on Claude and Nova; images up to 20 per request and 3.75 MB each.
 */
export function bedrockRefuses(model: string, req: GenerateRequest): string | undefined {
  const accepted = new Set<SamplingField>(bedrockTopK(model) ? ['topK'] : []);
  const sampling = unsupportedSampling(req, accepted, `Bedrock Converse (${model})`);
  if (sampling) return sampling;
  const forcesTools = /^(?:anthropic\.claude|amazon\.nova)/.test(base(model));
  if (
    req.toolChoice !== undefined &&
    req.toolChoice !== 'auto' &&
    req.toolChoice !== 'none' &&
    !forcesTools
  ) {
    return `Bedrock takes a forced tool choice on Claude and Nova models only; ${model} takes "auto"`;
  }
  const f = req.responseFormat;
  if (f && f.type !== 'text' && !(f.type === 'json-schema' && hasNativeStructuredOutput(model))) {
    if (usesTools(req) && (req.tools?.length ?? 0) > 0) {
      return `${model} has no native structured output, and a JSON answer through a forced tool cannot be combined with tools; use Claude 4.5 or later, or drop one of the two`;
    }
    if (!forcesTools)
      return `${model} has neither native structured output nor forced tools; use a Claude or Nova model for JSON answers`;
  }
  return imageProblem(req, { maxCount: 20, maxBytes: 3_750_000 }, 'Bedrock Converse');
}
