/**
 * Issue 15, client: tools, structured output and images on every provider, through the official clients
 * against the emulator over real sockets. SageMaker runs through its Messages API adapter.
 */
import { createHash } from 'node:crypto';
import {
  createClient,
  type GenAiClient,
  type GenerateRequest,
  type Message,
  type StreamEvent,
  type ToolDefinition,
} from '@genai-deploy/client';
import { type Emulator, startEmulator } from '@genai-deploy/emulator';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorProviders, failure } from './client.test-utils.js';

const WEATHER = {
  type: 'object',
  properties: {
    city: { type: 'string', minLength: 2 },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    days: { type: 'integer', minimum: 1, maximum: 7 },
  },
  required: ['city', 'unit', 'days'],
  additionalProperties: false,
} as const;
const TIME = {
  type: 'object',
  properties: { timezone: { type: 'string' } },
  required: ['timezone'],
} as const;
const TOOLS: ToolDefinition[] = [
  { name: 'get_weather', description: 'The weather in a city', parameters: WEATHER },
  { name: 'get_time', description: 'The time in a timezone', parameters: TIME },
];
const ANSWER = {
  type: 'object',
  properties: { answer: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 1 } },
  required: ['answer', 'confidence'],
  additionalProperties: false,
} as const;
/** A 1 x 1 PNG (a real header: the emulator checks the bytes like the services do). */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

const ajv = new Ajv({ strict: false });
const conforms = (schema: object, value: unknown) => ajv.validate(schema, value);

/** One chat model per provider; Bedrock's Claude 3.5 gets JSON through a forced tool, Claude 4.5 natively. */
const MODELS = {
  bedrock: 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0',
  'bedrock (native structured output)': 'bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0',
  vertex: 'vertex/gemini-2.0-flash',
  azure: 'azure/gpt-4o-mini',
  'sagemaker (messages)': 'sagemaker/llama-messages',
} as const;

let emulator: Emulator;
let client: GenAiClient;

function newClient(
  options: Omit<Parameters<typeof createClient>[0] & object, 'providers'> = {},
): GenAiClient {
  return createClient({
    retry: false,
    circuitBreaker: false,
    cache: false,
    ...options,
    providers: emulatorProviders(emulator.url),
  });
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  client = newClient();
});
afterAll(async () => {
  await client.close();
  await emulator.close();
});

async function collect(req: GenerateRequest) {
  const events: StreamEvent[] = [];
  for await (const e of client.stream(req)) events.push(e);
  return events;
}

