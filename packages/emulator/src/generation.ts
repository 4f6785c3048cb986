import { type Completion, complete } from './content.js';
import { type EmulatorContext, streamFault } from './context.js';
import type { Exchange } from './exchange.js';
import { pause } from './latency.js';
import type { FaultRule } from './types.js';

/** A text generation as every provider's chat/generate handler and its latency model see it. */

/** What a validated chat or generate request comes down to: the prompt and the answer-changing parameters. */
export interface GenerationInput {
  readonly prompt: string;
  readonly inputTokens: number;
  readonly maxTokens: number | undefined;
  readonly temperature: number | undefined;
  readonly topP: number | undefined;
  readonly stop: readonly string[];
}

/** The deterministic answer to a request (only temperature and topP change it besides the prompt). */
export function answerTo(input: GenerationInput): Completion {
  return complete(
    input.prompt,
    { temperature: input.temperature, topP: input.topP },
    input.maxTokens,
    input.stop,
  );
}

/**
 * Waits out a whole non-streamed generation (time to first token, then one decode step per output token),
 * counted as in flight meanwhile.
 */
export async function awaitGeneration(
  ex: Exchange,
  ctx: EmulatorContext,
  inputTokens: number,
  outputTokens: number,
): Promise<void> {
  const done = ctx.latency.beginGeneration();
  try {
    await pause(ctx.latency.firstTokenMs(inputTokens) + ctx.latency.tokenMs() * outputTokens, ex);
  } finally {
    done();
  }
}

/**
 * Writes one event per delta, a decode step apart, and fires a matched stream fault after its chunk count (or at
 * the end of a shorter answer). Returns 'cut' when the caller must cut the response (`return ex.cut()` from
 * inside its try, so the generation stops counting as in flight while the cut flushes), 'ended' when the
 * provider's error event was written and the response ended, undefined when every delta went out (or the
 * client went away).
 */
export async function streamDeltas<T = string>(
  ex: Exchange,
  ctx: EmulatorContext,
  pieces: readonly T[],
  fault: FaultRule | undefined,
  writeDelta: (piece: T, index: number) => Promise<void>,
  errorEvent: (rule: FaultRule) => string | Uint8Array,
): Promise<'cut' | 'ended' | undefined> {
  for (let i = 0; i <= pieces.length; i++) {
    const action = streamFault(fault, i, i === pieces.length);
    if (action === 'cut') return 'cut';
    if (action === 'error') {
      await ex.write(errorEvent(fault!));
      ex.end();
      return 'ended';
    }
    if (i === pieces.length || ex.gone) break;
    if (i > 0) await pause(ctx.latency.tokenMs(), ex);
    await writeDelta(pieces[i]!, i);
  }
  return undefined;
}
