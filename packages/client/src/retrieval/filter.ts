import { invalidInput } from './retrieval-errors.js';

/** An attribute value, as OpenAI's vector store files carry them. */
export type AttributeValue = string | number | boolean;
export type Attributes = Readonly<Record<string, AttributeValue>>;

/**
 * OpenAI's vector store filters on attributes: a comparison `{ type, key, value }` or a compound
 * `{ type: 'and' | 'or', filters }`. Validated once here; each engine translates the validated tree.
 *
 * Semantics, the same on every engine: `eq`, `in` and ranges match only attributes of the value's type (the
 * string "1" is not the number 1); `ne` and `nin` also match chunks that lack the attribute; ranges take numbers.
 */

export type ComparisonType = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'nin';
export type CompoundType = 'and' | 'or';

export interface ComparisonFilter {
  readonly type: ComparisonType;
  readonly key: string;
  /** A string, number or boolean; a number for gt/gte/lt/lte; a non-empty list of strings or numbers for in/nin. */
  readonly value: string | number | boolean | readonly (string | number)[];
}

export interface CompoundFilter {
  readonly type: CompoundType;
  readonly filters: readonly VectorStoreFilter[];
}

export type VectorStoreFilter = ComparisonFilter | CompoundFilter;

const COMPARISONS: readonly ComparisonType[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin'];
const RANGES: readonly ComparisonType[] = ['gt', 'gte', 'lt', 'lte'];
export const MAX_FILTER_DEPTH = 8;
const MAX_LIST = 100;
export const MAX_ATTRIBUTE_KEY_LENGTH = 64;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isScalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

export function isComparison(filter: VectorStoreFilter): filter is ComparisonFilter {
  return filter.type !== 'and' && filter.type !== 'or';
}

function checkKeys(value: Record<string, unknown>, allowed: readonly string[], at: string): void {
  const extra = Object.keys(value).find((k) => !allowed.includes(k));
  if (extra !== undefined)
    throw invalidInput(
      `${at}.${extra}`,
      value[extra],
      `a "${String(value.type)}" filter has only ${allowed.join(', ')}`,
      'Remove the property (a compound filter nests its conditions in "filters")',
    );
}

function validateComparison(
  value: Record<string, unknown>,
  type: ComparisonType,
  at: string,
): ComparisonFilter {
  checkKeys(value, ['type', 'key', 'value'], at);
  const { key, value: v } = value;
  if (typeof key !== 'string' || key === '' || key.length > MAX_ATTRIBUTE_KEY_LENGTH)
    throw invalidInput(
      `${at}.key`,
      key,
      `must be an attribute name of 1 to ${MAX_ATTRIBUTE_KEY_LENGTH} characters`,
    );
  if (RANGES.includes(type)) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw invalidInput(
        `${at}.value`,
        v,
        `a ${type} comparison takes a finite number`,
        'Store the attribute as a number (dates as Unix seconds) to compare ranges',
      );
  } else if (type === 'in' || type === 'nin') {
    if (!Array.isArray(v) || v.length === 0 || v.length > MAX_LIST)
      throw invalidInput(`${at}.value`, v, `an ${type} comparison takes a list of 1 to ${MAX_LIST} values`);
    const bad = v.findIndex((x) => typeof x !== 'string' && !(typeof x === 'number' && Number.isFinite(x)));
    if (bad >= 0) throw invalidInput(`${at}.value[${bad}]`, v[bad], 'must be a string or a finite number');
  } else if (!isScalar(v)) {
    throw invalidInput(
      `${at}.value`,
      v,
      `an ${type} comparison takes a string, a finite number or a boolean`,
    );
  }
  return { type, key, value: Array.isArray(v) ? [...v] : (v as string | number | boolean) };
}

/** Checks an untrusted filter; returns it typed, or throws an `invalid-request` GenAiError naming the fault. */
export function validateFilter(filter: unknown, at = 'filter', depth = 1): VectorStoreFilter {
  if (!isRecord(filter))
    throw invalidInput(
      at,
      filter,
      'must be an object: { type, key, value } or { type: "and" | "or", filters }',
    );
  const { type } = filter;
  if (type === 'and' || type === 'or') {
    checkKeys(filter, ['type', 'filters'], at);
    if (depth >= MAX_FILTER_DEPTH)
      throw invalidInput(at, filter, `compound filters nest at most ${MAX_FILTER_DEPTH} levels`);
    const { filters } = filter;
    if (!Array.isArray(filters) || filters.length === 0)
      throw invalidInput(`${at}.filters`, filters, `an "${type}" filter takes a non-empty list of filters`);
    return { type, filters: filters.map((f, i) => validateFilter(f, `${at}.filters[${i}]`, depth + 1)) };
  }
  if (typeof type !== 'string' || !COMPARISONS.includes(type as ComparisonType))
    throw invalidInput(`${at}.type`, type, `must be one of ${[...COMPARISONS, 'and', 'or'].join(', ')}`);
  return validateComparison(filter, type as ComparisonType, at);
}

/** Whether a chunk's attributes pass a validated filter (the reference semantics the engines reproduce). */
export function matchesFilter(attributes: Attributes, filter: VectorStoreFilter): boolean {
  if (!isComparison(filter)) {
    return filter.type === 'and'
      ? filter.filters.every((f) => matchesFilter(attributes, f))
      : filter.filters.some((f) => matchesFilter(attributes, f));
  }
  const actual = Object.hasOwn(attributes, filter.key) ? attributes[filter.key] : undefined;
  const v = filter.value;
  switch (filter.type) {
    case 'eq':
      return actual === v;
    case 'ne':
      return actual !== v;
    case 'in':
      return (v as readonly (string | number)[]).some((x) => x === actual);
    case 'nin':
      return !(v as readonly (string | number)[]).some((x) => x === actual);
    default: {
      if (typeof actual !== 'number') return false;
      const n = v as number;
      if (filter.type === 'gt') return actual > n;
      if (filter.type === 'gte') return actual >= n;
      if (filter.type === 'lt') return actual < n;
      return actual <= n;
    }
  }
}