describe.each(Object.entries(MODELS))('%s', (_name, model) => {
  it('a forced tool: one call with arguments that conform to the schema', async () => {
    const r = await client.generate({
      model,
      messages: [{ role: 'user', content: 'What should I wear in Lisbon?' }],
      tools: TOOLS,
      toolChoice: { type: 'tool', name: 'get_weather' },
    });
    expect(r.finishReason).toBe('tool-calls');
    expect(r.toolCalls).toHaveLength(1);
    const call = r.toolCalls![0]!;
    expect(call.name).toBe('get_weather');
    expect(call.id).toMatch(/\S/);
    expect(JSON.parse(call.argumentsText)).toEqual(call.arguments);
    expect(conforms(WEATHER, call.arguments)).toBe(true);
  });

  it('two parallel calls, in the order the prompt names them; parallelToolCalls: false keeps one', async () => {
    const messages: Message[] = [{ role: 'user', content: 'Call get_weather and get_time for Tokyo.' }];
    const r = await client.generate({ model, messages, tools: TOOLS });
    expect(r.toolCalls?.map((c) => c.name)).toEqual(['get_weather', 'get_time']);
    expect(new Set(r.toolCalls?.map((c) => c.id)).size).toBe(2);
    expect(conforms(TIME, r.toolCalls![1]!.arguments)).toBe(true);
    const one = await client.generate({ model, messages, tools: TOOLS, parallelToolCalls: false });
    expect(one.toolCalls?.map((c) => c.name)).toEqual(['get_weather']);
  });

  it('a round trip: call, result, and a final answer that contains the result', async () => {
    const question: Message = { role: 'user', content: 'Use get_weather for Oslo.' };
    const first = await client.generate({ model, messages: [question], tools: TOOLS });
    const call = first.toolCalls![0]!;
    const result = '{"temperature":-3,"sky":"snow"}';
    const final = await client.generate({
      model,
      messages: [
        question,
        { role: 'assistant', content: first.text, toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: call.id, content: result },
      ],
      tools: TOOLS,
    });
    expect(final.toolCalls ?? []).toEqual([]);
    expect(final.finishReason).toBe('stop');
    // Gemini gets a JSON result back as a Struct: its fields reach the answer, in its own rendering.
    expect(final.text).toMatch(/-3/);
    expect(final.text).toMatch(/snow/);
  });

  it('a streamed tool call: deltas with index, id and name, then the complete call before the finish', async () => {
    const events = await collect({
      model,
      messages: [{ role: 'user', content: 'Weather for Paris please.' }],
      tools: TOOLS,
      toolChoice: 'required',
    });
    const deltas = events.filter((e) => e.type === 'tool-call-delta');
    expect(deltas[0]).toMatchObject({ index: 0, name: expect.any(String), id: expect.any(String) });
    const assembled = deltas
      .filter((d) => d.index === 0)
      .map((d) => d.argumentsDelta)
      .join('');
    const complete = events.filter((e) => e.type === 'tool-call');
    expect(complete).toHaveLength(1);
    expect(complete[0]!.toolCall.argumentsText).toBe(assembled);
    const schema = complete[0]!.toolCall.name === 'get_weather' ? WEATHER : TIME;
    expect(conforms(schema, JSON.parse(assembled))).toBe(true);
    const finish = events.at(-1)!;
    expect(finish).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
    expect(events.indexOf(complete[0]!)).toBe(events.length - 2);
    expect(finish.type === 'finish' && finish.toolCalls?.[0]?.argumentsText).toBe(assembled);
  });

  it('json-schema output that validates, parsed as `object`, generated and streamed alike', async () => {
    const req: GenerateRequest = {
      model,
      messages: [{ role: 'user', content: 'Is the sky blue? Answer as JSON.' }],
      responseFormat: { type: 'json-schema', name: 'answer', schema: ANSWER },
    };
    const r = await client.generate(req);
    expect(conforms(ANSWER, r.object)).toBe(true);
    expect(JSON.parse(r.text)).toEqual(r.object);
    const events = await collect(req);
    const text = events.map((e) => (e.type === 'delta' ? e.text : '')).join('');
    const finish = events.at(-1);
    expect(finish?.type === 'finish' && finish.object).toEqual(JSON.parse(text));
    expect(conforms(ANSWER, JSON.parse(text))).toBe(true);
  });

  it('an image reaches the model (its hash is in the answer)', async () => {
    const r = await client.generate({
      model,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image', mediaType: 'image/png', data: PNG },
          ],
        },
      ],
    });
    const hash = createHash('sha256').update(Buffer.from(PNG, 'base64')).digest('hex').slice(0, 12);
    expect(r.text).toContain(hash);
  });
});

describe('checked before any network call', () => {
  const none = () => expect(emulator.requests().total).toBe(0);

  it('a tool result that answers no call, a tool choice naming no tool, a bad schema, bad image data', async () => {
    emulator.reset();
    const cases: [string, GenerateRequest][] = [
      [
        'messages[1].toolCallId',
        {
          model: MODELS.bedrock,
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'tool', toolCallId: 'call_nowhere', content: '1' },
          ],
        },
      ],
      [
        'toolChoice.name',
        {
          model: MODELS.azure,
          messages: [{ role: 'user', content: 'hi' }],
          tools: TOOLS,
          toolChoice: { type: 'tool', name: 'nope' },
        },
      ],
      [
        'tools[0].parameters',
        {
          model: MODELS.vertex,
          messages: [{ role: 'user', content: 'hi' }],
          tools: [{ name: 'x', parameters: { type: 'string' } }],
        },
      ],
      [
        'responseFormat.schema',
        {
          model: MODELS.vertex,
          messages: [{ role: 'user', content: 'hi' }],
          responseFormat: {
            type: 'json-schema',
            schema: { type: 'object', properties: { a: { type: 'no-such-type' } } },
          },
        },
      ],
      [
        'messages[0].content[0].data',
        {
          model: MODELS.azure,
          messages: [
            { role: 'user', content: [{ type: 'image', mediaType: 'image/png', data: 'not base64!' }] },
          ],
        },
      ],
    ];
    for (const [field, req] of cases) {
      const err = await failure(client.generate(req));
      expect(err.kind, field).toBe('invalid-request');
      expect(err.message).toContain(field);
    }
    none();
  });

  it('what a provider lacks is refused, never dropped: Bedrock seed, Azure topK, tools on the TGI adapter', async () => {
    emulator.reset();
    const seed = await failure(
      client.generate({ model: MODELS.bedrock, messages: [{ role: 'user', content: 'hi' }], seed: 7 }),
    );
    expect(seed.message).toMatch(/Bedrock Converse .* has no `seed`/);
    const topK = await failure(
      client.generate({ model: MODELS.azure, messages: [{ role: 'user', content: 'hi' }], topK: 5 }),
    );
    expect(topK.message).toMatch(/Azure AI inference has no `topK`/);
    const tgi = await failure(
      client.generate({
        model: 'sagemaker/llama-tgi',
        messages: [{ role: 'user', content: 'hi' }],
        tools: TOOLS,
      }),
    );
    expect(tgi.kind).toBe('invalid-request');
    expect(tgi.message).toContain('"messages"');
    none();
    // Mapped where the provider has them: Gemini takes seed, penalties and top-k.
    const ok = await client.generate({
      model: MODELS.vertex,
      messages: [{ role: 'user', content: 'hi' }],
      seed: 7,
      topK: 5,
      presencePenalty: 0.5,
      frequencyPenalty: 0.5,
    });
    expect(ok.text.length).toBeGreaterThan(0);
  });

  it('a route whose fallback cannot honour the request is refused as a whole', async () => {
    const routed = newClient({ routes: { mixed: { targets: [MODELS.vertex, MODELS.bedrock] } } });
    try {
      emulator.reset();
      const err = await failure(
        routed.generate({ model: 'mixed', messages: [{ role: 'user', content: 'hi' }], seed: 1 }),
      );
      expect(err.message).toContain('Route "mixed" includes bedrock/');
      expect(emulator.requests().total).toBe(0);
    } finally {
      await routed.close();
    }
  });
});

