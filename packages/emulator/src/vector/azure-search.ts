import { randomUUID } from 'node:crypto';
import { type EmulatorContext, isObject, parseJson, type RoutedRequest } from '../context.js';
import type { Exchange } from '../exchange.js';
import type { FaultRule } from '../types.js';
import { type AzField, type AzIndex, SearchError, validateIndex } from './azure-search-index.js';
import { compileFilter, FilterError } from './odata-filter.js';
import { cosine, isVector, squaredL2 } from './vector-math.js';
import { perEmulator } from './vector-state.js';

/**
 * Azure AI Search's data plane (what @azure/search-documents sends): index create/update, get and delete
 * (`/indexes('name')`), `docs/search.index` (upload, merge, mergeOrUpload, delete), `docs/search.post.search`
 * with `vectorQueries`, `filter` (an OData subset, odata-filter.ts), `select`, `top`, `skip`, `orderby` and
 * `count`, `docs/$count` and `docs('key')`. Vector search is exact (exhaustive) whatever the algorithm.
 */

const MAX_BATCH = 1000;
const MAX_TOP = 1000;
const DEFAULT_TOP = 50;
const KEY = /^[A-Za-z0-9_\-=]{1,1024}$/;
const SERVICE = 'emulator';

const indexesOf = perEmulator(() => new Map<string, AzIndex>());

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const id = randomUUID();
  return {
    'request-id': id,
    'x-ms-request-id': id,
    'content-type': 'application/json; charset=utf-8',
    ...extra,
  };
}

function sendError(
  ex: Exchange,
  status: number,
  message: string,
  code = '',
  extra: Record<string, string> = {},
) {
  ex.json(status, { error: { code, message } }, headers(extra));
}

function sendFault(ex: Exchange, rule: FaultRule): void {
  const status = rule.status ?? 503;
  const retry = rule.retryAfterMs ?? (status === 429 || status === 503 ? 1000 : undefined);
  const message =
    rule.message ??
    (status === 429
      ? 'Too many requests. Please retry after a while.'
      : status === 503
        ? 'Service Unavailable. Please retry after a while.'
        : `Injected fault (HTTP ${status}).`);
  sendError(
    ex,
    status,
    message,
    rule.errorType ?? '',
    retry === undefined ? {} : { 'retry-after': String(Math.max(1, Math.ceil(retry / 1000))) },
  );
}

/** `api-key: <key>` (admin or query key) or `Authorization: Bearer <token>` (Entra ID, RBAC). */
function authenticate(ex: Exchange): boolean {
  const key = ex.header('api-key');
  const auth = ex.header('authorization');
  if ((key !== undefined && key.trim() !== '') || (auth !== undefined && /^Bearer \S+$/.test(auth))) {
    if (ex.query.get('api-version')) return true;
    sendError(
      ex,
      400,
      'The request is invalid. Details: The api-version query parameter (?api-version=) is required for all requests.',
    );
    return false;
  }
  sendError(ex, 401, 'Authentication failed: send an api-key header or an Authorization: Bearer token.');
  return false;
}

function indexOf(ctx: EmulatorContext, name: string): AzIndex {
  const index = indexesOf(ctx).get(name);
  if (!index)
    throw new SearchError(404, `No index with the name '${name}' was found in the service '${SERVICE}'.`);
  return index;
}

function createOrUpdate(ex: Exchange, ctx: EmulatorContext, name: string): void {
  const body = parseJson(ex.body);
  if (!isObject(body))
    throw new SearchError(400, 'The request is invalid. Details: index : expected a JSON object.');
  if (body.name !== undefined && body.name !== name)
    throw new SearchError(
      400,
      `The index name '${String(body.name)}' in the body does not match '${name}' in the URL.`,
    );
  const indexes = indexesOf(ctx);
  const current = indexes.get(name);
  const next = validateIndex(name, { ...body, name }, current);
  indexes.set(name, next);
  const status = current ? 200 : 201;
  if (ex.header('prefer') === 'return=minimal') ex.send(204, headers(), '');
  else ex.json(status, { '@odata.etag': next.etag, ...next.definition }, headers({ etag: next.etag }));
}

