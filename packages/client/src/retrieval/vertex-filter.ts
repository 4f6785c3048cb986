import { GenAiError } from '../index.js';
import { type ComparisonFilter, isComparison, type VectorStoreFilter } from './filter.js';
import type { Attributes } from './types.js';

/**
 * Chunks' stores, files and attributes as Vertex AI Vector Search restricts, and filters as query restricts.
 * Strings and booleans are token restricts in namespaces `s:<key>` and `b:<key>`; numbers are numeric restricts in
 * `n:<key>`, so a comparison only meets attributes of its value's type, as on the other engines.
 *
 * What restricts cannot say is refused rather than approximated: query restricts are ANDed across namespaces, so
 * an `or` may only list values of one string or boolean attribute; a numeric restrict never matches a datapoint
 * without that attribute, so `ne` and `nin` on numbers (which must match those) and `in` over several numbers
 * have no translation.
 */

export const STORE_NAMESPACE = 'genai:vector_store_id';
export const FILE_NAMESPACE = 'genai:file_id';

export type NumericOperator = 'LESS' | 'LESS_EQUAL' | 'EQUAL' | 'GREATER_EQUAL' | 'GREATER';

export interface Restriction {
  readonly namespace: string;
  readonly allowList?: string[];
  readonly denyList?: string[];
}

export interface NumericRestriction {
  readonly namespace: string;
  readonly valueDouble: number;
  readonly op?: NumericOperator;
}

export interface Restricts {
  readonly restricts: Restriction[];
  readonly numericRestricts: NumericRestriction[];
}

const tokenNamespace = (key: string, value: string | boolean) =>
  `${typeof value === 'boolean' ? 'b' : 's'}:${key}`;

/** The restricts a chunk's datapoint carries: its store, its file and its attributes. */
export function datapointRestricts(vectorStoreId: string, fileId: string, attributes: Attributes): Restricts {
  const restricts: Restriction[] = [
    { namespace: STORE_NAMESPACE, allowList: [vectorStoreId] },
    { namespace: FILE_NAMESPACE, allowList: [fileId] },
  ];
  const numericRestricts: NumericRestriction[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === 'number') numericRestricts.push({ namespace: `n:${key}`, valueDouble: value });
    else restricts.push({ namespace: tokenNamespace(key, value), allowList: [String(value)] });
  }
  return { restricts, numericRestricts };
}

function unsupported(what: string, filter: VectorStoreFilter): GenAiError {
  return new GenAiError(
    `Vertex AI Vector Search cannot express ${what} (filter ${JSON.stringify(filter).slice(0, 120)}): its restricts are ANDed across attributes and numeric restricts never match datapoints without the attribute. Fix: filter with and, eq/in on one string or boolean attribute per or, and ranges or eq on numbers; or run one search per alternative`,
    { kind: 'invalid-request', code: 'unsupported-filter' },
  );
}

const RANGE: Readonly<Record<string, NumericOperator>> = {
  eq: 'EQUAL',
  gt: 'GREATER',
  gte: 'GREATER_EQUAL',
  lt: 'LESS',
  lte: 'LESS_EQUAL',
};

/** A conjunction being built: per namespace, allowed tokens (intersected) and denied ones (united). */
class Conjunction {
  private readonly allow = new Map<string, Set<string>>();
  private readonly deny = new Map<string, Set<string>>();
  readonly numeric: NumericRestriction[] = [];
  /** The conditions cannot all hold: no datapoint can match. */
  empty = false;

  allowAny(namespace: string, tokens: readonly string[]): void {
    const current = this.allow.get(namespace);
    const next = current ? new Set(tokens.filter((t) => current.has(t))) : new Set(tokens);
    if (next.size === 0) this.empty = true;
    this.allow.set(namespace, next);
  }

  denyAll(namespace: string, tokens: readonly string[]): void {
    const set = this.deny.get(namespace) ?? new Set<string>();
    for (const t of tokens) set.add(t);
    this.deny.set(namespace, set);
  }

