import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createBudgetLedger } from './create-budget-ledger.js';
import type {
  BudgetLedger,
  BudgetLedgerOptions,
  BudgetScope,
  Reservation,
  ReserveResult,
} from './ledger-types.js';
import { CLOSED_MARKER_MS } from './periods.js';

const utcDayOf = (d: Date) => d.toISOString().slice(0, 10);

// Both ledgers follow one set of rules: every test runs on each, the Redis one on a real Redis with its own prefix.
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
const prefixes: string[] = [];

afterEach(async () => {
  for (const prefix of prefixes.splice(0)) {
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 500 }))
      keys.push(...(batch as string[]));
    if (keys.length > 0) await redis.del(...keys);
  }
});
afterAll(() => redis.disconnect());

const KINDS = {
  memory: (options: Omit<BudgetLedgerOptions, 'redis' | 'prefix'> = {}) => createBudgetLedger(options),
  redis: (options: Omit<BudgetLedgerOptions, 'redis' | 'prefix'> = {}) => {
    const prefix = `test:budget:{${randomUUID()}}:`;
    prefixes.push(prefix);
    return createBudgetLedger({ ...options, redis, prefix });
  },
};

const at = (iso: string) => new Date(iso);
const NOON = at('2026-12-04T12:00:00Z');
const key = (dailyMicroUsd?: number, monthlyMicroUsd?: number): BudgetScope => ({
  kind: 'key',
  id: 'k1',
  ...(dailyMicroUsd !== undefined ? { dailyMicroUsd } : {}),
  ...(monthlyMicroUsd !== undefined ? { monthlyMicroUsd } : {}),
});
const team = (monthlyMicroUsd?: number): BudgetScope => ({
  kind: 'team',
  id: 'search',
  ...(monthlyMicroUsd !== undefined ? { monthlyMicroUsd } : {}),
});
const spent = (keyId: string, microUsd: number, model = 'azure/gpt-4o-mini') => ({
  keyId,
  team: 'search',
  model,
  inputTokens: 10,
  outputTokens: 20,
  microUsd,
});

function held(r: ReserveResult): Reservation {
  if (!r.ok) throw new Error(`expected the reservation to fit: ${JSON.stringify(r)}`);
  return r.reservation;
}

