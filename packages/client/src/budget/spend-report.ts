import type { SpendQuery, SpendReport, SpendTotals } from './ledger-types.js';

/** One key's counters of one day: `<model> <counter>` → value (the hash the ledgers keep). */
export interface SpendRow {
  readonly day: string;
  readonly keyId: string;
  readonly fields: Readonly<Record<string, number>>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const COUNTER_FIELD = {
  requests: 'requests',
  input_tokens: 'inputTokens',
  output_tokens: 'outputTokens',
  micro_usd: 'microUsd',
} as const satisfies Record<string, keyof SpendTotals>;

/** Sums the rows by model, key or day. */
export function spendReport(rows: readonly SpendRow[], groupBy: SpendQuery['groupBy']): SpendReport {
  const groups: Record<string, Mutable<SpendTotals>> = {};
  let totalMicroUsd = 0;
  for (const row of rows) {
    for (const [field, value] of Object.entries(row.fields)) {
      const space = field.lastIndexOf(' ');
      const model = field.slice(0, space);
      const counter = COUNTER_FIELD[field.slice(space + 1) as keyof typeof COUNTER_FIELD];
      if (space <= 0 || counter === undefined) continue;
      const group = groupBy === 'model' ? model : groupBy === 'key' ? row.keyId : row.day;
      groups[group] ??= { requests: 0, inputTokens: 0, outputTokens: 0, microUsd: 0 };
      groups[group][counter] += value;
      if (counter === 'microUsd') totalMicroUsd += value;
    }
  }
  return { totalMicroUsd, groups };
}
