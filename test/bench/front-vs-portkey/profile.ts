/**
 * Where the front's time goes per request (issue 20): the front (sources through tsx, so that every frame names
 * its file) runs under `node --cpu-prof` behind the fixed upstream, takes chat completions from autocannon, and
 * its profile's self time is summed by area and divided by the requests answered.
 *
 *   node --import tsx test/bench/front-vs-portkey/profile.ts [connections=50] [seconds=10] [chat|stream|embed]
 *
 * Prints a Markdown table (µs per request by area) and the top functions; keeps the .cpuprofile in
 * node_modules/.cache/genai-bench/ for a flame graph (Chrome DevTools, speedscope).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';
import { startUpstreamProcess } from './processes.js';

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
    'Azure client (@azure-rest/ai-inference, core-rest-pipeline)',
    (u) => /\/node_modules\/@azure(-rest)?\//.test(u),
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
const config = {
  models: [
    { id: 'azure/gpt-4o-mini', maxOutputTokens: 4096 },
    { id: 'azure/text-embedding-3-small', kind: 'embedding' },
  ],
  routes: {
    'gpt-4o-mini': { targets: ['azure/gpt-4o-mini'] },
    'text-embedding-3-small': { targets: ['azure/text-embedding-3-small'] },
  },
  providers: { azure: { endpoint: `${upstream.url}/azure` } },
  limits: { requestsPerMinute: 1e9, tokensPerMinute: 1e12 },
};
const front = spawn(
  process.execPath,
  [
    '--cpu-prof',
    `--cpu-prof-dir=${outdir}`,
    '--conditions=@genai-deploy/source',
    '--import',
    'tsx',
    join(root, 'packages/front/src/server.ts'),
  ],
  {
    cwd: root,
    env: {
      ...process.env,
      GENAI_CONFIG: JSON.stringify(config),
      GENAI_API_KEYS: KEY,
      GENAI_AZURE_API_KEY: 'bench-upstream-key',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
// The first log line says where it listens; the request lines after it go nowhere.
let url = '';
front.stdout!.on('data', (chunk: Buffer) => {
  if (url) return;
  const m = /"url":"([^"]+)"/.exec(chunk.toString());
  if (m) url = m[1]!;
});
while (!url) await new Promise((r) => setTimeout(r, 50));

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
front.kill('SIGTERM');
await once(front, 'exit');
await upstream.stop();

const file = readdirSync(outdir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no profile in ${outdir}`);
const profile = JSON.parse(readFileSync(join(outdir, file), 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
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
  const { functionName, url: u, lineNumber } = byId.get(id)!.callFrame;
  const area = AREAS.find(([, test]) => test(u, functionName))?.[0] ?? 'other';
  areas.set(area, (areas.get(area) ?? 0) + us);
  const fn = `${functionName || '(anonymous)'} ${u.replace(/^.*\/(node_modules|packages)\//, '$1/')}:${lineNumber + 1}`;
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
