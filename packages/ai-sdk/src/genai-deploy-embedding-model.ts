/**
 * An EmbeddingModelV3 over a GenAiClient's `embed`: per-text cache, micro-batching across concurrent calls,
 * splitting by the model's limits and fallbacks all apply.
 */
import {
  type EmbeddingModelV3,
  type EmbeddingModelV3CallOptions,
  type EmbeddingModelV3Result,
  InvalidArgumentError,
  type SharedV3Warning,
} from '@ai-sdk/provider';
import {
  type CallCacheOptions,
  type EmbedInputType,
  type EmbedRequest,
  limitsFor,
} from '@genai-deploy/client';
import { parseModelAddress } from '@genai-deploy/config';
import type { GenAiDeployModelConfig } from './genai-deploy-language-model.js';
import { mapError } from './map-error.js';
import { PROVIDER_KEY } from './prepare-request.js';

/** `providerOptions.genaiDeploy` of an embed / embedMany call. */
export interface GenAiDeployEmbeddingOptions {
  /** Output dimensions, for models that can choose. @default - the model's default */
  readonly dimensions?: number;
  /** Retrieval role of the texts. @default 'document' */
  readonly inputType?: EmbedInputType;
  /** `false` skips the per-text cache; `{ scope }` keeps tenants' vectors apart. @default - cached per text */
  readonly cache?: boolean | CallCacheOptions;
  /** Overall deadline in ms. @default - the client's deadlineMs */
  readonly deadlineMs?: number;
  /** Fields passed through to the upstream provider's request. @default - none */
  readonly providerOptions?: Readonly<Record<string, unknown>>;
}

const EMBED_OPTION_KEYS = ['dimensions', 'inputType', 'cache', 'deadlineMs', 'providerOptions'] as const;

export class GenAiDeployEmbeddingModel implements EmbeddingModelV3 {
  readonly specificationVersion = 'v3' as const;
  readonly provider: string;
  readonly modelId: string;
  /**
   * A model address reports its per-call limit from the client's table, so embedMany sends full calls. A route's
   * targets may differ: it reports none and the client splits each call by the target it reaches.
   */
  readonly maxEmbeddingsPerCall: number | undefined;
  /** The client batches concurrent calls per target, so parallel calls cost no extra upstream requests. */
  readonly supportsParallelCalls = true;
  readonly #config: GenAiDeployModelConfig;

  constructor(modelId: string, config: GenAiDeployModelConfig) {
    this.modelId = modelId;
    this.provider = config.provider;
    this.#config = config;
    const address = parseModelAddress(modelId);
    this.maxEmbeddingsPerCall = address
      ? limitsFor(address.provider, address.model).embedding.maxTextsPerCall
      : undefined;
  }

  async doEmbed(options: EmbeddingModelV3CallOptions): Promise<EmbeddingModelV3Result> {
    const own = readEmbedOptions(options.providerOptions?.[PROVIDER_KEY]);
    const warnings: SharedV3Warning[] = [];
    const headers = Object.keys(options.headers ?? {}).filter((h) => h.toLowerCase() !== 'user-agent');
    if (headers.length > 0) {
      warnings.push({
        type: 'unsupported',
        feature: 'headers',
        details: `not sent: ${headers.join(', ')}; the client takes no per-call HTTP headers`,
      });
    }
    const request: EmbedRequest = {
      model: this.modelId,
      input: options.values,
      ...own,
      ...(options.abortSignal && { signal: options.abortSignal }),
    };
    try {
      const result = await this.#config.client.embed(request);
      return {
        embeddings: result.embeddings,
        usage: { tokens: result.usage.inputTokens },
        providerMetadata: {
          [PROVIDER_KEY]: {
            provider: result.provider,
            model: result.model,
            cached: result.cached,
            attempts: result.attempts,
            latencyMs: result.latencyMs,
          },
        },
        warnings,
      };
    } catch (error) {
      throw mapError(
        error,
        this.modelId,
        { ...own, model: this.modelId, input: options.values },
        options.abortSignal,
      );
    }
  }
}

function readEmbedOptions(raw: unknown): GenAiDeployEmbeddingOptions {
  if (raw === undefined) return {};
  const unknown =
    typeof raw === 'object' && raw !== null && !Array.isArray(raw)
      ? Object.keys(raw).filter((k) => !(EMBED_OPTION_KEYS as readonly string[]).includes(k))
      : ['(not an object)'];
  if (unknown.length > 0) {
    throw new InvalidArgumentError({
      argument: `providerOptions.${PROVIDER_KEY}`,
      message: `providerOptions.${PROVIDER_KEY} of an embedding call takes ${EMBED_OPTION_KEYS.join(', ')}; got ${JSON.stringify(raw)}`,
    });
  }
  return raw as GenAiDeployEmbeddingOptions;
}
