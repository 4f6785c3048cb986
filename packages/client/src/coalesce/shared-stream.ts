/**
 * One upstream stream read by several consumers: each consumer gets every event from the start (late
 * joiners replay what was already received, then follow live). The upstream is cancelled only when every
 * consumer has left (aborted or stopped iterating) before it finished.
 */
export class SharedStream<E> {
  readonly #events: E[] = [];
  #done = false;
  #failed = false;
  #error: unknown;
  #consumers = 0;
  #started = false;
  #wake: (() => void)[] = [];
  readonly #controller = new AbortController();
  readonly #source: (signal: AbortSignal) => AsyncIterable<E>;
  readonly #onSettled: () => void;

  /**
   * @param source opens the upstream stream with a signal that aborts when every consumer has left.
   * @param onSettled called once when the upstream finished, failed or was abandoned.
   */
  constructor(source: (signal: AbortSignal) => AsyncIterable<E>, onSettled: () => void) {
    this.#source = source;
    this.#onSettled = onSettled;
  }

  /** True once the upstream finished, failed or was abandoned: late callers must not join. */
  get closed(): boolean {
    return this.#done || this.#controller.signal.aborted;
  }

  /** Iterates every event from the first; `signal` ends this consumer only. */
  async *consume(signal: AbortSignal): AsyncGenerator<E, void, undefined> {
    signal.throwIfAborted();
    this.#consumers++;
    if (!this.#started) {
      this.#started = true;
      void this.#pump();
    }
    let finished = false;
    try {
      let i = 0;
      for (;;) {
        while (i < this.#events.length) {
          signal.throwIfAborted();
          yield this.#events[i++]!;
        }
        if (this.#done) {
          if (this.#failed) throw this.#error;
          finished = true;
          return;
        }
        await this.#next(signal);
      }
    } finally {
      this.#consumers--;
      if (!finished && this.#consumers === 0 && !this.#done) this.#abandon(signal.reason);
    }
  }

  #next(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#wake.push(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const w of wake) w();
  }

  #abandon(reason: unknown): void {
    this.#controller.abort(reason);
    this.#settle();
  }

  #settled = false;
  #settle(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#onSettled();
  }

  async #pump(): Promise<void> {
    try {
      for await (const event of this.#source(this.#controller.signal)) {
        if (this.#controller.signal.aborted) break;
        this.#events.push(event);
        this.#notify();
      }
    } catch (e) {
      this.#failed = true;
      this.#error = e;
    } finally {
      this.#done = true;
      this.#settle();
      this.#notify();
    }
  }
}
