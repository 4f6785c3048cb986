import { randomUUID } from 'node:crypto';
import {
  type BudgetLedger,
  type BudgetScope,
  type ClientEvent,
  createBudgetLedger,
  estimateCost,
  type GenAiError,
  type Reservation,
  type StreamFinish,
} from '@genai-deploy/client';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CHAT, EMBED, failure } from './client.test-utils.js';
import { REDIS_URL, upstream } from './client-cache-helpers.js';
import { emulatorSuite } from './client-emulator-suite.js';

// Budgets (issue 18): the client's optional budget step against the emulator over real sockets, the ledger on a
// real Redis with its own key prefix per test; and two ledgers on one Redis under 200 concurrent calls.

const suite = emulatorSuite({ port: 0 });
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
const other = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
const prefixes: string[] = [];

function ledgerOn(connection: Redis, prefix = `test:issue18:{${randomUUID()}}:`): BudgetLedger {
  if (!prefixes.includes(prefix)) prefixes.push(prefix);
  return createBudgetLedger({ redis: connection, prefix });
}

afterEach(async () => {
  for (const prefix of prefixes.splice(0)) {
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 500 }))
      keys.push(...(batch as string[]));
    if (keys.length > 0) await redis.del(...keys);
  }
});
afterAll(() => {
  redis.disconnect();
  other.disconnect();
});

const messages = [{ role: 'user' as const, content: 'What is the capital of France?' }];
const today = () => new Date().toISOString().slice(0, 10);
const nextUtcMidnight = () => {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1));
};

