/**
 * Issue 20: our front beside Portkey's gateway (`@portkey-ai/gateway` 1.15.2), both in front of the same fixed
 * OpenAI-compatible upstream (front-vs-portkey/upstream.ts: a 334-byte chat.completion, SSE streams, 1,536-float
 * embeddings), with direct calls to the upstream as the baseline and a bare node:http forwarding proxy as the
 * floor of any Node gateway (front-vs-portkey/floor-proxy.ts). Each runs in its own process: the upstream, the
 * floor, Portkey (OpenAI provider with the upstream as custom host), and our front compiled by esbuild (an Azure
 * AI inference provider at the upstream, routes named like the requests' models, default logging to /dev/null).
 *
 * - Latency at 1 connection, streams and embeddings: every iteration sends the same request to each path in
 *   turn (one keep-alive socket per path), so all paths see the host in the same state; `added` is a path's p50
 *   minus the direct p50 of the same round, quoted as the median over rounds with their range.
 * - Throughput: autocannon at 50 connections, rounds interleaved (each path in turn, then again).
 * - Gateway CPU per request from /proc/<pid>/stat around each measurement; RSS from /proc/<pid>/status, with
 *   its slope over the load rounds. `GENAI_BENCH_SOAK=1` adds a 5-minute soak per gateway at 50 connections (`GENAI_BENCH_SOAK=front`:
 *   ours only);
 *   `GENAI_BENCH_QUICK=1` runs fewer requests and shorter loads (to try a change; the section says so).
 */
import { Agent } from 'node:http';
import {
  interleaved,
  type LoadResult,
  load,
  median,
  type Path,
  post,
  quantile,
  slope,
  type Timing,
} from './front-vs-portkey/measure.js';
import {
  startFloorProxy,
  startFrontProcess,
  startPortkey,
  startUpstreamProcess,
} from './front-vs-portkey/processes.js';

const KEY = 'sk-bench-front';
const QUICK = process.env.GENAI_BENCH_QUICK === '1';
const ROUNDS = 3;
const LATENCY_N = QUICK ? 400 : 1500;
const LOAD_S = QUICK ? 4 : 10;
const CONNECTIONS = 50;
const SOAK = process.env.GENAI_BENCH_SOAK ?? '';
const SOAK_S = SOAK === '1' || SOAK === 'front' ? 300 : 0;
/** The gateways soaked: Portkey and ours, or ours only. */
const SOAKED = SOAK === 'front' ? ['front'] : ['Portkey', 'front'];

const upstream = await startUpstreamProcess();
const floor = await startFloorProxy(upstream.url);
const portkey = await startPortkey();
const front = await startFrontProcess(upstream.url, KEY);
const agent = () => new Agent({ keepAlive: true, maxSockets: 1 });
const paths: Path[] = [
  { name: 'direct', url: upstream.url, headers: { authorization: 'Bearer sk-upstream' }, agent: agent() },
  {
    name: 'floor',
    url: floor.url,
    headers: { authorization: 'Bearer sk-upstream' },
    gateway: floor,
    agent: agent(),
  },
  {
    name: 'Portkey',
    url: portkey.url,
    headers: {
      authorization: 'Bearer sk-upstream',
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': `${upstream.url}/v1`,
    },
    gateway: portkey,
    agent: agent(),
  },
  {
    name: 'front',
    url: front.url,
    headers: { authorization: `Bearer ${KEY}` },
    gateway: front,
    agent: agent(),
  },
];
const direct = paths[0]!;
const ours = paths[3]!;
const GATEWAYS = ['floor', 'Portkey', 'front'] as const;
const HEAD = '| node:http floor | Portkey | front | front / Portkey |';

const chatBody = (extra: object = {}) =>
  JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Name three uses of a GPU.' }],
    max_tokens: 16,
    ...extra,
  });
const CHAT = chatBody();
const CHAT_PATH = '/v1/chat/completions';

interface RoundStats {
  /** Per path, one value per round: p50 and p99 of the total time, p50 of the TTFB (ms), gateway CPU/request. */
  readonly p50: Map<string, number[]>;
  readonly p99: Map<string, number[]>;
  readonly ttfb: Map<string, number[]>;
  readonly cpu: Map<string, number[]>;
}
const push = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);

