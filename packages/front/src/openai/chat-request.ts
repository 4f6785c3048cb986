import { estimateTokens } from '../catalog.js';
import type {
  ContentPart,
  GenerateRequest,
  ImageMediaType,
  Message,
  ResponseFormat,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from '../client.js';
import { HttpError } from '../errors.js';
import type { ChatMessage, ChatRequest } from './chat-schema.js';

/**
 * Fields of OpenAI's chat completion request that this gateway does not honour, with what to do instead. A
 * request carrying one (with a value other than null) is refused with 400 `unsupported_parameter`: silently
 * ignoring it would answer something else than what was asked.
 */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  functions:
    'the deprecated "functions" is not supported; send "tools" with { "type": "function", "function": {...} }',
  function_call: 'the deprecated "function_call" is not supported; send "tool_choice"',
  logit_bias: 'logit_bias is not supported: the providers behind this gateway have no equivalent',
  top_logprobs: 'top_logprobs is not supported: this gateway returns no log probabilities',
  audio: 'audio output is not supported by this gateway',
  modalities: 'only text output is supported by this gateway; remove "modalities"',
  prediction: 'predicted outputs are not supported by this gateway',
  web_search_options: 'web search is not supported by this gateway',
  reasoning_effort: 'reasoning_effort is not supported by this gateway',
  service_tier: 'service_tier is not supported by this gateway',
  verbosity: 'verbosity is not supported by this gateway',
  prompt_cache_key: 'prompt_cache_key is not supported: this gateway caches by the request itself',
};

/** Keys a chat request may carry: the honoured fields (chatRequestSchema) and the extensions of this gateway. */
const KNOWN = new Set([
  'model',
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'n',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'stream',
  'stream_options',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'logprobs',
  'user',
  'safety_identifier',
  'metadata',
  'store',
]);

/** Refuses a field we do not honour, naming it, before the schema runs (so the caller learns the real problem). */
export function refuseUnsupported(body: Record<string, unknown>, extensions: ReadonlySet<string>): void {
  for (const [key, value] of Object.entries(body)) {
    if (KNOWN.has(key) || extensions.has(key)) continue;
    if (value === null || value === undefined) continue;
    const known = UNSUPPORTED[key];
    throw new HttpError(
      400,
      known ??
        `unknown parameter "${key.slice(0, 64)}": this gateway implements OpenAI's chat completions API; remove it`,
      { param: key.slice(0, 64), code: 'unsupported_parameter' },
    );
  }
}

const DATA_URL = /^data:(image\/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/]+=*)$/;

/** An image part given by URL that still has to be fetched (an allowed remote host). */
export interface RemoteImage {
  /** Where it goes: messages[m].content[p] of the client request. */
  readonly message: number;
  readonly part: number;
  readonly url: URL;
  readonly param: string;
}

/** What mapping an OpenAI conversation onto the client yields. */
export interface MappedConversation {
  readonly system: string[];
  readonly messages: Message[];
  /** The caller's index of each client message (system messages are taken out), for error messages. */
  readonly messageIndex: number[];
  readonly remoteImages: RemoteImage[];
  estimatedTokens: number;
}

/** Which remote image hosts may be fetched (from the configuration's `images.allowedHosts`). */
export interface ImagePolicy {
  readonly allowedHosts: readonly string[];
}

/**
 * Maps OpenAI messages onto the client's: `system`/`developer` messages join the client's `system`; user
 * content parts become text and image parts; assistant `tool_calls` and `tool` messages carry tool use
 * through, checked so that each tool message answers a call made earlier in the conversation.
 */