describe.each(Object.keys(KINDS) as (keyof typeof KINDS)[])('%s budget ledger', (kind) => {
  const make = KINDS[kind];

  it('counts a reservation as spent until settled, then replaces it by the actual cost, exactly', async () => {
    const ledger = make();
    const scopes = [key(1000)];
    const a = held(await ledger.reserve(scopes, 600, NOON));
    // 600 reserved + 500 > 1000: refused, reporting what is spent or reserved.
    expect(await ledger.reserve(scopes, 500, NOON)).toEqual({
      ok: false,
      scope: scopes[0],
      period: 'day',
      spentMicroUsd: 600,
      limitMicroUsd: 1000,
      requestedMicroUsd: 500,
      resetAt: at('2026-12-05T00:00:00Z'),
    });
    await ledger.settle(a, spent('k1', 123), NOON);
    // Now 123 spent: 877 fits exactly, one more µ$ does not.
    const b = held(await ledger.reserve(scopes, 877, NOON));
    expect(await ledger.reserve(scopes, 1, NOON)).toMatchObject({ ok: false, spentMicroUsd: 1000 });
    await ledger.release(b, NOON);
    expect(await ledger.reserve(scopes, 877, NOON)).toMatchObject({ ok: true });
  });

  it('settles an actual cost above the estimate (the overspend the estimate missed is counted)', async () => {
    const ledger = make();
    const a = held(await ledger.reserve([key(1000)], 100, NOON));
    await ledger.settle(a, spent('k1', 950), NOON);
    expect(await ledger.reserve([key(1000)], 51, NOON)).toMatchObject({ ok: false, spentMicroUsd: 950 });
    expect(await ledger.reserve([key(1000)], 50, NOON)).toMatchObject({ ok: true });
  });

  it('is all or nothing over scopes and periods: a refusal books nothing anywhere', async () => {
    const ledger = make();
    const scopes = [key(10_000, 10_000), team(700)];
    expect(await ledger.reserve(scopes, 800, NOON)).toMatchObject({
      ok: false,
      scope: scopes[1],
      period: 'month',
    });
    // Nothing was booked on the key's counters by the refused call: 10,000 still fit there alone.
    expect(await ledger.reserve([key(10_000, 10_000)], 10_000, NOON)).toMatchObject({ ok: true });
  });

  it('settles or releases once: a second settle or release does nothing', async () => {
    const ledger = make();
    const a = held(await ledger.reserve([key(1000)], 300, NOON));
    await ledger.settle(a, spent('k1', 300), NOON);
    await ledger.settle(a, spent('k1', 300), NOON);
    await ledger.release(a, NOON);
    expect(await ledger.reserve([key(1000)], 700, NOON)).toMatchObject({ ok: true });
    const day = { from: '2026-12-04', to: '2026-12-04', groupBy: 'model' as const };
    expect((await ledger.spend({ ...day, keyId: 'k1' })).totalMicroUsd).toBe(300);
  });

  it('starts each UTC day and month from 0, and says when a period resets', async () => {
    const ledger = make();
    const scopes = [key(1000, 1500)];
    await ledger.settle(
      held(await ledger.reserve(scopes, 1000, at('2026-12-31T23:59:59Z'))),
      spent('k1', 1000),
      at('2026-12-31T23:59:59Z'),
    );
    expect(await ledger.reserve(scopes, 1, at('2026-12-31T23:59:59.999Z'))).toMatchObject({
      ok: false,
      period: 'day',
      resetAt: at('2027-01-01T00:00:00Z'),
    });
    // Next day, same month... of the next year: both periods reset at midnight of 1 January.
    const jan = held(await ledger.reserve(scopes, 1000, at('2027-01-01T00:00:00Z')));
    await ledger.settle(jan, spent('k1', 1000), at('2027-01-01T00:00:01Z'));
    // Within December the month holds: a new day, but the month's 1,500 is short of 1,000 + 600.
    const dec = [key(1000, 1500)];
    await ledger.settle(
      held(await ledger.reserve(dec, 0, at('2026-12-30T10:00:00Z'))),
      spent('k1', 0),
      at('2026-12-30T10:00:00Z'),
    );
    expect(await ledger.reserve(dec, 600, at('2026-12-30T10:00:00Z'))).toMatchObject({
      ok: false,
      period: 'month',
      spentMicroUsd: 1000,
      resetAt: at('2027-01-01T00:00:00Z'),
    });
    expect(await ledger.reserve(dec, 500, at('2026-12-30T10:00:00Z'))).toMatchObject({ ok: true });
  });

  it('gives back the reservation of a holder that never settled, once it expires', async () => {
    const ledger = make({ reservationTtlMs: 60_000 });
    const scopes = [key(1000)];
    const abandoned = held(await ledger.reserve(scopes, 900, NOON));
    expect(await ledger.reserve(scopes, 200, new Date(NOON.getTime() + 59_999))).toMatchObject({ ok: false });
    // Past the TTL the next call sweeps it.
    const after = new Date(NOON.getTime() + 60_001);
    const next = held(await ledger.reserve(scopes, 1000, after));
    await ledger.release(next, after);
    // A late settle of the expired reservation still counts what the call cost.
    await ledger.settle(abandoned, spent('k1', 400), after);
    expect(await ledger.reserve(scopes, 601, after)).toMatchObject({ ok: false, spentMicroUsd: 400 });
    expect(await ledger.reserve(scopes, 600, after)).toMatchObject({ ok: true });
  });

  it('settles a reservation it never made (a caller that skipped reserve: no limit to check) at its actual cost', async () => {
    const ledger = make();
    const unreserved: Reservation = { id: randomUUID(), scopes: [key()], microUsd: 0, at: NOON };
    await ledger.settle(unreserved, spent('k1', 250), NOON);
    await ledger.settle(unreserved, spent('k1', 250), NOON); // once only
    expect(await ledger.reserve([key(1000)], 751, NOON)).toMatchObject({ ok: false, spentMicroUsd: 250 });
    const day = { from: '2026-12-04', to: '2026-12-04', groupBy: 'key' as const };
    expect((await ledger.spend(day)).groups).toEqual({
      k1: { requests: 1, inputTokens: 10, outputTokens: 20, microUsd: 250 },
    });
  });

  it('records a call that held no reservation: period and spend counters, every call counted, on the day of its start', async () => {
    const ledger = make();
    const evening = at('2026-12-04T23:59:59Z');
    await ledger.record([key(), team()], spent('k1', 250), evening);
    await ledger.record([key(), team()], spent('k1', 250), evening); // two calls: both count
    await ledger.record([key()], spent('k1', 0), NOON); // a cache hit: a request, no cost
    // A limit set later sees the day's spend, on the key and on its team.
    expect(await ledger.reserve([key(1000)], 501, NOON)).toMatchObject({ ok: false, spentMicroUsd: 500 });
    expect(await ledger.reserve([team(600)], 101, NOON)).toMatchObject({ ok: false, spentMicroUsd: 500 });
    const day = { from: '2026-12-04', to: '2026-12-04', groupBy: 'key' as const };
    expect((await ledger.spend(day)).groups).toEqual({
      k1: { requests: 3, inputTokens: 30, outputTokens: 60, microUsd: 500 },
    });
    expect((await ledger.spend({ ...day, team: 'search' })).totalMicroUsd).toBe(500);
    expect((await ledger.spend({ from: '2026-12-05', to: '2026-12-05', groupBy: 'key' })).totalMicroUsd).toBe(
      0,
    );
    await expect(ledger.record([key()], spent('k1', -1), NOON)).rejects.toThrow(/microUsd/);
  });

  it('reports the limits a reservation takes past the soft fraction', async () => {
    const ledger = make({ softLimitFraction: 0.5 });
    const scopes = [key(1000), team(10_000)];
    expect(await ledger.reserve(scopes, 499, NOON)).toMatchObject({ ok: true, soft: [] });
    const r = await ledger.reserve(scopes, 1, NOON);
    expect(r.ok && r.soft).toEqual([
      { scope: scopes[0], period: 'day', spentMicroUsd: 500, limitMicroUsd: 1000 },
    ]);
  });

  it('counts scopes without limits, so a limit set later sees the spend of the day', async () => {
    const ledger = make();
    await ledger.settle(held(await ledger.reserve([key()], 0, NOON)), spent('k1', 700), NOON);
    expect(await ledger.reserve([key(1000)], 301, NOON)).toMatchObject({ ok: false, spentMicroUsd: 700 });
  });

  it('reports spend by model, key and day, for a key, a team or everyone', async () => {
    const ledger = make();
    const day1 = at('2026-12-03T08:00:00Z');
    const day2 = at('2026-12-04T08:00:00Z');
    const record = async (keyId: string, microUsd: number, model: string, when: Date, teamId?: string) => {
      const r = held(await ledger.reserve([{ kind: 'key', id: keyId }], 10, when));
      await ledger.settle(
        r,
        { ...spent(keyId, microUsd, model), ...(teamId ? { team: teamId } : { team: undefined }) },
        when,
      );
    };
    await record('k1', 100, 'azure/gpt-4o-mini', day1, 'search');
    await record('k1', 200, 'vertex/gemini-2.0-flash', day2, 'search');
    await record('k2', 400, 'azure/gpt-4o-mini', day2, 'search');
    await record('k3', 800, 'azure/gpt-4o-mini', day2);
    const range = { from: '2026-12-03', to: '2026-12-04' };
    expect(await ledger.spend({ ...range, groupBy: 'model', keyId: 'k1' })).toEqual({
      totalMicroUsd: 300,
      groups: {
        'azure/gpt-4o-mini': { requests: 1, inputTokens: 10, outputTokens: 20, microUsd: 100 },
        'vertex/gemini-2.0-flash': { requests: 1, inputTokens: 10, outputTokens: 20, microUsd: 200 },
      },
    });
    expect(await ledger.spend({ ...range, groupBy: 'key', team: 'search' })).toMatchObject({
      totalMicroUsd: 700,
      groups: { k1: { microUsd: 300, requests: 2 }, k2: { microUsd: 400 } },
    });
    expect(await ledger.spend({ ...range, groupBy: 'day' })).toMatchObject({
      totalMicroUsd: 1500,
      groups: { '2026-12-03': { microUsd: 100 }, '2026-12-04': { microUsd: 1400 } },
    });
    expect((await ledger.spend({ from: '2026-12-04', to: '2026-12-04', groupBy: 'key' })).totalMicroUsd).toBe(
      1400,
    );
  });

  it('refuses bad arguments with what was received and what is expected', async () => {
    const ledger: BudgetLedger = make();
    await expect(ledger.reserve([key(1000)], 1.5)).rejects.toThrow(
      /invalid estimate: got 1.5; expected an integer of µ\$ >= 0/,
    );
    await expect(ledger.reserve([{ kind: 'user' as 'key', id: 'x' }], 1)).rejects.toThrow(
      /invalid scope kind "user"/,
    );
    await expect(ledger.reserve([{ kind: 'key', id: '' }], 1)).rejects.toThrow(
      /invalid key id ""; expected 1 to 256 characters/,
    );
    await expect(ledger.reserve([key(-1)], 1)).rejects.toThrow(/invalid dailyMicroUsd of key "k1": got -1/);
    await expect(ledger.spend({ from: '2026-12-40', to: '2026-12-04', groupBy: 'model' })).rejects.toThrow(
      /invalid from: got "2026-12-40"; expected a UTC day YYYY-MM-DD/,
    );
    await expect(ledger.spend({ from: '2025-01-01', to: '2026-12-04', groupBy: 'model' })).rejects.toThrow(
      /more than 366 days/,
    );
    const r = held(await ledger.reserve([key()], 1, NOON));
    await expect(ledger.settle(r, { ...spent('k1', 1), model: 'a b' })).rejects.toThrow(
      /invalid model "a b"/,
    );
  });
});

