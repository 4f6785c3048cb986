export {
  GenAiDeployEmbeddingModel,
  type GenAiDeployEmbeddingOptions,
} from './genai-deploy-embedding-model.js';
export { GenAiDeployLanguageModel, type GenAiDeployModelConfig } from './genai-deploy-language-model.js';
export {
  createGenAiDeploy,
  type GenAiDeployProvider,
  type GenAiDeployProviderSettings,
} from './genai-deploy-provider.js';
export { type GenAiDeployCallOptions, PROVIDER_KEY } from './prepare-request.js';
