/**
 * The provider factory: `createGenAiDeploy({ client })` gives a ProviderV3 whose model ids are the client's
 * model addresses (`bedrock/...`, `vertex/...`) and route names.
 */
import { NoSuchModelError, type ProviderV3 } from '@ai-sdk/provider';
import type { GenAiClient } from '@genai-deploy/client';
import { GenAiDeployEmbeddingModel } from './genai-deploy-embedding-model.js';
import { GenAiDeployLanguageModel } from './genai-deploy-language-model.js';

export interface GenAiDeployProviderSettings {
  /**
   * The client every model of this provider calls (its providers, routes, cache and resilience options).
   * The provider never closes it: the application that created it does.
   */
  readonly client: GenAiClient;
  /** The provider name in the SDK's telemetry and errors. @default 'genai-deploy' */
  readonly name?: string;
}

export interface GenAiDeployProvider extends ProviderV3 {
  /** A language model: a model address (`vertex/gemini-2.0-flash`) or a route name of the client. */
  (modelId: string): GenAiDeployLanguageModel;
  languageModel(modelId: string): GenAiDeployLanguageModel;
  /** An embedding model: a model address (`vertex/text-embedding-005`) or a route name. */
  embeddingModel(modelId: string): GenAiDeployEmbeddingModel;
  /** @deprecated Use `embeddingModel`. */
  textEmbeddingModel(modelId: string): GenAiDeployEmbeddingModel;
}

export function createGenAiDeploy(settings: GenAiDeployProviderSettings): GenAiDeployProvider {
  if (!settings?.client || typeof settings.client.generate !== 'function') {
    throw new TypeError(
      `createGenAiDeploy: settings.client must be a GenAiClient (from createClient of @genai-deploy/client); got ${settings?.client === undefined ? 'undefined' : typeof settings.client}`,
    );
  }
  const config = { provider: settings.name ?? 'genai-deploy', client: settings.client };
  const languageModel = (modelId: string) => new GenAiDeployLanguageModel(modelId, config);
  const embeddingModel = (modelId: string) => new GenAiDeployEmbeddingModel(modelId, config);
  const noSuchModel = (modelType: 'imageModel') => (modelId: string) => {
    throw new NoSuchModelError({
      modelId,
      modelType,
      message: `${config.provider} has no ${modelType} "${modelId}": the client serves language and embedding models only`,
    });
  };
  return Object.assign((modelId: string) => languageModel(modelId), {
    specificationVersion: 'v3' as const,
    languageModel,
    embeddingModel,
    textEmbeddingModel: embeddingModel,
    imageModel: noSuchModel('imageModel'),
  });
}
