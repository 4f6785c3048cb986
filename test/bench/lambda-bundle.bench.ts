/**
 * The front's Lambda bundle (issue 22 item 2, issue 20's Lambda goal): sizes and cold start, before and after.
 *
 * - before: one file, as LambdaFront's NodejsFunction built it (same esbuild options, no splitting);
 * - after: the bundle @genai-deploy/aws now ships (packages/aws/scripts/build-front-bundle.mjs): ESM with code
 *   splitting, each provider's official client a chunk loaded by its definition's dynamic import().
 *
 * Both are built fresh into temporary folders. Cold start: a fresh `node --enable-source-maps` process (the
 * NODE_OPTIONS LambdaFront sets) imports the bundle's handler (with a stand-in for the `awslambda` global of the
 * Lambda runtime) and handles its first request, a Bedrock chat completion through a Function URL event, against
 * the emulator on this machine. Runs alternate before/after; medians.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmulator } from '@genai-deploy/emulator';
// @ts-expect-error a plain ESM script without types
import { buildFrontBundle } from '../../packages/aws/scripts/build-front-bundle.mjs';

interface BundleFile {
  path: string;
  bytes: number;
  entryPoint?: string;
  imports: string[];
}
const RUNS = Number(process.env['BENCH_RUNS'] ?? 7);
const MODEL = 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0';
const work = mkdtempSync(join(tmpdir(), 'lambda-bundle-bench-'));
const mb = (n: number) => `${(n / 2 ** 20).toFixed(2)} MB`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const builds: Record<'before' | 'after', { outdir: string; files: BundleFile[] }> = {
  before: await buildFrontBundle({ outdir: join(work, 'before'), single: true, recordInputs: false }),
  after: await buildFrontBundle({ outdir: join(work, 'after'), recordInputs: false }),
};

/** Bytes of code a file brings with its static imports, leaving out what `loaded` already holds. */
function closure(files: BundleFile[], start: string, loaded = new Set<string>()): Set<string> {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const seen = new Set<string>();
  const visit = (p: string) => {
    if (seen.has(p) || loaded.has(p)) return;
    seen.add(p);
    for (const i of byPath.get(p)?.imports ?? []) visit(i);
  };
  visit(start);
  return seen;
}
const bytesOf = (files: BundleFile[], paths: Set<string>) =>
  files.filter((f) => paths.has(f.path)).reduce((n, f) => n + f.bytes, 0);
const code = (files: BundleFile[]) => files.filter((f) => f.path.endsWith('.mjs'));

const emulator = await startEmulator({ port: 0 });
const cold = join(work, 'cold.mjs');
writeFileSync(
  cold,
  `import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
// What the Lambda Node runtime provides: streamifyResponse and HttpResponseStream.from.
globalThis.awslambda = {
  streamifyResponse: (fn) => fn,
  HttpResponseStream: { from: (stream, meta) => Object.assign(stream, { meta }) },
};
const started = performance.now();
const { handler } = await import(pathToFileURL(process.argv[2] + '/index.mjs').href);
const imported = performance.now();
const chunks = [];
const stream = new Writable({ write(c, _e, cb) { chunks.push(Buffer.from(c)); cb(); } });
const body = JSON.stringify({ model: ${JSON.stringify(MODEL)}, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 8 });
await handler({
  version: '2.0', rawPath: '/v1/chat/completions', rawQueryString: '', isBase64Encoded: false, body,
  headers: { authorization: 'Bearer sk-bench', 'content-type': 'application/json', host: 'fn.lambda-url.us-east-1.on.aws' },
  requestContext: { domainName: 'fn.lambda-url.us-east-1.on.aws', http: { method: 'POST', path: '/v1/chat/completions', sourceIp: '127.0.0.1' } },
}, stream, {});
const answered = performance.now();
const status = stream.meta?.statusCode;
const text = Buffer.concat(chunks).toString();
if (status !== 200) throw new Error('status ' + status + ': ' + text);
console.log(JSON.stringify({ sinceProcessStart: answered, importMs: imported - started, firstRequestMs: answered - imported }));
`,
);
const env = {
  ...process.env,
  NODE_OPTIONS: '--enable-source-maps',
  GENAI_CONFIG: JSON.stringify({
    models: [{ id: MODEL }],
    providers: { bedrock: { region: 'us-east-1', endpoint: emulator.url } },
  }),
  GENAI_API_KEYS: 'sk-bench',
  LOG_LEVEL: 'silent',
  AWS_ACCESS_KEY_ID: 'AKIALOCALEMULATOR',
  AWS_SECRET_ACCESS_KEY: 'local-emulator-secret',
  AWS_REGION: 'us-east-1',
};
type Sample = { wall: number; sinceProcessStart: number; importMs: number; firstRequestMs: number };
const samples: Record<'before' | 'after', Sample[]> = { before: [], after: [] };
for (let i = 0; i < RUNS; i++) {
  for (const which of ['before', 'after'] as const) {
    const t = performance.now();
    // Asynchronous: the emulator answers from this process's event loop.
    const { stdout } = await promisify(execFile)(process.execPath, [cold, builds[which].outdir], { env });
    const wall = performance.now() - t;
    samples[which].push({ wall, ...JSON.parse(stdout.trim().split('\n').pop()!) });
  }
  process.stderr.write(`run ${i + 1}/${RUNS}\n`);
}
await emulator.close();
rmSync(work, { recursive: true, force: true });

