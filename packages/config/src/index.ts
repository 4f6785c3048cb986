export { CONSTRUCT_ERROR_CODE, ConstructError, isConstructError } from './construct-error.js';
export {
  FRONT_ENV,
  FRONT_ENV_NAMES,
  type FrontEnvKey,
  type FrontEnvName,
  type FrontEnvSetter,
  type FrontEnvVariable,
  frontEnvName,
} from './front-env.js';
export {
  DEFAULT_PRICES,
  type ModelPrice,
  type ModelPriceConfig,
  modelPriceSchema,
  priceFor,
  pricesFromConfig,
} from './prices.js';
export * from './schema.js';
export {
  type RouteRetrievalConfig,
  routeRetrievalSchema,
  type VectorStoreConfig,
  vectorStoreSchema,
} from './vector-store-config.js';
export {
  acceptsDimension,
  describeDimensions,
  describeVectorStoreEmbeddingProblem,
  type EmbeddingDimensions,
  type EmbeddingModelCatalog,
  embeddingDimensions,
  resolveVectorStoreEmbedding,
  type VectorStoreEmbedding,
  type VectorStoreEmbeddingProblem,
  type VectorStoreEmbeddingRequest,
  type VectorStoreEmbeddingResult,
} from './vector-store-embedding.js';
