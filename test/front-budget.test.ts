/**
 * Issue 18, cost, budgets and spend: two fronts on one Redis (a prefix of this run's own) over the emulator; caller
 * endpoints through the official `openai` client, the admin API through fetch.
 */
import { randomUUID } from 'node:crypto';
import type { FrontConfigInput } from '@genai-deploy/config';
import type { StartFrontOptions } from '@genai-deploy/front';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClientOptions } from '../apps/local/src/platform.js';
import { adminCall, type Fleet, openaiFor, type Started, startFleet } from './front-fleet.js';
import { until } from './front-helpers.js';

const CHAT = 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0';
const EMBED = 'vertex/text-embedding-005';
const ADMIN = `sk-admin-${randomUUID()}`;
/** Prices ten times the published ones, so that $0.01 lasts a few dozen calls. */
const PRICE = { inputPerMTok: 8, outputPerMTok: 40 };

let fleet: Fleet;
let a: Started;
let b: Started;

function config(url: string): FrontConfigInput {
  return {
    models: [
      { id: CHAT, maxOutputTokens: 256 },
      { id: EMBED, kind: 'embedding' },
    ],
    routes: {},
    providers: {
      bedrock: { region: 'us-east-1', endpoint: url },
      vertex: { project: 'local-project', location: 'us-central1', endpoint: url },
    },
    pricing: { [CHAT]: PRICE },
    limits: { requestsPerMinute: 100_000, tokensPerMinute: 100_000_000 },
  };
}

const start = (options?: Partial<StartFrontOptions>) => fleet.start(options);
const openai = openaiFor;
const admin = (front: Started, method: string, path: string, body?: unknown) =>
  adminCall(front, ADMIN, method, path, body);

async function newKey(fields: object = {}): Promise<{ id: string; key: string }> {
  const { status, body } = await admin(a, 'POST', '/admin/keys', fields);
  expect(status).toBe(201);
  return { id: body.id, key: body.key };
}

const micro = (usd: string | null | undefined) => Math.round(Number(usd) * 1e6);

/** One small chat call: its status, its x-genai-cost-usd in µ$, and the error when refused. */
async function call(front: Started, key: string, n = 0) {
  try {
    const { response } = await openai(front, key)
      .chat.completions.create({
        model: CHAT,
        messages: [{ role: 'user', content: `count to ${n}` }],
        max_tokens: 16,
      })
      .withResponse();
    return { status: 200, costMicroUsd: micro(response.headers.get('x-genai-cost-usd')), response };
  } catch (e) {
    if (!(e instanceof OpenAI.APIError)) throw e;
    return { status: e.status ?? 0, costMicroUsd: 0, error: e };
  }
}

async function spendMicroUsd(front: Started, key: string): Promise<number> {
  const res = await fetch(`${front.url}/v1/spend`, { headers: { authorization: `Bearer ${key}` } });
  const body = (await res.json()) as { total_usd: number };
  return micro(String(body.total_usd));
}

beforeAll(async () => {
  fleet = await startFleet({ name: 'budget', config, env: { GENAI_ADMIN_KEYS: ADMIN } });
  ({ a, b } = fleet);
});

afterAll(() => fleet?.close());

