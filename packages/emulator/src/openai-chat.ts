import { countTokens, fragments, jsonTokens } from './content.js';
import { isObject } from './context.js';
import { describeImage, openAiImageTokens, parseDataUrl } from './images.js';
import { type ChatRequest, type OutputFormat, type Reply, replyTokens } from './reply.js';
import { callId, declarationTokens, type PlannedCall, type ToolChoice, type ToolSpec } from './tools.js';

/**
 * OpenAI-shaped chat completions, as Azure AI inference and the SageMaker Messages API containers (TGI, vLLM)
 * take them: messages with image parts, assistant `tool_calls` and `tool` results, `tools`, `tool_choice`,
 * `response_format`; and the answer as a `chat.completion` body or `chat.completion.chunk` deltas. Each
 * provider reports the problems in its own error shape.
 */

/** A schema problem (Azure: 422 with `loc`) or a request the model refuses (400 `invalid_request_error`). */
export type ChatProblem =
  | {
      readonly kind: 'schema';
      readonly loc: readonly (string | number)[];
      readonly msg: string;
      readonly type?: string;
    }
  | { readonly kind: 'request'; readonly message: string; readonly param: string | null };

export interface OpenAiChatRequest extends ChatRequest {
  readonly model: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
}

export const OPENAI_MAX_TOOLS = 128;
/** Images: PNG, JPEG, WEBP or non-animated GIF, at most 20 MB each (20,971,520 bytes). */
export const OPENAI_MAX_IMAGE_BYTES = 20 * 1024 * 1024;
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const ROLES = ['system', 'developer', 'user', 'assistant', 'tool'];

class Problem extends Error {
  constructor(readonly problem: ChatProblem) {
    super(problem.kind === 'request' ? problem.message : problem.msg);
  }
}
const schema = (loc: readonly (string | number)[], msg: string, type?: string) =>
  new Problem(type === undefined ? { kind: 'schema', loc, msg } : { kind: 'schema', loc, msg, type });
const request = (message: string, param: string | null) => new Problem({ kind: 'request', message, param });

function readTools(body: Record<string, unknown>): { tools: ToolSpec[]; choice: ToolChoice } | undefined {
  const { tools, tool_choice: toolChoice } = body;
  if (tools === undefined || tools === null) {
    if (toolChoice !== undefined && toolChoice !== null && toolChoice !== 'none')
      throw request(
        "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
        'tool_choice',
      );
    return undefined;
  }
  if (!Array.isArray(tools)) throw schema(['tools'], 'value is not a valid list', 'type_error.list');
  if (tools.length === 0)
    throw request(
      "Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'tools',
    );
  if (tools.length > OPENAI_MAX_TOOLS)
    throw request(
      `Invalid 'tools': array too long. Expected an array with maximum length ${OPENAI_MAX_TOOLS}, but got an array with length ${tools.length} instead.`,
      'tools',
    );
  const specs: ToolSpec[] = [];
  for (const [i, tool] of tools.entries()) {
    const fn = isObject(tool) && tool.type === 'function' ? tool.function : undefined;
    if (!isObject(fn))
      throw schema(['tools', i], "expected { type: 'function', function: { name, parameters } }");
    if (typeof fn.name !== 'string' || !TOOL_NAME.test(fn.name))
      throw request(
        `Invalid 'tools[${i}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$' (at most 64 characters), received ${JSON.stringify(fn.name)}.`,
        `tools[${i}].function.name`,
      );
    const parameters = fn.parameters ?? { type: 'object', properties: {} };
    if (!isObject(parameters) || parameters.type !== 'object')
      throw request(
        `Invalid schema for function '${fn.name}': schema must be a JSON Schema of 'type: "object"', got 'type: ${JSON.stringify(isObject(parameters) ? parameters.type : parameters)}'.`,
        `tools[${i}].function.parameters`,
      );
    specs.push({ name: fn.name, schema: parameters });
  }
  return { tools: specs, choice: readChoice(toolChoice, specs) };
}

