import { helpers, v1 } from '@google-cloud/aiplatform';
import { OAuth2Client } from 'google-auth-library';
import { grpc } from 'google-gax';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { imageTag } from './images.js';
import { type Emulator, startEmulator } from './index.js';
import {
  GIF,
  openApiToJsonSchema,
  PNG,
  schemaErrors,
  TIME_SCHEMA,
  WEATHER_SCHEMA,
} from './schema.test-utils.js';

type Client = InstanceType<typeof v1.PredictionServiceClient>;
type Request = Parameters<Client['generateContent']>[0] & object;
type Part = { text?: string | null; functionCall?: { name?: string | null; args?: unknown } | null };

let emulator: Emulator;
let rest: Client;
let grpcClient: Client;
const GEMINI = 'projects/demo/locations/us-central1/publishers/google/models/gemini-2.0-flash';

beforeAll(async () => {
  process.env.METADATA_SERVER_DETECTION = 'none';
  emulator = await startEmulator();
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'test-token' });
  // The REST transport sends enums as numbers (`enum-encoding=int`): modes and schema types arrive as 2, 6, ...
  rest = new v1.PredictionServiceClient({
    apiEndpoint: '127.0.0.1',
    port: emulator.port,
    protocol: 'http',
    fallback: true,
    authClient: authClient as never,
  });
  grpcClient = new v1.PredictionServiceClient({
    apiEndpoint: '127.0.0.1',
    port: emulator.port,
    sslCreds: grpc.credentials.createInsecure(),
  });
});
afterAll(async () => {
  await rest.close();
  await grpcClient.close();
  await emulator.close();
});
beforeEach(() => emulator.reset());

/** Vertex's own schema dialect for one tool, JSON Schema (parametersJsonSchema) for the other. */
const TIME_OPENAPI = { type: 'OBJECT', properties: { timezone: { type: 'STRING' } }, required: ['timezone'] };
const TOOLS = [
  {
    functionDeclarations: [
      { name: 'get_weather', parametersJsonSchema: helpers.toValue(WEATHER_SCHEMA) },
      { name: 'get_time', parameters: TIME_OPENAPI },
    ],
  },
];
const user = (...parts: object[]) => ({ role: 'user', parts });
const generate = async (request: Partial<Request>, client = rest) => {
  const [res] = await client.generateContent({
    model: GEMINI,
    contents: [user({ text: 'Hello' })],
    ...request,
  } as Request);
  return { res, parts: (res.candidates?.[0]?.content?.parts ?? []) as Part[] };
};
/** A functionCall's args as plain JSON (the client decodes them as a protobuf Struct). */
const argsOf = (part: Part | undefined) =>
  helpers.fromValue({ kind: 'structValue', structValue: part?.functionCall?.args } as never);
/** The google.rpc.Status a REST call was rejected with. */
async function statusOf(request: Partial<Request>): Promise<{ status: string; message: string }> {
  const err = await generate(request).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!err) throw new Error('expected the request to be rejected, it succeeded');
  return JSON.parse(err.message).error;
}

