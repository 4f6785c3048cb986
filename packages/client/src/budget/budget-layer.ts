/**
 * The budget step: before anything else of the request (a cache hit included), the call's estimated cost is
 * reserved against its scopes' budgets (`budget-exceeded` when it does not fit, before any network call); after
 * the answer the reservation is settled with the actual cost (0 for a cache hit), or released when the call
 * failed without an answer. The answer carries the cost the budget settled.
 */
import type { ModelPrice } from '@genai-deploy/config';
import { estimateCost } from '../cost/estimate.js';
import { answeredBy, resultCost } from '../cost/result-cost.js';
import { GenAiError, isGenAiError } from '../errors.js';
import type { CallContext, Layer } from '../layer.js';
import { estimateTokens } from '../tokens.js';
import type {
  EmbedResult,
  GenerateResult,
  NormalizedEmbedRequest,
  NormalizedGenerateRequest,
  StreamEvent,
} from '../types.js';
import type {} from './budget-events.js';
import type { BudgetOptions } from './budget-options.js';
import type { BudgetScope, Reservation, SpendRecord } from './ledger-types.js';

type Request = NormalizedGenerateRequest | NormalizedEmbedRequest;

const addressOf = (t: { readonly provider: string; readonly model: string }): string =>
  `${t.provider}/${t.model}`;

/** The error of a call that does not fit in a budget: not retryable, with the reset time. */
function budgetExceeded(result: {
  scope: BudgetScope;
  period: 'day' | 'month';
  spentMicroUsd: number;
  limitMicroUsd: number;
  requestedMicroUsd: number;
  resetAt: Date;
}): GenAiError {
  const usd = (micro: number) => `$${(micro / 1e6).toFixed(6)}`;
  return new GenAiError(
    `the ${result.period === 'day' ? 'daily' : 'monthly'} budget of ${result.scope.kind} "${result.scope.id}" is ${usd(result.limitMicroUsd)}; ${usd(result.spentMicroUsd)} is spent or reserved and this call may cost up to ${usd(result.requestedMicroUsd)}. It resets at ${result.resetAt.toISOString()}; lower maxTokens or wait`,
    {
      kind: 'budget-exceeded',
      code: 'budget_exceeded',
      resetAt: result.resetAt,
      retryAfterMs: Math.max(0, result.resetAt.getTime() - Date.now()),
    },
  );
}

/** The tokens an answer took upstream: none for a cache hit (it carries the usage of the answer it stored). */
function upstreamUsage(result: {
  readonly cached: boolean;
  readonly usage: { readonly inputTokens: number; readonly outputTokens?: number };
}): { readonly inputTokens: number; readonly outputTokens?: number } {
  return result.cached ? { inputTokens: 0, outputTokens: 0 } : result.usage;
}

/** Who the spend counters record: the first key scope (else the first scope), the first team scope. */
function spender(scopes: readonly BudgetScope[]): { keyId: string; team?: string } {
  const key = scopes.find((s) => s.kind === 'key');
  const team = scopes.find((s) => s.kind === 'team');
  const first = scopes[0];
  return {
    keyId: key?.id ?? (first ? `${first.kind}:${first.id}` : 'unscoped'),
    ...(team ? { team: team.id } : {}),
  };
}

/** The most any of the request's targets may cost: a fallback can answer from any of them. */
function estimate(req: Request, prices: Readonly<Record<string, ModelPrice>>): number {
  let most = 0;
  for (const t of req.targets) most = Math.max(most, estimateCost(req, addressOf(t), prices));
  return most;
}

class BudgetStep implements Layer {
  readonly name = 'budget';

  constructor(
    private readonly options: BudgetOptions,
    private readonly prices: Readonly<Record<string, ModelPrice>>,
  ) {}

  async generate(
    req: NormalizedGenerateRequest,
    ctx: CallContext,
    next: (req: NormalizedGenerateRequest, ctx: CallContext) => Promise<GenerateResult>,
  ): Promise<GenerateResult> {
    return this.#unary(req, ctx, next);
  }

  async embed(
    req: NormalizedEmbedRequest,
    ctx: CallContext,
    next: (req: NormalizedEmbedRequest, ctx: CallContext) => Promise<EmbedResult>,
  ): Promise<EmbedResult> {
    return this.#unary(req, ctx, next);
  }

