import { isObject } from '../context.js';

/**
 * Azure AI Search's OData `$filter` subset, parsed and evaluated exactly against a document: comparisons (eq, ne,
 * gt, ge, lt, le) of a field path with a literal (string, number, true, false, null), `and`, `or`, `not`,
 * parentheses, `search.in(path, 'a,b'[, 'delimiters'])`, and lambdas over collections
 * (`tags/any(t: t eq 'x')`, `attributes/any(a: a/key eq 'year' and a/n ge 2020)`, `all`, `any()`). Fields are
 * checked against the index schema as the service does: unknown and non-filterable fields are errors.
 */

/** The part of an index field definition the filter needs. */
export interface FilterField {
  readonly name: string;
  readonly type: string;
  readonly filterable?: boolean;
  readonly fields?: readonly FilterField[];
}

export class FilterError extends Error {}

type Literal = string | number | boolean | null;
type Value = Literal | undefined | readonly unknown[] | Record<string, unknown>;

type Node =
  | { readonly kind: 'and' | 'or'; readonly left: Node; readonly right: Node }
  | { readonly kind: 'not'; readonly operand: Node }
  | { readonly kind: 'cmp'; readonly op: string; readonly left: Operand; readonly right: Operand }
  | { readonly kind: 'in'; readonly path: Path; readonly values: readonly string[] }
  | {
      readonly kind: 'lambda';
      readonly path: Path;
      readonly quantifier: 'any' | 'all';
      readonly variable?: string;
      readonly body?: Node;
    }
  | { readonly kind: 'bool'; readonly operand: Operand };

type Path = { readonly kind: 'path'; readonly segments: readonly string[] };
type Operand = Path | { readonly kind: 'literal'; readonly value: Literal };

type Token =
  | { readonly t: 'str'; readonly v: string; readonly at: number }
  | { readonly t: 'num'; readonly v: number; readonly at: number }
  | { readonly t: 'id'; readonly v: string; readonly at: number }
  | { readonly t: 'sym'; readonly v: string; readonly at: number };

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === "'") {
      let v = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length)
          throw new FilterError(`Invalid expression: unterminated string starting at position ${i}`);
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            v += "'";
            j += 2;
            continue;
          }
          break;
        }
        v += text[j];
        j += 1;
      }
      tokens.push({ t: 'str', v, at: i });
      i = j + 1;
    } else if ('()/,:'.includes(c)) {
      tokens.push({ t: 'sym', v: c, at: i });
      i += 1;
    } else {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
      if (m && (c === '-' || /\d/.test(c))) {
        tokens.push({ t: 'num', v: Number(m[0]), at: i });
        i += m[0].length;
        continue;
      }
      const id = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i));
      if (!id) throw new FilterError(`Invalid expression: unexpected character '${c}' at position ${i}`);
      tokens.push({ t: 'id', v: id[0], at: i });
      i += id[0].length;
    }
  }
  return tokens;
}

