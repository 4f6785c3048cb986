import type { RedisConnection } from '../redis-connection.js';
import type { Adjust, RateLimitStore, Reservation, Reserve } from './gcra.js';

/**
 * The GCRA of gcra.ts as ONE Lua script, so N processes share one quota: it reads both schedules, books
 * both or neither, and sets expiries, atomically, on Redis's clock (TIME) so the callers' clocks need not
 * agree. `op` 'reserve' books a slot; 'adjust' moves the schedules (refunds, usage corrections).
 * KEYS: requests TAT, tokens TAT. ARGV: op, reqInterval, reqTolerance, tokInterval, tokTolerance,
 * tokenCost (reserve) or tokenDelta (adjust), maxWaitMs (reserve) or requestDelta (adjust).
 * An interval of 0 means the dimension is not limited.
 */
export const GCRA_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local op = ARGV[1]
local ri, rtol = tonumber(ARGV[2]), tonumber(ARGV[3])
local ti, ttol = tonumber(ARGV[4]), tonumber(ARGV[5])
local amount, extra = tonumber(ARGV[6]), tonumber(ARGV[7])
local function tat(key)
  local v = redis.call('GET', key)
  if v then return tonumber(v) end
  return now
end
local function store(key, value, tol)
  local ttl = math.ceil(value - now + tol) + 1000
  if ttl < 1000 then ttl = 1000 end
  redis.call('SET', key, string.format('%.3f', value), 'PX', ttl)
end
if op == 'adjust' then
  if ri > 0 and extra ~= 0 then store(KEYS[1], tat(KEYS[1]) + extra * ri, rtol) end
  if ti > 0 and amount ~= 0 then store(KEYS[2], tat(KEYS[2]) + amount * ti, ttol) end
  return {1, 0}
end
local wait, rnew, tnew = 0, nil, nil
if ri > 0 then
  local base = math.max(tat(KEYS[1]), now)
  local w = base + math.min(ri, rtol) - now - rtol
  if w > wait then wait = w end
  rnew = base + ri
end
if ti > 0 and amount > 0 then
  local base = math.max(tat(KEYS[2]), now)
  local inc = amount * ti
  local w = base + math.min(inc, ttol) - now - ttol
  if w > wait then wait = w end
  tnew = base + inc
end
if wait > extra then return {0, math.ceil(wait)} end
if rnew then store(KEYS[1], rnew, rtol) end
if tnew then store(KEYS[2], tnew, ttol) end
return {1, math.ceil(wait)}
`;

type GcraCommand = (
  reqKey: string,
  tokKey: string,
  ...args: (string | number)[]
) => Promise<[number, number]>;

export interface RedisRateLimitStoreOptions {
  /** A connected ioredis client (5.x or 6.x); the store never closes it. */
  readonly redis: RedisConnection;
  /** Prefix of every key, so several clients or tests can share one Redis. @default 'genai:rl:' */
  readonly keyPrefix?: string;
}

/**
 * Shared quota through Redis. ioredis's `defineCommand` runs the script with EVALSHA and falls back to
 * EVAL on NOSCRIPT (after a failover or SCRIPT FLUSH), so the script text crosses the wire once per
 * connection at most.
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly #redis: RedisConnection & { genaiGcra?: GcraCommand };
  readonly #prefix: string;

  constructor(options: RedisRateLimitStoreOptions) {
    this.#redis = options.redis as RedisConnection & { genaiGcra?: GcraCommand };
    this.#prefix = options.keyPrefix ?? 'genai:rl:';
    if (typeof this.#redis.genaiGcra !== 'function') {
      this.#redis.defineCommand('genaiGcra', { numberOfKeys: 2, lua: GCRA_LUA });
    }
  }

  /** Runs the script on `key`'s two schedules with both dimensions' limits (0 for a dimension without one). */
  #gcra(
    key: string,
    mode: 'reserve' | 'adjust',
    spec: Pick<Reserve, 'requests' | 'tokens'>,
    a: number,
    b: number,
  ): Promise<[number, number]> {
    // The hash tag keeps both keys in one Redis Cluster slot, as a multi-key script needs.
    return this.#redis.genaiGcra!(
      `${this.#prefix}{${key}}:r`,
      `${this.#prefix}{${key}}:t`,
      mode,
      spec.requests?.intervalMs ?? 0,
      spec.requests?.toleranceMs ?? 0,
      spec.tokens?.intervalMs ?? 0,
      spec.tokens?.toleranceMs ?? 0,
      a,
      b,
    );
  }

  async reserve(key: string, spec: Reserve): Promise<Reservation> {
    const [ok, wait] = await this.#gcra(key, 'reserve', spec, spec.tokenCost, spec.maxWaitMs);
    return ok === 1 ? { admitted: true, waitMs: wait } : { admitted: false, retryAfterMs: wait };
  }

  async adjust(key: string, spec: Adjust): Promise<void> {
    await this.#gcra(key, 'adjust', spec, spec.tokenDelta, spec.requestDelta);
  }
}
