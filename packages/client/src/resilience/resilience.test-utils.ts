import { GenAiError, type GenAiErrorOptions } from '../errors.js';
import type { ClientEvent } from '../events.js';
import type { CallContext, ClientEventInput } from '../layer.js';
import { toTarget } from '../route/routes.js';
import type { GenerateResult, NormalizedGenerateRequest, Operation, StreamEvent, Target } from '../types.js';

export const A: Target = toTarget('bedrock', 'model-a');
export const B: Target = toTarget('vertex', 'model-b');
export const C: Target = toTarget('azure', 'model-c');

export type Recorded = ClientEventInput & { readonly timestamp: number };

/** A call context like the client's, recording emitted events. */
export function context(
  options: { operation?: Operation; signal?: AbortSignal; deadlineMs?: number; target?: Target } = {},
): { ctx: CallContext; events: Recorded[] } {
  const events: Recorded[] = [];
  const now = Date.now();
  const ctx: CallContext = {
    operation: options.operation ?? 'generate',
    signal: options.signal ?? new AbortController().signal,
    deadline: now + (options.deadlineMs ?? 60_000),
    startedAt: now,
    attempts: 0,
    requestId: 'test',
    emit: (event) => events.push({ ...event, timestamp: Date.now() }),
    ...(options.target ? { target: options.target } : {}),
  };
  return { ctx, events };
}

export function request(targets: readonly Target[] = [A], route?: string): NormalizedGenerateRequest {
  return {
    model: route ?? targets[0]!.id,
    messages: [{ role: 'user', content: 'hello there' }],
    maxTokens: 16,
    targets,
    ...(route ? { route } : {}),
  };
}

export function result(target: Target, text = 'ok'): GenerateResult {
  return {
    text,
    finishReason: 'stop',
    usage: { inputTokens: 3, outputTokens: 2 },
    provider: target.provider,
    model: target.model,
    cached: false,
    attempts: 1,
    latencyMs: 1,
  };
}

export function error(kind: GenAiErrorOptions['kind'], extra: Partial<GenAiErrorOptions> = {}): GenAiError {
  return new GenAiError(`simulated ${kind}`, { kind, ...extra });
}

/** A stream of `chunks` deltas and a finish, failing with `failWith` after `failAfter` deltas when given. */
export async function* fakeStream(
  target: Target,
  chunks: readonly string[],
  fail?: { after: number; error: unknown },
): AsyncGenerator<StreamEvent> {
  for (let i = 0; i < chunks.length; i++) {
    if (fail && i === fail.after) throw fail.error;
    yield { type: 'delta', text: chunks[i]! };
  }
  if (fail && fail.after >= chunks.length) throw fail.error;
  const { text: _text, ...rest } = result(target);
  yield { ...rest, type: 'finish' };
}

export async function collect(
  stream: AsyncIterable<StreamEvent>,
): Promise<{ text: string; events: StreamEvent[]; error?: unknown }> {
  const events: StreamEvent[] = [];
  let text = '';
  try {
    for await (const e of stream) {
      events.push(e);
      if (e.type === 'delta') text += e.text;
    }
  } catch (error) {
    return { text, events, error };
  }
  return { text, events };
}

export function ofType<K extends ClientEvent['type']>(events: readonly Recorded[], type: K) {
  return events.filter((e) => e.type === type) as (Extract<ClientEventInput, { type: K }> & {
    timestamp: number;
  })[];
}
