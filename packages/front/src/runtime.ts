import { type ClientOptions, createClient } from '@genai-deploy/client';
import type { FrontConfig } from '@genai-deploy/config';
import { createFront, type Front, type FrontOptions } from './app.js';
import type { ApiKeys } from './auth.js';
import type { GatewayClient } from './client.js';
import { toClientOptions } from './client-options.js';
import { ENV, loadApiKeys, loadConfig } from './environment.js';
import { createLogger } from './logger.js';
import { FrontMetrics } from './metrics.js';
import { openRedis } from './redis.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Builds the client for a configuration; `overrides` are merged over the mapped options (credentials, endpoints, events). */
export function createGatewayClient(
  config: FrontConfig,
  overrides: ClientOptions = {},
  env: Env = process.env,
): GatewayClient {
  const mapped = toClientOptions(config, env);
  return createClient({
    ...mapped,
    ...overrides,
    providers: mergeProviders(mapped.providers, overrides.providers),
  });
}

/** Merges provider settings one level deep, so an override can add credentials without restating the region. */
function mergeProviders(
  base: ClientOptions['providers'],
  extra: ClientOptions['providers'],
): ClientOptions['providers'] {
  if (!extra) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [name, value] of Object.entries(extra)) {
    out[name] = { ...((out[name] as object | undefined) ?? {}), ...(value as object) };
  }
  return out as ClientOptions['providers'];
}

/**
 * A front from the environment: configuration from GENAI_CONFIG(_FILE), keys from the GENAI_API_KEYS*
 * variables or AWS Secrets Manager. Refuses to start without a key: a gateway open to anyone is never
 * the intent.
 */
export async function createFrontFromEnv(
  options: { env?: Env; config?: FrontConfig; apiKeys?: ApiKeys; clientOptions?: ClientOptions } & Partial<
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
  // One Redis connection (AUTH or IAM token, private CA) for the front and the client's cache.
  const redis =
    options.redis ??
    (config.cache.redisUrl && !options.client ? await openRedis(config.cache.redisUrl, env) : undefined);
  const metrics = options.metrics ?? new FrontMetrics();
  const userOptions = options.clientOptions ?? {};
  const userListener = userOptions.onEvent;
  // Every upstream request, failed calls included, and the cache/batching counters, from the client's typed events.
  const clientOptions: ClientOptions = {
    ...userOptions,
    onEvent: (event) => {
      if (event.type === 'attempt') {
        metrics.upstreamRequests.inc({ target: event.target.id, provider: event.target.provider });
      } else metrics.observeClientEvent(event);
      userListener?.(event);
    },
  };
  const client =
    options.client ??
    createGatewayClient(
      config,
      redis && clientOptions.cache === undefined
        ? { ...clientOptions, cache: { ...toClientOptions(config, env).cache, redis: { client: redis } } }
        : clientOptions,
      env,
    );
  const { clientOptions: _clientOptions, env: _env, ...frontOptions } = options;
  return createFront({
    ...frontOptions,
    config,
    apiKeys,
    client,
    metrics,
    ...(redis ? { redis, ownsRedis: options.redis ? (options.ownsRedis ?? false) : true } : {}),
    logger: options.logger ?? createLogger({ level: env[ENV.logLevel] ?? 'info' }),
    keyPrefix: options.keyPrefix ?? env[ENV.redisKeyPrefix] ?? 'genai:front:',
  });
}
