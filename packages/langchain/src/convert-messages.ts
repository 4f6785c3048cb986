/**
 * LangChain messages as the client's `system` and `messages`. System messages join into one system text; human
 * text and images (OpenAI-style `image_url` data URLs or standard `image` blocks) become content parts; an AI
 * message's `tool_calls` and each ToolMessage pair up by id. What the client cannot carry is refused with an
 * error naming the message and the block, never dropped.
 */

import type { ContentPart, ImageMediaType, Message, ToolCall } from '@genai-deploy/client';
import type { BaseMessage } from '@langchain/core/messages';

export interface ConvertedMessages {
  readonly system?: string;
  readonly messages: Message[];
}

const IMAGE_TYPES: readonly string[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

export function convertMessages(input: readonly BaseMessage[]): ConvertedMessages {
  const system: string[] = [];
  const messages: Message[] = [];
  input.forEach((message, i) => {
    const role = message.type === 'generic' ? genericRole(message, i) : message.type;
    switch (role) {
      case 'system':
        system.push(message.text);
        break;
      case 'human':
        messages.push({ role: 'user', content: userContent(message, i) });
        break;
      case 'ai': {
        const calls =
          (message as { tool_calls?: { id?: string; name: string; args: unknown }[] }).tool_calls ?? [];
        const toolCalls: ToolCall[] = calls.map((call, j) => {
          if (!call.id) {
            throw new Error(
              `ChatGenAiDeploy: messages[${i}].tool_calls[${j}] ("${call.name}") has no id; the client pairs each tool result with its call by id. Give the call an id and the ToolMessage the same tool_call_id.`,
            );
          }
          return {
            id: call.id,
            name: call.name,
            argumentsText: JSON.stringify(call.args ?? {}),
            arguments: call.args,
          };
        });
        messages.push({
          role: 'assistant',
          content: message.text,
          ...(toolCalls.length > 0 && { toolCalls }),
        });
        break;
      }
      case 'tool': {
        const toolCallId = (message as { tool_call_id?: string }).tool_call_id;
        if (!toolCallId) {
          throw new Error(
            `ChatGenAiDeploy: messages[${i}] is a ToolMessage without tool_call_id; set it to the id of the tool call it answers.`,
          );
        }
        const content = typeof message.content === 'string' ? message.content : textOrJson(message);
        messages.push({ role: 'tool', toolCallId, content });
        break;
      }
      default:
        throw new Error(
          `ChatGenAiDeploy: messages[${i}] is a "${role}" message; the client takes system, human, AI and tool messages. Convert it to one of those.`,
        );
    }
  });
  return { ...(system.length > 0 && { system: system.join('\n\n') }), messages };
}

function genericRole(message: BaseMessage, i: number): string {
  const role = (message as { role?: string }).role;
  if (role === 'user') return 'human';
  if (role === 'assistant') return 'ai';
  if (role === 'system' || role === 'tool') return role;
  throw new Error(
    `ChatGenAiDeploy: messages[${i}] is a ChatMessage with role "${role}"; the client takes user, assistant, system and tool roles.`,
  );
}

/** A tool result given as blocks: its text, or the blocks as JSON when there is no text. */
function textOrJson(message: BaseMessage): string {
  return message.text.length > 0 ? message.text : JSON.stringify(message.content);
}

function userContent(message: BaseMessage, i: number): string | ContentPart[] {
  if (typeof message.content === 'string') return message.content;
  const parts = message.content.map((block, j): ContentPart => {
    const b = block as Record<string, unknown>;
    if (b.type === 'text' && typeof b.text === 'string') return { type: 'text', text: b.text };
    if (b.type === 'image_url') {
      const url = typeof b.image_url === 'string' ? b.image_url : (b.image_url as { url?: string })?.url;
      return fromDataUrl(url, i, j);
    }
    if (b.type === 'image') {
      const mimeType = (b.mimeType ?? b.mime_type) as string | undefined;
      if (typeof b.url === 'string') return fromDataUrl(b.url, i, j);
      if (b.data !== undefined) {
        const data =
          typeof b.data === 'string' ? b.data : Buffer.from(b.data as Uint8Array).toString('base64');
        return { type: 'image', mediaType: imageType(mimeType, i, j), data };
      }
    }
    throw new Error(
      `ChatGenAiDeploy: messages[${i}].content[${j}] is a "${String(b.type)}" block; the client takes text and inline images (png, jpeg, gif, webp as base64 or data: URLs). Remove the block or convert it.`,
    );
  });
  return parts.every((p) => p.type === 'text')
    ? parts.map((p) => (p.type === 'text' ? p.text : '')).join('')
    : parts;
}

function fromDataUrl(url: string | undefined, i: number, j: number): ContentPart {
  const match = url ? /^data:([^;,]+);base64,(.*)$/s.exec(url) : null;
  if (!match) {
    throw new Error(
      `ChatGenAiDeploy: messages[${i}].content[${j}] is an image URL (${url?.slice(0, 40)}); the client sends images inline only. Fetch it and pass a data: URL or base64 data.`,
    );
  }
  return { type: 'image', mediaType: imageType(match[1], i, j), data: match[2] ?? '' };
}

function imageType(mimeType: string | undefined, i: number, j: number): ImageMediaType {
  const type = mimeType?.toLowerCase() === 'image/jpg' ? 'image/jpeg' : mimeType?.toLowerCase();
  if (type && IMAGE_TYPES.includes(type)) return type as ImageMediaType;
  throw new Error(
    `ChatGenAiDeploy: messages[${i}].content[${j}] is an image of type "${mimeType}"; the client takes ${IMAGE_TYPES.join(', ')}.`,
  );
}
