import type { SpendReport, SpendTotals } from '@genai-deploy/client';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv, FrontState } from '../context.js';
import { HttpError } from '../errors.js';
import { parseBody } from '../openai-schema.js';

const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a UTC date YYYY-MM-DD, e.g. 2026-12-01')
  .refine(
    (d) =>
      !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    {
      error: 'expected a real date YYYY-MM-DD',
    },
  );

const periodFields = { from: isoDay.optional(), to: isoDay.optional() };
const callerQuery = z.strictObject(periodFields);
const adminQuery = z.strictObject({
  ...periodFields,
  team: z.string().min(1).max(64).optional(),
  key: z
    .string()
    .regex(/^[0-9a-f]{16}$/, 'expected a key id: 16 hex characters, as GET /admin/keys lists them')
    .optional(),
  group_by: z.enum(['model', 'key', 'day'], { error: 'expected model, key or day' }).optional(),
});

/** `from` and `to` (both included), today in UTC by default, `from` not after `to`, at most 366 days. */
function period(query: { from?: string | undefined; to?: string | undefined }): { from: string; to: string } {
  const today = new Date().toISOString().slice(0, 10);
  const to = query.to ?? (query.from && query.from > today ? query.from : today);
  const from = query.from ?? (to < today ? to : today);
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
  if (days < 1) {
    throw new HttpError(400, `invalid from: got ${from}, after to (${to}); expected from <= to`, {
      param: 'from',
      code: 'invalid_value',
    });
  }
  if (days > MAX_DAYS) {
    throw new HttpError(400, `invalid to: ${days} days from ${from} to ${to}; expected at most ${MAX_DAYS}`, {
      param: 'to',
      code: 'invalid_value',
    });
  }
  return { from, to };
}

const usd = (micro: number) => Number((micro / 1e6).toFixed(6));

function totals(t: SpendTotals) {
  return {
    requests: t.requests,
    input_tokens: t.inputTokens,
    output_tokens: t.outputTokens,
    cost_usd: usd(t.microUsd),
  };
}

function groups(report: SpendReport) {
  return Object.fromEntries(Object.entries(report.groups).map(([k, t]) => [k, totals(t)]));
}

/**
 * `GET /v1/spend` (the caller's own key, by model) and `GET /admin/spend` (any key or team, grouped by model, key
 * or day), from the ledger's spend counters over whole UTC days.
 */
export function spendRoutes(front: Pick<FrontState, 'budgets'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/v1/spend', async (c) => {
    const { from, to } = period(parseBody(callerQuery, c.req.query()));
    const keyId = c.get('caller').id;
    const report = await front.budgets.ledger.spend({ keyId, from, to, groupBy: 'model' });
    return c.json({
      object: 'spend',
      key_id: keyId,
      from,
      to,
      total_usd: usd(report.totalMicroUsd),
      by_model: groups(report),
    });
  });

  app.get('/admin/spend', async (c) => {
    const query = parseBody(adminQuery, c.req.query());
    const { from, to } = period(query);
    const groupBy = query.group_by ?? 'model';
    const report = await front.budgets.ledger.spend({
      ...(query.key !== undefined ? { keyId: query.key } : {}),
      ...(query.team !== undefined ? { team: query.team } : {}),
      from,
      to,
      groupBy,
    });
    return c.json({
      object: 'spend',
      key_id: query.key ?? null,
      team: query.team ?? null,
      from,
      to,
      group_by: groupBy,
      total_usd: usd(report.totalMicroUsd),
      groups: groups(report),
    });
  });
  return app;
}
