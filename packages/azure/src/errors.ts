import {
  ConstructError,
  describeVectorStoreEmbeddingProblem,
  FRONT_ENV,
  type VectorStoreEmbeddingProblem,
} from '@genai-deploy/config';

/**
 * Every validation error of this package, as named factories. Each message says what went wrong, what was
 * received, what is expected and how to fix it, and starts with the construct path.
 */

/**
 * Each code and its former spelling: this package wrote codes in UPPER_SNAKE_CASE (`TRAFFIC_SUM`) before
 * codes shared one convention. A code missing here does not type-check in `fail`.
 */
const LEGACY_CODES = {
  'azapi-type': 'AZAPI_TYPE',
  'azapi-body-string': 'AZAPI_BODY_STRING',
  'invalid-name': 'NAME',
  'out-of-range': 'RANGE',
  'min-above-max': 'MIN_MAX',
  'unknown-instance-type': 'INSTANCE_TYPE',
  'model-missing': 'MODEL',
  'model-id': 'MODEL_ID',
  'invalid-duration': 'DURATION',
  'duration-range': 'DURATION_RANGE',
  'deployment-duplicate': 'DEPLOYMENT_DUPLICATE',
  'no-deployments': 'NO_DEPLOYMENTS',
  'traffic-unknown': 'TRAFFIC_UNKNOWN',
  'traffic-sum': 'TRAFFIC_SUM',
  'traffic-value': 'TRAFFIC_VALUE',
  'mirror-traffic': 'MIRROR_TRAFFIC',
  'invalid-autoscale': 'AUTOSCALE',
  'invalid-port': 'PORT',
  'route-path': 'ROUTE_PATH',
  'env-reserved': 'ENV_RESERVED',
  'env-secret': 'ENV_SECRET',
  'invalid-sku': 'SKU',
  'redis-modules': 'REDIS_MODULES',
  'registry-sku': 'REGISTRY_SKU',
  'search-capacity': 'SEARCH_CAPACITY',
  'search-option': 'SEARCH_OPTION',
  'front-config': 'FRONT_CONFIG',
  'front-config-secret': 'FRONT_CONFIG_SECRET',
  'key-vault-secret-id': 'KEY_VAULT_SECRET_ID',
  'key-vault-id': 'KEY_VAULT_ID',
  'endpoint-name': 'ENDPOINT_NAME',
  'vector-store-embedding-model-missing': 'VECTOR_STORE_EMBEDDING_MODEL_MISSING',
  'vector-store-embedding-model-unknown': 'VECTOR_STORE_EMBEDDING_MODEL_UNKNOWN',
  'vector-store-embedding-model-kind': 'VECTOR_STORE_EMBEDDING_MODEL_KIND',
  'vector-store-embedding-models-mixed': 'VECTOR_STORE_EMBEDDING_MODELS_MIXED',
  'vector-store-dimension-unknown': 'VECTOR_STORE_DIMENSION_UNKNOWN',
  'vector-store-dimension-mismatch': 'VECTOR_STORE_DIMENSION_MISMATCH',
  'vector-store-dimension-invalid': 'VECTOR_STORE_DIMENSION_INVALID',
  'search-index-name': 'SEARCH_INDEX_NAME',
  'tracing-shared-environment': 'TRACING_SHARED_ENVIRONMENT',
} as const satisfies Record<string, string> & Record<VectorStoreEmbeddingProblem['code'], string>;

/** A stable identifier of a rule of this package, e.g. `traffic-sum`. */
export type AzureConstructErrorCode = keyof typeof LEGACY_CODES;

/** Thrown at synth time when a construct's props are invalid. */
export class AzureConstructError extends ConstructError {
  override readonly name = 'AzureConstructError';
  readonly isAzureConstructError = true;
  constructor(
    /** Stable identifier of the rule that failed, e.g. `traffic-sum`. */
    code: string,
    message: string,
    /** Path of the construct that failed validation. */
    constructPath?: string,
  ) {
    super(code, message, constructPath, LEGACY_CODES[code as AzureConstructErrorCode]);
  }
}

/** Type guard that survives two copies of this package. */
export const isAzureConstructError = (e: unknown): e is AzureConstructError =>
  !!e && e instanceof Error && 'isAzureConstructError' in e;

const fail = (code: AzureConstructErrorCode, path: string, message: string) =>
  new AzureConstructError(code, `${path}: ${message}`, path);

const show = (value: unknown): string => (typeof value === 'string' ? `"${value}"` : JSON.stringify(value));

