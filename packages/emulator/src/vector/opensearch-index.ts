import { randomBytes } from 'node:crypto';
import { type EmulatorContext, isObject } from '../context.js';
import type { Exchange } from '../exchange.js';
import { type KnnField, OsError } from './opensearch-query.js';
import { perEmulator } from './vector-state.js';

/** The emulated OpenSearch indexes: mappings, k-NN fields and documents, and the errors that name them. */

const MAX_DIMENSION = 16_000;

export const JSON_HEADERS = { 'content-type': 'application/json; charset=UTF-8' };

export interface OsIndex {
  readonly name: string;
  readonly uuid: string;
  readonly created: number;
  readonly settings: Record<string, unknown>;
  readonly mappings: Record<string, unknown>;
  readonly knnFields: Map<string, KnnField>;
  /** Sources by id, in insertion order (the order ties keep). */
  readonly docs: Map<string, Record<string, unknown>>;
  seqNo: number;
}

export const indexesOf = perEmulator(() => new Map<string, OsIndex>());

export function sendOsError(
  ex: Exchange,
  status: number,
  type: string,
  reason: string,
  extra: object = {},
): void {
  const cause = { type, reason, ...extra };
  ex.json(status, { error: { root_cause: [cause], ...cause }, status }, JSON_HEADERS);
}

const indexNotFound = (name: string) =>
  new OsError(404, 'index_not_found_exception', `no such index [${name}]`, {
    index: name,
    'resource.type': 'index_or_alias',
    'resource.id': name,
    index_uuid: '_na_',
  });

/** `knn_vector` fields of a mapping, by dotted path. */
function knnFieldsOf(
  properties: unknown,
  prefix = '',
  out = new Map<string, KnnField>(),
): Map<string, KnnField> {
  if (!isObject(properties)) return out;
  for (const [name, def] of Object.entries(properties)) {
    if (!isObject(def)) continue;
    const path = `${prefix}${name}`;
    if (def.type === 'knn_vector') {
      const dimension = def.dimension;
      if (
        !(Number.isInteger(dimension) && (dimension as number) >= 1 && (dimension as number) <= MAX_DIMENSION)
      )
        throw new OsError(
          400,
          'mapper_parsing_exception',
          `Dimension value must be an integer from 1 to ${MAX_DIMENSION} for field [${path}], received ${JSON.stringify(dimension)}`,
        );
      const method = isObject(def.method) ? def.method : {};
      const space = def.space_type ?? method.space_type ?? 'l2';
      out.set(path, { dimension: dimension as number, space: String(space) });
    }
    if (isObject(def.properties)) knnFieldsOf(def.properties, `${path}.`, out);
  }
  return out;
}

export function newIndex(name: string, body: Record<string, unknown>): OsIndex {
  if (!/^[a-z0-9][a-z0-9._+-]*$/.test(name) || name.length > 255)
    throw new OsError(
      400,
      'invalid_index_name_exception',
      `Invalid index name [${name}], must be lowercase, must not start with '_', '-' or '+', and must not contain spaces or any of \\, /, *, ?, ", <, >, |, #, ','`,
    );
  const mappings = isObject(body.mappings) ? body.mappings : {};
  return {
    name,
    uuid: randomBytes(16).toString('base64url').slice(0, 22),
    created: Date.now(),
    settings: isObject(body.settings) ? body.settings : {},
    mappings,
    knnFields: knnFieldsOf(mappings.properties),
    docs: new Map(),
    seqNo: 0,
  };
}

export function indexOf(ctx: EmulatorContext, name: string): OsIndex {
  const index = indexesOf(ctx).get(name);
  if (!index) throw indexNotFound(name);
  return index;
}

/** The index a write goes to, created with a dynamic mapping when missing (as auto_create_index does). */
export function writableIndex(ctx: EmulatorContext, name: string): OsIndex {
  const indexes = indexesOf(ctx);
  let index = indexes.get(name);
  if (!index) {
    index = newIndex(name, {});
    indexes.set(name, index);
  }
  return index;
}