describe('the budget step', () => {
  it('lets calls through until the budget is spent, then fails budget-exceeded with the reset time before any network call', async () => {
    const ledger = ledgerOn(redis);
    const scope: BudgetScope = { kind: 'key', id: 'svc-1', dailyMicroUsd: 100 };
    const client = suite.client({ budget: { ledger, scopes: () => [scope] } });
    const costs: number[] = [];
    let error: GenAiError | undefined;
    for (let i = 0; i < 50 && !error; i++) {
      const before = (await upstream(suite.url)).total;
      try {
        const result = await client.generate({ model: CHAT.azure, messages, maxTokens: 20 });
        costs.push(result.cost?.microUsd ?? Number.NaN);
      } catch (e) {
        error = e as GenAiError;
        // The refused call never reached the provider.
        expect((await upstream(suite.url)).total).toBe(before);
      }
    }
    expect(costs.length).toBeGreaterThan(3);
    expect(error?.kind).toBe('budget-exceeded');
    expect(error?.retryable).toBe(false);
    expect(error?.resetAt).toEqual(nextUtcMidnight());
    expect(error?.message).toMatch(
      /^the daily budget of key "svc-1" is \$0\.000100; \$0\.0000\d\d is spent or reserved and this call may cost up to \$0\.0000\d\d\. It resets at /,
    );
    // The spend report is the sum of the answers' costs to the µ$, and never past the limit (honest estimates).
    const report = await ledger.spend({ keyId: 'svc-1', from: today(), to: today(), groupBy: 'model' });
    const sum = costs.reduce((a, b) => a + b, 0);
    expect(report.totalMicroUsd).toBe(sum);
    expect(report.groups[CHAT.azure]?.requests).toBe(costs.length);
    expect(sum).toBeLessThanOrEqual(100);
  });

  it('charges a cache hit 0 (cacheHit: true), and refuses it too once the budget is spent', async () => {
    const ledger = ledgerOn(redis);
    const scopes: BudgetScope[] = [{ kind: 'team', id: 'search', monthlyMicroUsd: 1_000 }];
    const client = suite.client({ cache: {}, budget: { ledger, scopes: () => scopes } });
    const request = { model: CHAT.azure, messages, maxTokens: 20, temperature: 0 };
    const first = await client.generate(request);
    const hit = await client.generate(request);
    expect(hit.cached).toBe(true);
    expect(hit.cost).toMatchObject({ microUsd: 0, cacheHit: true });
    const report = await ledger.spend({ team: 'search', from: today(), to: today(), groupBy: 'key' });
    // Recorded under the first scope (`team:search`, there being no key scope): two requests, one paid.
    expect(report).toEqual({
      totalMicroUsd: first.cost?.microUsd,
      groups: {
        // The hit's tokens were not spent upstream either.
        'team:search': {
          requests: 2,
          inputTokens: first.usage.inputTokens,
          outputTokens: first.usage.outputTokens,
          microUsd: first.cost?.microUsd,
        },
      },
    });
    scopes[0] = { kind: 'team', id: 'search', monthlyMicroUsd: first.cost?.microUsd ?? 0 };
    expect((await failure(client.generate(request))).kind).toBe('budget-exceeded');
  });

  it('gives the reservation back when the call fails, and settles a stream at its finish', async () => {
    const ledger = ledgerOn(redis);
    const scope: BudgetScope = { kind: 'key', id: 'svc-2', dailyMicroUsd: 10_000 };
    const events: ClientEvent[] = [];
    const client = suite.client({
      budget: { ledger, scopes: () => [scope] },
      onEvent: (e) => events.push(e),
    });
    // The suite resets the emulator (faults included) after each test.
    const set = await fetch(`${suite.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [{ provider: 'azure', status: 400, count: 1 }] }),
    });
    expect(set.ok).toBe(true);
    expect((await failure(client.generate({ model: CHAT.azure, messages, maxTokens: 20 }))).kind).toBe(
      'invalid-request',
    );
    // Nothing is held: the whole budget can be reserved.
    const whole = await ledger.reserve([scope], 10_000);
    expect(whole.ok).toBe(true);
    if (whole.ok) await ledger.release(whole.reservation);
    let finish: StreamFinish | undefined;
    for await (const e of client.stream({ model: CHAT.azure, messages, maxTokens: 20 }))
      if (e.type === 'finish') finish = e;
    const report = await ledger.spend({ keyId: 'svc-2', from: today(), to: today(), groupBy: 'model' });
    expect(report.totalMicroUsd).toBe(finish?.cost?.microUsd);
    expect(report.groups[CHAT.azure]?.requests).toBe(1);
    expect(events.find((e) => e.type === 'request-end')).toMatchObject({ cost: finish?.cost });
  });

  it('settles a stream cut after output reached the caller at its reservation (the provider billed what it sent)', async () => {
    const ledger = ledgerOn(redis);
    const scope: BudgetScope = { kind: 'key', id: 'svc-4' };
    const client = suite.client({ budget: { ledger, scopes: () => [scope] } });
    const set = await fetch(`${suite.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [{ provider: 'azure', kind: 'stream-error', afterChunks: 2 }] }),
    });
    expect(set.ok).toBe(true);
    const request = { model: CHAT.azure, messages, maxTokens: 30 };
    let deltas = 0;
    const error = await failure(
      (async () => {
        for await (const e of client.stream(request)) if (e.type === 'delta') deltas++;
      })(),
    );
    expect(error.kind).toBe('mid-stream');
    expect(deltas).toBeGreaterThan(0);
    const report = await ledger.spend({ keyId: 'svc-4', from: today(), to: today(), groupBy: 'model' });
    expect(report.totalMicroUsd).toBe(estimateCost(request, CHAT.azure));
    expect(report.groups[CHAT.azure]?.requests).toBe(1);
  });

  it('fails closed when the ledger cannot be reached: no call goes out', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    down.on('error', () => {});
    try {
      const client = suite.client({
        budget: { ledger: createBudgetLedger({ redis: down }), scopes: () => [] },
      });
      const error = await failure(client.generate({ model: CHAT.azure, messages, maxTokens: 5 }));
      expect(error).toMatchObject({ kind: 'unavailable', code: 'budget-ledger', retryable: false });
      expect(error.message).toMatch(/^the budget ledger failed: /);
      expect((await upstream(suite.url)).total).toBe(0);
    } finally {
      down.disconnect();
    }
  });

  it('reports a soft limit as an event and lets the call run', async () => {
    const ledger = createBudgetLedger({ softLimitFraction: 0.01 });
    const events: ClientEvent[] = [];
    const scope: BudgetScope = { kind: 'key', id: 'svc-3', dailyMicroUsd: 1_000 };
    const client = suite.client({
      budget: { ledger, scopes: () => [scope] },
      onEvent: (e) => events.push(e),
    });
    await client.embed({
      model: EMBED.azure,
      input: 'a text of some length to embed, enough for a few tokens',
    });
    await client.generate({ model: CHAT.azure, messages, maxTokens: 20 });
    const soft = events.filter((e) => e.type === 'budget-soft-limit');
    expect(soft.length).toBeGreaterThanOrEqual(1);
    expect(soft.at(-1)).toMatchObject({
      scope: { kind: 'key', id: 'svc-3' },
      period: 'day',
      limitMicroUsd: 1_000,
    });
  });

  it('says so when budget.scopes returns a scope the ledger cannot take', async () => {
    const client = suite.client({
      budget: { ledger: createBudgetLedger(), scopes: () => [{ kind: 'key', id: 'k', dailyMicroUsd: 0.5 }] },
    });
    const error = await failure(client.generate({ model: CHAT.azure, messages, maxTokens: 5 }));
    expect(error).toMatchObject({ kind: 'invalid-request', code: 'invalid-option' });
    expect(error.message).toBe(
      'createClient: budget: reserve: invalid dailyMicroUsd of key "k": got 0.5; expected an integer of µ$ >= 0',
    );
    expect((await upstream(suite.url)).total).toBe(0);
  });

  it('refuses a budget option without a ledger or scopes', () => {
    expect(() => suite.client({ budget: { ledger: {} as BudgetLedger, scopes: () => [] } })).toThrow(
      /invalid budget\.ledger: got "object"; expected a BudgetLedger/,
    );
    expect(() => suite.client({ budget: { ledger: createBudgetLedger(), scopes: [] as never } })).toThrow(
      /invalid budget\.scopes/,
    );
  });
});

