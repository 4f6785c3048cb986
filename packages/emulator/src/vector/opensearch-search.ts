import { type EmulatorContext, isObject, parseJson } from '../context.js';
import type { Exchange } from '../exchange.js';
import { indexOf, JSON_HEADERS } from './opensearch-index.js';
import { compile, fieldValues, type OsDoc, OsError } from './opensearch-query.js';

/** `_search`: a query (k-NN and filters), sorting with `search_after`, paging and `_source` filtering. */

const MAX_RESULT_WINDOW = 10_000;

interface SortKey {
  readonly field: string;
  readonly desc: boolean;
}

function sortKeys(sort: unknown): SortKey[] | undefined {
  if (sort === undefined) return undefined;
  return (Array.isArray(sort) ? sort : [sort]).map((s): SortKey => {
    if (typeof s === 'string') return { field: s, desc: s === '_score' };
    if (isObject(s) && Object.keys(s).length === 1) {
      const [field, spec] = Object.entries(s)[0]!;
      const order = isObject(spec) ? spec.order : spec;
      if (order !== 'asc' && order !== 'desc' && order !== undefined)
        throw new OsError(
          400,
          'parsing_exception',
          `[sort] order must be "asc" or "desc", received ${JSON.stringify(order)}`,
        );
      return { field, desc: order === undefined ? field === '_score' : order === 'desc' };
    }
    throw new OsError(400, 'parsing_exception', `malformed sort ${JSON.stringify(s)}`);
  });
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return 1;
  if (b === undefined || b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

interface Hit {
  readonly doc: OsDoc;
  readonly score: number;
  readonly order: number;
  sort?: unknown[];
}

function sourceFilter(spec: unknown): ((source: Record<string, unknown>) => Record<string, unknown>) | false {
  if (spec === false) return false;
  if (spec === undefined || spec === true) return (s) => s;
  const pick = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
  const includes = isObject(spec) ? pick(spec.includes ?? spec.include) : pick(spec);
  const excludes = isObject(spec) ? pick(spec.excludes ?? spec.exclude) : [];
  const pattern = (p: string) =>
    new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`);
  const inc = includes.map(pattern);
  const exc = excludes.map(pattern);
  const keep = (path: string) =>
    (inc.length === 0 || inc.some((r) => r.test(path))) && !exc.some((r) => r.test(path));
  return (source) => Object.fromEntries(Object.entries(source).filter(([k]) => keep(k)));
}

export function search(ex: Exchange, ctx: EmulatorContext, name: string): void {
  const started = Date.now();
  const index = indexOf(ctx, name);
  const body = ex.body.length === 0 ? {} : parseJson(ex.body);
  if (!isObject(body)) throw new OsError(400, 'parsing_exception', 'request body must be a JSON object');
  const size = body.size ?? (ex.query.has('size') ? Number(ex.query.get('size')) : 10);
  const from = body.from ?? (ex.query.has('from') ? Number(ex.query.get('from')) : 0);
  if (!Number.isInteger(size) || (size as number) < 0 || !Number.isInteger(from) || (from as number) < 0)
    throw new OsError(400, 'illegal_argument_exception', `[size] and [from] must be non-negative integers`);
  if ((size as number) + (from as number) > MAX_RESULT_WINDOW)
    throw new OsError(
      400,
      'illegal_argument_exception',
      `Result window is too large, from + size must be less than or equal to: [${MAX_RESULT_WINDOW}] but was [${(size as number) + (from as number)}].`,
    );
  const docs: OsDoc[] = [...index.docs].map(([id, source]) => ({ id, source }));
  const matcher = compile(body.query ?? { match_all: {} }, { docs, knnFields: index.knnFields });
  let hits: Hit[] = [];
  docs.forEach((doc, order) => {
    const score = matcher(doc);
    if (score !== undefined) hits.push({ doc, score, order });
  });
  const keys = sortKeys(body.sort);
  const sortValue = (hit: Hit, field: string) =>
    field === '_score' ? hit.score : field === '_doc' ? hit.order : fieldValues(hit.doc, field)[0];
  if (keys) {
    for (const hit of hits) hit.sort = keys.map((k) => sortValue(hit, k.field) ?? null);
    const cmp = (a: readonly unknown[], b: readonly unknown[]) => {
      for (let i = 0; i < keys.length; i++) {
        const c = compareValues(a[i], b[i]);
        if (c !== 0) return keys[i]!.desc ? -c : c;
      }
      return 0;
    };
    hits.sort((a, b) => cmp(a.sort!, b.sort!) || a.order - b.order);
    if (Array.isArray(body.search_after)) {
      const after = body.search_after;
      hits = hits.filter((h) => cmp(h.sort!, after) > 0);
    }
  } else {
    hits.sort((a, b) => b.score - a.score || a.order - b.order);
  }
  const filter = sourceFilter(body._source);
  const page = hits.slice(from as number, (from as number) + (size as number));
  ex.json(
    200,
    {
      took: Date.now() - started,
      timed_out: false,
      _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
      hits: {
        total: { value: hits.length, relation: 'eq' },
        max_score: hits.length === 0 ? null : Math.max(...hits.map((h) => h.score)),
        hits: page.map((h) => ({
          _index: index.name,
          _id: h.doc.id,
          _score: keys ? null : h.score,
          ...(filter ? { _source: filter(h.doc.source) } : {}),
          ...(h.sort ? { sort: h.sort } : {}),
        })),
      },
    },
    JSON_HEADERS,
  );
}