function readChoice(raw: unknown, tools: readonly ToolSpec[]): ToolChoice {
  if (raw === undefined || raw === null || raw === 'auto') return { mode: 'auto' };
  if (raw === 'none') return { mode: 'none' };
  if (raw === 'required') return { mode: 'any' };
  const name =
    isObject(raw) && raw.type === 'function' && isObject(raw.function) ? raw.function.name : undefined;
  if (typeof name !== 'string')
    throw request(
      `Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or { "type": "function", "function": { "name": ... } }, received ${JSON.stringify(raw)}.`,
      'tool_choice',
    );
  if (!tools.some((t) => t.name === name))
    throw request(
      `Invalid value for 'tool_choice': function '${name}' is not one of the declared tools (${tools.map((t) => t.name).join(', ')}). Name a function declared in 'tools'.`,
      'tool_choice',
    );
  return { mode: 'tool', name };
}

function readFormat(raw: unknown, messagesText: string): OutputFormat | undefined {
  if (raw === undefined || raw === null) return undefined;
  const type = isObject(raw) ? raw.type : undefined;
  if (type === 'text') return undefined;
  if (type === 'json_object') {
    // OpenAI models refuse JSON mode unless the conversation asks for JSON.
    if (!/json/i.test(messagesText))
      throw request(
        "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
        'messages',
      );
    return { kind: 'json-object' };
  }
  if (type !== 'json_schema')
    throw schema(
      ['response_format', 'type'],
      "value is not a valid enumeration member; permitted: 'text', 'json_object', 'json_schema'",
    );
  const spec = isObject(raw) ? raw.json_schema : undefined;
  if (!isObject(spec) || typeof spec.name !== 'string')
    throw request(
      "Missing required parameter: 'response_format.json_schema.name'.",
      'response_format.json_schema.name',
    );
  const body = spec.schema ?? {};
  if (!isObject(body))
    throw schema(
      ['response_format', 'json_schema', 'schema'],
      'value is not a valid dict',
      'type_error.dict',
    );
  if (spec.strict === true && body.type !== 'object')
    throw request(
      `Invalid schema for response_format '${spec.name}': schema must be a JSON Schema of 'type: "object"', got 'type: ${JSON.stringify(body.type)}'.`,
      'response_format',
    );
  return { kind: 'json-schema', schema: body };
}

interface Line {
  readonly text: string;
  readonly tokens: number;
  readonly image?: string;
}

/** One content part: text as it is, an image by its tag (data URLs only: the emulator fetches nothing). */
function readPart(part: unknown, at: string, role: string): Line {
  if (isObject(part) && part.type === 'text' && typeof part.text === 'string')
    return { text: part.text, tokens: countTokens(part.text) };
  if (!isObject(part) || part.type !== 'image_url') return { text: JSON.stringify(part), tokens: 1 };
  if (role !== 'user')
    throw request(`Invalid '${at}': image content parts are only allowed in messages with role 'user'.`, at);
  const url = isObject(part.image_url) ? part.image_url.url : undefined;
  if (typeof url !== 'string')
    throw schema([...at.split('.'), 'image_url', 'url'], 'field required', 'value_error.missing');
  if (!url.startsWith('data:'))
    throw request(
      `Invalid '${at}.image_url.url': the emulator cannot fetch image URLs (received ${url.slice(0, 60)}). Send the image inline as a data URL: data:image/png;base64,...`,
      `${at}.image_url.url`,
    );
  const data = parseDataUrl(url);
  if (!data)
    throw request(
      `Invalid '${at}.image_url.url': expected a base64 data URL (data:image/png;base64,...).`,
      `${at}.image_url.url`,
    );
  if (data.bytes.length === 0 || data.bytes.length > OPENAI_MAX_IMAGE_BYTES)
    throw request(
      `The image size must be greater than zero and cannot exceed ${OPENAI_MAX_IMAGE_BYTES} bytes (received ${data.bytes.length}).`,
      `${at}.image_url.url`,
    );
  const image = describeImage(data.bytes);
  if (!image || !IMAGE_TYPES.includes(data.mimeType) || `image/${image.format}` !== data.mimeType)
    throw request(
      `You uploaded an unsupported image (${data.mimeType}, bytes ${image ? `of a ${image.format}` : 'of no known image format'}). Please make sure your image is below 20 MB in size and is of one the following formats: ['png', 'jpeg', 'gif', 'webp'], with a matching data URL type.`,
      `${at}.image_url.url`,
    );
  const detail =
    isObject(part.image_url) && typeof part.image_url.detail === 'string' ? part.image_url.detail : undefined;
  return { text: `[${image.tag}]`, tokens: openAiImageTokens(image, detail), image: image.tag };
}

