import {
  type AzureSearchIndexOptions,
  azureSearchIndex,
  memoryChunkTextStore,
  memoryIndex,
  type OpenSearchIndexOptions,
  openSearchIndex,
  redisChunkTextStore,
  type VectorIndex,
  type VertexVectorSearchIndexOptions,
  vertexVectorSearchIndex,
} from '@genai-deploy/client/retrieval';
import type { VectorStoreConfig } from '@genai-deploy/config';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/**
 * The front's identity towards its vector store. In the cloud every field is left out and each engine's default
 * chain applies (the function's role for SigV4, Application Default Credentials, DefaultAzureCredential); locally
 * the emulator's fake credentials are passed.
 */
export interface VectorIndexIdentity {
  /** @default - the AWS SDK's default chain */
  readonly awsCredentials?: OpenSearchIndexOptions['credentials'];
  /** @default - Application Default Credentials */
  readonly googleAuthClient?: VertexVectorSearchIndexOptions['authClient'];
  /** @default - DefaultAzureCredential (RBAC roles on the Search service, not admin keys) */
  readonly azureCredential?: AzureSearchIndexOptions['credential'];
  /** Vertex keeps vectors only: chunk text goes to the front's Redis (else this process's memory). */
  readonly redis?: Redis;
  /** @default 'genai:front:' */
  readonly keyPrefix?: string;
  readonly logger?: Logger;
}

/** The VectorIndex a configuration's `vectorStore` names, on the client's retrieval module. */
export async function vectorIndexFromConfig(
  config: VectorStoreConfig,
  identity: VectorIndexIdentity = {},
): Promise<VectorIndex> {
  switch (config.engine) {
    case 'memory':
      return memoryIndex({ dimension: config.dimension });
    case 'opensearch':
      return openSearchIndex({
        node: config.endpoint,
        region: config.region,
        indexName: config.index,
        dimension: config.dimension,
        ...(identity.awsCredentials ? { credentials: identity.awsCredentials } : {}),
      });
    case 'vertex': {
      if (!identity.redis) {
        identity.logger?.warn(
          'vectorStore.engine is vertex but the front has no Redis: chunk text is kept in this process and lost on restart; set config.cache.redisUrl',
        );
      }
      const textStore = identity.redis
        ? redisChunkTextStore({
            redis: identity.redis,
            keyPrefix: `${identity.keyPrefix ?? 'genai:front:'}chunks:`,
          })
        : memoryChunkTextStore();
      return vertexVectorSearchIndex({
        project: config.project,
        location: config.location,
        indexId: config.indexId,
        indexEndpointId: config.indexEndpointId,
        deployedIndexId: config.deployedIndexId,
        ...(config.publicEndpointDomain ? { matchEndpoint: config.publicEndpointDomain } : {}),
        ...(identity.googleAuthClient ? { authClient: identity.googleAuthClient } : {}),
        textStore,
        dimension: config.dimension,
      });
    }
    case 'azure-search':
      return azureSearchIndex({
        endpoint: config.endpoint,
        indexName: config.index,
        credential: identity.azureCredential ?? (await defaultAzureCredential()),
        dimension: config.dimension,
      });
  }
}

/** DefaultAzureCredential, loaded only by fronts on Azure. */
async function defaultAzureCredential(): Promise<AzureSearchIndexOptions['credential']> {
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new DefaultAzureCredential();
}
