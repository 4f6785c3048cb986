import {
  FRONT_ENV,
  type FrontConfigInput,
  type RouteConfig,
  resolveVectorStoreEmbedding,
} from '@genai-deploy/config';
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { CloudRunFront, type CloudRunFrontProps } from './cloud-run-front.js';
import { errors } from './errors.js';
import { GenAiAlerts, type GenAiAlertsProps } from './gen-ai-alerts.js';
import { MemorystoreCache, type MemorystoreCacheProps } from './memorystore-cache.js';
import { providerProject } from './provider-project.js';
import { VertexAiEndpoint, type VertexAiEndpointProps } from './vertex-ai-endpoint.js';
import { VertexVectorSearch, type VertexVectorSearchProps } from './vertex-vector-search.js';

/** A self-deployed model of the platform: its endpoint plus how the front treats it. */
export interface PlatformEndpoint extends Omit<VertexAiEndpointProps, 'location' | 'project'> {
  /** @default 'chat' */
  readonly kind?: 'chat' | 'embedding';
  /** Largest `max_tokens` the front accepts for it. @default 4096 */
  readonly maxOutputTokens?: number;
  /** Largest prompt the front accepts, in estimated tokens. @default - no limit beyond the model's */
  readonly maxInputTokens?: number;
}

/** The VPC the platform lives in. */
export interface PlatformNetwork {
  /** "projects/{project}/global/networks/{name}". */
  readonly network: string;
  /** Subnetwork the front egresses from (Direct VPC egress), in the platform's region. */
  readonly subnetwork: string;
  /** Subnetworks for Memorystore's PSC endpoints (Valkey). @default [subnetwork] */
  readonly pscSubnetworks?: readonly string[];
  /** Network tags on the front's interfaces. @default [] */
  readonly tags?: readonly string[];
}

/**
 * The platform's Vector Search index behind the front's vector store API: a stream-update index (the front upserts
 * and removes datapoints as files come and go), dot product on unit-normalized vectors (cosine, which the front's
 * scores assume), on a public endpoint (IAM-authenticated; the front's findNeighbors goes over REST, which a private
 * endpoint does not serve). Chunk text lives in the platform's Memorystore cache.
 */
export interface PlatformVectorSearch
  extends Omit<VertexVectorSearchProps, 'location' | 'project' | 'dimensions' | 'updateMethod'> {
  /**
   * What embeds chunks and queries: a model address, an endpoint name or a route with one target.
   * @default - the platform's only embedding model
   */
  readonly embeddingModel?: string;
  /** Vector length of the index. @default - the embedding model's (required for a self-deployed model) */
  readonly dimensions?: number;
}

export interface GcpGenAiPlatformProps {
  /** Region of every resource, e.g. "us-central1". */
  readonly location: string;
  /** @default - the provider's project */
  readonly project?: string;
  /** Self-deployed models by name; route targets may use these names. @default {} */
  readonly endpoints?: Readonly<Record<string, PlatformEndpoint>>;
  /**
   * Models the front calls without deploying them here (e.g. `vertex/gemini-2.0-flash`, `bedrock/...`).
   * @default []
   */
  readonly models?: FrontConfigInput['models'];
  /**
   * Routes of the front. A target is a model address or the name of one of `endpoints`.
   * @default - one route per endpoint, named after it
   */
  readonly routes?: Readonly<
    Record<string, { readonly targets: readonly string[] } & Partial<Omit<RouteConfig, 'targets'>>>
  >;
  /** The front: image and service settings; `config` holds limits, cache TTLs, CORS, logging. */
  readonly front: Omit<CloudRunFrontProps, 'location' | 'project' | 'config' | 'cache' | 'vpc'> & {
    readonly config?: Omit<FrontConfigInput, 'models' | 'routes'>;
  };
  /** The VPC; required for the cache. @default - no VPC: the front has no cache tier */
  readonly network?: PlatformNetwork;
  /**
   * The shared cache, or false for none. The default is Memorystore for Redis with AUTH and TLS, which the front
   * connects to with GENAI_REDIS_PASSWORD and GENAI_REDIS_CA_PEM; Valkey's IAM auth needs token support in the front.
   * @default - `{ engine: 'redis' }` when `network` is given, else none
   */
  readonly cache?: false | Omit<MemorystoreCacheProps, 'location' | 'project' | 'network' | 'subnetworks'>;
  /**
   * Vector Search behind the front's `/v1/vector_stores` and grounded chat; needs the cache (chunk text).
   * @default - none: the front's vector store API is off
   */
  readonly vectorSearch?: PlatformVectorSearch;
  /** Alert policies on endpoint errors, latency and the front's 5xx, or false. @default false */
  readonly alerts?: false | Omit<GenAiAlertsProps, 'endpoints' | 'front' | 'project'>;
}

