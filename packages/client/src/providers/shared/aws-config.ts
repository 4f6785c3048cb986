import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** Settings shared by the Bedrock and SageMaker runtime clients. */
export interface AwsProviderOptions {
  /** @default - the AWS SDK's region chain (AWS_REGION, profile) */
  readonly region?: string;
  /** Endpoint override, e.g. the emulator's URL. @default - the regional AWS endpoint */
  readonly endpoint?: string;
  /** @default - the AWS SDK's default credential chain (environment, profile, SSO, IMDS, ...) */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/**
 * Client config common to both AWS clients. `maxAttempts: 1` turns the SDK's own retries off: the client's
 * retry layer (issue 5) is the only retry loop, so retries never multiply.
 */
export function awsClientConfig(options: AwsProviderOptions, region: string | undefined) {
  return {
    maxAttempts: 1,
    ...((region ?? options.region) ? { region: region ?? options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
}

/**
 * The client for `region` (or the options' region) from `clients`, made on first use with `awsClientConfig`:
 * one official client per region, as a target may pin a region.
 */
export function regionalClient<C>(
  clients: Map<string, C>,
  options: AwsProviderOptions,
  region: string | undefined,
  make: (config: ReturnType<typeof awsClientConfig>) => C,
): C {
  const key = region ?? '';
  let client = clients.get(key);
  if (!client) {
    client = make(awsClientConfig(options, region));
    clients.set(key, client);
  }
  return client;
}
