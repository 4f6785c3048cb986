import { isObject, parseJson, type RoutedRequest } from '../context.js';
import type { Exchange } from '../exchange.js';
import { checkBearer, sendVertexError, vertexError, vertexFaultError } from '../vertex-errors.js';
import { dot, isVector, unit } from './vector-math.js';
import { perEmulator } from './vector-state.js';

/**
 * Vertex AI Vector Search, a stream-update index's data plane over REST (what @google-cloud/aiplatform's
 * IndexServiceClient and MatchServiceClient send with `fallback: true`): upsertDatapoints and removeDatapoints on
 * `indexes/{id}`, findNeighbors and readIndexDatapoints on `indexEndpoints/{id}` with a `deployedIndexId`.
 *
 * There is no control plane: an index exists from its first upsert, its dimension set by that first vector.
 * Indexes behave as the platform's default (DOT_PRODUCT_DISTANCE with UNIT_L2_NORM): vectors are normalised, so a
 * neighbor's `distance` is the cosine similarity, higher is closer. A deployed index serves the index of the same
 * id, else the only index in that project and location.
 */

const INDEX =
  /^\/(?:v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)\/indexes\/([^/:]+):(upsertDatapoints|removeDatapoints)$/;
const ENDPOINT =
  /^\/(?:v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)\/indexEndpoints\/([^/:]+):(findNeighbors|readIndexDatapoints)$/;

const DEFAULT_NEIGHBORS = 10;

interface Restriction {
  readonly namespace: string;
  readonly allowList: readonly string[];
  readonly denyList: readonly string[];
}

interface NumericRestriction {
  readonly namespace: string;
  readonly value: number;
  /** As sent (valueInt, valueFloat or valueDouble), to answer in kind. */
  readonly raw: Readonly<Record<string, unknown>>;
}

interface Datapoint {
  readonly datapointId: string;
  readonly featureVector: readonly number[];
  readonly unit: readonly number[];
  readonly restricts: readonly Restriction[];
  readonly numericRestricts: readonly NumericRestriction[];
  readonly crowdingTag?: unknown;
}

interface VertexIndex {
  /** `projects/p/locations/l` */
  readonly parent: string;
  readonly id: string;
  dimension: number | undefined;
  readonly points: Map<string, Datapoint>;
}

const indexesOf = perEmulator(() => new Map<string, VertexIndex>());

/** A request problem, answered as INVALID_ARGUMENT (or `status`). */
class VertexProblem extends Error {
  constructor(
    message: string,
    readonly status = 'INVALID_ARGUMENT',
  ) {
    super(message);
  }
}

const OPERATORS = [
  'OPERATOR_UNSPECIFIED',
  'LESS',
  'LESS_EQUAL',
  'EQUAL',
  'GREATER_EQUAL',
  'GREATER',
  'NOT_EQUAL',
];

function strings(value: unknown, at: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw new VertexProblem(`${at} must be a list of strings, received ${JSON.stringify(value)}`);
  return value as string[];
}

function restrictsOf(value: unknown, at: string): Restriction[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new VertexProblem(`${at} must be a list, received ${JSON.stringify(value)}`);
  return value.map((r, i) => {
    if (!isObject(r) || typeof r.namespace !== 'string' || r.namespace === '')
      throw new VertexProblem(`${at}[${i}].namespace must be a non-empty string`);
    return {
      namespace: r.namespace,
      allowList: strings(r.allowList, `${at}[${i}].allowList`),
      denyList: strings(r.denyList, `${at}[${i}].denyList`),
    };
  });
}

function numericOf(value: unknown, at: string): (NumericRestriction & { op: string })[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new VertexProblem(`${at} must be a list, received ${JSON.stringify(value)}`);
  return value.map((r, i) => {
    if (!isObject(r) || typeof r.namespace !== 'string' || r.namespace === '')
      throw new VertexProblem(`${at}[${i}].namespace must be a non-empty string`);
    const kinds = (['valueInt', 'valueFloat', 'valueDouble'] as const).filter(
      (k) => r[k] !== undefined && r[k] !== null,
    );
    if (kinds.length !== 1)
      throw new VertexProblem(`${at}[${i}] must set exactly one of valueInt, valueFloat, valueDouble`);
    const kind = kinds[0]!;
    const n = Number(r[kind]);
    if (!Number.isFinite(n)) throw new VertexProblem(`${at}[${i}].${kind} must be a number`);
    const op =
      typeof r.op === 'number'
        ? (OPERATORS[r.op] ?? 'OPERATOR_UNSPECIFIED')
        : String(r.op ?? 'OPERATOR_UNSPECIFIED');
    return { namespace: r.namespace, value: n, raw: { [kind]: r[kind] }, op };
  });
}