interface Conversation {
  readonly parts: string[];
  readonly inputTokens: number;
  readonly lastUserText: string;
  readonly toolResults: string[];
  readonly images: string[];
  /** Every text the messages carry (JSON mode looks for the word "json" in them). */
  readonly allText: string;
}

function readMessages(messages: readonly unknown[]): Conversation {
  const out = {
    parts: [] as string[],
    lastUserText: '',
    toolResults: [] as string[],
    images: [] as string[],
    allText: '',
  };
  let inputTokens = 0;
  let pending: { ids: string[]; at: number } | undefined;
  for (const [i, m] of messages.entries()) {
    if (!isObject(m) || !ROLES.includes(m.role as string))
      throw schema(
        ['messages', i, 'role'],
        `value is not a valid enumeration member; permitted: ${ROLES.map((r) => `'${r}'`).join(', ')}`,
      );
    const role = m.role as string;
    if (pending && role !== 'tool') {
      if (pending.ids.length > 0)
        throw request(
          `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${pending.ids.join(', ')}`,
          `messages.[${pending.at}].role`,
        );
      pending = undefined;
    }
    const lines: Line[] = [];
    if (typeof m.content === 'string') lines.push({ text: m.content, tokens: countTokens(m.content) });
    else if (Array.isArray(m.content))
      for (const [j, p] of m.content.entries()) lines.push(readPart(p, `messages[${i}].content[${j}]`, role));
    else if (!(m.content === null || (m.content === undefined && role === 'assistant')))
      throw schema(['messages', i, 'content'], 'str type expected', 'type_error.str');
    const text = lines.map((l) => l.text).join('');
    out.allText += `${text}\n`;
    inputTokens += lines.reduce((sum, l) => sum + l.tokens, 0);
    if (role === 'tool') {
      const id = m.tool_call_id;
      if (typeof id !== 'string')
        throw schema(['messages', i, 'tool_call_id'], 'field required', 'value_error.missing');
      if (!pending)
        throw request(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${i}].role`,
        );
      if (!pending.ids.includes(id))
        throw request(
          `Invalid parameter: 'tool_call_id' of '${id}' not found in 'tool_calls' of previous message (expected one of: ${pending.ids.join(', ') || 'none left'}).`,
          `messages.[${i}].tool_call_id`,
        );
      pending.ids = pending.ids.filter((x) => x !== id);
    }
    out.parts.push(`${role === 'developer' ? 'system' : role}: ${text}`);
    if (role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
      pending = { ids: [], at: i };
      for (const [j, call] of m.tool_calls.entries()) {
        const fn = isObject(call) ? call.function : undefined;
        if (!isObject(call) || typeof call.id !== 'string' || !isObject(fn) || typeof fn.name !== 'string')
          throw schema(
            ['messages', i, 'tool_calls', j],
            'expected { id, type: "function", function: { name, arguments } }',
          );
        const args = typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {});
        pending.ids.push(call.id);
        out.parts.push(`assistant: toolUse ${fn.name} ${args}`);
        inputTokens += jsonTokens(fn.name + args);
      }
    }
    const last = i === messages.length - 1;
    if (last && role === 'user') {
      out.lastUserText = lines
        .filter((l) => !l.image)
        .map((l) => l.text)
        .join('\n');
      out.images.push(...lines.flatMap((l) => (l.image ? [l.image] : [])));
    }
    if (role === 'tool') out.toolResults.push(text);
    else out.toolResults.length = 0;
  }
  if (pending && pending.ids.length > 0)
    throw request(
      `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${pending.ids.join(', ')}`,
      `messages.[${pending.at}].role`,
    );
  return { ...out, inputTokens };
}

/** Sampling parameters, with Azure AI inference's ranges. */
function readSampling(body: Record<string, unknown>) {
  const { max_tokens: maxTokens, temperature, top_p: topP, stop } = body;
  if (
    maxTokens !== undefined &&
    maxTokens !== null &&
    !(Number.isInteger(maxTokens) && (maxTokens as number) >= 1)
  )
    throw schema(['max_tokens'], 'ensure this value is greater than or equal to 1');
  if (
    temperature !== undefined &&
    temperature !== null &&
    !(typeof temperature === 'number' && temperature >= 0 && temperature <= 2)
  )
    throw schema(['temperature'], 'ensure this value is between 0 and 2');
  if (topP !== undefined && topP !== null && !(typeof topP === 'number' && topP >= 0 && topP <= 1))
    throw schema(['top_p'], 'ensure this value is between 0 and 1');
  const stops = typeof stop === 'string' ? [stop] : (stop ?? []);
  if (!Array.isArray(stops) || stops.some((s) => typeof s !== 'string') || stops.length > 4)
    throw schema(['stop'], 'expected a string or a list of up to 4 strings');
  return {
    maxTokens: (maxTokens as number | null | undefined) ?? undefined,
    temperature: (temperature as number | null | undefined) ?? undefined,
    topP: (topP as number | null | undefined) ?? undefined,
    stop: stops as string[],
  };
}

/** Reads an OpenAI-shaped chat body; a problem instead when the service would refuse it. */
export function parseOpenAiChat(
  body: Record<string, unknown>,
  defaultModel: string,
): OpenAiChatRequest | ChatProblem {
  try {
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length === 0)
      throw messages === undefined
        ? schema(['messages'], 'field required', 'value_error.missing')
        : schema(['messages'], 'ensure this value has at least 1 items');
    const conversation = readMessages(messages);
    const tools = readTools(body);
    const output = readFormat(body.response_format, conversation.allText);
    const streamOptions = body.stream_options;
    return {
      model: typeof body.model === 'string' ? body.model : defaultModel,
      prompt: conversation.parts.join('\n'),
      inputTokens: conversation.inputTokens + declarationTokens(tools ? body.tools : undefined),
      ...readSampling(body),
      stream: body.stream === true,
      includeUsage: !isObject(streamOptions) || streamOptions.include_usage !== false,
      lastUserText: conversation.lastUserText,
      toolResults: conversation.toolResults,
      images: conversation.images,
      ...(tools ? { tools: { ...tools, parallel: body.parallel_tool_calls !== false } } : {}),
      ...(output ? { output } : {}),
    };
  } catch (error) {
    if (error instanceof Problem) return error.problem;
    throw error;
  }
}

export function isProblem(value: OpenAiChatRequest | ChatProblem): value is ChatProblem {
  return 'kind' in value;
}

const FINISH = { stop: 'stop', length: 'length', stop_sequence: 'stop' } as const;

export function finishReason(reply: Reply): string {
  return reply.kind === 'tools' ? 'tool_calls' : FINISH[reply.answer.finish];
}

export function usage(req: ChatRequest, reply: Reply) {
  const completion = replyTokens(reply);
  return {
    prompt_tokens: req.inputTokens,
    completion_tokens: completion,
    total_tokens: req.inputTokens + completion,
  };
}

function toolCallId(req: ChatRequest, call: PlannedCall): string {
  return callId('call_', req.prompt, call, 24);
}

/** The assistant message of a `chat.completion` choice. */
export function message(req: ChatRequest, reply: Reply): Record<string, unknown> {
  if (reply.kind === 'text') return { role: 'assistant', content: reply.answer.text, tool_calls: null };
  return {
    role: 'assistant',
    content: null,
    tool_calls: reply.calls.map((call) => ({
      id: toolCallId(req, call),
      type: 'function',
      function: { name: call.name, arguments: call.json },
    })),
  };
}

/**
 * The deltas after the first (role) chunk: one per word or JSON fragment; per tool call one delta with its index,
 * id, name and empty arguments, then the arguments in fragments.
 */
export function streamDeltas(req: ChatRequest, reply: Reply): Record<string, unknown>[] {
  if (reply.kind === 'text') return reply.answer.pieces.map((content) => ({ content }));
  return reply.calls.flatMap((call) => [
    {
      tool_calls: [
        {
          index: call.index,
          id: toolCallId(req, call),
          type: 'function',
          function: { name: call.name, arguments: '' },
        },
      ],
    },
    ...fragments(call.json, 12).map((piece) => ({
      tool_calls: [{ index: call.index, function: { arguments: piece } }],
    })),
  ]);
}
