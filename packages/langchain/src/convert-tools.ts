/** LangChain tools and tool choices as the client's ToolDefinition and ToolChoice. */

import type { ToolChoice, ToolDefinition } from '@genai-deploy/client';
import type { BindToolsInput } from '@langchain/core/language_models/chat_models';
import { convertToOpenAITool } from '@langchain/core/utils/function_calling';

/** Any tool LangChain binds (a StructuredTool, `tool()`, an OpenAI-format tool, a zod-described function). */
export function convertTool(tool: BindToolsInput, strict?: boolean): ToolDefinition {
  const { function: fn } = convertToOpenAITool(tool as Parameters<typeof convertToOpenAITool>[0]);
  return {
    name: fn.name,
    ...(fn.description !== undefined && { description: fn.description }),
    parameters: (fn.parameters ?? { type: 'object', properties: {} }) as Record<string, unknown>,
    ...(strict !== undefined && { strict }),
  };
}

/**
 * LangChain's tool_choice: 'auto', 'none', 'any' or 'required' (at least one call), a tool's name, or an
 * OpenAI-style `{ type: 'function', function: { name } }`.
 */
export function convertToolChoice(choice: unknown): ToolChoice {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  if (choice === 'any') return 'required';
  if (typeof choice === 'string') return { type: 'tool', name: choice };
  const named = choice as { type?: string; name?: string; function?: { name?: string } } | null;
  const name = named?.function?.name ?? (named?.type === 'tool' ? named.name : undefined);
  if (typeof name === 'string') return { type: 'tool', name };
  throw new Error(
    `ChatGenAiDeploy: tool_choice ${JSON.stringify(choice)} is not one the client takes; use 'auto', 'none', 'any', a tool name or { type: 'function', function: { name } }.`,
  );
}
