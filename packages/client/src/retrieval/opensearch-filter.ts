import { isComparison, type VectorStoreFilter } from './filter.js';

/**
 * How chunks are laid out in an OpenSearch index, and filters as OpenSearch bool queries. Attributes are stored
 * twice: as given, in `attributes` (not indexed), and by type under `attr_s.<key>` (keyword), `attr_n.<key>`
 * (double) and `attr_b.<key>` (boolean), so one key may hold different types in different files without a
 * mapping conflict, and a comparison matches only its value's type.
 */

export const FIELDS = {
  chunkId: 'chunk_id',
  vectorStoreId: 'vector_store_id',
  fileId: 'file_id',
  filename: 'filename',
  attributes: 'attributes',
  /** A random id per written document: the tiebreaker that pages listings (Serverless has no scroll). */
  uid: 'uid',
} as const;

const TYPED = { string: 'attr_s', number: 'attr_n', boolean: 'attr_b' } as const;

export type Query = Record<string, unknown>;

/** The typed copies of attributes a document carries. */
export function typedAttributes(attributes: Readonly<Record<string, string | number | boolean>>) {
  const out: Record<string, Record<string, string | number | boolean>> = {
    [TYPED.string]: {},
    [TYPED.number]: {},
    [TYPED.boolean]: {},
  };
  for (const [key, value] of Object.entries(attributes)) {
    out[TYPED[typeof value as 'string' | 'number' | 'boolean']]![key] = value;
  }
  return out;
}

/** Properties and dynamic templates of the index mapping (besides the vector and text fields). */
export function attributeMapping() {
  return {
    properties: {
      [FIELDS.chunkId]: { type: 'keyword' },
      [FIELDS.vectorStoreId]: { type: 'keyword' },
      [FIELDS.fileId]: { type: 'keyword' },
      [FIELDS.filename]: { type: 'keyword', index: false },
      [FIELDS.uid]: { type: 'keyword' },
      [FIELDS.attributes]: { type: 'object', enabled: false },
      [TYPED.string]: { type: 'object' },
      [TYPED.number]: { type: 'object' },
      [TYPED.boolean]: { type: 'object' },
    },
    dynamic_templates: [
      { attr_strings: { path_match: `${TYPED.string}.*`, mapping: { type: 'keyword' } } },
      { attr_numbers: { path_match: `${TYPED.number}.*`, mapping: { type: 'double' } } },
      { attr_booleans: { path_match: `${TYPED.boolean}.*`, mapping: { type: 'boolean' } } },
    ],
  };
}

const field = (key: string, value: string | number | boolean) =>
  `${TYPED[typeof value as keyof typeof TYPED]}.${key}`;

function inList(key: string, values: readonly (string | number)[]): Query {
  const strings = values.filter((v) => typeof v === 'string');
  const numbers = values.filter((v) => typeof v === 'number');
  const clauses: Query[] = [];
  if (strings.length > 0) clauses.push({ terms: { [`${TYPED.string}.${key}`]: strings } });
  if (numbers.length > 0) clauses.push({ terms: { [`${TYPED.number}.${key}`]: numbers } });
  return clauses.length === 1 ? clauses[0]! : { bool: { should: clauses, minimum_should_match: 1 } };
}

/** A validated filter as an OpenSearch query clause. */
export function toOpenSearchQuery(filter: VectorStoreFilter): Query {
  if (!isComparison(filter)) {
    const clauses = filter.filters.map(toOpenSearchQuery);
    return filter.type === 'and'
      ? { bool: { filter: clauses } }
      : { bool: { should: clauses, minimum_should_match: 1 } };
  }
  const { key, value } = filter;
  switch (filter.type) {
    case 'eq':
      return { term: { [field(key, value as string | number | boolean)]: value } };
    case 'ne':
      return { bool: { must_not: [{ term: { [field(key, value as string | number | boolean)]: value } }] } };
    case 'in':
      return inList(key, value as readonly (string | number)[]);
    case 'nin':
      return { bool: { must_not: [inList(key, value as readonly (string | number)[])] } };
    default:
      return { range: { [`${TYPED.number}.${key}`]: { [filter.type]: value } } };
  }
}
