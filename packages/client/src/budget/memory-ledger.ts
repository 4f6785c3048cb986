import { randomUUID } from 'node:crypto';
import type {
  BudgetLedger,
  BudgetScope,
  Reservation,
  ReserveResult,
  SoftLimitReport,
  SpendQuery,
  SpendRecord,
  SpendReport,
} from './ledger-types.js';
import {
  budgetChecks,
  CLOSED_MARKER_MS,
  checkReserve,
  checkSpend,
  queryDays,
  SPEND_COUNTERS,
  utcDay,
} from './periods.js';
import { type SpendRow, spendReport } from './spend-report.js';

interface Held {
  readonly amount: number;
  readonly keys: readonly string[];
  /** When it expires. */
  readonly until: number;
}

interface Closed {
  readonly state: 'expired' | 'settled' | 'released';
  /** When the record is forgotten. */
  readonly until: number;
}

export interface LedgerSettings {
  readonly prefix: string;
  readonly softLimitFraction: number;
  readonly reservationTtlMs: number;
  readonly spendRetentionDays: number;
}

const DAY_MS = 86_400_000;

/** The ledger of one process: the same rules as the Redis ledger's scripts, over maps. */
export class MemoryBudgetLedger implements BudgetLedger {
  readonly #settings: LedgerSettings;
  readonly #counters = new Map<string, { value: number; until: number }>();
  /** Open reservations. */
  readonly #held = new Map<string, Held>();
  /** Closed ones, oldest first (kept so that a second settle does nothing, and a late one counts). */
  readonly #closed = new Map<string, Closed>();
  /** day → key id → `<model> <counter>` → value */
  readonly #spend = new Map<string, Map<string, Map<string, number>>>();
  /** day → team → key ids */
  readonly #teams = new Map<string, Map<string, Set<string>>>();
  #oldest: { day: number; name: string } | undefined;
  /** model → its spend-counter field names (`<model> <counter>`), built once per model. */
  readonly #fields = new Map<string, readonly string[]>();

  constructor(settings: LedgerSettings) {
    this.#settings = settings;
  }

