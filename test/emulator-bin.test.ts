/**
 * Evidence for issue 21 item 5: the documented `npx genai-emulator` works in a checkout (built or not: npm links
 * the committed launcher at install time) and from the packed package installed outside the workspace.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const emulatorDir = join(root, 'packages', 'emulator');
const cleanup: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null || !c.pid) continue;
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

const env = { ...process.env, npm_config_workspace: '', NODE_OPTIONS: '' };

/** Starts the command, waits for the URL it prints on stdout, and checks the control API answers there. */
async function startAndProbe(command: string, args: string[], cwd: string) {
  // Its own process group, as a terminal runs a foreground job: Ctrl-C signals the whole group.
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => {
    out += String(d);
  });
  child.stderr!.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<number | string>((r) => child.on('exit', (code, sig) => r(code ?? `${sig}`)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 60 s; output: ${out}`)), 60_000);
    const look = () => {
      const m = /^(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', look);
    void exited.then((code) => reject(new Error(`exited with ${code} before printing a URL: ${out}`)));
  });
  const res = await fetch(`${url}/_emulator/requests`);
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ total: 0, inFlight: 0 });
  return { url, child, exited };
}

/** Stops it as a terminal's Ctrl-C (SIGINT to the group) or a process manager (SIGTERM to the pid) would. */
async function stop(started: Awaited<ReturnType<typeof startAndProbe>>, how: 'ctrl-c' | 'sigterm') {
  if (how === 'ctrl-c') process.kill(-started.child.pid!, 'SIGINT');
  else started.child.kill('SIGTERM');
  // npx (npm exec) may die of the signal itself; the launcher and the CLI exit 0.
  const code = await started.exited;
  expect([0, 'SIGINT', 'SIGTERM']).toContain(code);
  // Stopped, not left running behind npx or the launcher: the port no longer answers.
  await expect(waitClosed(started.url)).resolves.toBe(true);
  return code;
}

async function waitClosed(url: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`${url}/_emulator/requests`).then(
      () => true,
      () => false,
    );
    if (!up) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe('npx genai-emulator', () => {
  it('npm links the committed launcher, not a file that only a build creates', () => {
    expect(realpathSync(join(root, 'node_modules', '.bin', 'genai-emulator'))).toBe(
      join(emulatorDir, 'bin', 'genai-emulator.js'),
    );
  });

  it('runs from the repository root and answers the control API', async () => {
    await stop(await startAndProbe('npx', ['genai-emulator', '--port', '0'], root), 'ctrl-c');
  }, 90_000);

  it('runs an unbuilt checkout (no dist/) from source through tsx, and Ctrl-C or SIGTERM stops it', async () => {
    // A copy of the package without dist/ (and without tests, which no runner should pick up), under the
    // workspace's node_modules so tsx and the dependencies resolve as in a checkout right after `npm ci`.
    const cache = join(root, 'node_modules', '.cache');
    mkdirSync(cache, { recursive: true });
    const checkout = mkdtempSync(join(cache, 'genai-emulator-checkout-'));
    cleanup.push(checkout);
    for (const part of ['package.json', 'bin', 'src'])
      cpSync(join(emulatorDir, part), join(checkout, part), {
        recursive: true,
        filter: (from) => !from.endsWith('.test.ts'),
      });
    const launch = () =>
      startAndProbe(process.execPath, [join(checkout, 'bin', 'genai-emulator.js'), '--port', '0'], checkout);
    expect(await stop(await launch(), 'ctrl-c')).toBe(0);
    expect(await stop(await launch(), 'sigterm')).toBe(0);
  }, 90_000);

  it('runs from the packed package installed outside the workspace', async () => {
    execFileSync('npm', ['run', 'build', '-w', '@genai-deploy/emulator'], { cwd: root, env, stdio: 'pipe' });
    const work = mkdtempSync(join(tmpdir(), 'genai-emulator-pack-'));
    cleanup.push(work);
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '-w', '@genai-deploy/emulator', '--json', '--pack-destination', work], {
        cwd: root,
        env,
        encoding: 'utf8',
      }),
    );
    const files: string[] = packed[0].files.map((f: { path: string }) => f.path);
    expect(files).toEqual(expect.arrayContaining(['bin/genai-emulator.js', 'dist/cli.js']));
    expect(files.some((f) => f.startsWith('src/'))).toBe(false);
    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    execFileSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, packed[0].filename)],
      { cwd: app, env, stdio: 'pipe' },
    );
    await stop(await startAndProbe('npx', ['--no-install', 'genai-emulator', '--port', '0'], app), 'ctrl-c');
  }, 180_000);
});
