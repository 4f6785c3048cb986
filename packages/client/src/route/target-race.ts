/**
 * The fallback chain's scheduler: one target at a time, the next when one fails in a way another target may
 * fix (`nextIndex`), and with hedging the next also when the current one has not answered in time.
 */
import { type LinkedSignal, linkSignals } from '../abort.js';
import { abortError, GenAiError, isGenAiError } from '../errors.js';
import { type CallContext, deriveContext } from '../layer.js';
import { movesToNextTarget } from '../resilience/classify.js';
import type { Target } from '../types.js';
import type {} from './route-events.js';

/** Index of the target to try after `targets[index]` failed with `e`, or undefined to stop. */
export type NextTarget = (e: unknown, index: number, targets: readonly Target[]) => number | undefined;

/** The winning branch: its value, its target, and the release of its signal link. */
export interface Won<T> {
  readonly value: T;
  readonly target: Target;
  release(): void;
}

const noop = () => {};

/**
 * Runs `call` over the targets: one at a time, or hedged. Resolves with the winner's value and a function
 * that releases the winner's signal link (a stream keeps it until it ends); `discard` gets the value of a
 * branch that answered after another had won.
 */
export function raceTargets<T>(
  targets: readonly Target[],
  ctx: CallContext,
  hedgeAfterMs: number | undefined,
  nextIndex: NextTarget,
  call: (child: CallContext) => Promise<T>,
  discard?: (value: T) => void,
): Promise<Won<T>> {
  if (targets.length === 0) {
    return Promise.reject(
      new GenAiError('no target to send the call to: the request resolved to an empty target list', {
        kind: 'invalid-request',
      }),
    );
  }
  if (targets.length === 1) {
    // Fast path: one target cannot fall back or hedge, so no branch signal, no child context and no
    // scheduler; an abort still surfaces as this layer's typed aborted/timeout error.
    if (ctx.signal.aborted) return Promise.reject(abortError(ctx.signal));
    const target = targets[0]!;
    ctx.target = target;
    return call(ctx).then(
      (value) => ({ value, target, release: noop }),
      (e: unknown) => {
        throw ctx.signal.aborted ? abortError(ctx.signal, target.provider) : e;
      },
    );
  }
  return chain(targets, ctx, hedgeAfterMs, nextIndex, call, discard);
}

/** Several targets: a branch per target tried, each with its own signal link; a hedge timer; fallbacks. */
function chain<T>(
  targets: readonly Target[],
  ctx: CallContext,
  hedgeAfterMs: number | undefined,
  nextIndex: NextTarget,
  call: (child: CallContext) => Promise<T>,
  discard: ((value: T) => void) | undefined,
): Promise<Won<T>> {
  return new Promise((resolve, reject) => {
    type Branch = { index: number; link: LinkedSignal; done: boolean };
    const branches: Branch[] = [];
    let next = 0;
    let settled = false;
    let lastError: unknown;
    let timer: NodeJS.Timeout | undefined;

    const finish = (outcome: () => void) => {
      settled = true;
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      outcome();
    };
    const onAbort = () => {
      for (const b of branches) b.link.abort(ctx.signal.reason);
      finish(() => reject(abortError(ctx.signal, ctx.target?.provider)));
    };
    if (ctx.signal.aborted) return reject(abortError(ctx.signal));
    ctx.signal.addEventListener('abort', onAbort, { once: true });

    const armHedge = () => {
      clearTimeout(timer);
      if (hedgeAfterMs === undefined || next >= targets.length) return;
      timer = setTimeout(() => {
        if (settled || next >= targets.length) return;
        const primary = targets[next - 1]!;
        ctx.emit?.({ type: 'hedge', primary, hedge: targets[next]!, afterMs: hedgeAfterMs });
        launch(next);
      }, hedgeAfterMs);
    };

    const launch = (index: number) => {
      next = index + 1;
      const target = targets[index]!;
      const link = linkSignals(ctx.signal);
      const branch: Branch = { index, link, done: false };
      branches.push(branch);
      ctx.target = target;
      armHedge();
      const child = deriveContext(ctx, { signal: link.signal, target });
      call(child).then(
        (value) => {
          branch.done = true;
          if (settled) {
            discard?.(value);
            link.dispose();
            return;
          }
          for (const b of branches) if (b !== branch && !b.done) b.link.abort(new HedgeLostError());
          for (const b of branches) if (b !== branch) b.link.dispose();
          ctx.target = target;
          finish(() => resolve({ value, target, release: () => link.dispose() }));
        },
        (e: unknown) => {
          branch.done = true;
          link.dispose();
          if (settled) return;
          lastError = e;
          const following = nextIndex(e, index, targets);
          const stillRunning = branches.some((b) => !b.done);
          if (following !== undefined && following >= next) {
            if (isGenAiError(e))
              ctx.emit?.({ type: 'fallback', from: target, to: targets[following]!, error: e });
            launch(following);
            return;
          }
          // A hedge twin is still running: let it answer (it may be the one that succeeds).
          if (stillRunning && (following !== undefined || movesToNextTarget(e))) return;
          for (const b of branches) if (!b.done) b.link.abort(new HedgeLostError());
          finish(() => reject(lastError));
        },
      );
    };
    launch(0);
  });
}

/** Abort reason of a hedge branch that lost the race. */
class HedgeLostError extends Error {
  override readonly name = 'AbortError';
  constructor() {
    super('another target answered first (hedged request)');
  }
}
