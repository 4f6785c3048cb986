export { ChatGenAiDeploy } from './chat-genai-deploy.js';
export type {
  ChatGenAiDeployCallOptions,
  ChatGenAiDeployInput,
  GenAiDeployRequestFields,
} from './chat-options.js';
export type { GenAiDeployResponseMetadata } from './chat-results.js';
export { GenAiDeployEmbeddings, type GenAiDeployEmbeddingsInput } from './genai-deploy-embeddings.js';
export {
  type GenAiDeployDocumentMetadata,
  GenAiDeployRetriever,
  type GenAiDeployRetrieverInput,
} from './genai-deploy-retriever.js';
