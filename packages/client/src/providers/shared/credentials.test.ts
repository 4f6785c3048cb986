import { AggregateAuthenticationError, CredentialUnavailableError } from '@azure/identity';
import { GaxiosError } from 'gaxios';
import { describe, expect, it } from 'vitest';
import { isHealthFailure, isRetryable, movesToNextTarget } from '../../resilience/classify.js';
import { mapAzureError } from '../azure/errors.js';
import { mapGoogleError } from '../vertex/errors.js';
import { mapAwsError } from './aws-errors.js';

// Credential failures raised before any request leaves the process, in the shapes the libraries throw them.
// The paths through the real credential chains (env, files, metadata) are tested in test/client-credentials.test.ts.

describe('credentials that could not be loaded are an auth error that names the chain and the fix', () => {
  it('AWS: CredentialsProviderError from the default chain', () => {
    const e = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
      tryNextLink: false,
    });
    const err = mapAwsError(e, 'bedrock');
    expect(err).toMatchObject({
      kind: 'auth',
      retryable: false,
      provider: 'bedrock',
      code: 'CredentialsProviderError',
      providerMessage: 'Could not load credentials from any providers',
    });
    expect(err.message).toMatch(/^bedrock: no usable credentials from the AWS default credential chain/);
    expect(err.message).toContain('AWS_PROFILE');
    expect(err.message).toContain('EC2 instance metadata');
    expect(err.message).toContain('providers.bedrock.credentials');
    expect(mapAwsError(e, 'sagemaker').message).toContain('providers.sagemaker.credentials');
  });

  it('Vertex: no Application Default Credentials, or an unreadable GOOGLE_APPLICATION_CREDENTIALS file', () => {
    for (const text of [
      'Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.',
      'Unable to read the credential file specified by the GOOGLE_APPLICATION_CREDENTIALS environment variable: The file at /x.json does not exist, or it is not a file. ENOENT',
    ]) {
      const err = mapGoogleError(Object.assign(new Error(text), { code: 'ENOENT' }));
      expect(err).toMatchObject({ kind: 'auth', retryable: false, code: 'CredentialsUnavailable' });
      expect(err.message).toMatch(/^vertex: no usable credentials from Application Default Credentials/);
      expect(err.message).toContain('gcloud auth application-default login');
      expect(err.message).toContain('metadata server');
      expect(err.message).not.toContain(text);
      expect(err.providerMessage).toBe(text);
    }
  });

  it("Vertex: the token endpoint's OAuth refusal (invalid_grant) is auth, not an invalid request", () => {
    const config = { url: new URL('https://oauth2.googleapis.com/token'), headers: new Headers() };
    // gaxios keeps a response's data only when its body was read (`bodyUsed`), as it is after a real answer.
    const response = {
      bodyUsed: true,
      status: 400,
      data: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
      config,
      headers: new Headers(),
    };
    const e = new GaxiosError('invalid_grant', config as never, response as never);
    expect(mapGoogleError(e)).toMatchObject({ kind: 'auth', code: 'CredentialsUnavailable' });
    // The same status from the Vertex API itself stays what it is.
    const api = new GaxiosError(
      JSON.stringify({ error: { code: 400, message: 'bad', status: 'INVALID_ARGUMENT' } }),
      { url: new URL('https://us-central1-aiplatform.googleapis.com/v1/x'), headers: new Headers() } as never,
      {
        bodyUsed: true,
        status: 400,
        data: { error: { code: 400, message: 'bad', status: 'INVALID_ARGUMENT' } },
        headers: new Headers(),
      } as never,
    );
    expect(mapGoogleError(api).kind).toBe('invalid-request');
  });

  it('Azure: DefaultAzureCredential found no identity, or Entra ID refused the token request', () => {
    const unavailable = new CredentialUnavailableError('EnvironmentCredential is unavailable.');
    const chain = new AggregateAuthenticationError(
      [unavailable],
      'ChainedTokenCredential authentication failed.',
    );
    for (const [e, code] of [
      [unavailable, 'CredentialUnavailableError'],
      [chain, 'AggregateAuthenticationError'],
    ] as const) {
      const err = mapAzureError(e);
      expect(err).toMatchObject({ kind: 'auth', retryable: false, provider: 'azure', code });
      expect(err.message).toMatch(/^azure: no usable credentials from providers\.azure\.apiKey/);
      expect(err.message).toContain('DefaultAzureCredential');
      expect(err.message).not.toContain('ChainedTokenCredential');
    }
  });

  it('a refusal answered by the service says what to check', () => {
    const e = Object.assign(new Error('The security token included in the request is expired'), {
      name: 'ExpiredTokenException',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
    });
    const err = mapAwsError(e, 'bedrock');
    expect(err).toMatchObject({ kind: 'auth', status: 403, code: 'ExpiredTokenException' });
    expect(err.message).toMatch(
      /^bedrock ExpiredTokenException \(HTTP 403\): the AWS credentials were refused/,
    );
    expect(err.message).toContain('bedrock:InvokeModel');
    expect(mapGoogleError(Object.assign(new Error('x'), { code: 7 })).message).toMatch(
      /^vertex PERMISSION_DENIED \(HTTP 403\): the Google credentials were refused/,
    );
  });

  it('is never retried, never counted by the breaker and does not move the fallback chain', () => {
    const err = mapAwsError(Object.assign(new Error('no'), { name: 'CredentialsProviderError' }), 'bedrock');
    expect(isRetryable(err)).toBe(false);
    expect(isHealthFailure(err)).toBe(false);
    expect(movesToNextTarget(err)).toBe(false);
  });
});
