export { type AzureSearchIndexOptions, azureSearchIndex } from './azure-search-index.js';
export { type ChunkTextStore, memoryChunkTextStore, type StoredChunk } from './chunk-text-store.js';
export {
  type ComparisonFilter,
  type ComparisonType,
  type CompoundFilter,
  type CompoundType,
  matchesFilter,
  type VectorStoreFilter,
  validateFilter,
} from './filter.js';
export { type MemoryIndexOptions, memoryIndex } from './memory-index.js';
export { type OpenSearchIndexOptions, type OpenSearchSpace, openSearchIndex } from './opensearch-index.js';
export { type RedisChunkTextStoreOptions, redisChunkTextStore } from './redis-chunk-text-store.js';
export type {
  Attributes,
  AttributeValue,
  Chunk,
  SearchHit,
  SearchOptions,
  VectorEngine,
  VectorIndex,
} from './types.js';
export { type VertexVectorSearchIndexOptions, vertexVectorSearchIndex } from './vertex-index.js';
