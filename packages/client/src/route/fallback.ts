import { abortError, GenAiError, isGenAiError, optionError } from '../errors.js';
import type { CallContext, Layer } from '../layer.js';
import { movesToNextTarget } from '../resilience/classify.js';
import type { StreamEvent, Target } from '../types.js';
import type {} from './route-events.js';
import type { RouteOptions } from './routes.js';
import { type NextTarget, raceTargets } from './target-race.js';

export interface HedgingOptions {
  /**
   * Hedge every multi-target call after this many ms (a route's `hedgeAfterMs` still wins for that route).
   * @default - only routes with `hedgeAfterMs` hedge
   */
  readonly afterMs?: number;
}

export interface FallbackOptions {
  /** Named routes (the client's `routes`): their `hedgeAfterMs` turns hedging on per route. @default {} */
  readonly routes?: Readonly<Record<string, RouteOptions>>;
  /**
   * Hedging: `false` turns it off even for routes with `hedgeAfterMs`. Hedging is off unless a route (or
   * this option) sets a delay: a hedge doubles the load of every slow call.
   * @default - per route (`hedgeAfterMs`)
   */
  readonly hedging?: false | HedgingOptions;
  /**
   * Context window (input tokens) per target id or model address. On a context-length error the chain
   * skips to the next target with a larger (or unknown) window; without an entry a window is unknown.
   * @default {}
   */
  readonly contextWindows?: Readonly<Record<string, number>>;
}

/**
 * The route step: tries the call's targets in order. Throttled, unavailable, timed-out and open-circuit
 * targets hand over to the next; a context-length error may move to a larger-context target; other errors
 * end the call. With hedging, the next target also starts when the current one has not answered after the
 * hedge delay; the first success wins and the others are aborted. Streams fall back only until their first
 * event; a failure after it reaches the caller as a typed `mid-stream` error.
 */
export function createFallbackLayer(options: FallbackOptions = {}): Layer {
  const routes = options.routes ?? {};
  const windows = options.contextWindows ?? {};
  const hedging = options.hedging;
  if (hedging && hedging.afterMs !== undefined && !(hedging.afterMs > 0)) {
    throw optionError(`hedging.afterMs must be a number of ms > 0, received ${hedging.afterMs}`);
  }

  function hedgeDelay(route: string | undefined, targets: readonly Target[]): number | undefined {
    if (hedging === false || targets.length < 2) return undefined;
    const fromRoute =
      route !== undefined && Object.hasOwn(routes, route) ? routes[route]?.hedgeAfterMs : undefined;
    return fromRoute ?? hedging?.afterMs;
  }

  function windowOf(target: Target): number | undefined {
    return windows[target.id] ?? windows[`${target.provider}/${target.model}`];
  }

  /** Index of the target to try after `index` failed with `e`, or undefined to stop. */
  const nextIndex: NextTarget = (e, index, targets) => {
    if (index + 1 >= targets.length) return undefined;
    if (movesToNextTarget(e)) return index + 1;
    if (isGenAiError(e) && e.kind === 'context-length') {
      const failed = windowOf(targets[index]!);
      for (let j = index + 1; j < targets.length; j++) {
        const w = windowOf(targets[j]!);
        if (failed === undefined || w === undefined || w > failed) return j;
      }
    }
    return undefined;
  };

  return {
    name: 'fallback',
    async generate(req, ctx, next) {
      const { value, release } = await raceTargets(
        req.targets,
        ctx,
        hedgeDelay(req.route, req.targets),
        nextIndex,
        (child) => next(req, child),
      );
      release();
      return value;
    },
    async embed(req, ctx, next) {
      const { value, release } = await raceTargets(
        req.targets,
        ctx,
        hedgeDelay(req.route, req.targets),
        nextIndex,
        (child) => next(req, child),
      );
      release();
      return value;
    },
    async *stream(req, ctx, next) {
      const opened = await raceTargets(
        req.targets,
        ctx,
        hedgeDelay(req.route, req.targets),
        nextIndex,
        async (child) => {
          const iterator = next(req, child)[Symbol.asyncIterator]();
          // The stream counts as answered at its first event: until then, falling back loses nothing.
          const first = await iterator.next();
          return { iterator, first };
        },
        (lost) => void lost.iterator.return?.()?.catch(() => undefined),
      );
      const { iterator, first } = opened.value;
      let delivered = 0;
      let finished = false;
      try {
        let step: IteratorResult<StreamEvent> = first;
        for (;;) {
          if (step.done) {
            finished = true;
            return;
          }
          if (step.value.type === 'delta') delivered += step.value.text.length;
          yield step.value;
          try {
            step = await iterator.next();
          } catch (e) {
            finished = true;
            throw midStream(e, delivered, opened.target, ctx);
          }
        }
      } finally {
        opened.release();
        if (!finished) void iterator.return?.()?.catch(() => undefined);
      }
    },
  };
}

/** Types a failure after output reached the caller; aborts stay aborts, mid-stream errors stay as they are. */
function midStream(e: unknown, delivered: number, target: Target, ctx: CallContext): GenAiError {
  if (ctx.signal.aborted) return abortError(ctx.signal, target.provider, e);
  if (isGenAiError(e) && (e.kind === 'mid-stream' || e.kind === 'aborted')) {
    // The provider step types a cut after its first delta; only this layer knows what reached the caller.
    if (e.kind === 'mid-stream' && e.deliveredChars === undefined)
      Object.assign(e, { deliveredChars: delivered });
    return e;
  }
  const inner = isGenAiError(e) ? e : undefined;
  const error = new GenAiError(
    `the stream from ${target.id} failed after ${delivered} characters reached the caller ` +
      `(${inner ? `${inner.kind}: ` : ''}${e instanceof Error ? e.message : String(e)}); ` +
      'it is not retried or moved to another target because output was already delivered',
    {
      kind: 'mid-stream',
      retryable: false,
      provider: target.provider,
      target,
      ...(inner?.status !== undefined ? { status: inner.status } : {}),
      ...(inner?.code !== undefined ? { code: inner.code } : {}),
      deliveredChars: delivered,
      cause: e,
    },
  );
  return error;
}