class Parser {
  private pos = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly text: string,
  ) {}

  parse(): Node {
    const node = this.or();
    if (this.pos < this.tokens.length) this.fail('unexpected');
    return node;
  }

  private fail(what: string): never {
    const token = this.tokens[this.pos];
    throw new FilterError(
      `Invalid expression: Syntax error at position ${token?.at ?? this.text.length} in '${this.text}' (${what} ${token ? `'${token.v}'` : 'end of input'}).`,
    );
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }

  private isWord(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token?.t === 'id' && token.v === word;
  }

  private expect(sym: string): void {
    const token = this.peek();
    if (token?.t !== 'sym' || token.v !== sym) this.fail(`expected '${sym}', found`);
    this.pos += 1;
  }

  private or(): Node {
    let left = this.and();
    while (this.isWord('or')) {
      this.pos += 1;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Node {
    let left = this.unary();
    while (this.isWord('and')) {
      this.pos += 1;
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): Node {
    if (this.isWord('not')) {
      this.pos += 1;
      return { kind: 'not', operand: this.unary() };
    }
    return this.primary();
  }

  private primary(): Node {
    const token = this.peek();
    if (token?.t === 'sym' && token.v === '(') {
      this.pos += 1;
      const node = this.or();
      this.expect(')');
      return node;
    }
    if (this.isWord('search.in')) return this.searchIn();
    const left = this.operand();
    if (left.kind === 'path' && this.peek()?.t === 'sym' && this.peek()?.v === '/') return this.lambda(left);
    const op = this.peek();
    if (op?.t === 'id' && COMPARISONS.has(op.v)) {
      this.pos += 1;
      return { kind: 'cmp', op: op.v, left, right: this.operand() };
    }
    return { kind: 'bool', operand: left };
  }

  private lambda(path: Path): Node {
    this.expect('/');
    const q = this.peek();
    if (q?.t !== 'id' || (q.v !== 'any' && q.v !== 'all')) this.fail('expected any or all, found');
    this.pos += 1;
    this.expect('(');
    if (this.peek()?.t === 'sym' && this.peek()?.v === ')') {
      this.pos += 1;
      if (q.v === 'all') this.fail('all requires a lambda expression, found');
      return { kind: 'lambda', path, quantifier: 'any' };
    }
    const variable = this.peek();
    if (variable?.t !== 'id') this.fail('expected a range variable, found');
    this.pos += 1;
    this.expect(':');
    const body = this.or();
    this.expect(')');
    return { kind: 'lambda', path, quantifier: q.v as 'any' | 'all', variable: variable.v, body };
  }

  private searchIn(): Node {
    this.pos += 1;
    this.expect('(');
    const path = this.operand();
    if (path.kind !== 'path') this.fail('search.in expects a field first, found');
    this.expect(',');
    const list = this.peek();
    if (list?.t !== 'str') this.fail('search.in expects a string of values, found');
    this.pos += 1;
    let delimiters = ' ,';
    if (this.peek()?.t === 'sym' && this.peek()?.v === ',') {
      this.pos += 1;
      const d = this.peek();
      if (d?.t !== 'str') this.fail('search.in expects a string of delimiters, found');
      delimiters = d.v;
      this.pos += 1;
    }
    this.expect(')');
    const values = [...list.v]
      .reduce<string[]>(
        (acc, ch) => {
          if (delimiters.includes(ch)) acc.push('');
          else acc[acc.length - 1] += ch;
          return acc;
        },
        [''],
      )
      .filter((v) => v !== '');
    return { kind: 'in', path, values };
  }

  private operand(): Operand {
    const token = this.peek();
    if (!token) this.fail('expected a field or a value, found');
    if (token.t === 'str' || token.t === 'num') {
      this.pos += 1;
      return { kind: 'literal', value: token.v };
    }
    if (token.t === 'id' && ['true', 'false', 'null'].includes(token.v)) {
      this.pos += 1;
      return { kind: 'literal', value: token.v === 'null' ? null : token.v === 'true' };
    }
    if (token.t !== 'id') this.fail('expected a field or a value, found');
    const segments = [token.v];
    this.pos += 1;
    // A path continues through '/' unless what follows is a lambda (any/all followed by '(').
    while (this.peek()?.t === 'sym' && this.peek()?.v === '/' && this.peek(1)?.t === 'id') {
      const next = this.peek(1);
      if (next?.t !== 'id') break;
      if ((next.v === 'any' || next.v === 'all') && this.peek(2)?.v === '(') break;
      segments.push(next.v);
      this.pos += 2;
    }
    return { kind: 'path', segments };
  }
}

/** Scope of names: the document's fields, and lambda variables bound to a collection's elements. */
interface Scope {
  readonly fields: readonly FilterField[];
  readonly variables: ReadonlyMap<string, FilterField | 'element'>;
}

function resolveField(path: Path, scope: Scope): FilterField | 'element' {
  const [first, ...rest] = path.segments;
  let current: FilterField | 'element' | undefined = scope.variables.get(first!);
  let fields = current === undefined ? scope.fields : current === 'element' ? [] : (current.fields ?? []);
  const names = current === undefined ? path.segments : rest;
  for (const name of names) {
    const field = fields.find((f) => f.name === name);
    if (!field)
      throw new FilterError(
        `Invalid expression: Could not find a property named '${name}' on type 'search.${current === undefined ? 'document' : 'complex'}'.`,
      );
    current = field;
    fields = field.fields ?? [];
  }
  return current!;
}

function check(node: Node, scope: Scope): void {
  const leaf = (operand: Operand) => {
    if (operand.kind !== 'path') return;
    const field = resolveField(operand, scope);
    if (field === 'element') return;
    if (field.type.startsWith('Collection('))
      throw new FilterError(
        `Invalid expression: '${operand.segments.join('/')}' is a collection; filter it with any() or all().`,
      );
    if (field.filterable === false)
      throw new FilterError(
        `Invalid expression: The field '${operand.segments.join('/')}' is not filterable. Only filterable fields can be used in filter expressions.`,
      );
  };
  switch (node.kind) {
    case 'and':
    case 'or':
      check(node.left, scope);
      check(node.right, scope);
      return;
    case 'not':
      check(node.operand, scope);
      return;
    case 'cmp':
      leaf(node.left);
      leaf(node.right);
      return;
    case 'bool':
      leaf(node.operand);
      return;
    case 'in':
      leaf(node.path);
      return;
    case 'lambda': {
      const field = resolveField(node.path, scope);
      if (field === 'element' || !field.type.startsWith('Collection('))
        throw new FilterError(
          `Invalid expression: any/all apply to collection fields, '${node.path.segments.join('/')}' is not one.`,
        );
      if (node.variable === undefined || node.body === undefined) return;
      const element =
        field.type === 'Collection(Edm.ComplexType)' ? { ...field, type: 'Edm.ComplexType' } : 'element';
      const variables = new Map(scope.variables).set(node.variable, element);
      check(node.body, { fields: scope.fields, variables });
      return;
    }
  }
}

type Env = ReadonlyMap<string, unknown>;

function valueAt(path: Path, doc: Record<string, unknown>, env: Env): Value {
  const [first, ...rest] = path.segments;
  let value: unknown = env.has(first!) ? env.get(first!) : doc[first!];
  for (const name of env.has(first!) ? rest : path.segments.slice(1))
    value = isObject(value) ? value[name] : undefined;
  return value as Value;
}

function operandValue(operand: Operand, doc: Record<string, unknown>, env: Env): Value {
  return operand.kind === 'literal' ? operand.value : valueAt(operand, doc, env);
}

function compareValues(op: string, a: Value, b: Value): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (op === 'eq') return a === b;
  if (op === 'ne') return a !== b;
  if (a === null || b === null || typeof a !== typeof b || typeof a === 'boolean') return false;
  const c = typeof a === 'number' ? a - (b as number) : a < (b as string) ? -1 : a > (b as string) ? 1 : 0;
  return op === 'gt' ? c > 0 : op === 'ge' ? c >= 0 : op === 'lt' ? c < 0 : c <= 0;
}

function evaluate(node: Node, doc: Record<string, unknown>, env: Env): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, doc, env) && evaluate(node.right, doc, env);
    case 'or':
      return evaluate(node.left, doc, env) || evaluate(node.right, doc, env);
    case 'not':
      return !evaluate(node.operand, doc, env);
    case 'cmp':
      return compareValues(node.op, operandValue(node.left, doc, env), operandValue(node.right, doc, env));
    case 'bool':
      return operandValue(node.operand, doc, env) === true;
    case 'in': {
      const value = valueAt(node.path, doc, env);
      return typeof value === 'string' && node.values.includes(value);
    }
    case 'lambda': {
      const items = valueAt(node.path, doc, env);
      const list = Array.isArray(items) ? items : [];
      if (node.variable === undefined || node.body === undefined) return list.length > 0;
      const test = (item: unknown) => evaluate(node.body!, doc, new Map(env).set(node.variable!, item));
      return node.quantifier === 'any' ? list.some(test) : list.every(test);
    }
  }
}

/** Parses and checks `filter` against the index's fields; the predicate tells whether a document matches. */
export function compileFilter(
  filter: string,
  fields: readonly FilterField[],
): (doc: Record<string, unknown>) => boolean {
  const node = new Parser(tokenize(filter), filter).parse();
  check(node, { fields, variables: new Map() });
  return (doc) => evaluate(node, doc, new Map());
}
