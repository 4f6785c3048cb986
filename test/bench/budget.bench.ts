/**
 * What the cost and the budget step add to a call (issue 18): the call path without budgets (the cost is always
 * computed), with a memory ledger and with a Redis ledger (one reserve and one settle script per call), through
 * createClient with a target layer that answers at once, so only the client's own steps are measured; and the
 * Redis ledger's throughput with 50 calls in flight from two connections. Prints one Markdown section.
 *
 *   npm run bench -- budget
 */
import { type BudgetLedger, costOf, createBudgetLedger, createClient } from '@genai-deploy/client';
import { Redis } from 'ioredis';
import { answerAfterOneTurn } from './answer-layer.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CALLS = Number(process.env.BENCH_CALLS ?? 5_000);
const ROUNDS = 5;
const PREFIX = `genai:bench:budget:{${process.pid}}:`;
const MODEL = 'azure/gpt-4o-mini';

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const redis = new Redis(REDIS_URL);
const second = new Redis(REDIS_URL);
await Promise.all([redis.ping(), second.ping()]);

// Answers every attempt after one turn of the event loop (as a network answer would come).
const answer = answerAfterOneTurn({ inputTokens: 120, outputTokens: 40 });

type Side = 'none' | 'memory' | 'redis';

async function run(side: Side): Promise<number> {
  const ledger: BudgetLedger | undefined =
    side === 'none'
      ? undefined
      : side === 'memory'
        ? createBudgetLedger()
        : createBudgetLedger({ redis, prefix: PREFIX });
  const client = createClient({
    providers: { azure: { endpoint: 'https://example.services.ai.azure.com/models', apiKey: 'k' } },
    cache: false,
    retry: false,
    circuitBreaker: false,
    layers: { target: [answer] },
    ...(ledger
      ? {
          budget: {
            ledger,
            scopes: () => [
              { kind: 'key' as const, id: 'bench', dailyMicroUsd: 1e12 },
              { kind: 'team' as const, id: 'bench', monthlyMicroUsd: 1e12 },
            ],
          },
        }
      : {}),
  });
  const request = { model: MODEL, messages: [{ role: 'user' as const, content: 'hi' }], maxTokens: 64 };
  for (let i = 0; i < 200; i++) await client.generate(request); // warm-up
  const start = performance.now();
  for (let i = 0; i < CALLS; i++) await client.generate(request);
  const ms = performance.now() - start;
  await client.close();
  return (ms * 1000) / CALLS;
}

for (const side of ['none', 'memory', 'redis'] as const) await run(side); // throwaway: JIT and module loading
const results: Record<Side, number[]> = { none: [], memory: [], redis: [] };
for (let round = 0; round < ROUNDS; round++) {
  // Rotate who goes first so machine noise hits every side alike.
  const order: Side[] = (['none', 'memory', 'redis'] as const).map((_, i, a) => a[(i + round) % 3]!);
  for (const side of order) results[side].push(await run(side));
}

// Throughput of the shared ledger: 20,000 reserve + settle pairs, 50 in flight, over two connections.
const PAIRS = 20_000;
const ledgers = [
  createBudgetLedger({ redis, prefix: PREFIX }),
  createBudgetLedger({ redis: second, prefix: PREFIX }),
];
const scopes = [{ kind: 'key' as const, id: 'tp', dailyMicroUsd: 1e12 }];
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: 50 }, async (_, w) => {
    const ledger = ledgers[w % 2]!;
    while (next++ < PAIRS) {
      const r = await ledger.reserve(scopes, 100);
      if (!r.ok) throw new Error('unexpected refusal');
      await ledger.settle(r.reservation, {
        keyId: 'tp',
        model: MODEL,
        inputTokens: 1,
        outputTokens: 1,
        microUsd: 90,
      });
    }
  }),
);
const pairsPerSecond = PAIRS / ((performance.now() - started) / 1000);

// costOf alone: what every answer pays for its cost (a price lookup and four products).
const COSTS = 1_000_000;
let sink = 0;
const costStart = performance.now();
for (let i = 0; i < COSTS; i++)
  sink += costOf({ inputTokens: 100 + (i & 63), outputTokens: 40 }, MODEL).microUsd;
const costOfNs = ((performance.now() - costStart) * 1e6) / COSTS;
if (sink < 0) console.log(sink);

const keys = await redis.keys(`${PREFIX}*`);
if (keys.length > 0) await redis.del(...keys);
await Promise.all([redis.quit(), second.quit()]);

const none = median(results.none);
const memory = median(results.memory);
const shared = median(results.redis);
console.log(`## Cost and budgets (issue 18)

| | median µs per call | ÷ no budget |
| --- | --- | --- |
| cost computed, no budget step | ${none.toFixed(1)} | 1.00× |
| budget step, memory ledger | ${memory.toFixed(1)} | ${(memory / none).toFixed(2)}× |
| budget step, Redis ledger (127.0.0.1; a reserve and a settle script per call) | ${shared.toFixed(1)} | ${(shared / none).toFixed(2)}× |

\`costOf\` alone (every answer's cost): ${costOfNs.toFixed(0)} ns per call (${COSTS.toLocaleString('en')} calls).

| Redis ledger, two connections, 50 in flight | reserve + settle pairs per second |
| --- | --- |
| ${PAIRS.toLocaleString('en')} pairs, one key scope | ${pairsPerSecond.toFixed(0)} |

Measured: ${CALLS.toLocaleString('en')} sequential generate calls per run through createClient (cache, retry and breaker off, a
target layer answering after one event-loop turn: no provider, no network), two scopes (a key's day and a team's
month), median of ${ROUNDS} runs per side, the order rotating. The Redis side's extra time is two round trips to a
local Redis per call; a remote Redis adds its round-trip time twice.`);
process.exit(0);
