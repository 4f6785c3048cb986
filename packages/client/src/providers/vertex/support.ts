import type { GenerateRequest } from '../../types.js';
import { hasImages, imageProblem, usesTools } from '../shared/support.js';

/**
 * What Vertex AI cannot honour: Gemini takes every shared sampling field, tools, JSON schemas and inline images
 * (7 MB each, 20 MB a request, 3,000 a prompt); a custom endpoint (`endpoints/...`, rawPredict) takes text only.
 */
export function vertexRefuses(model: string, req: GenerateRequest): string | undefined {
  if (/(?:^|\/)endpoints\/[^/]+$/.test(model)) {
    if (usesTools(req) || hasImages(req) || (req.responseFormat && req.responseFormat.type !== 'text')) {
      return `the Vertex AI custom endpoint ${model} serves its own container (rawPredict): tools, images and response formats go through Gemini models only`;
    }
    if (
      req.seed !== undefined ||
      req.presencePenalty !== undefined ||
      req.frequencyPenalty !== undefined ||
      req.topK !== undefined
    ) {
      return `the Vertex AI custom endpoint ${model} takes max tokens, temperature, top-p and stop only`;
    }
    return undefined;
  }
  return imageProblem(
    req,
    { maxCount: 3000, maxBytes: 7 * 1024 * 1024, maxTotalBytes: 20 * 1024 * 1024 },
    'Vertex AI Gemini',
  );
}
