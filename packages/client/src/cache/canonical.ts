/**
 * Canonical serialization for cache keys: two values that mean the same request serialize to the same
 * string, whatever the key order or the way a number was written. JSON.stringify is not enough: it keeps
 * insertion order (litellm #40128), prints -0 as 0 but NaN/Infinity as null (so NaN and null collide).
 */

/**
 * Serializes `value` canonically: object keys sorted by code unit, `undefined` (and functions, symbols)
 * dropped from objects, -0 written as 0, non-finite numbers as distinct tokens, bigint with an `n` suffix,
 * dates as ISO strings, byte arrays as base64. Throws on cycles (a request never has one).
 */
export function canonicalize(value: unknown): string {
  return write(value, []);
}

/**
 * The canonical form of `obj` without its fields named in `omit`: what `canonicalize` writes for a copy of
 * the object that leaves them out, without making the copy (a cache key hashes a request minus a few fields).
 */
export function canonicalizeFields(obj: object, omit: ReadonlySet<string>): string {
  const ancestors = [obj];
  return writeFields(obj as Record<string, unknown>, ancestors, omit);
}

// Written for speed (it runs on every cacheable call, before the cache lookup): one string built by
// appending, no intermediate arrays, the ancestors of the current value in a small array for the cycle check.
function write(value: unknown, ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      if (Number.isFinite(value)) return value === 0 ? '0' : String(value);
      // Distinct from null and from each other; never valid JSON numbers, so no collision with a string.
      return Number.isNaN(value) ? '#NaN' : value > 0 ? '#Inf' : '#-Inf';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return `${value}n`;
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'null';
    default:
      break;
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (ancestors.includes(obj)) throw new TypeError('cannot build a cache key from a value with a cycle');
  if (obj instanceof Date) return JSON.stringify(obj.toISOString());
  if (obj instanceof Uint8Array) return `#b${Buffer.from(obj).toString('base64')}`;
  ancestors.push(obj);
  try {
    if (Array.isArray(obj)) {
      let out = '[';
      for (let i = 0; i < obj.length; i++) {
        if (i > 0) out += ',';
        const v: unknown = obj[i];
        // A hole writes nothing (as Array.prototype.map + join would).
        if (v !== undefined || i in obj) out += write(v, ancestors);
      }
      return `${out}]`;
    }
    const source = obj instanceof Map ? Object.fromEntries(obj) : (obj as Record<string, unknown>);
    return writeFields(source, ancestors, undefined);
  } finally {
    ancestors.pop();
  }
}

function writeFields(
  source: Record<string, unknown>,
  ancestors: object[],
  omit: ReadonlySet<string> | undefined,
): string {
  const keys = sortedKeys(source);
  let out = '{';
  let first = true;
  for (const key of keys) {
    const v = source[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    if (omit?.has(key)) continue;
    if (!first) out += ',';
    first = false;
    out += `${quote(key)}:${write(v, ancestors)}`;
  }
  return `${out}}`;
}

/** Characters JSON.stringify escapes (controls, quote, backslash, surrogates): strings without any need none. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON.stringify escapes.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** The JSON string literal of `s`, as JSON.stringify writes it (most strings skip its slower path). */
function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** Own enumerable keys in code-unit order (what `sort()` gives), by insertion sort: requests have few keys. */
function sortedKeys(source: object): string[] {
  const keys = Object.keys(source);
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}