/**
 * The Google Cloud pattern: Vertex AI endpoints for self-deployed models, the front on Cloud Run in front of
 * them (and of any other provider), a Memorystore cache in the VPC, optional Vector Search and alert policies.
 * Outputs the front's URL and its route configuration.
 */
export class GcpGenAiPlatform extends Construct {
  readonly endpoints: Readonly<Record<string, VertexAiEndpoint>>;
  readonly front: CloudRunFront;
  readonly cache?: MemorystoreCache;
  readonly vectorSearch?: VertexVectorSearch;
  readonly alerts?: GenAiAlerts;
  readonly frontUrlOutput: TerraformOutput;
  readonly routesOutput: TerraformOutput;

  constructor(scope: Construct, id: string, props: GcpGenAiPlatformProps) {
    super(scope, id);
    const path = this.node.path;
    const project = props.project !== undefined ? { project: props.project } : {};

    const endpoints: Record<string, VertexAiEndpoint> = {};
    for (const [name, ep] of Object.entries(props.endpoints ?? {})) {
      const { kind: _kind, maxOutputTokens: _max, maxInputTokens: _in, ...endpointProps } = ep;
      endpoints[name] = new VertexAiEndpoint(this, name, {
        ...endpointProps,
        location: props.location,
        ...project,
      });
    }
    this.endpoints = endpoints;

    const models: NonNullable<FrontConfigInput['models']> = [
      ...Object.entries(props.endpoints ?? {}).map(([name, ep]) => ({
        id: (endpoints[name] as VertexAiEndpoint).modelAddress,
        kind: ep.kind ?? 'chat',
        ...(ep.maxOutputTokens !== undefined && { maxOutputTokens: ep.maxOutputTokens }),
        ...(ep.maxInputTokens !== undefined && { maxInputTokens: ep.maxInputTokens }),
        region: props.location,
      })),
      ...(props.models ?? []),
    ];
    const resolveTarget = (t: string) => endpoints[t]?.modelAddress ?? t;
    const routes: NonNullable<FrontConfigInput['routes']> = props.routes
      ? Object.fromEntries(
          Object.entries(props.routes).map(([name, r]) => [
            name,
            { ...r, targets: r.targets.map(resolveTarget) },
          ]),
        )
      : Object.fromEntries(
          Object.entries(endpoints).map(([name, ep]) => [name, { targets: [ep.modelAddress] }]),
        );

    const wantsCache = props.cache !== false && (props.cache !== undefined || props.network !== undefined);
    if (wantsCache) {
      if (!props.network) throw errors.cacheNetwork(`${path}/Cache`);
      const cacheProps = { engine: 'redis' as const, ...(props.cache || {}) };
      if (props.vectorSearch) checkChunkTextCache(`${path}/Cache`, cacheProps);
      this.cache = new MemorystoreCache(this, 'Cache', {
        ...cacheProps,
        // Chunk text has no TTL and must stay: evict only what expires (cached answers, jobs, limits).
        ...(props.vectorSearch && { maxmemoryPolicy: cacheProps.maxmemoryPolicy ?? 'volatile-lru' }),
        location: props.location,
        ...project,
        network: props.network.network,
        ...(cacheProps.engine !== 'redis' && {
          subnetworks: props.network.pscSubnetworks ?? [props.network.subnetwork],
        }),
      });
    }

    const { config: frontConfig, ...frontProps } = props.front;
    let vectorStore: FrontConfigInput['vectorStore'];
    if (props.vectorSearch) {
      const { search, embeddingModel } = this.createVectorSearch(
        props,
        props.vectorSearch,
        { models, routes },
        resolveTarget,
      );
      this.vectorSearch = search;
      vectorStore = {
        engine: 'vertex',
        project: providerProject(this, props.project),
        location: props.location,
        indexId: search.indexId,
        indexEndpointId: search.indexEndpointId,
        deployedIndexId: search.deployedIndexId,
        ...(search.publicEndpointDomainName && { publicEndpointDomain: search.publicEndpointDomainName }),
        embeddingModel,
        dimension: search.dimensions,
        // Chunking settings given in the front's config stay; the rest is this index's.
        ...(frontConfig?.vectorStore?.chunking && { chunking: frontConfig.vectorStore.chunking }),
        ...(frontConfig?.vectorStore?.maxFileBytes !== undefined && {
          maxFileBytes: frontConfig.vectorStore.maxFileBytes,
        }),
      };
    }
    this.front = new CloudRunFront(this, 'Front', {
      ...frontProps,
      location: props.location,
      ...project,
      config: { ...frontConfig, models, routes, ...(vectorStore && { vectorStore }) },
      ...(props.network && {
        vpc: {
          network: props.network.network,
          subnetwork: props.network.subnetwork,
          ...(props.network.tags && { tags: props.network.tags }),
        },
      }),
      ...(this.cache && { cache: this.cache }),
    });

    if (props.alerts) {
      this.alerts = new GenAiAlerts(this, 'Alerts', {
        ...props.alerts,
        endpoints: Object.values(endpoints),
        front: this.front,
        ...project,
      });
    }

    this.frontUrlOutput = new TerraformOutput(this, 'FrontUrl', {
      value: this.front.url,
      description: "The front's URL (OpenAI-compatible API under /v1).",
    });
    this.routesOutput = new TerraformOutput(this, 'FrontRoutes', {
      value: JSON.stringify({ models: this.front.config.models, routes: this.front.config.routes }),
      description: `The front's models and routes, as it loads them from ${FRONT_ENV.config.name}.`,
    });
  }

