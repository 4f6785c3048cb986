import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// No import cycle inside any package: a cycle makes module evaluation order matter (a value read before its
// module ran is undefined) and means two files can only be understood together. Every relative import counts:
// type-only imports, re-exports, dynamic `import()` and module augmentations (`declare module './x.js'`) too,
// as `ts.preProcessFile` reports them. Tests and test utilities are left out.
const root = join(import.meta.dirname, '..');
const packages = readdirSync(join(root, 'packages')).filter((p) =>
  existsSync(join(root, 'packages', p, 'src')),
);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    const source = entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts');
    return source && !/\.test(-utils)?\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** The relative imports of each file, resolved to files (`./x.js` → `x.ts`, a folder → its `index.ts`). */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((i) => i.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => resolve(dirname(file), spec.replace(/\.js$/, '.ts')))
      .map((path) => (known.has(path) ? path : join(path, 'index.ts')))
      .filter((path) => known.has(path));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Strongly connected components of more than one file (or a file importing itself): Tarjan's algorithm. */
function cyclicComponents(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node)?.includes(node)) components.push(component);
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return components;
}

/** One cycle through a component, as `a.ts → b.ts → a.ts` (a shortest path back to its first file). */
function cycleThrough(component: readonly string[], graph: Map<string, string[]>, src: string): string {
  const members = new Set(component);
  const start = [...component].sort()[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  let end: string | undefined;
  while (queue.length > 0 && end === undefined) {
    const node = queue.shift()!;
    for (const next of graph.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        end = node;
        break;
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  const path = [start];
  for (let node = end; node !== undefined && node !== start; node = previous.get(node))
    path.splice(1, 0, node);
  return [...path, start].map((f) => relative(src, f)).join(' → ');
}

describe('import cycles', () => {
  it.each(packages)('packages/%s/src has none', (pkg) => {
    const src = join(root, 'packages', pkg, 'src');
    const graph = importGraph(sourceFiles(src));
    const cycles = cyclicComponents(graph).map((c) => cycleThrough(c, graph, src));
    expect(
      cycles,
      `import cycles in packages/${pkg}/src (each line: one cycle; break it by moving what both files need ` +
        'into a module that imports neither):\n' +
        cycles.join('\n'),
    ).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    const graph = new Map([
      ['/s/a.ts', ['/s/b.ts']],
      ['/s/b.ts', ['/s/c.ts']],
      ['/s/c.ts', ['/s/a.ts', '/s/d.ts']],
      ['/s/d.ts', []],
    ]);
    const components = cyclicComponents(graph);
    expect(components.map((c) => cycleThrough(c, graph, '/s'))).toEqual(['a.ts → b.ts → c.ts → a.ts']);
  });
});
