/**
 * The processes of the front-vs-portkey benchmark and what is read of them: the fixed upstream, Portkey's gateway
 * and our front each run as a child process; their CPU time and resident memory are read from /proc the same way
 * for both gateways.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const TICKS_PER_S = 100; // USER_HZ on Linux

export interface Child {
  readonly url: string;
  readonly process: ChildProcess;
  /** User + system CPU time of the process so far, in ms (from /proc/<pid>/stat, 10 ms resolution). */
  cpuMs(): number;
  /** Resident set size now, in MB (VmRSS). */
  rssMb(): number;
  stop(): Promise<void>;
}

function childOf(url: string, p: ChildProcess): Child {
  const pid = p.pid!;
  return {
    url,
    process: p,
    cpuMs() {
      // Fields after the command's closing parenthesis: state is the 3rd field, utime the 14th, stime the 15th.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
    },
    rssMb() {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return Number(m?.[1] ?? 0) / 1024;
    },
    async stop() {
      if (p.exitCode !== null) return;
      p.kill('SIGTERM');
      const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
      await once(p, 'exit');
      clearTimeout(timer);
    },
  };
}

/** The fixed upstream (upstream.ts), through tsx: it is the same for every path measured. */
export async function startUpstreamProcess(): Promise<Child> {
  const p = spawn(process.execPath, ['--import', 'tsx', join(here, 'upstream.ts'), '--serve'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: p.stdout! }), 'line')) as [string];
  return childOf((JSON.parse(line) as { url: string }).url, p);
}

/** The node:http forwarding proxy (floor-proxy.ts): what any Node gateway pays at least. */
export async function startFloorProxy(upstream: string): Promise<Child> {
  const p = spawn(process.execPath, ['--import', 'tsx', join(here, 'floor-proxy.ts'), '--serve', upstream], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: p.stdout! }), 'line')) as [string];
  return childOf((JSON.parse(line) as { url: string }).url, p);
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * Portkey's gateway as its package runs under Node (`build/start-server.js --port=<p> --headless`), with the fetch
 * patch that lets its streams and embeddings work there (portkey-fetch-patch.mjs).
 */
export async function startPortkey(): Promise<Child> {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@portkey-ai/gateway/package.json');
  const port = await freePort();
  const patch = pathToFileURL(join(here, 'portkey-fetch-patch.mjs')).href;
  const args = [
    '--import',
    patch,
    join(dirname(pkg), 'build', 'start-server.js'),
    `--port=${port}`,
    '--headless',
  ];
  const p = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (p.exitCode !== null) throw new Error(`portkey exited with ${p.exitCode}`);
    try {
      await fetch(url);
      break;
    } catch {
      if (Date.now() - started > 30_000) throw new Error('portkey did not start within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return childOf(url, p);
}

/** `@genai-deploy/<name>[/<sub>]` to its source file in this checkout (the `@genai-deploy/source` export). */
function sourceOf(specifier: string): string {
  const [, name = '', sub] = /^@genai-deploy\/([^/]+)(?:\/(.+))?$/.exec(specifier) ?? [];
  const dir = join(root, 'packages', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    exports: Record<string, Record<string, string>>;
  };
  const entry = pkg.exports[sub ? `./${sub}` : '.']?.['@genai-deploy/source'];
  if (!entry) throw new Error(`no source export for ${specifier} in ${dir}/package.json`);
  return join(dir, entry);
}

/**
 * Our front (serve-front.ts) compiled by esbuild into one ES module under node_modules/.cache (so its packages
 * resolve), as a deployment runs compiled JavaScript rather than sources through a loader.
 */
export async function startFrontProcess(
  upstream: string,
  key: string,
  /** Extra node options, such as `--cpu-prof` (profile.ts). */
  nodeArgs: readonly string[] = [],
): Promise<Child> {
  const { build } = await import('esbuild');
  const outdir = join(root, 'node_modules', '.cache', 'genai-bench');
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: [join(here, 'serve-front.ts')],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['@genai-deploy/source'],
    // Our packages are compiled in from this checkout's sources (node_modules links them to the main working
    // tree, which may hold unfinished changes when the benchmark runs on a snapshot); third-party packages load
    // from node_modules as in a deployment.
    plugins: [
      {
        name: 'packages',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith('@genai-deploy/')
              ? { path: sourceOf(args.path) }
              : { path: args.path, external: true },
          );
        },
      },
    ],
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
  });
  // Imported rather than run as the main module: the bundle holds server.ts, whose main() would start on the
  // environment otherwise.
  const entry = pathToFileURL(join(outdir, 'serve-front.mjs')).href;
  const p = spawn(
    process.execPath,
    [...nodeArgs, '--input-type=module', '-e', `await import(${JSON.stringify(entry)})`],
    {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'info', BENCH_UPSTREAM: upstream, BENCH_KEY: key },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  const [message] = (await once(p, 'message')) as [{ url: string }];
  return childOf(message.url, p);
}
