/**
 * ChatGenAiDeploy under LangChain's own entry points (invoke, stream, bindTools, withStructuredOutput,
 * callbacks), through the real client against the emulator of the four clouds.
 */

import { type GenAiError, isGenAiError } from '@genai-deploy/client';
import { ContextOverflowError, getRetryable, ModelAbortError } from '@langchain/core/errors';
import {
  AIMessage,
  type AIMessageChunk,
  HumanMessage,
  SystemMessage,
  ToolMessage,
} from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ChatGenAiDeploy } from './chat-genai-deploy.js';
import { CHAT, startTestPlatform, type TestPlatform } from './emulator.test-utils.js';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform.close());
beforeEach(() => platform.emulator.reset());

const weatherInput = z.object({ city: z.string().min(2), unit: z.enum(['celsius', 'fahrenheit']) });
const getWeather = tool(async () => JSON.stringify({ temperature: -3, sky: 'snow' }), {
  name: 'get_weather',
  description: 'The weather in a city',
  schema: weatherInput,
});
const upstream = () => platform.emulator.requests().total;

describe.each(Object.entries(CHAT))('%s', (provider, model) => {
  const chat = (fields: Partial<ConstructorParameters<typeof ChatGenAiDeploy>[0]> = {}) =>
    new ChatGenAiDeploy({ client: platform.client, model, ...fields });

  it('invoke: text, usage_metadata and response_metadata naming the target', async () => {
    const message = await chat({ temperature: 0 }).invoke([
      new SystemMessage('Be brief.'),
      new HumanMessage('Tell me about the sea.'),
    ]);
    expect(typeof message.content).toBe('string');
    expect(message.text.length).toBeGreaterThan(0);
    expect(message.usage_metadata?.output_tokens).toBeGreaterThan(0);
    expect(message.usage_metadata?.total_tokens).toBe(
      (message.usage_metadata?.input_tokens ?? 0) + (message.usage_metadata?.output_tokens ?? 0),
    );
    expect(message.response_metadata).toMatchObject({
      provider,
      model_name: model,
      cached: false,
      attempts: 1,
      finish_reason: 'stop',
    });
  });

  it('stream: chunks add up to the invoke answer; callbacks get every token', async () => {
    const model_ = chat({ temperature: 0 });
    const invoked = await model_.invoke('Tell me about rivers.');
    const tokens: string[] = [];
    let full: AIMessageChunk | undefined;
    const stream = await model_.stream('Tell me about rivers.', {
      callbacks: [{ handleLLMNewToken: (token: string) => void tokens.push(token) }],
    });
    for await (const chunk of stream) full = full ? full.concat(chunk) : chunk;
    expect(full?.text).toBe(invoked.text);
    expect(tokens.join('')).toBe(invoked.text);
    expect(tokens.filter((t) => t.length > 0).length).toBeGreaterThan(1);
    expect(full?.usage_metadata?.output_tokens).toBe(invoked.usage_metadata?.output_tokens);
    expect(full?.response_metadata).toMatchObject({ provider, finish_reason: 'stop' });
  });

  it('bindTools: a tool call, its ToolMessage, and an answer built on the result', async () => {
    const withTools = chat().bindTools([getWeather]);
    const question = new HumanMessage('Use get_weather for Oslo.');
    const first = await withTools.invoke([question]);
    expect(first.tool_calls).toHaveLength(1);
    const call = first.tool_calls![0]!;
    expect(call.name).toBe('get_weather');
    expect(weatherInput.safeParse(call.args).success).toBe(true);
    const result = await getWeather.invoke(call);
    expect(result).toBeInstanceOf(ToolMessage);
    const final = await withTools.invoke([question, first, result]);
    expect(final.tool_calls ?? []).toEqual([]);
    expect(final.text).toMatch(/-3/);
    expect(final.text).toMatch(/snow/);
    expect(upstream()).toBe(2);
  });

  it('stream with a forced tool: tool_call_chunks that concatenate to a complete tool call', async () => {
    const stream = await chat()
      .bindTools([getWeather], { tool_choice: 'any' })
      .stream('What should I wear in Lisbon?');
    let full: AIMessageChunk | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      if (chunk.tool_call_chunks?.length) chunks += 1;
      full = full ? full.concat(chunk) : chunk;
    }
    expect(chunks).toBeGreaterThan(0);
    expect(full?.tool_calls).toHaveLength(1);
    expect(full?.tool_calls?.[0]?.name).toBe('get_weather');
    expect(weatherInput.safeParse(full?.tool_calls?.[0]?.args).success).toBe(true);
    expect(full?.response_metadata).toMatchObject({ finish_reason: 'tool-calls' });
  });

  it('withStructuredOutput: a zod schema through a JSON Schema response format and through a forced tool', async () => {
    const schema = z.object({ answer: z.string(), confidence: z.number().min(0).max(1) });
    const parsed = await chat().withStructuredOutput(schema).invoke('Is the sky blue? JSON.');
    expect(schema.safeParse(parsed).success).toBe(true);
    const viaTool = await chat()
      .withStructuredOutput(schema, { method: 'functionCalling', name: 'report', includeRaw: true })
      .invoke('Is the sea salty?');
    expect(schema.safeParse(viaTool.parsed).success).toBe(true);
    expect((viaTool.raw as AIMessage).tool_calls?.[0]?.name).toBe('report');
  });

  it('abort: the call rejects with ModelAbortError and the upstream request is cancelled', async () => {
    platform.emulator.setFaults([{ provider: provider as 'bedrock', kind: 'hang' }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await chat()
      .invoke('hello', { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(ModelAbortError.isInstance(error)).toBe(true);
    await expect.poll(() => platform.emulator.requests().inFlight).toBe(0);
  });

  it('a throttled call stays a GenAiError, marked retryable with LangChain’s rate-limit code', async () => {
    platform.emulator.setFaults([{ provider: provider as 'bedrock', status: 429, count: 1 }]);
    const error = (await chat()
      .invoke('hello')
      .catch((e: unknown) => e)) as GenAiError & { lc_error_code?: string };
    expect(isGenAiError(error)).toBe(true);
    expect(error.kind).toBe('throttled');
    expect(error.lc_error_code).toBe('MODEL_RATE_LIMIT');
    expect(getRetryable(error)).toBe(true);
    // One call is one client call: LangChain's own retries never add attempts.
    expect(upstream()).toBe(1);
  });
});

describe('ChatGenAiDeploy and the client', () => {
  it('streaming: true makes invoke stream, so callbacks see tokens', async () => {
    const tokens: string[] = [];
    const message = await new ChatGenAiDeploy({
      client: platform.client,
      model: CHAT.vertex,
      streaming: true,
    }).invoke('Tell me about lakes.', {
      callbacks: [{ handleLLMNewToken: (t: string) => void tokens.push(t) }],
    });
    expect(tokens.join('')).toBe(message.text);
    expect(message.usage_metadata?.output_tokens).toBeGreaterThan(0);
  });

  it('a route falls back across clouds; response_metadata names the target that answered', async () => {
    const client = platform.newClient({ routes: { writer: { targets: [CHAT.bedrock, CHAT.azure] } } });
    platform.emulator.setFaults([{ provider: 'bedrock', status: 503 }]);
    const message = await new ChatGenAiDeploy({ client, model: 'writer' }).invoke('hi');
    expect(message.response_metadata).toMatchObject({ provider: 'azure', model_name: CHAT.azure });
  });

  it('clientCache and the client cache: a repeated deterministic call is served with no attempt', async () => {
    const client = platform.newClient({ cache: { memory: { maxBytes: 1 << 20 } } });
    const model = new ChatGenAiDeploy({
      client,
      model: CHAT.azure,
      temperature: 0,
      clientCache: { scope: 'tenant-a' },
    });
    await model.invoke('cache me');
    const again = await model.invoke('cache me');
    expect(again.response_metadata).toMatchObject({ cached: true, attempts: 0 });
    expect(upstream()).toBe(1);
  });

  it('a context overflow is a ContextOverflowError with the GenAiError as its cause', async () => {
    platform.emulator.setFaults([
      {
        provider: 'azure',
        status: 400,
        message: 'This model maximum context length is 128 tokens; your messages resulted in 9000 tokens',
        count: 1,
      },
    ]);
    const error = await new ChatGenAiDeploy({ client: platform.client, model: CHAT.azure })
      .invoke('hello')
      .catch((e: unknown) => e);
    expect(ContextOverflowError.isInstance(error)).toBe(true);
    expect(isGenAiError((error as Error).cause)).toBe(true);
  });

  it('what the client cannot send is refused with an error that says what to do', async () => {
    const model = new ChatGenAiDeploy({ client: platform.client, model: CHAT.azure });
    await expect(
      model.invoke([
        new HumanMessage({ content: [{ type: 'image_url', image_url: { url: 'https://x.test/a.png' } }] }),
      ]),
    ).rejects.toThrow(/inline only/);
    await expect(
      model.invoke([
        new AIMessage({ content: '', tool_calls: [{ name: 'x', args: {} }] }),
        new HumanMessage('hi'),
      ]),
    ).rejects.toThrow(/has no id/);
    expect(upstream()).toBe(0);
  });
});
