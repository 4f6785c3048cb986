import type { StreamEvent } from '@genai-deploy/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHAT, type ClientEmulator, EMBED, PROVIDERS, startClientEmulator } from './client.test-utils.js';

// The four providers × generate / stream / embed, through the official clients, against the emulator.

let env: ClientEmulator;
beforeAll(async () => {
  // Default resilience on: with nothing failing, one SDK call must still be exactly one upstream request.
  env = await startClientEmulator({ retry: undefined, circuitBreaker: undefined });
});
afterAll(() => env.close());
beforeEach(() => env.emulator.reset());

const CHAT_OPERATION = {
  bedrock: ['bedrock.converse', 'bedrock.converseStream'],
  sagemaker: ['sagemaker.invokeEndpoint', 'sagemaker.invokeEndpointWithResponseStream'],
  vertex: ['vertex.generateContent', 'vertex.streamGenerateContent'],
  azure: ['azure.chatCompletions', 'azure.chatCompletions'],
} as const;

describe.each(PROVIDERS)('%s', (provider) => {
  const model = CHAT[provider];
  const messages = [{ role: 'user' as const, content: 'Name three colours of the sea.' }];

  it('generate: one SDK call is one upstream request, with text, usage and metadata', async () => {
    const result = await env.client.generate({
      model,
      messages,
      system: 'Be brief.',
      maxTokens: 32,
      temperature: 0,
    });
    expect(result.text.length).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(result.finishReason);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result).toMatchObject({
      provider,
      model: model.slice(provider.length + 1),
      cached: false,
      attempts: 1,
    });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    const counts = env.emulator.requests();
    expect(counts.total).toBe(1);
    expect(counts.byOperation[CHAT_OPERATION[provider][0]]).toBe(1);
  });

  it('stream: deltas that add up to the generated text, then one finish event', async () => {
    const whole = await env.client.generate({ model, messages, maxTokens: 24, temperature: 0 });
    env.emulator.reset();
    const events: StreamEvent[] = [];
    for await (const event of env.client.stream({ model, messages, maxTokens: 24, temperature: 0 }))
      events.push(event);
    const deltas = events.filter((e) => e.type === 'delta');
    const finish = events.at(-1);
    expect(deltas.length).toBeGreaterThan(1);
    expect(events.filter((e) => e.type === 'finish')).toHaveLength(1);
    expect(deltas.map((d) => d.text).join('')).toBe(whole.text);
    expect(finish).toMatchObject({
      type: 'finish',
      finishReason: whole.finishReason,
      provider,
      cached: false,
      attempts: 1,
      usage: { outputTokens: whole.usage.outputTokens },
    });
    expect(env.emulator.requests().byOperation[CHAT_OPERATION[provider][1]]).toBe(1);
    expect(env.emulator.requests().total).toBe(1);
  });

  it('embed: one vector per input, in input order, deterministic per text', async () => {
    const input = ['the first text', 'a second, different text', 'third'];
    const all = await env.client.embed({ model: EMBED[provider], input });
    expect(all.embeddings).toHaveLength(3);
    expect(all.provider).toBe(provider);
    expect(all.usage.inputTokens).toBeGreaterThan(0);
    const dims = all.embeddings[0]!.length;
    expect(dims).toBeGreaterThan(8);
    expect(env.emulator.requests().total).toBe(1);
    // Order: each vector equals the vector of its text embedded alone.
    const single = await env.client.embed({ model: EMBED[provider], input: input[1]! });
    expect(single.embeddings).toEqual([all.embeddings[1]]);
    expect(all.embeddings[0]).not.toEqual(all.embeddings[1]);
  });
});

describe('embedding inputs over the per-call limit', () => {
  it('Vertex text-embedding-005: 600 texts → 250 + 250 + 100 in order', async () => {
    const input = Array.from({ length: 600 }, (_, i) => `text number ${i}`);
    const result = await env.client.embed({ model: EMBED.vertex, input });
    expect(result.embeddings).toHaveLength(600);
    const counts = env.emulator.requests();
    expect(counts.byOperation['vertex.predict']).toBe(3);
    expect(counts.items['vertex.predict']).toBe(600);
    expect(result.attempts).toBe(3);
    const probe = await env.client.embed({
      model: EMBED.vertex,
      input: [input[0]!, input[299]!, input[599]!],
    });
    expect(probe.embeddings).toEqual([result.embeddings[0], result.embeddings[299], result.embeddings[599]]);
  });

  it('Vertex text-embedding-005: splits by tokens per call (20,000) too', async () => {
    // 30 texts of ~1,500 tokens: 13 fit in 20,000 tokens, so 3 calls although 30 < 250 texts.
    const input = Array.from({ length: 30 }, (_, i) => `${i} ${'word '.repeat(1200)}`);
    const result = await env.client.embed({ model: EMBED.vertex, input });
    expect(result.embeddings).toHaveLength(30);
    expect(env.emulator.requests().byOperation['vertex.predict']).toBe(3);
  });

  it('Cohere on Bedrock: 200 texts → 96 + 96 + 8', async () => {
    const input = Array.from({ length: 200 }, (_, i) => `doc ${i}`);
    const result = await env.client.embed({ model: EMBED.bedrock, input, inputType: 'document' });
    expect(result.embeddings).toHaveLength(200);
    expect(env.emulator.requests().byOperation['bedrock.invokeModel']).toBe(3);
    const probe = await env.client.embed({ model: EMBED.bedrock, input: [input[150]!] });
    expect(probe.embeddings[0]).toEqual(result.embeddings[150]);
  });

  it('Titan v2 on Bedrock: one text per call, dimensions passed through', async () => {
    const result = await env.client.embed({
      model: 'bedrock/amazon.titan-embed-text-v2:0',
      input: ['alpha', 'beta', 'gamma'],
      dimensions: 256,
    });
    expect(result.embeddings.map((e) => e.length)).toEqual([256, 256, 256]);
    expect(env.emulator.requests().byOperation['bedrock.invokeModel']).toBe(3);
    expect(result.attempts).toBe(3);
  });

  it('query and document input types reach Cohere (different vectors for the same text)', async () => {
    const q = await env.client.embed({ model: EMBED.bedrock, input: 'same text', inputType: 'query' });
    const d = await env.client.embed({ model: EMBED.bedrock, input: 'same text', inputType: 'document' });
    expect(q.embeddings[0]).not.toEqual(d.embeddings[0]);
  });
});
