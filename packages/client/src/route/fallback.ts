import { linkSignals } from '../abort.js';
import { abortError, GenAiError, isGenAiError, optionError } from '../errors.js';
import type { CallContext, Layer } from '../layer.js';
import { deriveContext } from '../layer.js';
import { movesToNextTarget } from '../resilience/classify.js';
import type { StreamEvent, Target } from '../types.js';
import type {} from './route-events.js';
import type { RouteOptions } from './routes.js';

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
  function nextIndex(e: unknown, index: number, targets: readonly Target[]): number | undefined {
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
  }

  /**
   * Runs `call` over the targets: one at a time, or hedged. Resolves with the winner's value and a function
   * that releases the winner's signal link (a stream keeps it until it ends).
   */
  function run<T>(
    targets: readonly Target[],
    ctx: CallContext,
    hedgeAfterMs: number | undefined,
    call: (child: CallContext) => Promise<T>,
    discard?: (value: T) => void,
  ): Promise<{ value: T; target: Target; release: () => void }> {
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
    return new Promise((resolve, reject) => {
      type Branch = { index: number; link: ReturnType<typeof linkSignals>; done: boolean };
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

  return {
    name: 'fallback',
    async generate(req, ctx, next) {
      const { value, release } = await run(req.targets, ctx, hedgeDelay(req.route, req.targets), (child) =>
        next(req, child),
      );
      release();
      return value;
    },
    async embed(req, ctx, next) {
      const { value, release } = await run(req.targets, ctx, hedgeDelay(req.route, req.targets), (child) =>
        next(req, child),
      );
      release();
      return value;
    },
    async *stream(req, ctx, next) {
      const opened = await run(
        req.targets,
        ctx,
        hedgeDelay(req.route, req.targets),
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

const noop = () => {};

/** Abort reason of a hedge branch that lost the race. */
class HedgeLostError extends Error {
  override readonly name = 'AbortError';
  constructor() {
    super('another target answered first (hedged request)');
  }
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