  /** The index, its endpoint and deployment, made for the embedding model the front uses. */
  private createVectorSearch(
    props: GcpGenAiPlatformProps,
    wanted: PlatformVectorSearch,
    catalog: Pick<FrontConfigInput, 'models' | 'routes'>,
    resolveTarget: (t: string) => string,
  ): { search: VertexVectorSearch; embeddingModel: string } {
    const path = `${this.node.path}/VectorSearch`;
    const { embeddingModel, dimensions, ...searchProps } = wanted;
    if ((searchProps.distance ?? 'dot-product') !== 'dot-product')
      throw errors.vectorSearchForFront(
        path,
        'distance',
        `"${searchProps.distance}"`,
        '"dot-product"',
        'the front reads its scores as cosine similarity, which is the dot product of unit vectors',
      );
    if (searchProps.normalize === false)
      throw errors.vectorSearchForFront(
        path,
        'normalize',
        'false',
        'true',
        'the index must scale vectors to unit length (UNIT_L2_NORM) for dot products to be cosines',
      );
    const access = searchProps.access?.type ?? 'public';
    if (access !== 'public')
      throw errors.vectorSearchForFront(
        path,
        'access.type',
        `"${access}"`,
        '"public"',
        "the front calls findNeighbors over REST on the endpoint's public domain (still IAM-authenticated); a " +
          'private endpoint answers gRPC only, inside the network',
      );
    const chosen = resolveVectorStoreEmbedding(catalog, {
      ...(embeddingModel !== undefined && { embeddingModel: resolveTarget(embeddingModel) }),
      ...(dimensions !== undefined && { dimension: dimensions }),
    });
    if (!chosen.ok) throw errors.vectorStoreEmbedding(path, chosen.problem);
    const search = new VertexVectorSearch(this, 'VectorSearch', {
      ...searchProps,
      dimensions: chosen.value.dimension,
      updateMethod: 'stream',
      location: props.location,
      ...(props.project !== undefined && { project: props.project }),
    });
    return { search, embeddingModel: chosen.value.embeddingModel };
  }
}

/** The cache keeps chunk text too: no eviction of keys without a TTL, and one node (MULTI across keys). */
function checkChunkTextCache(
  path: string,
  cache: { engine?: string; maxmemoryPolicy?: string; mode?: string },
): void {
  if (cache.maxmemoryPolicy?.startsWith('allkeys-')) {
    throw errors.vectorStoreCache(
      path,
      `maxmemoryPolicy is "${cache.maxmemoryPolicy}", which evicts keys without a TTL. Expected a volatile-* or ` +
        'noeviction policy. Fix: drop maxmemoryPolicy (the platform sets "volatile-lru" with a vector store).',
    );
  }
  if (cache.engine === 'valkey' && cache.mode === 'cluster') {
    throw errors.vectorStoreCache(
      path,
      'mode is "cluster", but a chunk is written with its file and store sets in one MULTI, which a cluster ' +
        'refuses across slots. Expected mode "cluster-disabled". Fix: drop mode, or use engine "redis".',
    );
  }
}
