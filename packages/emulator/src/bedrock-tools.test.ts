import {
  BedrockRuntimeClient,
  type ContentBlock,
  ConverseCommand,
  type ConverseCommandInput,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  type Message,
  type Tool,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import { useAwsEmulator } from './emulator.test-utils.js';
import { imageTag } from './images.js';
import { GIF, PNG, schemaErrors, TIME_SCHEMA, WEATHER_SCHEMA } from './schema.test-utils.js';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const env = useAwsEmulator(BedrockRuntimeClient);

const TOOLS: Tool[] = [
  {
    toolSpec: { name: 'get_weather', description: 'Weather', inputSchema: { json: WEATHER_SCHEMA as never } },
  },
  { toolSpec: { name: 'get_time', inputSchema: { json: TIME_SCHEMA as never } } },
];
const user = (...content: ContentBlock[]): Message => ({ role: 'user', content });
const converse = (input: Partial<ConverseCommandInput>) =>
  env.client.send(
    new ConverseCommand({
      modelId: MODEL,
      messages: [user({ text: 'Hello' })],
      ...input,
    } as ConverseCommandInput),
  );
/** The error a request is rejected with (a resolved request fails the test). */
async function rejection(request: Promise<unknown>): Promise<Error> {
  const outcome = await request.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!outcome) throw new Error('expected the request to be rejected, it succeeded');
  return outcome;
}
const fail = (input: Partial<ConverseCommandInput>) => rejection(converse(input));

