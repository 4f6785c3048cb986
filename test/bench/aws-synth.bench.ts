/**
 * `cdk synth` of apps/aws (issue 8): the CLI exactly as a user runs it from the repository root (cdk.json's app:
 * tsx + the GenAiPlatform app + staging the front's prebuilt bundle (esbuild only if it is stale in a checkout) + cdk-nag AwsSolutions + writing the assembly), a few
 * runs, median. The esbuild time CDK prints in the same run is reported beside it, so the share of bundling shows.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const root = join(import.meta.dirname, '..', '..');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const fmt = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const walls: number[] = [];
const bundles: number[] = [];
let resources = 0;
let bundleBytes = 0;
for (let i = 0; i < RUNS; i++) {
  const out = mkdtempSync(join(tmpdir(), 'aws-synth-bench-'));
  const start = performance.now();
  const run = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', out], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CI: 'true' },
  });
  const wall = performance.now() - start;
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    throw new Error(`cdk synth failed with status ${run.status}`);
  }
  walls.push(wall);
  const done = /Done in (\d+)ms/.exec(run.stdout + run.stderr);
  if (done) bundles.push(Number(done[1]));
  const template = JSON.parse(readFileSync(join(out, 'GenAiPlatform.template.json'), 'utf8'));
  resources = Object.keys(template.Resources).length;
  for (const dir of readdirSync(out).filter((d) => d.startsWith('asset.'))) {
    const file = join(out, dir, 'index.mjs');
    try {
      bundleBytes = statSync(file).size;
    } catch {}
  }
  rmSync(out, { recursive: true, force: true });
  process.stderr.write(`run ${i + 1}/${RUNS}: ${fmt(wall)}\n`);
}

const rows = [
  ['`npx cdk synth` of apps/aws (wall)', walls],
  ['front bundling (esbuild, as printed by CDK)', bundles],
] as const;
const lines = [
  '## AWS: `cdk synth` of apps/aws',
  '',
  '| what | median | min | max | runs |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...rows
    .filter(([, xs]) => xs.length > 0)
    .map(
      ([name, xs]) =>
        `| ${name} | ${fmt(median(xs))} | ${fmt(Math.min(...xs))} | ${fmt(Math.max(...xs))} | ${xs.length} |`,
    ),
  '',
  `Bundling share of the median synth: ${bundles.length ? `${Math.round((median(bundles) / median(walls)) * 100)}%` : 'n/a'}. ` +
    `Template: ${resources} resources; front bundle ${(bundleBytes / 1e6).toFixed(1)} MB (index.mjs).`,
  '',
  `Measured: ${RUNS} sequential runs of \`npx cdk synth --quiet --output <tmp>\` from the repository root ` +
    '(tsx, GenAiPlatform with a TGI endpoint, Bedrock fallback, cache, vector store, CloudFront + WAF, ' +
    "the front's prebuilt Lambda bundle staged as an asset (no esbuild at synth since issue 22), cdk-nag AwsSolutions), " +
    'wall time per run.',
];
process.stdout.write(`${lines.join('\n')}\n`);
