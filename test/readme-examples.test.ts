import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

// Every ```ts block in a package README must type-check against the package as it is today, so the examples
// users copy cannot rot. Blocks are compiled as modules inside the workspace (imports resolve like a user's).
const root = join(import.meta.dirname, '..');
const out = join(root, 'test', '.readme-examples');

afterAll(() => rmSync(out, { recursive: true, force: true }));

it('compiles every TypeScript example in the package READMEs', () => {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const files: string[] = [];
  for (const pkg of readdirSync(join(root, 'packages'))) {
    let readme: string;
    try {
      readme = readFileSync(join(root, 'packages', pkg, 'README.md'), 'utf8');
    } catch {
      continue;
    }
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    blocks.forEach((code, i) => {
      const file = join(out, `${pkg}-${i + 1}.ts`);
      writeFileSync(file, `${code}\nexport {};\n`);
      files.push(file);
    });
  }
  expect(files.length).toBeGreaterThan(0);
  writeFileSync(
    join(out, 'tsconfig.json'),
    JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { noEmit: true }, include: ['*.ts'] }),
  );
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', out], { encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    throw new Error(`README examples do not compile:\n${(e as { stdout?: string }).stdout ?? e}`);
  }
});
