import type { Redis } from 'ioredis';
import { waitMs } from './rate-limit.js';

const WINDOW_MS = 60_000;

/**
 * Failed authentications per client address, as a sliding-window counter (the previous minute weighted by its
 * overlap). An address over its budget is refused before its key is even checked, so guessing stops paying.
 */
export interface AuthThrottle {
  /** How long `address` must wait before it may present a key again; 0 when it may now. */
  blockedFor(address: string): Promise<number>;
  /** Counts one failed authentication from `address`; resolves with its failures in the current minute. */
  fail(address: string): Promise<number>;
}

/** Wait until one more failure (current and previous minute weighted) would fit under `limit`; 0 when it does. */
function blockedMs(cur: number, prev: number, limit: number, now: number): number {
  const elapsed = now % WINDOW_MS;
  const seen = prev * (1 - elapsed / WINDOW_MS) + cur;
  return seen + 1 <= limit ? 0 : waitMs(cur, prev, limit, 1, elapsed);
}

/** Counters in this process: right for one instance and for tests. */
export class MemoryAuthThrottle implements AuthThrottle {
  private readonly state = new Map<string, { window: number; cur: number; prev: number }>();

  constructor(
    private readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  private counts(address: string, now: number) {
    const window = Math.floor(now / WINDOW_MS);
    let s = this.state.get(address);
    if (!s) {
      s = { window, cur: 0, prev: 0 };
      this.state.set(address, s);
    } else if (s.window !== window) {
      s.prev = s.window === window - 1 ? s.cur : 0;
      s.cur = 0;
      s.window = window;
    }
    return s;
  }

  async blockedFor(address: string): Promise<number> {
    const now = this.now();
    const s = this.state.get(address);
    if (!s) return 0;
    const { cur, prev } = this.counts(address, now);
    return blockedMs(cur, prev, this.limit, now);
  }

  async fail(address: string): Promise<number> {
    const now = this.now();
    const s = this.counts(address, now);
    s.cur += 1;
    // Many addresses (a spread-out attack) must not grow the map without bound.
    if (this.state.size > 10_000) {
      const window = Math.floor(now / WINDOW_MS);
      for (const [k, v] of this.state) if (v.window < window - 1) this.state.delete(k);
    }
    return s.cur;
  }
}

// KEYS: failures of the current minute. ARGV: key TTL in ms.
const FAIL_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`;

/**
 * Counters shared by every instance through Redis (keys hash-tagged per address for Redis Cluster).
 * Redis failures fail open (the address is not blocked) and are reported through `onError`.
 */
export class RedisAuthThrottle implements AuthThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly limit: number,
    private readonly prefix: string,
    private readonly onError: (e: unknown) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  private key(address: string, window: number): string {
    return `${this.prefix}af:{${address}}:${window}`;
  }

  async blockedFor(address: string): Promise<number> {
    const now = this.now();
    const window = Math.floor(now / WINDOW_MS);
    try {
      const [cur, prev] = await this.redis.mget(this.key(address, window), this.key(address, window - 1));
      return blockedMs(Number(cur ?? 0), Number(prev ?? 0), this.limit, now);
    } catch (e) {
      this.onError(e);
      return 0;
    }
  }

  async fail(address: string): Promise<number> {
    const window = Math.floor(this.now() / WINDOW_MS);
    try {
      return Number(await this.redis.eval(FAIL_SCRIPT, 1, this.key(address, window), WINDOW_MS * 2));
    } catch (e) {
      this.onError(e);
      return 0;
    }
  }
}

/**
 * One log line per address per minute and kind of failure instead of one per attempt: `take` says whether
 * this one is written and how many were left out since the last. Bounded like the counters.
 */
export class LogSampler {
  private readonly last = new Map<string, { window: number; skipped: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  take(key: string): { readonly log: boolean; readonly skipped: number } {
    const window = Math.floor(this.now() / WINDOW_MS);
    const seen = this.last.get(key);
    if (seen && seen.window === window) {
      seen.skipped += 1;
      return { log: false, skipped: seen.skipped };
    }
    if (this.last.size > 10_000) this.last.clear();
    this.last.set(key, { window, skipped: 0 });
    return { log: true, skipped: seen?.skipped ?? 0 };
  }
}
