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
  return write(value, new Set());
}

function write(value: unknown, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (Number.isFinite(value)) return Object.is(value, -0) ? '0' : String(value);
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
  if (seen.has(obj)) throw new TypeError('cannot build a cache key from a value with a cycle');
  if (obj instanceof Date) return JSON.stringify(obj.toISOString());
  if (obj instanceof Uint8Array) return `#b${Buffer.from(obj).toString('base64')}`;
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return `[${obj.map((v) => write(v, seen)).join(',')}]`;
    const source = obj instanceof Map ? Object.fromEntries(obj) : (obj as Record<string, unknown>);
    const parts: string[] = [];
    for (const key of Object.keys(source).sort()) {
      const v = source[key];
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      parts.push(`${JSON.stringify(key)}:${write(v, seen)}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    seen.delete(obj);
  }
}
