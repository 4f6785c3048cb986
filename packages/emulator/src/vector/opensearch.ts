import { randomBytes, randomUUID } from 'node:crypto';
import { type EmulatorContext, isObject, parseJson, type RoutedRequest } from '../context.js';
import type { Exchange } from '../exchange.js';
import type { FaultRule } from '../types.js';
import {
  indexesOf,
  indexOf,
  JSON_HEADERS,
  newIndex,
  type OsIndex,
  sendOsError,
  writableIndex,
} from './opensearch-index.js';
import { fieldValues, OsError } from './opensearch-query.js';
import { search } from './opensearch-search.js';
import { isVector } from './vector-math.js';

/**
 * Amazon OpenSearch Serverless, a vector search collection's data plane (what @opensearch-project/opensearch
 * sends): index create/get/exists/delete and mappings with `knn_vector` fields, `_bulk`, k-NN `_search` with
 * filters, single documents. Served under `/opensearch` (give the client `node: <emulator url>/opensearch`), since
 * OpenSearch paths start with any index name. As a vector collection does, it assigns document ids itself and
 * rejects client-chosen ones on index/create, and answers the operations Serverless lacks (`_delete_by_query`,
 * `_refresh`, `refresh=true`, ...) with errors.
 */

export const OPENSEARCH_PREFIX = '/opensearch';