/** ROUNDS rounds of interleaved sampling. */
async function rounds(n: number, warmup: number, send: (p: Path) => Promise<Timing>): Promise<RoundStats> {
  const s: RoundStats = { p50: new Map(), p99: new Map(), ttfb: new Map(), cpu: new Map() };
  for (let r = 0; r < ROUNDS; r++) {
    const out = await interleaved(paths, n, r === 0 ? warmup : Math.ceil(warmup / 5), send);
    for (const [name, { timings, cpuPerRequestMs }] of out) {
      push(s.p50, name, median(timings.map((t) => t.total)));
      push(
        s.p99,
        name,
        quantile(
          timings.map((t) => t.total),
          0.99,
        ),
      );
      push(s.ttfb, name, median(timings.map((t) => t.ttfb)));
      if (cpuPerRequestMs !== undefined) push(s.cpu, name, cpuPerRequestMs);
    }
  }
  return s;
}

type Spread = readonly [median: number, min: number, max: number];
const spreadOf = (xs: readonly number[]): Spread => [median(xs), Math.min(...xs), Math.max(...xs)];
/** A path's value minus direct's, per round. */
const added = (m: Map<string, number[]>, name: string): Spread => {
  const d = m.get('direct')!;
  return spreadOf(m.get(name)!.map((v, i) => v - d[i]!));
};
const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '—');
const withRange = ([m, lo, hi]: Spread, digits = 2, sign = '+') =>
  `${sign}${fmt(m, digits)} (${fmt(lo, digits)} to ${fmt(hi, digits)})`;
