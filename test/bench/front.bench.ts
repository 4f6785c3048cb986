/**
 * What the front costs: latency it adds over calling the emulator directly with the SDK, and cache-hit
 * throughput. Everything runs in this process (emulator, front, load), so both sides of each comparison share
 * the same machine state; the calls are interleaved one by one.
 *
 * - Latency: non-cached Bedrock Converse on the zero-latency emulator, three paths interleaved per iteration:
 *   (a) @genai-deploy/client → emulator; (b) HTTP POST (fetch, keep-alive) → front → client → emulator;
 *   (c) the official `openai` client → front → ...; and (d) GET /health over the same HTTP path, the hop alone.
 * - Cache hits: a deterministic chat request answered from the front's memory cache, autocannon with 32
 *   keep-alive connections, 3 rounds of 3 s; beside it GET /health (the HTTP floor of the same server).
 */
import { parseFrontConfig } from '@genai-deploy/config';
import { createGatewayClient, createLogger, startFront } from '@genai-deploy/front';
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';
import OpenAI from 'openai';
import { localClientOptions, localConfig, startLocalPlatform } from '../../apps/local/src/platform.js';

const MODEL = 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0';
const WARMUP = 100;
const N = 700;
const KEY = 'sk-bench';

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};
const median = (xs: number[]) => quantile(xs, 0.5);

const platform = await startLocalPlatform({
  port: 0,
  emulatorPort: 0,
  apiKeys: [KEY],
  front: { logger: createLogger({ level: 'silent' }) },
});
const config = parseFrontConfig({
  ...localConfig(platform.emulator.url),
  limits: { requestsPerMinute: 1e9, tokensPerMinute: 1e12 },
});
// The same client the front builds (same mapping, same options), called in-process.
const direct = createGatewayClient(config, localClientOptions());
// The platform's front has the default 600 requests/min per key: use a front without that limit.
await platform.front.close();
const front = await startFront({
  config,
  apiKeys: [KEY],
  clientOptions: localClientOptions(),
  logger: createLogger({ level: 'silent' }),
});
const openai = new OpenAI({ apiKey: KEY, baseURL: `${front.url}/v1`, maxRetries: 0 });

const messages = [{ role: 'user' as const, content: 'Name three uses of a GPU.' }];
const body = JSON.stringify({ model: MODEL, messages, max_tokens: 16 });
const paths: Record<string, () => Promise<unknown>> = {
  'client → emulator': () => direct.generate({ model: MODEL, messages, maxTokens: 16 }),
  'HTTP → front → client → emulator': async () => {
    const res = await fetch(`${front.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body,
    });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    await res.arrayBuffer();
  },
  // The HTTP hop alone (fetch + Node's HTTP server + routing), no model call: splits the added latency.
  'HTTP → front GET /health (no model call)': async () => {
    const res = await fetch(`${front.url}/health`);
    await res.arrayBuffer();
  },
  'openai client → front → client → emulator': () =>
    openai.chat.completions.create({ model: MODEL, messages, max_tokens: 16 }),
};
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(paths).map((k) => [k, []]));
for (let i = 0; i < WARMUP + N; i++) {
  for (const [name, call] of Object.entries(paths)) {
    const t = performance.now();
    await call();
    if (i >= WARMUP) samples[name]!.push((performance.now() - t) * 1000);
  }
}

async function cannon(path: string, init: { method?: string; body?: string }) {
  const rounds = [];
  for (let r = 0; r < 3; r++) {
    const result = await autocannon({
      url: `${front.url}${path}`,
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      ...(init.body ? { body: init.body } : {}),
      connections: 32,
      duration: 3,
    });
    rounds.push({
      rps: result.requests.average as number,
      p50: result.latency.p50 as number,
      p99: result.latency.p99 as number,
      non2xx: (result.non2xx as number) + (result.errors as number) + (result.timeouts as number),
    });
  }
  return {
    rps: median(rounds.map((r) => r.rps)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    non2xx: rounds.reduce((n, r) => n + r.non2xx, 0),
  };
}

const cachedBody = JSON.stringify({ model: MODEL, messages, max_tokens: 16, temperature: 0 });
const before = platform.emulator.requests().total;
const cacheHits = await cannon('/v1/chat/completions', { method: 'POST', body: cachedBody });
const upstreamDuringHits = platform.emulator.requests().total - before;
const health = await cannon('/health', {});

await front.close();
await direct.close();
await platform.emulator.close();

const base = median(samples['client → emulator']!);
const fmt = (us: number) => (us / 1000).toFixed(2);
const rows = Object.entries(samples).map(([name, xs]) => {
  const m = median(xs);
  const added = name === 'client → emulator' || name.includes('/health') ? '—' : `+${fmt(m - base)}`;
  return `| ${name} | ${fmt(m)} | ${fmt(quantile(xs, 0.99))} | ${(m / base).toFixed(2)}× | ${added} |`;
});
console.log(`## Front: added latency and cache-hit throughput

| Path (non-cached Bedrock Converse, zero-latency emulator) | p50 ms | p99 ms | p50 ratio | p50 added ms |
| --- | ---: | ---: | ---: | ---: |
${rows.join('\n')}

| Load (autocannon, 32 connections, median of 3 × 3 s) | req/s | p50 ms | p99 ms | non-2xx + errors |
| --- | ---: | ---: | ---: | ---: |
| POST /v1/chat/completions, cache hit (temperature 0) | ${Math.round(cacheHits.rps)} | ${cacheHits.p50} | ${cacheHits.p99} | ${cacheHits.non2xx} |
| GET /health (HTTP floor of the same server) | ${Math.round(health.rps)} | ${health.p50} | ${health.p99} | ${health.non2xx} |

Measured: ${N} interleaved calls per path after ${WARMUP} warm-up calls each, emulator, front and load in one
process; the cache-hit rows made ${upstreamDuringHits} upstream request(s) (the first fill).`);