function sendFault(ex: Exchange, rule: FaultRule): void {
  const status = rule.status ?? (rule.errorType === 'too_many_requests' ? 429 : 500);
  const type =
    rule.errorType ??
    (
      { 429: 'too_many_requests', 403: 'security_exception', 503: 'unavailable_exception' } as Record<
        number,
        string
      >
    )[status] ??
    (status >= 500 ? 'internal_server_error' : 'illegal_argument_exception');
  const reason = rule.message ?? (status === 429 ? 'Too Many Requests' : `injected fault (HTTP ${status})`);
  if (rule.retryAfterMs !== undefined) {
    const cause = { type, reason };
    ex.json(
      status,
      { error: { root_cause: [cause], ...cause }, status },
      {
        ...JSON_HEADERS,
        'retry-after': String(Math.max(1, Math.ceil(rule.retryAfterMs / 1000))),
      },
    );
    return;
  }
  sendOsError(ex, status, type, reason);
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=[A-Za-z0-9]{4,128}\/\d{8}\/[a-z0-9-]+\/([a-z0-9.-]+)\/aws4_request, ?SignedHeaders=[a-z0-9;:._-]+, ?Signature=[0-9a-f]{64}$/;

/**
 * Serverless accepts only SigV4 scoped to `aoss`, with `x-amz-content-sha256` on requests with a body (the
 * signature itself is not checked: there are no secrets to check it against).
 */
function checkAoss(ex: Exchange): boolean {
  const auth = ex.header('authorization') ?? '';
  const match = SIGV4.exec(auth);
  let reason: string | undefined;
  if (auth === '')
    reason =
      'Missing Authorization header: OpenSearch Serverless accepts only requests signed with SigV4 for service "aoss"';
  else if (!match)
    reason = `Authorization header is not SigV4 (AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/aoss/aws4_request, SignedHeaders=..., Signature=...), received "${auth.split(' ')[0]}"`;
  else if (match[1] !== 'aoss')
    reason = `Credential should be scoped to service "aoss", received "${match[1]}"`;
  else if (ex.header('x-amz-date') === undefined && ex.header('date') === undefined)
    reason = 'Missing X-Amz-Date header';
  else if (ex.body.length > 0 && ex.header('x-amz-content-sha256') === undefined)
    reason =
      'Missing x-amz-content-sha256 header: Serverless requires the payload hash on requests with a body';
  if (reason === undefined) return true;
  ex.json(
    403,
    { status: 403, 'request-id': randomUUID(), error: { reason, type: 'Forbidden' } },
    JSON_HEADERS,
  );
  return false;
}

function checkRefresh(ex: Exchange): void {
  const refresh = ex.query.get('refresh');
  if (refresh !== null && refresh !== 'false')
    throw new OsError(
      400,
      'status_exception',
      `${refresh === 'wait_for' ? 'wait_for' : 'true'} refresh policy is not supported.`,
    );
}

/** A document's vectors must match their fields' dimensions; returns the mapper error, if any. */
function vectorProblem(index: OsIndex, id: string, source: Record<string, unknown>): object | undefined {
  for (const [field, spec] of index.knnFields) {
    const values = fieldValues({ id, source }, field);
    if (values.length === 0) continue;
    const vector = values.length === 1 && Array.isArray(values[0]) ? values[0] : values;
    if (!isVector(vector) || vector.length !== spec.dimension)
      return {
        type: 'mapper_parsing_exception',
        reason: `failed to parse field [${field}] of type [knn_vector] in document with id '${id}'. Preview of field's value: '${JSON.stringify(vector).slice(0, 60)}'`,
        caused_by: {
          type: 'illegal_argument_exception',
          reason: isVector(vector)
            ? `Vector dimension mismatch. Expected: ${spec.dimension}, Given: ${vector.length}`
            : 'Vector must be an array of finite numbers',
        },
      };
  }
  return undefined;
}

const newId = () => randomBytes(15).toString('base64url');

function written(index: OsIndex, id: string, result: string, status: number) {
  index.seqNo += 1;
  return {
    _index: index.name,
    _id: id,
    _version: 1,
    result,
    _shards: { total: 0, successful: 0, failed: 0 },
    _seq_no: index.seqNo,
    _primary_term: 1,
    status,
  };
}

const DOC_ID_REJECTED = {
  type: 'illegal_argument_exception',
  reason: 'Document ID is not supported in create/index operation request',
};

type BulkAction = 'index' | 'create' | 'delete' | 'update';

function bulkItem(
  ctx: EmulatorContext,
  action: BulkAction,
  meta: Record<string, unknown>,
  source: unknown,
  defaultIndex: string | undefined,
): Record<string, unknown> {
  const name = typeof meta._index === 'string' ? meta._index : defaultIndex;
  const id = meta._id === undefined ? undefined : String(meta._id);
  const failed = (status: number, error: object) => ({ _index: name, _id: id ?? null, status, error });
  if (name === undefined)
    return failed(400, { type: 'illegal_argument_exception', reason: 'index is missing' });
  if (action === 'delete') {
    if (id === undefined) return failed(400, { type: 'illegal_argument_exception', reason: 'id is missing' });
    const index = indexesOf(ctx).get(name);
    if (!index) return failed(404, { type: 'index_not_found_exception', reason: `no such index [${name}]` });
    const found = index.docs.delete(id);
    return written(index, id, found ? 'deleted' : 'not_found', found ? 200 : 404);
  }
  if (!isObject(source))
    return failed(400, { type: 'mapper_parsing_exception', reason: 'failed to parse, document is empty' });
  if (action === 'update') {
    const index = indexesOf(ctx).get(name);
    const current = id === undefined ? undefined : index?.docs.get(id);
    if (!index || id === undefined || !current)
      return failed(404, { type: 'document_missing_exception', reason: `[${id}]: document missing` });
    const merged = { ...current, ...(isObject(source.doc) ? source.doc : {}) };
    const problem = vectorProblem(index, id, merged);
    if (problem) return failed(400, problem);
    index.docs.set(id, merged);
    return written(index, id, 'updated', 200);
  }
  if (id !== undefined) return failed(400, DOC_ID_REJECTED);
  const index = writableIndex(ctx, name);
  const docId = newId();
  const problem = vectorProblem(index, docId, source);
  if (problem) return failed(400, problem);
  index.docs.set(docId, source);
  return written(index, docId, 'created', 201);
}

function bulk(ex: Exchange, ctx: EmulatorContext, defaultIndex: string | undefined): void {
  checkRefresh(ex);
  const started = Date.now();
  const lines = ex.body
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  if (lines.length === 0)
    throw new OsError(400, 'action_request_validation_exception', 'Validation Failed: 1: no requests added;');
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < lines.length; i++) {
    const meta = parseJson(Buffer.from(lines[i]!));
    const action = isObject(meta) ? (Object.keys(meta)[0] as BulkAction | undefined) : undefined;
    if (!isObject(meta) || !action || !['index', 'create', 'delete', 'update'].includes(action))
      throw new OsError(
        400,
        'illegal_argument_exception',
        `Malformed action/metadata line [${i + 1}], expected one of index, create, delete or update, received ${lines[i]!.slice(0, 100)}`,
      );
    let source: unknown;
    if (action !== 'delete') {
      i += 1;
      source = lines[i] === undefined ? undefined : parseJson(Buffer.from(lines[i]!));
    }
    const params = isObject(meta[action]) ? (meta[action] as Record<string, unknown>) : {};
    items.push({ [action]: bulkItem(ctx, action, params, source, defaultIndex) });
  }
  const errors = items.some((item) => 'error' in (Object.values(item)[0] as object));
  ex.json(200, { took: Date.now() - started, errors, items }, JSON_HEADERS);
}

