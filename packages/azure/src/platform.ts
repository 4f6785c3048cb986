import { type FrontConfigInput, resolveVectorStoreEmbedding } from '@genai-deploy/config';
import { TerraformOutput, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  AiSearchVectorStore,
  type AiSearchVectorStoreProps,
  type SearchIndexManagement,
} from './ai-search-vector-store.js';
import {
  ContainerAppFront,
  type ContainerAppFrontProps,
  escapeTerraformTemplate,
} from './container-app-front.js';
import { errors } from './errors.js';
import { AzureMlOnlineEndpoint, type AzureMlOnlineEndpointProps } from './ml-online-endpoint.js';
import { AzureRedisCache, type AzureRedisCacheProps } from './redis-cache.js';
import type { ResourceGroupRef } from './resource-group-ref.js';

type WithoutRg<T> = Omit<T, 'resourceGroup'>;

const INDEX_NAME = /^[a-z0-9][a-z0-9-]{0,126}[a-z0-9]$/;

/**
 * The platform's Azure AI Search service behind the front's vector store API. The front creates its index on
 * first use (an index is a data-plane object: no ARM resource, so no Terraform resource, creates it) and reaches
 * the service with its managed identity: Search Index Data Contributor for documents, index management as
 * `indexManagement` says, and no keys.
 */
export interface PlatformSearch extends WithoutRg<AiSearchVectorStoreProps> {
  /**
   * What embeds chunks and queries: a model address or a route with one target.
   * @default - the front configuration's only embedding model
   */
  readonly embeddingModel?: string;
  /** Vector length of the index. @default - the embedding model's (required for a model on an Azure ML endpoint) */
  readonly dimension?: number;
  /** @default 'genai-chunks' */
  readonly indexName?: string;
  /** How the front may create its index. @default 'custom-role' */
  readonly indexManagement?: SearchIndexManagement;
}

export interface AzureGenAiPlatformProps {
  readonly resourceGroup: ResourceGroupRef;
  /** The model endpoint and its GPU deployments. */
  readonly endpoint: WithoutRg<AzureMlOnlineEndpointProps>;
  /**
   * The front. `config` defaults to one model `azure/<endpoint name>` and a route `default` to it; the endpoint's
   * URL and the cache URL are filled in when the configuration does not set them.
   */
  readonly front: WithoutRg<Omit<ContainerAppFrontProps, 'config'>> & { readonly config?: FrontConfigInput };
  /** Shared cache for the front. `false` leaves it out. @default - Balanced_B1 with Entra authentication */
  readonly cache?: (WithoutRg<Omit<AzureRedisCacheProps, 'name'>> & { readonly name?: string }) | false;
  /** Vector store behind the front's `/v1/vector_stores` and grounded chat. @default - none: that API is off */
  readonly search?: PlatformSearch;
}

/**
 * The Azure pattern: an Azure ML online endpoint with GPU deployments, the OpenAI-compatible front on Container
 * Apps calling it with its managed identity, Azure Managed Redis as the shared cache and, optionally, Azure AI
 * Search. Every access between them is a role assignment to the front's identity; no keys are exchanged.
 */
export class AzureGenAiPlatform extends Construct {
  readonly endpoint: AzureMlOnlineEndpoint;
  readonly front: ContainerAppFront;
  readonly cache?: AzureRedisCache;
  readonly search?: AiSearchVectorStore;

  constructor(scope: Construct, id: string, props: AzureGenAiPlatformProps) {
    super(scope, id);
    const rg = props.resourceGroup;
    this.endpoint = new AzureMlOnlineEndpoint(this, 'Endpoint', { ...props.endpoint, resourceGroup: rg });

    if (props.cache !== false) {
      const c = props.cache ?? {};
      this.cache = new AzureRedisCache(this, 'Cache', {
        ...c,
        name: c.name ?? `redis-${props.endpoint.name}`,
        resourceGroup: rg,
      });
    }
    const { embeddingModel, dimension, indexName, indexManagement, ...searchProps } = props.search ?? {};
    if (props.search)
      this.search = new AiSearchVectorStore(this, 'Search', {
        ...(searchProps as WithoutRg<AiSearchVectorStoreProps>),
        resourceGroup: rg,
      });

    const model = `azure/${this.endpoint.name}`;
    const given = props.front.config;
    const config: FrontConfigInput = {
      ...given,
      models: given?.models ?? [{ id: model }],
      routes: given?.routes ?? { default: { targets: [model] } },
      providers: {
        ...given?.providers,
        azure: given?.providers?.azure ?? { endpoint: this.endpoint.baseUrl },
      },
      cache:
        this.cache && !given?.cache?.redisUrl
          ? { ...(given?.cache as object), redisUrl: this.cache.url }
          : (given?.cache as FrontConfigInput['cache']),
    };
    if (this.search) {
      const path = this.search.node.path;
      const index = indexName ?? 'genai-chunks';
      if (!Token.isUnresolved(index) && !INDEX_NAME.test(index))
        throw errors.invalidSearchIndexName(path, index);
      const chosen = resolveVectorStoreEmbedding(config, {
        ...(embeddingModel !== undefined && { embeddingModel }),
        ...(dimension !== undefined && { dimension }),
      });
      if (!chosen.ok) throw errors.vectorStoreEmbedding(path, chosen.problem);
      config.vectorStore = {
        engine: 'azure-search',
        endpoint: this.search.endpoint,
        index,
        embeddingModel: chosen.value.embeddingModel,
        dimension: chosen.value.dimension,
        // Chunking settings given in the front's config stay; the rest is this service's.
        ...(given?.vectorStore?.chunking && { chunking: given.vectorStore.chunking }),
        ...(given?.vectorStore?.maxFileBytes !== undefined && {
          maxFileBytes: given.vectorStore.maxFileBytes,
        }),
      };
    }

    this.front = new ContainerAppFront(this, 'Front', {
      ...props.front,
      keyVaultId:
        props.front.keyVaultId ??
        (props.front.apiKeysSecretId || props.front.secrets?.length
          ? this.endpoint.workspace.keyVaultId
          : undefined),
      config,
      resourceGroup: rg,
    });

    if (this.endpoint.authMode === 'AADToken') this.endpoint.grantInvoke('Front', this.front.principalId);
    if (this.cache?.entraAuthOnly) this.cache.grantDataAccess('front', this.front.principalId);
    if (this.search) {
      // Documents through the data role; the index itself, which the front creates on first use, through the
      // narrowest role that can read and create it. Keys stay off (localAuthentication defaults to false).
      this.search.grantIndexDataWrite('Front', this.front.principalId);
      this.search.grantIndexManagement('Front', this.front.principalId, indexManagement);
    }

    new TerraformOutput(this, 'FrontUrl', { value: this.front.url, description: 'Public URL of the front.' });
    new TerraformOutput(this, 'FrontRoutes', {
      value: escapeTerraformTemplate(JSON.stringify(this.front.config.routes)),
      description: "The front's routes (name to ordered targets), as JSON.",
    });
    new TerraformOutput(this, 'ScoringUri', {
      value: this.endpoint.scoringUri,
      description: 'Scoring URI of the Azure ML online endpoint.',
    });
  }
}
