import { isComparison, type VectorStoreFilter } from './filter.js';
import type { Attributes } from './types.js';

/**
 * Chunks as Azure AI Search documents, and filters as OData. An index's fields are fixed when it is created, so
 * attributes, whose keys vary by file, are a collection of `{ key, s | n | b }` entries (string, number, boolean)
 * filtered with `attributes/any(a: a/key eq 'year' and a/n ge 2020)`: a comparison only meets its value's type.
 */

export const AZURE_FIELDS = {
  key: 'id',
  chunkId: 'chunk_id',
  vectorStoreId: 'vector_store_id',
  fileId: 'file_id',
  filename: 'filename',
  text: 'text',
  attributes: 'attributes',
} as const;

export interface AttributeEntry {
  key: string;
  s?: string | null;
  n?: number | null;
  b?: boolean | null;
}

const SUBFIELD = { string: 's', number: 'n', boolean: 'b' } as const;

export function attributeEntries(attributes: Attributes): AttributeEntry[] {
  return Object.entries(attributes).map(([key, value]) => ({
    key,
    [SUBFIELD[typeof value as keyof typeof SUBFIELD]]: value,
  }));
}

export function attributesOf(entries: unknown): Attributes {
  const out: Record<string, string | number | boolean> = {};
  if (!Array.isArray(entries)) return out;
  for (const e of entries as AttributeEntry[]) {
    // The service returns unset sub-fields as null.
    const value = e?.s ?? e?.n ?? e?.b;
    if (typeof e?.key === 'string' && value !== null && value !== undefined) out[e.key] = value;
  }
  return out;
}

/** An OData string literal. */
export const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;

const literal = (v: string | number | boolean): string => (typeof v === 'string' ? quote(v) : String(v));

const DELIMITERS = [',', '|', ';', '~', '^', '#', '!', '$', '*', '+'];

/** `search.in(field, 'a|b', '|')` with a delimiter no value contains, else an `or` of equalities. */
export function searchIn(field: string, values: readonly string[]): string {
  const delimiter = DELIMITERS.find((d) => values.every((v) => !v.includes(d)));
  if (delimiter !== undefined && values.every((v) => v.trim() === v && v !== ''))
    return `search.in(${field}, ${quote(values.join(delimiter))}, ${quote(delimiter)})`;
  return `(${values.map((v) => `${field} eq ${quote(v)}`).join(' or ')})`;
}

function inValues(values: readonly (string | number)[]): string {
  const strings = values.filter((v): v is string => typeof v === 'string');
  const numbers = values.filter((v): v is number => typeof v === 'number');
  const parts = [
    ...(strings.length > 0 ? [searchIn('a/s', strings)] : []),
    ...numbers.map((n) => `a/n eq ${n}`),
  ];
  return parts.length === 1 ? parts[0]! : `(${parts.join(' or ')})`;
}

const anyAttribute = (key: string, condition: string) =>
  `${AZURE_FIELDS.attributes}/any(a: a/key eq ${quote(key)} and ${condition})`;

const OPERATORS = { eq: 'eq', gt: 'gt', gte: 'ge', lt: 'lt', lte: 'le' } as const;

/** A validated filter as an OData `$filter` expression. */
export function toOData(filter: VectorStoreFilter): string {
  if (!isComparison(filter)) return `(${filter.filters.map(toOData).join(` ${filter.type} `)})`;
  const { key, value } = filter;
  switch (filter.type) {
    case 'in':
      return anyAttribute(key, inValues(value as readonly (string | number)[]));
    case 'nin':
      return `not ${anyAttribute(key, inValues(value as readonly (string | number)[]))}`;
    case 'ne': {
      const v = value as string | number | boolean;
      return `not ${anyAttribute(key, `a/${SUBFIELD[typeof v as keyof typeof SUBFIELD]} eq ${literal(v)}`)}`;
    }
    default: {
      const v = value as string | number | boolean;
      return anyAttribute(
        key,
        `a/${SUBFIELD[typeof v as keyof typeof SUBFIELD]} ${OPERATORS[filter.type]} ${literal(v)}`,
      );
    }
  }
}