describe('Bedrock Converse tools', () => {
  it('a forced tool answers one toolUse whose input conforms to the schema, the same every time', async () => {
    const input = {
      messages: [user({ text: 'What should I wear?' })],
      toolConfig: { tools: TOOLS, toolChoice: { tool: { name: 'get_weather' } } },
    };
    const out = await converse(input);
    expect(out.stopReason).toBe('tool_use');
    const content = out.output?.message?.content ?? [];
    expect(content).toHaveLength(1);
    const use = content[0]?.toolUse;
    expect(use?.name).toBe('get_weather');
    expect(use?.toolUseId).toMatch(/^tooluse_[A-Za-z0-9]{22}$/);
    expect(schemaErrors(WEATHER_SCHEMA, use?.input)).toEqual([]);
    expect(out.usage?.outputTokens).toBeGreaterThan(0);
    // Tool declarations count as input tokens.
    expect(out.usage?.inputTokens).toBeGreaterThan(4);
    expect((await converse(input)).output?.message?.content).toEqual(content);
  });

  it('toolChoice any calls a tool; auto answers text unless the user names a tool; two names give two calls', async () => {
    const any = await converse({ toolConfig: { tools: TOOLS, toolChoice: { any: {} } } });
    expect(any.output?.message?.content?.[0]?.toolUse?.name).toBe('get_weather');
    const auto = await converse({ toolConfig: { tools: TOOLS } });
    expect(auto.stopReason).toBe('end_turn');
    expect(auto.output?.message?.content?.[0]?.text).toBeTruthy();
    const both = await converse({
      messages: [user({ text: 'Call get_time, then get_weather for Paris.' })],
      toolConfig: { tools: TOOLS },
    });
    const uses = (both.output?.message?.content ?? []).map((c) => c.toolUse);
    expect(uses.map((u) => u?.name)).toEqual(['get_time', 'get_weather']);
    expect(new Set(uses.map((u) => u?.toolUseId)).size).toBe(2);
    expect(schemaErrors(TIME_SCHEMA, uses[0]?.input)).toEqual([]);
  });

  it('round trip: after the toolResult the answer contains the result verbatim', async () => {
    const ask = user({ text: 'Use get_weather for Paris' });
    const first = await converse({ messages: [ask], toolConfig: { tools: TOOLS } });
    const call = first.output?.message?.content?.[0]?.toolUse;
    const result = 'Sunny,\n  21 °C';
    const second = await converse({
      messages: [
        ask,
        first.output!.message!,
        user({ toolResult: { toolUseId: call!.toolUseId!, content: [{ text: result }] } }),
      ],
      toolConfig: { tools: TOOLS },
    });
    expect(second.stopReason).toBe('end_turn');
    expect(second.output?.message?.content?.[0]?.text).toBe(`The tool returned: ${result}.`);
    const json = await converse({
      messages: [
        ask,
        first.output!.message!,
        user({ toolResult: { toolUseId: call!.toolUseId!, content: [{ json: { temp: 21 } }] } }),
      ],
      toolConfig: { tools: TOOLS },
    });
    expect(json.output?.message?.content?.[0]?.text).toContain('{"temp":21}');
  });

  it('rejects an unknown toolUseId, an undeclared forced tool, a non-object schema, tools without toolConfig', async () => {
    const assistant: Message = {
      role: 'assistant',
      content: [{ toolUse: { toolUseId: 'tooluse_a', name: 'get_time', input: {} } }],
    };
    const unknown = await fail({
      messages: [
        user({ text: 'x' }),
        assistant,
        user({ toolResult: { toolUseId: 'tooluse_b', content: [{ text: 'r' }] } }),
      ],
      toolConfig: { tools: TOOLS },
    });
    expect(unknown).toBeInstanceOf(ValidationException);
    expect(unknown.message).toMatch(/toolUseId 'tooluse_b', which matches no toolUse.*tooluse_a/);
    const missing = await fail({
      messages: [user({ text: 'x' }), assistant, user({ text: 'never mind' })],
      toolConfig: { tools: TOOLS },
    });
    expect(missing.message).toBe(
      'Expected toolResult blocks at messages.2.content for the following Ids: tooluse_a',
    );
    const undeclared = await fail({ toolConfig: { tools: TOOLS, toolChoice: { tool: { name: 'nope' } } } });
    expect(undeclared).toBeInstanceOf(ValidationException);
    expect(undeclared.message).toMatch(
      /"nope" named in toolConfig.toolChoice.tool is not defined.*get_weather, get_time/,
    );
    const notObject = await fail({
      toolConfig: { tools: [{ toolSpec: { name: 'f', inputSchema: { json: { type: 'string' } } } }] },
    });
    expect(notObject.message).toMatch(/top-level type is 'object'; received type "string"/);
    const noConfig = await fail({ messages: [user({ text: 'x' }), assistant, user({ text: 'y' })] });
    expect(noConfig.message).toBe(
      'The toolConfig field must be defined when using toolUse and toolResult content blocks.',
    );
    const llama = await rejection(
      env.client.send(
        new ConverseCommand({
          modelId: 'meta.llama3-8b-instruct-v1:0',
          messages: [user({ text: 'x' })],
          toolConfig: { tools: TOOLS, toolChoice: { any: {} } },
        }),
      ),
    );
    expect(llama.message).toMatch(/doesn't support the toolConfig.toolChoice.any field/);
  });
});

async function collect(input: Partial<ConverseCommandInput>) {
  const out = await env.client.send(
    new ConverseStreamCommand({ modelId: MODEL, messages: [user({ text: 'Hello' })], ...input } as never),
  );
  const events: ConverseStreamOutput[] = [];
  for await (const event of out.stream ?? []) events.push(event);
  return events;
}

describe('Bedrock ConverseStream tools', () => {
  it('streams each call as contentBlockStart, input fragments, contentBlockStop, then stopReason tool_use', async () => {
    const input = {
      messages: [user({ text: 'get_weather and get_time please' })],
      toolConfig: { tools: TOOLS },
    };
    const whole = await converse(input);
    const events = await collect(input);
    const starts = events.filter((e) => e.contentBlockStart).map((e) => e.contentBlockStart!);
    expect(starts.map((s) => s.start?.toolUse?.name)).toEqual(['get_weather', 'get_time']);
    expect(starts.map((s) => s.contentBlockIndex)).toEqual([0, 1]);
    const fragments = events
      .filter((e) => e.contentBlockDelta?.contentBlockIndex === 0)
      .map((e) => e.contentBlockDelta?.delta?.toolUse?.input ?? '');
    expect(fragments.length).toBeGreaterThan(1);
    const args = JSON.parse(fragments.join(''));
    expect(schemaErrors(WEATHER_SCHEMA, args)).toEqual([]);
    expect(args).toEqual(whole.output?.message?.content?.[0]?.toolUse?.input);
    expect(starts[0]?.start?.toolUse?.toolUseId).toBe(
      whole.output?.message?.content?.[0]?.toolUse?.toolUseId,
    );
    expect(events.filter((e) => e.contentBlockStop)).toHaveLength(2);
    expect(events.find((e) => e.messageStop)?.messageStop?.stopReason).toBe('tool_use');
    expect(events.at(-1)?.metadata?.usage?.outputTokens).toBe(whole.usage?.outputTokens);
  });
});

describe('Bedrock structured output and images', () => {
  const schema = {
    type: 'object',
    properties: { title: { type: 'string' }, year: { type: 'integer', minimum: 1900, maximum: 2100 } },
    required: ['title', 'year'],
    additionalProperties: false,
  };
  const outputConfig = {
    textFormat: {
      type: 'json_schema',
      structure: { jsonSchema: { name: 'film', schema: JSON.stringify(schema) } },
    },
  } as const;

  it('outputConfig.textFormat answers JSON that conforms, on Claude 4.5 models only', async () => {
    const out = await env.client.send(
      new ConverseCommand({
        modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
        messages: [user({ text: 'A film, please' })],
        outputConfig,
      }),
    );
    const text = out.output?.message?.content?.[0]?.text ?? '';
    expect(schemaErrors(schema, JSON.parse(text))).toEqual([]);
    expect(out.usage?.outputTokens).toBe(Math.ceil(text.length / 4));
    const old = await fail({ outputConfig });
    expect(old).toBeInstanceOf(ValidationException);
    expect(old.message).toMatch(/doesn't support the outputConfig.textFormat field.*forced tool/);
  });

  it('hashes image bytes into the answer; checks format, bytes, size and count', async () => {
    const out = await converse({
      messages: [user({ text: 'What is this?' }, { image: { format: 'png', source: { bytes: PNG } } })],
    });
    expect(out.output?.message?.content?.[0]?.text).toContain(`[${imageTag(PNG)}]`);
    // A 1 × 1 image is about one Claude image token, plus the three words.
    expect(out.usage?.inputTokens).toBe(4);
    const wrong = await fail({
      messages: [user({ text: 'x' }, { image: { format: 'png', source: { bytes: GIF } } })],
    });
    expect(wrong.message).toMatch(/declared as png but its bytes are gif/);
    const big = Buffer.concat([PNG, Buffer.alloc(4 * 1024 * 1024)]);
    const tooBig = await fail({
      messages: [user({ text: 'x' }, { image: { format: 'png', source: { bytes: big } } })],
    });
    expect(tooBig.message).toMatch(/at most 3.75 MB \(3932160 bytes\)/);
    const many = Array.from({ length: 21 }, () => ({
      image: { format: 'gif' as const, source: { bytes: GIF } },
    }));
    const tooMany = await fail({ messages: [user({ text: 'x' }, ...many)] });
    expect(tooMany.message).toMatch(/at most 20 images per request/);
  });
});
