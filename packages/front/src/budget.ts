import {
  type BudgetLedger,
  type BudgetScope,
  type Cost,
  costOf,
  estimateCost,
  formatUsd,
  type ModelPrice,
  type Reservation,
  type ReserveResult,
} from '@genai-deploy/client';
import type { Caller } from './auth.js';
import type { CatalogEntry } from './catalog.js';
import type { EmbedRequest, GenerateRequest } from './client.js';
import { HttpError, retryAfterSeconds } from './errors.js';
import type { TeamBudget } from './keys/store.js';
import type { Logger } from './logger.js';
import type { FrontMetrics } from './metrics.js';

/** What a call answered, for its cost: the target that answered, its usage, and whether it came from the cache. */
export interface CostedAnswer {
  readonly provider: string;
  readonly model: string;
  readonly usage: { readonly inputTokens: number; readonly outputTokens?: number };
  readonly cached: boolean;
  /** The client's cost of the answer (priced by the target that answered); computed here when absent. */
  readonly cost?: Cost;
}

/**
 * Budgets and spend of the front, on the client's budget ledger (in Redis when the front has it, so every
 * instance shares one budget): before a chat or embeddings call, its upper cost estimate is reserved against the
 * key's and its team's daily and monthly budgets (429 `budget_exceeded` when it does not fit); after it, the
 * reservation is settled with the actual cost (and the spend counters of `GET /v1/spend` written), or released
 * when the call failed without usage. A ledger failure fails open (the call goes on, counted in
 * genai_front_redis_errors_total{use="budget"}): budgets guard cost, not availability.
 */
export class FrontBudgets {
  /** Soft limits already logged, per scope, period and UTC day: one line each per instance, the metric every time. */
  private readonly softLogged = new Set<string>();

  constructor(
    readonly ledger: BudgetLedger,
    readonly prices: Readonly<Record<string, ModelPrice>>,
    private readonly front: {
      readonly metrics: FrontMetrics;
      readonly logger: Logger;
      readonly teamBudget: (team: string) => Promise<TeamBudget | undefined>;
    },
  ) {}

  /** The cost of an answer: 0 for a cache hit (nothing was spent upstream), else its usage at its price. */
  costOf(answer: CostedAnswer): Cost {
    // The client's own cost first: it prices the target that answered, where the answer's model name may be a
    // version the price table does not list (Vertex reports `gemini-2.0-flash-001` for `gemini-2.0-flash`).
    const cost = answer.cost ?? costOf(answer.usage, `${answer.provider}/${answer.model}`, this.prices);
    return answer.cached ? { ...cost, microUsd: 0, usd: 0, cacheHit: true } : cost;
  }

  /**
   * Reserves the call's upper estimate (the most any target of the name could cost) against the caller's scopes,
   * or throws the 429 that says which budget is spent and when it resets.
   */
  async hold(
    caller: Caller,
    entry: Pick<CatalogEntry, 'targets'>,
    request: Omit<GenerateRequest, 'signal'> | Omit<EmbedRequest, 'signal'>,
  ): Promise<BudgetHold> {
    const estimate = Math.max(0, ...entry.targets.map((t) => estimateCost(request, t.id, this.prices)));
    const scopes = await this.scopes(caller);
    // Without a limit nothing can refuse the call: no round trip before it, and its cost is recorded afterwards
    // without a reservation (the ledger keeps nothing per call for it), so spend counters stay exact.
    if (!scopes.some((s) => s.dailyMicroUsd !== undefined || s.monthlyMicroUsd !== undefined)) {
      return new BudgetHold(this, caller, { scopes, at: new Date() }, estimate);
    }
    let result: ReserveResult;
    try {
      result = await this.ledger.reserve(scopes, estimate);
    } catch (e) {
      this.tolerate(e);
      return new BudgetHold(this, caller, undefined, estimate);
    }
    if (!result.ok) {
      this.front.metrics.budgetExceeded.inc({ scope: result.scope.kind, period: result.period });
      throw budgetExceeded(result);
    }
    for (const soft of result.soft) this.noteSoftLimit(soft);
    return new BudgetHold(this, caller, result.reservation, estimate);
  }

  private async scopes(caller: Caller): Promise<BudgetScope[]> {
    const scopes: BudgetScope[] = [{ kind: 'key', id: caller.id, ...limits(caller.budget) }];
    if (caller.team !== undefined) {
      const team = await this.front.teamBudget(caller.team).catch((e: unknown) => {
        this.tolerate(e);
        return undefined;
      });
      scopes.push({ kind: 'team', id: caller.team, ...limits(team) });
    }
    return scopes;
  }

  private noteSoftLimit(soft: Extract<ReserveResult, { ok: true }>['soft'][number]): void {
    const { scope, period } = soft;
    this.front.metrics.budgetSoftLimit.inc({ scope: scope.kind, period });
    const mark = `${scope.kind}:${scope.id}:${period}:${new Date().toISOString().slice(0, 10)}`;
    if (this.softLogged.has(mark)) return;
    if (this.softLogged.size > 10_000) this.softLogged.clear();
    this.softLogged.add(mark);
    this.front.logger.warn(
      {
        event: 'budget_soft_limit',
        scope: scope.kind,
        id: scope.id,
        period,
        spentUsd: formatUsd(soft.spentMicroUsd),
        limitUsd: formatUsd(soft.limitMicroUsd),
      },
      `the ${period === 'day' ? 'daily' : 'monthly'} budget of ${scope.kind} ${scope.id} is past its soft limit`,
    );
  }

