import { formatUsd } from '@genai-deploy/client';
import type { Context } from 'hono';
import { type BudgetHold, type CostedAnswer, type FrontBudgets, withBudget } from '../budget.js';
import type { CatalogEntry } from '../catalog.js';
import type { EmbedRequest, GenerateRequest } from '../client.js';
import type { AppEnv, RequestInfo } from '../context.js';

/**
 * A JSON call (chat without stream, embeddings) within the caller's budgets: reserved before, released when it
 * fails, settled when it answers; then `x-genai-cost-usd` (USD, 6 decimals) and the log line's cost.
 */
export async function budgeted<T extends CostedAnswer, E extends AppEnv>(
  front: { readonly budgets: FrontBudgets },
  c: Context<E>,
  entry: Pick<CatalogEntry, 'targets'>,
  request: Omit<GenerateRequest, 'signal'> | Omit<EmbedRequest, 'signal'>,
  call: () => Promise<T>,
): Promise<T> {
  const { result, cost } = await withBudget(front.budgets, c.get('caller'), entry, request, call);
  c.header('x-genai-cost-usd', formatUsd(cost.microUsd));
  c.get('info').costMicroUsd = cost.microUsd;
  return result;
}

/**
 * Closes a stream's hold when the stream ends: settled with its usage, or with the reservation when it was cut.
 * Streams carry no cost header (the headers left before the cost was known); the log line and spend have it.
 */
export async function settleStream(
  hold: BudgetHold,
  info: RequestInfo,
  outcome: { ok: true; finish: CostedAnswer } | { ok: false },
  model: string,
): Promise<void> {
  if (outcome.ok) info.costMicroUsd = (await hold.settle(outcome.finish)).microUsd;
  else await hold.settleReserved(model);
}
