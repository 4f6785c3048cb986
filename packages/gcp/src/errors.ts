import {
  ConstructError,
  describeVectorStoreEmbeddingProblem,
  FRONT_ENV,
  type VectorStoreEmbeddingProblem,
} from '@genai-deploy/config';

/**
 * Every synth-time error of this package, as named factories. Each message says what went wrong, what was
 * received, what is expected and how to fix it, and names the construct path so a stack with many
 * constructs points at the right one.
 */
export class GcpConstructError extends ConstructError {
  override readonly name = 'GcpConstructError';
  /** Marker for `isGcpConstructError`, which must work across two copies of this package. */
  readonly isGcpConstructError = true;
  constructor(
    /** Stable identifier of the rule that failed, e.g. `accelerator-mismatch`. */
    code: string,
    message: string,
    /** Path of the construct that failed validation. */
    constructPath?: string,
  ) {
    super(code, message, constructPath);
  }
}

export const isGcpConstructError = (e: unknown): e is GcpConstructError =>
  !!e && e instanceof Error && 'isGcpConstructError' in e;

/** Messages start with the construct path, which the error also carries as `constructPath`. */
const fail = (code: string, path: string, message: string) =>
  new GcpConstructError(code, `${path}: ${message}`, path);

const list = (values: readonly (string | number)[]): string => values.map((v) => `"${v}"`).join(', ');

