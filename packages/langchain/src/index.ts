export {
  ChatGenAiDeploy,
  type ChatGenAiDeployCallOptions,
  type ChatGenAiDeployInput,
  type GenAiDeployRequestFields,
} from './chat-genai-deploy.js';
export type { GenAiDeployResponseMetadata } from './chat-results.js';
export { GenAiDeployEmbeddings, type GenAiDeployEmbeddingsInput } from './genai-deploy-embeddings.js';
export {
  type GenAiDeployDocumentMetadata,
  GenAiDeployRetriever,
  type GenAiDeployRetrieverInput,
} from './genai-deploy-retriever.js';