const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}×` : '—');

// 1. Latency at one connection.
const latency = await rounds(LATENCY_N, 300, (p) => post(p, CHAT_PATH, CHAT));
const rssAfterLatency = new Map(paths.flatMap((p) => (p.gateway ? [[p.name, p.gateway.rssMb()]] : [])));

// 2. Throughput at 50 connections, interleaved rounds; RSS sampled during them.
const loads = new Map<string, LoadResult[]>();
for (let r = 0; r < ROUNDS; r++) {
  for (const p of paths) {
    loads.set(p.name, [...(loads.get(p.name) ?? []), await load(p, CHAT_PATH, CHAT, CONNECTIONS, LOAD_S)]);
  }
}
const rssAfterLoad = new Map(paths.flatMap((p) => (p.gateway ? [[p.name, p.gateway.rssMb()]] : [])));
/** RSS slope over the gateway's cumulative load time after its first round (warm-up), MB per minute. */
const rssSlope = (name: string) =>
  slope(
    loads
      .get(name)!
      .flatMap((l, r) => (r === 0 ? [] : l.rss.map(([t, mb]) => [r * LOAD_S + t, mb] as const))),
  ) * 60;

// 3. Streams of 10 and 200 content chunks (the upstream sends max_tokens chunks).
const stream10 = await rounds(QUICK ? 150 : 400, 50, (p) =>
  post(p, CHAT_PATH, chatBody({ stream: true, max_tokens: 10 })),
);
const stream200 = await rounds(QUICK ? 100 : 300, 30, (p) =>
  post(p, CHAT_PATH, chatBody({ stream: true, max_tokens: 200 })),
);

// 4. Embeddings of 1 and 100 texts, new texts every iteration (no gateway answers from a cache).
let seq = 0;
const embedRounds = (texts: number, n: number, warmup: number) => {
  let body = '';
  return rounds(n, warmup, (p) => {
    // Direct goes first in each iteration: a new body, then the same body for every path.
    if (p === direct) {
      seq += 1;
      body = JSON.stringify({
        model: 'text-embedding-3-small',
        input:
          texts === 1
            ? `bench text ${seq}`
            : Array.from({ length: texts }, (_, j) => `bench text ${seq} ${j}`),
      });
    }
    return post(p, '/v1/embeddings', body);
  });
};
const embed1 = await embedRounds(1, QUICK ? 200 : 500, 100);
const embed100 = await embedRounds(100, QUICK ? 20 : 60, 10);

// 5. A cache hit on our front (temperature 0: cached after its first answer); the other paths send the same
// request uncached. Portkey's open-source gateway answers x-portkey-cache-status: DISABLED to
// `x-portkey-cache: simple` and to a cache config, so it has no cached row.
const CACHED = chatBody({ temperature: 0 });
const cacheLatency = await rounds(LATENCY_N, 300, (p) => post(p, CHAT_PATH, CACHED));
const cacheLoad: LoadResult[] = [];
for (let r = 0; r < ROUNDS; r++) cacheLoad.push(await load(ours, CHAT_PATH, CACHED, CONNECTIONS, LOAD_S / 2));

// 6. The soak, when asked for.
const soak = new Map<string, { slope: number; first: number; last: number }>();
if (SOAK_S > 0) {
  for (const p of paths.filter((x) => SOAKED.includes(x.name))) {
    const l = await load(p, CHAT_PATH, CHAT, CONNECTIONS, SOAK_S);
    const later = l.rss.filter(([t]) => t >= 30);
    soak.set(p.name, {
      slope: slope(later) * 60,
      first: later[0]?.[1] ?? Number.NaN,
      last: l.rss.at(-1)?.[1] ?? Number.NaN,
    });
  }
}
const rssEnd = new Map(paths.flatMap((p) => (p.gateway ? [[p.name, p.gateway.rssMb()]] : [])));
await Promise.all([front.stop(), portkey.stop(), floor.stop(), upstream.stop()]);
for (const p of paths) p.agent.destroy();

// The report.
const addedRow = (label: string, s: RoundStats, key: 'p50' | 'ttfb' = 'p50') =>
  `| ${label} | ${fmt(median(s[key].get('direct')!))} | ${GATEWAYS.map((g) => withRange(added(s[key], g))).join(' | ')} | ${ratio(added(s[key], 'front')[0], added(s[key], 'Portkey')[0])} |`;
const cpuOf = (s: RoundStats, g: string) => median(s.cpu.get(g)!);
const cpuRow = (label: string, s: RoundStats) =>
  `| ${label} | ${GATEWAYS.map((g) => fmt(cpuOf(s, g), 3)).join(' | ')} | ${ratio(cpuOf(s, 'front'), cpuOf(s, 'Portkey'))} |`;
const rps = (name: string) => spreadOf(loads.get(name)!.map((l) => l.rps));
const rpsText = (name: string) => {
  const [m, lo, hi] = rps(name);
  return `${Math.round(m)} (${Math.round(lo)}-${Math.round(hi)})`;
};
const loadCpu = (name: string) => median(loads.get(name)!.map((l) => l.cpuPerRequestMs!));
const loadLatency = (name: string) =>
  `${median(loads.get(name)!.map((l) => l.p50))} / ${median(loads.get(name)!.map((l) => l.p99))}`;
const failed = [...loads.values(), cacheLoad].flat().reduce((n, l) => n + l.failed, 0);
const perChunkUs = (name: string) =>
  ((added(stream200.p50, name)[0] - added(stream10.p50, name)[0]) / 190) * 1000;
const range = (xs: readonly number[], digits = 3) =>
  `${fmt(Math.min(...xs), digits)}-${fmt(Math.max(...xs), digits)}`;
const mb = (m: Map<string, number>, g: string) => fmt(m.get(g)!, 0);

const ourAdded = added(latency.p50, 'front')[0];
const pkAdded = added(latency.p50, 'Portkey')[0];
const ourTtfb = added(stream10.ttfb, 'front')[0];
const ourRss = rssAfterLoad.get('front')!;
const goals: readonly (readonly [string, string, boolean])[] = [
  ['added p50 at 1 connection ≤ 0.25 ms', `${fmt(ourAdded)} ms`, ourAdded <= 0.25],
  ["… and ≤ 1/3 of Portkey's", `${ratio(ourAdded, pkAdded)} of Portkey's`, ourAdded <= pkAdded / 3],
  [
    "throughput at 50 connections ≥ 3× Portkey's",
    ratio(rps('front')[0], rps('Portkey')[0]),
    rps('front')[0] >= 3 * rps('Portkey')[0],
  ],
  [
    'CPU per request ≤ 0.25 ms (at 50 connections)',
    `${fmt(loadCpu('front'), 3)} ms`,
    loadCpu('front') <= 0.25,
  ],
  [`RSS after ${ROUNDS * LOAD_S} s of load ≤ 100 MB`, `${fmt(ourRss, 0)} MB`, ourRss <= 100],
  ['stream TTFB added ≤ 0.3 ms', `${fmt(ourTtfb)} ms`, ourTtfb <= 0.3],
];

