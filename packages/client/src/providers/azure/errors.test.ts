import { describe, expect, it } from 'vitest';
import { azureResponseError } from './errors.js';

describe('azureResponseError', () => {
  it('names a throttling status once when the body repeats it as the code', () => {
    const error = azureResponseError(
      429,
      { 'retry-after-ms': '1500' },
      {
        error: {
          code: '429',
          message: 'Requests to the ChatCompletions_Create Operation have exceeded the rate limit.',
        },
      },
    );
    expect(error.message).toBe('azure Too Many Requests (HTTP 429)');
    expect(error).toMatchObject({ kind: 'throttled', status: 429, code: '429', retryAfterMs: 1500 });
    expect(error.providerMessage).toMatch(/exceeded the rate limit/);
  });

  it('keeps a code that says more than the status', () => {
    const error = azureResponseError(404, undefined, {
      error: { code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist.' },
    });
    expect(error.message).toBe('azure DeploymentNotFound (HTTP 404)');
    expect(error.kind).toBe('not-found');
  });

  it('names a status without a code by its status text', () => {
    expect(azureResponseError(503, undefined, {}).message).toBe('azure Service Unavailable (HTTP 503)');
    // An auth refusal adds what to check: the gateway's credentials, not the caller's.
    expect(azureResponseError(401, undefined, {}).message).toMatch(
      /^azure Unauthorized \(HTTP 401\): the Azure credentials were refused: check providers\.azure\.apiKey/,
    );
  });
});
