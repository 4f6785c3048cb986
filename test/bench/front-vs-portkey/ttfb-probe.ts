/**
 * Where a stream's time to first byte goes through the front (issue 20), quicker than the whole
 * front-vs-portkey benchmark: the same fixed upstream and the same compiled front (processes.ts), one keep-alive
 * socket per path, requests interleaved (a stream and a chat completion to each path in turn; streams only with
 * `--streams-only`, as the benchmark's stream rounds), at 1 connection.
 * Prints the medians of the time to the first body byte and to the end and the front's added time; with
 * `--marks`, the front's stages for each kind (ttfb-marks.mjs, preloaded: ms after the front parsed the request,
 * median over the measured requests, the client's own times on the same clock). `--against <checkout>` adds the
 * front built from another checkout of the repository (give it a node_modules of its own whose entries link to
 * this one's, so that its bundle cache is its own) as a path of its own, interleaved with the rest: an A/B of two
 * builds on the same host at the same time.
 *
 *   flock /tmp/bench.lock node --import tsx test/bench/front-vs-portkey/ttfb-probe.ts [iterations=1000]
 *     [--marks] [--against <checkout>] [--chunks <content chunks of a stream, default 10>] [--streams-only]
 */
import { once } from 'node:events';
import { Agent } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, type Path, post, type Timing } from './measure.js';
import { type Child, startFrontProcess, startUpstreamProcess } from './processes.js';

const here = dirname(fileURLToPath(import.meta.url));
const KEY = 'sk-bench-ttfb';
const option = (name: string) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined;
const iterations = Number(/^\d+$/.test(process.argv[2] ?? '') ? process.argv[2] : 1000);
const withMarks = process.argv.includes('--marks');
const against = option('--against');
/** Content chunks of each stream (the fixed upstream sends max_tokens of them). */
const chunks = Number(option('--chunks') ?? 10);
const WARMUP = 300;
const marksArgs = withMarks ? ['--import', join(here, 'ttfb-marks.mjs')] : [];

const upstream = await startUpstreamProcess();
const fronts: { name: string; child: Child }[] = [
  { name: 'this checkout', child: await startFrontProcess(upstream.url, KEY, marksArgs) },
];
if (against) {
  const other = (await import(join(against, 'test/bench/front-vs-portkey/processes.ts'))) as {
    startFrontProcess: typeof startFrontProcess;
  };
  fronts.push({ name: against, child: await other.startFrontProcess(upstream.url, KEY, marksArgs) });
}
const agent = () => new Agent({ keepAlive: true, maxSockets: 1 });
const direct: Path = { name: 'direct', url: upstream.url, headers: {}, agent: agent() };
const gateways: Path[] = fronts.map(({ name, child }) => ({
  name,
  url: child.url,
  headers: { authorization: `Bearer ${KEY}` },
  gateway: child,
  agent: agent(),
}));
const body = (extra: object) =>
  JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Name three uses of a GPU.' }],
    max_tokens: chunks,
    ...extra,
  });
const kinds: Record<string, string> = process.argv.includes('--streams-only')
  ? { stream: body({ stream: true }) }
  : { stream: body({ stream: true }), chat: body({}) };
const ROUTE = '/v1/chat/completions';

type Marks = Record<string, number>;
/** The stage times ttfb-marks.mjs kept since it was last asked, one record per request. */
async function collectMarks(child: Child): Promise<Marks[]> {
  if (!withMarks) return [];
  child.process.send({ type: 'ttfb-marks' });
  const [m] = (await once(child.process, 'message')) as [{ records: Marks[] }];
  return m.records;
}

const samples = new Map<string, Timing[]>();
for (let i = 0; i < WARMUP + iterations; i++) {
  if (i === WARMUP) {
    samples.clear();
    for (const { child } of fronts) await collectMarks(child);
  }
  for (const [kind, text] of Object.entries(kinds)) {
    for (const p of [direct, ...gateways]) {
      const k = `${kind} ${p.name}`;
      samples.set(k, [...(samples.get(k) ?? []), await post(p, ROUTE, text)]);
    }
  }
}
// Each front's requests alternate stream, chat (or are all streams).
const marks = new Map<string, Marks[]>();
for (const { name, child } of fronts) {
  const records = await collectMarks(child);
  for (const [k, kind] of Object.keys(kinds).entries()) {
    const kindCount = Object.keys(kinds).length;
    const own = records.filter((_, i) => i % kindCount === k);
    for (const [i, s] of (samples.get(`${kind} ${name}`) ?? []).entries()) {
      const r = own[i];
      if (!r) continue;
      const t0 = r.t0 ?? 0;
      delete r.t0;
      r['client: request sent'] = s.sent - t0;
      r['client: first body byte'] = s.firstData - t0;
      r['client: end'] = s.end - t0;
    }
    marks.set(`${kind}, ${name}`, own);
  }
}
await Promise.all([upstream.stop(), ...fronts.map(({ child }) => child.stop())]);

const fmt = (ms: number) => ms.toFixed(3);
const med = (k: string, f: (t: Timing) => number) => median((samples.get(k) ?? []).map(f));
console.log(
  `${iterations} requests of each kind to each path, interleaved, 1 connection, streams of ${chunks} chunks, ${new Date().toISOString()}`,
);
console.log('| request | front | direct TTFB | TTFB | added TTFB | direct total | total | added total |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
for (const kind of Object.keys(kinds)) {
  for (const p of gateways) {
    const [dt, ft] = [med(`${kind} direct`, (t) => t.ttfb), med(`${kind} ${p.name}`, (t) => t.ttfb)];
    const [dT, fT] = [med(`${kind} direct`, (t) => t.total), med(`${kind} ${p.name}`, (t) => t.total)];
    console.log(
      `| ${kind} | ${p.name} | ${fmt(dt)} | ${fmt(ft)} | +${fmt(ft - dt)} | ${fmt(dT)} | ${fmt(fT)} | +${fmt(fT - dT)} |`,
    );
  }
}
for (const [label, own] of marks) {
  if (own.length === 0) continue;
  const names = new Set(own.flatMap((r) => Object.keys(r)));
  const rows = [...names]
    .map((name) => {
      const xs = own.map((r) => r[name]).filter((x): x is number => x !== undefined);
      return { name, at: median(xs), seen: xs.length };
    })
    .sort((a, b) => a.at - b.at);
  console.log(`\n${label}: stages (ms after the front parsed the request, median of ${own.length})`);
  console.log('| stage | at | step |\n|---|---:|---:|');
  let previous = Math.min(0, rows[0]?.at ?? 0);
  for (const r of rows) {
    const seen = r.seen < own.length ? ` (${r.seen})` : '';
    console.log(`| ${r.name}${seen} | ${fmt(r.at)} | +${fmt(r.at - previous)} |`);
    previous = r.at;
  }
}
