/**
 * The provider under the AI SDK's own functions (generateText, streamText, generateObject, embedMany), through
 * the real client against the emulator of the four clouds.
 */
import { APICallError, UnsupportedFunctionalityError } from '@ai-sdk/provider';
import {
  embed,
  embedMany,
  generateObject,
  generateText,
  jsonSchema,
  Output,
  stepCountIs,
  streamText,
  type TextStreamPart,
  type ToolSet,
  tool,
} from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CHAT, EMBED, startTestPlatform, type TestPlatform } from './emulator.test-utils.js';
import { createGenAiDeploy, type GenAiDeployProvider } from './genai-deploy-provider.js';

let platform: TestPlatform;
let genai: GenAiDeployProvider;

beforeAll(async () => {
  platform = await startTestPlatform();
  genai = createGenAiDeploy({ client: platform.client });
});
afterAll(() => platform.close());
beforeEach(() => platform.emulator.reset());

const weatherInput = z.object({
  city: z.string().min(2),
  unit: z.enum(['celsius', 'fahrenheit']),
});
const weatherCalls: { city: string; unit: string }[] = [];
const tools = {
  get_weather: tool({
    description: 'The weather in a city',
    inputSchema: weatherInput,
    execute: async (input) => {
      weatherCalls.push(input);
      return { temperature: -3, sky: 'snow' };
    },
  }),
} satisfies ToolSet;

const upstream = () => platform.emulator.requests().total;

