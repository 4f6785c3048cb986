/**
 * A project outside the workspace, set up the way a user sets one up: its own package.json, `npm install` from the
 * registry (through npm's cache) or from our tarballs, TypeScript with NodeNext and strict. Used by the tests that
 * prove what a user gets (test/pack.test.ts, test/redis-connection-types.test.ts).
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

export const root = join(import.meta.dirname, '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * Set in CI for the run on the second Node version: installing from the registry there proves nothing new and
 * costs minutes, so the tests that do are skipped, saying why.
 */
export const SECOND_NODE_SKIP =
  process.env['GENAI_CI_SECOND_NODE'] === '1'
    ? 'skipped: GENAI_CI_SECOND_NODE=1 (registry installs run once, on the first Node version)'
    : undefined;

/** npm as a user runs it: not inside our workspace, no inherited NODE_OPTIONS (tsx, source conditions). */
const npmEnv = () => ({ ...process.env, npm_config_workspace: '', NODE_OPTIONS: '' });

export interface CompileOptions {
  /** Files to compile, relative to the project. */
  readonly files: readonly string[];
  /** Emit JavaScript to out/ (to run it afterwards). @default false */
  readonly emit?: boolean;
  /** @default true: a user's compile does not check our dependencies' own declaration files */
  readonly skipLibCheck?: boolean;
  /** Use the workspace's @types/node. @default false: no ambient types at all */
  readonly nodeTypes?: boolean;
}

export class TempProject {
  static create(prefix: string): TempProject {
    return new TempProject(mkdtempSync(join(tmpdir(), `genai-${prefix}-`)));
  }

  /** A project in a given folder (inside the workspace, imports resolve to the workspace's packages). */
  static in(dir: string): TempProject {
    mkdirSync(dir, { recursive: true });
    return new TempProject(dir);
  }

  private constructor(readonly dir: string) {
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'user-project', private: true, type: 'module' }),
    );
  }

  /** `npm install` of registry specs and tarball paths, preferring npm's cache. Asynchronous: installs overlap. */
  async install(specs: readonly string[]): Promise<void> {
    await promisify(execFile)(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...specs],
      { cwd: this.dir, env: npmEnv(), maxBuffer: 64 * 1024 * 1024 },
    ).catch((e: { stderr?: string; message: string }) => {
      throw new Error(`npm install ${specs.join(' ')} failed in ${this.dir}:\n${e.stderr ?? e.message}`);
    });
  }

  write(file: string, text: string): string {
    const path = join(this.dir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return path;
  }

  read(file: string): string {
    return readFileSync(join(this.dir, file), 'utf8');
  }

  /** The installed version of a dependency. */
  version(name: string): string {
    return JSON.parse(this.read(join('node_modules', name, 'package.json'))).version;
  }

  /** Compiles with tsc (NodeNext, strict); returns tsc's exit status and output. */
  compile(options: CompileOptions): { status: number | null; output: string } {
    this.write(
      'tsconfig.json',
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          skipLibCheck: options.skipLibCheck ?? true,
          ...(options.emit ? { outDir: 'out' } : { noEmit: true }),
          ...(options.nodeTypes
            ? { types: ['node'], typeRoots: [join(root, 'node_modules', '@types')] }
            : { types: [] }),
        },
        files: options.files,
      }),
    );
    const result = spawnSync(process.execPath, [tsc, '-p', this.dir], { encoding: 'utf8' });
    return { status: result.status, output: result.stdout + result.stderr };
  }

  /**
   * Runs a command with PATH holding `node` only (no esbuild, no Docker, nothing of the workspace), as on a
   * user's machine that has neither.
   */
  runBare(args: readonly string[], env: Record<string, string> = {}) {
    const bin = join(this.dir, '.bare-bin');
    mkdirSync(bin, { recursive: true });
    try {
      symlinkSync(process.execPath, join(bin, 'node'));
    } catch {}
    return spawnSync(process.execPath, args, {
      cwd: this.dir,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { HOME: process.env['HOME'] ?? this.dir, PATH: bin, ...env },
    });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The lowest version a peer range like `^2.270.0` admits. */
export const lowestOf = (range: string): string => {
  const m = /^\^?(\d+\.\d+\.\d+)$/.exec(range.trim());
  if (!m) throw new Error(`peer range ${range} is not of the form ^x.y.z`);
  return m[1]!;
};
