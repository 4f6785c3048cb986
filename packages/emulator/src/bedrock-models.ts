/** What the emulator knows of Bedrock model ids: limits per family and the embedding models' bodies. */

export interface BedrockTextModel {
  /** Largest maxTokens the model accepts. */
  readonly maxOutputTokens: number;
  /** Context window, in (whitespace) tokens. */
  readonly contextTokens: number;
}

const TEXT_MODELS: readonly (readonly [RegExp, BedrockTextModel])[] = [
  [/^anthropic\.claude-3-haiku/, { maxOutputTokens: 4096, contextTokens: 200_000 }],
  [/^anthropic\.claude-3-(opus|sonnet)/, { maxOutputTokens: 4096, contextTokens: 200_000 }],
  [/^anthropic\.claude-3-5-/, { maxOutputTokens: 8192, contextTokens: 200_000 }],
  [/^anthropic\.claude-3-7-/, { maxOutputTokens: 64_000, contextTokens: 200_000 }],
  [/^anthropic\.claude-(sonnet|opus|haiku)-4/, { maxOutputTokens: 64_000, contextTokens: 200_000 }],
  [/^anthropic\./, { maxOutputTokens: 8192, contextTokens: 200_000 }],
  [/^amazon\.nova-micro/, { maxOutputTokens: 10_000, contextTokens: 128_000 }],
  [/^amazon\.nova-/, { maxOutputTokens: 10_000, contextTokens: 300_000 }],
  [/^meta\.llama3/, { maxOutputTokens: 2048, contextTokens: 128_000 }],
  [/^mistral\./, { maxOutputTokens: 8192, contextTokens: 128_000 }],
  [/^cohere\.command/, { maxOutputTokens: 4000, contextTokens: 128_000 }],
];
const DEFAULT_TEXT_MODEL: BedrockTextModel = { maxOutputTokens: 8192, contextTokens: 200_000 };

/** Strips an ARN and a cross-region inference profile prefix (`us.`, `eu.`, `apac.`, `global.`). */
export function baseModelId(modelId: string): string {
  const last = modelId.startsWith('arn:') ? (modelId.split('/').pop() ?? modelId) : modelId;
  return last.replace(/^(us|eu|apac|jp|au|ca|us-gov|global)\./, '');
}

export function isEmbeddingModel(modelId: string): boolean {
  return /embed/.test(baseModelId(modelId));
}

export function textModel(modelId: string): BedrockTextModel {
  const id = baseModelId(modelId);
  return TEXT_MODELS.find(([re]) => re.test(id))?.[1] ?? DEFAULT_TEXT_MODEL;
}

export type InvokeFamily = 'titan-embed' | 'cohere-embed' | 'anthropic' | undefined;

export function invokeFamily(modelId: string): InvokeFamily {
  const id = baseModelId(modelId);
  if (id.startsWith('amazon.titan-embed-text')) return 'titan-embed';
  if (id.startsWith('cohere.embed')) return 'cohere-embed';
  if (id.startsWith('anthropic.')) return 'anthropic';
  return undefined;
}

/** Titan Text Embeddings: v2 defaults to 1024 (256/512/1024 allowed), v1 is 1536. */
export function titanDimensions(modelId: string): { default: number; allowed: readonly number[] } {
  return baseModelId(modelId).startsWith('amazon.titan-embed-text-v1')
    ? { default: 1536, allowed: [1536] }
    : { default: 1024, allowed: [256, 512, 1024] };
}

/** Cohere Embed v3: 1024 dimensions, up to 96 texts of 2,048 characters. v4: 1536 (256/512/1024/1536). */
export function cohereDimensions(modelId: string): { default: number; allowed: readonly number[] } {
  return /embed-v4/.test(baseModelId(modelId))
    ? { default: 1536, allowed: [256, 512, 1024, 1536] }
    : { default: 1024, allowed: [1024] };
}
