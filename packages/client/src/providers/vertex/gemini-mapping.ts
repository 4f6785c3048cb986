/**
 * The client's conversation, tools and response format in Gemini's shapes on Vertex AI (v1): `functionCall` /
 * `functionResponse` parts, `tools[].functionDeclarations` with `parametersJsonSchema`, `toolConfig`,
 * `inlineData` images and `responseMimeType` + `responseJsonSchema`. Struct and Value fields are built as
 * protobuf values: the official client encodes them for gRPC and REST alike.
 */
import { helpers, type protos } from '@google-cloud/aiplatform';
import { GenAiError } from '../../errors.js';
import { deterministicToolCallId, toolCall, toolNameOf } from '../../tools/tool-calls.js';
import type { ContentPart, Message, NormalizedGenerateRequest, ToolCall } from '../../types.js';
import { fromValue } from './proto-value.js';

type IContent = protos.google.cloud.aiplatform.v1.IContent;
type IPart = protos.google.cloud.aiplatform.v1.IPart;
type ITool = protos.google.cloud.aiplatform.v1.ITool;
type IToolConfig = protos.google.cloud.aiplatform.v1.IToolConfig;
type IStruct = protos.google.protobuf.IStruct;
type IValue = protos.google.protobuf.IValue;

const toValue = (v: unknown): IValue => helpers.toValue(v as object) as IValue;

/** A JS object as a google.protobuf.Struct. */
export function toStruct(obj: unknown): IStruct {
  const value = toValue(obj && typeof obj === 'object' && !Array.isArray(obj) ? obj : {}) as {
    structValue?: IStruct;
  };
  return value.structValue ?? { fields: {} };
}

/** A google.protobuf.Struct (as gRPC or the REST transport hands it over) as a JS object. */
export function fromStruct(struct: IStruct | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(struct?.fields ?? {})) out[k] = fromValue(v);
  return out;
}

function partsOf(content: string | readonly ContentPart[]): IPart[] {
  if (typeof content === 'string') return [{ text: content }];
  return content.map(
    (p): IPart =>
      p.type === 'text' ? { text: p.text } : { inlineData: { mimeType: p.mediaType, data: p.data } },
  );
}

/** A tool result as the Struct Gemini wants: the JSON object the tool returned, else `{ content: text }`. */
function responseOf(text: string): IStruct {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return toStruct(parsed);
  } catch {
    // Plain text.
  }
  return toStruct({ content: text });
}

/**
 * Gemini `contents`. Consecutive turns of one role are merged (parallel calls' results form one turn), and a
 * tool message's function name is found from the call it answers (Gemini matches results by name).
 */
export function geminiContents(messages: readonly Message[]): IContent[] {
  const out: IContent[] = [];
  const push = (role: string, parts: IPart[]) => {
    const last = out[out.length - 1];
    if (last && last.role === role) (last.parts as IPart[]).push(...parts);
    else out.push({ role, parts });
  };
  messages.forEach((m, i) => {
    if (m.role === 'user') push('user', partsOf(m.content));
    else if (m.role === 'assistant') {
      const parts: IPart[] = m.content !== '' ? [{ text: m.content }] : [];
      for (const c of m.toolCalls ?? [])
        parts.push({ functionCall: { name: c.name, args: toStruct(c.arguments) } });
      push('model', parts.length > 0 ? parts : [{ text: '' }]);
    } else {
      const name = toolNameOf(messages.slice(0, i), m.toolCallId);
      if (!name) {
        throw new GenAiError(
          `invalid messages[${i}].toolCallId: "${m.toolCallId}" answers no tool call of an earlier assistant message; ` +
            'Gemini matches tool results to calls by name, so the assistant message with its toolCalls must come first',
          { kind: 'invalid-request', provider: 'vertex', code: 'validation' },
        );
      }
      push('user', [{ functionResponse: { name, response: responseOf(m.content) } }]);
    }
  });
  return out;
}

/** `tools` and `toolConfig` of a request. */
export function geminiTools(req: NormalizedGenerateRequest): { tools?: ITool[]; toolConfig?: IToolConfig } {
  if (!req.tools || req.tools.length === 0) return {};
  const tools: ITool[] = [
    {
      functionDeclarations: req.tools.map((t) => ({
        name: t.name,
        ...(t.description !== undefined && { description: t.description }),
        parametersJsonSchema: toValue(t.parameters),
      })),
    },
  ];
  const choice = req.toolChoice;
  if (choice === undefined) return { tools };
  const Mode = { AUTO: 1, ANY: 2, NONE: 3 } as const;
  const functionCallingConfig =
    choice === 'auto'
      ? { mode: Mode.AUTO }
      : choice === 'none'
        ? { mode: Mode.NONE }
        : choice === 'required'
          ? { mode: Mode.ANY }
          : { mode: Mode.ANY, allowedFunctionNames: [choice.name] };
  return { tools, toolConfig: { functionCallingConfig } };
}

/** `generationConfig` fields of the response format. */
export function geminiResponseFormat(req: NormalizedGenerateRequest): Record<string, unknown> {
  const f = req.responseFormat;
  if (!f || f.type === 'text') return {};
  if (f.type === 'json') return { responseMimeType: 'application/json' };
  // responseJsonSchema takes JSON Schema as it is (responseSchema would need OpenAPI's subset).
  const { $schema: _dialect, ...schema } = f.schema as Record<string, unknown>;
  return { responseMimeType: 'application/json', responseJsonSchema: toValue(schema) };
}

/**
 * The text and tool calls of a candidate's parts. Gemini v1 gives calls no id: they get deterministic ones
 * (the same answer, the same ids), which tool messages then name and geminiContents maps back to names.
 */
export function geminiAnswer(
  parts: readonly IPart[] | null | undefined,
  firstIndex = 0,
): { text: string; toolCalls: ToolCall[] } {
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const p of parts ?? []) {
    if (p.functionCall) {
      const name = p.functionCall.name ?? '';
      const argumentsText = JSON.stringify(fromStruct(p.functionCall.args));
      const index = firstIndex + toolCalls.length;
      toolCalls.push(toolCall(deterministicToolCallId(name, argumentsText, index), name, argumentsText));
    } else if (typeof p.text === 'string' && !p.thought) {
      text += p.text;
    }
  }
  return { text, toolCalls };
}
