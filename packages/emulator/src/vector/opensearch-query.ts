import { isObject } from '../context.js';
import { cosine, dot, isVector, squaredL2 } from './vector-math.js';

/**
 * The subset of OpenSearch's query DSL that vector retrieval uses, evaluated exactly: `knn` (with its efficient
 * `filter`), `bool`, `term`, `terms`, `range`, `exists`, `ids`, `match_all`, `match_none`, `constant_score`.
 */

export interface OsDoc {
  readonly id: string;
  readonly source: Record<string, unknown>;
}

/** A `knn_vector` field of the mapping. */
export interface KnnField {
  readonly dimension: number;
  /** l2 (OpenSearch's default), cosinesimil, innerproduct, l1 or linf. */
  readonly space: string;
}

export interface QueryScope {
  readonly docs: readonly OsDoc[];
  readonly knnFields: ReadonlyMap<string, KnnField>;
}

/** An OpenSearch error: `type` is the exception name the client reports, as in `{ error: { type, reason } }`. */
export class OsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    /** More fields of the error object, e.g. `index`. */
    readonly extra: object = {},
  ) {
    super(message);
  }
}

const parsing = (reason: string) => new OsError(400, 'parsing_exception', reason);

/** A compiled query: a matching document's score, or undefined when it does not match. */
type Matcher = (doc: OsDoc) => number | undefined;

const UNSUPPORTED = new Set([
  'match',
  'match_phrase',
  'multi_match',
  'query_string',
  'simple_query_string',
  'prefix',
  'wildcard',
  'regexp',
  'fuzzy',
  'nested',
  'script_score',
  'function_score',
  'hybrid',
  'neural',
]);

/** The leaf values at a dotted path (`attributes.year`), through nested objects and arrays, or a literal dotted key. */
export function fieldValues(doc: OsDoc, field: string): unknown[] {
  if (field === '_id') return [doc.id];
  const out: unknown[] = [];
  const walk = (value: unknown, parts: readonly string[]): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item, parts);
      return;
    }
    if (parts.length === 0) {
      if (value !== null && value !== undefined) out.push(value);
      return;
    }
    if (!isObject(value)) return;
    // A key may itself contain dots ({"a.b": 1}), as OpenSearch accepts both spellings of a path.
    for (let i = parts.length; i >= 1; i--) {
      const key = parts.slice(0, i).join('.');
      if (key in value) walk(value[key], parts.slice(i));
    }
  };
  walk(doc.source, field.split('.'));
  return out;
}

/** Term equality as keyword, numeric and boolean fields compare: exact strings, numbers by value. */
function sameValue(stored: unknown, query: unknown): boolean {
  if (stored === query) return true;
  if (typeof stored === 'number' && typeof query === 'string')
    return query.trim() !== '' && Number(query) === stored;
  if (typeof stored === 'boolean' && typeof query === 'string') return String(stored) === query;
  if (typeof stored === 'string' && typeof query === 'number')
    return stored.trim() !== '' && Number(stored) === query;
  return false;
}

function compare(stored: unknown, bound: unknown): number | undefined {
  if (typeof stored === 'number') {
    const b = typeof bound === 'number' ? bound : Number(bound);
    return Number.isNaN(b) ? undefined : stored - b;
  }
  if (typeof stored === 'string' && typeof bound === 'string')
    return stored < bound ? -1 : stored > bound ? 1 : 0;
  return undefined;
}

/** One field name and its parameters: `{ "field": params }`, the shape of term, range and knn bodies. */
function single(type: string, body: unknown): [string, unknown] {
  const entries = isObject(body) ? Object.entries(body).filter(([k]) => k !== 'boost' && k !== '_name') : [];
  if (entries.length !== 1)
    throw parsing(`[${type}] query doesn't support multiple fields, found ${JSON.stringify(body)}`);
  return entries[0]!;
}