describe('a $0.01 daily budget', () => {
  it('admits calls until it is spent, then answers 429 budget_exceeded; the cost headers sum to the spend', async () => {
    const { id, key } = await newKey({ team: 'budget-test', budget: { daily_usd: 0.01 } });
    let summed = 0;
    let succeeded = 0;
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 500 && !refused; i++) {
      const result = await call(i % 2 === 0 ? a : b, key, i);
      if (result.status === 200) {
        expect(result.costMicroUsd).toBeGreaterThan(0);
        summed += result.costMicroUsd;
        succeeded += 1;
      } else refused = result;
    }
    expect(succeeded).toBeGreaterThan(5);
    expect(refused?.status).toBe(429);
    const error = refused!.error!;
    expect(error.code).toBe('budget_exceeded');
    expect(error.message).toMatch(/daily budget of this API key is spent/);
    const tomorrow = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`).getTime() + 86_400_000;
    expect(Date.parse(error.headers?.get('x-genai-budget-reset') ?? '')).toBe(tomorrow);
    expect(Number(error.headers?.get('retry-after'))).toBeGreaterThan(0);
    // Spent, to the micro-dollar, on either instance; never over the budget.
    expect(await spendMicroUsd(b, key)).toBe(summed);
    expect(await spendMicroUsd(a, key)).toBe(summed);
    expect(summed).toBeLessThanOrEqual(10_000);
    const spend = (await admin(a, 'GET', `/admin/spend?key=${id}&group_by=model`)).body;
    expect(spend.groups[CHAT]).toMatchObject({ requests: succeeded, cost_usd: summed / 1e6 });
    // The soft limit (80 %) was passed: a metric and one log line.
    const scrape = (front: Started) =>
      fetch(`${front.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } }).then((r) => r.text());
    const metrics = (await scrape(a)) + (await scrape(b));
    expect(metrics).toMatch(/genai_budget_soft_limit_total\{scope="key",period="day"\} [1-9]/);
    expect(metrics).toMatch(/genai_budget_exceeded_total\{scope="key",period="day"\} 1\n/);
    expect(metrics).toContain(`genai_cost_usd_total{key_id="${id}",team="budget-test",model="${CHAT}"}`);
    const soft = [...a.logs, ...b.logs].filter((l) => l.event === 'budget_soft_limit' && l.id === id);
    expect(soft.length).toBeGreaterThanOrEqual(1);
    expect(soft.length).toBeLessThanOrEqual(2);
    // A job of the key runs within the same budget: it fails with budget_exceeded.
    const submitted = await fetch(`${b.url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: CHAT, messages: [{ role: 'user', content: 'later' }], max_tokens: 16 }),
    });
    expect(submitted.status).toBe(202);
    const job = (await submitted.json()) as { id: string };
    let failed: { status: string; error?: { code: string } } | undefined;
    await until(
      async () => {
        const res = await fetch(`${b.url}/v1/jobs/${job.id}`, {
          headers: { authorization: `Bearer ${key}` },
        });
        const body = (await res.json()) as { status: string; error?: { code: string } };
        if (body.status === 'failed' || body.status === 'succeeded') failed = body;
        return failed !== undefined;
      },
      5000,
      'the job ran',
    );
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'budget_exceeded' } });
    expect(await spendMicroUsd(a, key)).toBe(summed);
    const line = a.logs.find((l) => l.msg === 'request' && l.key === id && l.costUsd !== undefined);
    expect(line).toMatchObject({ team: 'budget-test', model: CHAT, tokensIn: expect.any(Number) });
  });

  it('holds with two instances and 200 concurrent requests: overspend within the reservations in flight', async () => {
    const { key } = await newKey({ budget: { daily_usd: 0.01 } });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => call(i % 2 === 0 ? a : b, key, i)),
    );
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status !== 200);
    expect(ok.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    expect(new Set(refused.map((r) => r.error?.code))).toEqual(new Set(['budget_exceeded']));
    const spent = await spendMicroUsd(a, key);
    expect(spent).toBe(ok.reduce((sum, r) => sum + r.costMicroUsd, 0));
    // The bound: what passes the budget is at most what was reserved for calls still in flight when it ran out
    // (200 calls × the largest estimate); reservations are upper estimates, so here nothing passes it at all.
    const largestEstimate = 256 + 16 * PRICE.outputPerMTok;
    expect(spent - 10_000).toBeLessThanOrEqual(200 * largestEstimate);
    expect(spent).toBeLessThanOrEqual(10_000);
  });
});

describe('team budgets and spend reports', () => {
  it("refuses a team's keys once the team's budget is spent", async () => {
    const team = `team-${randomUUID().slice(0, 8)}`;
    const put = await admin(a, 'PUT', `/admin/teams/${team}`, { budget: { daily_usd: 0.002 } });
    expect(put.body).toEqual({ object: 'team', team, budget: { daily_usd: 0.002, monthly_usd: null } });
    const first = await newKey({ team });
    const second = await newKey({ team });
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 100 && !refused; i++) {
      const result = await call(b, i % 2 === 0 ? first.key : second.key, i);
      if (result.status !== 200) refused = result;
    }
    expect(refused?.error?.code).toBe('budget_exceeded');
    expect(refused?.error?.message).toContain(`the team ${team}`);
    const byKey = (await admin(a, 'GET', `/admin/spend?team=${team}&group_by=key`)).body;
    expect(Object.keys(byKey.groups).sort()).toEqual([first.id, second.id].sort());
    expect(micro(String(byKey.total_usd))).toBeLessThanOrEqual(2000);
  });

  it('counts streams and embeddings, and validates the period', async () => {
    const { key, id } = await newKey();
    const stream = await openai(b, key).chat.completions.create({
      model: CHAT,
      messages: [{ role: 'user', content: 'stream please' }],
      max_tokens: 16,
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    const { response } = await openai(a, key)
      .embeddings.create({ model: EMBED, input: ['a', 'b'] })
      .withResponse();
    expect(response.headers.get('x-genai-cost-usd')).toMatch(/^\d+\.\d{6}$/);
    const streamCost = Math.round(
      usage!.prompt_tokens * PRICE.inputPerMTok + usage!.completion_tokens * PRICE.outputPerMTok,
    );
    await until(async () => (await spendMicroUsd(a, key)) >= streamCost, 2000, 'the stream settled');
    const today = new Date().toISOString().slice(0, 10);
    const res = await fetch(`${a.url}/v1/spend?from=${today}&to=${today}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const body = (await res.json()) as Record<string, any>;
    expect(body).toMatchObject({ object: 'spend', key_id: id, from: today, to: today });
    expect(body.by_model[CHAT]).toMatchObject({
      requests: 1,
      input_tokens: usage!.prompt_tokens,
      output_tokens: usage!.completion_tokens,
      cost_usd: streamCost / 1e6,
    });
    expect(body.by_model[EMBED]).toMatchObject({ requests: 1 });
    for (const [query, param] of [
      ['from=2026-13-01', 'from'],
      ['from=2026-12-02&to=2026-12-01', 'from'],
      ['from=2024-01-01&to=2026-01-01', 'to'],
      ['colour=red', 'colour'],
    ]) {
      const bad = await fetch(`${a.url}/v1/spend?${query}`, { headers: { authorization: `Bearer ${key}` } });
      expect(bad.status, query).toBe(400);
      const { error } = (await bad.json()) as { error: { param: string; message: string } };
      expect(`${error.param} ${error.message}`, query).toContain(param);
    }
    const byDay = (await admin(a, 'GET', `/admin/spend?key=${id}&group_by=day`)).body;
    expect(Object.keys(byDay.groups)).toEqual([today]);
  });
});

describe('cache hits', () => {
  it('cost nothing and say so', async () => {
    const cached = await start({ clientOptions: { ...localClientOptions(), retry: false } });
    try {
      const { key } = await newKey();
      const ask = () =>
        openai(cached, key)
          .chat.completions.create({
            model: CHAT,
            messages: [{ role: 'user', content: 'cache me' }],
            max_tokens: 200,
            temperature: 0,
          })
          .withResponse();
      const first = (await ask()).response;
      const second = (await ask()).response;
      expect(first.headers.get('x-genai-cache')).toBe('miss');
      expect(micro(first.headers.get('x-genai-cost-usd'))).toBeGreaterThan(0);
      expect(second.headers.get('x-genai-cache')).toBe('hit');
      expect(second.headers.get('x-genai-cost-usd')).toBe('0.000000');
      expect(await spendMicroUsd(cached, key)).toBe(micro(first.headers.get('x-genai-cost-usd')));
    } finally {
      await cached.running.close();
    }
  });
});
