import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@genai-deploy/emulator';
import { afterAll, beforeAll, expect, it } from 'vitest';

// The client README's Redis example, run as written (only its providers pointed at the emulator) in a process of
// its own: it must finish and the process must exit, which it does only if the example closes what it opened.
const root = join(import.meta.dirname, '..');
const dir = join(root, 'test', '.readme-redis-example');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const EXIT_WITHIN_MS = 10_000;

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

function redisExample(): string {
  const readme = readFileSync(join(root, 'packages', 'client', 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const found = blocks.filter((b) => b.includes("from 'ioredis'") && b.includes('createClient('));
  if (found.length !== 1) {
    throw new Error(
      `expected exactly one client README example that creates an ioredis connection; found ${found.length}. ` +
        'Update this test if the README now has several.',
    );
  }
  const code = found[0]!;
  const providers = /^ {2}providers: .*$/m;
  if (!providers.test(code)) {
    throw new Error(
      'the README Redis example has no one-line `  providers: {...},`: update how this test swaps it',
    );
  }
  return `import { emulatorProviders } from '../client.test-utils.js';\n${code.replace(
    providers,
    '  providers: emulatorProviders(process.env.EMULATOR_URL!),',
  )}`;
}

function run(file: string): Promise<{ code: number | null; ms: number; output: string }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--conditions=@genai-deploy/source', '--import', 'tsx', file], {
    cwd: root,
    env: { ...process.env, EMULATOR_URL: emulator.url, REDIS_URL: redisUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_WITHIN_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, ms: Date.now() - started, output });
    });
  });
}

it(
  "the client README's Redis example runs against the emulator and real Redis, and its process exits",
  async () => {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'redis-example.ts');
    writeFileSync(file, `${redisExample()}\nexport {};\n`);
    const { code, ms, output } = await run(file);
    if (code !== 0) {
      throw new Error(
        `the example process ${code === null ? `did not exit within ${EXIT_WITHIN_MS} ms (killed)` : `exited with ${code}`} ` +
          `after ${ms} ms; expected exit code 0. An open Redis connection keeps it alive: the example must ` +
          `\`await redis.quit()\` after \`client.close()\`. Output:\n${output}`,
      );
    }
    expect(output).toMatch(/^bedrock anthropic\.claude-3-5-haiku-20241022-v1:0 1$/m);
  },
  EXIT_WITHIN_MS + 5_000,
);
