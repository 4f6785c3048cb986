import type { NormalizedEmbedRequest, NormalizedGenerateRequest } from '../types.js';
import type { BudgetLedger, BudgetScope } from './ledger-types.js';

/** createClient's `budget`: the optional budget step, for services that call the client without the front. */
export interface BudgetOptions {
  /** Where budgets are kept: `createBudgetLedger()` (this process) or `createBudgetLedger({ redis })` (shared). */
  readonly ledger: BudgetLedger;
  /**
   * The scopes a call is charged to, with their limits: e.g. `() => [{ kind: 'team', id: 'search',
   * dailyMicroUsd: 5_000_000 }]`. The spend counters record the call under the first `key` scope's id (else the
   * first scope's `<kind>:<id>`) and the first `team` scope's id.
   */
  readonly scopes: (request: NormalizedGenerateRequest | NormalizedEmbedRequest) => readonly BudgetScope[];
}