export function mapConversation(messages: readonly ChatMessage[], images: ImagePolicy): MappedConversation {
  const out: MappedConversation = {
    system: [],
    messages: [],
    messageIndex: [],
    remoteImages: [],
    estimatedTokens: 0,
  };
  const callIds = new Set<string>();
  messages.forEach((m, i) => {
    switch (m.role) {
      case 'system':
      case 'developer':
        out.system.push(textOf(m.content));
        out.estimatedTokens += estimateTokens(textOf(m.content));
        return;
      case 'user': {
        const content = userContent(m.content, i, out, images);
        out.messages.push({ role: 'user', content });
        break;
      }
      case 'assistant': {
        const toolCalls = (m.tool_calls ?? []).map((c, j) =>
          toolCallOf(c, `messages[${i}].tool_calls[${j}]`),
        );
        for (const c of toolCalls) callIds.add(c.id);
        const text = m.content == null ? '' : textOf(m.content);
        out.messages.push({ role: 'assistant', content: text, ...(toolCalls.length > 0 && { toolCalls }) });
        out.estimatedTokens +=
          estimateTokens(text) + toolCalls.reduce((n, c) => n + estimateTokens(c.argumentsText), 0);
        break;
      }
      case 'tool': {
        if (!callIds.has(m.tool_call_id)) {
          throw new HttpError(
            400,
            `invalid messages[${i}].tool_call_id: "${m.tool_call_id.slice(0, 64)}" answers no tool call of an earlier assistant message; ` +
              'send the assistant message with its tool_calls before the tool results',
            { param: `messages[${i}].tool_call_id`, code: 'invalid_value' },
          );
        }
        const text = textOf(m.content);
        out.messages.push({ role: 'tool', toolCallId: m.tool_call_id, content: text });
        out.estimatedTokens += estimateTokens(text);
        break;
      }
    }
    out.messageIndex.push(i);
    out.estimatedTokens += 4;
  });
  return out;
}

function textOf(content: string | readonly { type: string; text?: string }[]): string {
  if (typeof content === 'string') return content;
  let text = '';
  for (const p of content) text += p.text ?? '';
  return text;
}

function userContent(
  content: Extract<ChatMessage, { role: 'user' }>['content'],
  i: number,
  out: MappedConversation,
  images: ImagePolicy,
): string | ContentPart[] {
  if (typeof content === 'string') {
    out.estimatedTokens += estimateTokens(content);
    return content;
  }
  // Text-only parts are one string: the same question as plain content (and the same cache key).
  if (content.every((p) => p.type === 'text')) {
    const text = textOf(content);
    out.estimatedTokens += estimateTokens(text);
    return text;
  }
  const parts: ContentPart[] = [];
  content.forEach((p, j) => {
    if (p.type === 'text') {
      parts.push({ type: 'text', text: p.text });
      out.estimatedTokens += estimateTokens(p.text);
      return;
    }
    const param = `messages[${i}].content[${j}].image_url.url`;
    const url = p.image_url.url;
    const data = DATA_URL.exec(url);
    // Providers count an image as roughly a fixed number of tokens; ~1,600 is the usual upper figure.
    out.estimatedTokens += 1600;
    if (data) {
      parts.push({ type: 'image', mediaType: data[1] as ImageMediaType, data: data[2]! });
      return;
    }
    if (url.startsWith('data:')) {
      throw new HttpError(
        400,
        `invalid ${param}: expected a base64 data URL of a PNG, JPEG, GIF or WebP image (data:image/png;base64,...); got "${url.slice(0, 40)}..."`,
        { param, code: 'invalid_image_url' },
      );
    }
    const remote = allowedRemote(url, images);
    if (!remote) {
      throw new HttpError(
        400,
        `invalid ${param}: this gateway accepts images as data: URLs only; the URL's host is not in the configuration's ` +
          'images.allowedHosts (the gateway would fetch an address chosen by the caller). Send the image inline as ' +
          'data:image/png;base64,... or ask the operator to allow the host',
        { param, code: 'unsupported_image_url' },
      );
    }
    out.remoteImages.push({ message: out.messages.length, part: parts.length, url: remote, param });
    // A placeholder the route replaces with the fetched image before the call.
    parts.push({ type: 'image', mediaType: 'image/png', data: '' });
  });
  return parts;
}

