/**
 * UTC periods and key names shared by the memory and Redis ledgers, so that both count in the same places.
 */
import type { BudgetPeriod, BudgetScope, SpendQuery } from './ledger-types.js';

const DAY_MS = 86_400_000;

/**
 * How long a closed reservation is remembered, so that a second settle or release of it (a retry after a lost
 * reply) does nothing. Short on purpose: every call closes one, so at 2,000 calls/s a day's worth of markers was
 * 170 million (the front settles a reservation for every call, budgeted or not). Past this, a late settle counts
 * its actual cost, as for an expired reservation, which is the same outcome for a reservation never seen.
 */
export const CLOSED_MARKER_MS = 60_000;

/** The names and ends of the UTC day and month holding a time. */
interface Periods {
  /** Days since the epoch. */
  readonly day: number;
  readonly dayName: string;
  readonly monthName: string;
  /** Epoch ms of the next day's and month's start. */
  readonly dayReset: number;
  readonly monthReset: number;
}

// Every call of a ledger names its periods (date formatting and calendar arithmetic, ~2 µs): the last day asked
// for is remembered, and it is nearly always the one asked for next.
let current: Periods | undefined;

function periodsOf(at: Date): Periods {
  const t = at.getTime();
  const day = Math.floor(t / DAY_MS);
  if (current?.day === day) return current;
  const iso = at.toISOString();
  const periods: Periods = {
    day,
    dayName: iso.slice(0, 10),
    monthName: iso.slice(0, 7),
    dayReset: (day + 1) * DAY_MS,
    monthReset: Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1),
  };
  if (!Number.isNaN(t)) current = periods;
  return periods;
}

/** `YYYY-MM-DD` of a UTC day. */
export const utcDay = (at: Date): string => periodsOf(at).dayName;
/** `YYYY-MM` of a UTC month. */
export const utcMonth = (at: Date): string => periodsOf(at).monthName;

/** The start of the next UTC day or month. */
export function resetAt(period: BudgetPeriod, at: Date): Date {
  const p = periodsOf(at);
  return new Date(period === 'day' ? p.dayReset : p.monthReset);
}

/** One limit a reservation is checked against: a scope's counter for the period holding `at`. */
export interface BudgetCheck {
  readonly scope: BudgetScope;
  readonly period: BudgetPeriod;
  readonly key: string;
  /** µ$, or -1 when the period has no limit (counted, never refused). */
  readonly limit: number;
  readonly resetAt: Date;
  /** How long the counter is kept: until a day after its period ends. */
  readonly ttlMs: number;
}

/** The counters a reservation made at `at` moves: each scope's day, then month. */
export function budgetChecks(
  prefix: string,
  scopes: readonly BudgetScope[],
  at: Date,
  now: Date,
): BudgetCheck[] {
  const p = periodsOf(at);
  const t = now.getTime();
  const dayTtl = Math.max(DAY_MS, p.dayReset - t + DAY_MS);
  const monthTtl = Math.max(DAY_MS, p.monthReset - t + DAY_MS);
  const checks: BudgetCheck[] = [];
  for (const scope of scopes) {
    const head = `${prefix}ctr:${scope.kind}:`;
    checks.push(
      {
        scope,
        period: 'day',
        key: `${head}${p.dayName}:${scope.id}`,
        limit: scope.dailyMicroUsd ?? -1,
        resetAt: new Date(p.dayReset),
        ttlMs: dayTtl,
      },
      {
        scope,
        period: 'month',
        key: `${head}${p.monthName}:${scope.id}`,
        limit: scope.monthlyMicroUsd ?? -1,
        resetAt: new Date(p.monthReset),
        ttlMs: monthTtl,
      },
    );
  }
  return checks;
}

/** Spend counter keys of a day: one hash per key id, the set of key ids, the set of a team's key ids. */
export const spendKeys = {
  hash: (prefix: string, day: string, keyId: string) => `${prefix}spend:${day}:key:${keyId}`,
  keys: (prefix: string, day: string) => `${prefix}spend:${day}:keys`,
  team: (prefix: string, day: string, team: string) => `${prefix}spend:${day}:team:${team}`,
};

