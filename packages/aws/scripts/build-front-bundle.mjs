/**
 * Builds the front's Lambda bundle (`@genai-deploy/front/lambda`) into packages/aws/lambda/front, which the
 * package ships and LambdaFront deploys with `lambda.Code.fromAsset` (handler `index.handler`): synth then needs
 * neither esbuild nor Docker. Run by `npm run build -w @genai-deploy/aws`, by `npm run build:lambda -w
 * @genai-deploy/aws`, and on demand by LambdaFront when it runs from this repository's sources (front-bundle.ts).
 *
 * ESM with code splitting: each provider's official client is reached only through the dynamic `import()` in its
 * definition's `load()`, so it lands in a chunk that a cold start never reads unless that provider is called.
 *
 * Usage: node scripts/build-front-bundle.mjs [--outdir <dir>] [--single]
 *   --single  one file, no splitting (what NodejsFunction built before; kept for the lambda-bundle benchmark)
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const packageDir = join(here, '..');
export const defaultOutdir = join(packageDir, 'lambda', 'front');
/** Inputs of the last build (beside the shipped folder, not in it): LambdaFront rebuilds when one is newer. */
export const inputsFile = join(packageDir, 'lambda', '.front-inputs.json');

/** The front's Lambda entry as TypeScript source (this repository), so no build of the front is needed first. */
export function frontLambdaSource() {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('@genai-deploy/front/package.json');
  const target = JSON.parse(readFileSync(manifest, 'utf8')).exports['./lambda'];
  return join(dirname(manifest), target['@genai-deploy/source']);
}

/**
 * @param {{ outdir?: string, single?: boolean, recordInputs?: boolean }} [options]
 * @returns {Promise<{ outdir: string, files: { path: string, bytes: number, entryPoint?: string, imports: string[] }[] }>}
 */
export async function buildFrontBundle(options = {}) {
  const { build } = await import('esbuild');
  const outdir = options.outdir ?? defaultOutdir;
  const single = options.single ?? false;
  // Build beside the target and swap it in, so that a concurrent synth never reads a half-written folder.
  const staging = `${outdir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const started = Date.now();
  const result = await build({
    entryPoints: { index: frontLambdaSource() },
    outdir: staging,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    splitting: !single,
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    conditions: ['@genai-deploy/source'],
    mainFields: ['module', 'main'],
    minify: true,
    // Node reads these with --enable-source-maps (set by LambdaFront) for stack traces; the sources are not
    // inlined: they are the workspace's and node_modules' files, which add megabytes and serve no stack trace.
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'linked',
    // CommonJS dependencies (ioredis, pino) call require() inside the ESM output.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    // The AWS SDK is bundled at the versions the client was tested with, not taken from the runtime, whose
    // version AWS changes under the function (and would mismatch the bundled @smithy packages).
    external: [],
    metafile: true,
    logLevel: 'warning',
  });
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(dirname(outdir), { recursive: true });
  renameSync(staging, outdir);
  if (options.recordInputs ?? outdir === defaultOutdir) {
    writeFileSync(
      inputsFile,
      JSON.stringify({
        builtAt: started,
        inputs: [
          ...Object.keys(result.metafile.inputs).map((p) => relative(packageDir, join(process.cwd(), p))),
          // npm writes this on every install; the files it installs keep their packed mtimes (1985), which the
          // mtime check alone would miss after a dependency changes.
          relative(packageDir, join(packageDir, '..', '..', 'node_modules', '.package-lock.json')),
        ],
      }),
    );
  }
  const inOutdir = (path) => relative(staging, join(process.cwd(), path));
  const files = Object.entries(result.metafile.outputs).map(([path, out]) => ({
    path: inOutdir(path),
    bytes: out.bytes,
    // The module a dynamic import() reaches (a chunk loaded on first use), and what the file imports statically.
    entryPoint: out.entryPoint,
    imports: out.imports
      .filter((i) => !i.external && i.kind === 'import-statement')
      .map((i) => inOutdir(i.path)),
  }));
  return { outdir, files };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--outdir');
  const { outdir, files } = await buildFrontBundle({
    ...(at >= 0 ? { outdir: args[at + 1] } : {}),
    single: args.includes('--single'),
  });
  const code = files.filter((f) => f.path.endsWith('.mjs'));
  const entry = code.find((f) => f.path === 'index.mjs');
  const mb = (n) => `${(n / 2 ** 20).toFixed(2)} MB`;
  console.log(
    `front Lambda bundle in ${relative(process.cwd(), outdir) || '.'}: entry ${mb(entry?.bytes ?? 0)}, ` +
      `${code.length - 1} chunks, ${mb(code.reduce((n, f) => n + f.bytes, 0))} of code in all`,
  );
}
