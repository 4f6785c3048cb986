import { describe, expect, it } from 'vitest';
import type { ClientOptions } from './client-options.js';
import { createClient } from './create-client.js';
import { isGenAiError } from './errors.js';
import type { ClientEvent } from './events.js';
import type { CallContext, Layer } from './layer.js';
import type { GenerateResult } from './types.js';

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

  // A call's signal is created when a step first reads it (a cache hit never does): read late, it must still
  // reflect the caller's abort, the deadline and close(). These layers answer or stop before any network call.
  describe('the call signal, read late by a request layer', () => {
    const answer = (ctx: CallContext): GenerateResult => ({
      text: 'from the layer',
      finishReason: 'stop',
      usage: { inputTokens: 0, outputTokens: 0 },
      provider: 'bedrock',
      model: 'x',
      cached: true,
      attempts: 0,
      latencyMs: Date.now() - ctx.startedAt,
    });
    const ask = { model: 'bedrock/x', messages: [{ role: 'user' as const, content: 'hi' }] };

    it('a layer that answers without reading it: the answer and its events', async () => {
      const events: ClientEvent[] = [];
      const layer: Layer = { name: 'answers', generate: async (_req, ctx) => answer(ctx) };
      const client = createClient({ layers: { request: [layer] }, onEvent: (e) => events.push(e) });
      const result = await client.generate(ask);
      expect(result).toMatchObject({ text: 'from the layer', cached: true, attempts: 0 });
      expect(events.map((e) => e.type)).toEqual(['request-start', 'request-end']);
      expect(new Set(events.map((e) => e.requestId)).size).toBe(1);
      await client.close();
    });

    it('the caller aborted before the layer read it: the call ends as aborted', async () => {
      const caller = new AbortController();
      const seen: boolean[] = [];
      const layer: Layer = {
        name: 'aborts',
        generate: async (req, ctx, next) => {
          caller.abort(new Error('the user left'));
          seen.push(ctx.signal.aborted);
          return next(req, ctx);
        },
      };
      const client = createClient({ layers: { request: [layer] } });
      await expect(client.generate({ ...ask, signal: caller.signal })).rejects.toMatchObject({
        kind: 'aborted',
        message: 'the user left',
      });
      expect(seen).toEqual([true]);
      await client.close();
    });

    it('the deadline passed before the layer read it: the call ends as a timeout', async () => {
      const layer: Layer = {
        name: 'slow',
        generate: async (req, ctx, next) => {
          await new Promise((resolve) => setTimeout(resolve, 30));
          return next(req, ctx);
        },
      };
      const client = createClient({ layers: { request: [layer] } });
      await expect(client.generate({ ...ask, deadlineMs: 5 })).rejects.toMatchObject({
        kind: 'timeout',
        message: "the call's deadline of 5 ms expired",
      });
      await client.close();
    });

    it('close() during the call, before the layer read it: the call ends as aborted', async () => {
      let entered!: () => void;
      let release!: () => void;
      const inLayer = new Promise<void>((resolve) => (entered = resolve));
      const layer: Layer = {
        name: 'waits',
        generate: async (req, ctx, next) => {
          entered();
          await new Promise<void>((resolve) => (release = resolve));
          return next(req, ctx);
        },
      };
      const client = createClient({ layers: { request: [layer] } });
      const call = client.generate(ask);
      await inLayer;
      const closed = client.close();
      release();
      await expect(call).rejects.toMatchObject({ kind: 'aborted', message: 'the client was closed' });
      await closed;
    });
  });
});
