/**
 * The Redis ledger's scripts. Each runs atomically, so N instances share one budget: RESERVE checks and books
 * every counter or none; CLOSE settles or releases a reservation and records the spend counters in the same
 * step. Both first give back reservations whose holder never closed them (SWEEP: a sorted set by expiry).
 * Amounts are integer µ$ passed as strings (Lua numbers are doubles: exact up to 2^53).
 * Time is the caller's (ARGV), so that a test can move it; instances' clocks only matter at period edges.
 */

/** Gives back up to 100 expired reservations: their amount off each counter they booked. */
const SWEEP = `
local P = ARGV[1]
local now = tonumber(ARGV[2])
local zset = P .. 'reservations'
local expired = redis.call('ZRANGEBYSCORE', zset, '-inf', now, 'LIMIT', 0, 100)
for _, rid in ipairs(expired) do
  local h = P .. 'res:' .. rid
  local held = redis.call('HMGET', h, 'state', 'amount', 'keys')
  if held[1] == 'open' then
    for k in string.gmatch(held[3], '[^\\n]+') do
      if redis.call('EXISTS', k) == 1 then redis.call('DECRBY', k, held[2]) end
    end
    redis.call('HSET', h, 'state', 'expired')
  end
  redis.call('ZREM', zset, rid)
end
`;

/**
 * ARGV: prefix, now, id, amount, reservationTtlMs, n, then n × (key, limit or -1, ttlMs).
 * Returns {0, i, used} when check i refuses, else {1, used_1, ..., used_n} (after booking).
 */
export const RESERVE_LUA = `${SWEEP}
local amount = tonumber(ARGV[4])
local n = tonumber(ARGV[6])
for i = 1, n do
  local b = 6 + (i - 1) * 3
  local used = tonumber(redis.call('GET', ARGV[b + 1]) or '0')
  local limit = tonumber(ARGV[b + 2])
  if limit >= 0 and used + amount > limit then return {0, i, used} end
end
local out, keys = {1}, {}
for i = 1, n do
  local b = 6 + (i - 1) * 3
  out[i + 1] = redis.call('INCRBY', ARGV[b + 1], ARGV[4])
  redis.call('PEXPIRE', ARGV[b + 1], ARGV[b + 3])
  keys[i] = ARGV[b + 1]
end
local ttl = tonumber(ARGV[5])
local h = P .. 'res:' .. ARGV[3]
redis.call('HSET', h, 'state', 'open', 'amount', ARGV[4], 'keys', table.concat(keys, '\\n'))
redis.call('PEXPIRE', h, ttl + 86400000)
redis.call('ZADD', zset, now + ttl, ARGV[3])
redis.call('PEXPIRE', zset, ttl + 86400000)
return out
`;

/**
 * ARGV: prefix, now, id, op ('settle' | 'release' | 'record'), actual µ$, closedMarkerMs, n, then n × (key, ttlMs),
 * then for a settle or record: spend hash, keys set, team set or '', key id, model, input tokens, output tokens,
 * spendTtlMs. A record counts a call that held no reservation: no reservation hash is read or left behind.
 * Returns 1, or 0 when the reservation was already settled or released.
 */
export const CLOSE_LUA = `${SWEEP}
local h = P .. 'res:' .. ARGV[3]
local op = ARGV[4]
local held = {false, false}
if op ~= 'record' then held = redis.call('HMGET', h, 'state', 'amount') end
if held[1] == 'settled' or held[1] == 'released' then return 0 end
local actual = 0
if op ~= 'release' then actual = tonumber(ARGV[5]) end
local delta = actual
if held[1] == 'open' then delta = actual - tonumber(held[2]) end
local n = tonumber(ARGV[7])
if delta ~= 0 then
  local d = string.format('%.0f', delta)
  for i = 1, n do
    local b = 7 + (i - 1) * 2
    local key = ARGV[b + 1]
    if delta > 0 or redis.call('EXISTS', key) == 1 then
      redis.call('INCRBY', key, d)
      redis.call('PEXPIRE', key, ARGV[b + 2])
    end
  end
end
if op ~= 'record' then
  redis.call('HSET', h, 'state', op == 'settle' and 'settled' or 'released', 'amount', '0')
  redis.call('PEXPIRE', h, ARGV[6])
  redis.call('ZREM', zset, ARGV[3])
end
if op ~= 'release' then
  local s = 7 + n * 2
  local hash, model, ttl = ARGV[s + 1], ARGV[s + 5], ARGV[s + 8]
  redis.call('HINCRBY', hash, model .. ' requests', 1)
  redis.call('HINCRBY', hash, model .. ' input_tokens', ARGV[s + 6])
  redis.call('HINCRBY', hash, model .. ' output_tokens', ARGV[s + 7])
  redis.call('HINCRBY', hash, model .. ' micro_usd', ARGV[5])
  redis.call('PEXPIRE', hash, ttl)
  redis.call('SADD', ARGV[s + 2], ARGV[s + 4])
  redis.call('PEXPIRE', ARGV[s + 2], ttl)
  if ARGV[s + 3] ~= '' then
    redis.call('SADD', ARGV[s + 3], ARGV[s + 4])
    redis.call('PEXPIRE', ARGV[s + 3], ttl)
  end
end
return 1
`;

/**
 * ARGV: prefix, mode ('key' | 'team' | 'all'), id, then the days. Returns, per day and key id with counters,
 * {day, keyId, field, value, field, value, ...}.
 */
export const SPEND_LUA = `
local P, mode, id = ARGV[1], ARGV[2], ARGV[3]
local out = {}
for i = 4, #ARGV do
  local day = ARGV[i]
  local ids
  if mode == 'key' then ids = {id}
  elseif mode == 'team' then ids = redis.call('SMEMBERS', P .. 'spend:' .. day .. ':team:' .. id)
  else ids = redis.call('SMEMBERS', P .. 'spend:' .. day .. ':keys') end
  for _, keyId in ipairs(ids) do
    local fields = redis.call('HGETALL', P .. 'spend:' .. day .. ':key:' .. keyId)
    if #fields > 0 then
      local row = {day, keyId}
      for _, f in ipairs(fields) do row[#row + 1] = f end
      out[#out + 1] = row
    end
  end
end
return out
`;