const beforeEntry = builds.before.files.find((f) => f.path === 'index.mjs')!;
const after = builds.after.files;
const entryClosure = closure(after, 'index.mjs');
const lazy = code(after)
  // Our own modules reached by import(): the providers' adapters (each loads its official client), tracing.
  .filter(
    (f) =>
      f.entryPoint?.includes('/src/') && !f.entryPoint.includes('node_modules') && f.path !== 'index.mjs',
  )
  .map((f) => ({
    entry: f.entryPoint!.replace(/^(\.\.\/)+/, ''),
    bytes: bytesOf(after, closure(after, f.path, entryClosure)),
  }))
  .sort((a, b) => b.bytes - a.bytes);
const stat = (which: 'before' | 'after', k: keyof Sample) => median(samples[which].map((s) => s[k]));
const row = (label: string, k: keyof Sample) => {
  const b = stat('before', k);
  const a = stat('after', k);
  return `| ${label} | ${b.toFixed(0)} ms | ${a.toFixed(0)} ms | ${(a / b).toFixed(2)} |`;
};

console.log(
  [
    '## Lambda: the front bundle, one file vs code splitting',
    '',
    '| | before (one file, as NodejsFunction built it) | after (shipped in @genai-deploy/aws) |',
    '| --- | --- | --- |',
    `| entry (index.mjs) | ${mb(beforeEntry.bytes)} | ${mb(after.find((f) => f.path === 'index.mjs')!.bytes)} |`,
    `| loaded at import (entry + its static chunks) | ${mb(beforeEntry.bytes)} | ${mb(bytesOf(after, entryClosure))} |`,
    `| all code (.mjs files) | ${mb(beforeEntry.bytes)} in 1 file | ${mb(code(after).reduce((n, f) => n + f.bytes, 0))} in ${code(after).length} files |`,
    '',
    'Loaded on first use, after (what the dynamic import of each of our modules adds beyond the entry):',
    '',
    '| first use of | adds |',
    '| --- | --- |',
    ...lazy.map((c) => `| ${c.entry} | ${mb(c.bytes)} |`),
    '',
    `Cold start: fresh \`node --enable-source-maps\` process, import the handler, first request (Bedrock chat through`,
    `a Function URL event, emulator on this machine); median of ${RUNS} runs each, alternating.`,
    '',
    '| | before | after | after/before |',
    '| --- | --- | --- | --- |',
    row('import of the handler', 'importMs'),
    row('first request (front start + Bedrock client load + call)', 'firstRequestMs'),
    row('process start to first answer (in process)', 'sinceProcessStart'),
    row('spawn to exit (wall, from the parent)', 'wall'),
  ].join('\n'),
);
