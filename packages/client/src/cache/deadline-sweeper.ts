/**
 * Deadlines for many short operations with one timer. A `setTimeout` per Redis command costs about as much as
 * the rest of the cache's overhead over a raw GET; instead, pending deadlines sit in a set that one interval
 * sweeps every `tickMs` (so a deadline fires up to one tick late). The interval is unref'd and stops after a
 * second without pending deadlines.
 */
export class DeadlineSweeper {
  readonly #pending = new Set<Deadline>();
  readonly #tickMs: number;
  #timer: NodeJS.Timeout | undefined;
  #idleTicks = 0;

  constructor(tickMs: number) {
    this.#tickMs = Math.max(1, Math.round(tickMs));
  }

  /** Calls `fire` at `Date.now() + ms` (up to one tick later) unless cancelled first. */
  add(ms: number, fire: () => void): Deadline {
    const deadline: Deadline = { at: Date.now() + ms, fire };
    this.#pending.add(deadline);
    if (!this.#timer) {
      this.#idleTicks = 0;
      this.#timer = setInterval(this.#sweep, this.#tickMs);
      this.#timer.unref();
    }
    return deadline;
  }

  cancel(deadline: Deadline): void {
    this.#pending.delete(deadline);
  }

  /** Stops the timer; pending deadlines never fire. */
  close(): void {
    this.#pending.clear();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  readonly #sweep = (): void => {
    if (this.#pending.size === 0) {
      if (++this.#idleTicks * this.#tickMs >= 1000) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
      return;
    }
    this.#idleTicks = 0;
    const now = Date.now();
    for (const d of this.#pending) {
      if (d.at <= now) {
        this.#pending.delete(d);
        d.fire();
      }
    }
  };
}

export interface Deadline {
  readonly at: number;
  readonly fire: () => void;
}
