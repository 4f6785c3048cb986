import { readFile } from 'node:fs/promises';
import { type FrontConfig, parseFrontConfig } from '@genai-deploy/config';
import { ApiKeys, parseKeyList } from './auth.js';

/**
 * Environment variables the front reads. The constructs set these; none of them is required locally
 * except an API key.
 */
export const ENV = {
  /** The configuration as JSON (validated with @genai-deploy/config's schema). */
  config: 'GENAI_CONFIG',
  /** A file holding the configuration as JSON; used when GENAI_CONFIG is unset. */
  configFile: 'GENAI_CONFIG_FILE',
  /** Comma-separated API keys (Cloud Run and Container Apps inject them from Secret Manager / Key Vault). */
  apiKeys: 'GENAI_API_KEYS',
  /** Comma-separated SHA-256 hex hashes of API keys, for stores that keep only hashes. */
  apiKeyHashes: 'GENAI_API_KEY_HASHES',
  /** A file holding API keys (a Cloud Run secret mounted as a volume). */
  apiKeysFile: 'GENAI_API_KEYS_FILE',
  /** AWS Secrets Manager secret (ARN or name) whose string holds the API keys; read with the AWS SDK. */
  apiKeysSecretArn: 'GENAI_API_KEYS_SECRET_ARN',
  /** Redis AUTH password or token (from the secret store); never put it in the config's redisUrl. */
  redisPassword: 'GENAI_REDIS_PASSWORD',
  /** Azure AI inference key, when the front does not authenticate with a managed identity. */
  azureApiKey: 'GENAI_AZURE_API_KEY',
  /** Prefix of every Redis key the front writes (jobs, rate limits). */
  redisKeyPrefix: 'GENAI_REDIS_PREFIX',
  /** pino log level. */
  logLevel: 'LOG_LEVEL',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/** Loads and validates the configuration from GENAI_CONFIG or GENAI_CONFIG_FILE; errors list every problem. */
export async function loadConfig(env: Env = process.env): Promise<FrontConfig> {
  const inline = env[ENV.config];
  if (inline !== undefined && inline.trim() !== '') return parseFrontConfig(inline, ENV.config);
  const file = env[ENV.configFile];
  if (file) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new Error(`${ENV.configFile}=${file} cannot be read: ${(e as Error).message}`);
    }
    return parseFrontConfig(text, file);
  }
  throw new Error(
    `no configuration: set ${ENV.config} to the JSON configuration or ${ENV.configFile} to a file holding it ` +
      '(see packages/front/README.md)',
  );
}

/** Reads a secret's string from AWS Secrets Manager through the AWS SDK (bundled in the Lambda runtime). */
async function readAwsSecret(secretId: string): Promise<string> {
  // A variable specifier keeps bundlers and the type checker from requiring the SDK where it is not used.
  const moduleName = '@aws-sdk/client-secrets-manager';
  let sdk: {
    SecretsManagerClient: new (
      config: object,
    ) => { send(command: unknown): Promise<{ SecretString?: string }> };
    GetSecretValueCommand: new (input: { SecretId: string }) => unknown;
  };
  try {
    sdk = (await import(moduleName)) as typeof sdk;
  } catch {
    throw new Error(
      `${ENV.apiKeysSecretArn} is set but ${moduleName} is not installed; install it or inject the keys as ${ENV.apiKeys}`,
    );
  }
  const client = new sdk.SecretsManagerClient({});
  const out = await client.send(new sdk.GetSecretValueCommand({ SecretId: secretId }));
  if (!out.SecretString) throw new Error(`secret ${secretId} has no SecretString; store the keys as text`);
  return out.SecretString;
}

/**
 * Loads the accepted API keys from every source that is set: GENAI_API_KEYS, GENAI_API_KEY_HASHES,
 * GENAI_API_KEYS_FILE and GENAI_API_KEYS_SECRET_ARN. Plaintext keys are hashed at once.
 */
export async function loadApiKeys(
  env: Env = process.env,
  readSecret: (id: string) => Promise<string> = readAwsSecret,
): Promise<ApiKeys> {
  const keys: string[] = [];
  const inline = env[ENV.apiKeys];
  if (inline) keys.push(...parseKeyList(inline));
  const file = env[ENV.apiKeysFile];
  if (file) keys.push(...parseKeyList(await readFile(file, 'utf8')));
  const secret = env[ENV.apiKeysSecretArn];
  if (secret) keys.push(...parseKeyList(await readSecret(secret)));
  const hashes = env[ENV.apiKeyHashes] ? parseKeyList(env[ENV.apiKeyHashes]!) : [];
  return ApiKeys.from({ keys, hashes });
}
