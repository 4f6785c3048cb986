/**
 * AbortSignal plumbing. We link signals by hand instead of `AbortSignal.any` so that every listener we add
 * to a long-lived signal (a caller's signal shared by many calls) is removed when the call ends, and a parent
 * shared by many links gets one listener: no listener build-up over millions of calls.
 */

export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Aborts the linked signal (e.g. when a stream consumer breaks out of its loop). */
  abort(reason?: unknown): void;
  /** Detaches from the parents; call when the operation is over. */
  dispose(): void;
}

/** A signal that aborts when any parent aborts, with the first parent's reason. */
export function linkSignals(...parents: readonly (AbortSignal | undefined)[]): LinkedSignal {
  const controller = new AbortController();
  const detach: (() => void)[] = [];
  const dispose = () => {
    for (const d of detach.splice(0)) d();
  };
  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    detach.push(
      subscribe(parent, () => {
        controller.abort(parent.reason);
        dispose();
      }),
    );
  }
  if (controller.signal.aborted) dispose();
  return {
    signal: controller.signal,
    abort: (reason?: unknown) => {
      if (!controller.signal.aborted) controller.abort(reason ?? abortReason('the operation was aborted'));
      dispose();
    },
    dispose,
  };
}

interface Fanout {
  readonly listeners: Set<() => void>;
  readonly onAbort: () => void;
}

/** One abort listener per parent signal, shared by every link to it. */
const fanouts = new WeakMap<AbortSignal, Fanout>();

/**
 * Calls `listener` when `parent` aborts; returns the unsubscribe function. However many calls share one parent
 * (a job's signal passed to 1,000 concurrent calls), the parent gets a single listener: no
 * MaxListenersExceededWarning, and the listener goes away with the last call.
 */
function subscribe(parent: AbortSignal, listener: () => void): () => void {
  let fanout = fanouts.get(parent);
  if (!fanout) {
    const listeners = new Set<() => void>();
    const onAbort = () => {
      fanouts.delete(parent);
      for (const l of [...listeners]) l();
    };
    fanout = { listeners, onAbort };
    fanouts.set(parent, fanout);
    parent.addEventListener('abort', onAbort, { once: true });
  }
  const own = fanout;
  own.listeners.add(listener);
  return () => {
    if (!own.listeners.delete(listener) || own.listeners.size > 0 || fanouts.get(parent) !== own) return;
    fanouts.delete(parent);
    parent.removeEventListener('abort', own.onAbort);
  };
}

/** An `AbortError` DOMException, the reason Node uses for `AbortController.abort()`. */
export function abortReason(message: string): DOMException {
  return new DOMException(message, 'AbortError');
}

/** A `TimeoutError` DOMException, the reason of a deadline abort (as `AbortSignal.timeout` uses). */
export function timeoutReason(message: string): DOMException {
  return new DOMException(message, 'TimeoutError');
}

/** True when the signal was aborted by a deadline rather than by a caller. */
export function isTimeoutReason(reason: unknown): boolean {
  return reason instanceof Error && reason.name === 'TimeoutError';
}
