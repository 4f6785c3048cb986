/**
 * OpenAI's chat completions shape, spoken by Azure AI inference and by SageMaker containers serving the
 * Messages API (TGI and vLLM's `/v1/chat/completions`): the request body's messages, tools and formats from the
 * client's request, and the tool calls of an answer or of a stream's chunks.
 */
import { ToolCallCollector, toolCall } from '../../tools/tool-calls.js';
import type { ContentPart, Message, NormalizedGenerateRequest, ToolCall } from '../../types.js';

type OpenAiContent = string | { type: string; text?: string; image_url?: { url: string } }[];

function contentOf(content: string | readonly ContentPart[]): OpenAiContent {
  if (typeof content === 'string') return content;
  return content.map((p) =>
    p.type === 'text'
      ? { type: 'text', text: p.text }
      : { type: 'image_url', image_url: { url: `data:${p.mediaType};base64,${p.data}` } },
  );
}

function messageOf(m: Message): Record<string, unknown> {
  switch (m.role) {
    case 'user':
      return { role: 'user', content: contentOf(m.content) };
    case 'assistant':
      return m.toolCalls && m.toolCalls.length > 0
        ? {
            role: 'assistant',
            content: m.content === '' ? null : m.content,
            tool_calls: m.toolCalls.map((c) => ({
              id: c.id,
              type: 'function',
              function: { name: c.name, arguments: c.argumentsText },
            })),
          }
        : { role: 'assistant', content: m.content };
    case 'tool':
      return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
  }
}

/** The `messages` of the body: the system prompt first, then the conversation. */
export function openAiMessages(req: NormalizedGenerateRequest): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = req.system ? [{ role: 'system', content: req.system }] : [];
  for (const m of req.messages) out.push(messageOf(m));
  return out;
}

/** Tools, tool choice, response format and the shared sampling fields, in OpenAI's names. */
export function openAiFields(req: NormalizedGenerateRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (req.tools && req.tools.length > 0) {
    out.tools = req.tools.map((t) => ({
      type: 'function',
      function: {
        name: t.name,
        ...(t.description !== undefined && { description: t.description }),
        parameters: t.parameters,
      },
    }));
    if (req.toolChoice !== undefined) {
      out.tool_choice =
        typeof req.toolChoice === 'string'
          ? req.toolChoice
          : { type: 'function', function: { name: req.toolChoice.name } };
    }
    // No parallel_tool_calls: Azure AI inference rejects it, and the provider step enforces `false` for all.
  }
  const format = req.responseFormat;
  if (format?.type === 'json') out.response_format = { type: 'json_object' };
  else if (format?.type === 'json-schema') {
    out.response_format = {
      type: 'json_schema',
      json_schema: {
        name: format.name ?? 'response',
        schema: format.schema,
        ...(format.description !== undefined && { description: format.description }),
        ...(format.strict !== undefined && { strict: format.strict }),
      },
    };
  }
  if (req.seed !== undefined) out.seed = req.seed;
  if (req.presencePenalty !== undefined) out.presence_penalty = req.presencePenalty;
  if (req.frequencyPenalty !== undefined) out.frequency_penalty = req.frequencyPenalty;
  return out;
}

interface OpenAiToolCall {
  id?: string;
  index?: number;
  function?: { name?: string; arguments?: string };
}

/** The tool calls of a non-streamed answer's message. */
export function openAiToolCalls(
  message: { tool_calls?: readonly OpenAiToolCall[] | null } | undefined,
): ToolCall[] {
  return (message?.tool_calls ?? []).map((c, i) =>
    toolCall(c.id ?? `call_${i}`, c.function?.name ?? '', c.function?.arguments ?? ''),
  );
}

/**
 * Turns a stream chunk's `delta.tool_calls` into the client's tool-call events: an entry with an `id` starts a
 * call (OpenAI sends id and name once, then argument fragments under the same `index`).
 */
export function openAiToolCallDeltas(
  collector: ToolCallCollector,
  deltas: readonly OpenAiToolCall[] | null | undefined,
) {
  const events = [];
  for (const d of deltas ?? []) {
    const index = d.index ?? collector.size;
    const args = d.function?.arguments ?? '';
    if (d.id !== undefined && d.id !== null) {
      events.push(collector.start(index, d.id, d.function?.name ?? '', args));
    } else if (args !== '') {
      const e = collector.append(index, args);
      if (e) events.push(e);
    }
  }
  return events;
}

export { ToolCallCollector };
