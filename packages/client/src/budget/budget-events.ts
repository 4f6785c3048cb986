import type { BudgetPeriod } from './ledger-types.js';

/** Events of the budget step, added to the client's typed event union (events.ts) by interface augmentation. */
declare module '../events.js' {
  interface ClientEventMap {
    /**
     * A reservation took a budget past its soft fraction (`softLimitFraction`, default 0.8): for alerting; the
     * call goes on. One event per scope and period past it, on every call until the period resets.
     */
    'budget-soft-limit': {
      readonly scope: { readonly kind: 'key' | 'team'; readonly id: string };
      readonly period: BudgetPeriod;
      readonly spentMicroUsd: number;
      readonly limitMicroUsd: number;
    };
    /**
     * The call's cost could not be recorded (the ledger failed after the answer): the answer is returned and the
     * reservation expires on its own (reservationTtlMs), giving its amount back.
     */
    'budget-settle-failed': { readonly reason: string };
  }
}
