import { Redis } from 'ioredis';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * One Redis connection for the front (jobs, rate limits) and the client's cache. AUTH comes from
 * GENAI_REDIS_PASSWORD and, for `rediss://` servers with a private CA (Memorystore signs with a per-instance
 * CA), the CA from GENAI_REDIS_CA_PEM: both from the secret store or the constructs, never from the config.
 */
export function connectRedis(url: string, env: Env = process.env): Redis {
  return new Redis(url, {
    password: env.GENAI_REDIS_PASSWORD || undefined,
    ...(env.GENAI_REDIS_CA_PEM && { tls: { ca: env.GENAI_REDIS_CA_PEM } }),
    maxRetriesPerRequest: 1,
    commandTimeout: 2000,
    lazyConnect: false,
  });
}
