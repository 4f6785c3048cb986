import { randomUUID } from 'node:crypto';
import type { RedisConnection } from '../redis-connection.js';
import { CLOSE_LUA, RESERVE_LUA, SPEND_LUA } from './budget-lua.js';
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
import type { LedgerSettings } from './memory-ledger.js';
import {
  budgetChecks,
  CLOSED_MARKER_MS,
  checkReserve,
  checkSpend,
  queryDays,
  spendKeys,
  utcDay,
} from './periods.js';
import { type SpendRow, spendReport } from './spend-report.js';

const DAY_MS = 86_400_000;

type Script = (...args: (string | number)[]) => Promise<unknown>;
type Scripted = RedisConnection & {
  genaiBudgetReserve?: Script;
  genaiBudgetClose?: Script;
  genaiBudgetSpend?: Script;
};
type Ready = Scripted &
  Required<Pick<Scripted, 'genaiBudgetReserve' | 'genaiBudgetClose' | 'genaiBudgetSpend'>>;

/**
 * The ledger shared by every instance on one Redis: one script reserves, one settles or releases. ioredis's
 * `defineCommand` runs them with EVALSHA (EVAL on NOSCRIPT), so a script's text crosses the wire once per
 * connection. Their keys are not declared (they depend on the scopes): on Redis Cluster the prefix's hash tag
 * keeps them in one slot.
 */
export class RedisBudgetLedger implements BudgetLedger {
  readonly #redis: Ready;
  readonly #settings: LedgerSettings;

  constructor(redis: RedisConnection, settings: LedgerSettings) {
    const scripted = redis as Scripted;
    if (typeof scripted.genaiBudgetReserve !== 'function') {
      scripted.defineCommand('genaiBudgetReserve', { numberOfKeys: 0, lua: RESERVE_LUA });
      scripted.defineCommand('genaiBudgetClose', { numberOfKeys: 0, lua: CLOSE_LUA });
      scripted.defineCommand('genaiBudgetSpend', { numberOfKeys: 0, lua: SPEND_LUA });
    }
    this.#redis = scripted as Ready;
    this.#settings = settings;
  }

  async reserve(
    scopes: readonly BudgetScope[],
    estimateMicroUsd: number,
    now = new Date(),
  ): Promise<ReserveResult> {
    checkReserve(scopes, estimateMicroUsd);
    const { prefix, reservationTtlMs, softLimitFraction } = this.#settings;
    const checks = budgetChecks(prefix, scopes, now, now);
    const id = randomUUID();
    const args: (string | number)[] = [
      prefix,
      now.getTime(),
      id,
      estimateMicroUsd,
      reservationTtlMs,
      checks.length,
    ];
    for (const c of checks) args.push(c.key, c.limit, c.ttlMs);
    const out = (await this.#redis.genaiBudgetReserve(...args)) as number[];
    if (out[0] === 0) {
      const c = checks[Number(out[1]) - 1];
      if (!c) throw new Error(`budget reserve script answered an unknown check ${String(out[1])}`);
      return {
        ok: false,
        scope: c.scope,
        period: c.period,
        spentMicroUsd: Number(out[2]),
        limitMicroUsd: c.limit,
        requestedMicroUsd: estimateMicroUsd,
        resetAt: c.resetAt,
      };
    }
    const soft: SoftLimitReport[] = [];
    checks.forEach((c, i) => {
      const used = Number(out[i + 1]);
      if (c.limit >= 0 && used >= c.limit * softLimitFraction) {
        soft.push({ scope: c.scope, period: c.period, spentMicroUsd: used, limitMicroUsd: c.limit });
      }
    });
    return { ok: true, reservation: { id, scopes, microUsd: estimateMicroUsd, at: now }, soft };
  }

  async settle(reservation: Reservation, actual: SpendRecord, now = new Date()): Promise<void> {
    checkSpend(actual);
    await this.#close(
      reservation,
      'settle',
      actual.microUsd,
      now,
      this.#spendArgs(reservation.at, actual, now),
    );
  }

  async record(scopes: readonly BudgetScope[], actual: SpendRecord, at = new Date()): Promise<void> {
    checkSpend(actual);
    const unreserved: Reservation = { id: '', scopes, microUsd: 0, at };
    await this.#close(unreserved, 'record', actual.microUsd, at, this.#spendArgs(at, actual, at));
  }

  /** The spend-counter arguments of a settle or record (CLOSE_LUA). */
  #spendArgs(at: Date, actual: SpendRecord, now: Date): (string | number)[] {
    const { prefix, spendRetentionDays } = this.#settings;
    const day = utcDay(at);
    return [
      spendKeys.hash(prefix, day, actual.keyId),
      spendKeys.keys(prefix, day),
      actual.team === undefined ? '' : spendKeys.team(prefix, day, actual.team),
      actual.keyId,
      actual.model,
      actual.inputTokens,
      actual.outputTokens,
      Math.max(DAY_MS, at.getTime() - now.getTime() + (spendRetentionDays + 1) * DAY_MS),
    ];
  }

  async release(reservation: Reservation, now = new Date()): Promise<void> {
    await this.#close(reservation, 'release', 0, now, []);
  }

  async spend(query: SpendQuery): Promise<SpendReport> {
    const days = queryDays(query);
    const [mode, id] =
      query.keyId !== undefined
        ? ['key', query.keyId]
        : query.team !== undefined
          ? ['team', query.team]
          : ['all', ''];
    const out = (await this.#redis.eval(
      SPEND_LUA,
      0,
      this.#settings.prefix,
      mode,
      id,
      ...days,
    )) as string[][];
    const rows: SpendRow[] = out.map(([day, keyId, ...flat]) => {
      const fields: Record<string, number> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = Number(flat[i + 1]);
      return { day: day as string, keyId: keyId as string, fields };
    });
    return spendReport(rows, query.groupBy);
  }

  async close(): Promise<void> {}

  async #close(
    reservation: Reservation,
    op: 'settle' | 'release' | 'record',
    actual: number,
    now: Date,
    spend: readonly (string | number)[],
  ): Promise<void> {
    const { prefix } = this.#settings;
    const checks = budgetChecks(prefix, reservation.scopes, reservation.at, now);
    const args: (string | number)[] = [
      prefix,
      now.getTime(),
      reservation.id,
      op,
      actual,
      CLOSED_MARKER_MS,
      checks.length,
    ];
    for (const c of checks) args.push(c.key, c.ttlMs);
    args.push(...spend);
    await this.#redis.genaiBudgetClose(...args);
  }
}