console.log(`## Front vs Portkey: added latency, throughput, CPU and memory (issue 20)

The same fixed upstream (node:http answering a 334-byte chat.completion) behind: a bare node:http forwarding
proxy (the floor every Node gateway pays: HTTP server, HTTP client, loopback TCP), Portkey 1.15.2 (OpenAI
provider, upstream as custom host) and our front (esbuild-compiled sources; an Azure AI inference endpoint
through a route named like the request's model). Each in its own process; \`direct\` calls the upstream.

| Added latency at 1 connection, ms: p50 of ${LATENCY_N} interleaved requests per round, median of ${ROUNDS} rounds (range) | direct p50 ${HEAD}
| --- | ---: | ---: | ---: | ---: | ---: |
${addedRow('chat completion', latency)}
${addedRow('stream, time to first byte (10 chunks)', stream10, 'ttfb')}
${addedRow('stream of 10 chunks, to the last byte', stream10)}
${addedRow('stream of 200 chunks, to the last byte', stream200)}
${addedRow('embeddings, 1 text (1,536 floats)', embed1)}
${addedRow('embeddings, 100 texts', embed100)}
${addedRow('chat, temperature 0 (a cache hit on the front only)', cacheLatency)}

Added per stream chunk (200- minus 10-chunk stream, / 190): floor ${fmt(perChunkUs('floor'), 1)} µs, Portkey
${fmt(perChunkUs('Portkey'), 1)} µs, front ${fmt(perChunkUs('front'), 1)} µs.

| Gateway CPU per request, ms (/proc/<pid>/stat, 10 ms ticks) ${HEAD}
| --- | ---: | ---: | ---: | ---: |
| chat at ${CONNECTIONS} connections (median of ${ROUNDS} rounds) | ${GATEWAYS.map((g) => fmt(loadCpu(g), 3)).join(' | ')} | ${ratio(loadCpu('front'), loadCpu('Portkey'))} |
${cpuRow('chat at 1 connection', latency)}
${cpuRow('stream of 200 chunks', stream200)}
${cpuRow('embeddings, 1 text', embed1)}
${cpuRow('embeddings, 100 texts', embed100)}
${cpuRow('chat, temperature 0 (front: cache hit)', cacheLatency)}

| Chat at ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${LOAD_S} s | direct ${HEAD}
| --- | ---: | ---: | ---: | ---: | ---: |
| req/s, median (range) | ${rpsText('direct')} | ${GATEWAYS.map(rpsText).join(' | ')} | ${ratio(rps('front')[0], rps('Portkey')[0])} |
| latency p50 / p99 ms, median round | ${loadLatency('direct')} | ${GATEWAYS.map(loadLatency).join(' | ')} | |

Front cache hits at ${CONNECTIONS} connections: ${Math.round(median(cacheLoad.map((l) => l.rps)))} req/s (median of ${ROUNDS} rounds of ${LOAD_S / 2} s).

| Resident memory, MB | node:http floor | Portkey | front |
| --- | ---: | ---: | ---: |
| after the 1-connection chat runs | ${GATEWAYS.map((g) => mb(rssAfterLatency, g)).join(' | ')} |
| after ${ROUNDS * LOAD_S} s at ${CONNECTIONS} connections | ${GATEWAYS.map((g) => mb(rssAfterLoad, g)).join(' | ')} |
| slope over the last ${(ROUNDS - 1) * LOAD_S} s of that load, MB/min | ${GATEWAYS.map((g) => fmt(rssSlope(g), 1)).join(' | ')} |
${
  SOAK_S > 0
    ? `| ${SOAK_S / 60}-minute soak at ${CONNECTIONS} connections: RSS at 30 s → end, slope MB/min | — | ${[
        'Portkey',
        'front',
      ]
        .map((g) => {
          const s = soak.get(g);
          return s ? `${fmt(s.first, 0)} → ${fmt(s.last, 0)}, ${fmt(s.slope, 2)}` : 'not soaked';
        })
        .join(' | ')} |\n`
    : ''
}| at the end (after streams, embeddings and cache hits) | ${GATEWAYS.map((g) => mb(rssEnd, g)).join(' | ')} |

| Goal (issue 20) | front | holds |
| --- | ---: | :---: |
${goals.map(([g, v, ok]) => `| ${g} | ${v} | ${ok ? 'yes' : '**no**'} |`).join('\n')}

Host noise: over the rounds the direct chat p50 ranged ${range(latency.p50.get('direct')!)} ms and its p99
${range(latency.p99.get('direct')!)} ms (floor p99 ${range(latency.p99.get('floor')!)}, Portkey p99
${range(latency.p99.get('Portkey')!)}, front p99 ${range(latency.p99.get('front')!)}); direct req/s at ${CONNECTIONS}
connections ${rpsText('direct')}; every added figure shows its rounds' range. ${failed} failed requests under load.
${
  SOAK_S > 0
    ? ''
    : 'The 5-minute soak is opt-in (`GENAI_BENCH_SOAK=1 npm run bench -- front-vs-portkey`); without it the RSS slope is over the load rounds.'
}${QUICK ? ' **Quick run (GENAI_BENCH_QUICK=1): fewer requests and shorter loads.**' : ''}`);
if (failed > 0) process.exitCode = 1;
