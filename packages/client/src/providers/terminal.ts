import { linkSignals } from '../abort.js';
import { abortError, GenAiError, toGenAiError } from '../errors.js';
import type { CallContext, EmbedNext, GenerateNext, StreamNext } from '../layer.js';
import { chosenTarget } from '../route/routes.js';
import { keepsDelta, shapeFinish, shapeResult } from '../tools/answer-shaping.js';
import type { ProviderName, StreamEvent, Target } from '../types.js';
import type { ProviderAdapter } from './provider-definition.js';

function startAttempt(ctx: CallContext, target: Target): void {
  ctx.attempts++;
  ctx.emit?.({ type: 'attempt', target, attempt: ctx.attempts });
}

/** One generate or embed attempt through the target's adapter, stamped with the call's attempts and latency. */
async function unaryAttempt<R>(
  ctx: CallContext,
  targets: readonly Target[],
  adapterFor: (provider: ProviderName) => ProviderAdapter,
  call: (adapter: ProviderAdapter, target: Target, signal: AbortSignal) => Promise<R>,
): Promise<R & { cached: false; attempts: number; latencyMs: number }> {
  const target = chosenTarget(ctx, targets);
  const adapter = adapterFor(target.provider);
  startAttempt(ctx, target);
  // A signal of its own only when a layer set a per-attempt one (AbortSignals are costly to create).
  const linked = ctx.attemptSignal ? linkSignals(ctx.signal, ctx.attemptSignal) : undefined;
  const signal = linked?.signal ?? ctx.signal;
  try {
    if (signal.aborted) throw abortError(signal, target.provider);
    const result = await call(adapter, target, signal);
    // Object.assign, not `{ ...result, cached, ... }`: in Node 20 a spread copy grown by new keys costs ~1 µs
    // per key.
    return Object.assign({}, result, {
      cached: false as const,
      attempts: ctx.attempts,
      latencyMs: Date.now() - ctx.startedAt,
    });
  } catch (e) {
    throw toGenAiError(e, target, signal);
  } finally {
    linked?.dispose();
  }
}

/**
 * The provider step, the pipeline's terminal: one upstream request through the target's provider adapter,
 * per call. A stream that fails after its first delta fails as `mid-stream` (a retry would repeat text).
 */
export function providerTerminal(adapterFor: (provider: ProviderName) => ProviderAdapter): {
  generate: GenerateNext;
  stream: StreamNext;
  embed: EmbedNext;
} {
  return {
    generate: (req, ctx) =>
      unaryAttempt(ctx, req.targets, adapterFor, async (adapter, target, signal) =>
        shapeResult(req, await adapter.generate(target, req, signal)),
      ),

    async *stream(req, ctx): AsyncGenerator<StreamEvent> {
      const target = chosenTarget(ctx, req.targets);
      const adapter = adapterFor(target.provider);
      startAttempt(ctx, target);
      const linked = linkSignals(ctx.signal, ctx.attemptSignal);
      let deltas = 0;
      let finished = false;
      let text = '';
      try {
        if (linked.signal.aborted) throw abortError(linked.signal, target.provider);
        for await (const event of adapter.stream(target, req, linked.signal)) {
          if (event.type === 'delta') {
            if (event.text.length === 0) continue;
            deltas++;
            text += event.text;
            yield event;
          } else if (event.type === 'tool-call-delta') {
            if (!keepsDelta(req, event.index)) continue;
            deltas++;
            yield event;
          } else if (event.type === 'finish') {
            for (const shaped of shapeFinish(req, event, text)) {
              if (shaped.type !== 'finish') {
                yield shaped as StreamEvent;
                continue;
              }
              finished = true;
              yield Object.assign({}, shaped, {
                cached: false as const,
                attempts: ctx.attempts,
                latencyMs: Date.now() - ctx.startedAt,
              });
            }
            return;
          }
        }
        throw new GenAiError(`${target.provider} stream ended without a finish event`, {
          kind: 'unavailable',
          provider: target.provider,
          code: 'truncated-stream',
        });
      } catch (e) {
        const err = toGenAiError(e, target, linked.signal);
        // An answer that breaks its format is its own typed error, whether or not deltas went out.
        if (err.kind === 'invalid-output') throw err;
        // After the first delta the caller has seen text: a retry or fallback would repeat it, so the error is
        // final (`mid-stream`), unless the caller or the overall deadline stopped the call.
        if (deltas > 0 && err.kind !== 'aborted' && !ctx.signal.aborted) {
          throw new GenAiError(`${target.provider} stream failed after ${deltas} deltas: ${err.message}`, {
            kind: 'mid-stream',
            provider: target.provider,
            ...(err.status !== undefined ? { status: err.status } : {}),
            code: err.kind,
            target,
            cause: err,
          });
        }
        throw err;
      } finally {
        // A consumer that breaks out of its loop lands here with the upstream still open: abort it.
        if (!finished) linked.abort();
        linked.dispose();
      }
    },

    embed: (req, ctx) =>
      unaryAttempt(ctx, req.targets, adapterFor, async (adapter, target, signal) => {
        const result = await adapter.embed(target, req, signal);
        if (result.embeddings.length !== req.input.length) {
          throw new GenAiError(
            `${target.id} returned ${result.embeddings.length} embeddings for ${req.input.length} inputs`,
            { kind: 'model-error', provider: target.provider, retryable: false },
          );
        }
        return result;
      }),
  };
}
