import { CloudRunV2Service } from '@cdktf/provider-google/lib/cloud-run-v2-service/index.js';
import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member/index.js';
import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role/index.js';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member/index.js';
import { SecretManagerSecret } from '@cdktf/provider-google/lib/secret-manager-secret/index.js';
import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member/index.js';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import {
  ConfigError,
  FRONT_ENV,
  type FrontConfig,
  type FrontConfigInput,
  parseFrontConfig,
  resolveVectorStoreEmbedding,
} from '@genai-deploy/config';
import { Annotations, type ITerraformDependable, Token } from 'cdktf';
import { Construct } from 'constructs';
import type { FrontCacheConnection } from './cache-connection.js';
import { type CloudRunFrontTracing, cloudRunTracing } from './cloud-run-front-tracing.js';
import { errors } from './errors.js';
import { providerProject } from './provider-project.js';
import { parseSecretName, type SecretRef } from './secret-ref.js';
import { stableName } from './stable-id.js';
import { checkWholeNumber } from './whole-number.js';

/** Who may reach the service's URL at the network level. */
export type FrontIngress = 'all' | 'internal' | 'internal-and-load-balancer';

const INGRESS: Record<FrontIngress, string> = {
  all: 'INGRESS_TRAFFIC_ALL',
  internal: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
  'internal-and-load-balancer': 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
};

/** How the front's service account may call Vertex AI. */
export type VertexAccess =
  /** roles/aiplatform.user on the project: the narrowest predefined role that can predict. */
  | 'aiplatform-user'
  /** A project custom role with only aiplatform.endpoints.predict (the deployer needs roles/iam.roleAdmin). */
  | 'predict-only'
  /** No Vertex AI access (the front routes to other clouds only). */
  | 'none';

/** Direct VPC egress: the service gets an address in this subnetwork. */
export interface FrontVpcAccess {
  /** Network name, self link or id. */
  readonly network: string;
  /** Subnetwork name, self link or id, in the service's region. */
  readonly subnetwork: string;
  /** Network tags for firewall rules. @default [] */
  readonly tags?: readonly string[];
  /** Which traffic goes through the VPC. @default 'private-ranges-only' */
  readonly egress?: 'private-ranges-only' | 'all-traffic';
}

export interface CloudRunFrontProps {
  /** Region of the service, e.g. "us-central1". */
  readonly location: string;
  /** @default - the provider's project */
  readonly project?: string;
  /** The front's container image (Artifact Registry), built from packages/front's Dockerfile. */
  readonly image: string;
  /**
   * The front's configuration (models, routes, cache, limits). Validated at synth with
   * `@genai-deploy/config` and passed as the `GENAI_CONFIG` environment variable. Never put secrets in it.
   */
  readonly config: FrontConfigInput;
  /** Service name (lowercase letters, digits, hyphens; at most 49). @default - derived from the construct path */
  readonly serviceName?: string;

  /**
   * Secret holding the API keys (comma-separated) that the front accepts, exposed as `GENAI_API_KEYS`.
   * When not given, an empty secret is created: add its first version before the first revision can start
   * (`gcloud secrets versions add <secretId> --data-file=-`). Key values never pass through Terraform.
   * @default - a new secret `<serviceName>-api-keys`
   */
  readonly apiKeysSecret?: SecretRef;
  /** More environment variables from Secret Manager; the service account can read exactly these. @default {} */
  readonly secretEnvironment?: Readonly<Record<string, SecretRef>>;
  /** Plain environment variables (not secrets). @default {} */
  readonly environment?: Readonly<Record<string, string>>;

  /** Instances kept warm. @default 0 */
  readonly minInstances?: number;
  /** @default 10 */
  readonly maxInstances?: number;
  /** Concurrent requests per instance (streams are I/O bound). @default 80 */
  readonly concurrency?: number;
  /** @default '1' */
  readonly cpu?: string;
  /** @default '512Mi' */
  readonly memory?: string;
  /**
   * Keep CPU allocated outside requests (instance-based billing). The front runs async jobs (`/v1/jobs`) after
   * it has answered 202, which needs CPU outside a request; streams themselves are inside their request.
   * Turn off to pay only while requests run if you do not use jobs.
   * @default true
   */
  readonly cpuAlwaysAllocated?: boolean;
  /** Request timeout in seconds (long generations and streams). @default 3600 */
  readonly timeoutSeconds?: number;

