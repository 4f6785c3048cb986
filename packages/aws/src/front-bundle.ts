import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The prebuilt front Lambda bundle, or why there is none. */
export type FrontBundle = { readonly dir: string } | { readonly missing: string };

const packageDir = fileURLToPath(new URL('..', import.meta.url));
/** Where the package's build puts the bundle (`lambda/front`, shipped in the package). */
export const FRONT_BUNDLE_DIR = join(packageDir, 'lambda', 'front');
const inputsFile = join(packageDir, 'lambda', '.front-inputs.json');
const buildScript = join(packageDir, 'scripts', 'build-front-bundle.mjs');

let checked: FrontBundle | undefined;

/**
 * The front's Lambda bundle (handler `index.handler`), built by this package's build and shipped in it, so a
 * synth needs neither esbuild nor Docker. When this package runs from its TypeScript sources (this repository:
 * tests, `npx cdk synth` after `npm ci`), the bundle is built here on first use and rebuilt when one of its
 * inputs changed since, so a synth never deploys a stale or missing front.
 */
export function frontBundle(): FrontBundle {
  if (checked) return checked;
  const fromSource = import.meta.url.endsWith('.ts');
  if (fromSource && existsSync(buildScript)) buildIfStale();
  checked = existsSync(join(FRONT_BUNDLE_DIR, 'index.mjs'))
    ? { dir: FRONT_BUNDLE_DIR }
    : {
        missing: `${join(FRONT_BUNDLE_DIR, 'index.mjs')} does not exist (this copy of the package was not built)`,
      };
  return checked;
}

/** True when the last build's record is missing or one of its inputs is newer than the build. */
function stale(): boolean {
  if (!existsSync(join(FRONT_BUNDLE_DIR, 'index.mjs'))) return true;
  let record: { builtAt: number; inputs: string[] };
  try {
    record = JSON.parse(readFileSync(inputsFile, 'utf8'));
  } catch {
    return true;
  }
  return record.inputs.some((input) => {
    try {
      return statSync(join(packageDir, input)).mtimeMs > record.builtAt;
    } catch {
      return true;
    }
  });
}

/** Builds under a lock: vitest runs test files in parallel processes that may all want the bundle at once. */
function buildIfStale(): void {
  if (!stale()) return;
  const lock = join(packageDir, 'lambda', '.build-lock');
  mkdirSync(join(packageDir, 'lambda'), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed build is older than any real build takes.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${lock} is held: another build of the front bundle hangs`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (stale())
      execFileSync(process.execPath, [buildScript], {
        cwd: packageDir,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
