/**
 * What sharing circuit state and the rate cut through Redis costs (issue 21 item 1): the call path with and
 * without `sharedResilience` (breaker and adaptive rate limiter on, a target layer that answers at once, so only
 * the client's own steps are measured), the Redis commands issued, and how long another instance takes to see
 * an open circuit. Prints one Markdown section.
 *
 *   npm run bench -- shared-resilience
 */
import { createClient, type RedisConnection } from '@genai-deploy/client';
import { Redis } from 'ioredis';
import { SharedResilience } from '../../packages/client/src/resilience/shared-resilience.js';
import { answerAfterOneTurn } from './answer-layer.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CALLS = Number(process.env.BENCH_CALLS ?? 20_000);
const ROUNDS = 7;
const PREFIX = `genai:bench:shared:${process.pid}:`;
const MODEL = 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0';

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const redis = new Redis(REDIS_URL);
await redis.ping();
/** The real connection, with its commands counted. */
let commands = 0;
const counted = new Proxy(redis, {
  get(target, key, receiver) {
    const value = Reflect.get(target, key, receiver);
    if ((key === 'eval' || key === 'set') && typeof value === 'function') {
      return (...args: unknown[]) => {
        commands++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    }
    return typeof value === 'function' ? value.bind(target) : value;
  },
}) as unknown as RedisConnection;

// Answers every attempt after one turn of the event loop (as a network answer would come, so timers run):
// what is left is validation, events and the target steps (retry, breaker, limiter).
const answer = answerAfterOneTurn({ inputTokens: 1, outputTokens: 1 });

async function run(shared: boolean): Promise<{ perCallUs: number; commands: number }> {
  const client = createClient({
    providers: { bedrock: { region: 'us-east-1', credentials: { accessKeyId: 'A', secretAccessKey: 'S' } } },
    cache: false,
    rateLimit: {},
    layers: { target: [answer] },
    ...(shared ? { sharedResilience: { redis: counted, keyPrefix: PREFIX } } : {}),
  });
  const request = { model: MODEL, messages: [{ role: 'user' as const, content: 'hi' }], maxTokens: 8 };
  for (let i = 0; i < 500; i++) await client.generate(request); // warm-up
  commands = 0;
  const start = performance.now();
  for (let i = 0; i < CALLS; i++) await client.generate(request);
  const ms = performance.now() - start;
  const issued = commands;
  await client.close();
  return { perCallUs: (ms * 1000) / CALLS, commands: issued };
}

await run(false); // a throwaway run of each side: the first runs also pay the JIT and module loading
await run(true);
const plain: number[] = [];
const sharedUs: number[] = [];
const sharedCommands: number[] = [];
const seconds: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // Alternate who goes first so machine noise hits both sides alike.
  const order = round % 2 === 0 ? [false, true] : [true, false];
  for (const shared of order) {
    const started = performance.now();
    const r = await run(shared);
    if (shared) {
      sharedUs.push(r.perCallUs);
      sharedCommands.push(r.commands);
      seconds.push((performance.now() - started) / 1000);
    } else plain.push(r.perCallUs);
  }
}

// Propagation: A opens a circuit; how long until B (default refreshMs, 500 ms) fails fast on it.
const seen: number[] = [];
for (let i = 0; i < 10; i++) {
  const keyPrefix = `${PREFIX}p${i}:`;
  const a = new SharedResilience({ redis, keyPrefix });
  const b = new SharedResilience({ redis, keyPrefix });
  b.watch('t');
  await b.refresh();
  // Open at a random point of B's refresh cycle.
  await new Promise((r) => setTimeout(r, Math.random() * 500));
  const opened = performance.now();
  a.open('t', 10_000);
  while (b.peek('t').state !== 'open') await new Promise((r) => setTimeout(r, 1));
  seen.push(performance.now() - opened);
  a.stop();
  b.stop();
}

const keys = await redis.keys(`${PREFIX}*`);
if (keys.length > 0) await redis.del(...keys);
await redis.quit();

const p = median(plain);
const s = median(sharedUs);
console.log(`## Shared circuit state and rate cut (sharedResilience)

| | median µs per call | Redis commands during ${CALLS.toLocaleString('en')} calls |
| --- | --- | --- |
| breaker + adaptive limiter, per process | ${p.toFixed(1)} | 0 |
| the same with \`sharedResilience\` (Redis on 127.0.0.1) | ${s.toFixed(1)} | ${median(sharedCommands).toFixed(0)} (≈ ${(median(sharedCommands) / median(seconds)).toFixed(1)} per second: the background read) |
| shared ÷ per process | ${(s / p).toFixed(2)}× | |

| Another instance sees an open circuit after (default \`refreshMs\` 500) | median | max |
| --- | --- | --- |
| 10 trials, opened at a random point of the reader's cycle | ${median(seen).toFixed(0)} ms | ${Math.max(...seen).toFixed(0)} ms |

Measured: ${CALLS.toLocaleString('en')} sequential generate calls per run through createClient with the circuit breaker and the
adaptive rate limiter on (no quota), a target layer answering after one event-loop turn (no provider, no network), median of ${ROUNDS}
runs per side, the two sides alternating. Calls read the shared state from memory; Redis sees one read script
per \`refreshMs\` and a write only when a circuit opens or closes or a provider throttles.`);
process.exit(0);
