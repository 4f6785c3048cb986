import { FRONT_ENV, type FrontConfigInput, type RouteConfig } from '@genai-deploy/config';
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { CloudRunFront, type CloudRunFrontProps } from './cloud-run-front.js';
import { errors } from './errors.js';
import { GenAiAlerts, type GenAiAlertsProps } from './gen-ai-alerts.js';
import { MemorystoreCache, type MemorystoreCacheProps } from './memorystore-cache.js';
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
  /** Vector Search for retrieval. @default - none */
  readonly vectorSearch?: Omit<VertexVectorSearchProps, 'location' | 'project'>;
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
      this.cache = new MemorystoreCache(this, 'Cache', {
        ...cacheProps,
        location: props.location,
        ...project,
        network: props.network.network,
        ...(cacheProps.engine !== 'redis' && {
          subnetworks: props.network.pscSubnetworks ?? [props.network.subnetwork],
        }),
      });
    }

    const { config: frontConfig, ...frontProps } = props.front;
    this.front = new CloudRunFront(this, 'Front', {
      ...frontProps,
      location: props.location,
      ...project,
      config: { ...frontConfig, models, routes },
      ...(props.network && {
        vpc: {
          network: props.network.network,
          subnetwork: props.network.subnetwork,
          ...(props.network.tags && { tags: props.network.tags }),
        },
      }),
      ...(this.cache && { cache: this.cache }),
    });

    if (props.vectorSearch) {
      this.vectorSearch = new VertexVectorSearch(this, 'VectorSearch', {
        ...props.vectorSearch,
        location: props.location,
        ...project,
      });
    }
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
}