describe('Vertex function calling', () => {
  it('mode ANY with allowedFunctionNames calls that function with conforming args, no id, STOP', async () => {
    const request = {
      tools: TOOLS,
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } },
    } as Partial<Request>;
    const { res, parts } = await generate(request);
    expect(parts).toHaveLength(1);
    expect(parts[0]?.functionCall?.name).toBe('get_weather');
    expect(schemaErrors(WEATHER_SCHEMA, argsOf(parts[0]))).toEqual([]);
    expect(res.candidates?.[0]?.finishReason).toBe('STOP');
    expect((parts[0]?.functionCall as { id?: string } | undefined)?.id ?? '').toBe('');
    expect(res.usageMetadata?.candidatesTokenCount).toBeGreaterThan(0);
    expect(argsOf((await generate(request)).parts[0])).toEqual(argsOf(parts[0]));
  });

  it('AUTO calls the functions the user names, in order, each schema honoured; NONE answers text', async () => {
    const ask = {
      contents: [user({ text: 'Use get_time, then get_weather' })],
      tools: TOOLS,
    } as Partial<Request>;
    const { parts } = await generate(ask);
    expect(parts.map((p) => p.functionCall?.name)).toEqual(['get_time', 'get_weather']);
    expect(schemaErrors(openApiToJsonSchema(TIME_OPENAPI), argsOf(parts[0]))).toEqual([]);
    expect(schemaErrors(TIME_SCHEMA, argsOf(parts[0]))).toEqual([]);
    const none = await generate({
      ...ask,
      toolConfig: { functionCallingConfig: { mode: 'NONE' } },
    } as Partial<Request>);
    expect(none.parts[0]?.text).toBeTruthy();
  });

  it('round trip: after the functionResponse the answer contains the response verbatim', async () => {
    const ask = user({ text: 'What is the weather? Use get_weather.' });
    const first = await generate({ contents: [ask], tools: TOOLS } as Partial<Request>);
    const second = await generate({
      contents: [
        ask,
        { role: 'model', parts: first.parts },
        user({
          functionResponse: {
            name: 'get_weather',
            response: (helpers.toValue({ content: 'Rain, 12 °C' }) as { structValue?: unknown })?.structValue,
          },
        }),
      ],
      tools: TOOLS,
    } as Partial<Request>);
    expect(second.parts[0]?.text).toBe('The tool returned: Rain, 12 °C.');
  });

  it('rejects undeclared function responses and allowedFunctionNames, and responses without calls', async () => {
    const response = user({ functionResponse: { name: 'get_stock', response: { fields: {} } } });
    const undeclared = await statusOf({
      contents: [user({ text: 'x' }), response],
      tools: TOOLS,
    } as Partial<Request>);
    expect(undeclared.status).toBe('INVALID_ARGUMENT');
    expect(undeclared.message).toMatch(
      /names "get_stock", which no function declaration.*get_weather, get_time/,
    );
    const allowed = await statusOf({
      tools: TOOLS,
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_stock'] } },
    } as Partial<Request>);
    expect(allowed.message).toMatch(/allowedFunctionNames names "get_stock"/);
    const autoAllowed = await statusOf({
      tools: TOOLS,
      toolConfig: { functionCallingConfig: { mode: 'AUTO', allowedFunctionNames: ['get_time'] } },
    } as Partial<Request>);
    expect(autoAllowed.message).toMatch(/only allowed with mode ANY/);
    const orphan = await statusOf({
      contents: [user({ functionResponse: { name: 'get_time', response: { fields: {} } } })],
      tools: TOOLS,
    } as Partial<Request>);
    expect(orphan.message).toBe(
      'Please ensure that function response turn comes immediately after a function call turn.',
    );
  });

  it('streams a function call in one chunk with finishReason STOP', async () => {
    const chunks: { candidates?: { content?: { parts?: Part[] }; finishReason?: unknown }[] }[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = rest.streamGenerateContent({
        model: GEMINI,
        contents: [user({ text: 'get_weather please' })],
        tools: TOOLS,
      } as Request);
      stream.on('data', (d) => chunks.push(d));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    expect(chunks).toHaveLength(1);
    const part = chunks[0]?.candidates?.[0]?.content?.parts?.[0];
    expect(part?.functionCall?.name).toBe('get_weather');
    expect(schemaErrors(WEATHER_SCHEMA, argsOf(part))).toEqual([]);
    expect(chunks[0]?.candidates?.[0]?.finishReason).toBe('STOP');
  });

  it('over gRPC: a forced call with conforming args', async () => {
    const { parts } = await generate(
      {
        tools: TOOLS,
        toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] } },
      } as Partial<Request>,
      grpcClient,
    );
    expect(parts[0]?.functionCall?.name).toBe('get_time');
    expect(schemaErrors(TIME_SCHEMA, argsOf(parts[0]))).toEqual([]);
  });
});

describe('Vertex structured output and images', () => {
  const schema = {
    type: 'OBJECT',
    properties: {
      name: { type: 'STRING' },
      rating: { type: 'INTEGER', minimum: 1, maximum: 5 },
      tags: { type: 'ARRAY', items: { type: 'STRING', enum: ['calm', 'loud'] }, minItems: 1 },
    },
    required: ['name', 'rating', 'tags'],
  };

  it('responseSchema and responseJsonSchema give JSON that conforms; text/x.enum one value', async () => {
    const { parts } = await generate({
      generationConfig: { responseMimeType: 'application/json', responseSchema: schema },
    } as Partial<Request>);
    expect(schemaErrors(openApiToJsonSchema(schema), JSON.parse(parts[0]?.text ?? ''))).toEqual([]);
    const json = await generate({
      generationConfig: {
        responseMimeType: 'application/json',
        responseJsonSchema: helpers.toValue(WEATHER_SCHEMA),
      },
    } as Partial<Request>);
    expect(schemaErrors(WEATHER_SCHEMA, JSON.parse(json.parts[0]?.text ?? ''))).toEqual([]);
    const choice = await generate({
      generationConfig: {
        responseMimeType: 'text/x.enum',
        responseSchema: { type: 'STRING', enum: ['yes', 'no'] },
      },
    } as Partial<Request>);
    expect(['yes', 'no']).toContain(choice.parts[0]?.text);
    const wrong = await statusOf({ generationConfig: { responseSchema: schema } } as Partial<Request>);
    expect(wrong.message).toMatch(/requires responseMimeType application\/json/);
  });

  it('hashes inline images into the answer; checks the MIME type, the bytes and the size', async () => {
    const { res, parts } = await generate({
      contents: [
        user({ text: 'Describe' }, { inlineData: { mimeType: 'image/png', data: PNG.toString('base64') } }),
      ],
    } as Partial<Request>);
    expect(parts[0]?.text).toContain(`[${imageTag(PNG)}]`);
    expect(res.usageMetadata?.promptTokenCount).toBe(1 + 258);
    const gif = await statusOf({
      contents: [user({ inlineData: { mimeType: 'image/gif', data: GIF.toString('base64') } })],
    } as Partial<Request>);
    expect(gif.message).toMatch(/mimeType parameter with value image\/gif, which is not supported/);
    const mismatch = await statusOf({
      contents: [user({ inlineData: { mimeType: 'image/jpeg', data: PNG.toString('base64') } })],
    } as Partial<Request>);
    expect(mismatch.message).toMatch(/the data is image\/png but mimeType says image\/jpeg/);
    const big = Buffer.concat([PNG, Buffer.alloc(8 * 1024 * 1024)]).toString('base64');
    const tooBig = await statusOf({
      contents: [user({ inlineData: { mimeType: 'image/png', data: big } })],
    } as Partial<Request>);
    expect(tooBig.message).toMatch(/at most 7 MB/);
  });
});
