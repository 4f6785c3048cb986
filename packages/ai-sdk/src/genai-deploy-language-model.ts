/**
 * A LanguageModelV3 over one model address or route of a GenAiClient: the client's cache, coalescing,
 * fallbacks, retries, breakers and rate limits run under every generateText / streamText step.
 */
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamResult,
} from '@ai-sdk/provider';
import type { GenAiClient, GenerateRequest } from '@genai-deploy/client';
import { mapError } from './map-error.js';
import { prepareRequest } from './prepare-request.js';
import { content, finishReason, providerMetadata, usage } from './results.js';
import { toStreamParts } from './stream-parts.js';

export interface GenAiDeployModelConfig {
  readonly provider: string;
  readonly client: GenAiClient;
}

export class GenAiDeployLanguageModel implements LanguageModelV3 {
  readonly specificationVersion = 'v3' as const;
  readonly provider: string;
  readonly modelId: string;
  /** None: the client sends images inline, so the SDK downloads URLs before the call. */
  readonly supportedUrls: Record<string, RegExp[]> = {};
  readonly #client: GenAiClient;

  constructor(modelId: string, config: GenAiDeployModelConfig) {
    this.modelId = modelId;
    this.provider = config.provider;
    this.#client = config.client;
  }

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    const { request, warnings } = prepareRequest(this.modelId, options);
    const body = requestBody(request);
    try {
      const result = await this.#client.generate(request);
      return {
        content: content(result),
        finishReason: finishReason(result.finishReason),
        usage: usage(result.usage),
        providerMetadata: providerMetadata(result),
        request: { body },
        response: { modelId: `${result.provider}/${result.model}` },
        warnings,
      };
    } catch (error) {
      throw mapError(error, this.modelId, body, options.abortSignal);
    }
  }

  async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    const { request, warnings } = prepareRequest(this.modelId, options);
    const body = requestBody(request);
    const events = this.#client.stream(request);
    let first: Awaited<ReturnType<typeof events.next>>;
    try {
      // A failure before the first event rejects doStream, as an HTTP provider's failed request does, so the
      // SDK's retry and error handling see it as a failed call rather than a broken stream.
      first = await events.next();
    } catch (error) {
      throw mapError(error, this.modelId, body, options.abortSignal);
    }
    return {
      stream: toStreamParts({
        events,
        first,
        warnings,
        modelId: this.modelId,
        requestBody: body,
        ...(options.abortSignal && { signal: options.abortSignal }),
      }),
      request: { body },
    };
  }
}

/** The request as data, for telemetry and errors (the signal is not data). */
function requestBody(request: GenerateRequest): Omit<GenerateRequest, 'signal'> {
  const { signal: _signal, ...rest } = request;
  return rest;
}
