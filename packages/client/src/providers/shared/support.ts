/**
 * What a provider cannot honour, said before any network call: a sampling field it has no equivalent for, or
 * images beyond its limits. Used by each provider definition's `refuses`.
 */
import type { GenerateRequest } from '../../types.js';

/** The sampling fields that not every provider takes. */
export type SamplingField = 'seed' | 'presencePenalty' | 'frequencyPenalty' | 'topK';
const SAMPLING_FIELDS: readonly SamplingField[] = ['seed', 'presencePenalty', 'frequencyPenalty', 'topK'];

/** The first sampling field set on the request that `accepted` lacks, with a sentence saying so. */
export function unsupportedSampling(
  req: GenerateRequest,
  accepted: ReadonlySet<SamplingField>,
  who: string,
): string | undefined {
  for (const field of SAMPLING_FIELDS) {
    if (req[field] !== undefined && !accepted.has(field)) {
      return `${who} has no \`${field}\`; remove it (it is never dropped silently) or use a model that takes it`;
    }
  }
  return undefined;
}

/** Image limits of a provider. */
export interface ImageLimits {
  /** Most images in one request. */
  readonly maxCount: number;
  /** Largest image, in bytes. */
  readonly maxBytes: number;
  /** Largest total of images in one request, in bytes. @default - no limit beyond maxCount × maxBytes */
  readonly maxTotalBytes?: number;
}

/** Bytes of base64 text. */
function decodedBytes(base64: string): number {
  let pad = 0;
  if (base64.endsWith('==')) pad = 2;
  else if (base64.endsWith('=')) pad = 1;
  return (base64.length / 4) * 3 - pad;
}

/** Why the request's images exceed `limits`, or undefined. */
export function imageProblem(req: GenerateRequest, limits: ImageLimits, who: string): string | undefined {
  let count = 0;
  let total = 0;
  for (const m of req.messages ?? []) {
    if (m.role !== 'user' || typeof m.content === 'string') continue;
    for (const p of m.content) {
      if (p.type !== 'image') continue;
      count++;
      const bytes = decodedBytes(p.data);
      total += bytes;
      if (bytes > limits.maxBytes) {
        return `${who} takes images of at most ${limits.maxBytes} bytes; one is ${bytes} bytes. Resize it`;
      }
    }
  }
  if (count > limits.maxCount)
    return `${who} takes at most ${limits.maxCount} images per request; got ${count}`;
  if (limits.maxTotalBytes !== undefined && total > limits.maxTotalBytes) {
    return `${who} takes at most ${limits.maxTotalBytes} bytes of images per request; got ${total}`;
  }
  return undefined;
}

/** True when the request carries an image. */
export function hasImages(req: GenerateRequest): boolean {
  return (req.messages ?? []).some(
    (m) => m.role === 'user' && typeof m.content !== 'string' && m.content.some((p) => p.type === 'image'),
  );
}

/** True when the request uses tools (definitions, calls or results). */
export function usesTools(req: GenerateRequest): boolean {
  return (
    (req.tools?.length ?? 0) > 0 ||
    (req.messages ?? []).some(
      (m) => m.role === 'tool' || (m.role === 'assistant' && (m.toolCalls?.length ?? 0) > 0),
    )
  );
}
