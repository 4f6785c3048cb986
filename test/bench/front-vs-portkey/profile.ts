/**
 * Where the front's time goes per request (issue 20): the front, compiled as the benchmark runs it
 * (processes.ts), runs under `node --cpu-prof` behind the fixed upstream and takes requests from autocannon; its
 * profile's self time inside the measured run is summed by area (a frame of the bundle is mapped back to its
 * source module by esbuild's `// packages/...` markers) and divided by the requests answered. Self time of a
 * sampled frame includes time the process waited, descheduled, inside it (syscalls mostly): the shares are what
 * to read, and CPU per request comes from front-vs-portkey.bench.ts.
 *
 *   node --import tsx test/bench/front-vs-portkey/profile.ts [connections=50] [seconds=10] [chat|stream|embed]
 *
 * Prints a Markdown table (µs per request by area) and the top functions; keeps the .cpuprofile in
 * node_modules/.cache/genai-bench/ for a flame graph (Chrome DevTools, speedscope).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';
import { startFrontProcess, startUpstreamProcess } from './processes.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const [connections = 50, seconds = 10] = process.argv.slice(2, 4).map(Number);
const kind = process.argv[4] ?? 'chat';
const KEY = 'sk-bench-profile';

/** Areas by the frame's script URL (or, for built-ins without one, its function name), first match wins. */
const AREAS: readonly (readonly [string, (url: string, fn: string) => boolean])[] = [
  ['idle', (u, f) => u === '' && (f === '(idle)' || f === '(program)')],
  ['garbage collection', (u, f) => u === '' && f === '(garbage collector)'],
  ['JSON encode/decode', (u, f) => u === '' && /^(parse|stringify|JSONParse|JSONStringify)$/.test(f)],
  // The syscalls that write to sockets; on loopback they include the kernel's TCP send and receive paths.
  [
    'socket writes (writev/write syscalls, kernel TCP on loopback)',
    (u, f) =>
      u === '' &&
      /^(writev|writeString|writeBuffer|writeUtf8String|writeLatin1String|writeAsciiString)$/.test(f),
  ],
  [
    'promise and microtask machinery',
    (u, f) => u === '' && /^(runMicrotasks|processTicksAndRejections)$/.test(f),
  ],
  ['zod validation', (u) => u.includes('/node_modules/zod/')],
  ['hono (routing, middleware, context)', (u) => /\/node_modules\/hono\//.test(u)],
  ['@hono/node-server (Node ↔ fetch Request/Response)', (u) => u.includes('/@hono/node-server/')],
  [
    'Azure client (@azure-rest/ai-inference, core-rest-pipeline, ts-http-runtime)',
    (u) => /\/node_modules\/(@azure(-rest)?|@typespec)\//.test(u),
  ],
  ['pino logging', (u) => /\/node_modules\/(pino|sonic-boom|fast-redact|quick-format-unescaped)/.test(u)],
  [
    'prom-client metrics',
    (u) => u.includes('/node_modules/prom-client/') || u.includes('/node_modules/tdigest/'),
  ],
  ['OpenTelemetry API', (u) => u.includes('/@opentelemetry/')],
  ['front code (packages/front)', (u) => u.includes('/packages/front/')],
  ['client pipeline (packages/client)', (u) => u.includes('/packages/client/')],
  ['undici / fetch / web streams', (u) => /undici|internal\/webstreams|internal\/deps\/undici/.test(u)],
  ['Node HTTP (parser, server, client, agent)', (u) => /node:_http|node:http|internal\/http|_http_/.test(u)],
  [
    'Node net / streams / events / timers',
    (u) =>
      /node:(net|stream|events|internal\/(streams|stream_base|timers|process|event_target|abort_controller|perf|url|util|buffer|errors|net))|node:timers|node:buffer|node:url|node:util/.test(
        u,
      ),
  ],
  ['other node_modules', (u) => u.includes('/node_modules/')],
  ['V8 built-ins and other native', (u) => u === ''],
  ['other Node internals', (u) => u.startsWith('node:')],
];

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface Profile {
  readonly startTime: number;
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const outdir = join(root, 'node_modules', '.cache', 'genai-bench', 'profile');
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const upstream = await startUpstreamProcess();
const front = await startFrontProcess(upstream.url, KEY, ['--cpu-prof', `--cpu-prof-dir=${outdir}`]);
const url = front.url;

const body =
  kind === 'embed'
    ? JSON.stringify({ model: 'text-embedding-3-small', input: 'one text to embed' })
    : JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Name three uses of a GPU.' }],
        max_tokens: kind === 'stream' ? 200 : 16,
        ...(kind === 'stream' ? { stream: true } : {}),
      });
