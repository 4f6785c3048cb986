import * as sdk from '@genai-deploy/client';
import type { FrontConfig } from '@genai-deploy/config';
import { createFront, type Front, type FrontOptions } from './app.js';
import type { ApiKeys } from './auth.js';
import type { GatewayClient } from './client.js';
import { toClientOptions } from './client-options.js';
import { ENV, loadApiKeys, loadConfig } from './environment.js';
import { createLogger } from './logger.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Builds the client for a configuration; `overrides` are merged over the mapped options (credentials, endpoints, events). */
export function createGatewayClient(
  config: FrontConfig,
  overrides: Record<string, unknown> = {},
  env: Env = process.env,
): GatewayClient {
  const createClient = (sdk as unknown as { createClient?: (options: object) => GatewayClient }).createClient;
  if (!createClient) throw new Error('@genai-deploy/client does not export createClient yet');
  const mapped = toClientOptions(config, env);
  return createClient({
    ...mapped,
    ...overrides,
    providers: mergeProviders(mapped.providers, overrides.providers),
  });
}

function mergeProviders(base: object, extra: unknown): object {
  if (!extra || typeof extra !== 'object') return base;
  const out: Record<string, unknown> = { ...base };
  for (const [name, value] of Object.entries(extra)) {
    out[name] = { ...((out[name] as object | undefined) ?? {}), ...(value as object) };
  }
  return out;
}

/**
 * A front from the environment: configuration from GENAI_CONFIG(_FILE), keys from the GENAI_API_KEYS*
 * variables or AWS Secrets Manager. Refuses to start without a key: a gateway open to anyone is never
 * the intent.
 */
export async function createFrontFromEnv(
  options: { env?: Env; config?: FrontConfig; apiKeys?: ApiKeys } & Partial<
    Omit<FrontOptions, 'config' | 'apiKeys'>
  > = {},
): Promise<Front> {
  const env = options.env ?? process.env;
  const config = options.config ?? (await loadConfig(env));
  const apiKeys = options.apiKeys ?? (await loadApiKeys(env));
  if (apiKeys.size === 0) {
    throw new Error(
      `no API keys: set ${ENV.apiKeys} (comma-separated), ${ENV.apiKeyHashes}, ${ENV.apiKeysFile} or ${ENV.apiKeysSecretArn}`,
    );
  }
  const client = options.client ?? createGatewayClient(config, {}, env);
  return createFront({
    ...options,
    config,
    apiKeys,
    client,
    logger: options.logger ?? createLogger({ level: env[ENV.logLevel] ?? 'info' }),
    keyPrefix: options.keyPrefix ?? env[ENV.redisKeyPrefix] ?? 'genai:front:',
  });
}