  restricts(): Restriction[] {
    const namespaces = new Set([...this.allow.keys(), ...this.deny.keys()]);
    return [...namespaces].map((namespace) => ({
      namespace,
      ...(this.allow.has(namespace) ? { allowList: [...this.allow.get(namespace)!] } : {}),
      ...(this.deny.has(namespace) ? { denyList: [...this.deny.get(namespace)!] } : {}),
    }));
  }
}

/** An `or` as one allow list: every branch must be eq/in on the same string or boolean attribute. */
function orAsAllowList(
  filter: VectorStoreFilter,
  root: VectorStoreFilter,
): { namespace: string; tokens: string[] } {
  if (!isComparison(filter)) {
    if (filter.type === 'and' && filter.filters.length !== 1) throw unsupported('`and` inside `or`', root);
    const parts = filter.filters.map((f) => orAsAllowList(f, root));
    const namespace = parts[0]!.namespace;
    if (parts.some((p) => p.namespace !== namespace))
      throw unsupported('`or` across different attributes', root);
    return { namespace, tokens: parts.flatMap((p) => p.tokens) };
  }
  const values = filter.type === 'in' ? (filter.value as readonly (string | number)[]) : [filter.value];
  if ((filter.type !== 'eq' && filter.type !== 'in') || values.some((v) => typeof v === 'number'))
    throw unsupported(
      `\`or\` over ${filter.type} ${values.some((v) => typeof v === 'number') ? 'on numbers' : ''}`.trim(),
      root,
    );
  return { namespace: tokenNamespace(filter.key, values[0] as string | boolean), tokens: values.map(String) };
}

function comparison(c: ComparisonFilter, into: Conjunction, root: VectorStoreFilter): void {
  const { key, value } = c;
  if (c.type === 'in' || c.type === 'nin') {
    const values = value as readonly (string | number)[];
    const numbers = values.filter((v) => typeof v === 'number');
    if (numbers.length > 0 && (c.type === 'nin' || values.length > 1))
      throw unsupported(`${c.type} over numbers`, root);
    if (numbers.length === 1)
      into.numeric.push({ namespace: `n:${key}`, valueDouble: numbers[0]!, op: 'EQUAL' });
    else if (c.type === 'in') into.allowAny(`s:${key}`, values.map(String));
    else into.denyAll(`s:${key}`, values.map(String));
    return;
  }
  if (typeof value === 'number') {
    const op = RANGE[c.type];
    if (!op) throw unsupported('ne on a number', root);
    into.numeric.push({ namespace: `n:${key}`, valueDouble: value, op });
    return;
  }
  const token = value as string | boolean;
  if (c.type === 'eq') into.allowAny(tokenNamespace(key, token), [String(token)]);
  else if (c.type === 'ne') into.denyAll(tokenNamespace(key, token), [String(token)]);
  else throw unsupported(`${c.type} on a ${typeof token}`, root);
}

function collect(filter: VectorStoreFilter, into: Conjunction, root: VectorStoreFilter): void {
  if (isComparison(filter)) {
    comparison(filter, into, root);
    return;
  }
  if (filter.type === 'and') {
    for (const f of filter.filters) collect(f, into, root);
    return;
  }
  const { namespace, tokens } = orAsAllowList(filter, root);
  into.allowAny(namespace, tokens);
}

/** Query restricts for a search, or `undefined` when the conditions contradict each other (nothing matches). */
export function queryRestricts(
  filter: VectorStoreFilter | undefined,
  vectorStoreIds: readonly string[] | undefined,
): Restricts | undefined {
  const conjunction = new Conjunction();
  if (vectorStoreIds) conjunction.allowAny(STORE_NAMESPACE, vectorStoreIds);
  if (filter) collect(filter, conjunction, filter);
  if (conjunction.empty) return undefined;
  return { restricts: conjunction.restricts(), numericRestricts: conjunction.numeric };
}
