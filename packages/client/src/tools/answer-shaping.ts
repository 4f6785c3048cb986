/**
 * What the provider step does to every answer after the adapter, the same for all providers: at most one tool
 * call when the caller asked for no parallel calls (most providers have no such switch), and a JSON answer parsed
 * and checked against the requested format. In a stream, tool calls get their complete event before the finish.
 */

import type { ProviderGenerateResult, ProviderStreamEvent } from '../providers/provider-definition.js';
import type { NormalizedGenerateRequest, StreamEvent, ToolCall } from '../types.js';
import { parseStructured } from './structured-output.js';

type Finish = Extract<ProviderStreamEvent, { type: 'finish' }>;

function keptCalls(
  req: NormalizedGenerateRequest,
  calls: readonly ToolCall[] | undefined,
): readonly ToolCall[] | undefined {
  if (!calls || calls.length === 0) return undefined;
  return req.parallelToolCalls === false ? calls.slice(0, 1) : calls;
}

function needsShaping(req: NormalizedGenerateRequest): boolean {
  return (
    (req.responseFormat !== undefined && req.responseFormat.type !== 'text') ||
    req.parallelToolCalls === false
  );
}

/** A generate result with its tool calls kept and its JSON checked (throws `invalid-output`). */
export function shapeResult<R extends ProviderGenerateResult>(req: NormalizedGenerateRequest, result: R): R {
  if (!needsShaping(req) && !result.toolCalls) return result;
  const toolCalls = keptCalls(req, result.toolCalls);
  const format = req.responseFormat;
  const object =
    format && format.type !== 'text' && !toolCalls
      ? parseStructured(result.text, format, result.provider)
      : undefined;
  const { toolCalls: _all, ...rest } = result;
  return Object.assign(rest, toolCalls && { toolCalls }, object !== undefined && { object }) as R;
}

/**
 * The stream's events shaped the same way: tool-call deltas of dropped calls left out, the complete tool-call
 * events and the checked JSON object at the finish. `text` is the stream's text so far.
 */
export function* shapeFinish(
  req: NormalizedGenerateRequest,
  finish: Finish,
  text: string,
): Generator<StreamEvent | Finish> {
  const toolCalls = keptCalls(req, finish.toolCalls);
  for (const [index, toolCall] of (toolCalls ?? []).entries()) yield { type: 'tool-call', index, toolCall };
  const format = req.responseFormat;
  const object =
    format && format.type !== 'text' && !toolCalls
      ? parseStructured(text, format, finish.provider)
      : undefined;
  const { toolCalls: _all, ...rest } = finish;
  yield Object.assign(rest, toolCalls && { toolCalls }, object !== undefined && { object }) as Finish;
}

/** Whether a tool-call delta goes on (with `parallelToolCalls: false`, only the first call's). */
export function keepsDelta(req: NormalizedGenerateRequest, index: number): boolean {
  return req.parallelToolCalls !== false || index === 0;
}
