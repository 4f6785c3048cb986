import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Where the front's Lambda handler is, and whether esbuild must resolve workspace sources to bundle it. */
export interface FrontHandlerLocation {
  /** File to bundle. */
  readonly entry: string;
  /** The entry is TypeScript source in this monorepo: bundle with the `@genai-deploy/source` condition. */
  readonly fromSource: boolean;
}

type ExportTarget = string | Record<string, string | undefined>;

/**
 * Finds `@genai-deploy/front/lambda`: the TypeScript source when it is there (this monorepo, no build needed),
 * else the published `dist` file. Returns a reason instead of throwing so the caller can name its construct.
 */
export function locateFrontHandler(
  from: string = import.meta.url,
): FrontHandlerLocation | { missing: string } {
  const require = createRequire(from);
  let manifest: string;
  try {
    manifest = require.resolve('@genai-deploy/front/package.json');
  } catch {
    return { missing: '@genai-deploy/front is not installed where @genai-deploy/aws can resolve it' };
  }
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, ExportTarget> };
  const target = pkg.exports?.['./lambda'];
  if (!target) return { missing: `${manifest} does not export "./lambda"` };
  const root = dirname(manifest);
  const candidates: { path: string | undefined; fromSource: boolean }[] =
    typeof target === 'string'
      ? [{ path: target, fromSource: false }]
      : [
          { path: target['@genai-deploy/source'], fromSource: true },
          { path: target['import'], fromSource: false },
          { path: target['default'], fromSource: false },
        ];
  for (const c of candidates) {
    if (c.path && existsSync(join(root, c.path)))
      return { entry: join(root, c.path), fromSource: c.fromSource };
  }
  return {
    missing: `none of ${candidates
      .map((c) => c.path)
      .filter(Boolean)
      .join(', ')} exists under ${root} (build the front package)`,
  };
}
