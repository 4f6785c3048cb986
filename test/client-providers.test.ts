import {
  createClient,
  createTgiAdapter,
  isGenAiError,
  type SageMakerAdapter,
  type StreamEvent,
  tgiAdapter,
} from '@genai-deploy/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CHAT,
  type ClientEmulator,
  EMBED,
  emulatorProviders,
  PROVIDERS,
  startClientEmulator,
} from './client.test-utils.js';

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
    // The emulator's control API counts what reached it: exactly one request.
    const counts = (await (await fetch(`${env.emulator.url}/_emulator/requests`)).json()) as {
      total: number;
      byOperation: Record<string, number>;
    };
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

describe('Vertex custom endpoints (vertex/endpoints/<id>)', () => {
  it('generate and stream through predict (vLLM container format), embeddings through predict', async () => {
    const messages = [{ role: 'user' as const, content: 'hello endpoint' }];
    const result = await env.client.generate({ model: 'vertex/endpoints/1234567', messages, maxTokens: 8 });
    expect(result).toMatchObject({ provider: 'vertex', model: 'endpoints/1234567', attempts: 1 });
    expect(result.text.length).toBeGreaterThan(0);
    const events: StreamEvent[] = [];
    for await (const e of env.client.stream({ model: 'vertex/endpoints/1234567', messages, maxTokens: 8 }))
      events.push(e);
    expect(events.map((e) => e.type)).toEqual(['delta', 'finish']);
    expect(events[0]).toEqual({ type: 'delta', text: result.text });
    const vectors = await env.client.embed({ model: 'vertex/endpoints/my-embedder', input: ['a', 'b'] });
    expect(vectors.embeddings).toHaveLength(2);
    expect(env.emulator.requests().byOperation['vertex.predict']).toBe(3);
  });
});

describe('SageMaker payload adapters', () => {
  it('uses the adapter configured for the endpoint (here: TGI with a custom prompt template)', async () => {
    const prompts: string[] = [];
    const template = createTgiAdapter({
      template: (req) => {
        const prompt = `<s>[INST] ${req.messages.map((m) => m.content).join('\n')} [/INST]`;
        prompts.push(prompt);
        return prompt;
      },
    });
    const providers = emulatorProviders(env.emulator.url);
    const client = createClient({
      providers: {
        ...providers,
        sagemaker: { ...providers.sagemaker, adapters: { 'mistral-tgi': template } },
      },
      retry: false,
    });
    try {
      const messages = [{ role: 'user' as const, content: 'Bonjour' }];
      const custom = await client.generate({ model: 'sagemaker/mistral-tgi', messages, maxTokens: 12 });
      const plain = await client.generate({ model: 'sagemaker/other-tgi', messages, maxTokens: 12 });
      expect(prompts).toEqual(['<s>[INST] Bonjour [/INST]']);
      // The emulator's answer depends on the prompt: a different template gives a different answer.
      expect(custom.text).not.toBe(plain.text);
    } finally {
      await client.close();
    }
  });

  it('a hand-written adapter for a container with its own JSON shape', async () => {
    // A container wrapping TGI behind a { "question" } API, as a user might deploy one: this adapter adapts
    // it onto the emulator's TGI route, to show every hook the client calls.
    const custom: SageMakerAdapter = {
      name: 'question-answer',
      generateBody: (req, stream) => tgiAdapter.generateBody!(req, stream),
      parseGenerate: (body) => ({
        ...tgiAdapter.parseGenerate!(body),
        text: `answer: ${tgiAdapter.parseGenerate!(body).text}`,
      }),
    };
    const providers = emulatorProviders(env.emulator.url);
    const client = createClient({
      providers: { ...providers, sagemaker: { ...providers.sagemaker, adapters: { qa: custom } } },
      retry: false,
    });
    try {
      const result = await client.generate({
        model: 'sagemaker/qa',
        messages: [{ role: 'user', content: 'why?' }],
      });
      expect(result.text.startsWith('answer: ')).toBe(true);
      // No parseStreamLine: streaming from this endpoint is refused with a clear error, before any request.
      env.emulator.reset();
      const error = await (async () => {
        for await (const _ of client.stream({
          model: 'sagemaker/qa',
          messages: [{ role: 'user', content: 'why?' }],
        }));
      })().catch((e: unknown) => e);
      expect(isGenAiError(error) && error.kind).toBe('invalid-request');
      expect((error as Error).message).toMatch(
        /"question-answer" payload adapter, which has no generateBody\/parseStreamLine/,
      );
      expect(env.emulator.requests().total).toBe(0);
    } finally {
      await client.close();
    }
  });
});

describe('concurrency', () => {
  it('40 concurrent calls per provider all answer, one upstream request each', async () => {
    const calls = PROVIDERS.flatMap((provider) =>
      Array.from({ length: 40 }, (_, i) =>
        env.client.generate({
          model: CHAT[provider],
          messages: [{ role: 'user', content: `question ${i}` }],
          maxTokens: 8,
        }),
      ),
    );
    const results = await Promise.all(calls);
    expect(results).toHaveLength(160);
    expect(new Set(results.map((r) => r.provider))).toEqual(new Set(PROVIDERS));
    expect(results.every((r) => r.attempts === 1 && r.text.length > 0)).toBe(true);
    expect(env.emulator.requests().total).toBe(160);
    expect(env.emulator.requests().inFlight).toBe(0);
  });
});
