import { type ClientOptions, createClient } from '@genai-deploy/client';
import { FRONT_ENV, type FrontConfig } from '@genai-deploy/config';
import type { Redis } from 'ioredis';
import { createFront, type Front, type FrontOptions } from './app.js';
import { ApiKeys, parseKeyList } from './auth.js';
import type { GatewayClient } from './client.js';
import { type ClientOptionsFromConfig, toClientOptions } from './client-options.js';
import { loadAdminKeys, loadApiKeys, loadConfig } from './environment.js';
import { createLogger } from './logger.js';
import { FrontMetrics } from './metrics.js';
import { openRedis } from './redis.js';
import { vectorIndexFromConfig } from './vector-stores/index-from-config.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Builds the client for a configuration; `overrides` are merged over the mapped options (credentials, endpoints, events). */
export function createGatewayClient(
  config: FrontConfig,
  overrides: ClientOptions = {},
  env: Env = process.env,
): GatewayClient {
  return clientFrom(toClientOptions(config, env), overrides);
}

function clientFrom(mapped: ClientOptionsFromConfig, overrides: ClientOptions): GatewayClient {
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
  const adminKeys = options.adminKeys ?? (await loadAdminKeys(env));
  // Without caller keys, an admin key can still create them (POST /admin/keys).
  if (apiKeys.size === 0 && !adminKeys?.size) {
    throw new Error(
      `no API keys: set ${FRONT_ENV.apiKeys.name} (comma-separated), ${FRONT_ENV.apiKeyHashes.name}, ${FRONT_ENV.apiKeysFile.name} or ${FRONT_ENV.apiKeysSecretArn.name}, or admin keys (${FRONT_ENV.adminKeys.name}) to create keys with`,
    );
  }
  const metrics = options.metrics ?? new FrontMetrics();
  const shared = await frontRedis(config, env, options);
  // One prefix for every key this front writes (jobs, limits, keys, budgets, cache, circuits): the option, else
  // GENAI_REDIS_PREFIX; fronts with different prefixes never see each other's state.
  const keyPrefix = options.keyPrefix ?? (env[FRONT_ENV.redisKeyPrefix.name] || 'genai:front:');
  const client =
    options.client ??
    frontClient(config, env, shared?.redis, keyPrefix, withMetrics(options.clientOptions ?? {}, metrics));
  const { clientOptions: _clientOptions, env: _env, ...frontOptions } = options;
  const vectorIndex =
    options.vectorIndex ?? (await frontVectorIndex(config, options.clientOptions, keyPrefix, shared?.redis));
  return createFront({
    ...(vectorIndex ? { vectorIndex } : {}),
    ...frontOptions,
    config,
    apiKeys,
    metricsKeys: options.metricsKeys ?? metricsKeysFrom(env),
    ...(adminKeys ? { adminKeys } : {}),
    client,
    metrics,
    ...shared,
    logger: options.logger ?? createLogger({ level: env[FRONT_ENV.logLevel.name] ?? 'info' }),
    keyPrefix,
  });
}

/**
 * The index of config.vectorStore on the client's retrieval module, with the front's identity: the credentials
 * given to the client (fake ones for the emulator locally), else each engine's default chain.
 */
async function frontVectorIndex(
  config: FrontConfig,
  clientOptions: ClientOptions | undefined,
  keyPrefix: string,
  redis: Redis | undefined,
) {
  if (!config.vectorStore) return undefined;
  const providers = clientOptions?.providers;
  const aws = providers?.bedrock?.credentials ?? providers?.sagemaker?.credentials;
  const google = providers?.vertex?.authClient;
  // An inference key is no Search key: only an Entra ID credential serves both.
  const azure = providers?.azure?.credential;
  return vectorIndexFromConfig(config.vectorStore, {
    ...(aws ? { awsCredentials: aws } : {}),
    ...(google ? { googleAuthClient: google } : {}),
    ...(azure && 'getToken' in azure ? { azureCredential: azure } : {}),
    ...(redis ? { redis } : {}),
    keyPrefix,
  });
}

/** The scrape credentials of /metrics from GENAI_METRICS_KEYS; none (closed) when unset. */
function metricsKeysFrom(env: Env): ApiKeys | undefined {
  const text = env[FRONT_ENV.metricsKeys.name];
  return text ? ApiKeys.from({ keys: parseKeyList(text) }) : undefined;
}

/**
 * The front's one Redis connection, decided here and nowhere else: the given one, else one to
 * config.cache.redisUrl (AUTH or IAM token, private CA: see openRedis), else none. The front (jobs, limits)
 * and the client's cache share it.
 */
async function frontRedis(
  config: FrontConfig,
  env: Env,
  options: Pick<FrontOptions, 'redis' | 'ownsRedis'>,
): Promise<{ redis: Redis; ownsRedis: boolean } | undefined> {
  if (options.redis) return { redis: options.redis, ownsRedis: options.ownsRedis ?? false };
  const url = config.cache.redisUrl;
  return url ? { redis: await openRedis(url, env), ownsRedis: true } : undefined;
}

/**
 * The front's client: the configuration mapped once, the cache's Redis tier on the front's connection
 * instead of a second one to the URL, circuit state and rate cuts shared with the other instances through
 * it too, then the caller's options over it (their `cache` and `sharedResilience` replace ours).
 */
function frontClient(
  config: FrontConfig,
  env: Env,
  redis: Redis | undefined,
  prefix: string,
  options: ClientOptions,
): GatewayClient {
  const mapped = toClientOptions(config, env);
  const cacheOptions = { ...mapped.cache, keyPrefix: `${prefix}cache:` };
  const cache = options.cache ?? (redis ? { ...cacheOptions, redis: { client: redis } } : cacheOptions);
  const sharedResilience =
    options.sharedResilience ?? (redis ? { redis, keyPrefix: `${prefix}resilience:` } : undefined);
  return clientFrom(mapped, { ...options, cache, ...(sharedResilience ? { sharedResilience } : {}) });
}

/** Every upstream request, failed calls included, and the cache/batching counters, from the client's typed events. */
function withMetrics(options: ClientOptions, metrics: FrontMetrics): ClientOptions {
  const listener = options.onEvent;
  return {
    ...options,
    onEvent: (event) => {
      if (event.type === 'attempt') {
        metrics.upstreamRequests.inc({ target: event.target.id, provider: event.target.provider });
      } else metrics.observeClientEvent(event);
      listener?.(event);
    },
  };
}