/** Checks a document's fields against the schema; returns the problem, if any. */
function documentProblem(index: AzIndex, doc: Record<string, unknown>): string | undefined {
  for (const [name, value] of Object.entries(doc)) {
    if (name === '@search.action') continue;
    const field = index.fields.find((f) => f.name === name);
    if (!field)
      return `The property '${name}' does not exist on type 'search.documentFields'. Make sure to only use property names that are defined by the type.`;
    if (value === null) continue;
    const vector = index.vectorFields.get(name);
    if (vector) {
      if (!isVector(value)) return `The vector field '${name}' must be an array of numbers.`;
      if (value.length !== vector.dimensions)
        return `The vector field '${name}' dimensionality must match the field definition's 'dimensions' property. Expected: '${vector.dimensions}'. Actual: '${value.length}'.`;
    }
    if (field.type === 'Collection(Edm.ComplexType)') {
      if (!Array.isArray(value)) return `The property '${name}' must be a collection of objects.`;
      for (const item of value) {
        if (!isObject(item)) return `The property '${name}' must be a collection of objects.`;
        const unknown = Object.keys(item).find((k) => !(field.fields ?? []).some((f) => f.name === k));
        if (unknown) return `The property '${unknown}' does not exist on type '${name}'.`;
      }
    }
  }
  return undefined;
}

function indexDocuments(ex: Exchange, ctx: EmulatorContext, name: string): void {
  const index = indexOf(ctx, name);
  const body = parseJson(ex.body);
  const actions = isObject(body) ? body.value : undefined;
  if (!Array.isArray(actions))
    throw new SearchError(400, 'The request is invalid. Details: actions : expected {"value": [...]}.');
  if (actions.length > MAX_BATCH)
    throw new SearchError(
      413,
      `The request is too large: a batch holds at most ${MAX_BATCH} actions, received ${actions.length}.`,
    );
  // The whole batch is validated first: a schema problem fails the request, as the service does.
  for (const action of actions) {
    if (!isObject(action))
      throw new SearchError(400, 'The request is invalid. Details: each action must be an object.');
    const kind = action['@search.action'] ?? 'upload';
    if (!['upload', 'merge', 'mergeOrUpload', 'delete'].includes(kind as string))
      throw new SearchError(
        400,
        `The request is invalid. Details: unknown @search.action '${String(kind)}'.`,
      );
    if (typeof action[index.keyField] !== 'string')
      throw new SearchError(
        400,
        `The request is invalid. Details: The document key field '${index.keyField}' is missing or not a string.`,
      );
    if (kind !== 'delete') {
      const problem = documentProblem(index, action);
      if (problem) throw new SearchError(400, `The request is invalid. Details: ${problem}`);
    }
  }
  const results = actions.map((a) => {
    const action = a as Record<string, unknown>;
    const kind = (action['@search.action'] ?? 'upload') as string;
    const key = action[index.keyField] as string;
    const { '@search.action': _, ...doc } = action;
    if (!KEY.test(key))
      return {
        key,
        status: false,
        errorMessage: `Invalid document key: '${key}'. Keys can only contain letters, digits, underscore (_), dash (-), or equal sign (=).`,
        statusCode: 400,
      };
    const current = index.docs.get(key);
    if (kind === 'delete') {
      index.docs.delete(key);
      return { key, status: true, errorMessage: null, statusCode: 200 };
    }
    if (kind === 'merge' && !current)
      return { key, status: false, errorMessage: 'Document not found.', statusCode: 404 };
    index.docs.set(key, kind === 'upload' || !current ? doc : { ...current, ...doc });
    return { key, status: true, errorMessage: null, statusCode: current ? 200 : 201 };
  });
  ex.json(results.every((r) => r.status) ? 200 : 207, { value: results }, headers());
}

interface Hit {
  readonly doc: Record<string, unknown>;
  readonly score: number;
  readonly order: number;
}

