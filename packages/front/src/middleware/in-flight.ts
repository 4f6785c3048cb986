import { HttpError } from '../errors.js';

/** The bounds of `InFlightWork`: per API key and per instance, in work units. */
export interface InFlightBounds {
  readonly perKey: number;
  readonly perInstance: number;
}

/**
 * Work being answered, per API key and for the instance, in units: a chat or job request weighs 1, an
 * embeddings request 1 per input (its vectors are held and encoded while it runs). Admission takes a
 * request's weight before calling upstream and gives it back when the response is over, so one key cannot
 * fill the process's memory and CPU (429 beyond the key's bound) and the instance sheds work it cannot hold
 * (503, which load balancers and clients retry elsewhere) instead of slowing every request, /health included.
 * A request heavier than a whole bound still runs alone, or it could never run.
 */
export class InFlightWork {
  private total = 0;
  private readonly byKey = new Map<string, number>();

  constructor(private readonly bounds: InFlightBounds) {}

  /** Units in flight now, for the instance or one key. */
  units(key?: string): number {
    return key === undefined ? this.total : (this.byKey.get(key) ?? 0);
  }

  /** Takes `weight` units for `key`, or throws the 429/503 to answer; the returned function gives them back once. */
  acquire(key: string, weight: number): () => void {
    const mine = this.byKey.get(key) ?? 0;
    if (mine > 0 && mine + weight > this.bounds.perKey) {
      throw busy(
        429,
        `this API key already has ${mine} units of work in flight (a chat request is 1, an embeddings request 1 per input) and the bound is ${this.bounds.perKey}; retry after the Retry-After delay or send smaller embedding batches`,
        'too_many_concurrent_requests',
      );
    }
    if (this.total > 0 && this.total + weight > this.bounds.perInstance) {
      throw busy(
        503,
        'this instance is at its bound of work in flight; retry after the Retry-After delay',
        'server_busy',
      );
    }
    this.total += weight;
    this.byKey.set(key, mine + weight);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= weight;
      const left = (this.byKey.get(key) ?? weight) - weight;
      if (left <= 0) this.byKey.delete(key);
      else this.byKey.set(key, left);
    };
  }
}

function busy(status: 429 | 503, message: string, code: string): HttpError {
  return new HttpError(status, message, {
    code,
    type: status === 429 ? 'rate_limit_error' : 'server_error',
    headers: { 'retry-after': '1' },
  });
}
