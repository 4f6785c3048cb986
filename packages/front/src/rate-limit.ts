import type { Redis } from 'ioredis';

export interface RateLimits {
  readonly requestsPerMinute: number;
  readonly tokensPerMinute: number;
}

export type RateDecision =
  | { readonly ok: true }
  | { readonly ok: false; readonly limit: 'requests' | 'tokens'; readonly retryAfterMs: number };

/**
 * Per-key limits on requests and tokens per minute, as a sliding-window counter: the previous minute's
 * count weighted by how much of it still overlaps the window, plus the current minute's. Tokens are
 * charged with an estimate up front and corrected with the reported usage afterwards.
 */
export interface RateLimiter {
  /**
   * Counts `requests` requests (1, or 0 to charge more tokens to a request already counted) with `tokens`
   * estimated tokens, unless that would exceed a limit: `limits` when given (a key's own), else the limiter's.
   */
  take(key: string, tokens: number, requests?: 0 | 1, limits?: RateLimits): Promise<RateDecision>;
  /** Corrects the token count of `key` by `delta` (actual minus estimate). */
  adjust(key: string, delta: number): Promise<void>;
}

const WINDOW_MS = 60_000;

interface Counts {
  readonly rc: number;
  readonly rp: number;
  readonly tc: number;
  readonly tp: number;
}

/** Decides on the counts; exported for the Redis script's twin in memory and for tests. */
export function decide(
  counts: Counts,
  limits: RateLimits,
  tokens: number,
  now: number,
  requests: 0 | 1 = 1,
): RateDecision {
  const elapsed = now % WINDOW_MS;
  const weight = 1 - elapsed / WINDOW_MS;
  const made = counts.rp * weight + counts.rc;
  const used = counts.tp * weight + counts.tc;
  if (requests > 0 && made + requests > limits.requestsPerMinute) {
    return {
      ok: false,
      limit: 'requests',
      retryAfterMs: waitMs(counts.rc, counts.rp, limits.requestsPerMinute, 1, elapsed),
    };
  }
  // A request bigger than the whole budget still passes when nothing else was used, or it could never run.
  if (used > 0 && used + tokens > limits.tokensPerMinute) {
    return {
      ok: false,
      limit: 'tokens',
      retryAfterMs: waitMs(
        counts.tc,
        counts.tp,
        limits.tokensPerMinute,
        Math.min(tokens, limits.tokensPerMinute),
        elapsed,
      ),
    };
  }
  return { ok: true };
}

/** Smallest wait after which `need` more fits under `limit`, given the current and previous window counts. */
export function waitMs(cur: number, prev: number, limit: number, need: number, elapsed: number): number {
  let t: number;
  const room = limit - need - cur;
  if (room >= 0) {
    t = prev > 0 ? WINDOW_MS * (1 - room / prev) - elapsed : 0;
  } else {
    const next = cur > 0 ? WINDOW_MS * (1 - (limit - need) / cur) : 0;
    t = WINDOW_MS - elapsed + Math.max(0, next);
  }
  return Math.max(1000, Math.ceil(t));
}

