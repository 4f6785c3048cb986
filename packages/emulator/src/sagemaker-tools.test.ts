import {
  InvokeEndpointCommand,
  InvokeEndpointWithResponseStreamCommand,
  ModelError,
  SageMakerRuntimeClient,
} from '@aws-sdk/client-sagemaker-runtime';
import { describe, expect, it } from 'vitest';
import { useAwsEmulator } from './emulator.test-utils.js';
import { imageTag } from './images.js';
import { PNG, schemaErrors, TIME_SCHEMA, WEATHER_SCHEMA } from './schema.test-utils.js';

/** The Messages API of a TGI or vLLM container behind a SageMaker endpoint: OpenAI-shaped bodies. */
const env = useAwsEmulator(SageMakerRuntimeClient);

const TOOLS = [
  { type: 'function', function: { name: 'get_weather', parameters: WEATHER_SCHEMA } },
  { type: 'function', function: { name: 'get_time', parameters: TIME_SCHEMA } },
];
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

interface Completion {
  object: string;
  choices: {
    message: {
      content: string | null;
      tool_calls: { id: string; function: { name: string; arguments: string } }[] | null;
    };
    finish_reason: string;
  }[];
  usage: { prompt_tokens: number; completion_tokens: number };
}

async function invoke(body: Record<string, unknown>): Promise<Completion> {
  const out = await env.client.send(
    new InvokeEndpointCommand({
      EndpointName: 'llama-tgi',
      ContentType: 'application/json',
      Body: encode({ messages: [{ role: 'user', content: 'Hello' }], ...body }),
    }),
  );
  return JSON.parse(new TextDecoder().decode(out.Body));
}

describe('SageMaker Messages API container', () => {
  it('answers chat.completion; a forced tool gives a conforming call; two names give parallel calls', async () => {
    const text = await invoke({ max_tokens: 5 });
    expect(text.object).toBe('chat.completion');
    expect(text.choices[0]?.message.content?.split(' ')).toHaveLength(5);
    const forced = await invoke({ tools: TOOLS, tool_choice: 'required' });
    expect(forced.choices[0]?.finish_reason).toBe('tool_calls');
    const call = forced.choices[0]?.message.tool_calls?.[0];
    expect(call?.function.name).toBe('get_weather');
    expect(schemaErrors(WEATHER_SCHEMA, JSON.parse(call?.function.arguments ?? ''))).toEqual([]);
    const both = await invoke({
      messages: [{ role: 'user', content: 'get_time, get_weather' }],
      tools: TOOLS,
    });
    expect(both.choices[0]?.message.tool_calls?.map((c) => c.function.name)).toEqual([
      'get_time',
      'get_weather',
    ]);
  });

  it('round trip, json_schema output and a data-URL image', async () => {
    const ask = { role: 'user', content: 'Use get_time' };
    const first = await invoke({ messages: [ask], tools: TOOLS });
    const id = first.choices[0]?.message.tool_calls?.[0]?.id;
    const second = await invoke({
      messages: [ask, first.choices[0]?.message, { role: 'tool', tool_call_id: id, content: '09:30 UTC' }],
      tools: TOOLS,
    });
    expect(second.choices[0]?.message.content).toBe('The tool returned: 09:30 UTC.');
    const json = await invoke({
      response_format: { type: 'json_schema', json_schema: { name: 't', schema: TIME_SCHEMA } },
    });
    expect(schemaErrors(TIME_SCHEMA, JSON.parse(json.choices[0]?.message.content ?? ''))).toEqual([]);
    const image = await invoke({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG.toString('base64')}` } },
          ],
        },
      ],
    });
    expect(image.choices[0]?.message.content).toContain(`[${imageTag(PNG)}]`);
  });

  it('container-side rejections are ModelError 424 with the 422 in OriginalStatusCode', async () => {
    const err = await invoke({
      messages: [{ role: 'tool', tool_call_id: 'call_x', content: 'r' }],
      tools: TOOLS,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).OriginalStatusCode).toBe(422);
    expect((err as ModelError).OriginalMessage).toMatch(
      /must be a response to a preceeding message with 'tool_calls'/,
    );
  });

  it('streams OpenAI SSE chunks in PayloadParts: tool call deltas assemble into conforming arguments', async () => {
    const out = await env.client.send(
      new InvokeEndpointWithResponseStreamCommand({
        EndpointName: 'llama-tgi',
        ContentType: 'application/json',
        Body: encode({
          messages: [{ role: 'user', content: 'call get_weather' }],
          tools: TOOLS,
          stream: true,
        }),
      }),
    );
    let raw = '';
    for await (const event of out.Body ?? []) raw += new TextDecoder().decode(event.PayloadPart?.Bytes);
    const events = raw
      .split('\n\n')
      .filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]')
      .map((l) => JSON.parse(l.slice(6)));
    const deltas = events.flatMap((e) => e.choices[0].delta.tool_calls ?? []);
    expect(deltas[0]).toMatchObject({
      index: 0,
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    expect(deltas.length).toBeGreaterThan(2);
    const args = deltas.map((d: { function: { arguments: string } }) => d.function.arguments).join('');
    expect(schemaErrors(WEATHER_SCHEMA, JSON.parse(args))).toEqual([]);
    expect(events.at(-1).choices[0].finish_reason).toBe('tool_calls');
    expect(raw.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });
});