  /** @internal A ledger failure: counted and logged, the call goes on. */
  tolerate(e: unknown): void {
    this.front.metrics.redisErrors.inc({ use: 'budget' });
    this.front.logger.warn({ err: { message: (e as Error)?.message } }, 'budget ledger failure tolerated');
  }

  /** @internal */
  count(caller: Caller, model: string, microUsd: number): void {
    if (microUsd > 0) {
      this.front.metrics.costUsd.inc({ key_id: caller.id, team: caller.team ?? '', model }, microUsd / 1e6);
    }
  }
}

/** A call with no limit over it: nothing reserved, its cost recorded against these scopes once it is known. */
interface Unreserved {
  readonly scopes: readonly BudgetScope[];
  readonly at: Date;
}

/**
 * One call's reservation: settled once with the answer, or released once (a second call does nothing). An
 * unlimited call's cost is recorded instead; without either (the ledger failed open) only the cost is computed
 * and counted.
 */
export class BudgetHold {
  private closed = false;

  constructor(
    private readonly budgets: FrontBudgets,
    private readonly caller: Caller,
    private readonly reservation: Reservation | Unreserved | undefined,
    /** The call's upper estimate, µ$: what a cut stream counts as. */
    private readonly estimate: number,
  ) {}

  /** Settles with the answer's cost (awaited: the spend report includes it once the caller has the answer). */
  async settle(answer: CostedAnswer): Promise<Cost> {
    const cost = this.budgets.costOf(answer);
    if (this.closed) return cost;
    this.closed = true;
    const model = `${answer.provider}/${answer.model}`;
    this.budgets.count(this.caller, model, cost.microUsd);
    // A cache hit spent nothing upstream: no tokens, no cost.
    const usage = answer.cached ? { inputTokens: 0, outputTokens: 0 } : answer.usage;
    await this.record(model, usage.inputTokens, usage.outputTokens ?? 0, cost.microUsd);
    return cost;
  }

  /**
   * A stream cut after its first byte (upstream failure, or the caller went away) reported no usage: what was
   * reserved is what it counts as, since the provider may have billed the tokens it sent.
   */
  async settleReserved(model: string): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.reservation) return;
    this.budgets.count(this.caller, model, this.estimate);
    await this.record(model, 0, 0, this.estimate);
  }

  /** Settles the reservation (when there is one) with what the call spent; a ledger failure is tolerated. */
  private async record(
    model: string,
    inputTokens: number,
    outputTokens: number,
    microUsd: number,
  ): Promise<void> {
    const held = this.reservation;
    if (!held) return;
    const { id: keyId, team } = this.caller;
    const spend = {
      keyId,
      ...(team !== undefined ? { team } : {}),
      model,
      inputTokens,
      outputTokens,
      microUsd,
    };
    const { ledger } = this.budgets;
    await ('id' in held ? ledger.settle(held, spend) : ledger.record(held.scopes, spend, held.at)).catch(
      (e: unknown) => this.budgets.tolerate(e),
    );
  }

  /** Gives the reservation back: the call failed without usage. */
  release(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.reservation && 'id' in this.reservation) {
      this.budgets.ledger.release(this.reservation).catch((e: unknown) => this.budgets.tolerate(e));
    }
  }
}

/** A call within the caller's budgets, without a request around it (a job): reserved, released or settled. */
export async function withBudget<T extends CostedAnswer>(
  budgets: FrontBudgets,
  caller: Caller,
  entry: Pick<CatalogEntry, 'targets'>,
  request: Omit<GenerateRequest, 'signal'> | Omit<EmbedRequest, 'signal'>,
  call: () => Promise<T>,
): Promise<{ result: T; cost: Cost }> {
  const hold = await budgets.hold(caller, entry, request);
  let result: T;
  try {
    result = await call();
  } catch (e) {
    hold.release();
    throw e;
  }
  return { result, cost: await hold.settle(result) };
}

function limits(budget: TeamBudget | undefined): Pick<BudgetScope, 'dailyMicroUsd' | 'monthlyMicroUsd'> {
  return {
    ...(budget?.dailyUsd !== undefined ? { dailyMicroUsd: Math.round(budget.dailyUsd * 1e6) } : {}),
    ...(budget?.monthlyUsd !== undefined ? { monthlyMicroUsd: Math.round(budget.monthlyUsd * 1e6) } : {}),
  };
}

/** 429 `budget_exceeded`: which budget, how much is spent, what the call may cost, and when it resets. */
function budgetExceeded(result: Extract<ReserveResult, { ok: false }>): HttpError {
  const { scope, period, resetAt } = result;
  const who = scope.kind === 'key' ? 'this API key' : `the team ${scope.id}`;
  const reset = resetAt.toISOString();
  return new HttpError(
    429,
    `the ${period === 'day' ? 'daily' : 'monthly'} budget of ${who} is spent: $${formatUsd(result.spentMicroUsd)} of $${formatUsd(result.limitMicroUsd)} spent or reserved, and this request may cost up to $${formatUsd(result.requestedMicroUsd)}; it resets at ${reset} (UTC), or ask the gateway's operator to raise it`,
    {
      code: 'budget_exceeded',
      type: 'rate_limit_error',
      headers: {
        'retry-after': retryAfterSeconds(resetAt.getTime() - Date.now()),
        'x-genai-budget-reset': reset,
      },
    },
  );
}
