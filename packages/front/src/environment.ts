import { readFile } from 'node:fs/promises';
import { FRONT_ENV, type FrontConfig, type FrontEnvKey, parseFrontConfig } from '@genai-deploy/config';
import { ApiKeys, type KeyEntry, parseKeyEntries, parseKeyList } from './auth.js';

/**
 * The front's variable names by key, e.g. `ENV.config` is `'GENAI_CONFIG'`.
 * @deprecated Use `FRONT_ENV` from `@genai-deploy/config` (each variable's name, meaning and who sets it):
 * `ENV.x` is `FRONT_ENV.x.name`.
 */
export const ENV = Object.fromEntries(Object.entries(FRONT_ENV).map(([key, v]) => [key, v.name])) as {
  readonly [K in FrontEnvKey]: (typeof FRONT_ENV)[K]['name'];
};

type Env = Readonly<Record<string, string | undefined>>;

/** Loads and validates the configuration from GENAI_CONFIG or GENAI_CONFIG_FILE; errors list every problem. */
export async function loadConfig(env: Env = process.env): Promise<FrontConfig> {
  const inline = env[FRONT_ENV.config.name];
  if (inline !== undefined && inline.trim() !== '') return parseFrontConfig(inline, FRONT_ENV.config.name);
  const file = env[FRONT_ENV.configFile.name];
  if (file) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new Error(`${FRONT_ENV.configFile.name}=${file} cannot be read: ${(e as Error).message}`);
    }
    return parseFrontConfig(text, file);
  }
  throw new Error(
    `no configuration: set ${FRONT_ENV.config.name} to the JSON configuration or ${FRONT_ENV.configFile.name} to a file holding it ` +
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
      `${FRONT_ENV.apiKeysSecretArn.name} is set but ${moduleName} is not installed; install it or inject the keys as ${FRONT_ENV.apiKeys.name}`,
    );
  }
  const client = new sdk.SecretsManagerClient({});
  const out = await client.send(new sdk.GetSecretValueCommand({ SecretId: secretId }));
  if (!out.SecretString) throw new Error(`secret ${secretId} has no SecretString; store the keys as text`);
  return out.SecretString;
}

/**
 * Loads the accepted API keys from every source that is set: GENAI_API_KEYS, GENAI_API_KEY_HASHES,
 * GENAI_API_KEYS_FILE and GENAI_API_KEYS_SECRET_ARN. Plaintext keys are hashed at once. The first three
 * sources take plain lists or a key document with each key's policy (`parseKeyEntries`).
 */
export async function loadApiKeys(
  env: Env = process.env,
  readSecret: (id: string) => Promise<string> = readAwsSecret,
): Promise<ApiKeys> {
  const entries = await keyEntries(readSecret, [
    { kind: 'inline', name: FRONT_ENV.apiKeys.name, value: env[FRONT_ENV.apiKeys.name] },
    { kind: 'file', name: FRONT_ENV.apiKeysFile.name, value: env[FRONT_ENV.apiKeysFile.name] },
    { kind: 'secret', name: FRONT_ENV.apiKeysSecretArn.name, value: env[FRONT_ENV.apiKeysSecretArn.name] },
  ]);
  const hashes = env[FRONT_ENV.apiKeyHashes.name] ? parseKeyList(env[FRONT_ENV.apiKeyHashes.name]!) : [];
  return ApiKeys.from({ entries, hashes });
}

/**
 * The admin keys of /admin/* from GENAI_ADMIN_KEYS, GENAI_ADMIN_KEYS_FILE and GENAI_ADMIN_KEYS_SECRET_ARN, in
 * the forms of the API keys (a `{"hash": ...}` entry for a store that keeps hashes only); none when unset.
 */
export async function loadAdminKeys(
  env: Env = process.env,
  readSecret: (id: string) => Promise<string> = readAwsSecret,
): Promise<ApiKeys | undefined> {
  const entries = await keyEntries(readSecret, [
    { kind: 'inline', name: FRONT_ENV.adminKeys.name, value: env[FRONT_ENV.adminKeys.name] },
    { kind: 'file', name: FRONT_ENV.adminKeysFile.name, value: env[FRONT_ENV.adminKeysFile.name] },
    {
      kind: 'secret',
      name: FRONT_ENV.adminKeysSecretArn.name,
      value: env[FRONT_ENV.adminKeysSecretArn.name],
    },
  ]);
  return entries.length > 0 ? ApiKeys.from({ entries }) : undefined;
}

/** A source of keys: the variable's name and value, and whether the value is the list, a file or a secret id. */
interface KeySource {
  readonly kind: 'inline' | 'file' | 'secret';
  readonly name: string;
  readonly value: string | undefined;
}

async function keyEntries(
  readSecret: (id: string) => Promise<string>,
  sources: readonly KeySource[],
): Promise<KeyEntry[]> {
  const entries: KeyEntry[] = [];
  for (const { kind, name, value } of sources) {
    if (!value) continue;
    const text =
      kind === 'inline' ? value : kind === 'file' ? await readFile(value, 'utf8') : await readSecret(value);
    try {
      entries.push(...parseKeyEntries(text));
    } catch (e) {
      throw new Error(`${kind === 'inline' ? name : `${name}=${value}`}: ${(e as Error).message}`);
    }
  }
  return entries;
}
