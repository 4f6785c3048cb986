/**
 * The front reads its environment only through FRONT_ENV (@genai-deploy/config): every read is
 * `env[FRONT_ENV.<key>.name]`, and no variable name is written out in the code. A name typed by hand, or
 * read as `env.NAME`, escapes the contract that the constructs are checked against.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { FRONT_ENV, FRONT_ENV_NAMES } from '@genai-deploy/config';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = import.meta.dirname;

/** A variable-like name: any GENAI_* and every name of the contract (LOG_LEVEL, PORT, HOST, ...). */
const NAME = new RegExp(`\\b(GENAI_[A-Z0-9_]+|${FRONT_ENV_NAMES.join('|')})\\b`);

interface Violation {
  readonly file: string;
  readonly line: number;
  readonly what: string;
}

/** The front's sources: every .ts under src/, tests and test utilities aside. */
function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !/\.test(-utils)?\.ts$/.test(e.name) ? [path] : [];
  });
}

/** `env`, `process.env`, `options.env`: an object read as the environment. */
function isEnv(node: ts.Expression): boolean {
  if (ts.isIdentifier(node)) return node.text === 'env';
  return ts.isPropertyAccessExpression(node) && node.name.text === 'env';
}

/** `FRONT_ENV.<key>.name` with a key of the contract. */
function isContractName(node: ts.Expression): boolean {
  return (
    ts.isPropertyAccessExpression(node) &&
    node.name.text === 'name' &&
    ts.isPropertyAccessExpression(node.expression) &&
    ts.isIdentifier(node.expression.expression) &&
    node.expression.expression.text === 'FRONT_ENV' &&
    Object.hasOwn(FRONT_ENV, node.expression.name.text)
  );
}

/** Every way `text` reads the environment around the contract (comments are not code and do not count). */
function envViolations(file: string, text: string): Violation[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Violation[] = [];
  const flag = (node: ts.Node, what: string) =>
    found.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, what });
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && isEnv(node.expression)) {
      flag(node, `${node.getText()}: read it as env[FRONT_ENV.<key>.name]`);
    } else if (ts.isElementAccessExpression(node) && isEnv(node.expression)) {
      if (!isContractName(node.argumentExpression)) {
        flag(node, `${node.getText()}: the key must be FRONT_ENV.<key>.name`);
      }
    } else if (
      (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node) || ts.isIdentifier(node)) &&
      NAME.test(node.text)
    ) {
      flag(node, `${node.getText()}: the name ${NAME.exec(node.text)?.[1]} written out; use FRONT_ENV`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("the front's environment contract", () => {
  it('is the only way the front reads its environment', () => {
    const files = sources();
    // The scan must see the files that do read the environment, or it proves nothing.
    expect(files.map((f) => relative(SRC, f))).toEqual(
      expect.arrayContaining(['environment.ts', 'redis.ts', 'server.ts', 'logger.ts', 'runtime.ts']),
    );
    const violations = files.flatMap((f) => envViolations(relative(SRC, f), readFileSync(f, 'utf8')));
    expect(violations, 'read the environment as env[FRONT_ENV.<key>.name] (@genai-deploy/config)').toEqual(
      [],
    );
  });

  it('catches each way around it, and leaves comments and contract reads alone', () => {
    const fixture = [
      '// GENAI_IN_A_COMMENT is not code',
      'const a = process.env.LOG_LEVEL;',
      "const b = env['GENAI_CONFIG'];",
      'const c = { ...env, GENAI_REDIS_PASSWORD: token };',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the fixture is source text holding a template literal
      'const d = `${x} set GENAI_DRAIN_MS`;',
      'const e = options.env[name];',
      "throw new Error('PORT must be a number');",
      'const f = env[FRONT_ENV.config.name] ?? process.env[FRONT_ENV.port.name];',
      'const g = env[FRONT_ENV.notInTheContract.name];',
    ].join('\n');
    const lines = envViolations('fixture.ts', fixture).map((v) => v.line);
    expect([...new Set(lines)]).toEqual([2, 3, 4, 5, 6, 7, 9]);
  });
});