describe('Redis ledger keys', () => {
  it('every key it writes expires: day counters a day after the day, month counters a day after the month', async () => {
    const prefix = `test:budget:{${randomUUID()}}:`;
    prefixes.push(prefix);
    const ledger = createBudgetLedger({ redis, prefix, reservationTtlMs: 60_000 });
    // Real time: Redis expiries run on its clock.
    const now = new Date();
    const r = held(await ledger.reserve([key(10_000, 10_000), team(10_000)], 100, now));
    await ledger.settle(r, spent('k1', 90), now);
    held(await ledger.reserve([key(10_000)], 100, now)); // left open
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 500 }))
      keys.push(...(batch as string[]));
    expect(keys.length).toBeGreaterThanOrEqual(9);
    const day = now.toISOString().slice(0, 10);
    const endOfDay = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
    const endOfMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    for (const k of keys) {
      const ttl = await redis.pttl(k);
      expect(ttl, k).toBeGreaterThan(0);
      if (k === `${prefix}ctr:key:${day}:k1`) {
        expect(Math.abs(now.getTime() + ttl - (endOfDay + 86_400_000))).toBeLessThan(5_000);
      }
      if (k === `${prefix}ctr:key:${day.slice(0, 7)}:k1`) {
        expect(Math.abs(now.getTime() + ttl - (endOfMonth + 86_400_000))).toBeLessThan(5_000);
      }
      if (k.includes(':spend:')) expect(ttl).toBeGreaterThan(399 * 86_400_000);
    }
  });
});

