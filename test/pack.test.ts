import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Proves a package is consumable the way a user consumes it: built, packed, installed from the tarball into a
// project outside the workspace, imported from TypeScript (NodeNext resolution checks `exports` and `types`) and run.
const root = join(import.meta.dirname, '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const work = mkdtempSync(join(tmpdir(), 'genai-pack-'));
const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_workspace: '' },
  });

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('@genai-deploy/config as a user installs it', () => {
  it('packs, installs from the tarball, type-checks and runs', () => {
    run('npm', ['run', 'build', '-w', '@genai-deploy/config'], root);
    const packed = JSON.parse(
      run('npm', ['pack', '-w', '@genai-deploy/config', '--json', '--pack-destination', work], root),
    );
    const tarball = join(work, packed[0].filename);
    const files: string[] = packed[0].files.map((f: { path: string }) => f.path);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files.some((f) => f.startsWith('src/'))).toBe(false);

    const app = join(work, 'app');
    run('mkdir', ['-p', app], work);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], app);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          outDir: 'out',
          types: [],
        },
        include: ['main.ts'],
      }),
    );
    writeFileSync(
      join(app, 'main.ts'),
      `import { parseFrontConfig, ConfigError, type FrontConfig } from '@genai-deploy/config';
const config: FrontConfig = parseFrontConfig({ models: [{ id: 'bedrock/amazon.titan-embed-text-v2:0', kind: 'embedding' }] });
let message = '';
try { parseFrontConfig({ routes: { chat: { targets: ['azure/missing'] } } }); } catch (e) { if (e instanceof ConfigError) message = e.message; }
console.log(JSON.stringify({ kind: config.models[0]?.kind, ttl: config.cache.ttlSeconds, message }));
`,
    );
    run(process.execPath, [tsc, '-p', '.'], app);
    const out = JSON.parse(run(process.execPath, ['out/main.js'], app));
    expect(out.kind).toBe('embedding');
    expect(out.ttl).toBe(3600);
    expect(out.message).toContain('routes.chat.targets.0');
    expect(
      readFileSync(join(app, 'node_modules', '@genai-deploy', 'config', 'package.json'), 'utf8'),
    ).toContain('"version": "0.1.0"');
  });
});