/** Counters in this process only: right for one instance and for tests. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly state = new Map<
    string,
    { window: number; rc: number; rp: number; tc: number; tp: number }
  >();

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number = Date.now,
  ) {}

  private counts(key: string, now: number) {
    const window = Math.floor(now / WINDOW_MS);
    let s = this.state.get(key);
    if (!s) {
      s = { window, rc: 0, rp: 0, tc: 0, tp: 0 };
      this.state.set(key, s);
    } else if (s.window !== window) {
      const adjacent = s.window === window - 1;
      s.rp = adjacent ? s.rc : 0;
      s.tp = adjacent ? s.tc : 0;
      s.rc = 0;
      s.tc = 0;
      s.window = window;
    }
    return s;
  }

  async take(key: string, tokens: number, requests: 0 | 1 = 1, limits = this.limits): Promise<RateDecision> {
    const now = this.now();
    const s = this.counts(key, now);
    const decision = decide(s, limits, tokens, now, requests);
    if (decision.ok) {
      s.rc += requests;
      s.tc += tokens;
    }
    if (this.state.size > 10_000) this.prune(now);
    return decision;
  }

  async adjust(key: string, delta: number): Promise<void> {
    const s = this.counts(key, this.now());
    s.tc = Math.max(0, s.tc + delta);
  }

  private prune(now: number): void {
    const window = Math.floor(now / WINDOW_MS);
    for (const [k, s] of this.state) if (s.window < window - 1) this.state.delete(k);
  }
}

// KEYS: requests current, requests previous, tokens current, tokens previous (one hash slot: see keyNames).
// ARGV: requests limit, tokens limit, weight of the previous window, token estimate, key TTL in ms,
// requests to count (1, or 0 when charging more tokens to a request already counted).
const TAKE_SCRIPT = `
local rc = tonumber(redis.call('GET', KEYS[1]) or '0')
local rp = tonumber(redis.call('GET', KEYS[2]) or '0')
local tc = tonumber(redis.call('GET', KEYS[3]) or '0')
local tp = tonumber(redis.call('GET', KEYS[4]) or '0')
local w = tonumber(ARGV[3])
local est = tonumber(ARGV[4])
local n = tonumber(ARGV[6])
local used = tp * w + tc
if (n > 0 and rp * w + rc + n > tonumber(ARGV[1])) or (used > 0 and used + est > tonumber(ARGV[2])) then
  return {0, rc, rp, tc, tp}
end
if n > 0 then
  redis.call('INCRBY', KEYS[1], n)
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
end
redis.call('INCRBY', KEYS[3], est)
redis.call('PEXPIRE', KEYS[3], ARGV[5])
return {1, rc, rp, tc, tp}
`;

const ADJUST_SCRIPT = `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if v < 0 then redis.call('SET', KEYS[1], 0) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return v
`;

/**
 * Counters shared by every instance through Redis, one atomic script per request. Keys of one caller share
 * a hash tag, so the script also runs on Redis Cluster (ElastiCache Serverless, Memorystore cluster).
 * Redis failures fail open (the request passes) and are reported through `onError`.
 */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly limits: RateLimits,
    private readonly prefix: string,
    private readonly onError: (e: unknown) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  private keyNames(key: string, window: number): [string, string, string, string] {
    const base = `${this.prefix}rl:{${key}}`;
    return [
      `${base}:r:${window}`,
      `${base}:r:${window - 1}`,
      `${base}:t:${window}`,
      `${base}:t:${window - 1}`,
    ];
  }

  async take(key: string, tokens: number, requests: 0 | 1 = 1, limits = this.limits): Promise<RateDecision> {
    const now = this.now();
    const window = Math.floor(now / WINDOW_MS);
    const weight = 1 - (now % WINDOW_MS) / WINDOW_MS;
    try {
      const out = (await this.redis.eval(
        TAKE_SCRIPT,
        4,
        ...this.keyNames(key, window),
        limits.requestsPerMinute,
        limits.tokensPerMinute,
        weight,
        Math.max(0, Math.round(tokens)),
        WINDOW_MS * 2,
        requests,
      )) as number[];
      if (out[0] === 1) return { ok: true };
      const [, rc = 0, rp = 0, tc = 0, tp = 0] = out;
      const decision = decide({ rc, rp, tc, tp }, limits, tokens, now, requests);
      // The script and `decide` agree, except at a float edge: then it was still refused.
      return decision.ok ? { ok: false, limit: 'requests', retryAfterMs: 1000 } : decision;
    } catch (e) {
      this.onError(e);
      return { ok: true };
    }
  }

  async adjust(key: string, delta: number): Promise<void> {
    if (delta === 0) return;
    const window = Math.floor(this.now() / WINDOW_MS);
    try {
      await this.redis.eval(
        ADJUST_SCRIPT,
        1,
        this.keyNames(key, window)[2],
        Math.round(delta),
        WINDOW_MS * 2,
      );
    } catch (e) {
      this.onError(e);
    }
  }
}
