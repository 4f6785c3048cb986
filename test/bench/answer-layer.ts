import type { GenerateResult, Layer } from '@genai-deploy/client';

/**
 * A target layer for benchmarks of the client's own steps: every attempt is answered after one turn of the event
 * loop (as a network answer would come, so timers run) with `usage`, by the target the call reached.
 */
export function answerAfterOneTurn(usage: { inputTokens: number; outputTokens: number }): Layer {
  return {
    name: 'answer',
    generate: async (_req, ctx) => {
      await new Promise((r) => setImmediate(r));
      return {
        text: 'ok',
        finishReason: 'stop',
        usage,
        provider: ctx.target!.provider,
        model: ctx.target!.model,
        attempts: 1,
        cached: false,
      } as unknown as GenerateResult;
    },
  };
}