describe.each(Object.entries(CHAT))('%s', (provider, model) => {
  it('generateText with a tool over two steps: the call, its result, and an answer built on it', async () => {
    weatherCalls.length = 0;
    const result = await generateText({
      model: genai(model),
      tools,
      stopWhen: stepCountIs(4),
      prompt: 'Use get_weather for Oslo.',
    });
    expect(result.steps).toHaveLength(2);
    const [first, second] = result.steps;
    expect(first?.finishReason).toBe('tool-calls');
    expect(first?.toolCalls.map((c) => c.toolName)).toEqual(['get_weather']);
    expect(weatherInput.safeParse(first?.toolCalls[0]?.input).success).toBe(true);
    expect(weatherCalls).toHaveLength(1);
    expect(second?.finishReason).toBe('stop');
    expect(result.text).toMatch(/-3/);
    expect(result.text).toMatch(/snow/);
    expect(result.totalUsage.inputTokens).toBeGreaterThan(0);
    expect(result.providerMetadata?.genaiDeploy).toMatchObject({ provider, cached: false, attempts: 1 });
    expect(result.response.modelId).toBe(model);
    expect(upstream()).toBe(2);
  });

  it('streamText: text deltas in order, the same text as generateText, usage and metadata at the end', async () => {
    const prompt = 'Tell me about the sea.';
    const generated = await generateText({ model: genai(model), prompt, temperature: 0 });
    const stream = streamText({ model: genai(model), prompt, temperature: 0 });
    const deltas: string[] = [];
    for await (const delta of stream.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(generated.text);
    expect(await stream.finishReason).toBe('stop');
    expect((await stream.usage).outputTokens).toBe(generated.usage.outputTokens);
    expect((await stream.providerMetadata)?.genaiDeploy).toMatchObject({ provider, attempts: 1 });
    expect(await stream.warnings).toEqual([]);
  });

  it('streamText: a streamed tool call arrives as input start, deltas, end, then the whole call', async () => {
    const stream = streamText({
      model: genai(model),
      tools: { get_weather: tool({ description: 'The weather in a city', inputSchema: weatherInput }) },
      toolChoice: 'required',
      prompt: 'What should I wear in Lisbon?',
    });
    const parts: TextStreamPart<ToolSet>[] = [];
    for await (const part of stream.fullStream) parts.push(part);
    const types = parts.map((p) => p.type);
    const start = types.indexOf('tool-input-start');
    const end = types.indexOf('tool-input-end');
    expect(start).toBeGreaterThanOrEqual(0);
    expect(types.slice(start + 1, end).every((t) => t === 'tool-input-delta')).toBe(true);
    const streamed = parts.map((p) => (p.type === 'tool-input-delta' ? p.delta : '')).join('');
    const call = parts.find((p) => p.type === 'tool-call');
    expect(call?.type === 'tool-call' && call.toolName).toBe('get_weather');
    expect(call?.type === 'tool-call' && call.input).toEqual(JSON.parse(streamed));
    expect(weatherInput.safeParse(JSON.parse(streamed)).success).toBe(true);
    expect(await stream.finishReason).toBe('tool-calls');
  });

  it('structured output from a zod schema: generateObject and Output.object', async () => {
    const schema = z.object({ answer: z.string(), confidence: z.number().min(0).max(1) });
    const { object } = await generateObject({
      model: genai(model),
      schema,
      prompt: 'Is the sky blue? JSON.',
    });
    expect(schema.safeParse(object).success).toBe(true);
    const { output } = await generateText({
      model: genai(model),
      output: Output.object({ schema }),
      prompt: 'Is the sea salty? Answer as JSON.',
    });
    expect(schema.safeParse(output).success).toBe(true);
  });

  it('an image part reaches the model', async () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
      'base64',
    );
    const { text } = await generateText({
      model: genai(model),
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image', image: new Uint8Array(png) },
          ],
        },
      ],
    });
    expect(text).toMatch(/\[image sha256:[0-9a-f]{12}\]/);
  });

  it('abort: a hanging call ends with the caller’s AbortError and the upstream request is cancelled', async () => {
    platform.emulator.setFaults([{ provider: provider as 'bedrock', kind: 'hang' }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await generateText({
      model: genai(model),
      prompt: 'hello',
      abortSignal: controller.signal,
    }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    await expect.poll(() => platform.emulator.requests().inFlight).toBe(0);
  });

  it('a throttled call is an APICallError the SDK retries, after the provider’s hint', async () => {
    platform.emulator.setFaults([
      { provider: provider as 'bedrock', status: 429, retryAfterMs: 200, count: 2 },
    ]);
    const error = await generateText({ model: genai(model), prompt: 'hello', maxRetries: 0 }).catch(
      (e: unknown) => e,
    );
    expect(APICallError.isInstance(error)).toBe(true);
    const apiError = error as APICallError;
    expect(apiError.isRetryable).toBe(true);
    expect(apiError.statusCode).toBe(429);
    // Bedrock and SageMaker send the hint in whole seconds (200 ms arrives as 1 s); the others in ms.
    const hint = Number(apiError.responseHeaders?.['retry-after-ms']);
    expect(hint).toBe(provider === 'bedrock' || provider === 'sagemaker' ? 1000 : 200);
    expect(apiError.data).toMatchObject({ kind: 'throttled', provider });
    const started = Date.now();
    const { text } = await generateText({ model: genai(model), prompt: 'hello', maxRetries: 1 });
    expect(text.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(hint - 10);
    expect(upstream()).toBe(3);
  });
});

describe.each(Object.entries(EMBED))('%s embeddings', (provider, model) => {
  it('embedMany: one vector per value, in order, equal to the client’s own; embed for one', async () => {
    const values = ['the cat sat', 'stock prices fell', 'a cat sat down'];
    const { embeddings, usage, responses } = await embedMany({ model: genai.embeddingModel(model), values });
    const direct = await platform.client.embed({ model, input: values });
    expect(embeddings).toEqual(direct.embeddings);
    expect(usage.tokens).toBeGreaterThan(0);
    expect(responses).toBeDefined();
    const { embedding, providerMetadata } = await embed({
      model: genai.embeddingModel(model),
      value: 'the cat sat',
    });
    expect(embedding).toEqual(direct.embeddings[0]);
    expect(providerMetadata?.genaiDeploy).toMatchObject({ provider });
  });
});

describe('the client underneath', () => {
  it('maxEmbeddingsPerCall comes from the client’s model limits; a route reports none', () => {
    expect(genai.embeddingModel(EMBED.vertex).maxEmbeddingsPerCall).toBe(250);
    expect(genai.embeddingModel(EMBED.bedrock).maxEmbeddingsPerCall).toBe(96);
    expect(genai.embeddingModel('my-route').maxEmbeddingsPerCall).toBeUndefined();
  });

  it('a route falls back across clouds and the metadata names the target that answered', async () => {
    const client = platform.newClient({ routes: { writer: { targets: [CHAT.bedrock, CHAT.vertex] } } });
    platform.emulator.setFaults([{ provider: 'bedrock', status: 503 }]);
    const result = await generateText({ model: createGenAiDeploy({ client })('writer'), prompt: 'hi' });
    expect(result.providerMetadata?.genaiDeploy).toMatchObject({
      provider: 'vertex',
      model: 'gemini-2.0-flash',
    });
    expect(result.response.modelId).toBe(CHAT.vertex);
  });

  it('a cached answer says so, with no upstream attempt', async () => {
    const client = platform.newClient({ cache: { memory: { maxBytes: 1 << 20 } } });
    const model = createGenAiDeploy({ client })(CHAT.azure);
    await generateText({ model, prompt: 'cache me', temperature: 0 });
    const again = await generateText({ model, prompt: 'cache me', temperature: 0 });
    expect(again.providerMetadata?.genaiDeploy).toMatchObject({ cached: true, attempts: 0 });
    expect(upstream()).toBe(1);
  });

  it('what a provider lacks is refused before any request, as a non-retryable APICallError', async () => {
    const error = await generateText({
      model: genai(CHAT.bedrock),
      prompt: 'hi',
      seed: 7,
      maxRetries: 2,
    }).catch((e: unknown) => e);
    expect(APICallError.isInstance(error)).toBe(true);
    expect((error as APICallError).isRetryable).toBe(false);
    expect((error as APICallError).message).toMatch(/has no `seed`/);
    expect(upstream()).toBe(0);
  });

  it('provider-defined tools are refused with UnsupportedFunctionalityError', async () => {
    const error = await generateText({
      model: genai(CHAT.azure),
      prompt: 'search the web',
      tools: {
        web_search: {
          type: 'provider',
          id: 'openai.web_search',
          args: {},
          inputSchema: jsonSchema({ type: 'object' }),
        },
      },
    }).catch((e: unknown) => e);
    expect(UnsupportedFunctionalityError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/openai\.web_search/);
  });

  it('options it cannot honour come back as warnings, never dropped silently', async () => {
    const result = await generateText({
      model: genai(CHAT.vertex),
      prompt: 'hi',
      headers: { 'x-tenant': 'a' },
      providerOptions: { genaiDeploy: { cache: false, deadlineMs: 5000 } },
    });
    expect(result.warnings).toEqual([expect.objectContaining({ type: 'unsupported', feature: 'headers' })]);
    const bad = await generateText({
      model: genai(CHAT.vertex),
      prompt: 'hi',
      providerOptions: { genaiDeploy: { cach: false } },
    }).catch((e: unknown) => e);
    expect((bad as Error).message).toMatch(/has no "cach"/);
  });

  it('streamText aborted mid-stream ends with an abort part and cancels the upstream stream', async () => {
    // Slow tokens keep the stream open long enough to abort it half way.
    const slow = await startTestPlatform({}, { latency: { perTokenMs: 30 } });
    try {
      const controller = new AbortController();
      const stream = streamText({
        model: createGenAiDeploy({ client: slow.client })(CHAT.azure),
        prompt: 'a long story',
        abortSignal: controller.signal,
      });
      const types: string[] = [];
      for await (const part of stream.fullStream) {
        types.push(part.type);
        if (part.type === 'text-delta') controller.abort();
      }
      expect(types).toContain('text-delta');
      expect(types.at(-1)).toBe('abort');
      await expect.poll(() => slow.emulator.requests().inFlight).toBe(0);
    } finally {
      await slow.close();
    }
  });
});
