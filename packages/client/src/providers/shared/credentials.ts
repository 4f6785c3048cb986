import { GenAiError } from '../../errors.js';
import type { ProviderName } from '../../types.js';

/**
 * Credentials that could not be found or were refused are a configuration error, not an outage: kind `auth`,
 * never retried, never counted by the circuit breaker, and the message says which credential chain was tried
 * and how to fix it. The library's own text stays in `providerMessage` (it may name files, profiles and hosts).
 */

/** Where each provider's official client looks for credentials when none are given, and how to give some. */
const CHAINS: Readonly<Record<ProviderName, { readonly tried: string; readonly fix: string }>> = {
  bedrock: {
    tried:
      'the AWS default credential chain (environment AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO, the shared ini files ~/.aws/credentials and ~/.aws/config for AWS_PROFILE, credential_process, web identity token, ECS container and EC2 instance metadata)',
    fix: 'set AWS_PROFILE to a configured profile (run `aws sso login` or `aws configure`), export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, run with an IAM role, or pass providers.bedrock.credentials',
  },
  sagemaker: {
    tried:
      'the AWS default credential chain (environment AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO, the shared ini files ~/.aws/credentials and ~/.aws/config for AWS_PROFILE, credential_process, web identity token, ECS container and EC2 instance metadata)',
    fix: 'set AWS_PROFILE to a configured profile (run `aws sso login` or `aws configure`), export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, run with an IAM role, or pass providers.sagemaker.credentials',
  },
  vertex: {
    tried:
      'Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, the file `gcloud auth application-default login` writes, the metadata server of Google Cloud runtimes)',
    fix: 'point GOOGLE_APPLICATION_CREDENTIALS at a service account key or workload identity federation file, run `gcloud auth application-default login`, run on Google Cloud with a service account, or pass providers.vertex.authClient',
  },
  azure: {
    tried:
      'providers.azure.apiKey, providers.azure.credential, AZURE_INFERENCE_CREDENTIAL, then DefaultAzureCredential (environment AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, workload identity, managed identity, Azure CLI, Azure Developer CLI, Azure PowerShell)',
    fix: 'pass providers.azure.apiKey (the endpoint key) or .credential (a TokenCredential), set AZURE_INFERENCE_CREDENTIAL, or sign in with `az login` / run with a managed identity',
  },
};

/** What a provider's refusal of our credentials (401/403) asks the operator to check. */
const REFUSED: Readonly<Record<ProviderName, string>> = {
  bedrock:
    'the AWS credentials were refused: check that they have not expired (SSO session, STS token) and that the role may call bedrock:InvokeModel on this model in this region',
  sagemaker:
    'the AWS credentials were refused: check that they have not expired (SSO session, STS token) and that the role may call sagemaker:InvokeEndpoint on this endpoint in this region',
  vertex:
    "the Google credentials were refused: check the Application Default Credentials' account (or providers.vertex.authClient) and that it has roles/aiplatform.user on the project",
  azure:
    'the Azure credentials were refused: check providers.azure.apiKey (the endpoint key) or that the Entra ID identity has the Cognitive Services User role and the right scopes',
};

/** The message of an `auth` error the provider answered (401/403, an expired token): `<what>: <what to check>`. */
export function refusedCredentialsMessage(provider: ProviderName, what: string): string {
  return `${what}: ${REFUSED[provider]}`;
}

/**
 * The error for credentials the provider's client could not load (no credential in the chain, a missing key
 * file, an unreachable identity endpoint): kind `auth`, code the library's error name, its text as `providerMessage`.
 */
export function missingCredentialsError(provider: ProviderName, cause: unknown, code: string): GenAiError {
  const chain = CHAINS[provider];
  const text = cause instanceof Error ? cause.message : String(cause);
  return new GenAiError(`${provider}: no usable credentials from ${chain.tried}. Fix: ${chain.fix}`, {
    kind: 'auth',
    retryable: false,
    provider,
    code,
    providerMessage: text,
    cause,
  });
}

/** google-auth-library's failures to find or read Application Default Credentials (no HTTP answer behind them). */
const GOOGLE_NO_CREDENTIALS =
  /Could not load the default credentials|GOOGLE_APPLICATION_CREDENTIALS|Unable to detect a Project Id|The incoming JSON object does not contain|Could not refresh access token: Unsuccessful response status code\. Request failed with status code (?:401|403|404)/i;

/** Whether a Vertex error is google-auth-library failing to load or refresh credentials (not an API answer). */
export function isGoogleCredentialsFailure(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const data = (e as { response?: { data?: unknown; config?: { url?: unknown } } }).response;
  // A token endpoint's OAuth error (`{ error: 'invalid_grant', error_description }`): a refused refresh token,
  // a disabled service account, a wrong audience.
  if (data && typeof (data.data as { error?: unknown } | undefined)?.error === 'string') {
    return /oauth2|token|metadata|sts\.googleapis/i.test(String(data.config?.url ?? ''));
  }
  if (data) return false;
  return GOOGLE_NO_CREDENTIALS.test(e.message);
}

/** @azure/identity's errors: no credential in the chain, a sign-in needed, a token request refused. */
const AZURE_IDENTITY_ERRORS: ReadonlySet<string> = new Set([
  'CredentialUnavailableError',
  'AggregateAuthenticationError',
  'AuthenticationRequiredError',
  'AuthenticationError',
]);

/** The @azure/identity error name of `e`, when it is one (checked by name: the package is an optional peer). */
export function azureIdentityErrorName(e: unknown): string | undefined {
  const name = (e as { name?: unknown } | null)?.name;
  return typeof name === 'string' && AZURE_IDENTITY_ERRORS.has(name) ? name : undefined;
}