function vectorHits(index: AzIndex, query: unknown, docs: readonly Hit[]): Hit[] {
  if (!isObject(query) || query.kind !== 'vector')
    throw new SearchError(
      400,
      `The emulator serves vector queries of kind 'vector' (a vector, not text to vectorize), received ${JSON.stringify(isObject(query) ? query.kind : query)}.`,
    );
  const fieldNames = String(query.fields ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  if (fieldNames.length !== 1)
    throw new SearchError(
      400,
      `The emulator serves vector queries over one field, received fields '${String(query.fields)}'.`,
    );
  const field = fieldNames[0]!;
  const spec = index.vectorFields.get(field);
  if (!spec) throw new SearchError(400, `The field '${field}' in the vector query is not a vector field.`);
  if (!isVector(query.vector) || query.vector.length !== spec.dimensions)
    throw new SearchError(
      400,
      `The vector query's dimensions must match field '${field}': expected ${spec.dimensions}, received ${Array.isArray(query.vector) ? query.vector.length : 'no vector'}.`,
    );
  const k = query.k ?? DEFAULT_TOP;
  if (!Number.isInteger(k) || (k as number) < 1)
    throw new SearchError(400, `k must be a positive integer, received ${JSON.stringify(k)}.`);
  const vector = query.vector;
  return docs
    .flatMap((hit) => {
      const v = hit.doc[field];
      if (!isVector(v)) return [];
      // Azure's scores: cosine → 1 / (1 + (1 - cos)), euclidean → 1 / (1 + distance).
      const score =
        spec.metric === 'euclidean' ? 1 / (1 + Math.sqrt(squaredL2(vector, v))) : 1 / (2 - cosine(vector, v));
      return [{ ...hit, score }];
    })
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, k as number);
}

function orderBy(index: AzIndex, spec: unknown): ((a: Hit, b: Hit) => number) | undefined {
  if (spec === undefined || spec === null || spec === '') return undefined;
  const keys = String(spec)
    .split(',')
    .map((part) => {
      const [field = '', dir = 'asc'] = part.trim().split(/\s+/);
      if (
        field !== 'search.score()' &&
        !index.fields.some(
          (f) => f.name === field && f.sortable !== false && !f.type.startsWith('Collection('),
        )
      )
        throw new SearchError(400, `Invalid expression: The field '${field}' is not sortable.`);
      return { field, desc: dir === 'desc' };
    });
  return (a, b) => {
    for (const { field, desc } of keys) {
      const x = field === 'search.score()' ? a.score : a.doc[field];
      const y = field === 'search.score()' ? b.score : b.doc[field];
      const c =
        x === y
          ? 0
          : x === undefined || x === null
            ? -1
            : y === undefined || y === null
              ? 1
              : (x as number | string) < (y as number | string)
                ? -1
                : 1;
      if (c !== 0) return desc ? -c : c;
    }
    return a.order - b.order;
  };
}

function search(ex: Exchange, ctx: EmulatorContext, name: string): void {
  const index = indexOf(ctx, name);
  const body = parseJson(ex.body);
  if (!isObject(body)) throw new SearchError(400, 'The request is invalid. Details: expected a JSON object.');
  const top = body.top ?? DEFAULT_TOP;
  const skip = body.skip ?? 0;
  if (!Number.isInteger(top) || (top as number) < 0 || (top as number) > MAX_TOP)
    throw new SearchError(
      400,
      `Invalid value for $top: expected an integer from 0 to ${MAX_TOP}, received ${JSON.stringify(top)}.`,
    );
  if (!Number.isInteger(skip) || (skip as number) < 0 || (skip as number) > 100_000)
    throw new SearchError(
      400,
      `Invalid value for $skip: expected an integer from 0 to 100000, received ${JSON.stringify(skip)}.`,
    );
  const text = typeof body.search === 'string' ? body.search.trim() : '';
  if (text !== '' && text !== '*')
    throw new SearchError(
      400,
      `The emulator serves filter and vector search, not full-text search: send search '*' or none, received '${text}'.`,
    );
  let matches: (doc: Record<string, unknown>) => boolean = () => true;
  if (typeof body.filter === 'string' && body.filter.trim() !== '') {
    try {
      matches = compileFilter(body.filter, index.fields);
    } catch (error) {
      if (error instanceof FilterError) throw new SearchError(400, error.message);
      throw error;
    }
  }
  const all: Hit[] = [...index.docs.values()].map((doc, order) => ({ doc, score: 1, order }));
  const queries = Array.isArray(body.vectorQueries) ? body.vectorQueries : [];
  if (queries.length > 1) throw new SearchError(400, 'The emulator serves one vector query per request.');
  const postFilter = body.vectorFilterMode === 'postFilter';
  let hits: Hit[];
  if (queries.length === 1) {
    hits = vectorHits(index, queries[0], postFilter ? all : all.filter((h) => matches(h.doc)));
    if (postFilter) hits = hits.filter((h) => matches(h.doc));
  } else {
    hits = all.filter((h) => matches(h.doc));
  }
  const cmp = orderBy(index, body.orderby);
  if (cmp) hits.sort(cmp);
  const select =
    typeof body.select === 'string' && body.select.trim() !== '' && body.select.trim() !== '*'
      ? body.select.split(',').map((s) => s.trim())
      : undefined;
  const unknown = select?.find((s) => !index.fields.some((f) => f.name === s));
  if (unknown)
    throw new SearchError(
      400,
      `Invalid expression: Could not find a property named '${unknown}' on type 'search.document'.`,
    );
  const retrievable = (f: AzField) => f.retrievable !== false && f.hidden !== true && f.stored !== false;
  const project = (doc: Record<string, unknown>) =>
    Object.fromEntries(
      index.fields
        .filter(
          (f) => (select ? select.includes(f.name) : true) && retrievable(f) && doc[f.name] !== undefined,
        )
        .map((f) => [f.name, doc[f.name]]),
    );
  ex.json(
    200,
    {
      ...(body.count === true ? { '@odata.count': hits.length } : {}),
      value: hits
        .slice(skip as number, (skip as number) + (top as number))
        .map((h) => ({ '@search.score': h.score, ...project(h.doc) })),
    },
    headers(),
  );
}