/** The URL when its host is allowed (`https://host`, or `http://host` when listed so), else undefined. */
function allowedRemote(raw: string, images: ImagePolicy): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.username || url.password) return undefined;
  const host = url.host.toLowerCase();
  if (url.protocol === 'https:' && images.allowedHosts.some((h) => h.toLowerCase() === host)) return url;
  if (url.protocol === 'http:' && images.allowedHosts.some((h) => h.toLowerCase() === `http://${host}`))
    return url;
  return undefined;
}

function toolCallOf(
  c: { id: string; function: { name: string; arguments: string } },
  param: string,
): ToolCall {
  let args: unknown;
  try {
    args = JSON.parse(c.function.arguments);
  } catch {
    throw new HttpError(
      400,
      `invalid ${param}.function.arguments: expected the JSON text the model produced; got text that is not JSON`,
      { param: `${param}.function.arguments`, code: 'invalid_value' },
    );
  }
  return { id: c.id, name: c.function.name, argumentsText: c.function.arguments, arguments: args };
}

/** OpenAI's tools, tool_choice, parallel_tool_calls and response_format as the client's request fields. */
export function toolFields(body: ChatRequest): Partial<GenerateRequest> {
  const tools: ToolDefinition[] | undefined = body.tools?.map((t) => ({
    name: t.function.name,
    ...(t.function.description !== undefined && { description: t.function.description }),
    parameters: t.function.parameters ?? { type: 'object', properties: {} },
    ...(t.function.strict != null && { strict: t.function.strict }),
  }));
  let toolChoice: ToolChoice | undefined;
  const choice = body.tool_choice;
  if (choice != null) {
    if (!tools || tools.length === 0) {
      throw new HttpError(400, 'invalid tool_choice: it needs "tools"; send the tools the model may call', {
        param: 'tool_choice',
        code: 'invalid_value',
      });
    }
    if (typeof choice === 'string') toolChoice = choice;
    else {
      if (!tools.some((t) => t.name === choice.function.name)) {
        throw new HttpError(
          400,
          `invalid tool_choice.function.name: "${choice.function.name}" is not one of the tools (${tools.map((t) => t.name).join(', ')})`,
          { param: 'tool_choice.function.name', code: 'invalid_value' },
        );
      }
      toolChoice = { type: 'tool', name: choice.function.name };
    }
  }
  return {
    ...(tools && tools.length > 0 && { tools }),
    ...(toolChoice && { toolChoice }),
    ...(body.parallel_tool_calls != null && tools && { parallelToolCalls: body.parallel_tool_calls }),
    ...(body.response_format != null && { responseFormat: responseFormatOf(body.response_format) }),
  };
}

function responseFormatOf(f: NonNullable<ChatRequest['response_format']>): ResponseFormat {
  if (f.type === 'text') return { type: 'text' };
  if (f.type === 'json_object') return { type: 'json' };
  const { name, description, schema, strict } = f.json_schema;
  // A json_schema without a schema asks for JSON, as json_object does.
  if (!schema) return { type: 'json' };
  return {
    type: 'json-schema',
    schema,
    name,
    ...(description !== undefined && { description }),
    ...(strict != null && { strict }),
  };
}

/** Sampling fields with OpenAI's names as the client's. */
export function samplingFields(body: ChatRequest): Partial<GenerateRequest> {
  const stop = body.stop == null ? undefined : typeof body.stop === 'string' ? [body.stop] : body.stop;
  return {
    ...(body.temperature != null && { temperature: body.temperature }),
    ...(body.top_p != null && { topP: body.top_p }),
    ...(stop && stop.length > 0 && { stop }),
    ...(body.seed != null && { seed: body.seed }),
    ...(body.presence_penalty != null && { presencePenalty: body.presence_penalty }),
    ...(body.frequency_penalty != null && { frequencyPenalty: body.frequency_penalty }),
  };
}
