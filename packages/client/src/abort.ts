/**
 * AbortSignal plumbing. We link signals by hand instead of `AbortSignal.any` so that every listener we add
 * to a long-lived signal (the client's close signal) is removed when the call ends: no listener build-up
 * over millions of calls.
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
    const onAbort = () => {
      controller.abort(parent.reason);
      dispose();
    };
    parent.addEventListener('abort', onAbort, { once: true });
    detach.push(() => parent.removeEventListener('abort', onAbort));
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
