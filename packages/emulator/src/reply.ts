import { type Completion, complete, jsonCompletion, seedOf, textCompletion } from './content.js';
import type { GenerationInput } from './generation.js';
import { type JsonValue, sampleSchema } from './json-schema-sample.js';
import { callTokens, type PlannedCall, planToolCalls, type ToolUse, toolResultText } from './tools.js';

/** What a chat request with tools, a response format or images is answered with, for every provider. */

/** A JSON answer conforming to a schema, any JSON object, or one value of an enum as plain text (Vertex). */
export type OutputFormat =
  | { readonly kind: 'json-schema'; readonly schema: unknown }
  | { readonly kind: 'json-object' }
  | { readonly kind: 'enum'; readonly values: readonly JsonValue[] };

export interface ChatRequest extends GenerationInput {
  /** Text of the last message when the user wrote it: tools it names are called. */
  readonly lastUserText: string;
  /** Contents of the tool results that make up the last turn, in order. */
  readonly toolResults: readonly string[];
  /** Tags (`image sha256:…`) of the images in the last user message. */
  readonly images: readonly string[];
  readonly tools?: ToolUse;
  readonly output?: OutputFormat;
}

export type Reply =
  | { readonly kind: 'text'; readonly answer: Completion }
  | { readonly kind: 'tools'; readonly calls: readonly PlannedCall[]; readonly outputTokens: number };

function jsonAnswer(req: ChatRequest, output: OutputFormat): Completion {
  if (output.kind === 'json-object')
    return jsonCompletion(
      JSON.stringify({ answer: complete(req.prompt, sampling(req)).text }),
      req.maxTokens,
    );
  const seed = seedOf('structured-output', req.prompt, JSON.stringify(output));
  if (output.kind === 'enum') {
    const value = output.values[seed % output.values.length];
    return textCompletion(typeof value === 'string' ? value : JSON.stringify(value), req.maxTokens);
  }
  return jsonCompletion(JSON.stringify(sampleSchema(output.schema, seed)), req.maxTokens);
}

function sampling(req: GenerationInput) {
  return { temperature: req.temperature, topP: req.topP };
}

/**
 * Tool calls when the tool choice or the last user message asks for them; else JSON when a response format asks
 * for it; else the tool results echoed when the last turn carries them; else the generated answer, preceded by
 * the tag of each image the last user message sent.
 */
export function replyTo(req: ChatRequest): Reply {
  const calls = req.tools && planToolCalls(req.tools, req.lastUserText, req.prompt);
  if (calls) return { kind: 'tools', calls, outputTokens: callTokens(calls) };
  if (req.output) return { kind: 'text', answer: jsonAnswer(req, req.output) };
  if (req.toolResults.length > 0)
    return { kind: 'text', answer: textCompletion(toolResultText(req.toolResults), req.maxTokens) };
  if (req.images.length === 0)
    return { kind: 'text', answer: complete(req.prompt, sampling(req), req.maxTokens, req.stop) };
  const base = complete(req.prompt, sampling(req), undefined, req.stop);
  const answer = textCompletion(`${req.images.map((t) => `[${t}]`).join(' ')} ${base.text}`, req.maxTokens);
  if (answer.finish === 'length') return { kind: 'text', answer };
  const { finish, stopSequence } = base;
  return {
    kind: 'text',
    answer: stopSequence === undefined ? { ...answer, finish } : { ...answer, finish, stopSequence },
  };
}

/** Output tokens of a reply. */
export function replyTokens(reply: Reply): number {
  return reply.kind === 'tools' ? reply.outputTokens : reply.answer.words.length;
}