/** The hash field of one model's counter: `<model> <counter>` (a model address has no spaces). */
export const SPEND_COUNTERS = ['requests', 'input_tokens', 'output_tokens', 'micro_usd'] as const;

/** The days of a spend query, checked: `from` to `to` inclusive, at most 366. */
export function queryDays(query: SpendQuery): string[] {
  const parse = (field: 'from' | 'to'): number => {
    const value = query[field];
    const ms =
      typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
    if (Number.isNaN(ms) || utcDay(new Date(ms)) !== value) {
      throw new TypeError(
        `spend: invalid ${field}: got ${JSON.stringify(value)}; expected a UTC day YYYY-MM-DD`,
      );
    }
    return ms;
  };
  const from = parse('from');
  const to = parse('to');
  if (to < from) throw new TypeError(`spend: to (${query.to}) is before from (${query.from})`);
  if ((to - from) / DAY_MS > 366) {
    throw new TypeError(
      `spend: ${query.from} to ${query.to} spans more than 366 days; ask for a shorter range`,
    );
  }
  if (!['model', 'key', 'day'].includes(query.groupBy)) {
    throw new TypeError(
      `spend: invalid groupBy: got ${JSON.stringify(query.groupBy)}; expected 'model', 'key' or 'day'`,
    );
  }
  const days: string[] = [];
  for (let ms = from; ms <= to; ms += DAY_MS) days.push(utcDay(new Date(ms)));
  return days;
}

/** Checks reserve's arguments: the scopes' ids and limits, the estimate. */
export function checkReserve(scopes: readonly BudgetScope[], estimateMicroUsd: number): void {
  if (!Array.isArray(scopes))
    throw new TypeError(`reserve: scopes must be an array of { kind, id, ... }; got ${typeof scopes}`);
  for (const s of scopes) {
    if (s?.kind !== 'key' && s?.kind !== 'team') {
      throw new TypeError(`reserve: invalid scope kind ${JSON.stringify(s?.kind)}; expected 'key' or 'team'`);
    }
    if (typeof s.id !== 'string' || s.id.length === 0 || s.id.length > 256) {
      throw new TypeError(
        `reserve: invalid ${s.kind} id ${JSON.stringify(s.id)}; expected 1 to 256 characters`,
      );
    }
    for (const field of ['dailyMicroUsd', 'monthlyMicroUsd'] as const) {
      const v = s[field];
      if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) {
        throw new TypeError(
          `reserve: invalid ${field} of ${s.kind} "${s.id}": got ${JSON.stringify(v)}; expected an integer of µ$ >= 0`,
        );
      }
    }
  }
  if (!(Number.isSafeInteger(estimateMicroUsd) && estimateMicroUsd >= 0)) {
    throw new TypeError(
      `reserve: invalid estimate: got ${JSON.stringify(estimateMicroUsd)}; expected an integer of µ$ >= 0`,
    );
  }
}

/** Checks a spend record (settle). */
export function checkSpend(actual: {
  keyId: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  microUsd: number;
}): void {
  if (typeof actual?.keyId !== 'string' || actual.keyId.length === 0) {
    throw new TypeError(`settle: invalid keyId ${JSON.stringify(actual?.keyId)}; expected the key's id`);
  }
  if (typeof actual.model !== 'string' || /\s/.test(actual.model) || actual.model.length === 0) {
    throw new TypeError(
      `settle: invalid model ${JSON.stringify(actual.model)}; expected a model address without spaces`,
    );
  }
  for (const field of ['inputTokens', 'outputTokens', 'microUsd'] as const) {
    const v = actual[field];
    if (!(Number.isSafeInteger(v) && v >= 0)) {
      throw new TypeError(`settle: invalid ${field}: got ${JSON.stringify(v)}; expected an integer >= 0`);
    }
  }
}