describe('closed reservations are remembered briefly', () => {
  it('Redis: a settled or released reservation keeps its marker for CLOSED_MARKER_MS only (one per call: no pile-up)', async () => {
    const prefix = `test:budget:{${randomUUID()}}:`;
    prefixes.push(prefix);
    const ledger = createBudgetLedger({ redis, prefix });
    const now = new Date();
    const a = held(await ledger.reserve([key(10_000)], 100, now));
    await ledger.settle(a, spent('k1', 90), now);
    const b = held(await ledger.reserve([key(10_000)], 100, now));
    await ledger.release(b, now);
    // A reservation never made: its marker is as short-lived.
    await ledger.settle({ id: randomUUID(), scopes: [key()], microUsd: 0, at: now }, spent('k1', 5), now);
    // A recorded call (the front's with no budget) leaves none.
    await ledger.record([key()], spent('k1', 5), now);
    const markers: string[] = [];
    for await (const batch of redis.scanStream({ match: `${prefix}res:*`, count: 500 }))
      markers.push(...(batch as string[]));
    expect(markers).toHaveLength(3);
    expect(
      (await ledger.spend({ from: utcDayOf(now), to: utcDayOf(now), groupBy: 'key' })).totalMicroUsd,
    ).toBe(100);
    for (const m of markers) {
      const ttl = await redis.pttl(m);
      expect(ttl, m).toBeGreaterThan(0);
      expect(ttl, m).toBeLessThanOrEqual(CLOSED_MARKER_MS);
    }
  });

  it.each(Object.keys(KINDS) as (keyof typeof KINDS)[])(
    '%s: past the marker, a late second settle counts like a reservation never seen (its actual cost)',
    async (kind) => {
      const ledger = KINDS[kind]();
      const a = held(await ledger.reserve([key(1000)], 300, NOON));
      await ledger.settle(a, spent('k1', 300), NOON);
      await ledger.settle(a, spent('k1', 300), new Date(NOON.getTime() + CLOSED_MARKER_MS - 1)); // no-op
      const day = { from: '2026-12-04', to: '2026-12-04', groupBy: 'model' as const, keyId: 'k1' };
      expect((await ledger.spend(day)).totalMicroUsd).toBe(300);
      if (kind === 'memory') {
        await ledger.settle(a, spent('k1', 300), new Date(NOON.getTime() + CLOSED_MARKER_MS + 1));
        expect((await ledger.spend(day)).totalMicroUsd).toBe(600);
      }
    },
  );
});

describe('createBudgetLedger options', () => {
  it('refuses bad options with the value and the rule', () => {
    expect(() => createBudgetLedger({ softLimitFraction: 0 })).toThrow(
      /invalid softLimitFraction: got 0; expected a number in \(0, 1\]/,
    );
    expect(() => createBudgetLedger({ reservationTtlMs: 10 })).toThrow(/invalid reservationTtlMs: got 10/);
    expect(() => createBudgetLedger({ prefix: 'a b' })).toThrow(/invalid prefix/);
    expect(() => createBudgetLedger({ redis: {} as never })).toThrow(/expected an ioredis connection/);
  });
});
