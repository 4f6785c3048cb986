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

/**
 * The signal of one client call: it aborts on the caller's signal, at the call's deadline, or through
 * `abort()` (close(), a stream consumer that stops). Nothing is created until a step reads `signal`: a call
 * answered from the cache never needs it, and an AbortController, a listener on the caller's signal and a
 * deadline timer cost more than the rest of such a call. Read late, the signal is already aborted when the
 * caller's signal aborted, the deadline passed or `abort()` ran before; afterwards it aborts as they happen.
 */
export class CallSignal implements LinkedSignal {
  readonly #parent: AbortSignal | undefined;
  readonly #deadline: number;
  readonly #deadlineMs: number;
  #controller: AbortController | undefined;
  #reason: unknown;
  #aborted = false;
  #timer: NodeJS.Timeout | undefined;
  #detach: (() => void) | undefined;
  #disposed = false;

  /** `deadline` is epoch ms; `deadlineMs` the budget it came from (for the TimeoutError message). */
  constructor(parent: AbortSignal | undefined, deadline: number, deadlineMs: number) {
    this.#parent = parent;
    this.#deadline = deadline;
    this.#deadlineMs = deadlineMs;
  }

  get signal(): AbortSignal {
    return (this.#controller ?? this.#materialize()).signal;
  }

  /** Whether the call is aborted, without creating its signal. */
  get aborted(): boolean {
    if (this.#controller) return this.#controller.signal.aborted;
    if (this.#aborted) return true;
    return !this.#disposed && (this.#parent?.aborted === true || Date.now() >= this.#deadline);
  }

  abort(reason?: unknown): void {
    if (this.#controller) {
      if (!this.#controller.signal.aborted) {
        this.#controller.abort(reason ?? abortReason('the operation was aborted'));
      }
    } else if (!this.#aborted) {
      this.#aborted = true;
      this.#reason = reason ?? abortReason('the operation was aborted');
    }
    this.dispose();
  }

  dispose(): void {
    this.#disposed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#detach?.();
    this.#detach = undefined;
  }

  #materialize(): AbortController {
    const controller = new AbortController();
    this.#controller = controller;
    const parent = this.#parent;
    if (this.#aborted) controller.abort(this.#reason);
    else if (this.#disposed) {
      // Read after the call ended (a layer keeping the context): nothing aborts it any more.
    } else if (parent?.aborted) controller.abort(parent.reason);
    else if (Date.now() >= this.#deadline) controller.abort(this.#timeoutReason());
    else {
      if (parent) {
        this.#detach = subscribe(parent, () => {
          controller.abort(parent.reason);
          this.dispose();
        });
      }
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.abort(this.#timeoutReason());
      }, this.#deadline - Date.now());
      this.#timer.unref?.();
    }
    return controller;
  }

  #timeoutReason(): DOMException {
    return timeoutReason(`the call's deadline of ${this.#deadlineMs} ms expired`);
  }
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
