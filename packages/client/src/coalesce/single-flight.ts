/**
 * In-process request coalescing: concurrent callers with the same key share one execution. The shared
 * execution gets its own AbortSignal that aborts only when every caller has left, so one impatient caller
 * never cancels the answer the others are waiting for.
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, Flight<T>>();

  /** Keys with an execution in flight. */
  get size(): number {
    return this.#flights.size;
  }

  /**
   * Joins the in-flight execution for `key`, or starts `fn` when there is none. `leader` is true for the
   * caller that started it. The caller's promise rejects with its own signal's reason when it aborts.
   */
  run(
    key: string,
    signal: AbortSignal,
    fn: (signal: AbortSignal) => Promise<T>,
  ): { promise: Promise<T>; leader: boolean } {
    signal.throwIfAborted();
    let flight = this.#flights.get(key);
    const leader = flight === undefined;
    if (!flight) {
      const controller = new AbortController();
      const created: Flight<T> = { controller, callers: 0, promise: Promise.resolve() as Promise<T> };
      created.promise = (async () => {
        try {
          return await fn(controller.signal);
        } finally {
          if (this.#flights.get(key) === created) this.#flights.delete(key);
        }
      })();
      created.promise.catch(() => {}); // observed by each caller below
      this.#flights.set(key, created);
      flight = created;
    }
    return { promise: this.#attach(key, flight, signal), leader };
  }

  #attach(key: string, flight: Flight<T>, signal: AbortSignal): Promise<T> {
    flight.callers++;
    return new Promise<T>((resolve, reject) => {
      let left = false;
      const leave = () => {
        if (left) return;
        left = true;
        signal.removeEventListener('abort', onAbort);
        flight.callers--;
      };
      const onAbort = () => {
        leave();
        reject(signal.reason);
        if (flight.callers === 0) {
          // Nobody waits any more: cancel upstream and let the next caller start afresh.
          if (this.#flights.get(key) === flight) this.#flights.delete(key);
          flight.controller.abort(signal.reason);
        }
      };
      signal.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (v) => {
          leave();
          resolve(v);
        },
        (e) => {
          leave();
          reject(e);
        },
      );
    });
  }
}

interface Flight<T> {
  readonly controller: AbortController;
  callers: number;
  promise: Promise<T>;
}
