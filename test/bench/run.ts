/**
 * `npm run bench [-- <filter>...]`: runs every test/bench/*.bench.ts in its own process, one after the other (so
 * they do not disturb each other on this small machine), and writes their Markdown sections to docs/BENCHMARKS.md
 * with the machine, the date and the command. With a filter, only matching benchmarks run and the other sections
 * of docs/BENCHMARKS.md are kept as they were.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(root, 'docs', 'BENCHMARKS.md');
const filters = process.argv.slice(2);

const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(
    `no benchmark matches ${JSON.stringify(filters)}; available: ${readdirSync(here).join(', ')}`,
  );
  process.exit(2);
}

const START = '<!-- bench:';
const sections = new Map<string, string>();
// Keep earlier sections of benchmarks that were not run this time.
try {
  for (const block of readFileSync(out, 'utf8').split(START).slice(1)) {
    const name = block.slice(0, block.indexOf(' -->'));
    sections.set(name, START + block.trimEnd());
  }
} catch {}

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
let failed = 0;
for (const file of files) {
  const name = basename(file, '.bench.ts');
  console.error(`--- ${name}`);
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    ['--conditions=@genai-deploy/source', '--import', 'tsx', join(here, file)],
    {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (run.status !== 0) {
    failed++;
    console.error(`${name} failed (exit ${run.status})`);
    continue;
  }
  process.stdout.write(run.stdout);
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  sections.set(
    name,
    `${START}${name} -->\n${run.stdout.trim()}\n\n_Run ${date} UTC on ${machine}; command: \`npm run bench -- ${name}\` (${seconds} s)._`,
  );
}

const header = `# Benchmarks

Written by \`npm run bench\` (test/bench/run.ts): each benchmark runs in its own process, one after another, and
replaces its own section below. These machines are shared and noisy: every comparison is measured side by side in
one run and quoted as medians and ratios; absolute numbers are for this machine only.

`;
writeFileSync(
  out,
  header +
    [...sections.keys()]
      .sort()
      .map((k) => sections.get(k))
      .join('\n\n') +
    '\n',
);
console.error(`wrote ${out}`);
process.exit(failed ? 1 : 0);
