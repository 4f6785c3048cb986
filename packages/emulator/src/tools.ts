import { createHash } from 'node:crypto';
import { jsonTokens, seedOf } from './content.js';
import { type JsonValue, sampleSchema } from './json-schema-sample.js';

/**
 * Tool-call decisions, the same for every provider: which declared tools the model calls, with arguments drawn
 * from each tool's JSON Schema and seeded by the prompt (same request, same calls).
 */

export interface ToolSpec {
  readonly name: string;
  /** The parameters' JSON Schema (or Vertex OpenAPI schema). */
  readonly schema: unknown;
}

/** `auto` lets the prompt decide, `any` forces some call (optionally among `allowed`), `tool` forces one. */
export type ToolChoice =
  | { readonly mode: 'auto' }
  | { readonly mode: 'none' }
  | { readonly mode: 'any'; readonly allowed?: readonly string[] }
  | { readonly mode: 'tool'; readonly name: string };

export interface ToolUse {
  readonly tools: readonly ToolSpec[];
  readonly choice: ToolChoice;
  /** False when the caller asked for one call at most (OpenAI `parallel_tool_calls: false`). @default true */
  readonly parallel?: boolean;
}

export interface PlannedCall {
  readonly index: number;
  readonly name: string;
  readonly args: JsonValue;
  /** `args` as compact JSON, what OpenAI-shaped APIs send as `arguments` and Bedrock streams in fragments. */
  readonly json: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The declared tools whose name appears as a word in `text`, in the order they first appear. */
export function namedTools(text: string, tools: readonly ToolSpec[]): ToolSpec[] {
  const found: { at: number; tool: ToolSpec }[] = [];
  for (const tool of tools) {
    const at = text.search(new RegExp(`(?<![A-Za-z0-9_])${escapeRegExp(tool.name)}(?![A-Za-z0-9_])`));
    if (at >= 0) found.push({ at, tool });
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.tool);
}

/**
 * The calls the model makes, or undefined for a text answer. Forced choices always call (the named tools, else
 * the first allowed one); `auto` calls the tools the last user message names; two names or more give parallel
 * calls in the order named.
 */
export function planToolCalls(use: ToolUse, lastUserText: string, prompt: string): PlannedCall[] | undefined {
  const { choice } = use;
  if (use.tools.length === 0 || choice.mode === 'none') return undefined;
  let chosen: readonly ToolSpec[];
  if (choice.mode === 'tool') chosen = use.tools.filter((t) => t.name === choice.name).slice(0, 1);
  else {
    const candidates =
      choice.mode === 'any' && choice.allowed?.length
        ? use.tools.filter((t) => choice.allowed!.includes(t.name))
        : use.tools;
    const named = namedTools(lastUserText, candidates);
    chosen = named.length > 0 ? named : choice.mode === 'any' ? candidates.slice(0, 1) : [];
  }
  if (use.parallel === false) chosen = chosen.slice(0, 1);
  if (chosen.length === 0) return undefined;
  return chosen.map((tool, index) => {
    const args = sampleSchema(tool.schema, seedOf('tool-arguments', prompt, tool.name, String(index)));
    return { index, name: tool.name, args, json: JSON.stringify(args) };
  });
}

/** Output tokens of the calls: their names and JSON arguments. */
export function callTokens(calls: readonly PlannedCall[]): number {
  return calls.reduce((sum, c) => sum + jsonTokens(c.name + c.json), 0);
}

/** Input tokens of tool declarations (real services bill them as prompt tokens). */
export function declarationTokens(declarations: unknown): number {
  return declarations === undefined ? 0 : jsonTokens(JSON.stringify(declarations));
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A deterministic call id: `prefix` and `length` base62 characters derived from the prompt and the call. */
export function callId(prefix: string, prompt: string, call: PlannedCall, length: number): string {
  const digest = createHash('sha256').update(`${prompt}\u0000${call.index}\u0000${call.name}`).digest();
  let id = prefix;
  for (let i = 0; i < length; i++) id += BASE62[digest[i % digest.length]! % 62];
  return id;
}

/** The text answer to tool results: each result's content verbatim, so a round trip can be asserted. */
export function toolResultText(results: readonly string[]): string {
  return results.map((r) => `The tool returned: ${r}.`).join(' ');
}

/** A tool result's content as text: strings as they are, anything else as JSON. */
export function resultContent(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