const run = (duration: number) =>
  autocannon({
    url: `${url}/v1/${kind === 'embed' ? 'embeddings' : 'chat/completions'}`,
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body,
    connections,
    duration,
  });
await run(2); // warm-up (module loading, JIT): outside the window counted below
// The profile's clock is the monotonic clock, as hrtime's: only samples inside the measured run count.
const from = Number(process.hrtime.bigint() / 1000n);
const result = await run(seconds);
const to = Number(process.hrtime.bigint() / 1000n);
await front.stop();
await upstream.stop();

const file = readdirSync(outdir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no profile in ${outdir}`);
const profile = JSON.parse(readFileSync(join(outdir, file), 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
/** Per bundle file, the lines where esbuild starts a module (its `// packages/...` marker), in order. */
const markers = new Map<string, { line: number; module: string }[]>();
function sourceModule(u: string, lineNumber: number): string {
  if (!u.includes('/.cache/genai-bench/')) return u;
  let list = markers.get(u);
  if (!list) {
    list = [];
    readFileSync(fileURLToPath(u), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const m = /^\/\/ ((?:packages|test|apps)\/\S+)$/.exec(line);
        if (m) list!.push({ line: i, module: `/${m[1]}` });
      });
    markers.set(u, list);
  }
  let found = u;
  for (const m of list) {
    if (m.line > lineNumber) break;
    found = m.module;
  }
  return found;
}
const selfUs = new Map<number, number>();
let t = profile.startTime;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  t += dt;
  if (t >= from && t <= to) selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
});
const areas = new Map<string, number>();
const functions = new Map<string, number>();
for (const [id, us] of selfUs) {
  const { functionName, url: bundleUrl, lineNumber } = byId.get(id)!.callFrame;
  const u = sourceModule(bundleUrl, lineNumber);
  const area = AREAS.find(([, test]) => test(u, functionName))?.[0] ?? 'other';
  areas.set(area, (areas.get(area) ?? 0) + us);
  const fn = `${functionName || '(anonymous)'} ${u.replace(/^.*\/(node_modules|packages)\//, '$1/')}`;
  functions.set(fn, (functions.get(fn) ?? 0) + us);
}
const requests = result.requests.total as number;
const busy = [...areas].filter(([a]) => a !== 'idle').reduce((s, [, us]) => s + us, 0);
const rows = [...areas]
  .filter(([a]) => a !== 'idle')
  .sort((a, b) => b[1] - a[1])
  .map(([a, us]) => `| ${a} | ${(us / requests).toFixed(1)} | ${((100 * us) / busy).toFixed(0)}% |`);
console.log(`| Area (self time, ${kind}, ${connections} connections, ${result.requests.average} req/s) | µs per request | share |
| --- | ---: | ---: |
${rows.join('\n')}
| **total CPU (busy samples)** | **${(busy / requests).toFixed(1)}** | 100% |
`);
console.log('Top functions (µs per request, self):');
for (const [fn, us] of [...functions]
  .filter(([f]) => !f.startsWith('(idle)'))
  .sort((a, b) => b[1] - a[1])
  .slice(0, 40)) {
  console.log(`${(us / requests).toFixed(1).padStart(7)}  ${fn}`);
}
console.log(`profile: ${join(outdir, file)}`);
