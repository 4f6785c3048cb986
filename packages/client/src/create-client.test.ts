import { describe, expect, it } from 'vitest';
import type { ClientOptions } from './client-options.js';
import { createClient } from './create-client.js';
import { isGenAiError } from './errors.js';

// Construction-time checks (no network). Calls against providers are tested in test/client-*.test.ts.

describe('createClient', () => {
  it.each([
    [{ deadlineMs: 0 }, /invalid deadlineMs: got 0/],
    [{ embedConcurrency: 0 }, /invalid embedConcurrency: got 0; expected an integer >= 1/],
    [
      { providers: { vertex: { project: '', location: 'us-central1' } } },
      /invalid providers\.vertex\.project/,
    ],
    [{ providers: { vertex: { project: 'p' } } }, /invalid providers\.vertex\.location: got undefined/],
    [
      { providers: { vertex: { project: 'p', location: 'us-central1', transport: 'http2' } } },
      /invalid providers\.vertex\.transport: got "http2"; expected 'grpc' or 'rest'/,
    ],
    [
      { providers: { sagemaker: { inferenceComponents: { 'my-endpoint': '' } } } },
      /invalid providers\.sagemaker\.inferenceComponents\["my-endpoint"\]: got ""; expected a SageMaker inference component name/,
    ],
    [
      {
        providers: {
          azure: { endpoint: 'https://x.inference.ml.azure.com', scopes: 'https://ml.azure.com/.default' },
        },
      },
      /invalid providers\.azure\.scopes: got "https:\/\/ml\.azure\.com\/\.default"; expected a non-empty list/,
    ],
    [
      { providers: { azure: { endpoint: 'my-resource' } } },
      /invalid providers\.azure\.endpoint: got "my-resource"; expected the https:\/\/ URL/,
    ],
    [
      {
        providers: {
          azure: { endpoint: 'http://127.0.0.1:4010', credential: { getToken: async () => null } },
        },
      },
      /Entra ID tokens are only sent over https/,
    ],
  ] as [ClientOptions, RegExp][])('rejects %j', (options, message) => {
    let error: unknown;
    try {
      createClient(options);
    } catch (e) {
      error = e;
    }
    expect(isGenAiError(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses calls after close(), and close() is idempotent', async () => {
    const client = createClient();
    await client.close();
    await client.close();
    await expect(
      client.generate({ model: 'bedrock/x', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toMatchObject({ kind: 'aborted', message: expect.stringMatching(/client is closed/) });
  });
});