export const errors = {
  invalidAzapiType: (path: string, received: string) =>
    fail(
      'azapi-type',
      path,
      `azapi type must be "<resource type>@<api version>", received ${show(received)}. ` +
        'Write e.g. "Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2025-04-01".',
    ),

  azapiBodyIsString: (path: string) =>
    fail(
      'azapi-body-string',
      path,
      'azapi 2.x takes body as an object, received a string (a jsonencode()d body is the azapi 1.x form). ' +
        'Pass the object itself: body: { properties: { ... } }.',
    ),

  invalidName: (path: string, what: string, received: string, rule: string) =>
    fail(
      'invalid-name',
      path,
      `${what} ${show(received)} is not a valid name: ${rule}. Choose a name that follows it.`,
    ),

  outOfRange: (path: string, what: string, received: number, min: number, max: number, fix: string) =>
    fail(
      'out-of-range',
      path,
      `${what} must be an integer from ${min} to ${max}, received ${received}. ${fix}`,
    ),

  minGreaterThanMax: (path: string, what: string, min: number, max: number) =>
    fail(
      'min-above-max',
      path,
      `${what}: minimum ${min} is greater than maximum ${max}. Lower the minimum or raise the maximum.`,
    ),

  unknownInstanceType: (path: string, received: string, known: readonly string[]) =>
    fail(
      'unknown-instance-type',
      path,
      `instance type ${show(received)} is not in the GPU catalog. Expected one of: ${known.join(', ')}. ` +
        'For a size missing from the catalog, pass allowUncatalogedInstanceType: true and check its quota.',
    ),

  modelAndEnvironmentMissing: (path: string, deployment: string) =>
    fail(
      'model-missing',
      path,
      `deployment "${deployment}" has neither a model nor a custom container. ` +
        'Set model: { registryModelId: "azureml://registries/<registry>/models/<name>/versions/<v>" } ' +
        'or container: { image, inferenceRoutes }.',
    ),

  invalidRegistryModelId: (path: string, deployment: string, received: string) =>
    fail(
      'model-id',
      path,
      `deployment "${deployment}" model id ${show(received)} is not a registry model asset id. Expected ` +
        '"azureml://registries/<registry>/models/<name>/versions/<version>" (or ".../labels/latest"); ' +
        'copy it from the model card in the Azure ML model catalog.',
    ),

  invalidDuration: (path: string, field: string, received: string) =>
    fail(
      'invalid-duration',
      path,
      `${field} must be an ISO-8601 duration such as "PT90S" or "PT10M", received ${show(received)}. ` +
        'Write seconds as "PT<n>S" and minutes as "PT<n>M".',
    ),

  durationOutOfRange: (path: string, field: string, received: string, min: string, max: string) =>
    fail(
      'duration-range',
      path,
      `${field} must be from ${min} to ${max}, received ${show(received)}. Pick a value in that range.`,
    ),

  duplicateDeployment: (path: string, name: string) =>
    fail(
      'deployment-duplicate',
      path,
      `deployment name "${name}" is used twice. Give each deployment its own name.`,
    ),

  noDeployments: (path: string) =>
    fail(
      'no-deployments',
      path,
      'an online endpoint needs at least one deployment, received none. Add one to deployments: [{ name: "blue", ... }].',
    ),

  trafficUnknownDeployment: (path: string, name: string, known: readonly string[]) =>
    fail(
      'traffic-unknown',
      path,
      `traffic names deployment "${name}", which this endpoint does not have. Known deployments: ${known.join(', ')}. ` +
        'Fix the name or add the deployment.',
    ),

  trafficSum: (path: string, traffic: Record<string, number>, sum: number) =>
    fail(
      'traffic-sum',
      path,
      `traffic percentages must sum to 100, received ${JSON.stringify(traffic)} (sum ${sum}). ` +
        'Adjust the split, e.g. { blue: 90, green: 10 }.',
    ),

  trafficValue: (path: string, name: string, value: number) =>
    fail(
      'traffic-value',
      path,
      `traffic for "${name}" must be an integer from 0 to 100, received ${value}. Use whole percentages.`,
    ),

  mirrorTraffic: (path: string, detail: string) =>
    fail(
      'mirror-traffic',
      path,
      `${detail} Mirror one deployment that takes no live traffic, at most 50 percent.`,
    ),

  invalidAutoscale: (path: string, deployment: string, detail: string) =>
    fail('invalid-autoscale', path, `autoscale of deployment "${deployment}": ${detail}`),

  invalidPort: (path: string, field: string, received: number) =>
    fail(
      'invalid-port',
      path,
      `${field} must be a TCP port from 1 to 65535, received ${received}. Use the port the server listens on.`,
    ),

  invalidRoutePath: (path: string, field: string, received: string) =>
    fail(
      'route-path',
      path,
      `${field} must be an absolute path such as "/health", received ${show(received)}. Start it with "/".`,
    ),

  reservedEnvironmentVariable: (path: string, name: string, fix: string) =>
    fail(
      'env-reserved',
      path,
      `environment variable ${name} is set by this construct and cannot be overridden. ${fix}`,
    ),

  secretLikeEnvironmentValue: (path: string, name: string) =>
    fail(
      'env-secret',
      path,
      `environment variable ${name} looks like a secret (its name says key, token, secret or password) and ` +
        'environment values are visible in the template and the portal. Store it in Key Vault and pass it through ' +
        'secrets: [{ name, keyVaultSecretId, env }] instead.',
    ),

  invalidSku: (path: string, what: string, received: string, allowed: readonly string[]) =>
    fail(
      'invalid-sku',
      path,
      `${what} ${show(received)} is not supported. Expected one of: ${allowed.join(', ')}.`,
    ),

  redisModules: (path: string, clustering: string, eviction: string) =>
    fail(
      'redis-modules',
      path,
      `RediSearch needs clusteringPolicy "EnterpriseCluster" and evictionPolicy "NoEviction", received ` +
        `"${clustering}" and "${eviction}". Set both, or drop RediSearch from modules.`,
    ),

  privateRegistryNeedsPremium: (path: string, sku: string) =>
    fail(
      'registry-sku',
      path,
      `publicNetworkAccess: false needs a Premium Container Registry, received containerRegistrySku "${sku}". ` +
        'Set containerRegistrySku: "Premium" or keep public network access.',
    ),

  searchCapacity: (path: string, sku: string, detail: string) =>
    fail('search-capacity', path, `search SKU "${sku}": ${detail}`),

  searchOption: (path: string, sku: string, option: string, fix: string) =>
    fail('search-option', path, `${option} is not available on search SKU "${sku}". ${fix}`),

  invalidFrontConfig: (path: string, message: string) =>
    fail(
      'front-config',
      path,
      `the front configuration is invalid:\n${message}\nFix the fields listed above.`,
    ),

  secretInFrontConfig: (path: string, where: string) =>
    fail(
      'front-config-secret',
      path,
      `the front configuration holds what looks like a credential at ${where}; ${FRONT_ENV.config.name} is a plain ` +
        'environment variable. Put the credential in Key Vault and reference it from secrets instead.',
    ),

  invalidKeyVaultSecretId: (path: string, received: string) =>
    fail(
      'key-vault-secret-id',
      path,
      `keyVaultSecretId ${show(received)} is not a Key Vault secret URL. Expected ` +
        '"https://<vault>.vault.azure.net/secrets/<name>" (optionally with a version); use the secret\'s ' +
        'versionless_id so rotations are picked up.',
    ),

  keyVaultIdMissing: (path: string, secretCount: number) =>
    fail(
      'key-vault-id',
      path,
      `${secretCount} Key Vault secret(s) are referenced but keyVaultId is not set, so the front's identity ` +
        "cannot be granted Key Vault Secrets User. Set keyVaultId to the vault's ARM id.",
    ),

  /** The vector store's embedding model or vector length (codes `vector-store-embedding-*`, `vector-store-dimension-*`). */
  vectorStoreEmbedding: (path: string, problem: VectorStoreEmbeddingProblem) =>
    fail(problem.code, path, describeVectorStoreEmbeddingProblem(problem)),

  invalidSearchIndexName: (path: string, received: string) =>
    fail(
      'search-index-name',
      path,
      `search index name ${show(received)} is invalid: 2 to 128 lowercase letters, digits or "-", starting and ` +
        'ending with a letter or digit. Choose another name, e.g. "genai-chunks".',
    ),

  invalidEndpointName: (path: string, received: string) =>
    fail(
      'endpoint-name',
      path,
      `online endpoint name ${show(received)} is invalid: 3 to 32 characters, a letter first, then letters, ` +
        'digits and "-", not ending with "-"; it is part of a public hostname and unique within the region. ' +
        'Choose another name.',
    ),

  tracingSharedEnvironment: (path: string) =>
    fail(
      'tracing-shared-environment',
      path,
      'tracing turns on the managed OpenTelemetry agent of the Container Apps environment, but this front was given ' +
        'an existing one (environmentId), which other apps may share. Expected tracing only on the environment this ' +
        "construct creates. Fix: drop environmentId, or drop tracing and set that environment's " +
        'openTelemetryConfiguration (traces to appInsights) where it is defined.',
    ),
} as const;
