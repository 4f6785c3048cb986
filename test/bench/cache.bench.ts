/**
 * Cache latency (issue 6). The emulator runs in its own process with zero latency; Redis is the shared one
 * (127.0.0.1:6379 or REDIS_URL) under a unique key prefix, cleaned up at the end, except for the outage
 * runs, which use throwaway redis-server child processes that are killed mid-run.
 * - memory hit: `client.generate` answered by the in-process LRU, against the same call uncached;
 * - Redis hit: the cache's Redis read (one GET; the expiry travels in the value; then decode) and a whole
 *   `client.generate` answered from Redis (memory tier off), against a raw ioredis GET of the same value on
 *   the same server, interleaved call by call;
 * - Redis stopped mid-run: the same workload with Redis up throughout and with Redis killed halfway,
 *   alternated over 3 rounds; the added p99 is the difference of the medians.
 */

import { RedisStore } from '@genai-deploy/client';
import { answerCodec, TieredCache } from '@genai-deploy/client/internal';
import { Redis } from 'ioredis';
import { startRedisChild } from '../../packages/client/src/cache/redis-server.test-utils.js';
import {
  emulatorClient,
  median,
  quantile,
  REDIS_URL,
  redisPrefix,
  startEmulatorProcess,
} from '../client-cache-helpers.js';

const HIT_CALLS = 3000;
const REDIS_CALLS = 3000;
const OUTAGE_CALLS = 600;
const OUTAGE_WORKERS = 8;
const ROUNDS = 3;

const ask = (content: string) => ({
  model: 'vertex/gemini-2.0-flash',
  messages: [{ role: 'user' as const, content }],
  temperature: 0,
  maxTokens: 64,
});

