import type { BudgetLedger, BudgetLedgerOptions } from './ledger-types.js';
import { type LedgerSettings, MemoryBudgetLedger } from './memory-ledger.js';
import { RedisBudgetLedger } from './redis-ledger.js';

/** @default '{genai-budget}:' */
export const DEFAULT_BUDGET_PREFIX = '{genai-budget}:';

function settingsOf(options: BudgetLedgerOptions): LedgerSettings {
  const fail = (field: string, value: unknown, rule: string): never => {
    throw new TypeError(`createBudgetLedger: invalid ${field}: got ${JSON.stringify(value)}; ${rule}`);
  };
  const { prefix = DEFAULT_BUDGET_PREFIX, softLimitFraction = 0.8, reservationTtlMs = 600_000 } = options;
  const { spendRetentionDays = 400 } = options;
  if (typeof prefix !== 'string' || prefix.length > 200 || /\s/.test(prefix)) {
    fail(
      'prefix',
      prefix,
      'expected a string of up to 200 characters without spaces, e.g. "{genai-budget}:"',
    );
  }
  if (!(typeof softLimitFraction === 'number' && softLimitFraction > 0 && softLimitFraction <= 1)) {
    fail('softLimitFraction', softLimitFraction, 'expected a number in (0, 1], e.g. 0.8');
  }
  if (!(Number.isSafeInteger(reservationTtlMs) && reservationTtlMs >= 1000)) {
    fail('reservationTtlMs', reservationTtlMs, 'expected an integer of ms >= 1000, longer than any call');
  }
  if (!(Number.isSafeInteger(spendRetentionDays) && spendRetentionDays >= 1)) {
    fail('spendRetentionDays', spendRetentionDays, 'expected an integer of days >= 1');
  }
  return { prefix, softLimitFraction, reservationTtlMs, spendRetentionDays };
}

/**
 * A budget ledger: in this process, or with `redis` shared by every instance on it (two Lua scripts, one to
 * reserve and one to settle or release, each atomic). Throws a TypeError on a bad option.
 */
export function createBudgetLedger(options: BudgetLedgerOptions = {}): BudgetLedger {
  const settings = settingsOf(options);
  if (options.redis !== undefined) {
    if (typeof options.redis?.defineCommand !== 'function') {
      throw new TypeError(
        'createBudgetLedger: invalid redis: expected an ioredis connection (new Redis(url))',
      );
    }
    return new RedisBudgetLedger(options.redis, settings);
  }
  return new MemoryBudgetLedger(settings);
}
