/**
 * Import cost of each package as a user's program pays it (issue 22 item 7): a fresh `node` process imports the
 * package's built entry (dist/, what `npm install` gives; run `npm run build` first) and reports how long the
 * import took and how many modules it loaded. Processes alternate between packages; medians of RUNS each.
 * An empty process (`node -e ''` importing nothing) is measured beside them as the floor.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 9);
const root = join(import.meta.dirname, '..', '..');
const PACKAGES = ['aws', 'gcp', 'azure', 'front', 'client', 'config'] as const;

for (const p of PACKAGES) {
  if (!existsSync(join(root, 'packages', p, 'dist', 'index.js')))
    throw new Error(`packages/${p}/dist is missing: run \`npm run build\` first`);
}

// Counts the CommonJS and ESM modules a process loaded, through the module caches Node keeps.
const probe = (specifiers: readonly string[]) => `
const started = performance.now();
${specifiers.map((s) => `await import(${JSON.stringify(s)});`).join('\n')}
const ms = performance.now() - started;
const { createRequire } = await import('node:module');
const cjs = Object.keys(createRequire(import.meta.url).cache).length;
console.log(JSON.stringify({ ms, sinceStart: performance.now(), cjs }));
`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

type Sample = { ms: number; sinceStart: number; cjs: number; wall: number };
interface Target {
  readonly label: string;
  readonly imports: readonly string[];
  /** Where the imports resolve from (aws-cdk-lib is installed under packages/aws in this workspace). */
  readonly cwd: string;
}
const awsDir = join(root, 'packages', 'aws');
const targets: Target[] = [
  { label: 'empty process', imports: [], cwd: root },
  ...PACKAGES.map((p) => ({ label: `@genai-deploy/${p}`, imports: [`@genai-deploy/${p}`], cwd: root })),
  // What @genai-deploy/aws imported eagerly before issue 22: the aws-cdk-lib root from ESM (Node's interop reads
  // every lazy namespace getter, so all of aws-cdk-lib loads), cdk-nag (every rule) and aws-lambda-nodejs.
  {
    label: '@genai-deploy/aws as before (+ aws-cdk-lib root, cdk-nag, aws-lambda-nodejs)',
    imports: ['aws-cdk-lib', 'cdk-nag', 'aws-cdk-lib/aws-lambda-nodejs', '@genai-deploy/aws'],
    cwd: awsDir,
  },
  // The peers alone: what a user's app loads anyway when it imports them as ESM.
  { label: 'peer alone: aws-cdk-lib (ESM import of the root)', imports: ['aws-cdk-lib'], cwd: awsDir },
  { label: 'peer alone: cdktf', imports: ['cdktf'], cwd: root },
];
const samples = new Map<string, Sample[]>(targets.map((t) => [t.label, []]));
for (let i = 0; i < RUNS; i++) {
  for (const target of targets) {
    const t = performance.now();
    // No source condition, no NODE_OPTIONS: the packages resolve to dist/ as for a user.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', probe(target.imports)],
      { cwd: target.cwd, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    samples.get(target.label)!.push({ ...JSON.parse(stdout), wall: performance.now() - t });
  }
  process.stderr.write(`run ${i + 1}/${RUNS}\n`);
}

const floor = median(samples.get('empty process')!.map((s) => s.wall));
console.log(
  [
    '## Import cost of each package (from dist/)',
    '',
    `A fresh \`node\` process per import, median of ${RUNS}; "process wall" is spawn to exit, the empty process`,
    `(\`node\` importing nothing) took ${floor.toFixed(0)} ms.`,
    '',
    '| package | import | process wall | wall minus the empty process | CommonJS modules loaded |',
    '| --- | --- | --- | --- | --- |',
    ...targets.slice(1).map(({ label }) => {
      const s = samples.get(label)!;
      const wall = median(s.map((x) => x.wall));
      return `| ${label} | ${median(s.map((x) => x.ms)).toFixed(0)} ms | ${wall.toFixed(0)} ms | ${(wall - floor).toFixed(0)} ms | ${median(s.map((x) => x.cjs))} |`;
    }),
  ].join('\n'),
);