function list(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Score of a k-NN hit, as OpenSearch converts each space's distance. */
export function knnScore(space: string, a: readonly number[], b: readonly number[]): number {
  switch (space) {
    case 'cosinesimil':
      return (1 + cosine(a, b)) / 2;
    case 'innerproduct': {
      const ip = dot(a, b);
      return ip >= 0 ? ip + 1 : 1 / (1 - ip);
    }
    case 'l1':
      return 1 / (1 + a.reduce((s, x, i) => s + Math.abs(x - (b[i] ?? 0)), 0));
    case 'linf':
      return 1 / (1 + a.reduce((m, x, i) => Math.max(m, Math.abs(x - (b[i] ?? 0))), 0));
    default:
      return 1 / (1 + squaredL2(a, b));
  }
}

function knn(body: unknown, scope: QueryScope): Matcher {
  const [field, params] = single('knn', body);
  const spec = scope.knnFields.get(field);
  if (!spec) throw new OsError(400, 'illegal_argument_exception', `Field '${field}' is not knn_vector type.`);
  if (!isObject(params)) throw parsing(`[knn] query malformed, no parameters for field [${field}]`);
  const { vector, k, filter } = params;
  if (!isVector(vector)) throw parsing(`[knn] requires "vector" to be a non-empty array of numbers`);
  if (vector.length !== spec.dimension)
    throw new OsError(
      400,
      'illegal_argument_exception',
      `Query vector has invalid dimension: ${vector.length}. Dimension should be: ${spec.dimension}`,
    );
  if (!(Number.isInteger(k) && (k as number) > 0 && (k as number) <= 10_000))
    throw new OsError(400, 'illegal_argument_exception', `[knn] requires k to be in the range [1, 10000]`);
  // Efficient filtering: the filter narrows the candidates before the k nearest are taken.
  const allowed = filter === undefined ? undefined : compile(filter, scope);
  const hits: { id: string; score: number }[] = [];
  for (const doc of scope.docs) {
    const stored = fieldValues(doc, field);
    const v =
      stored.length === 1 && isVector(stored[0])
        ? stored[0]
        : stored.every((x) => typeof x === 'number')
          ? stored
          : undefined;
    if (!v || v.length !== spec.dimension) continue;
    if (allowed && allowed(doc) === undefined) continue;
    hits.push({ id: doc.id, score: knnScore(spec.space, vector, v as number[]) });
  }
  hits.sort((a, b) => b.score - a.score);
  const nearest = new Map(hits.slice(0, k as number).map((h) => [h.id, h.score]));
  return (doc) => nearest.get(doc.id);
}

function bool(body: unknown, scope: QueryScope): Matcher {
  if (!isObject(body)) throw parsing('[bool] query malformed, expected an object');
  const known = new Set(['must', 'filter', 'should', 'must_not', 'minimum_should_match', 'boost', '_name']);
  const unknown = Object.keys(body).find((k) => !known.has(k));
  if (unknown) throw parsing(`[bool] query does not support [${unknown}]`);
  const must = list(body.must).map((q) => compile(q, scope));
  const filter = list(body.filter).map((q) => compile(q, scope));
  const should = list(body.should).map((q) => compile(q, scope));
  const mustNot = list(body.must_not).map((q) => compile(q, scope));
  const minShould =
    typeof body.minimum_should_match === 'number'
      ? body.minimum_should_match
      : must.length === 0 && filter.length === 0 && should.length > 0
        ? 1
        : 0;
  return (doc) => {
    let score = 0;
    for (const m of must) {
      const s = m(doc);
      if (s === undefined) return undefined;
      score += s;
    }
    for (const m of filter) if (m(doc) === undefined) return undefined;
    for (const m of mustNot) if (m(doc) !== undefined) return undefined;
    let matched = 0;
    for (const m of should) {
      const s = m(doc);
      if (s !== undefined) {
        matched += 1;
        score += s;
      }
    }
    return matched < minShould ? undefined : score;
  };
}

/** Compiles one query clause against the documents in scope (k-NN clauses rank them now). */
export function compile(query: unknown, scope: QueryScope): Matcher {
  if (!isObject(query) || Object.keys(query).length !== 1)
    throw parsing(
      `query malformed, expected an object with exactly one query type, received ${JSON.stringify(query)}`,
    );
  const [type, body] = Object.entries(query)[0]!;
  switch (type) {
    case 'match_all':
      return () => 1;
    case 'match_none':
      return () => undefined;
    case 'knn':
      return knn(body, scope);
    case 'bool':
      return bool(body, scope);
    case 'constant_score': {
      if (!isObject(body) || body.filter === undefined) throw parsing('[constant_score] requires a "filter"');
      const inner = compile(body.filter, scope);
      const boost = typeof body.boost === 'number' ? body.boost : 1;
      return (doc) => (inner(doc) === undefined ? undefined : boost);
    }
    case 'term': {
      const [field, params] = single(type, body);
      const value = isObject(params) ? params.value : params;
      return (doc) => (fieldValues(doc, field).some((v) => sameValue(v, value)) ? 1 : undefined);
    }
    case 'terms': {
      const [field, values] = single(type, body);
      if (!Array.isArray(values)) throw parsing(`[terms] query requires an array of values for [${field}]`);
      return (doc) =>
        fieldValues(doc, field).some((v) => values.some((q) => sameValue(v, q))) ? 1 : undefined;
    }
    case 'range': {
      const [field, params] = single(type, body);
      if (!isObject(params)) throw parsing(`[range] query malformed for [${field}]`);
      const bounds: [string, (c: number) => boolean][] = [
        ['gt', (c) => c > 0],
        ['gte', (c) => c >= 0],
        ['lt', (c) => c < 0],
        ['lte', (c) => c <= 0],
      ];
      return (doc) =>
        fieldValues(doc, field).some((v) =>
          bounds.every(([key, ok]) => {
            const bound = params[key];
            if (bound === undefined || bound === null) return true;
            const c = compare(v, bound);
            return c !== undefined && ok(c);
          }),
        )
          ? 1
          : undefined;
    }
    case 'exists': {
      const field = isObject(body) ? body.field : undefined;
      if (typeof field !== 'string') throw parsing('[exists] requires a "field"');
      return (doc) => (fieldValues(doc, field).length > 0 ? 1 : undefined);
    }
    case 'ids': {
      const values = isObject(body) ? body.values : undefined;
      if (!Array.isArray(values)) throw parsing('[ids] requires "values"');
      const ids = new Set(values.map(String));
      return (doc) => (ids.has(doc.id) ? 1 : undefined);
    }
    default:
      throw UNSUPPORTED.has(type)
        ? parsing(
            `the emulator does not evaluate [${type}] queries; it supports knn, bool, term, terms, range, exists, ids, match_all, match_none and constant_score`,
          )
        : parsing(`unknown query [${type}]`);
  }
}