interface OsRoute {
  readonly name: string;
  readonly index?: string;
  run(ex: Exchange, ctx: EmulatorContext): void;
}

function createIndex(ex: Exchange, ctx: EmulatorContext, name: string): void {
  const body = ex.body.length === 0 ? {} : parseJson(ex.body);
  if (!isObject(body)) throw new OsError(400, 'parsing_exception', 'request body must be a JSON object');
  const indexes = indexesOf(ctx);
  const existing = indexes.get(name);
  if (existing)
    throw new OsError(
      400,
      'resource_already_exists_exception',
      `index [${name}/${existing.uuid}] already exists`,
      {
        index: name,
        index_uuid: existing.uuid,
      },
    );
  indexes.set(name, newIndex(name, body));
  ex.json(200, { acknowledged: true, shards_acknowledged: true, index: name }, JSON_HEADERS);
}

function indexDescription(index: OsIndex) {
  const settingsIndex = isObject(index.settings.index) ? index.settings.index : index.settings;
  return {
    aliases: {},
    mappings: index.mappings,
    settings: {
      index: {
        ...settingsIndex,
        provided_name: index.name,
        uuid: index.uuid,
        creation_date: String(index.created),
        number_of_shards: '2',
        number_of_replicas: '0',
      },
    },
  };
}

function documentRoute(method: string, name: string, id: string | undefined): OsRoute | undefined {
  if (id === undefined) {
    if (method !== 'POST') return undefined;
    return {
      name: 'indexDocument',
      index: name,
      run(ex, ctx) {
        checkRefresh(ex);
        const source = parseJson(ex.body);
        if (!isObject(source))
          throw new OsError(400, 'mapper_parsing_exception', 'failed to parse, document is empty');
        const index = writableIndex(ctx, name);
        const docId = newId();
        const problem = vectorProblem(index, docId, source);
        if (problem) {
          const p = problem as { type: string; reason: string };
          throw new OsError(400, p.type, p.reason);
        }
        index.docs.set(docId, source);
        const { status, ...result } = written(index, docId, 'created', 201);
        ex.json(status, result, JSON_HEADERS);
      },
    };
  }
  if (method === 'GET' || method === 'HEAD')
    return {
      name: 'getDocument',
      index: name,
      run(ex, ctx) {
        const source = indexOf(ctx, name).docs.get(id);
        if (method === 'HEAD') return ex.send(source ? 200 : 404, JSON_HEADERS, '');
        ex.json(
          source ? 200 : 404,
          source
            ? {
                _index: name,
                _id: id,
                _version: 1,
                _seq_no: 0,
                _primary_term: 1,
                found: true,
                _source: source,
              }
            : { _index: name, _id: id, found: false },
          JSON_HEADERS,
        );
      },
    };
  if (method === 'DELETE')
    return {
      name: 'deleteDocument',
      index: name,
      run(ex, ctx) {
        checkRefresh(ex);
        const index = indexOf(ctx, name);
        const found = index.docs.delete(id);
        const { status, ...result } = written(index, id, found ? 'deleted' : 'not_found', found ? 200 : 404);
        ex.json(status, result, JSON_HEADERS);
      },
    };
  if (method === 'PUT' || method === 'POST')
    return {
      name: 'indexDocument',
      index: name,
      run() {
        throw new OsError(400, DOC_ID_REJECTED.type, DOC_ID_REJECTED.reason);
      },
    };
  return undefined;
}

