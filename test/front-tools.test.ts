/**
 * Issue 15, front: tools, structured output and images through OpenAI's API as OpenAI documents it, with the
 * official `openai` client, the Vercel AI SDK (`ai` + `@ai-sdk/openai-compatible`) and LangChain.js
 * (`@langchain/openai`), unmodified, against `npm start`'s platform (apps/local) over real sockets.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { createLogger, type RunningFront, startFront } from '@genai-deploy/front';
import { tool as langchainTool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { generateText, Output, stepCountIs, tool } from 'ai';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type LocalPlatform,
  localClientOptions,
  localConfig,
  startLocalPlatform,
} from '../apps/local/src/platform.js';

const KEY = `sk-e2e-${randomUUID()}`;
const silent = createLogger({ level: 'silent' });
let platform: LocalPlatform;
let openai: OpenAI;

beforeAll(async () => {
  platform = await startLocalPlatform({
    port: 0,
    emulatorPort: 0,
    apiKeys: [KEY],
    front: { logger: silent },
    clientOptions: { retry: false },
  });
  openai = new OpenAI({ apiKey: KEY, baseURL: `${platform.front.url}/v1`, maxRetries: 0, timeout: 20_000 });
});
afterAll(async () => {
  await platform?.close();
});
beforeEach(() => platform.emulator.reset());

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
  },
};
const TIME_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_time',
    parameters: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] },
  },
};
/** The chat models of `npm start` that serve tools: one per provider (SageMaker through the Messages API). */
const MODELS = [
  'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0',
  'bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0',
  'vertex/gemini-2.0-flash',
  'azure/gpt-4o-mini',
  'sagemaker/llama-3-8b-messages',
];
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

describe.each(MODELS)('%s through the openai client', (model) => {
  it('a tool round trip: tool_calls with finish_reason "tool_calls", then an answer with the result', async () => {
    const question = { role: 'user' as const, content: 'Use get_weather for Oslo.' };
    const first = await openai.chat.completions.create({
      model,
      messages: [question],
      tools: [WEATHER_TOOL],
    });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls![0]!;
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
    if (call.type !== 'function') throw new Error('expected a function call');
    expect(JSON.parse(call.function.arguments)).toMatchObject({ city: expect.any(String) });
    const final = await openai.chat.completions.create({
      model,
      messages: [
        question,
        choice.message,
        { role: 'tool', tool_call_id: call.id, content: 'sunny, 21 degrees' },
      ],
      tools: [WEATHER_TOOL],
    });
    expect(final.choices[0]!.finish_reason).toBe('stop');
    expect(final.choices[0]!.message.content).toContain('sunny, 21 degrees');
  });

  it('a forced tool and two parallel calls', async () => {
    const forced = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Anything.' }],
      tools: [WEATHER_TOOL, TIME_TOOL],
      tool_choice: { type: 'function', function: { name: 'get_time' } },
    });
    expect(
      forced.choices[0]!.message.tool_calls?.map((c) => c.type === 'function' && c.function.name),
    ).toEqual(['get_time']);
    const parallel = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Call get_weather and get_time for Tokyo.' }],
      tools: [WEATHER_TOOL, TIME_TOOL],
    });
    expect(
      parallel.choices[0]!.message.tool_calls?.map((c) => c.type === 'function' && c.function.name),
    ).toEqual(['get_weather', 'get_time']);
  });

  it('a streamed tool call: delta.tool_calls chunks with index, id and name first, arguments that parse', async () => {
    const stream = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [WEATHER_TOOL],
      tool_choice: 'required',
      stream: true,
    });
    const pieces: { index: number; id?: string; name?: string; args?: string }[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const d of chunk.choices[0]?.delta.tool_calls ?? []) {
        pieces.push({ index: d.index, id: d.id, name: d.function?.name, args: d.function?.arguments });
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe('tool_calls');
    expect(pieces[0]).toMatchObject({ index: 0, id: expect.any(String), name: 'get_weather' });
    const args = JSON.parse(pieces.map((p) => p.args ?? '').join(''));
    expect(args).toMatchObject({
      city: expect.any(String),
      unit: expect.stringMatching(/celsius|fahrenheit/),
    });
  });

  it('chat.completions.parse with a zod response_format gives the parsed object', async () => {
    const Answer = z.object({ answer: z.string(), confidence: z.number() });
    const parsed = await openai.chat.completions.parse({
      model,
      messages: [{ role: 'user', content: 'Is water wet? Answer in JSON.' }],
      response_format: zodResponseFormat(Answer, 'answer'),
    });
    const value = parsed.choices[0]!.message.parsed;
    expect(Answer.parse(value)).toEqual(value);
  });

  it('an image as a data: URL reaches the model', async () => {
    const r = await openai.chat.completions.create({
      model,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Describe the image.' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
          ],
        },
      ],
    });
    const hash = createHash('sha256').update(Buffer.from(PNG, 'base64')).digest('hex').slice(0, 12);
    expect(r.choices[0]!.message.content).toContain(hash);
  });
});

