import { linkSignals, timeoutReason } from '../abort.js';
import { abortError, GenAiError, optionError } from '../errors.js';
import type { CallContext, Layer } from '../layer.js';
import { deriveContext } from '../layer.js';
import type { StreamEvent } from '../types.js';

/**
 * Per-attempt timeout: an attempt that has not answered within `ms` is aborted (its socket with it) and
 * fails with a retryable `timeout` error, so the retry layer may try again within the overall deadline.
 * Streams: the limit applies to the first event and then to each gap between events (a long generation
 * that keeps streaming is never cut).
 */
export function createAttemptTimeoutLayer(ms: number): Layer {
  if (!Number.isFinite(ms) || ms <= 0) {
    throw optionError(`attemptTimeoutMs must be a number of ms > 0, received ${ms}`);
  }

  function start(ctx: CallContext) {
    const linked = linkSignals(ctx.attemptSignal);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      linked.signal.addEventListener(
        'abort',
        () =>
          reject(new GenAiError(`attempt timed out after ${ms} ms`, timeoutOptions(ctx, ms, linked.signal))),
        { once: true },
      );
    });
    // Never an unhandled rejection: callers race it only while an attempt is pending.
    expired.catch(() => undefined);
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => linked.abort(timeoutReason(`attempt timed out after ${ms} ms`)), ms);
    };
    arm();
    return {
      ctx: deriveContext(ctx, { attemptSignal: linked.signal }),
      expired,
      arm,
      pause: () => clearTimeout(timer),
      done: () => {
        clearTimeout(timer);
        linked.dispose();
      },
    };
  }

  async function run<T>(ctx: CallContext, call: (ctx: CallContext) => Promise<T>): Promise<T> {
    const attempt = start(ctx);
    try {
      // Racing as well as aborting: an SDK that is slow to honour its signal still cannot hold the call.
      return await Promise.race([call(attempt.ctx), attempt.expired]);
    } catch (e) {
      if (ctx.signal.aborted) throw abortError(ctx.signal, ctx.target?.provider, e);
      throw e;
    } finally {
      attempt.done();
    }
  }

  return {
    name: 'attempt-timeout',
    generate: (req, ctx, next) => run(ctx, (c) => next(req, c)),
    embed: (req, ctx, next) => run(ctx, (c) => next(req, c)),
    async *stream(req, ctx, next) {
      const attempt = start(ctx);
      const iterator = next(req, attempt.ctx)[Symbol.asyncIterator]();
      let finished = false;
      try {
        for (;;) {
          const step: IteratorResult<StreamEvent> = await Promise.race([iterator.next(), attempt.expired]);
          if (step.done) {
            finished = true;
            return;
          }
          // The caller's time with a chunk is not the provider's: the clock runs only while we wait on it.
          attempt.pause();
          yield step.value;
          attempt.arm();
        }
      } catch (e) {
        if (ctx.signal.aborted) throw abortError(ctx.signal, ctx.target?.provider, e);
        throw e;
      } finally {
        attempt.done();
        // Not awaited: a provider that has not yet honoured the abort must not hold the caller.
        if (!finished) void iterator.return?.()?.catch(() => undefined);
      }
    },
  };
}

function timeoutOptions(ctx: CallContext, ms: number, signal: AbortSignal) {
  return {
    kind: 'timeout' as const,
    retryable: true,
    code: 'AttemptTimeout',
    ...(ctx.target ? { provider: ctx.target.provider, target: ctx.target } : {}),
    cause: signal.reason ?? new Error(`no answer within ${ms} ms`),
  };
}
