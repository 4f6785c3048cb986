import { FRONT_ENV } from '@genai-deploy/config';
import { Redis } from 'ioredis';

type Env = Readonly<Record<string, string | undefined>>;

/** Returns an OAuth access token (Memorystore IAM auth uses it as the AUTH password). */
export type AccessTokenProvider = () => Promise<string>;

/**
 * One Redis connection for the front (jobs, rate limits) and the client's cache. AUTH comes from
 * GENAI_REDIS_PASSWORD and, for `rediss://` servers with a private CA (Memorystore signs with a per-instance
 * CA), the CA from GENAI_REDIS_CA_PEM: both from the secret store or the constructs, never from the config.
 */
export function connectRedis(
  url: string,
  env: Env = process.env,
  options: { lazyConnect?: boolean } = {},
): Redis {
  return new Redis(url, {
    password: env[FRONT_ENV.redisPassword.name] || undefined,
    ...(env[FRONT_ENV.redisCaPem.name] && { tls: { ca: env[FRONT_ENV.redisCaPem.name] } }),
    maxRetriesPerRequest: 1,
    commandTimeout: 2000,
    lazyConnect: options.lazyConnect ?? false,
  });
}

/** The service account's token from Application Default Credentials (google-auth-library, loaded on demand). */
async function googleAccessToken(): Promise<string> {
  const moduleName = 'google-auth-library';
  let lib: { GoogleAuth: new (o: object) => { getAccessToken(): Promise<string | null | undefined> } };
  try {
    lib = (await import(moduleName)) as typeof lib;
  } catch {
    throw new Error(
      `${FRONT_ENV.redisIamAuth.name}=true needs ${moduleName}; install it next to @genai-deploy/front`,
    );
  }
  const token = await new lib.GoogleAuth({
    scopes: ['https://www.googleapis.com/auth/cloud-platform'],
  }).getAccessToken();
  if (!token) throw new Error('Application Default Credentials returned no access token for Redis IAM auth');
  return token;
}

/** How often an IAM token is replaced: well inside its one-hour lifetime. */
export const IAM_TOKEN_REFRESH_MS = 30 * 60_000;

/**
 * Opens the front's Redis connection. With GENAI_REDIS_IAM_AUTH=true (Memorystore for Valkey / Redis Cluster
 * IAM auth) the password is the service account's access token: fetched before connecting, then replaced every
 * 30 minutes, both for reconnections and on the live connection (AUTH again), so no connection outlives its token.
 */
export async function openRedis(
  url: string,
  env: Env = process.env,
  getToken: AccessTokenProvider = googleAccessToken,
): Promise<Redis> {
  if (env[FRONT_ENV.redisIamAuth.name] !== 'true') return connectRedis(url, env);
  const redis = connectRedis(
    url,
    { ...env, [FRONT_ENV.redisPassword.name]: await getToken() },
    { lazyConnect: true },
  );
  const refresh = setInterval(() => {
    getToken().then(
      (token) => {
        redis.options.password = token;
        if (redis.status === 'ready') redis.auth(token).catch((e: Error) => redis.emit('error', e));
      },
      (e: Error) => redis.emit('error', e),
    );
  }, IAM_TOKEN_REFRESH_MS);
  refresh.unref();
  redis.once('end', () => clearInterval(refresh));
  redis.connect().catch(() => {
    // ioredis keeps retrying and reports through 'error'.
  });
  return redis;
}