function unsupported(method: string, parts: readonly string[], name?: string): OsRoute {
  return {
    name: 'unsupported',
    ...(name !== undefined ? { index: name } : {}),
    run() {
      throw new OsError(
        404,
        'unsupported_operation_exception',
        `${method} /${parts.join('/')} is not supported by OpenSearch Serverless collections (the emulator answers as they do). Supported: PUT|GET|HEAD|DELETE /{index}, GET /{index}/_mapping, POST /{index}/_bulk, GET|POST /{index}/_search, POST /{index}/_doc, GET|DELETE /{index}/_doc/{id}`,
      );
    },
  };
}

/** The operation at a path under the prefix, split into decoded segments. */
function resolve(method: string, parts: readonly string[]): OsRoute {
  const [first, second, third] = parts;
  if (first === undefined) return unsupported(method, parts);
  if (first === '_bulk' && parts.length === 1 && (method === 'POST' || method === 'PUT'))
    return { name: 'bulk', run: (ex, ctx) => bulk(ex, ctx, undefined) };
  if (first.startsWith('_')) return unsupported(method, parts);
  const name = first;
  if (second === undefined) {
    const ops: Record<string, OsRoute> = {
      PUT: { name: 'createIndex', index: name, run: (ex, ctx) => createIndex(ex, ctx, name) },
      HEAD: {
        name: 'indexExists',
        index: name,
        run: (ex, ctx) => ex.send(indexesOf(ctx).has(name) ? 200 : 404, JSON_HEADERS, ''),
      },
      GET: {
        name: 'getIndex',
        index: name,
        run: (ex, ctx) => ex.json(200, { [name]: indexDescription(indexOf(ctx, name)) }, JSON_HEADERS),
      },
      DELETE: {
        name: 'deleteIndex',
        index: name,
        run(ex, ctx) {
          indexOf(ctx, name);
          indexesOf(ctx).delete(name);
          ex.json(200, { acknowledged: true }, JSON_HEADERS);
        },
      },
    };
    return ops[method] ?? unsupported(method, parts, name);
  }
  if ((second === '_mapping' || second === '_mappings') && third === undefined && method === 'GET')
    return {
      name: 'getMapping',
      index: name,
      run: (ex, ctx) => ex.json(200, { [name]: { mappings: indexOf(ctx, name).mappings } }, JSON_HEADERS),
    };
  if (second === '_bulk' && third === undefined && (method === 'POST' || method === 'PUT'))
    return { name: 'bulk', index: name, run: (ex, ctx) => bulk(ex, ctx, name) };
  if (second === '_search' && third === undefined && (method === 'POST' || method === 'GET'))
    return { name: 'search', index: name, run: (ex, ctx) => search(ex, ctx, name) };
  if (second === '_doc' && parts.length <= 3)
    return documentRoute(method, name, third) ?? unsupported(method, parts, name);
  return unsupported(method, parts, name);
}

export function routeOpenSearch(ex: Exchange): RoutedRequest | undefined {
  if (ex.path !== OPENSEARCH_PREFIX && !ex.path.startsWith(`${OPENSEARCH_PREFIX}/`)) return undefined;
  let parts: string[];
  try {
    parts = ex.path
      .slice(OPENSEARCH_PREFIX.length)
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent);
  } catch {
    parts = ['_malformed'];
  }
  const route = resolve(ex.method, parts);
  return {
    provider: 'opensearch',
    operation: `opensearch.${route.name}`,
    model: route.index ?? '',
    streaming: false,
    authenticate: checkAoss,
    sendFault,
    handle: async (e, ctx) => {
      try {
        route.run(e, ctx);
      } catch (error) {
        if (!(error instanceof OsError)) throw error;
        if (e.method === 'HEAD') return e.send(error.status, JSON_HEADERS, '');
        sendOsError(e, error.status, error.type, error.message, error.extra);
      }
    },
  };
}
