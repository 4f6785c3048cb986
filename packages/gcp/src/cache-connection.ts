/**
 * How the front reaches a cache. `MemorystoreCache` implements it; anything else that speaks the Redis
 * protocol inside the VPC can too. `CloudRunFront` turns it into these variables of the front's environment
 * contract (`FRONT_ENV` in `@genai-deploy/config`, which names and explains each):
 *
 * - `FRONT_ENV.config` (`GENAI_CONFIG`), `cache.redisUrl`: `rediss://host:port` (never with credentials)
 * - `FRONT_ENV.redisPassword` (`GENAI_REDIS_PASSWORD`): the AUTH string, from Secret Manager (Redis AUTH)
 * - `FRONT_ENV.redisIamAuth` (`GENAI_REDIS_IAM_AUTH=true`): authenticate with the service account's access
 *   token (Valkey IAM auth)
 * - `FRONT_ENV.redisCaPem` (`GENAI_REDIS_CA_PEM`): the server CA to verify TLS against (public data, not a secret)
 */
export interface FrontCacheConnection {
  /** `redis://` or `rediss://` URL without user info. */
  readonly redisUrl: string;
  /** Secret Manager secret (id in the stack's project) holding the AUTH string. @default - no password */
  readonly passwordSecretId?: string;
  /** PEM of the CA that signs the server certificate, when TLS is on. @default - no custom CA */
  readonly caCertificatePem?: string;
  /** Whether clients authenticate with IAM access tokens (Memorystore for Valkey IAM_AUTH). */
  readonly iamAuth: boolean;
  /** Lets a service account connect: IAM roles and secret access, as the cache needs. */
  grantConnect(serviceAccountMember: string, project: string): void;
}
