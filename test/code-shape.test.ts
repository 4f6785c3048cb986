import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The shape issue 14 set for the code: no source file over 600 lines in any package (a construct or a component
// that grows past it is split, as aws-cdk-lib splits its constructs), and no function over 150 lines in the client
// and the front (a component is composed of named pieces, not one closure). Tests and test utilities are left out.
const root = join(import.meta.dirname, '..');
const MAX_FILE_LINES = 600;
const MAX_FUNCTION_LINES = 150;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    const source = entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts');
    return source && !/\.test(-utils)?\.ts$/.test(entry.name) ? [path] : [];
  });
}

const packages = readdirSync(join(root, 'packages')).filter((p) =>
  existsSync(join(root, 'packages', p, 'src')),
);

/** Functions (declarations, methods, arrows, closures) longer than `max` lines: `file:line name (n lines)`. */
function longFunctions(file: string, text: string, max: number): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      const name = node.name ? node.name.getText(source) : '(anonymous)';
      if (lines > max) found.push(`${relative(root, file)}:${start + 1} ${name} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('code shape', () => {
  it(`no source file in packages/*/src over ${MAX_FILE_LINES} lines`, () => {
    const long = packages
      .flatMap((p) => sourceFiles(join(root, 'packages', p, 'src')))
      .map((f) => [relative(root, f), readFileSync(f, 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > MAX_FILE_LINES);
    expect(long).toEqual([]);
  });

  it(`no function over ${MAX_FUNCTION_LINES} lines in the client and the front`, () => {
    const long = ['client', 'front'].flatMap((p) =>
      sourceFiles(join(root, 'packages', p, 'src')).flatMap((f) =>
        longFunctions(f, readFileSync(f, 'utf8'), MAX_FUNCTION_LINES),
      ),
    );
    expect(long).toEqual([]);
  });

  it('finds a long function (the check can fail)', () => {
    const body = Array.from({ length: 160 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    expect(longFunctions('x.ts', `function big() {\n${body}\n}\n`, MAX_FUNCTION_LINES)).toEqual([
      'x.ts:1 big (162 lines)',
    ]);
  });
});
