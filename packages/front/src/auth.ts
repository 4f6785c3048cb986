import { createHash, timingSafeEqual } from 'node:crypto';

/** An authenticated caller: `id` is a short, non-reversible tag of its key for logs, limits and job ownership. */
export interface Caller {
  readonly id: string;
}

const HASH_HEX = /^[0-9a-f]{64}$/i;

/** SHA-256 of an API key, hex. Only these hashes are kept in memory. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * The set of accepted API keys, held as SHA-256 hashes. `verify` hashes the presented key and compares it
 * with every stored hash in constant time (no early exit), so neither timing nor the set's size leaks which
 * prefix matched.
 */
export class ApiKeys {
  private readonly hashes: Buffer[];

  private constructor(hashes: readonly string[]) {
    this.hashes = [...new Set(hashes.map((h) => h.toLowerCase()))].map((h) => Buffer.from(h, 'hex'));
  }

  /** From plaintext keys (hashed at once) and/or SHA-256 hex hashes. Blank entries are ignored. */
  static from(options: { keys?: readonly string[]; hashes?: readonly string[] }): ApiKeys {
    const keys = (options.keys ?? []).map((k) => k.trim()).filter((k) => k.length > 0);
    const hashes = (options.hashes ?? []).map((h) => h.trim()).filter((h) => h.length > 0);
    const bad = hashes.find((h) => !HASH_HEX.test(h));
    if (bad !== undefined) {
      throw new Error(
        `invalid API key hash: got ${bad.length} characters starting "${bad.slice(0, 4)}"; expected 64 hex characters ` +
          '(the SHA-256 of the key, e.g. `printf %s "$KEY" | sha256sum`)',
      );
    }
    return new ApiKeys([...keys.map(hashApiKey), ...hashes]);
  }

  get size(): number {
    return this.hashes.length;
  }

  /** The caller for a presented key, or undefined when no stored hash matches. */
  verify(presented: string | undefined): Caller | undefined {
    if (!presented) return undefined;
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let match = false;
    for (const h of this.hashes) match = timingSafeEqual(digest, h) || match;
    return match ? { id: digest.toString('hex').slice(0, 16) } : undefined;
  }
}

/** Reads the key from `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey(headers: { get(name: string): string | null | undefined }): string | undefined {
  const auth = headers.get('authorization');
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1]!.trim();
  }
  const key = headers.get('x-api-key');
  return key ? key.trim() : undefined;
}

/** Splits a list of keys given as comma/newline-separated text, a JSON array, or JSON `{ "keys": [...] }`. */
export function parseKeyList(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new Error(
        'the API key list looks like JSON but does not parse; expected ["k1","k2"] or {"keys":["k1"]}',
      );
    }
    const list = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown }).keys;
    if (!Array.isArray(list) || !list.every((k) => typeof k === 'string')) {
      throw new Error('the API key list must be a JSON array of strings or {"keys": [strings]}');
    }
    return list.map((k) => k.trim()).filter(Boolean);
  }
  return trimmed
    .split(/[,\n]/)
    .map((k) => k.trim())
    .filter(Boolean);
}
