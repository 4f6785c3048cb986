import { pickWord, prng } from './content.js';
import { sampleFromPattern } from './regex-sample.js';

/**
 * Deterministic values that conform to a JSON Schema (draft-07 / 2020-12 keywords) or to Vertex AI's OpenAPI
 * subset (upper-case types such as "OBJECT", `nullable`, `propertyOrdering`): what a tool call's arguments or a
 * structured answer look like. Same schema and seed, same value.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

type Schema = Record<string, unknown>;

/** Past this nesting depth (recursive `$ref`s), optional properties and optional array items are left out. */
const MAX_DEPTH = 8;

/** Vertex's `google.cloud.aiplatform.v1.Type` enum, as numbers when the Node client sends `enum-encoding=int`. */
const VERTEX_TYPES = ['', 'string', 'number', 'integer', 'boolean', 'array', 'object', 'null'];

const FORMATS: Readonly<Record<string, (rand: () => number) => string>> = {
  'date-time': (r) => `${date(r)}T${time(r)}Z`,
  date: (r) => date(r),
  time: (r) => `${time(r)}Z`,
  email: (r) => `${pickWord(r)}.${pickWord(r)}@example.com`,
  uri: (r) => `https://example.com/${pickWord(r)}`,
  url: (r) => `https://example.com/${pickWord(r)}`,
  'uri-reference': (r) => `/${pickWord(r)}`,
  hostname: (r) => `${pickWord(r)}.example.com`,
  ipv4: (r) => `10.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 1, 254)}`,
  ipv6: (r) => `2001:db8::${int(r, 1, 0xffff).toString(16)}`,
  uuid: (r) => uuid(r),
  duration: (r) => `P${int(r, 1, 30)}D`,
};

function int(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}
const pad = (n: number, width = 2) => String(n).padStart(width, '0');
function date(r: () => number): string {
  return `${int(r, 2020, 2029)}-${pad(int(r, 1, 12))}-${pad(int(r, 1, 28))}`;
}
function time(r: () => number): string {
  return `${pad(int(r, 0, 23))}:${pad(int(r, 0, 59))}:${pad(int(r, 0, 59))}`;
}
function uuid(r: () => number): string {
  const hex = Array.from({ length: 32 }, () => int(r, 0, 15).toString(16));
  hex[12] = '4';
  hex[16] = '8';
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The schema's type, lower-cased; `null` only when it is the only choice (or when recursion must end). */
function typeOf(schema: Schema, shallow: boolean): string | undefined {
  const raw = schema.type;
  const types = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map((t) =>
    typeof t === 'number' ? VERTEX_TYPES[t] : typeof t === 'string' ? t.toLowerCase() : '',
  );
  const concrete = types.filter((t) => t !== '' && t !== 'type_unspecified');
  if (concrete.length > 0) {
    if (shallow && concrete.includes('null')) return 'null';
    return concrete.find((t) => t !== 'null') ?? 'null';
  }
  if (
    isSchema(schema.properties) ||
    Array.isArray(schema.required) ||
    schema.additionalProperties !== undefined
  )
    return 'object';
  if (schema.items !== undefined || schema.prefixItems !== undefined || schema.minItems !== undefined)
    return 'array';
  if (['minLength', 'maxLength', 'pattern', 'format'].some((k) => schema[k] !== undefined)) return 'string';
  if (
    ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'].some(
      (k) => schema[k] !== undefined,
    )
  )
    return 'number';
  return undefined;
}

class Sampler {
  private readonly rand: () => number;

  constructor(
    private readonly root: unknown,
    seed: number,
  ) {
    this.rand = prng(seed);
  }

