/**
 * The front's environment contract: every variable the front reads, what it means and who sets it.
 * The front reads its environment only through these names, and the constructs of every cloud set
 * only these names (test/front-env-contract.test.ts checks both), so a renamed or forgotten variable
 * fails a test instead of a deployment.
 */

/** Who sets a variable in a deployment: a construct on a cloud, the operator, or the platform itself. */
export type FrontEnvSetter = 'aws' | 'gcp' | 'azure' | 'operator' | 'platform';

export interface FrontEnvVariable {
  /** The variable's name. */
  readonly name: string;
  /** What the front does with it. */
  readonly meaning: string;
  /** Who sets it in a deployment. */
  readonly setBy: readonly FrontEnvSetter[];
  /** A secret: injected from a secret store, never written into a template or a log. */
  readonly secret?: boolean;
}

function variable<const N extends string>(
  name: N,
  meaning: string,
  setBy: readonly FrontEnvSetter[],
  secret = false,
): FrontEnvVariable & { readonly name: N } {
  return { name, meaning, setBy, ...(secret && { secret }) };
}

/** Every environment variable the front reads, by key. */
export const FRONT_ENV = {
  config: variable(
    'GENAI_CONFIG',
    "The front configuration as JSON, validated with this package's schema (no secrets).",
    ['aws', 'gcp', 'azure', 'operator'],
  ),
  configFile: variable(
    'GENAI_CONFIG_FILE',
    'A file holding the configuration as JSON; read when GENAI_CONFIG is unset.',
    ['operator'],
  ),
  apiKeys: variable(
    'GENAI_API_KEYS',
    'Comma-separated API keys (Cloud Run and Container Apps inject them from Secret Manager / Key Vault).',
    ['gcp', 'azure', 'operator'],
    true,
  ),
  apiKeyHashes: variable(
    'GENAI_API_KEY_HASHES',
    'Comma-separated SHA-256 hex hashes of API keys, for stores that keep only hashes.',
    ['operator'],
  ),
  apiKeysFile: variable('GENAI_API_KEYS_FILE', 'A file holding API keys (a secret mounted as a volume).', [
    'operator',
  ]),
  apiKeysSecretArn: variable(
    'GENAI_API_KEYS_SECRET_ARN',
    'AWS Secrets Manager secret (ARN or name) whose string holds the API keys; read with the AWS SDK.',
    ['aws', 'operator'],
  ),
  metricsKeys: variable(
    'GENAI_METRICS_KEYS',
    'Comma-separated scrape credentials for GET /metrics (API keys cannot read it); unset, /metrics is closed.',
    ['operator'],
    true,
  ),
  adminKeys: variable(
    'GENAI_ADMIN_KEYS',
    'Admin keys for /admin/* (key management, spend) and /metrics, in the forms of GENAI_API_KEYS; caller keys cannot use them, nor they /v1/*. Unset, /admin is closed.',
    ['operator'],
    true,
  ),
  adminKeysFile: variable(
    'GENAI_ADMIN_KEYS_FILE',
    'A file holding admin keys (a secret mounted as a volume).',
    ['operator'],
  ),
  adminKeysSecretArn: variable(
    'GENAI_ADMIN_KEYS_SECRET_ARN',
    'AWS Secrets Manager secret (ARN or name) whose string holds the admin keys; read with the AWS SDK.',
    ['operator'],
  ),
  redisPassword: variable(
    'GENAI_REDIS_PASSWORD',
    "Redis AUTH password or token (from the secret store); never put it in the configuration's redisUrl.",
    ['gcp', 'azure', 'operator'],
    true,
  ),
  redisIamAuth: variable(
    'GENAI_REDIS_IAM_AUTH',
    '"true": authenticate to Redis with the service account\'s access token (Memorystore for Valkey IAM auth).',
    ['gcp', 'operator'],
  ),
  redisCaPem: variable(
    'GENAI_REDIS_CA_PEM',
    "PEM CA to verify the Redis server's TLS certificate against (a private CA; public data, not a secret).",
    ['gcp', 'operator'],
  ),
  redisKeyPrefix: variable(
    'GENAI_REDIS_PREFIX',
    'Prefix of every Redis key the front writes (jobs, rate limits, cache).',
    ['operator'],
  ),
  azureApiKey: variable(
    'GENAI_AZURE_API_KEY',
    'Azure AI inference key, when the front does not authenticate with a managed identity.',
    ['operator'],
    true,
  ),
  drainMs: variable(
    'GENAI_DRAIN_MS',
    'How long the Node server drains in-flight requests on SIGTERM, in ms (default 10000).',
    ['operator'],
  ),
  logLevel: variable('LOG_LEVEL', 'pino log level (default info).', ['aws', 'operator']),
  port: variable('PORT', "The Node server's TCP port (default 8080).", ['azure', 'platform']),
  host: variable('HOST', "The Node server's listen address (default 0.0.0.0).", ['operator']),
  azureClientId: variable(
    'AZURE_CLIENT_ID',
    'The user-assigned managed identity the Azure SDK authenticates as (read by @azure/identity).',
    ['azure'],
  ),
  nodeOptions: variable(
    'NODE_OPTIONS',
    'Node.js runtime flags (read by Node itself, e.g. --enable-source-maps).',
    ['aws'],
  ),
  // Tracing: the OpenTelemetry SDK's standard variables. The front reads these to decide whether to load the SDK
  // at all; the SDK itself reads them and the others (OTEL_EXPORTER_OTLP_PROTOCOL, _HEADERS, OTEL_TRACES_SAMPLER,
  // OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, ...).
  otelEndpoint: variable(
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    "OTLP collector base URL: set, the front exports its traces there (the SDK appends /v1/traces); unset with the two below, tracing is off and the SDK never loads. LambdaFront sets tracing.otlpEndpoint, CloudRunFront its collector sidecar; Container Apps' managed OpenTelemetry agent injects it.",
    ['aws', 'gcp', 'operator', 'platform'],
  ),
  otelTracesEndpoint: variable(
    'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    'OTLP traces URL, used as is (overrides OTEL_EXPORTER_OTLP_ENDPOINT for traces); set, tracing is on.',
    ['operator', 'platform'],
  ),
  otelTracesExporter: variable(
    'OTEL_TRACES_EXPORTER',
    'Trace exporters (otlp, console, zipkin; none turns tracing off); set, tracing is on.',
    ['operator'],
  ),
  otelSdkDisabled: variable(
    'OTEL_SDK_DISABLED',
    '"true": no tracing whatever else is set (the server span stays a no-op).',
    ['operator'],
  ),
  otelProtocol: variable(
    'OTEL_EXPORTER_OTLP_PROTOCOL',
    'OTLP transport, read by the SDK: http/protobuf (default), http/json or grpc.',
    ['operator'],
  ),
  otelServiceName: variable(
    'OTEL_SERVICE_NAME',
    "The traces' service.name, read by the SDK (default genai-front); the fronts' constructs set it with tracing on.",
    ['aws', 'gcp', 'azure', 'operator'],
  ),
  lambdaExecWrapper: variable(
    'AWS_LAMBDA_EXEC_WRAPPER',
    "Read by the Lambda runtime: the ADOT layer's wrapper (/opt/otel-handler), which registers its SDK before the front loads; the front then starts none and its spans go to the layer's.",
    ['aws'],
  ),
} as const;

export type FrontEnvKey = keyof typeof FRONT_ENV;
/** The name of a variable of the contract, e.g. `'GENAI_CONFIG'`. */
export type FrontEnvName = (typeof FRONT_ENV)[FrontEnvKey]['name'];

/** Every variable name of the contract. */
export const FRONT_ENV_NAMES: readonly FrontEnvName[] = Object.values(FRONT_ENV).map((v) => v.name);

/** The name of a contract variable, typed: `frontEnv('config')` is `'GENAI_CONFIG'`. */
export function frontEnvName<K extends FrontEnvKey>(key: K): (typeof FRONT_ENV)[K]['name'] {
  return FRONT_ENV[key].name;
}
