import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

// `npm install ioredis` gives a user the newest major, not the one the client depends on: a user's `new Redis()`
// must type-check wherever the client takes a connection (RedisConnection), from ioredis 5 and from the latest.
const root = join(import.meta.dirname, '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const connection = join(root, 'packages', 'client', 'src', 'redis-connection.js');
const work = mkdtempSync(join(tmpdir(), 'genai-ioredis-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const user = `import { Redis } from 'ioredis';
import type { RedisConnection } from ${JSON.stringify(connection)};
const redis = new Redis({ lazyConnect: true });
export const accepted: RedisConnection = redis;
`;

function compile(dir: string, source: string) {
  writeFileSync(join(dir, 'main.ts'), source);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(root, 'node_modules', '@types')],
      },
      files: ['main.ts'],
    }),
  );
  return spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
}

function typeCheck(dir: string): void {
  const result = compile(dir, user);
  if (result.status !== 0) {
    throw new Error(
      `a user's ioredis client is not accepted as a RedisConnection (tsc exit ${result.status}); ` +
        `RedisConnection must only name methods every supported ioredis major has, with loose signatures:\n${result.stdout}`,
    );
  }
}

it('the latest ioredis from the registry (what `npm install ioredis` gives) is a RedisConnection', () => {
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'user', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', 'ioredis@latest'], {
    cwd: work,
    stdio: 'pipe',
    env: { ...process.env, npm_config_workspace: '' },
  });
  typeCheck(work);
}, 120_000);

it("the workspace's ioredis (the client's own dependency) is a RedisConnection", () => {
  const dir = join(root, 'test', '.ioredis-types');
  mkdirSync(dir, { recursive: true });
  try {
    typeCheck(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('an object that is not a Redis connection is refused', () => {
  const dir = join(work, 'refused');
  mkdirSync(dir, { recursive: true });
  const source = `import type { RedisConnection } from ${JSON.stringify(connection)};\nexport const bad: RedisConnection = { status: 'ready' };\n`;
  const result = compile(dir, source);
  expect(result.status).not.toBe(0);
  expect(result.stdout).toMatch(
    /TS2740: Type '\{ status: string; \}' is missing .* from type 'RedisConnection'/,
  );
});