  /**
   * Network-level reachability. The default keeps the run.app URL off the internet: callers come from the
   * VPC or through an external Application Load Balancer (where Cloud Armor can rate-limit).
   * @default 'internal-and-load-balancer'
   */
  readonly ingress?: FrontIngress;
  /**
   * Skip Cloud Run's IAM invoker check, so clients can call with only an API key (`Authorization: Bearer <key>`
   * as OpenAI clients do). Off by default: callers then present a Google ID token in `Authorization` and the
   * API key in `x-api-key`.
   * @default false
   */
  readonly allowUnauthenticated?: boolean;
  /** Members granted roles/run.invoker ("serviceAccount:app@p.iam.gserviceaccount.com"). @default [] */
  readonly invokers?: readonly string[];
  /** Direct VPC egress, needed to reach Memorystore. @default - no VPC access */
  readonly vpc?: FrontVpcAccess;
  /** The cache the front uses; needs `vpc`. @default - in-memory cache only */
  readonly cache?: FrontCacheConnection;
  /**
   * With a Vertex AI Vector Search `vectorStore` in the config, 'predict-only' and 'none' also get
   * aiplatform.indexes.update and aiplatform.indexEndpoints.queryVectors (a custom role, project-wide).
   * @default 'aiplatform-user'
   */
  readonly vertexAccess?: VertexAccess;
  /** Refuse `terraform destroy` and replacements of the service. @default true */
  readonly deletionProtection?: boolean;
  /** @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Traces to Cloud Trace through a collector sidecar (see CloudRunFrontTracing). @default - no tracing */
  readonly tracing?: CloudRunFrontTracing;
}

/**
 * What the front does on a Vertex AI Vector Search index: upsertDatapoints and removeDatapoints
 * (aiplatform.indexes.update) and findNeighbors on the deployed index (aiplatform.indexEndpoints.queryVectors).
 */
const VECTOR_SEARCH_PERMISSIONS = ['aiplatform.indexes.update', 'aiplatform.indexEndpoints.queryVectors'];

/** Set by this construct (the front's contract) or by Cloud Run itself (PORT, K_*): not user environment. */
const RESERVED_ENV: readonly string[] = [
  FRONT_ENV.port.name,
  FRONT_ENV.config.name,
  FRONT_ENV.apiKeys.name,
  FRONT_ENV.redisPassword.name,
  FRONT_ENV.redisIamAuth.name,
  FRONT_ENV.redisCaPem.name,
  'K_SERVICE',
  'K_REVISION',
  'K_CONFIGURATION',
];

/**
 * The OpenAI-compatible front on Cloud Run (`google_cloud_run_v2_service`) with its own service account:
 * Vertex AI predict, secret accessor on its own secrets only, and nothing else. Not publicly invokable
 * unless asked; the front checks API keys in any case.
 */
export class CloudRunFront extends Construct {
  readonly service: CloudRunV2Service;
  readonly serviceAccount: ServiceAccount;
  /** `serviceAccount:<email>`, for IAM bindings elsewhere. */
  readonly serviceAccountMember: string;
  /** The service's run.app URL. */
  readonly url: string;
  readonly serviceName: string;
  readonly location: string;
  readonly project: string;
  /** The validated configuration with its defaults, as the front will see it. */
  readonly config: FrontConfig;
  /** The secret the front reads its API keys from, when this construct created it. */
  readonly apiKeysSecret?: SecretManagerSecret;
  /** Secret id of the API keys secret. */
  readonly apiKeysSecretId: string;

