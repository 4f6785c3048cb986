/**
 * Validation of what a conversation carries besides text: user content parts (text and images), assistant tool
 * calls and tool results, tool definitions, tool choice, response format and the shared sampling fields.
 * Every check runs before any network call and names the field, the value and the rule.
 */
import { invalidRequest } from '../errors.js';
import { schemaProblem } from '../tools/structured-output.js';
import type { GenerateRequest, ImageMediaType } from '../types.js';

const ROLES = ['user', 'assistant', 'tool'];
export const IMAGE_MEDIA_TYPES: readonly ImageMediaType[] = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
];
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

type Loose = Record<string, unknown>;

function isObject(v: unknown): v is Loose {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkUserContent(content: unknown, i: number): void {
  if (typeof content === 'string') {
    if (content.length === 0)
      throw invalidRequest(`messages[${i}].content`, content, 'expected a non-empty string');
    return;
  }
  if (!Array.isArray(content) || content.length === 0) {
    throw invalidRequest(
      `messages[${i}].content`,
      content,
      'expected a non-empty string or a non-empty array of { type: "text", text } and { type: "image", mediaType, data } parts',
    );
  }
  content.forEach((p: unknown, j) => {
    const at = `messages[${i}].content[${j}]`;
    if (!isObject(p))
      throw invalidRequest(at, p, 'expected { type: "text", text } or { type: "image", mediaType, data }');
    if (p.type === 'text') {
      if (typeof p.text !== 'string') throw invalidRequest(`${at}.text`, p.text, 'expected a string');
      return;
    }
    if (p.type !== 'image') throw invalidRequest(`${at}.type`, p.type, 'expected "text" or "image"');
    if (typeof p.mediaType !== 'string' || !IMAGE_MEDIA_TYPES.includes(p.mediaType as ImageMediaType)) {
      throw invalidRequest(`${at}.mediaType`, p.mediaType, `expected one of ${IMAGE_MEDIA_TYPES.join(', ')}`);
    }
    if (
      typeof p.data !== 'string' ||
      p.data.length === 0 ||
      p.data.length % 4 !== 0 ||
      !BASE64.test(p.data)
    ) {
      throw invalidRequest(
        `${at}.data`,
        typeof p.data === 'string' ? `${p.data.length} characters` : p.data,
        'expected the image bytes as base64 (no data: prefix)',
      );
    }
  });
}

function checkToolCalls(calls: unknown, i: number, seen: Set<string>): void {
  if (calls === undefined) return;
  if (!Array.isArray(calls))
    throw invalidRequest(`messages[${i}].toolCalls`, calls, 'expected an array of tool calls');
  calls.forEach((c: unknown, j) => {
    const at = `messages[${i}].toolCalls[${j}]`;
    if (!isObject(c)) throw invalidRequest(at, c, 'expected { id, name, argumentsText, arguments }');
    if (typeof c.id !== 'string' || c.id.length === 0)
      throw invalidRequest(`${at}.id`, c.id, 'expected a non-empty string');
    if (typeof c.name !== 'string' || !TOOL_NAME.test(c.name)) {
      throw invalidRequest(
        `${at}.name`,
        c.name,
        'expected a tool name (1 to 64 letters, digits, "_" or "-")',
      );
    }
    if (typeof c.argumentsText !== 'string')
      throw invalidRequest(`${at}.argumentsText`, c.argumentsText, 'expected a string');
    seen.add(c.id);
  });
}

/** Roles, contents, tool calls and tool results of `messages`: each tool result answers an earlier call. */
export function checkMessages(messages: GenerateRequest['messages']): void {
  const calls = new Set<string>();
  messages.forEach((m: unknown, i) => {
    if (!isObject(m)) throw invalidRequest(`messages[${i}]`, m, 'expected { role, content }');
    if (typeof m.role !== 'string' || !ROLES.includes(m.role)) {
      throw invalidRequest(
        `messages[${i}].role`,
        m.role,
        `expected one of ${ROLES.map((r) => `"${r}"`).join(', ')}`,
        m.role === 'system' ? 'Pass the system prompt as `system`, not as a message' : undefined,
      );
    }
    if (m.role === 'user') {
      checkUserContent(m.content, i);
      return;
    }
    if (m.role === 'assistant') {
      checkToolCalls(m.toolCalls, i, calls);
      const hasCalls = Array.isArray(m.toolCalls) && m.toolCalls.length > 0;
      if (typeof m.content !== 'string' || (m.content.length === 0 && !hasCalls)) {
        throw invalidRequest(
          `messages[${i}].content`,
          m.content,
          'expected a non-empty string (or "" with toolCalls)',
        );
      }
      return;
    }
    if (typeof m.toolCallId !== 'string' || !calls.has(m.toolCallId)) {
      throw invalidRequest(
        `messages[${i}].toolCallId`,
        m.toolCallId,
        'expected the id of a tool call made by an earlier assistant message',
        'Send the assistant message with its toolCalls before the tool results',
      );
    }
    if (typeof m.content !== 'string')
      throw invalidRequest(`messages[${i}].content`, m.content, 'expected a string');
  });
  if (messages[0]?.role !== 'user') {
    throw invalidRequest('messages[0].role', messages[0]?.role, 'the first message must come from "user"');
  }
}

/** `tools`, `toolChoice` and `parallelToolCalls`. */
export function checkTools(req: GenerateRequest): void {
  const { tools, toolChoice } = req;
  const names = new Set<string>();
  if (tools !== undefined) {
    if (!Array.isArray(tools))
      throw invalidRequest('tools', tools, 'expected an array of { name, description?, parameters }');
    tools.forEach((t: unknown, i) => {
      if (!isObject(t)) throw invalidRequest(`tools[${i}]`, t, 'expected { name, description?, parameters }');
      if (typeof t.name !== 'string' || !TOOL_NAME.test(t.name)) {
        throw invalidRequest(`tools[${i}].name`, t.name, 'expected 1 to 64 letters, digits, "_" or "-"');
      }
      if (names.has(t.name))
        throw invalidRequest(`tools[${i}].name`, t.name, 'expected tool names to be unique');
      names.add(t.name);
      if (t.description !== undefined && typeof t.description !== 'string') {
        throw invalidRequest(`tools[${i}].description`, t.description, 'expected a string');
      }
      if (!isObject(t.parameters) || (t.parameters.type !== undefined && t.parameters.type !== 'object')) {
        throw invalidRequest(
          `tools[${i}].parameters`,
          t.parameters,
          'expected a JSON Schema of an object ({ type: "object", properties: {...} })',
        );
      }
      const problem = schemaProblem(t.parameters);
      if (problem)
        throw invalidRequest(`tools[${i}].parameters`, t.parameters, `not a usable JSON Schema: ${problem}`);
    });
  }
  if (toolChoice !== undefined) {
    if (names.size === 0) {
      throw invalidRequest(
        'toolChoice',
        toolChoice,
        'a tool choice needs `tools`',
        'Pass the tools the model may call',
      );
    }
    const named = isObject(toolChoice) && toolChoice.type === 'tool' ? toolChoice.name : undefined;
    if (!['auto', 'none', 'required'].includes(toolChoice as string) && named === undefined) {
      throw invalidRequest(
        'toolChoice',
        toolChoice,
        'expected "auto", "none", "required" or { type: "tool", name }',
      );
    }
    if (named !== undefined && !names.has(named as string)) {
      throw invalidRequest('toolChoice.name', named, `expected one of the tools: ${[...names].join(', ')}`);
    }
  }
  if (req.parallelToolCalls !== undefined && typeof req.parallelToolCalls !== 'boolean') {
    throw invalidRequest('parallelToolCalls', req.parallelToolCalls, 'expected true or false');
  }
}

/** `responseFormat`: its schema must compile. */
export function checkResponseFormat(format: unknown): void {
  if (format === undefined) return;
  if (!isObject(format) || !['text', 'json', 'json-schema'].includes(format.type as string)) {
    throw invalidRequest(
      'responseFormat',
      format,
      'expected { type: "text" }, { type: "json" } or { type: "json-schema", schema, name?, strict? }',
    );
  }
  if (format.type !== 'json-schema') return;
  if (!isObject(format.schema))
    throw invalidRequest('responseFormat.schema', format.schema, 'expected a JSON Schema object');
  const problem = schemaProblem(format.schema);
  if (problem)
    throw invalidRequest('responseFormat.schema', format.schema, `not a usable JSON Schema: ${problem}`);
  if (format.name !== undefined && (typeof format.name !== 'string' || !TOOL_NAME.test(format.name))) {
    throw invalidRequest('responseFormat.name', format.name, 'expected 1 to 64 letters, digits, "_" or "-"');
  }
}

/** `seed`, `presencePenalty`, `frequencyPenalty`, `topK`: their types and ranges. */
export function checkSampling(req: GenerateRequest): void {
  if (req.seed !== undefined && !Number.isInteger(req.seed))
    throw invalidRequest('seed', req.seed, 'expected an integer');
  for (const field of ['presencePenalty', 'frequencyPenalty'] as const) {
    const v = req[field];
    if (v !== undefined && !(typeof v === 'number' && v >= -2 && v <= 2)) {
      throw invalidRequest(field, v, 'expected a number from -2 to 2');
    }
  }
  if (req.topK !== undefined && !(Number.isInteger(req.topK) && req.topK > 0)) {
    throw invalidRequest('topK', req.topK, 'expected an integer > 0');
  }
}