  async reserve(
    scopes: readonly BudgetScope[],
    estimateMicroUsd: number,
    now = new Date(),
  ): Promise<ReserveResult> {
    checkReserve(scopes, estimateMicroUsd);
    const t = now.getTime();
    this.#sweep(t);
    const checks = budgetChecks(this.#settings.prefix, scopes, now, now);
    for (const c of checks) {
      const used = this.#get(c.key, t);
      if (c.limit >= 0 && used + estimateMicroUsd > c.limit) {
        return {
          ok: false,
          scope: c.scope,
          period: c.period,
          spentMicroUsd: used,
          limitMicroUsd: c.limit,
          requestedMicroUsd: estimateMicroUsd,
          resetAt: c.resetAt,
        };
      }
    }
    const soft: SoftLimitReport[] = [];
    for (const c of checks) {
      const used = this.#add(c.key, estimateMicroUsd, t, t + c.ttlMs);
      if (c.limit >= 0 && used >= c.limit * this.#settings.softLimitFraction) {
        soft.push({ scope: c.scope, period: c.period, spentMicroUsd: used, limitMicroUsd: c.limit });
      }
    }
    const id = randomUUID();
    this.#held.set(id, {
      amount: estimateMicroUsd,
      keys: checks.map((c) => c.key),
      until: t + this.#settings.reservationTtlMs,
    });
    return { ok: true, reservation: { id, scopes, microUsd: estimateMicroUsd, at: now }, soft };
  }

  async settle(reservation: Reservation, actual: SpendRecord, now = new Date()): Promise<void> {
    checkSpend(actual);
    if (!this.#close(reservation, actual.microUsd, 'settled', now)) return;
    this.#count(reservation.at, actual);
  }

  async record(scopes: readonly BudgetScope[], actual: SpendRecord, at = new Date()): Promise<void> {
    checkSpend(actual);
    const t = at.getTime();
    this.#sweep(t);
    if (actual.microUsd !== 0) {
      for (const c of budgetChecks(this.#settings.prefix, scopes, at, at)) {
        this.#add(c.key, actual.microUsd, t, t + c.ttlMs);
      }
    }
    this.#count(at, actual);
  }

  /** The spend counters of a settled or recorded call, in the UTC day of `at`. */
  #count(at: Date, actual: SpendRecord): void {
    const day = utcDay(at);
    const byKey = this.#spend.get(day) ?? new Map<string, Map<string, number>>();
    this.#spend.set(day, byKey);
    const fields = byKey.get(actual.keyId) ?? new Map<string, number>();
    byKey.set(actual.keyId, fields);
    let names = this.#fields.get(actual.model);
    if (!names) {
      names = SPEND_COUNTERS.map((counter) => `${actual.model} ${counter}`);
      if (this.#fields.size < 10_000) this.#fields.set(actual.model, names);
    }
    const amounts = [1, actual.inputTokens, actual.outputTokens, actual.microUsd];
    names.forEach((name, i) => {
      fields.set(name, (fields.get(name) ?? 0) + amounts[i]!);
    });
    if (actual.team !== undefined) {
      const teams = this.#teams.get(day) ?? new Map<string, Set<string>>();
      this.#teams.set(day, teams);
      const members = teams.get(actual.team) ?? new Set<string>();
      teams.set(actual.team, members);
      members.add(actual.keyId);
    }
  }

  async release(reservation: Reservation, now = new Date()): Promise<void> {
    this.#close(reservation, 0, 'released', now);
  }

  async spend(query: SpendQuery): Promise<SpendReport> {
    const rows: SpendRow[] = [];
    for (const day of queryDays(query)) {
      const byKey = this.#spend.get(day);
      if (!byKey) continue;
      const ids =
        query.keyId !== undefined
          ? [query.keyId]
          : query.team !== undefined
            ? [...(this.#teams.get(day)?.get(query.team) ?? [])]
            : [...byKey.keys()];
      for (const keyId of ids) {
        const fields = byKey.get(keyId);
        if (fields) rows.push({ day, keyId, fields: Object.fromEntries(fields) });
      }
    }
    return spendReport(rows, query.groupBy);
  }

  async close(): Promise<void> {}

  /** Applies `actual - reserved` (or `actual` once the reservation expired); false when already closed. */
  #close(reservation: Reservation, actual: number, state: 'settled' | 'released', now: Date): boolean {
    const t = now.getTime();
    this.#sweep(t);
    const closed = this.#closed.get(reservation.id);
    if (closed && closed.state !== 'expired') return false;
    const held = this.#held.get(reservation.id);
    const delta = held ? actual - held.amount : actual;
    const checks = budgetChecks(this.#settings.prefix, reservation.scopes, reservation.at, now);
    if (delta !== 0) for (const c of checks) this.#add(c.key, delta, t, t + c.ttlMs);
    this.#held.delete(reservation.id);
    this.#remember(reservation.id, state, t);
    return true;
  }

  #remember(id: string, state: Closed['state'], t: number): void {
    // Re-inserted at the end, so the map stays ordered by `until` (times only move forward).
    this.#closed.delete(id);
    this.#closed.set(id, { state, until: t + CLOSED_MARKER_MS });
  }

  #get(key: string, t: number): number {
    const c = this.#counters.get(key);
    if (!c || c.until <= t) return 0;
    return c.value;
  }

  /**
   * Adds to a counter and, with `until`, sets its expiry (a negative amount to a gone counter does nothing, as
   * in the Redis script).
   */
  #add(key: string, amount: number, t: number, until?: number): number {
    const c = this.#counters.get(key);
    if (!c || c.until <= t) {
      if (amount < 0 || until === undefined) return 0;
      this.#counters.set(key, { value: amount, until });
      return amount;
    }
    c.value += amount;
    if (until !== undefined) c.until = until;
    return c.value;
  }

  /** The oldest UTC day whose spend is kept at `t` (named once a day, not on every call). */
  #oldestDay(t: number): string {
    const day = Math.floor(t / DAY_MS) - this.#settings.spendRetentionDays;
    if (this.#oldest?.day !== day)
      this.#oldest = { day, name: new Date(day * DAY_MS).toISOString().slice(0, 10) };
    return this.#oldest.name;
  }

  /** Gives back expired reservations and forgets old records, counters and spend days. */
  #sweep(t: number): void {
    for (const [id, held] of this.#held) {
      if (held.until > t) continue;
      for (const key of held.keys) this.#add(key, -held.amount, t);
      this.#held.delete(id);
      this.#remember(id, 'expired', t);
    }
    for (const [id, closed] of this.#closed) {
      if (closed.until > t) break;
      this.#closed.delete(id);
    }
    if (this.#counters.size > 10_000)
      for (const [k, c] of this.#counters) if (c.until <= t) this.#counters.delete(k);
    const oldest = this.#oldestDay(t);
    for (const day of this.#spend.keys()) if (day < oldest) this.#spend.delete(day);
    for (const day of this.#teams.keys()) if (day < oldest) this.#teams.delete(day);
  }
}