describe('what the front refuses, with 400s that name the field', () => {
  const refused = async (body: Record<string, unknown>) => {
    const err = await openai.chat.completions
      .create({ model: 'azure/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...body } as never)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(OpenAI.APIError);
    return err as InstanceType<typeof OpenAI.APIError>;
  };

  it('fields OpenAI defines that the gateway does not honour, and unknown fields: unsupported_parameter', async () => {
    for (const [field, value] of [
      ['logit_bias', { 50256: -100 }],
      ['audio', { voice: 'alloy', format: 'mp3' }],
      ['functions', [{ name: 'f', parameters: {} }]],
      ['no_such_field', 1],
    ] as const) {
      const err = await refused({ [field]: value });
      expect(err.status, field).toBe(400);
      expect(err.code).toBe('unsupported_parameter');
      expect(err.param).toBe(field);
      expect(err.message).toContain(field);
    }
    expect(platform.emulator.requests().total).toBe(0);
  });

  it('accepts the fields clients send by habit (user, metadata, store) and changes nothing', async () => {
    const r = await openai.chat.completions.create({
      model: 'azure/gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      user: 'u-1',
      metadata: { team: 'a' },
      store: false,
    });
    expect(r.choices[0]!.message.content).toBeTruthy();
  });

  it('remote image URLs (SSRF), tool results that answer no call, a provider lacking a sampling field', async () => {
    const remote = await refused({
      messages: [
        {
          role: 'user',
          content: [{ type: 'image_url', image_url: { url: 'http://169.254.169.254/latest/meta-data' } }],
        },
      ],
    });
    expect(remote.status).toBe(400);
    expect(remote.code).toBe('unsupported_image_url');
    const orphan = await refused({
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'tool', tool_call_id: 'call_x', content: '1' },
      ],
    });
    expect(orphan.param).toBe('messages[1].tool_call_id');
    const seed = await openai.chat.completions
      .create({
        model: 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0',
        messages: [{ role: 'user', content: 'hi' }],
        seed: 1,
      })
      .catch((e: InstanceType<typeof OpenAI.APIError>) => e);
    expect(seed).toMatchObject({ status: 400 });
    expect((seed as Error).message).toMatch(/has no `seed`/);
    expect(platform.emulator.requests().total).toBe(0);
  });
});