/** `/indexes('name')`, `/indexes/name` or `/indexes(name)`, then what follows. */
const INDEX_PATH = /^\/indexes(?:\('([^']*)'\)|\(([^)]*)\)|\/([^/]+))(\/.*)?$/;
const DOC_PATH = /^\/docs(?:\('([^']*)'\)|\/([^/]+))$/;

interface AzRoute {
  readonly name: string;
  run(ex: Exchange, ctx: EmulatorContext): void;
}

function resolve(method: string, name: string, rest: string): AzRoute | undefined {
  if (rest === '') {
    if (method === 'PUT')
      return { name: 'createOrUpdateIndex', run: (ex, ctx) => createOrUpdate(ex, ctx, name) };
    if (method === 'GET')
      return {
        name: 'getIndex',
        run(ex, ctx) {
          const index = indexOf(ctx, name);
          ex.json(200, { '@odata.etag': index.etag, ...index.definition }, headers({ etag: index.etag }));
        },
      };
    if (method === 'DELETE')
      return {
        name: 'deleteIndex',
        run(ex, ctx) {
          indexOf(ctx, name);
          indexesOf(ctx).delete(name);
          ex.send(204, headers(), '');
        },
      };
    return undefined;
  }
  if (rest === '/docs/search.index' && method === 'POST')
    return { name: 'index', run: (ex, ctx) => indexDocuments(ex, ctx, name) };
  if (rest === '/docs/search.post.search' && method === 'POST')
    return { name: 'search', run: (ex, ctx) => search(ex, ctx, name) };
  if (rest === '/docs/$count' && method === 'GET')
    return {
      name: 'count',
      run: (ex, ctx) =>
        ex.send(
          200,
          { ...headers(), 'content-type': 'text/plain; charset=utf-8' },
          String(indexOf(ctx, name).docs.size),
        ),
    };
  const doc = DOC_PATH.exec(rest);
  if (doc && method === 'GET') {
    const key = doc[1] ?? doc[2] ?? '';
    return {
      name: 'getDocument',
      run(ex, ctx) {
        const found = indexOf(ctx, name).docs.get(key);
        if (!found) throw new SearchError(404, `Document with key '${key}' was not found.`);
        ex.json(200, found, headers());
      },
    };
  }
  return undefined;
}

export function routeAzureSearch(ex: Exchange): RoutedRequest | undefined {
  let path: string;
  try {
    path = decodeURIComponent(ex.path);
  } catch {
    return undefined;
  }
  const m = INDEX_PATH.exec(path);
  if (!m) return undefined;
  const name = m[1] ?? m[2] ?? m[3] ?? '';
  const route = resolve(ex.method, name, m[4] ?? '');
  if (!route) return undefined;
  return {
    provider: 'azure-search',
    operation: `azure-search.${route.name}`,
    model: name,
    streaming: false,
    authenticate,
    sendFault,
    handle: async (e, ctx) => {
      try {
        route.run(e, ctx);
      } catch (error) {
        if (!(error instanceof SearchError)) throw error;
        sendError(e, error.status, error.message);
      }
    },
  };
}
