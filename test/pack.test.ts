import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Proves the packages are consumable the way users consume them: `npm run build` emits ESM + .d.ts for every
// publishable package, plain Node (without the workspace's source condition) resolves each `exports` entry to the
// built files, TypeScript resolves each `types`, and one package packed into a tarball installs and runs in a
// project outside the workspace.
const root = join(import.meta.dirname, '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const work = mkdtempSync(join(tmpdir(), 'genai-pack-'));
const consumerInWorkspace = join(root, 'test', '.build-check');
const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_workspace: '', NODE_OPTIONS: '' },
  });

const packages = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.build.match(
  /@genai-deploy\/[a-z-]+/g,
) as string[];
const subpaths = (name: string): string[] => {
  const pkg = JSON.parse(readFileSync(join(root, 'packages', name.split('/')[1]!, 'package.json'), 'utf8'));
  return Object.keys(pkg.exports)
    .filter((k) => k !== './package.json')
    .map((k) => (k === '.' ? name : `${name}/${k.slice(2)}`));
};

beforeAll(() => {
  run('npm', ['run', 'build'], root);
}, 300_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(consumerInWorkspace, { recursive: true, force: true });
});

describe('npm run build', () => {
  it('builds every publishable package, in dependency order', () => {
    expect(packages).toEqual([
      '@genai-deploy/config',
      '@genai-deploy/emulator',
      '@genai-deploy/client',
      '@genai-deploy/front',
      '@genai-deploy/aws',
      '@genai-deploy/gcp',
      '@genai-deploy/azure',
      '@genai-deploy/ai-sdk',
      '@genai-deploy/langchain',
    ]);
  });

  it('every export entry resolves to built ESM under plain Node and imports', () => {
    const specifiers = packages.flatMap(subpaths);
    const script = `for (const s of ${JSON.stringify(specifiers)}) {
      const url = import.meta.resolve(s);
      if (!url.includes('/dist/')) throw new Error(s + ' resolved to ' + url);
      const m = await import(s);
      if (Object.keys(m).length === 0) throw new Error(s + ' exports nothing');
    }
    console.log('ok');`;
    expect(run(process.execPath, ['--input-type=module', '-e', script], root).trim()).toBe('ok');
  });

  it('every export entry type-checks from its .d.ts without the source condition', () => {
    mkdirSync(consumerInWorkspace, { recursive: true });
    const specifiers = packages.flatMap(subpaths);
    writeFileSync(
      join(consumerInWorkspace, 'main.ts'),
      specifiers.map((s, i) => `import * as m${i} from '${s}';\nvoid m${i};`).join('\n') +
        `\nimport { createClient } from '@genai-deploy/client';\nconst c: { close(): Promise<void> | void } = createClient({});\nvoid c;\n`,
    );
    writeFileSync(
      join(consumerInWorkspace, 'tsconfig.json'),
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
        include: ['main.ts'],
      }),
    );
    const result = spawnSync(process.execPath, [tsc, '-p', consumerInWorkspace, '--traceResolution'], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    expect(
      result.status,
      result.stdout
        .split('\n')
        .filter((l) => l.includes('error'))
        .join('\n'),
    ).toBe(0);
    for (const s of specifiers) {
      const line = result.stdout
        .split('\n')
        .find((l) => l.startsWith(`======== Module name '${s}' was successfully resolved`));
      expect(line, s).toMatch(/\/dist\/.*\.d\.ts'/);
    }
  });

  it('the emulator CLI runs from dist: bad flags print usage and exit 2', () => {
    const out = spawnSync(
      process.execPath,
      [join(root, 'packages', 'emulator', 'dist', 'cli.js'), '--bogus'],
      {
        encoding: 'utf8',
      },
    );
    expect(out.status).toBe(2);
    expect(out.stderr + out.stdout).toMatch(/usage/i);
  });
});

describe('@genai-deploy/config as a user installs it', () => {
  it('packs, installs from the tarball outside the workspace, type-checks and runs', () => {
    const packed = JSON.parse(
      run('npm', ['pack', '-w', '@genai-deploy/config', '--json', '--pack-destination', work], root),
    );
    const tarball = join(work, packed[0].filename);
    const files: string[] = packed[0].files.map((f: { path: string }) => f.path);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files.some((f) => f.startsWith('src/'))).toBe(false);

    const app = join(work, 'app');
    mkdirSync(app, { recursive: true });
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

// What a user downloads: each tarball carries the license, its source maps resolve inside it (the sources are
// inlined: src/ is not shipped), and its README links point into it or at the repository (issue 22 item 6).
// ai-sdk and langchain are left to their owners' pending work on those packages.
const SHIPPED = packages;

describe('what each tarball holds', () => {
  const listed = new Map<string, string[]>();
  beforeAll(() => {
    const packed = JSON.parse(
      run('npm', ['pack', '--dry-run', '--json', ...SHIPPED.flatMap((p) => ['-w', p])], root),
    ) as { name: string; files: { path: string }[] }[];
    for (const p of packed)
      listed.set(
        p.name,
        p.files.map((f) => f.path),
      );
  }, 120_000);
  const dirOf = (name: string) => join(root, 'packages', name.split('/')[1]!);

  it.each(SHIPPED)('%s ships the Apache-2.0 LICENSE', (name) => {
    expect(listed.get(name), `${name}: add "LICENSE" to "files" and a LICENSE file`).toContain('LICENSE');
    expect(readFileSync(join(dirOf(name), 'LICENSE'), 'utf8')).toBe(
      readFileSync(join(root, 'LICENSE'), 'utf8'),
    );
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(
      /^\s+Apache License\s+Version 2\.0, January 2004/,
    );
  });

  it.each(SHIPPED)('%s: every source map source is in the tarball or inlined', (name) => {
    const files = new Set(listed.get(name));
    const maps = [...files].filter((f) => f.endsWith('.map'));
    expect(maps.length, `${name} ships no source maps`).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(join(dirOf(name), map), 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      sources.forEach((source, i) => {
        const inTarball = files.has(normalize(join(dirname(map), source)));
        if (!inTarball && typeof sourcesContent?.[i] !== 'string') missing.push(`${map} -> ${source}`);
      });
    }
    expect(
      missing,
      `${name}: source maps point at files the tarball lacks; set "inlineSources": true (and no declarationMap) ` +
        'in its tsconfig.build.json, or ship the sources',
    ).toEqual([]);
  });

  it.each(SHIPPED)('%s: README links resolve inside the tarball or are absolute', (name) => {
    const files = listed.get(name)!;
    const readme = readFileSync(join(dirOf(name), 'README.md'), 'utf8');
    const outside = [...readme.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1]!)
      .filter((href) => !/^(?:[a-z]+:|#)/i.test(href))
      .filter((href) => {
        const path = normalize(href.split('#')[0]!).replace(/\/$/, '');
        return !files.some((f) => f === path || f.startsWith(`${path}/`));
      });
    expect(
      outside,
      `${name}: README links to files not in the package; link to https://github.com/genai-deploy/genai-deploy/blob/main/<path>`,
    ).toEqual([]);
  });
});