  async *stream(
    req: NormalizedGenerateRequest,
    ctx: CallContext,
    next: (req: NormalizedGenerateRequest, ctx: CallContext) => AsyncIterable<StreamEvent>,
  ): AsyncIterable<StreamEvent> {
    const { reservation, scopes } = await this.#reserve(req, ctx);
    let closed = false;
    let delivered = '';
    try {
      for await (const event of next(req, ctx)) {
        if (event.type !== 'finish') {
          if (event.type === 'delta') delivered += event.text;
          yield event;
          continue;
        }
        const target = ctx.target ?? answeredBy(req.targets, event);
        const cost = resultCost(event, target, this.prices);
        closed = true;
        await this.#settle(
          ctx,
          reservation,
          scopes,
          addressOf(target ?? event),
          upstreamUsage(event),
          cost.microUsd,
        );
        yield { ...event, cost };
      }
    } finally {
      if (!closed) {
        // Cut after output reached the caller (an error or the caller stopped): the provider bills what it sent,
        // which the stream never reported, so the reservation (an upper estimate) is what it cost.
        const target = ctx.target ?? req.targets[0];
        if (delivered.length > 0 && target) {
          const usage = { inputTokens: 0, outputTokens: estimateTokens(delivered) };
          await this.#settle(ctx, reservation, scopes, addressOf(target), usage, reservation.microUsd);
        } else await this.#release(ctx, reservation);
      }
    }
  }

  async #unary<Req extends Request, Res extends GenerateResult | EmbedResult>(
    req: Req,
    ctx: CallContext,
    next: (req: Req, ctx: CallContext) => Promise<Res>,
  ): Promise<Res> {
    const { reservation, scopes } = await this.#reserve(req, ctx);
    let result: Res;
    try {
      result = await next(req, ctx);
    } catch (e) {
      await this.#release(ctx, reservation);
      throw e;
    }
    const target = ctx.target ?? answeredBy(req.targets, result);
    const cost = resultCost(result, target, this.prices);
    await this.#settle(
      ctx,
      reservation,
      scopes,
      addressOf(target ?? result),
      upstreamUsage(result),
      cost.microUsd,
    );
    return { ...result, cost };
  }

  async #reserve(
    req: Request,
    ctx: CallContext,
  ): Promise<{ reservation: Reservation; scopes: readonly BudgetScope[] }> {
    const scopes = this.options.scopes(req);
    let result: Awaited<ReturnType<BudgetOptions['ledger']['reserve']>>;
    try {
      result = await this.options.ledger.reserve(scopes, estimate(req, this.prices));
    } catch (e) {
      if (isGenAiError(e)) throw e;
      if (e instanceof TypeError) {
        // The scopes `budget.scopes` returned (or the estimate) are not what the ledger takes.
        throw new GenAiError(`createClient: budget: ${e.message}`, {
          kind: 'invalid-request',
          code: 'invalid-option',
          cause: e,
        });
      }
      // Budgets fail closed: without the ledger nobody can tell whether the call fits.
      throw new GenAiError(`the budget ledger failed: ${e instanceof Error ? e.message : String(e)}`, {
        kind: 'unavailable',
        retryable: false,
        code: 'budget-ledger',
        cause: e,
      });
    }
    if (!result.ok) throw budgetExceeded(result);
    for (const s of result.soft) {
      ctx.emit?.({
        type: 'budget-soft-limit',
        scope: { kind: s.scope.kind, id: s.scope.id },
        period: s.period,
        spentMicroUsd: s.spentMicroUsd,
        limitMicroUsd: s.limitMicroUsd,
      });
    }
    return { reservation: result.reservation, scopes };
  }

  /** Settles the reservation with what the call cost; a failing ledger does not fail an answered call. */
  async #settle(
    ctx: CallContext,
    reservation: Reservation,
    scopes: readonly BudgetScope[],
    model: string,
    usage: { readonly inputTokens: number; readonly outputTokens?: number },
    microUsd: number,
  ): Promise<void> {
    const record: SpendRecord = {
      ...spender(scopes),
      model,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens ?? 0,
      microUsd,
    };
    try {
      await this.options.ledger.settle(reservation, record);
    } catch (e) {
      ctx.emit?.({ type: 'budget-settle-failed', reason: e instanceof Error ? e.message : String(e) });
    }
  }

  async #release(ctx: CallContext, reservation: Reservation): Promise<void> {
    try {
      await this.options.ledger.release(reservation);
    } catch (e) {
      ctx.emit?.({ type: 'budget-settle-failed', reason: e instanceof Error ? e.message : String(e) });
    }
  }
}

/** The budget step over `options.ledger`, pricing with `prices` over DEFAULT_PRICES. */
export function createBudgetLayer(
  options: BudgetOptions,
  prices: Readonly<Record<string, ModelPrice>>,
): Layer {
  return new BudgetStep(options, prices);
}
