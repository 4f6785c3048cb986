import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lowestOf, SECOND_NODE_SKIP, TempProject } from './temp-project.js';

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

const projects: TempProject[] = [];
afterAll(() => {
  for (const p of projects) p.remove();
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
  it.skipIf(SECOND_NODE_SKIP)(
    'packs, installs from the tarball outside the workspace, type-checks and runs',
    async () => {
      const packed = JSON.parse(
        run('npm', ['pack', '-w', '@genai-deploy/config', '--json', '--pack-destination', work], root),
      );
      const tarball = join(work, packed[0].filename);
      const files: string[] = packed[0].files.map((f: { path: string }) => f.path);
      expect(files).toContain('dist/index.js');
      expect(files).toContain('dist/index.d.ts');
      expect(files.some((f) => f.startsWith('src/'))).toBe(false);

      const app = TempProject.create('config-user');
      projects.push(app);
      await app.install([tarball]);
      app.write(
        'main.ts',
        `import { parseFrontConfig, ConfigError, type FrontConfig } from '@genai-deploy/config';
const config: FrontConfig = parseFrontConfig({ models: [{ id: 'bedrock/amazon.titan-embed-text-v2:0', kind: 'embedding' }] });
let message = '';
try { parseFrontConfig({ routes: { chat: { targets: ['azure/missing'] } } }); } catch (e) { if (e instanceof ConfigError) message = e.message; }
console.log(JSON.stringify({ kind: config.models[0]?.kind, ttl: config.cache.ttlSeconds, message }));
`,
      );
      expect(app.compile({ files: ['main.ts'], emit: true, skipLibCheck: false })).toMatchObject({
        status: 0,
      });
      const out = JSON.parse(run(process.execPath, ['out/main.js'], app.dir));
      expect(out.kind).toBe('embedding');
      expect(out.ttl).toBe(3600);
      expect(out.message).toContain('routes.chat.targets.0');
      expect(app.version('@genai-deploy/config')).toBe('0.1.0');
    },
    120_000,
  );
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
    // The front's Lambda bundle in @genai-deploy/aws maps to node_modules' files for stack traces only
    // (--enable-source-maps); inlining them would add megabytes to every deployment and cold start.
    const maps = [...files].filter((f) => f.endsWith('.map') && !f.startsWith('lambda/'));
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

// Issue 22 items 1 and 2, as a user meets them: the construct packages installed from their tarballs into projects
// outside the workspace, next to the peers a user has today (latest) and the oldest we claim (the lowest version
// of each peer range); one copy of each peer, the README examples compile (NodeNext, strict), `cdk synth` runs
// without esbuild or Docker on PATH and the cdktf apps synthesize. Also on the oldest peers, the Terraform JSON is
// the latest's, save the provider version each prebuilt provider pins: no prop of ours is silently dropped.
const peersOf = (pkg: string): Record<string, string> =>
  JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')).peerDependencies;
const exampleOf = (pkg: string) => {
  const block = /```ts\n([\s\S]*?)```/.exec(readFileSync(join(root, 'packages', pkg, 'README.md'), 'utf8'));
  if (!block) throw new Error(`packages/${pkg}/README.md has no ts example`);
  return block[1]!;
};
// Issue 22 item 1: a user's own Vpc given to our construct (failed with two copies of aws-cdk-lib: 'vpcRef').
const ownVpc = `import * as cdk from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { RedisCache } from '@genai-deploy/aws';
const stack = new cdk.Stack(new cdk.App(), 'Cache');
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
new RedisCache(stack, 'Cache', { vpc });
`;
const cdkCli = join(root, 'node_modules', 'aws-cdk', 'bin', 'cdk');
type FunctionProperties = {
  Description?: string;
  Handler?: string;
  Runtime?: string;
  Code: { S3Key: string };
};

describe.skipIf(SECOND_NODE_SKIP)(
  `the construct packages in a user's project, on the latest and on the oldest claimed peers${SECOND_NODE_SKIP ? ` (${SECOND_NODE_SKIP})` : ''}`,
  () => {
    const aws = peersOf('aws');
    const gcp = peersOf('gcp');
    const azure = peersOf('azure');
    const users = {
      latest: { aws: true, tf: true },
      'oldest aws peers': { aws: true, tf: false },
      'oldest cdktf peers': { aws: false, tf: true },
    } as const;
    type User = keyof typeof users;
    const project = {} as Record<User, TempProject>;

    beforeAll(async () => {
      const packed = JSON.parse(
        run(
          'npm',
          [
            'pack',
            '--json',
            '--pack-destination',
            work,
            ...['config', 'aws', 'gcp', 'azure'].flatMap((p) => ['-w', `@genai-deploy/${p}`]),
          ],
          root,
        ),
      ) as { name: string; filename: string }[];
      const tarball = (name: string) =>
        join(work, packed.find((p) => p.name === `@genai-deploy/${name}`)!.filename);
      const lowest = (peers: Record<string, string>, name: string) => `${name}@${lowestOf(peers[name]!)}`;
      const specs: Record<User, string[]> = {
        latest: [
          ...['config', 'aws', 'gcp', 'azure'].map(tarball),
          ...Object.keys({ ...aws, ...gcp, ...azure }).map((name) => `${name}@latest`),
        ],
        'oldest aws peers': [
          tarball('config'),
          tarball('aws'),
          lowest(aws, 'aws-cdk-lib'),
          lowest(aws, 'constructs'),
        ],
        'oldest cdktf peers': [
          ...['config', 'gcp', 'azure'].map(tarball),
          lowest(gcp, 'cdktf'),
          lowest(gcp, 'constructs'),
          lowest(gcp, '@cdktf/provider-google'),
          lowest(azure, '@cdktf/provider-azurerm'),
        ],
      };
      await Promise.all(
        (Object.keys(users) as User[]).map(async (user) => {
          project[user] = TempProject.create(`user-${user.replaceAll(' ', '-')}`);
          projects.push(project[user]);
          await project[user].install(specs[user]);
        }),
      );
    }, 300_000);

    const each = (which: 'aws' | 'tf') => (Object.keys(users) as User[]).filter((u) => users[u][which]);

    it.each(Object.keys(users) as User[])(
      "%s: npm installs one copy of each peer, the user's, and no unmet peer",
      (user) => {
        const p = project[user];
        const ls = spawnSync('npm', ['ls', '--all'], { cwd: p.dir, encoding: 'utf8' });
        expect(ls.status, `npm ls --all in the ${user} project:\n${ls.stdout}${ls.stderr}`).toBe(0);
        const copies = (name: string) =>
          spawnSync('npm', ['ls', name, '--all', '--parseable'], { cwd: p.dir, encoding: 'utf8' })
            .stdout.split('\n')
            .filter(Boolean);
        for (const name of users[user].aws ? ['aws-cdk-lib', 'constructs'] : ['cdktf', 'constructs'])
          expect(copies(name), `${name} in the ${user} project`).toEqual([join(p.dir, 'node_modules', name)]);
        if (user !== 'latest') {
          const claimed = users[user].aws ? aws : { ...gcp, ...azure };
          for (const [name, range] of Object.entries(claimed))
            expect(p.version(name), name).toBe(lowestOf(range));
        }
      },
    );

    it.each(Object.keys(users) as User[])('%s: the README examples compile (NodeNext, strict)', (user) => {
      const p = project[user];
      const files: string[] = [];
      if (users[user].aws) files.push(p.write('aws.ts', exampleOf('aws')), p.write('own-vpc.ts', ownVpc));
      if (users[user].tf)
        files.push(p.write('gcp.ts', exampleOf('gcp')), p.write('azure.ts', exampleOf('azure')));
      const result = p.compile({ files: files.map((f) => f.slice(p.dir.length + 1)), emit: true });
      expect(result.output).toBe('');
      expect(result.status).toBe(0);
    });

    it.each(each('aws'))(
      '%s: `cdk synth` of the AWS README example, with neither esbuild nor Docker on PATH',
      (user) => {
        const p = project[user];
        expect(existsSync(join(p.dir, 'node_modules', 'esbuild')), 'esbuild must not be installed').toBe(
          false,
        );
        const synth = p.runBare(
          [cdkCli, 'synth', '--app', 'node out/aws.js', '--output', 'cdk.out', '--quiet'],
          {
            CDK_DISABLE_VERSION_CHECK: '1',
            CI: 'true',
          },
        );
        expect(synth.status, synth.stderr).toBe(0);
        const template = JSON.parse(p.read('cdk.out/GenAi.template.json'));
        const fronts = Object.values(
          template.Resources as Record<string, { Type: string; Properties: FunctionProperties }>,
        ).filter(
          (r) =>
            r.Type === 'AWS::Lambda::Function' &&
            r.Properties.Description === 'genai-deploy OpenAI-compatible front',
        );
        expect(fronts).toHaveLength(1);
        expect(fronts[0]!.Properties).toMatchObject({ Handler: 'index.handler', Runtime: 'nodejs24.x' });
        // The asset is the bundle shipped in the package, staged as is: no bundling happened.
        const hash = String(fronts[0]!.Properties.Code.S3Key).replace(/\.zip$/, '');
        const staged = join(p.dir, 'cdk.out', `asset.${hash}`);
        expect(readFileSync(join(staged, 'index.mjs'))).toEqual(
          readFileSync(join(p.dir, 'node_modules', '@genai-deploy', 'aws', 'lambda', 'front', 'index.mjs')),
        );
      },
    );

    const terraform: Partial<Record<User, Record<string, unknown>>> = {};
    it.each(each('tf'))('%s: cdktf synth of the GCP and Azure README examples', (user) => {
      const p = project[user];
      const stacks: Record<string, unknown> = {};
      for (const [name, resource] of [
        ['gcp', 'google_cloud_run_v2_service'],
        ['azure', 'azurerm_container_app'],
      ] as const) {
        const synth = p.runBare([`out/${name}.js`], { CHECKPOINT_DISABLE: '1' });
        expect(synth.status, synth.stderr).toBe(0);
        const json = JSON.parse(p.read(`cdktf.out/stacks/${name}/cdk.tf.json`));
        expect(Object.keys(json.resource)).toContain(resource);
        // What differs by design: the provider version each prebuilt provider pins, and the state's local path.
        for (const provider of Object.values(json.terraform.required_providers) as { version?: string }[])
          delete provider.version;
        delete json.terraform.backend;
        stacks[name] = json;
      }
      terraform[user] = stacks;
    });

    it('on the oldest claimed cdktf peers the Terraform JSON is the same as on the latest', () => {
      expect(terraform['oldest cdktf peers']).toBeDefined();
      expect(terraform['oldest cdktf peers']).toEqual(terraform.latest);
    });
  },
);
