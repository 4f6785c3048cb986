import { isObject } from '../context.js';

/** Azure AI Search index definitions: validated as the service does, with their vector fields resolved. */

export class SearchError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A field as the REST API spells it (`dimensions`, `vectorSearchProfile`); unset booleans default to true. */
export interface AzField {
  readonly name: string;
  readonly type: string;
  readonly key?: boolean;
  readonly filterable?: boolean;
  readonly sortable?: boolean;
  readonly searchable?: boolean;
  readonly retrievable?: boolean;
  readonly hidden?: boolean;
  readonly stored?: boolean;
  readonly dimensions?: number;
  readonly vectorSearchProfile?: string;
  readonly fields?: readonly AzField[];
}

export interface VectorField {
  readonly dimensions: number;
  /** cosine (the default), euclidean, dotProduct or hamming. */
  readonly metric: string;
}

export interface AzIndex {
  readonly name: string;
  /** As received, minus the etag. */
  readonly definition: Record<string, unknown>;
  readonly fields: readonly AzField[];
  readonly keyField: string;
  readonly vectorFields: ReadonlyMap<string, VectorField>;
  readonly docs: Map<string, Record<string, unknown>>;
  readonly etag: string;
}

const PRIMITIVES = new Set([
  'Edm.String',
  'Edm.Int32',
  'Edm.Int64',
  'Edm.Int16',
  'Edm.SByte',
  'Edm.Byte',
  'Edm.Double',
  'Edm.Single',
  'Edm.Half',
  'Edm.Boolean',
  'Edm.DateTimeOffset',
  'Edm.GeographyPoint',
  'Edm.ComplexType',
]);
const VECTOR_TYPES = new Set([
  'Collection(Edm.Single)',
  'Collection(Edm.Half)',
  'Collection(Edm.Int16)',
  'Collection(Edm.SByte)',
  'Collection(Edm.Byte)',
]);

let etags = 0;

const invalid = (detail: string) => new SearchError(400, `The request is invalid. Details: ${detail}`);

function fieldsOf(value: unknown, at: string): AzField[] {
  if (!Array.isArray(value) || value.length === 0)
    throw invalid(`${at} : An index must have at least one field.`);
  return value.map((f, i) => {
    if (!isObject(f) || typeof f.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,127}$/.test(f.name))
      throw invalid(
        `${at}[${i}].name : Field names must start with a letter and contain only letters, digits or underscores.`,
      );
    const type = String(f.type);
    const inner = /^Collection\((.+)\)$/.exec(type)?.[1] ?? type;
    if (!PRIMITIVES.has(inner)) throw invalid(`${at}[${i}].type : '${type}' is not a valid field type.`);
    const nested = inner === 'Edm.ComplexType' ? fieldsOf(f.fields, `${at}[${i}].fields`) : undefined;
    return { ...(f as unknown as AzField), type, ...(nested ? { fields: nested } : {}) };
  });
}

/** The metric of each vector profile: profile → algorithm → parameters.metric (cosine when unset). */
function profileMetrics(vectorSearch: unknown): Map<string, string> {
  const metrics = new Map<string, string>();
  if (!isObject(vectorSearch)) return metrics;
  const algorithms = Array.isArray(vectorSearch.algorithms) ? vectorSearch.algorithms.filter(isObject) : [];
  const profiles = Array.isArray(vectorSearch.profiles) ? vectorSearch.profiles.filter(isObject) : [];
  for (const profile of profiles) {
    const algorithm = algorithms.find((a) => a.name === profile.algorithm);
    if (!algorithm)
      throw invalid(
        `vectorSearch.profiles : profile '${String(profile.name)}' names algorithm '${String(profile.algorithm)}', which is not defined in vectorSearch.algorithms.`,
      );
    const params =
      (isObject(algorithm.hnswParameters) ? algorithm.hnswParameters : undefined) ??
      (isObject(algorithm.exhaustiveKnnParameters) ? algorithm.exhaustiveKnnParameters : {});
    metrics.set(String(profile.name), typeof params.metric === 'string' ? params.metric : 'cosine');
  }
  return metrics;
}

/** Validates a create-or-update body; an update keeps the documents and may only add fields. */
export function validateIndex(
  name: string,
  body: Record<string, unknown>,
  current: AzIndex | undefined,
): AzIndex {
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{0,126}[a-z0-9]$/.test(name))
    throw invalid(
      `name : Index name '${name}' must be 2 to 128 lowercase letters, digits or dashes, start and end with a letter or digit, and contain no '--'.`,
    );
  const fields = fieldsOf(body.fields, 'fields');
  const keys = fields.filter((f) => f.key === true);
  if (keys.length !== 1 || keys[0]!.type !== 'Edm.String')
    throw invalid(
      `fields : An index must have exactly one key field of type Edm.String, found ${keys.length}.`,
    );
  const metrics = profileMetrics(body.vectorSearch);
  const vectorFields = new Map<string, VectorField>();
  for (const f of fields) {
    if (f.dimensions === undefined && f.vectorSearchProfile === undefined) continue;
    if (!VECTOR_TYPES.has(f.type))
      throw invalid(
        `fields.${f.name} : Only Collection(Edm.Single) and other numeric collections can be vector fields.`,
      );
    if (
      !(Number.isInteger(f.dimensions) && (f.dimensions as number) >= 2 && (f.dimensions as number) <= 4096)
    )
      throw invalid(
        `fields.${f.name}.dimensions : The dimensions of a vector field must be an integer from 2 to 4096, received ${JSON.stringify(f.dimensions)}.`,
      );
    const metric = metrics.get(String(f.vectorSearchProfile));
    if (metric === undefined)
      throw invalid(
        `fields.${f.name}.vectorSearchProfile : The vector search profile '${String(f.vectorSearchProfile)}' is not defined in vectorSearch.profiles.`,
      );
    vectorFields.set(f.name, { dimensions: f.dimensions as number, metric });
  }
  if (current) {
    for (const old of current.fields) {
      const next = fields.find((f) => f.name === old.name);
      if (!next)
        throw invalid(`fields : Existing field '${old.name}' cannot be removed from index '${name}'.`);
      if (next.type !== old.type || next.dimensions !== old.dimensions || next.key !== old.key)
        throw invalid(
          `fields.${old.name} : Existing field '${old.name}' cannot be changed (type, key or dimensions).`,
        );
    }
  }
  etags += 1;
  return {
    name,
    definition: Object.fromEntries(Object.entries(body).filter(([k]) => k !== '@odata.etag')),
    fields,
    keyField: keys[0]!.name,
    vectorFields,
    docs: current?.docs ?? new Map(),
    etag: `"0x8DC${etags.toString(16).toUpperCase().padStart(12, '0')}"`,
  };
}
