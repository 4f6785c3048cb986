/**
 * The client's conversation, tools and response format in Bedrock Converse's shapes: `toolUse` / `toolResult`
 * content blocks, `toolConfig`, image blocks, and structured output either native (`outputConfig.textFormat`,
 * on the models that have it) or through a forced tool, the documented practice for the others.
 */
import type {
  Message as BedrockMessage,
  ToolChoice as BedrockToolChoice,
  ContentBlock,
  ConverseCommandInput,
  DocumentFormat,
  ImageFormat,
  Tool,
} from '@aws-sdk/client-bedrock-runtime';
import { GenAiError } from '../../errors.js';
import type { ContentPart, Message, NormalizedGenerateRequest, Target } from '../../types.js';

/** The tool a JSON answer is asked through, on models without native structured output. */
export const JSON_TOOL = 'json_response';

const IMAGE_FORMATS: Readonly<Record<string, ImageFormat>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/** Claude 4.5 and later take `outputConfig.textFormat` (Bedrock's structured outputs). */
export function hasNativeStructuredOutput(model: string): boolean {
  const base = model.replace(/^(?:[a-z]{2,4}|global)\./, '');
  return /^anthropic\.claude-(?:sonnet|opus|haiku)-(?:4-[5-9]|[5-9]|\d\d)/.test(base);
}

/** How a request's response format reaches the model. */
export type StructuredVia = 'none' | 'native' | 'tool';

export function structuredVia(target: Target, req: NormalizedGenerateRequest): StructuredVia {
  const f = req.responseFormat;
  if (!f || f.type === 'text') return 'none';
  if (f.type === 'json-schema' && hasNativeStructuredOutput(target.model)) return 'native';
  return 'tool';
}

function partBlocks(content: string | readonly ContentPart[]): ContentBlock[] {
  if (typeof content === 'string') return [{ text: content }];
  return content.map(
    (p): ContentBlock =>
      p.type === 'text'
        ? { text: p.text }
        : {
            image: {
              format: IMAGE_FORMATS[p.mediaType] ?? 'png',
              source: { bytes: Buffer.from(p.data, 'base64') },
            },
          },
  );
}

function blocksOf(m: Message): { role: 'user' | 'assistant'; content: ContentBlock[] } {
  switch (m.role) {
    case 'user':
      return { role: 'user', content: partBlocks(m.content) };
    case 'assistant': {
      const content: ContentBlock[] = m.content !== '' ? [{ text: m.content }] : [];
      for (const c of m.toolCalls ?? []) {
        content.push({ toolUse: { toolUseId: c.id, name: c.name, input: (c.arguments ?? {}) as never } });
      }
      return { role: 'assistant', content };
    }
    case 'tool':
      // Tool results go back in a user turn (Converse's rule), one block per result.
      return {
        role: 'user',
        content: [{ toolResult: { toolUseId: m.toolCallId, content: [{ text: m.content }] } }],
      };
  }
}

/**
 * Converse messages. Consecutive turns of one role are merged: the results of parallel tool calls are one user
 * turn, and Converse refuses two user (or two assistant) turns in a row.
 */
export function converseMessages(messages: readonly Message[]): BedrockMessage[] {
  const out: { role: 'user' | 'assistant'; content: ContentBlock[] }[] = [];
  for (const m of messages) {
    const turn = blocksOf(m);
    const last = out[out.length - 1];
    if (last && last.role === turn.role) last.content.push(...turn.content);
    else out.push(turn);
  }
  return out;
}

function hasToolHistory(messages: readonly Message[]): boolean {
  return messages.some(
    (m) => m.role === 'tool' || (m.role === 'assistant' && (m.toolCalls?.length ?? 0) > 0),
  );
}

/** `toolConfig` and `outputConfig` for a request (tools, tool choice, response format). */
export function converseToolFields(
  target: Target,
  req: NormalizedGenerateRequest,
): Pick<ConverseCommandInput, 'toolConfig' | 'outputConfig'> {
  const via = structuredVia(target, req);
  const tools: Tool[] = (req.tools ?? []).map((t) => ({
    toolSpec: {
      name: t.name,
      ...(t.description !== undefined && { description: t.description }),
      inputSchema: { json: t.parameters as never },
    },
  }));
  let toolChoice: BedrockToolChoice | undefined;
  const choice = req.toolChoice;
  if (choice === 'required') toolChoice = { any: {} };
  else if (typeof choice === 'object') toolChoice = { tool: { name: choice.name } };
  else if (choice === 'auto') toolChoice = { auto: {} };
  if (via === 'tool') {
    if (tools.length > 0) {
      throw new GenAiError(
        `bedrock: ${target.model} has no native structured output, and a JSON answer through a forced tool cannot be ` +
          "combined with the caller's tools; use a model with structured outputs (Claude 4.5 and later) or drop one of the two",
        { kind: 'invalid-request', provider: 'bedrock', code: 'validation' },
      );
    }
    const f = req.responseFormat!;
    const schema = f.type === 'json-schema' ? f.schema : { type: 'object' };
    tools.push({
      toolSpec: {
        name: JSON_TOOL,
        description:
          (f.type === 'json-schema' && f.description) ||
          'Give the answer as the input of this tool, as JSON that follows its schema.',
        inputSchema: { json: schema as never },
      },
    });
    toolChoice = { tool: { name: JSON_TOOL } };
  }
  // Converse has no "none": without a tool history the tools are left out; with one, Converse requires them
  // declared, so they stay with `auto` (documented in the README).
  const omitTools = choice === 'none' && !hasToolHistory(req.messages);
  const out: Pick<ConverseCommandInput, 'toolConfig' | 'outputConfig'> = {};
  if (tools.length > 0 && !omitTools)
    out.toolConfig = { tools, ...(toolChoice && choice !== 'none' && { toolChoice }) };
  if (via === 'native') {
    const f = req.responseFormat as Extract<
      NonNullable<NormalizedGenerateRequest['responseFormat']>,
      { type: 'json-schema' }
    >;
    out.outputConfig = {
      textFormat: {
        type: 'json_schema',
        structure: {
          jsonSchema: {
            schema: JSON.stringify(f.schema),
            ...(f.name !== undefined && { name: f.name }),
            ...(f.description !== undefined && { description: f.description }),
          },
        },
      },
    };
  }
  return out;
}

export type { DocumentFormat };
