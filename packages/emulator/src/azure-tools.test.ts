import { AzureKeyCredential } from '@azure/core-auth';
import createClient, { type ModelClient } from '@azure-rest/ai-inference';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { imageTag } from './images.js';
import { type Emulator, startEmulator } from './index.js';
import { GIF, PNG, schemaErrors, TIME_SCHEMA, WEATHER_SCHEMA } from './schema.test-utils.js';

let emulator: Emulator;
let client: ModelClient;

beforeAll(async () => {
  emulator = await startEmulator();
  client = createClient(emulator.url, new AzureKeyCredential('test-key'), {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => emulator.reset());

interface ToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
}
interface Completion {
  choices: { message: { content: string | null; tool_calls: ToolCall[] | null }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number };
  error?: { code: string; message: string; type?: string; param?: string };
}

const TOOLS = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: WEATHER_SCHEMA } },
  { type: 'function', function: { name: 'get_time', parameters: TIME_SCHEMA } },
];
type Message = Record<string, unknown>;
const chat = async (body: Record<string, unknown>, headers: Record<string, string> = {}) => {
  const res = await client.path('/chat/completions').post({
    body: { messages: [{ role: 'user', content: 'Hello' }], model: 'gpt-4o-mini', ...body } as never,
    headers,
  });
  return { status: res.status, body: res.body as Completion };
};

describe('Azure chat completions with tools', () => {
  it('a named tool_choice answers one call with conforming arguments and finish_reason tool_calls', async () => {
    const request = { tools: TOOLS, tool_choice: { type: 'function', function: { name: 'get_weather' } } };
    const { status, body } = await chat(request);
    expect(status).toBe('200');
    const choice = body.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    const call = choice?.message.tool_calls?.[0];
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
    expect(call?.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(schemaErrors(WEATHER_SCHEMA, JSON.parse(call?.function.arguments ?? ''))).toEqual([]);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    expect((await chat(request)).body.choices[0]?.message.tool_calls).toEqual(choice?.message.tool_calls);
  });

  it('required calls a tool; two named tools give parallel calls unless parallel_tool_calls is false', async () => {
    const required = await chat({ tools: TOOLS, tool_choice: 'required' });
    expect(required.body.choices[0]?.message.tool_calls?.map((c) => c.function.name)).toEqual([
      'get_weather',
    ]);
    const ask = { messages: [{ role: 'user', content: 'get_time and get_weather, please' }], tools: TOOLS };
    const both = await chat(ask);
    const calls = both.body.choices[0]?.message.tool_calls ?? [];
    expect(calls.map((c) => c.function.name)).toEqual(['get_time', 'get_weather']);
    expect(schemaErrors(TIME_SCHEMA, JSON.parse(calls[0]?.function.arguments ?? ''))).toEqual([]);
    const single = await chat({ ...ask, parallel_tool_calls: false }, { 'extra-parameters': 'pass-through' });
    expect(single.body.choices[0]?.message.tool_calls).toHaveLength(1);
    const none = await chat({ ...ask, tool_choice: 'none' });
    expect(none.body.choices[0]?.finish_reason).toBe('stop');
  });

  it('round trip: the tool message content comes back verbatim in the answer', async () => {
    const ask: Message = { role: 'user', content: 'Use get_weather and get_time' };
    const first = (await chat({ messages: [ask], tools: TOOLS })).body.choices[0]?.message;
    const calls = first?.tool_calls ?? [];
    const { body } = await chat({
      messages: [
        ask,
        first,
        { role: 'tool', tool_call_id: calls[0]?.id, content: 'Sunny' },
        { role: 'tool', tool_call_id: calls[1]?.id, content: '{"time":"12:00"}' },
      ],
      tools: TOOLS,
    });
    expect(body.choices[0]?.message.content).toBe(
      'The tool returned: Sunny. The tool returned: {"time":"12:00"}.',
    );
    expect(body.choices[0]?.finish_reason).toBe('stop');
  });

  it('rejects unknown tool_call_ids, missing tool responses and undeclared tool_choice with 400', async () => {
    const assistant = {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'get_time', arguments: '{}' } }],
    };
    const unknown = await chat({
      messages: [
        { role: 'user', content: 'x' },
        assistant,
        { role: 'tool', tool_call_id: 'call_b', content: 'r' },
      ],
      tools: TOOLS,
    });
    expect(unknown.status).toBe('400');
    expect(unknown.body.error).toMatchObject({ code: 'BadRequest', type: 'invalid_request_error' });
    expect(unknown.body.error?.message).toMatch(/'tool_call_id' of 'call_b' not found.*call_a/);
    const orphan = await chat({
      messages: [{ role: 'tool', tool_call_id: 'call_a', content: 'r' }],
      tools: TOOLS,
    });
    expect(orphan.body.error?.message).toMatch(
      /must be a response to a preceeding message with 'tool_calls'/,
    );
    const unanswered = await chat({
      messages: [{ role: 'user', content: 'x' }, assistant, { role: 'user', content: 'y' }],
    });
    expect(unanswered.body.error?.message).toMatch(/did not have response messages: call_a/);
    const undeclared = await chat({
      tools: TOOLS,
      tool_choice: { type: 'function', function: { name: 'nope' } },
    });
    expect(undeclared.status).toBe('400');
    expect(undeclared.body.error).toMatchObject({ param: 'tool_choice' });
    expect(undeclared.body.error?.message).toMatch(/function 'nope' is not one of the declared tools/);
  });

  it('streams tool calls as delta.tool_calls with index, id and argument fragments, then tool_calls', async () => {
    const res = await client
      .path('/chat/completions')
      .post({
        body: {
          messages: [{ role: 'user', content: 'get_weather then get_time' }],
          tools: TOOLS,
          stream: true,
        } as never,
      })
      .asNodeStream();
    let raw = '';
    for await (const chunk of res.body ?? []) raw += chunk.toString();
    const events = raw
      .split('\n\n')
      .filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]')
      .map((l) => JSON.parse(l.slice(6)));
    const calls: { id?: string; name?: string; args: string }[] = [];
    let fragments = 0;
    for (const e of events)
      for (const d of e.choices[0].delta.tool_calls ?? []) {
        calls[d.index] ??= { args: '' };
        const call = calls[d.index]!;
        if (d.id) Object.assign(call, { id: d.id, name: d.function.name });
        if (d.function.arguments) fragments++;
        call.args += d.function.arguments;
      }
    expect(calls.map((c) => c.name)).toEqual(['get_weather', 'get_time']);
    expect(fragments).toBeGreaterThan(2);
    expect(schemaErrors(WEATHER_SCHEMA, JSON.parse(calls[0]!.args))).toEqual([]);
    expect(schemaErrors(TIME_SCHEMA, JSON.parse(calls[1]!.args))).toEqual([]);
    expect(events.at(-1).choices[0].finish_reason).toBe('tool_calls');
    expect(raw.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });
});