function datapointOf(value: unknown, at: string, needVector: boolean): Datapoint {
  if (!isObject(value)) throw new VertexProblem(`${at} must be an IndexDatapoint object`);
  const id = value.datapointId;
  if (needVector && (typeof id !== 'string' || id === ''))
    throw new VertexProblem(`${at}.datapointId is required and must be a non-empty string`);
  const vector = value.featureVector;
  if (!isVector(vector))
    throw new VertexProblem(`${at}.featureVector must be a non-empty list of finite numbers`);
  return {
    datapointId: typeof id === 'string' ? id : '',
    featureVector: vector,
    unit: unit(vector),
    restricts: restrictsOf(value.restricts, `${at}.restricts`),
    numericRestricts: numericOf(value.numericRestricts, `${at}.numericRestricts`),
    ...(value.crowdingTag !== undefined ? { crowdingTag: value.crowdingTag } : {}),
  };
}

function upsert(index: VertexIndex, body: Record<string, unknown>): void {
  const datapoints = body.datapoints ?? [];
  if (!Array.isArray(datapoints)) throw new VertexProblem('datapoints must be a list of IndexDatapoint');
  const mask = isObject(body.updateMask) ? strings(body.updateMask.paths, 'updateMask.paths') : [];
  if (mask.some((p) => p !== 'all_restricts'))
    throw new VertexProblem(
      `updateMask.paths supports only "all_restricts", received ${JSON.stringify(mask)}`,
    );
  const points = datapoints.map((d, i) => datapointOf(d, `datapoints[${i}]`, true));
  for (const [i, p] of points.entries()) {
    const dimension = index.dimension ?? p.featureVector.length;
    if (p.featureVector.length !== dimension)
      throw new VertexProblem(
        `datapoints[${i}] (${p.datapointId}) has ${p.featureVector.length} dimensions; index ${index.id} has ${dimension}`,
      );
    index.dimension = dimension;
  }
  for (const p of points) {
    const current = index.points.get(p.datapointId);
    // With the all_restricts mask only restricts change; the stored vector stays.
    index.points.set(
      p.datapointId,
      mask.length > 0 && current
        ? { ...current, restricts: p.restricts, numericRestricts: p.numericRestricts }
        : p,
    );
  }
}

function allowedBy(point: Datapoint, query: readonly Restriction[]): boolean {
  for (const q of query) {
    const own = point.restricts.filter((r) => r.namespace === q.namespace);
    const tokens = own.flatMap((r) => r.allowList);
    const denied = own.flatMap((r) => r.denyList);
    // Allow: one of the datapoint's tokens is allowed (a datapoint without the namespace does not match), and
    // none of the allowed tokens is one the datapoint denies. Deny: none of the datapoint's tokens is denied.
    if (q.allowList.length > 0) {
      if (!tokens.some((t) => q.allowList.includes(t))) return false;
      if (denied.some((t) => q.allowList.includes(t))) return false;
    }
    if (tokens.some((t) => q.denyList.includes(t))) return false;
  }
  return true;
}

function numericMatch(point: Datapoint, query: readonly (NumericRestriction & { op: string })[]): boolean {
  return query.every((q) =>
    point.numericRestricts.some((r) => {
      if (r.namespace !== q.namespace) return false;
      switch (q.op) {
        case 'LESS':
          return r.value < q.value;
        case 'LESS_EQUAL':
          return r.value <= q.value;
        case 'EQUAL':
          return r.value === q.value;
        case 'GREATER_EQUAL':
          return r.value >= q.value;
        case 'GREATER':
          return r.value > q.value;
        case 'NOT_EQUAL':
          return r.value !== q.value;
        default:
          throw new VertexProblem(`numericRestricts on ${q.namespace}: op is required (LESS ... NOT_EQUAL)`);
      }
    }),
  );
}

function describe(point: Datapoint, full: boolean): Record<string, unknown> {
  const base = {
    datapointId: point.datapointId,
    crowdingTag: point.crowdingTag ?? { crowdingAttribute: '0' },
  };
  if (!full) return base;
  return {
    ...base,
    featureVector: point.featureVector,
    restricts: point.restricts,
    numericRestricts: point.numericRestricts.map((r) => ({ namespace: r.namespace, ...r.raw })),
  };
}

/** The index a deployed index serves: the one of the same id, else the only one in its project and location. */
function deployedIndex(
  ctx: Parameters<typeof indexesOf>[0],
  parent: string,
  endpoint: string,
  deployed: unknown,
) {
  if (typeof deployed !== 'string' || deployed === '')
    throw new VertexProblem(
      'deployedIndexId is required: the id the index was deployed under on this endpoint',
    );
  const inParent = [...indexesOf(ctx).values()].filter((i) => i.parent === parent);
  const byId = inParent.find((i) => i.id === deployed);
  if (byId) return byId;
  if (inParent.length <= 1) return inParent[0];
  throw new VertexProblem(
    `Deployed index ${deployed} not found on ${parent}/indexEndpoints/${endpoint}. The emulator serves a deployed index from the index of the same id, else from the only index in ${parent}; it holds ${inParent.map((i) => i.id).join(', ')}.`,
    'NOT_FOUND',
  );
}