describe('two ledgers on one Redis, 200 concurrent reserve + settle', () => {
  const LIMIT = 10_000;
  const scopes: BudgetScope[] = [
    { kind: 'key', id: 'k', dailyMicroUsd: LIMIT },
    { kind: 'team', id: 't', monthlyMicroUsd: 50 * LIMIT },
  ];

  /** Runs 200 calls split over two instances; each settles `actual(estimate)` after a random pause. */
  async function run(actual: (estimate: number, i: number) => number) {
    const prefix = `test:issue18:{${randomUUID()}}:`;
    const ledgers = [ledgerOn(redis, prefix), ledgerOn(other, prefix)];
    const accepted: { estimate: number; actual: number }[] = [];
    let refused = 0;
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const ledger = ledgers[i % 2]!;
        const estimate = 80 + ((i * 37) % 61);
        const r = await ledger.reserve(scopes, estimate);
        if (!r.ok) {
          refused++;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, (i * 7) % 11));
        const spent = actual(estimate, i);
        accepted.push({ estimate, actual: spent });
        await ledger.settle(r.reservation as Reservation, {
          keyId: 'k',
          team: 't',
          model: 'azure/gpt-4o-mini',
          inputTokens: 1,
          outputTokens: 1,
          microUsd: spent,
        });
      }),
    );
    const total = accepted.reduce((a, c) => a + c.actual, 0);
    const excess = accepted.reduce((a, c) => a + Math.max(0, c.actual - c.estimate), 0);
    const report = await ledgers[0]!.spend({ keyId: 'k', from: today(), to: today(), groupBy: 'model' });
    // What the counter holds is exactly what was settled: (LIMIT - total) fits, one µ$ more does not.
    const left = LIMIT - total;
    if (left >= 0) {
      expect(await ledgers[1]!.reserve(scopes, left + 1)).toMatchObject({ ok: false, spentMicroUsd: total });
    }
    return { accepted: accepted.length, refused, total, excess, report };
  }

  it('with honest estimates (actual <= estimate) the spend never passes the limit', async () => {
    const r = await run((estimate, i) => estimate - (i % 40));
    expect(r.refused).toBeGreaterThan(0);
    expect(r.accepted).toBeGreaterThan(50);
    expect(r.report.totalMicroUsd).toBe(r.total);
    expect(r.report.groups['azure/gpt-4o-mini']?.requests).toBe(r.accepted);
    expect(r.excess).toBe(0);
    expect(r.total).toBeLessThanOrEqual(LIMIT);
  });

  it('with actuals above the estimates the overspend is bounded by what the reservations in flight missed, exactly', async () => {
    const r = await run((estimate, i) => (i % 3 === 0 ? estimate * 2 : estimate - 10));
    expect(r.refused).toBeGreaterThan(0);
    expect(r.excess).toBeGreaterThan(0);
    expect(r.report.totalMicroUsd).toBe(r.total);
    // The bound: every reservation was checked against the limit, so only settles above their estimate pass it.
    expect(r.total).toBeLessThanOrEqual(LIMIT + r.excess);
    expect(r.total).toBeGreaterThan(LIMIT);
  });
});
