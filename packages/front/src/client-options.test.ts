import { parseFrontConfig } from '@genai-deploy/config';
import { describe, expect, it } from 'vitest';
import { toClientOptions, withPassword } from './client-options.js';

describe('toClientOptions', () => {
  it('maps SageMaker adapters, inference components, context windows, routes and the cache', () => {
    const config = parseFrontConfig({
      models: [
        { id: 'sagemaker/llama-tgi', maxInputTokens: 8000 },
        { id: 'sagemaker/llama-s2z', inferenceComponent: 'llama-s2z-ic' },
        { id: 'sagemaker/bge', kind: 'embedding' },
        { id: 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0' },
      ],
      routes: {
        chat: { targets: ['sagemaker/llama-s2z', 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0'] },
      },
      providers: { sagemaker: { region: 'eu-west-1' }, bedrock: { region: 'eu-west-1' } },
      cache: { redisUrl: 'rediss://cache.internal:6379', ttlSeconds: 60 },
    });
    const options = toClientOptions(config, { GENAI_REDIS_PASSWORD: 'p@ss' });
    expect(options.providers.sagemaker).toEqual({
      region: 'eu-west-1',
      adapters: { 'llama-tgi': 'tgi', 'llama-s2z': 'tgi', bge: 'embeddings' },
      inferenceComponents: { 'llama-s2z': 'llama-s2z-ic' },
    });
    expect(options.providers.bedrock).toEqual({ region: 'eu-west-1' });
    expect(options.contextWindows).toEqual({ 'sagemaker/llama-tgi': 8000 });
    expect(options.routes.chat?.targets).toEqual([
      'sagemaker/llama-s2z',
      'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0',
    ]);
    expect(options.cache.ttlSeconds).toBe(60);
    expect(options.cache.redis).toEqual({ url: 'rediss://:p%40ss@cache.internal:6379' });
  });

  it("gives the client the configuration's prices, so every answer's cost (what the front settles) uses them", () => {
    const config = parseFrontConfig({
      models: [{ id: 'sagemaker/llama-tgi' }],
      pricing: { 'sagemaker/llama-tgi': { inputPerMTok: 1.5, outputPerMTok: 2 } },
    });
    expect(toClientOptions(config).prices?.['sagemaker/llama-tgi']).toMatchObject({
      inputPerMTok: 1.5,
      outputPerMTok: 2,
    });
    expect(toClientOptions(parseFrontConfig({ models: [] })).prices).toBeUndefined();
  });

  it("defaults Vertex's embeddings to rest-json in the front (decoded off the event loop), unless the configuration says 'client'", () => {
    const vertex = { project: 'p', location: 'us-central1' };
    expect(toClientOptions(parseFrontConfig({ providers: { vertex } })).providers.vertex).toMatchObject({
      embedTransport: 'rest-json',
    });
    const chosen = parseFrontConfig({ providers: { vertex: { ...vertex, embedTransport: 'client' } } });
    expect(toClientOptions(chosen).providers.vertex).toMatchObject({ embedTransport: 'client' });
  });

  it("passes Vertex's embedTransport through, and refuses an unknown one naming the choices", () => {
    const vertex = { project: 'p', location: 'us-central1', embedTransport: 'rest-json' as const };
    const options = toClientOptions(
      parseFrontConfig({
        models: [{ id: 'vertex/text-embedding-005', kind: 'embedding' }],
        providers: { vertex },
      }),
      {},
    );
    expect(options.providers.vertex).toEqual(vertex);
    expect(() =>
      parseFrontConfig({
        models: [{ id: 'vertex/text-embedding-005' }],
        providers: { vertex: { ...vertex, embedTransport: 'json' } },
      }),
    ).toThrow(/providers\.vertex\.embedTransport[\s\S]*"client"[\s\S]*"rest-json"/);
  });

  it('sends no inference components when no model has one', () => {
    const options = toClientOptions(parseFrontConfig({ models: [{ id: 'sagemaker/llama-tgi' }] }), {});
    expect(options.providers.sagemaker).toEqual({ adapters: { 'llama-tgi': 'tgi' } });
  });

  it('leaves a URL without a password as it is', () => {
    expect(withPassword('redis://127.0.0.1:6379', undefined)).toBe('redis://127.0.0.1:6379');
  });
});