function findNeighbors(index: VertexIndex | undefined, body: Record<string, unknown>) {
  const queries = body.queries ?? [];
  if (!Array.isArray(queries)) throw new VertexProblem('queries must be a list');
  const full = body.returnFullDatapoint === true;
  return {
    nearestNeighbors: queries.map((q, i) => {
      if (!isObject(q)) throw new VertexProblem(`queries[${i}] must be an object`);
      const point = datapointOf(q.datapoint, `queries[${i}].datapoint`, false);
      if (index?.dimension !== undefined && point.featureVector.length !== index.dimension)
        throw new VertexProblem(
          `queries[${i}].datapoint.featureVector has ${point.featureVector.length} dimensions; the index has ${index.dimension}`,
        );
      const count =
        q.neighborCount === undefined || q.neighborCount === 0 ? DEFAULT_NEIGHBORS : Number(q.neighborCount);
      if (!Number.isInteger(count) || count < 0)
        throw new VertexProblem(`queries[${i}].neighborCount must be a non-negative integer`);
      const numeric = point.numericRestricts as (NumericRestriction & { op: string })[];
      const neighbors = [...(index?.points.values() ?? [])]
        .filter((p) => allowedBy(p, point.restricts) && numericMatch(p, numeric))
        .map((p) => ({ p, distance: dot(p.unit, point.unit) }))
        .sort((a, b) => b.distance - a.distance)
        .slice(0, count);
      return {
        id: point.datapointId,
        neighbors: neighbors.map(({ p, distance }) => ({ datapoint: describe(p, full), distance })),
      };
    }),
  };
}

function run(ex: Exchange, handle: (body: Record<string, unknown>) => unknown): void {
  const body = ex.body.length === 0 ? {} : parseJson(ex.body);
  try {
    if (!isObject(body)) throw new VertexProblem('Invalid JSON payload received: expected an object.');
    ex.json(200, handle(body));
  } catch (error) {
    if (!(error instanceof VertexProblem)) throw error;
    sendVertexError(ex, vertexError(error.status, error.message));
  }
}

function routed(operation: string, model: string, handle: RoutedRequest['handle']): RoutedRequest {
  return {
    provider: 'vertex',
    operation,
    model,
    streaming: false,
    authenticate: checkBearer,
    sendFault: (e, rule) => sendVertexError(e, vertexFaultError(rule)),
    handle,
  };
}

export function routeVertexVectors(ex: Exchange): RoutedRequest | undefined {
  if (ex.method !== 'POST') return undefined;
  const idx = INDEX.exec(ex.path);
  if (idx) {
    const [, project, location, id, method] = idx as unknown as [string, string, string, string, string];
    const parent = `projects/${decodeURIComponent(project)}/locations/${decodeURIComponent(location)}`;
    const indexId = decodeURIComponent(id);
    return routed(`vertex.${method}`, indexId, async (e, ctx) => {
      const name = `${parent}/indexes/${indexId}`;
      const indexes = indexesOf(ctx);
      run(e, (body) => {
        let index = indexes.get(name);
        if (method === 'upsertDatapoints') {
          index ??= { parent, id: indexId, dimension: undefined, points: new Map() };
          upsert(index, body);
          indexes.set(name, index);
        } else {
          for (const dpId of strings(body.datapointIds, 'datapointIds')) index?.points.delete(dpId);
        }
        return {};
      });
    });
  }
  const end = ENDPOINT.exec(ex.path);
  if (end) {
    const [, project, location, id, method] = end as unknown as [string, string, string, string, string];
    const parent = `projects/${decodeURIComponent(project)}/locations/${decodeURIComponent(location)}`;
    const endpoint = decodeURIComponent(id);
    const body = parseJson(ex.body);
    const deployed =
      isObject(body) && typeof body.deployedIndexId === 'string' ? body.deployedIndexId : endpoint;
    return routed(`vertex.${method}`, deployed, async (e, ctx) =>
      run(e, (req) => {
        const index = deployedIndex(ctx, parent, endpoint, req.deployedIndexId);
        if (method === 'findNeighbors') return findNeighbors(index, req);
        const ids = strings(req.ids, 'ids');
        return {
          datapoints: ids.flatMap((dpId) => {
            const p = index?.points.get(dpId);
            return p ? [describe(p, true)] : [];
          }),
        };
      }),
    );
  }
  return undefined;
}