  /** Resolves a local `$ref` ("#/$defs/x", "#/definitions/x", Vertex's "#/defs/x"). */
  private resolve(ref: string): unknown {
    if (!ref.startsWith('#')) return {};
    let node: unknown = this.root;
    for (const raw of ref
      .slice(1)
      .split('/')
      .filter((p) => p !== '')) {
      const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
      node = isSchema(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined;
    }
    return node ?? {};
  }

  /** Folds `$ref`, `allOf` and the first `anyOf`/`oneOf` branch into one schema. */
  private flatten(input: unknown, depth: number): Schema | boolean {
    if (typeof input === 'boolean') return input;
    if (!isSchema(input)) return {};
    let schema: Schema = input;
    const ref =
      typeof schema.$ref === 'string' ? schema.$ref : typeof schema.ref === 'string' ? schema.ref : undefined;
    if (ref !== undefined && depth < MAX_DEPTH * 4) {
      const { $ref: _r, ref: _v, ...rest } = schema;
      const target = this.flatten(this.resolve(ref), depth + 1);
      schema = merge(typeof target === 'boolean' ? {} : target, rest);
    }
    if (Array.isArray(schema.allOf)) {
      const { allOf, ...rest } = schema;
      let merged: Schema = rest;
      for (const part of allOf) {
        const flat = this.flatten(part, depth + 1);
        if (typeof flat !== 'boolean') merged = merge(merged, flat);
      }
      schema = merged;
    }
    for (const key of ['anyOf', 'oneOf'] as const) {
      const branches = schema[key];
      if (!Array.isArray(branches) || branches.length === 0) continue;
      const { [key]: _, ...rest } = schema;
      // The first branch, as documented; once recursion must end, a branch that is plainly null if there is one.
      const deep = depth >= MAX_DEPTH;
      const pick = (deep && branches.find((b) => isSchema(b) && b.type === 'null')) || branches[0];
      const flat = this.flatten(pick, depth + 1);
      schema = typeof flat === 'boolean' ? rest : merge(rest, flat);
    }
    return schema;
  }

  sample(input: unknown, depth = 0): JsonValue {
    const schema = this.flatten(input, depth);
    if (schema === true) return pickWord(this.rand);
    if (schema === false) return null;
    if (schema.const !== undefined) return schema.const as JsonValue;
    if (Array.isArray(schema.enum) && schema.enum.length > 0)
      return schema.enum[Math.floor(this.rand() * schema.enum.length)] as JsonValue;
    switch (typeOf(schema, depth >= MAX_DEPTH)) {
      case 'object':
        return this.object(schema, depth);
      case 'array':
        return this.array(schema, depth);
      case 'integer':
        return this.number(schema, true);
      case 'number':
        return this.number(schema, false);
      case 'boolean':
        return this.rand() < 0.5;
      case 'null':
        return null;
      default:
        return this.string(schema);
    }
  }

  private object(schema: Schema, depth: number): JsonValue {
    const properties = isSchema(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required)
      ? schema.required.filter((k) => typeof k === 'string')
      : [];
    const ordering = Array.isArray(schema.propertyOrdering) ? (schema.propertyOrdering as string[]) : [];
    const declared = [...new Set([...ordering, ...Object.keys(properties)])];
    const max = num(schema.maxProperties) ?? Number.POSITIVE_INFINITY;
    const keys = [...required];
    // Optional properties too (a richer sample), unless recursion must end or maxProperties forbids them.
    if (depth < MAX_DEPTH)
      for (const key of declared) if (!keys.includes(key) && keys.length < max) keys.push(key);
    const extra = schema.additionalProperties;
    const min = num(schema.minProperties) ?? 0;
    for (let i = 1; keys.length < min && extra !== false; i++)
      if (!keys.includes(`extra${i}`)) keys.push(`extra${i}`);
    const out: Record<string, JsonValue> = {};
    for (const key of keys) {
      const sub = Object.hasOwn(properties, key) ? properties[key] : isSchema(extra) ? extra : {};
      out[key] = this.sample(sub, depth + 1);
    }
    return out;
  }

  private array(schema: Schema, depth: number): JsonValue {
    const prefix = Array.isArray(schema.prefixItems)
      ? schema.prefixItems
      : Array.isArray(schema.items)
        ? schema.items
        : [];
    const rest = Array.isArray(schema.items) ? schema.additionalItems : schema.items;
    const min = num(schema.minItems) ?? 0;
    const max = num(schema.maxItems) ?? Number.POSITIVE_INFINITY;
    const wanted = depth >= MAX_DEPTH ? min : Math.max(min, 1 + Math.floor(this.rand() * 2));
    let count = Math.min(max, wanted);
    // `items: false` after a tuple: no item beyond the prefix.
    if (rest === false) count = Math.min(count, prefix.length);
    const out: JsonValue[] = [];
    const seen = new Set<string>();
    if (schema.contains !== undefined && count > 0) out.push(this.sample(schema.contains, depth + 1));
    for (let i = out.length; i < count; i++) {
      const sub = i < prefix.length ? prefix[i] : (rest ?? {});
      let value = this.sample(sub, depth + 1);
      // uniqueItems: draw again a few times; an enum or boolean may simply not have enough values.
      for (
        let tries = 0;
        schema.uniqueItems === true && seen.has(JSON.stringify(value)) && tries < 20;
        tries++
      )
        value = this.sample(sub, depth + 1);
      seen.add(JSON.stringify(value));
      out.push(value);
    }
    return out;
  }

  private number(schema: Schema, integer: boolean): number {
    const exMin = schema.exclusiveMinimum;
    const exMax = schema.exclusiveMaximum;
    // draft-04 spells exclusivity as booleans beside minimum/maximum; later drafts as numbers.
    let lo = num(schema.minimum);
    let hi = num(schema.maximum);
    const loOpen = exMin === true || (num(exMin) !== undefined && (lo === undefined || num(exMin)! >= lo));
    const hiOpen = exMax === true || (num(exMax) !== undefined && (hi === undefined || num(exMax)! <= hi));
    if (num(exMin) !== undefined && loOpen) lo = num(exMin);
    if (num(exMax) !== undefined && hiOpen) hi = num(exMax);
    if (lo === undefined && hi === undefined) [lo, hi] = [0, 100];
    else if (lo === undefined) lo = hi! - 100;
    else if (hi === undefined) hi = lo + 100;
    const step = num(schema.multipleOf);
    if (integer || step !== undefined) {
      const unit = step ?? 1;
      let from = Math.ceil(lo! / unit);
      let to = Math.floor(hi! / unit);
      if (loOpen && from * unit <= lo!) from++;
      if (hiOpen && to * unit >= hi!) to--;
      if (integer && !Number.isInteger(unit)) [from, to] = [Math.ceil(from), Math.floor(to)];
      if (from > to) return integer ? Math.ceil(lo!) : lo!;
      const k = int(this.rand, from, to);
      const value = k * unit;
      // Decimal steps: k × 0.1 may not divide back exactly; 0 always does.
      if (step !== undefined && !Number.isInteger(value / step) && from <= 0 && to >= 0) return 0;
      return integer ? Math.round(value) : value;
    }
    const span = hi! - lo!;
    const value = Math.round((lo! + span * (0.1 + 0.8 * this.rand())) * 100) / 100;
    if ((loOpen ? value > lo! : value >= lo!) && (hiOpen ? value < hi! : value <= hi!)) return value;
    return lo! + span / 2;
  }

  private string(schema: Schema): string {
    const min = num(schema.minLength) ?? 0;
    const max = num(schema.maxLength) ?? Number.POSITIVE_INFINITY;
    const format = typeof schema.format === 'string' ? FORMATS[schema.format] : undefined;
    if (format) return format(this.rand);
    if (typeof schema.pattern === 'string') {
      const sampled = sampleFromPattern(schema.pattern, this.rand, min, max);
      if (sampled !== undefined) return sampled;
    }
    let text = Array.from({ length: 1 + Math.floor(this.rand() * 3) }, () => pickWord(this.rand)).join(' ');
    while (text.length < min) text += ` ${pickWord(this.rand)}`;
    if (text.length > max) text = text.slice(0, max);
    return text;
  }
}

/** Shallow merge of two schemas: properties merged, required united, other keywords from `b` win. */
function merge(a: Schema, b: Schema): Schema {
  const out: Schema = { ...a, ...b };
  if (isSchema(a.properties) || isSchema(b.properties))
    out.properties = {
      ...(isSchema(a.properties) ? a.properties : {}),
      ...(isSchema(b.properties) ? b.properties : {}),
    };
  if (Array.isArray(a.required) || Array.isArray(b.required))
    out.required = [...new Set([...((a.required as unknown[]) ?? []), ...((b.required as unknown[]) ?? [])])];
  return out;
}

/**
 * A value conforming to `schema`, drawn from `seed`. Honoured: type (also lists and Vertex's upper-case names),
 * const, enum, object properties/required/propertyOrdering/min-maxProperties/additionalProperties,
 * array items/prefixItems/min-maxItems/uniqueItems/contains, string min-maxLength/format/pattern (a regex
 * subset), number and integer minimum/maximum (inclusive and exclusive)/multipleOf, local `$ref`, allOf
 * (merged), anyOf/oneOf (first branch). `not`, `if`/`then` and `patternProperties` are not.
 */
export function sampleSchema(schema: unknown, seed: number): JsonValue {
  return new Sampler(schema, seed).sample(schema);
}