describe('remote image URLs from an allowed host', () => {
  let images: Server;
  let front: RunningFront;
  let fetched = 0;

  beforeAll(async () => {
    images = createServer((req, res) => {
      fetched++;
      if (req.url === '/cat.png') {
        res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from(PNG, 'base64'));
      } else if (req.url === '/elsewhere') {
        res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
    const host = `http://127.0.0.1:${(images.address() as { port: number }).port}`;
    front = await startFront({
      config: {
        ...localConfig(platform.emulator.url),
        images: { allowedHosts: [host], maxBytes: 1024, timeoutMs: 2000 },
      },
      apiKeys: [KEY],
      port: 0,
      host: '127.0.0.1',
      logger: silent,
      clientOptions: {
        ...localClientOptions(),
        providers: {
          ...localClientOptions().providers,
          azure: { endpoint: platform.emulator.url, apiKey: 'local-emulator-key' },
        },
      },
    });
  });
  afterAll(async () => {
    await front?.close();
    await new Promise((r) => images?.close(r));
  });

  it('fetches an allowed host, does not follow redirects, and refuses other hosts', async () => {
    const host = `http://127.0.0.1:${(images.address() as { port: number }).port}`;
    const client = new OpenAI({ apiKey: KEY, baseURL: `${front.url}/v1`, maxRetries: 0 });
    const ask = (url: string) =>
      client.chat.completions.create({
        model: 'vertex/gemini-2.0-flash',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }],
      });
    const ok = await ask(`${host}/cat.png`);
    const hash = createHash('sha256').update(Buffer.from(PNG, 'base64')).digest('hex').slice(0, 12);
    expect(ok.choices[0]!.message.content).toContain(hash);
    await expect(ask(`${host}/elsewhere`)).rejects.toMatchObject({ status: 400, code: 'invalid_image_url' });
    await expect(ask('https://images.example.com/cat.png')).rejects.toMatchObject({
      status: 400,
      code: 'unsupported_image_url',
    });
    expect(fetched).toBe(2);
  });
});

describe('the Vercel AI SDK (ai + @ai-sdk/openai-compatible), unmodified', () => {
  const provider = () =>
    createOpenAICompatible({
      name: 'genai-deploy',
      baseURL: `${platform.front.url}/v1`,
      apiKey: KEY,
      supportsStructuredOutputs: true,
    });

  it.each(['vertex/gemini-2.0-flash', 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0'])(
    '%s: generateText with a tool over several steps',
    async (model) => {
      const calls: string[] = [];
      const result = await generateText({
        model: provider()(model),
        prompt: 'Use get_weather for Lisbon.',
        tools: {
          get_weather: tool({
            description: 'The weather in a city',
            inputSchema: z.object({ city: z.string() }),
            execute: async ({ city }) => {
              calls.push(city);
              return `clear skies over ${city}`;
            },
          }),
        },
        stopWhen: stepCountIs(3),
      });
      expect(calls).toHaveLength(1);
      expect(result.steps.length).toBe(2);
      expect(result.text).toContain('clear skies over');
    },
  );

  it('structured output with a zod schema', async () => {
    const schema = z.object({ title: z.string(), year: z.number().int() });
    const { output } = await generateText({
      model: provider()('azure/gpt-4o-mini'),
      prompt: 'A film and its year, as JSON.',
      output: Output.object({ schema }),
    });
    expect(schema.parse(output)).toEqual(output);
  });
});

describe('LangChain.js (@langchain/openai ChatOpenAI), unmodified', () => {
  const chat = (model: string) =>
    new ChatOpenAI({
      model,
      apiKey: KEY,
      configuration: { baseURL: `${platform.front.url}/v1` },
      maxRetries: 0,
    });

  it('bindTools: the model calls the tool with arguments that match its schema', async () => {
    const weather = langchainTool(async ({ city }: { city: string }) => `rain in ${city}`, {
      name: 'get_weather',
      description: 'The weather in a city',
      schema: z.object({ city: z.string() }),
    });
    const message = await chat('vertex/gemini-2.0-flash')
      .bindTools([weather])
      .invoke('Use get_weather for Bergen.');
    expect(message.tool_calls?.[0]).toMatchObject({
      name: 'get_weather',
      args: { city: expect.any(String) },
    });
  });

  it('withStructuredOutput: a zod schema in, a parsed object out', async () => {
    const schema = z.object({ name: z.string(), colours: z.array(z.string()) });
    const value = await chat('azure/gpt-4o-mini')
      .withStructuredOutput(schema)
      .invoke('A flag and its colours.');
    expect(schema.parse(value)).toEqual(value);
  });
});
