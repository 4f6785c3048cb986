/**
 * The budget ledger's contract: spend limits per API key and per team, per UTC day and month, in integer µ$
 * (1 USD = 1,000,000 µ$). A call reserves its estimated cost before it runs (the reservation counts as spent),
 * then settles its actual cost or releases the reservation. The memory ledger serves one process; the Redis
 * ledger shares one budget between every instance on the Redis.
 */
import type { RedisConnection } from '../redis-connection.js';

/** A budget holder: an API key or a team, with its limits in µ$ (none: the scope is counted, never refused). */
export interface BudgetScope {
  readonly kind: 'key' | 'team';
  /** The key's id (never the secret) or the team's name: 1 to 256 characters. */
  readonly id: string;
  /** Limit per UTC day, in µ$. @default - no daily limit */
  readonly dailyMicroUsd?: number;
  /** Limit per UTC calendar month, in µ$. @default - no monthly limit */
  readonly monthlyMicroUsd?: number;
}

export type BudgetPeriod = 'day' | 'month';

/** A limit at or past its soft fraction after a reservation (for alerting; the call goes on). */
export interface SoftLimitReport {
  readonly scope: BudgetScope;
  readonly period: BudgetPeriod;
  /** Spent and reserved in the period, this reservation included. */
  readonly spentMicroUsd: number;
  readonly limitMicroUsd: number;
}

export type ReserveResult =
  | { readonly ok: true; readonly reservation: Reservation; readonly soft: readonly SoftLimitReport[] }
  | {
      readonly ok: false;
      /** The first scope and period (in the order given, day before month) the estimate does not fit in. */
      readonly scope: BudgetScope;
      readonly period: BudgetPeriod;
      /** Spent and reserved in the period before this request. */
      readonly spentMicroUsd: number;
      readonly limitMicroUsd: number;
      /** The estimate that did not fit. */
      readonly requestedMicroUsd: number;
      /** The start of the next UTC day or month, when the period's spend starts again from 0. */
      readonly resetAt: Date;
    };

/** An amount held against some scopes' day and month budgets until it is settled, released or expires. */
export interface Reservation {
  readonly id: string;
  readonly scopes: readonly BudgetScope[];
  readonly microUsd: number;
  /** When it was made: the call's cost counts in this UTC day and month, whenever it settles. */
  readonly at: Date;
}

/** What a settled call spent, for the spend counters. */
export interface SpendRecord {
  readonly keyId: string;
  readonly team?: string;
  /** The model address that answered (`<provider>/<model>`). */
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** The actual cost, integer µ$ (it may exceed the reservation). */
  readonly microUsd: number;
}

export interface SpendQuery {
  /** One key's spend. @default - every key (of `team` when given) */
  readonly keyId?: string;
  /** The keys of one team (ignored when keyId is given). @default - every key */
  readonly team?: string;
  /** First UTC day, YYYY-MM-DD, included. */
  readonly from: string;
  /** Last UTC day, YYYY-MM-DD, included (at most 366 days after `from`). */
  readonly to: string;
  readonly groupBy: 'model' | 'key' | 'day';
}

export interface SpendTotals {
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly microUsd: number;
}

export interface SpendReport {
  readonly totalMicroUsd: number;
  /** By model address, key id or day, as grouped. */
  readonly groups: Record<string, SpendTotals>;
}

export interface BudgetLedger {
  /**
   * Reserves `estimateMicroUsd` against every scope's daily and monthly limit, all or nothing (atomic); a period
   * refuses when spent + reserved + estimate would pass its limit. `now` is for tests. @default now - new Date()
   */
  reserve(scopes: readonly BudgetScope[], estimateMicroUsd: number, now?: Date): Promise<ReserveResult>;
  /**
   * Replaces the reservation by the actual cost (more or less than it) and records the spend counters, in one
   * atomic step; a reservation that expired in between counts its actual cost then. A second settle or release
   * of one reservation does nothing.
   */
  settle(reservation: Reservation, actual: SpendRecord, now?: Date): Promise<void>;
  /** Gives the reservation back (the call failed without usage). */
  release(reservation: Reservation, now?: Date): Promise<void>;
  /**
   * Counts the spend of a call that held no reservation because none of its scopes has a limit (nothing could
   * refuse it): its cost goes to the scopes' period counters (a limit set later sees the period's spend) and to
   * the spend counters, in the UTC day and month of `at`. Unlike `settle`, nothing is kept to make a second call
   * do nothing (no marker per call): call it once per call. @default at - new Date()
   */
  record(scopes: readonly BudgetScope[], actual: SpendRecord, at?: Date): Promise<void>;
  /** Spend from the counters, over whole UTC days. */
  spend(query: SpendQuery): Promise<SpendReport>;
  /** Stops using the ledger (a Redis connection given to it is the caller's to close). */
  close(): Promise<void>;
}

export interface BudgetLedgerOptions {
  /** Shares the budgets of every instance on this Redis. @default - in this process only */
  readonly redis?: RedisConnection;
  /**
   * Prefix of every Redis key. On Redis Cluster keep a hash tag in it (`{...}`) so that the scripts' keys share
   * one slot. @default '{genai-budget}:'
   */
  readonly prefix?: string;
  /** Fraction of a limit past which a reservation reports it in `soft`. @default 0.8 */
  readonly softLimitFraction?: number;
  /**
   * How long a reservation is held when neither settled nor released (an instance that died mid-call): then
   * its amount is given back. Longer than any call's deadline. @default 600000 (10 minutes)
   */
  readonly reservationTtlMs?: number;
  /** How long the spend counters of a day are kept. @default 400 */
  readonly spendRetentionDays?: number;
}