export const errors = {
  locationRequired: (path: string) =>
    fail(
      'location-required',
      path,
      `no location given. Received an empty location; expected a Google Cloud region such as "us-central1". ` +
        'Fix: pass `location` (Vertex AI and Cloud Run resources are regional).',
    ),

  modelSourceConflict: (path: string, publisherModelName: string, huggingFaceModelId: string) =>
    fail(
      'model-source-conflict',
      path,
      `both publisherModelName ("${publisherModelName}") and huggingFaceModelId ("${huggingFaceModelId}") are set. ` +
        'Expected exactly one model source (or neither, for an endpoint that a pipeline deploys to). Fix: remove one of them.',
    ),

  publisherModelNameFormat: (path: string, received: string) =>
    fail(
      'publisher-model-name-format',
      path,
      `publisherModelName "${received}" is not a Model Garden model name. Expected ` +
        '"publishers/{publisher}/models/{model}@{version}", e.g. "publishers/google/models/gemma3@gemma-3-12b-it". ' +
        'Fix: copy the name from the model card in Model Garden, or use huggingFaceModelId for a Hugging Face model.',
    ),

  huggingFaceModelIdFormat: (path: string, received: string) =>
    fail(
      'hugging-face-model-id-format',
      path,
      `huggingFaceModelId "${received}" is not a Hugging Face model id. Expected "{author}/{model}", ` +
        'e.g. "meta-llama/Llama-3.1-8B-Instruct". Fix: pass the id shown on the model page, without a URL or revision.',
    ),

  machineTypeRequired: (path: string) =>
    fail(
      'machine-type-required',
      path,
      `a Model Garden deployment with hardware settings (accelerator, replicas, spot or a container) needs a machineType. ` +
        'Received none; expected e.g. "g2-standard-12". Fix: set machineType, or drop the hardware settings to let Model Garden pick its default.',
    ),

  unknownMachineType: (path: string, machineType: string, family: string, known: readonly string[]) =>
    fail(
      'unknown-machine-type',
      path,
      `machine type "${machineType}" is not a ${family} size that Vertex AI serves. ` +
        `Expected one of ${list(known)}. Fix: pick one of those, or set skipCatalogValidation if Google added a new size.`,
    ),

  acceleratorMismatch: (path: string, machineType: string, received: string, expected: readonly string[]) =>
    fail(
      'accelerator-mismatch',
      path,
      `accelerator "${received}" does not fit machine type "${machineType}". Expected ${list(expected)} ` +
        `for that machine family. Fix: set acceleratorType to ${expected.length === 1 ? `"${expected[0]}"` : 'one of those'} ` +
        'or choose a machine type of the family that carries your GPU (g2: NVIDIA_L4, a2-highgpu: NVIDIA_TESLA_A100, ' +
        'a2-ultragpu: NVIDIA_A100_80GB, a3-highgpu: NVIDIA_H100_80GB, a3-megagpu: NVIDIA_H100_MEGA_80GB, ' +
        'a3-ultragpu: NVIDIA_H200_141GB, a4-highgpu: NVIDIA_B200, n1: T4/V100/P100/P4).',
    ),

  acceleratorCount: (
    path: string,
    machineType: string,
    accelerator: string,
    received: number,
    allowed: readonly number[],
  ) =>
    fail(
      'accelerator-count',
      path,
      `${received} x ${accelerator} is not allowed on "${machineType}". Expected acceleratorCount ${
        allowed.length === 1
          ? `${allowed[0]} (the count is fixed by the machine type)`
          : `one of ${list(allowed)}`
      }. Fix: set acceleratorCount accordingly, or pick the machine size that carries ${received} GPUs.`,
    ),

  n1TooManyVcpus: (
    path: string,
    machineType: string,
    accelerator: string,
    count: number,
    vcpus: number,
    max: number,
  ) =>
    fail(
      'n1-vcpu-limit',
      path,
      `"${machineType}" has ${vcpus} vCPUs, more than the ${max} that ${count} x ${accelerator} allows on N1. ` +
        `Fix: attach more GPUs or choose an N1 machine with at most ${max} vCPUs.`,
    ),

  acceleratorWithoutGpuFamily: (path: string, machineType: string, accelerator: string) =>
    fail(
      'accelerator-on-cpu-machine',
      path,
      `machine type "${machineType}" takes no GPU, but acceleratorType "${accelerator}" was given. ` +
        'Expected a GPU machine family (g2, a2, a3, a4, n1). Fix: choose e.g. "g2-standard-12" for one NVIDIA_L4, ' +
        'or remove acceleratorType for CPU serving.',
    ),

  acceleratorNotInProvider: (path: string, machineType: string, accelerator: string) =>
    fail(
      'accelerator-not-in-provider',
      path,
      `"${machineType}" carries ${accelerator}, which the google provider 6.x (@cdktf/provider-google 16.x) ` +
        'cannot express: its accelerator_type enum stops at NVIDIA_B200. Fix: choose another machine family, or ' +
        'deploy this model outside Terraform until the bindings move to a provider that knows the accelerator.',
    ),

  acceleratorCountWithoutType: (path: string, count: number) =>
    fail(
      'accelerator-count-without-type',
      path,
      `acceleratorCount ${count} was given without acceleratorType on a machine family whose GPU is not implied. ` +
        'Fix: set acceleratorType (for N1: NVIDIA_TESLA_T4, NVIDIA_TESLA_V100, NVIDIA_TESLA_P100 or NVIDIA_TESLA_P4).',
    ),

  replicas: (path: string, min: number, max: number) =>
    fail(
      'replica-range',
      path,
      `minReplicas (${min}) is greater than maxReplicas (${max}). Expected 1 <= minReplicas <= maxReplicas. ` +
        'Fix: raise maxReplicas or lower minReplicas.',
    ),

  minReplicasBelowOne: (path: string, min: number) =>
    fail(
      'min-replicas',
      path,
      `minReplicas is ${min}. Vertex AI dedicated resources need at least 1 replica (no scale to zero). ` +
        'Fix: set minReplicas to 1 or more; to stop paying for an idle GPU, remove the deployment.',
    ),

  percentTarget: (path: string, field: string, received: number) =>
    fail(
      'autoscaling-target',
      path,
      `${field} is ${received}. Expected a whole percentage from 1 to 100. Fix: e.g. 60 scales out when the ` +
        'replicas are busier than 60% on average.',
    ),

  pscNotSupportedForModelGarden: (path: string) =>
    fail(
      'psc-model-garden',
      path,
      `privateServiceConnect was requested for a Model Garden deployment. The google provider 6.x ` +
        '(@cdktf/provider-google 16.x) has no endpoint_config.private_service_connect_config on ' +
        'google_vertex_ai_endpoint_with_model_garden_deployment (it arrived in a later provider). Fix: use endpoint-only ' +
        'mode (no model source) with privateServiceConnect and deploy the model to it from your pipeline, or drop ' +
        'privateServiceConnect and restrict callers with IAM.',
    ),

  endpointOnlyOption: (path: string, option: string) =>
    fail(
      'endpoint-only-option',
      path,
      `"${option}" applies to a Model Garden deployment, but no publisherModelName or huggingFaceModelId was given, ` +
        'so this construct creates an empty endpoint for a pipeline to deploy to. Fix: set a model source, or remove ' +
        `"${option}" (the pipeline that deploys the model chooses its hardware).`,
    ),

  modelGardenOnlyOption: (path: string, option: string) =>
    fail(
      'model-garden-only-option',
      path,
      `"${option}" applies to an endpoint-only deployment (google_vertex_ai_endpoint); with a model source the ` +
        'provider creates the endpoint itself and cannot take it. Fix: remove the option or the model source.',
    ),

  pscAndNetwork: (path: string) =>
    fail(
      'psc-and-network',
      path,
      `both privateServiceConnect and network were given. An endpoint is private through either Private Service ` +
        'Connect or VPC peering, not both. Fix: keep privateServiceConnect (recommended) or network.',
    ),

  dedicatedAndPrivate: (path: string) =>
    fail(
      'dedicated-and-private',
      path,
      `dedicatedEndpoint cannot be combined with privateServiceConnect or network (the provider rejects the mix). ` +
        'Fix: choose a dedicated public endpoint or a private one.',
    ),

  hfTokenWithoutHfModel: (path: string) =>
    fail(
      'hf-token-without-hf-model',
      path,
      `huggingFaceTokenSecret was given, but the model is not a Hugging Face model. Fix: set huggingFaceModelId, ` +
        'or remove huggingFaceTokenSecret (Model Garden models do not need it).',
    ),

  invalidEnum: (path: string, field: string, received: string, allowed: readonly string[]) =>
    fail(
      'invalid-value',
      path,
      `${field} "${received}" is not allowed. Expected one of ${list(allowed)}. Fix: use one of those values.`,
    ),

  outOfRange: (path: string, field: string, received: number, min: number, max: number, hint: string) =>
    fail(
      'out-of-range',
      path,
      `${field} is ${received}. Expected a whole number from ${min} to ${max}. Fix: ${hint}`,
    ),

  instanceRange: (path: string, min: number, max: number) =>
    fail(
      'instance-range',
      path,
      `minInstances (${min}) is greater than maxInstances (${max}). Expected minInstances <= maxInstances. ` +
        'Fix: raise maxInstances or lower minInstances.',
    ),

  invalidFrontConfig: (path: string, detail: string) =>
    fail(
      'front-config',
      path,
      `the front's configuration does not match @genai-deploy/config's schema.\n${detail}\n` +
        'Fix: correct the fields listed above; the front would refuse to start with this configuration.',
    ),

  secretInConfig: (path: string, where: string) =>
    fail(
      'secret-in-config',
      path,
      `${where} holds a credential in plain text; ${FRONT_ENV.config.name} is an ordinary environment variable visible to ` +
        'anyone who can read the service. Expected a URL without user info. Fix: let MemorystoreCache hand the password ' +
        'to the front through Secret Manager.',
    ),

  reservedEnv: (path: string, name: string) =>
    fail(
      'reserved-env',
      path,
      `environment variable "${name}" is set by this construct. Fix: remove it from environment; pass the ` +
        'configuration through `config` and secrets through `secretEnvironment`.',
    ),

  cacheWithoutVpc: (path: string) =>
    fail(
      'cache-without-vpc',
      path,
      `a cache was attached but the front has no VPC access. Memorystore answers only on private addresses ` +
        'in its network. Fix: pass `vpc: { network, subnetwork }` so the front uses Direct VPC egress.',
    ),

  invalidName: (path: string, field: string, received: string, rule: string) =>
    fail(
      'invalid-name',
      path,
      `${field} "${received}" is not valid. Expected ${rule}. Fix: choose a name that follows that rule, or leave ` +
        'it unset to derive one from the construct id.',
    ),

  cacheNetwork: (path: string) =>
    fail(
      'cache-network',
      path,
      `a cache needs the VPC it serves. Received no network; expected a network self link or id ` +
        '("projects/p/global/networks/n"). Fix: pass `network` (and for Valkey, `subnetworks` for its service connection policy).',
    ),

  valkeySubnets: (path: string) =>
    fail(
      'valkey-subnets',
      path,
      `Memorystore for Valkey places its endpoints through a service connection policy, which needs at least one ` +
        'subnetwork of the network in the same region. Received none. Fix: pass `subnetworks`, or set ' +
        '`createServiceConnectionPolicy: false` if the network already has a gcp-memorystore policy in that region.',
    ),

  valkeyShards: (path: string, mode: string, shards: number) =>
    fail(
      'valkey-shards',
      path,
      `shardCount ${shards} does not fit mode ${mode}. Expected exactly 1 shard with CLUSTER_DISABLED ` +
        '(what a plain Redis client such as the front expects), or 1+ with CLUSTER. Fix: set shardCount 1 or mode CLUSTER.',
    ),

  redisTierReplicas: (path: string, tier: string, replicas: number) =>
    fail(
      'redis-replicas',
      path,
      `replicaCount ${replicas} with tier ${tier}. Read replicas need tier STANDARD_HA and 1 to 5 replicas. ` +
        'Fix: set tier STANDARD_HA, or remove replicaCount.',
    ),

  vectorDimensions: (path: string, received: number) =>
    fail(
      'vector-dimensions',
      path,
      `dimensions is ${received}. Expected a positive whole number matching your embedding model ` +
        '(e.g. 768 for text-embedding-005). Fix: set dimensions to the length of the vectors you will upsert.',
    ),

  vectorEndpointMode: (path: string) =>
    fail(
      'vector-endpoint-mode',
      path,
      `a private index endpoint needs either privateServiceConnect or network (VPC peering). ` +
        'Fix: pass `access: { type: "psc", projectAllowlist }`, `access: { type: "vpc-peering", network }` or `access: { type: "public" }`.',
    ),

  treeAhLeafPercent: (path: string, received: number) =>
    fail(
      'tree-ah-leaf-percent',
      path,
      `leafNodesToSearchPercent is ${received}. Expected 1 to 100. Fix: the default (10) suits most indexes; ` +
        'raise it for recall, lower it for latency.',
    ),

  /** The vector store's embedding model or vector length (codes `vector-store-embedding-*`, `vector-store-dimension-*`). */
  vectorStoreEmbedding: (path: string, problem: VectorStoreEmbeddingProblem) =>
    fail(problem.code, path, describeVectorStoreEmbeddingProblem(problem)),

  vectorStoreWithoutCache: (path: string) =>
    fail(
      'vector-store-without-cache',
      path,
      "the front keeps the chunk text of its Vertex AI Vector Search store in the cache's Redis (the index holds " +
        'vectors and restricts only), but the configuration has no cache.redisUrl. Expected a cache. Fix: give the ' +
        'platform a network (its Memorystore cache follows), or pass `cache` to the front.',
    ),

  vectorStoreCache: (path: string, detail: string) =>
    fail(
      'vector-store-cache',
      path,
      `the cache also holds the vector store's chunk text, which must never be evicted or split across shards: ${detail}`,
    ),

  vectorSearchForFront: (path: string, field: string, received: string, expected: string, why: string) =>
    fail(
      'vector-search-for-front',
      path,
      `vectorSearch.${field} is ${received}, but the front needs ${expected}: ${why}. Fix: set ${field} to ${expected}, ` +
        'or keep this index out of the platform (create a VertexVectorSearch of its own).',
    ),

  deployedIndexId: (path: string, received: string) =>
    fail(
      'deployed-index-id',
      path,
      `deployedIndexId "${received}" is not valid. Expected a letter followed by letters, digits and underscores ` +
        '(at most 128 characters). Fix: e.g. "docs_v1".',
    ),

  tracingCollector: (path: string, both: boolean) =>
    fail(
      'tracing-collector',
      path,
      (both
        ? 'tracing has both collectorImage and otlpEndpoint. Expected one: the sidecar collector or a collector elsewhere. '
        : 'tracing has neither collectorImage nor otlpEndpoint, so the front would have nowhere to send spans. ') +
        'Fix: set collectorImage (an OpenTelemetry Collector that receives OTLP/HTTP on localhost:4318 and exports to ' +
        'Cloud Trace, e.g. the Google-Built OpenTelemetry Collector) or otlpEndpoint, or drop `tracing`.',
    ),

  tracingEndpoint: (path: string, received: string) =>
    fail(
      'tracing-endpoint',
      path,
      `tracing.otlpEndpoint "${received}" is not an http(s) URL. Expected the OTLP/HTTP base URL of a collector, ` +
        'e.g. "http://otel-collector.internal:4318" (the SDK appends /v1/traces). Fix: pass a full URL.',
    ),
};