const us = (ms: number) => `${Math.round(ms * 1000)} µs`;
const msFmt = (ms: number) => `${ms.toFixed(2)} ms`;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const emulator = await startEmulatorProcess();
const { prefix, cleanup } = redisPrefix();
const rows: string[] = [];
try {
  // 1. Memory hits against the uncached call.
  const memory = emulatorClient(emulator.url);
  const uncached = emulatorClient(emulator.url, { cache: false });
  await memory.generate(ask('memory bench'));
  await uncached.generate(ask('memory bench'));
  const memHit: number[] = [];
  const miss: number[] = [];
  for (let i = 0; i < HIT_CALLS; i++) {
    memHit.push(await timed(() => memory.generate(ask('memory bench'))));
    if (i % 10 === 0) miss.push(await timed(() => uncached.generate(ask('memory bench'))));
  }
  await memory.close();
  await uncached.close();

  // 2. Redis hits against a raw GET of the same value.
  const viaRedis = emulatorClient(emulator.url, {
    cache: { redis: REDIS_URL, keyPrefix: prefix, memory: false },
  });
  await viaRedis.generate(ask('redis bench'));
  const raw = new Redis(REDIS_URL);
  const keys = await raw.keys(`${prefix}*:g:*`);
  if (keys.length !== 1) throw new Error(`expected one cached answer under ${prefix}, found ${keys.length}`);
  const key = keys[0]!;
  const layerStore = new TieredCache({ memory: false, redis: new RedisStore({ url: REDIS_URL }) });
  await layerStore.get(key, answerCodec);
  const rawGet: number[] = [];
  const layerGet: number[] = [];
  const clientGet: number[] = [];
  const steps = [
    async () => rawGet.push(await timed(() => raw.getBuffer(key))),
    async () => layerGet.push(await timed(() => layerStore.get(key, answerCodec))),
    async () => clientGet.push(await timed(() => viaRedis.generate(ask('redis bench')))),
  ];
  for (let i = 0; i < REDIS_CALLS; i++) {
    // Rotate the order so that none always runs first (warm caches, timers, GC).
    for (let j = 0; j < steps.length; j++) await steps[(i + j) % steps.length]!();
  }
  const redisStats = viaRedis.cacheStats();
  await viaRedis.close();
  await layerStore.close();
  await layerStore.redis?.close();
  raw.disconnect();

  // 3. Redis stopped in the middle of a run.
  async function outageRun(kill: boolean) {
    const redis = await startRedisChild();
    const client = emulatorClient(emulator.url, { cache: { redis: redis.url, memory: false } });
    const latencies: number[] = [];
    let errors = 0;
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < OUTAGE_CALLS) {
        const i = next++;
        if (kill && !killed && i >= OUTAGE_CALLS / 2) {
          killed = true;
          void redis.kill();
        }
        try {
          // Every question is new: each call reads Redis (a miss), calls the provider and writes Redis, so
          // the runs differ only by the Redis outage, not by cache hits lost.
          latencies.push(await timed(() => client.generate(ask(`outage question ${i}`))));
        } catch {
          errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: OUTAGE_WORKERS }, worker));
    const failOpen = client.cacheStats().failOpen;
    await client.close();
    await redis.kill();
    return {
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      max: Math.max(...latencies),
      errors,
      failOpen,
    };
  }
  const up: Awaited<ReturnType<typeof outageRun>>[] = [];
  const down: Awaited<ReturnType<typeof outageRun>>[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    up.push(await outageRun(false));
    down.push(await outageRun(true));
  }

  const rawP50 = median(rawGet);
  rows.push(
    '| Measurement | p50 | p99 | Ratio (p50) |',
    '| --- | --- | --- | --- |',
    `| generate, uncached (zero-latency emulator, Vertex client) | ${us(median(miss))} | ${us(quantile(miss, 0.99))} | |`,
    `| generate, memory hit | ${us(median(memHit))} | ${us(quantile(memHit, 0.99))} | ${(median(memHit) / median(miss)).toFixed(3)} × uncached |`,
    `| raw ioredis GET of the cached value | ${us(rawP50)} | ${us(quantile(rawGet, 0.99))} | 1 |`,
    `| cache Redis read (one GET, expiry stored in the value; decode) | ${us(median(layerGet))} | ${us(quantile(layerGet, 0.99))} | ${(median(layerGet) / rawP50).toFixed(2)} × raw GET |`,
    `| generate, Redis hit (memory tier off, whole client call) | ${us(median(clientGet))} | ${us(quantile(clientGet, 0.99))} | ${(median(clientGet) / rawP50).toFixed(2)} × raw GET |`,
    '',
    `Redis hits ${redisStats.redisHits} of ${REDIS_CALLS + 1} client calls (fail-opens: ${redisStats.failOpen}; a Redis read slower than 50 ms goes to the provider).`,
    '',
    '| Redis during the run | p50 | p99 | max | errors | fail-opens |',
    '| --- | --- | --- | --- | --- | --- |',
    `| up throughout | ${msFmt(median(up.map((x) => x.p50)))} | ${msFmt(median(up.map((x) => x.p99)))} | ${msFmt(median(up.map((x) => x.max)))} | ${up.reduce((n, x) => n + x.errors, 0)} | ${median(up.map((x) => x.failOpen))} |`,
    `| killed halfway (SIGKILL) | ${msFmt(median(down.map((x) => x.p50)))} | ${msFmt(median(down.map((x) => x.p99)))} | ${msFmt(median(down.map((x) => x.max)))} | ${down.reduce((n, x) => n + x.errors, 0)} | ${median(down.map((x) => x.failOpen))} |`,
    `| **added by the outage** | ${msFmt(median(down.map((x) => x.p50)) - median(up.map((x) => x.p50)))} | **${msFmt(median(down.map((x) => x.p99)) - median(up.map((x) => x.p99)))}** | ${msFmt(median(down.map((x) => x.max)) - median(up.map((x) => x.max)))} | | |`,
  );
} finally {
  await cleanup();
  await emulator.close();
}

console.log(`## Cache: memory and Redis hit latency, Redis outage

${rows.join('\n')}

Measured: ${HIT_CALLS} sequential memory hits (uncached calls every 10th, side by side); ${REDIS_CALLS} rounds of a raw
ioredis GET, the cache's Redis read and a Redis-answered \`client.generate\` of the same entry, interleaved in rotating
order; ${ROUNDS} alternated pairs of ${OUTAGE_CALLS}-call runs (${OUTAGE_WORKERS} in flight, every prompt new so each call reads and writes Redis, memory tier off) with Redis
up and with a redis-server child killed after half the calls (medians of the rounds). The emulator runs in its own
process with zero latency. Goal of issue 6: Redis hit at most 1.2 × a raw GET (p50); added p99 at most 50 ms.
`);
process.exit(0);