describe('structured output, caching and fallback', () => {
  it('an answer that does not conform is an invalid-output error with the raw text, and it is not cached', async () => {
    const cached = newClient({ cache: { memory: { maxBytes: 1 << 20 } } });
    try {
      // The emulator samples the schema but ignores `not`: its answer breaks this (unsatisfiable) schema.
      const schema = { ...ANSWER, not: { required: ['answer'] } };
      const req: GenerateRequest = {
        model: MODELS.azure,
        messages: [{ role: 'user', content: 'json please' }],
        temperature: 0,
        responseFormat: { type: 'json-schema', schema },
      };
      emulator.reset();
      const err = await failure(cached.generate(req));
      expect(err.kind).toBe('invalid-output');
      expect(err.retryable).toBe(false);
      expect(JSON.parse(err.text!)).toHaveProperty('answer');
      await failure(cached.generate(req));
      expect(emulator.requests().total).toBe(2);
    } finally {
      await cached.close();
    }
  });

  it('a tool-call answer is cached like text, and replayed as a stream with its tool-call events', async () => {
    const cached = newClient({ cache: { memory: { maxBytes: 1 << 20 } } });
    try {
      const req: GenerateRequest = {
        model: MODELS.vertex,
        messages: [{ role: 'user', content: 'Use get_time for UTC.' }],
        tools: TOOLS,
        temperature: 0,
      };
      emulator.reset();
      const first = await cached.generate(req);
      const again = await cached.generate(req);
      expect(again.cached).toBe(true);
      expect(again.toolCalls).toEqual(first.toolCalls);
      const events: StreamEvent[] = [];
      for await (const e of cached.stream(req)) events.push(e);
      expect(emulator.requests().total).toBe(1);
      expect(events.map((e) => e.type)).toEqual(['tool-call-delta', 'tool-call', 'finish']);
      expect(events[1]).toMatchObject({ type: 'tool-call', toolCall: first.toolCalls![0] });
      // A different tool set is a different question: not a hit.
      await cached.generate({ ...req, tools: [TOOLS[1]!] });
      expect(emulator.requests().total).toBe(2);
    } finally {
      await cached.close();
    }
  });

  it('falls back across providers with tools: Bedrock down, Vertex answers the same tool call shape', async () => {
    const routed = newClient({ routes: { agent: { targets: [MODELS.bedrock, MODELS.vertex] } } });
    try {
      emulator.reset();
      emulator.setFaults([{ provider: 'bedrock', status: 503 }]);
      const r = await routed.generate({
        model: 'agent',
        messages: [{ role: 'user', content: 'hi' }],
        tools: TOOLS,
        toolChoice: { type: 'tool', name: 'get_weather' },
      });
      expect(r.provider).toBe('vertex');
      expect(r.toolCalls?.[0]?.name).toBe('get_weather');
      expect(conforms(WEATHER, r.toolCalls?.[0]?.arguments)).toBe(true);
    } finally {
      emulator.setFaults([]);
      await routed.close();
    }
  });
});
