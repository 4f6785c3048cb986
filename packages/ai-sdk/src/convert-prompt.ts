/**
 * The AI SDK's prompt (LanguageModelV3Prompt) as the client's `system` and `messages`: system messages join
 * into one system text, user text and images become content parts, assistant text and tool calls one assistant
 * message, each tool result one `tool` message. What the client cannot carry is refused
 * (UnsupportedFunctionalityError) or, for history the model does not need, dropped with a warning.
 */
import {
  type LanguageModelV3DataContent,
  type LanguageModelV3Prompt,
  type LanguageModelV3ToolResultOutput,
  type SharedV3Warning,
  UnsupportedFunctionalityError,
} from '@ai-sdk/provider';
import type { ContentPart, ImageMediaType, Message, ToolCall } from '@genai-deploy/client';

export interface ConvertedPrompt {
  readonly system?: string;
  readonly messages: Message[];
  readonly warnings: SharedV3Warning[];
}

const IMAGE_TYPES: readonly ImageMediaType[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

export function convertPrompt(prompt: LanguageModelV3Prompt): ConvertedPrompt {
  const system: string[] = [];
  const messages: Message[] = [];
  const warnings: SharedV3Warning[] = [];
  for (const message of prompt) {
    switch (message.role) {
      case 'system':
        system.push(message.content);
        break;
      case 'user': {
        const parts: ContentPart[] = message.content.map((part) =>
          part.type === 'text' ? { type: 'text', text: part.text } : imagePart(part.data, part.mediaType),
        );
        const onlyText = parts.every((p) => p.type === 'text');
        messages.push({
          role: 'user',
          content: onlyText ? parts.map((p) => (p.type === 'text' ? p.text : '')).join('') : parts,
        });
        break;
      }
      case 'assistant': {
        let text = '';
        const toolCalls: ToolCall[] = [];
        for (const part of message.content) {
          if (part.type === 'text') text += part.text;
          else if (part.type === 'tool-call') {
            // The SDK hands back the parsed input; the client wants both forms (providers differ in which they send).
            const argumentsText =
              typeof part.input === 'string' ? part.input : JSON.stringify(part.input ?? {});
            toolCalls.push({
              id: part.toolCallId,
              name: part.toolName,
              argumentsText,
              arguments: parseOrUndefined(argumentsText),
            });
          } else if (part.type === 'reasoning') {
            warnings.push({
              type: 'unsupported',
              feature: 'reasoning parts in the prompt',
              details: 'the client has no reasoning content: earlier reasoning was left out of the request',
            });
          } else {
            throw new UnsupportedFunctionalityError({
              functionality: `assistant ${part.type} parts`,
              message: `@genai-deploy/ai-sdk: an assistant message with a "${part.type}" part cannot be sent; the client takes assistant text and tool calls only. Remove the part from the history.`,
            });
          }
        }
        messages.push({ role: 'assistant', content: text, ...(toolCalls.length > 0 ? { toolCalls } : {}) });
        break;
      }
      case 'tool':
        for (const part of message.content) {
          // Approval responses answer provider-executed tools; this provider executes none, so there is none to send.
          if (part.type !== 'tool-result') continue;
          messages.push({ role: 'tool', toolCallId: part.toolCallId, content: toolResultText(part.output) });
        }
        break;
    }
  }
  return { ...(system.length > 0 ? { system: system.join('\n\n') } : {}), messages, warnings };
}

function toolResultText(output: LanguageModelV3ToolResultOutput): string {
  switch (output.type) {
    case 'text':
    case 'error-text':
      return output.value;
    case 'json':
    case 'error-json':
      return JSON.stringify(output.value);
    case 'execution-denied':
      return `The tool call was denied${output.reason ? `: ${output.reason}` : '.'}`;
    case 'content':
      return output.value
        .map((part) => {
          if (part.type === 'text') return part.text;
          throw new UnsupportedFunctionalityError({
            functionality: `tool results with ${part.type} content`,
            message: `@genai-deploy/ai-sdk: a tool result with a "${part.type}" part cannot be sent; the client takes tool results as text. Return text or JSON from the tool.`,
          });
        })
        .join('');
  }
}

function imagePart(data: LanguageModelV3DataContent, mediaType: string): ContentPart {
  let bytes: Buffer;
  if (data instanceof URL) {
    // supportedUrls is empty, so the SDK downloads http(s) URLs itself; only data: URLs can still arrive here.
    const match = data.protocol === 'data:' ? /^data:([^;,]+)?(;base64)?,(.*)$/s.exec(data.href) : null;
    if (!match?.[2]) {
      throw new UnsupportedFunctionalityError({
        functionality: 'file URLs',
        message: `@genai-deploy/ai-sdk: got a file URL (${data.protocol}); the client takes images inline only. Pass the bytes (Uint8Array or base64).`,
      });
    }
    bytes = Buffer.from(decodeURIComponent(match[3] ?? ''), 'base64');
  } else {
    bytes = typeof data === 'string' ? Buffer.from(data, 'base64') : Buffer.from(data);
  }
  const type = imageType(mediaType, bytes);
  return { type: 'image', mediaType: type, data: bytes.toString('base64') };
}

function imageType(mediaType: string, bytes: Buffer): ImageMediaType {
  const normalized = mediaType.toLowerCase() === 'image/jpg' ? 'image/jpeg' : mediaType.toLowerCase();
  if ((IMAGE_TYPES as readonly string[]).includes(normalized)) return normalized as ImageMediaType;
  const sniffed = normalized === 'image/*' ? sniffImage(bytes) : undefined;
  if (sniffed) return sniffed;
  throw new UnsupportedFunctionalityError({
    functionality: `file parts of type ${mediaType}`,
    message: `@genai-deploy/ai-sdk: got a file of type "${mediaType}"; the client takes images of type ${IMAGE_TYPES.join(', ')}. Convert the file or leave it out.`,
  });
}

/** The image type from the first bytes, for parts typed `image/*`. */
function sniffImage(b: Buffer): ImageMediaType | undefined {
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'image/webp';
  return undefined;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