  private readonly grants: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, props: CloudRunFrontProps) {
    super(scope, id);
    const path = this.node.path;
    const known = (v: number | undefined): v is number => v !== undefined && !Token.isUnresolved(v);

    if (!props.location || (!Token.isUnresolved(props.location) && props.location.trim() === '')) {
      throw errors.locationRequired(path);
    }
    const minInstances = props.minInstances ?? 0;
    const maxInstances = props.maxInstances ?? 10;
    const concurrency = props.concurrency ?? 80;
    const timeoutSeconds = props.timeoutSeconds ?? 3600;
    if (known(minInstances) && (minInstances < 0 || !Number.isInteger(minInstances))) {
      throw errors.outOfRange(
        path,
        'minInstances',
        minInstances,
        0,
        1000,
        'use 0 to scale to zero, 1+ to keep instances warm.',
      );
    }
    if (known(maxInstances) && (maxInstances < 1 || !Number.isInteger(maxInstances))) {
      throw errors.outOfRange(
        path,
        'maxInstances',
        maxInstances,
        1,
        1000,
        'raise maxInstances to at least 1.',
      );
    }
    if (known(minInstances) && known(maxInstances) && minInstances > maxInstances) {
      throw errors.instanceRange(path, minInstances, maxInstances);
    }
    checkWholeNumber(
      path,
      'concurrency',
      concurrency,
      1,
      1000,
      'Cloud Run takes 1 to 1000 requests per instance.',
    );
    checkWholeNumber(
      path,
      'timeoutSeconds',
      timeoutSeconds,
      1,
      3600,
      'Cloud Run requests last at most 3600 s.',
    );
    const ingress = props.ingress ?? 'internal-and-load-balancer';
    if (!(ingress in INGRESS)) throw errors.invalidEnum(path, 'ingress', ingress, Object.keys(INGRESS));
    const vertexAccess = props.vertexAccess ?? 'aiplatform-user';
    if (!['aiplatform-user', 'predict-only', 'none'].includes(vertexAccess)) {
      throw errors.invalidEnum(path, 'vertexAccess', vertexAccess, [
        'aiplatform-user',
        'predict-only',
        'none',
      ]);
    }
    for (const name of [
      ...Object.keys(props.environment ?? {}),
      ...Object.keys(props.secretEnvironment ?? {}),
    ]) {
      if (RESERVED_ENV.includes(name)) throw errors.reservedEnv(path, name);
    }
    if (props.cache && !props.vpc) throw errors.cacheWithoutVpc(path);

    this.serviceName = props.serviceName ?? stableName(path, { maxLength: 49 });
    if (
      !Token.isUnresolved(this.serviceName) &&
      !/^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$/.test(this.serviceName)
    ) {
      throw errors.invalidName(
        path,
        'serviceName',
        this.serviceName,
        'lowercase letters, digits and hyphens, starting with a letter, at most 49 characters',
      );
    }
    this.location = props.location;
    this.project = providerProject(this, props.project);

    // The configuration: the cache's URL goes in, credentials never do.
    let input: FrontConfigInput = props.cache
      ? { ...props.config, cache: { ...props.config.cache, redisUrl: props.cache.redisUrl } }
      : props.config;
    // Vertex models without a Vertex provider block: the service's own project and region.
    const usesVertex = (input.models ?? []).some((m) => m.id.startsWith('vertex/'));
    if (usesVertex && !input.providers?.vertex) {
      input = {
        ...input,
        providers: { ...input.providers, vertex: { project: this.project, location: props.location } },
      };
    }
    const redisUrl = input.cache?.redisUrl;
    if (redisUrl && !Token.isUnresolved(redisUrl) && /^rediss?:\/\/[^/]*@/.test(redisUrl)) {
      throw errors.secretInConfig(path, 'config.cache.redisUrl');
    }
    try {
      this.config = parseFrontConfig(input, `configuration of ${path}`);
    } catch (e) {
      if (e instanceof ConfigError) throw errors.invalidFrontConfig(path, e.message);
      throw e;
    }
    const store = this.config.vectorStore;
    if (store) {
      const checked = resolveVectorStoreEmbedding(this.config, store);
      if (!checked.ok) throw errors.vectorStoreEmbedding(path, checked.problem);
      if (store.engine === 'vertex' && !this.config.cache.redisUrl)
        throw errors.vectorStoreWithoutCache(path);
    }
    const vectorSearch = store?.engine === 'vertex';

    this.serviceAccount = new ServiceAccount(this, 'ServiceAccount', {
      accountId: stableName(path, { maxLength: 30 }),
      displayName: `genai-deploy front ${this.serviceName}`,
      description: 'Runs the genai-deploy front: Vertex AI predict and its own secrets only.',
      ...(props.project !== undefined && { project: props.project }),
    });
    this.serviceAccountMember = this.serviceAccount.member;

    if (vertexAccess === 'aiplatform-user') {
      // Vertex AI has no endpoint-level IAM in provider 6.x and no narrower predefined role that can predict:
      // roles/aiplatform.user on the project is the least a predefined role allows. The same goes for a Vector
      // Search store: there is no IAM on an index or index endpoint (no google_vertex_ai_index*_iam_*), and this
      // is the documented role for upsertDatapoints, removeDatapoints and findNeighbors, so the project it is.
      this.grants.push(
        new ProjectIamMember(this, 'VertexUser', {
          project: this.project,
          role: 'roles/aiplatform.user',
          member: this.serviceAccountMember,
        }),
      );
    } else if (vertexAccess === 'predict-only' || vectorSearch) {
      // A custom role holds exactly the permissions the front uses; still project-wide, for the same reason.
      const predict = vertexAccess === 'predict-only';
      const uses =
        predict && vectorSearch ? 'predict and vector search' : predict ? 'predict' : 'vector search';
      const role = new ProjectIamCustomRole(this, predict ? 'PredictRole' : 'VectorSearchRole', {
        project: this.project,
        roleId: stableName(path, { prefix: predict ? 'genai_' : 'genai_vs_', maxLength: 64, separator: '_' }),
        title: `genai-deploy ${uses} (${this.serviceName})`,
        description: [
          ...(predict ? ['Online prediction on Vertex AI endpoints and publisher models'] : []),
          ...(vectorSearch ? ['upserts, removals and neighbor queries on Vector Search indexes'] : []),
        ]
          .join('; ')
          .concat('; nothing else.'),
        permissions: [
          ...(predict ? ['aiplatform.endpoints.predict'] : []),
          ...(vectorSearch ? VECTOR_SEARCH_PERMISSIONS : []),
        ],
      });
      this.grants.push(
        new ProjectIamMember(this, predict ? 'VertexPredict' : 'VectorSearchAccess', {
          project: this.project,
          role: role.name,
          member: this.serviceAccountMember,
        }),
      );
    }

    // Secrets: API keys plus any extra secret env vars; the account can read exactly these.
    let apiKeysRef: SecretRef;
    if (props.apiKeysSecret) {
      apiKeysRef = props.apiKeysSecret;
    } else {
      this.apiKeysSecret = new SecretManagerSecret(this, 'ApiKeys', {
        secretId: `${this.serviceName}-api-keys`,
        replication: { auto: {} },
        ...(props.project !== undefined && { project: props.project }),
        labels: { 'managed-by': 'genai-deploy', ...props.labels },
      });
      apiKeysRef = { secret: this.apiKeysSecret.secretId };
    }
    this.apiKeysSecretId = apiKeysRef.secret;
    const secretEnv: [string, SecretRef][] = [
      [FRONT_ENV.apiKeys.name, apiKeysRef],
      ...Object.entries(props.secretEnvironment ?? {}),
      ...(props.cache?.passwordSecretId
        ? [[FRONT_ENV.redisPassword.name, { secret: props.cache.passwordSecretId }] as [string, SecretRef]]
        : []),
    ];
    const granted = new Map<string, string>();
    for (const [name, ref] of secretEnv) {
      if (granted.has(ref.secret)) continue;
      const { project, secretId } = parseSecretName(ref.secret);
      const grant = new SecretManagerSecretIamMember(this, `SecretAccess${granted.size}`, {
        secretId,
        ...((project ?? props.project) !== undefined && { project: project ?? props.project }),
        role: 'roles/secretmanager.secretAccessor',
        member: this.serviceAccountMember,
      });
      granted.set(ref.secret, name);
      this.grants.push(grant);
    }
    if (props.cache) props.cache.grantConnect(this.serviceAccountMember, this.project);
    if (props.cache?.iamAuth) {
      Annotations.of(this).addWarning(
        'The cache uses IAM authentication: the front must send an access token of its service account as the Redis ' +
          `password (${FRONT_ENV.redisIamAuth.name}=true). Fronts that only read ${FRONT_ENV.redisPassword.name} cannot connect; use ` +
          "MemorystoreCache engine 'redis' (AUTH) or authorization 'none' with them.",
      );
    }

    const tracing = cloudRunTracing(this, path, props.tracing, {
      serviceName: this.serviceName,
      member: this.serviceAccountMember,
      project: this.project,
      environment: props.environment ?? {},
    });
    const env = [
      { name: FRONT_ENV.config.name, value: JSON.stringify(this.config) },
      ...tracing.env,
      ...Object.entries(props.environment ?? {}).map(([name, value]) => ({ name, value })),
      ...(props.cache?.iamAuth ? [{ name: FRONT_ENV.redisIamAuth.name, value: 'true' }] : []),
      ...(props.cache?.caCertificatePem
        ? [{ name: FRONT_ENV.redisCaPem.name, value: props.cache.caCertificatePem }]
        : []),
      ...secretEnv.map(([name, ref]) => ({
        name,
        valueSource: { secretKeyRef: { secret: ref.secret, version: ref.version ?? 'latest' } },
      })),
    ];

    const vpc = props.vpc;
    this.service = new CloudRunV2Service(this, 'Resource', {
      name: this.serviceName,
      location: props.location,
      ...(props.project !== undefined && { project: props.project }),
      ingress: INGRESS[ingress],
      invokerIamDisabled: props.allowUnauthenticated ?? false,
      deletionProtection: props.deletionProtection ?? true,
      labels: { 'managed-by': 'genai-deploy', ...props.labels },
      template: {
        serviceAccount: this.serviceAccount.email,
        maxInstanceRequestConcurrency: concurrency,
        timeout: `${timeoutSeconds}s`,
        executionEnvironment: 'EXECUTION_ENVIRONMENT_GEN2',
        scaling: { minInstanceCount: minInstances, maxInstanceCount: maxInstances },
        ...(vpc && {
          vpcAccess: {
            egress: vpc.egress === 'all-traffic' ? 'ALL_TRAFFIC' : 'PRIVATE_RANGES_ONLY',
            networkInterfaces: [
              { network: vpc.network, subnetwork: vpc.subnetwork, ...(vpc.tags && { tags: [...vpc.tags] }) },
            ],
          },
        }),
        containers: [
          {
            name: 'front',
            image: props.image,
            ports: { containerPort: 8080, name: 'http1' },
            resources: {
              limits: { cpu: props.cpu ?? '1', memory: props.memory ?? '512Mi' },
              // Set explicitly: once `resources` is present the provider no longer applies Cloud Run's default.
              cpuIdle: !(props.cpuAlwaysAllocated ?? true),
              startupCpuBoost: true,
            },
            env,
            startupProbe: {
              httpGet: { path: '/health', port: 8080 },
              periodSeconds: 2,
              timeoutSeconds: 2,
              failureThreshold: 30,
            },
            livenessProbe: { httpGet: { path: '/health', port: 8080 }, periodSeconds: 30, timeoutSeconds: 5 },
          },
          ...tracing.containers,
        ],
      },
      // Revisions fail to start when the account cannot read its secrets yet.
      dependsOn: this.grants,
    });
    this.url = this.service.uri;

    for (const [i, member] of (props.invokers ?? []).entries()) this.grantInvoke(member, `Invoker${i}`);
  }

  /** Grants roles/run.invoker on this service to a member ("serviceAccount:...", "group:..."). */
  grantInvoke(member: string, id = `Invoker-${member}`): CloudRunV2ServiceIamMember {
    return new CloudRunV2ServiceIamMember(this, id, {
      name: this.service.name,
      location: this.location,
      project: this.service.project,
      role: 'roles/run.invoker',
      member,
    });
  }

  /** Cloud Monitoring filter for this service's requests with a given response class, e.g. "5xx". */
  requestCountFilter(responseCodeClass?: '2xx' | '3xx' | '4xx' | '5xx'): string {
    return (
      `resource.type = "cloud_run_revision" AND resource.labels.service_name = "${this.serviceName}" ` +
      `AND metric.type = "run.googleapis.com/request_count"` +
      (responseCodeClass ? ` AND metric.labels.response_code_class = "${responseCodeClass}"` : '')
    );
  }
}

export type { CloudRunFrontTracing } from './cloud-run-front-tracing.js';
