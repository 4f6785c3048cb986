import type { FrontConfigInput } from '@genai-deploy/config';
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { AiSearchVectorStore, type AiSearchVectorStoreProps } from './ai-search-vector-store.js';
import {
  ContainerAppFront,
  type ContainerAppFrontProps,
  escapeTerraformTemplate,
} from './container-app-front.js';
import { AzureMlOnlineEndpoint, type AzureMlOnlineEndpointProps } from './ml-online-endpoint.js';
import { AzureRedisCache, type AzureRedisCacheProps } from './redis-cache.js';
import type { ResourceGroupRef } from './resource-group-ref.js';

type WithoutRg<T> = Omit<T, 'resourceGroup'>;

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
  /** Vector store. @default - none */
  readonly search?: WithoutRg<AiSearchVectorStoreProps>;
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
    if (props.search)
      this.search = new AiSearchVectorStore(this, 'Search', { ...props.search, resourceGroup: rg });

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
    this.search?.grantIndexDataRead('Front', this.front.principalId);

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
