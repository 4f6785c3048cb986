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

/** The client README's examples that open an ioredis connection, each with its providers pointed at the emulator. */
function redisExamples(): string[] {
  const readme = readFileSync(join(root, 'packages', 'client', 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const found = blocks.filter((b) => b.includes("from 'ioredis'") && b.includes('createClient('));
  if (found.length === 0)
    throw new Error('expected client README examples that create an ioredis connection; found none');
  const providers = /^ {2}providers: .*$/m;
  return found.map((code) => {
    if (!providers.test(code)) {
      throw new Error(
        'a README Redis example has no one-line `  providers: {...},`: update how this test swaps it',
      );
    }
    return `import { emulatorProviders } from '../client.test-utils.js';\n${code.replace(
      providers,
      '  providers: emulatorProviders(process.env.EMULATOR_URL!),',
    )}`;
  });
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

/** What each example prints when it ran as its text says. */
const EXPECTED = [
  // The resilience example: the route's first target answered, in one attempt.
  /^bedrock anthropic\.claude-3-5-haiku-20241022-v1:0 1$/m,
  // The budget example: the spend report of the call it made (a priced model: more than 0 µ$).
  /^[1-9]\d* \{/m,
];

it(
  "the client README's Redis examples run against the emulator and real Redis, and their processes exit",
  async () => {
    mkdirSync(dir, { recursive: true });
    const examples = redisExamples();
    const outputs: string[] = [];
    for (const [i, example] of examples.entries()) {
      const file = join(dir, `redis-example-${i}.ts`);
      writeFileSync(file, `${example}\nexport {};\n`);
      const { code, ms, output } = await run(file);
      if (code !== 0) {
        throw new Error(
          `example ${i + 1} of ${examples.length}: the process ${code === null ? `did not exit within ${EXIT_WITHIN_MS} ms (killed)` : `exited with ${code}`} ` +
            `after ${ms} ms; expected exit code 0. An open Redis connection keeps it alive: the example must ` +
            `\`await redis.quit()\` (or disconnect) after \`client.close()\`. Output:\n${output}`,
        );
      }
      outputs.push(output);
    }
    for (const pattern of EXPECTED) expect(outputs.some((o) => pattern.test(o))).toBe(true);
  },
  2 * EXIT_WITHIN_MS + 5_000,
);