describe('Azure response_format and images', () => {
  const schema = {
    type: 'object',
    properties: { answer: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 1 } },
    required: ['answer', 'confidence'],
    additionalProperties: false,
  };

  it('json_schema answers JSON that conforms; json_object an object, when the messages mention JSON', async () => {
    const { body } = await chat({
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } },
    });
    expect(schemaErrors(schema, JSON.parse(body.choices[0]?.message.content ?? ''))).toEqual([]);
    const object = await chat({
      messages: [{ role: 'user', content: 'Reply in JSON' }],
      response_format: { type: 'json_object' },
    });
    expect(JSON.parse(object.body.choices[0]?.message.content ?? '')).toBeTypeOf('object');
    const noJson = await chat({ response_format: { type: 'json_object' } });
    expect(noJson.body.error?.message).toMatch(/must contain the word 'json'/);
  });

  it('hashes data-URL images into the answer; refuses remote URLs and mismatched bytes', async () => {
    const image = (url: string) => ({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is it?' },
            { type: 'image_url', image_url: { url } },
          ],
        },
      ],
    });
    const { body } = await chat(image(`data:image/png;base64,${PNG.toString('base64')}`));
    expect(body.choices[0]?.message.content).toContain(`[${imageTag(PNG)}]`);
    // 3 words, and an image of one 512-px tile at high detail: 85 + 170.
    expect(body.usage.prompt_tokens).toBe(3 + 255);
    const remote = await chat(image('https://example.com/cat.png'));
    expect(remote.status).toBe('400');
    expect(remote.body.error?.message).toMatch(/cannot fetch image URLs/);
    const mismatch = await chat(image(`data:image/png;base64,${GIF.toString('base64')}`));
    expect(mismatch.body.error?.message).toMatch(/unsupported image \(image\/png, bytes of a gif\)/);
  });
});
