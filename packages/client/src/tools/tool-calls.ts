import { createHash } from 'node:crypto';
import type { FinishReason, Message, StreamToolCallDelta, ToolCall } from '../types.js';

/** A tool call from the model's argument text: parsed when it is JSON (a model can write broken JSON). */
export function toolCall(id: string, name: string, argumentsText: string): ToolCall {
  let args: unknown;
  try {
    args = argumentsText.trim() === '' ? {} : JSON.parse(argumentsText);
  } catch {
    args = undefined;
  }
  return { id, name, argumentsText, arguments: args };
}

/**
 * A deterministic id for a call the provider gave none (Gemini's v1 `functionCall` has no id): the same answer
 * gets the same ids, so a cached or replayed answer and the conversation built on it stay consistent.
 */
export function deterministicToolCallId(name: string, argumentsText: string, index: number): string {
  const h = createHash('sha256').update(`${index}\u0000${name}\u0000${argumentsText}`).digest('hex');
  return `call_${h.slice(0, 24)}`;
}

/** The tool name of the call a `tool` message answers, from the assistant messages before it. */
export function toolNameOf(messages: readonly Message[], toolCallId: string): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'assistant' || !m.toolCalls) continue;
    const found = m.toolCalls.find((c) => c.id === toolCallId);
    if (found) return found.name;
  }
  return undefined;
}

/**
 * Collects a stream's tool calls as the provider sends them (a start with id and name, then argument
 * fragments; or a whole call at once) and gives the stream events: one `tool-call-delta` per piece, then one
 * complete `tool-call` per call, in index order, before the finish event.
 */
export class ToolCallCollector {
  private readonly calls: { id: string; name: string; text: string }[] = [];

  get size(): number {
    return this.calls.length;
  }

  /** A call starts (its id and name are known). */
  start(index: number, id: string, name: string, argumentsDelta = ''): StreamToolCallDelta {
    this.calls[index] = { id, name, text: argumentsDelta };
    return { type: 'tool-call-delta', index, id, name, argumentsDelta };
  }

  /** More argument text of a started call. */
  append(index: number, argumentsDelta: string): StreamToolCallDelta | undefined {
    const call = this.calls[index];
    if (!call) return undefined;
    call.text += argumentsDelta;
    return { type: 'tool-call-delta', index, argumentsDelta };
  }

  /** The complete calls, in index order. */
  toolCalls(): ToolCall[] {
    return this.calls.filter(Boolean).map((c) => toolCall(c.id, c.name, c.text));
  }

  /**
   * A stream's finish event with the complete calls (when there were any). `finishReason` becomes `tool-calls`
   * when `toolCallsFinish` is set (Gemini ends a turn of calls with STOP).
   */
  finish<F extends { readonly finishReason: FinishReason }>(
    event: F,
    toolCallsFinish = false,
  ): F & { readonly type: 'finish'; readonly toolCalls?: readonly ToolCall[] } {
    if (this.size === 0) return { type: 'finish', ...event };
    return {
      type: 'finish',
      ...event,
      ...(toolCallsFinish && { finishReason: 'tool-calls' as const }),
      toolCalls: this.toolCalls(),
    };
  }
}
