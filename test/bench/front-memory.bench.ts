/**
 * Issue 20: the front's resident memory under load, and what holding it down costs. The front of the
 * front-vs-portkey benchmark (esbuild bundle, an Azure AI inference route at the fixed upstream) runs as three
 * processes that differ only in V8's heap settings, taking chat completions at 50 connections in interleaved
 * 10 s rounds: this host's defaults (V8 sizes the heap from the 24 GiB it sees), a small heap of the order V8
 * gives itself in a container of a few hundred MB (it scales the young generation with the memory it is given: a
 * 2 GiB limit gives 8 MiB semi-spaces, nodejs/node#55812), and a heap held to about 100 MB of RSS. Reported per variant: req/s and CPU per request (medians of the
 * rounds), RSS after the 30 s of load, and the live heap after a forced full collection (what the front keeps).
 */
import { once } from 'node:events';
import { Agent } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoadResult, load, median, type Path } from './front-vs-portkey/measure.js';
import { type Child, startFrontProcess, startUpstreamProcess } from './front-vs-portkey/processes.js';

const here = dirname(fileURLToPath(import.meta.url));
const KEY = 'sk-bench-front-memory';
const ROUNDS = 3;
const SECONDS = 10;
const CONNECTIONS = 50;
const VARIANTS = [
  { name: "this host's defaults", flags: [] },
  {
    name: 'small (of the order of a few-hundred-MB container)',
    flags: ['--max-old-space-size=128', '--max-semi-space-size=1'],
  },
  { name: 'held to ~100 MB', flags: ['--max-old-space-size=40', '--max-semi-space-size=8'] },
] as const;
const CHAT = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Name three uses of a GPU.' }],
});

const upstream = await startUpstreamProcess();
const fronts: Child[] = [];
for (const v of VARIANTS) {
  fronts.push(
    await startFrontProcess(upstream.url, KEY, [
      '--expose-gc',
      '--import',
      join(here, 'front-vs-portkey', 'heap-report.mjs'),
      ...v.flags,
    ]),
  );
}
const idle = fronts.map((f) => f.rssMb());
const paths: Path[] = fronts.map((f, i) => ({
  name: VARIANTS[i]!.name,
  url: f.url,
  headers: { authorization: `Bearer ${KEY}` },
  gateway: f,
  agent: new Agent({ keepAlive: true }),
}));
const results = paths.map(() => [] as LoadResult[]);
for (let r = 0; r < ROUNDS; r++) {
  for (const [i, p] of paths.entries())
    results[i]!.push(await load(p, '/v1/chat/completions', CHAT, CONNECTIONS, SECONDS));
}
const afterLoad = fronts.map((f) => f.rssMb());
const live: { rss: number; heapUsed: number }[] = [];
for (const f of fronts) {
  f.process.send('heap');
  const [m] = (await once(f.process, 'message')) as [{ heap: { rss: number; heapUsed: number } }];
  live.push(m.heap);
}
await Promise.all([...fronts.map((f) => f.stop()), upstream.stop()]);
for (const p of paths) p.agent.destroy();

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const base = median(results[0]!.map((l) => l.cpuPerRequestMs ?? Number.NaN));
const rows = VARIANTS.map((v, i) => {
  const rounds = results[i]!;
  const cpu = median(rounds.map((l) => l.cpuPerRequestMs ?? Number.NaN));
  const failed = rounds.reduce((n, l) => n + l.failed, 0);
  return `| ${v.name} | ${v.flags.length ? `\`${v.flags.join(' ')}\`` : '—'} | ${median(rounds.map((l) => l.rps)).toFixed(0)} | ${cpu.toFixed(3)} (${(cpu / base).toFixed(2)}×) | ${idle[i]!.toFixed(0)} | ${afterLoad[i]!.toFixed(0)} | ${mb(live[i]!.heapUsed)} | ${mb(live[i]!.rss)} | ${failed} |`;
});
console.log(`## Front: resident memory under load, and what holding it down costs (issue 20)

| V8 heap | flags | req/s at ${CONNECTIONS} connections (median) | CPU ms per request (vs defaults) | RSS idle, MB | RSS after ${ROUNDS * SECONDS} s of load, MB | live heap after full GC, MB | RSS after full GC, MB | failed |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

Measured: three front processes differing only in V8's heap flags, behind one fixed upstream (the
front-vs-portkey benchmark's), chat completions at ${CONNECTIONS} connections in ${ROUNDS} interleaved rounds of
${SECONDS} s each; CPU from /proc/<pid>/stat; the live heap after two forced full collections at the end
(heap-report.mjs, with --expose-gc). The live heap after load is what the front keeps between calls; the rest of
the RSS under load is garbage V8 has not collected yet, because with a large heap limit collecting later is
cheaper. Holding RSS down trades CPU for memory: the rows above are that trade, measured side by side.`);
