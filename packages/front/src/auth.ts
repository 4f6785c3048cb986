import { createHash, timingSafeEqual } from 'node:crypto';
import { type KeyFields, type KeyPolicy, keyEntrySchema, keyIdOf, policyOf } from './keys/record.js';

/**
 * An authenticated caller: `id` is a short, non-reversible tag of its key for logs, limits, spend and job
 * ownership; the rest is the key's policy (models, limits, budgets), empty for a plain key.
 */
export interface Caller extends KeyPolicy {
  readonly id: string;
}

/** Something that tells the caller for a presented key: a fixed set (ApiKeys) or a key ring with a store. */
export interface KeyVerifier {
  verify(presented: string | undefined): Caller | undefined | Promise<Caller | undefined>;
}

/** One key of a key list: the secret or its SHA-256 hex, and its policy when the list is a key document. */
export interface KeyEntry {
  readonly key?: string;
  readonly hash?: string;
  readonly policy?: KeyPolicy;
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
export class ApiKeys implements KeyVerifier {
  private readonly hashes: Buffer[];
  /** Policies by lower-case hash hex, for keys given in a key document. */
  private readonly policies: ReadonlyMap<string, KeyPolicy>;

  private constructor(hashes: readonly string[], policies: ReadonlyMap<string, KeyPolicy> = new Map()) {
    this.hashes = [...new Set(hashes.map((h) => h.toLowerCase()))].map((h) => Buffer.from(h, 'hex'));
    this.policies = policies;
  }

  /**
   * From plaintext keys (hashed at once), SHA-256 hex hashes, and key entries with their policies.
   * Blank entries are ignored.
   */
  static from(options: {
    keys?: readonly string[];
    hashes?: readonly string[];
    entries?: readonly KeyEntry[];
  }): ApiKeys {
    const policies = new Map<string, KeyPolicy>();
    const entryHashes = (options.entries ?? []).map((e) => {
      const hash = (e.hash ?? hashApiKey(e.key ?? '')).toLowerCase();
      if (e.policy && Object.keys(e.policy).length > 0) policies.set(hash, e.policy);
      return hash;
    });
    const keys = (options.keys ?? []).map((k) => k.trim()).filter((k) => k.length > 0);
    const hashes = (options.hashes ?? []).map((h) => h.trim()).filter((h) => h.length > 0);
    const bad = hashes.find((h) => !HASH_HEX.test(h));
    if (bad !== undefined) {
      throw new Error(
        `invalid API key hash: got ${bad.length} characters starting "${bad.slice(0, 4)}"; expected 64 hex characters ` +
          '(the SHA-256 of the key, e.g. `printf %s "$KEY" | sha256sum`)',
      );
    }
    return new ApiKeys([...keys.map(hashApiKey), ...hashes, ...entryHashes], policies);
  }

  /** These keys and `other`'s (policies included), e.g. the admin keys with the scrape credentials. */
  with(other: ApiKeys): ApiKeys {
    const hex = [...this.hashes, ...other.hashes].map((h) => h.toString('hex'));
    return new ApiKeys(hex, new Map([...this.policies, ...other.policies]));
  }

  get size(): number {
    return this.hashes.length;
  }

  /** Every key's id and policy (for the admin API's list); never the hashes. */
  list(): { id: string; policy: KeyPolicy }[] {
    return this.hashes.map((h) => {
      const hex = h.toString('hex');
      return { id: keyIdOf(hex), policy: this.policies.get(hex) ?? {} };
    });
  }

  /** Whether a key id belongs to one of these keys. */
  has(id: string): boolean {
    return this.hashes.some((h) => keyIdOf(h.toString('hex')) === id);
  }

  /** The caller for a presented key, or undefined when no stored hash matches. */
  verify(presented: string | undefined): Caller | undefined {
    if (!presented) return undefined;
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let match = false;
    for (const h of this.hashes) match = timingSafeEqual(digest, h) || match;
    if (!match) return undefined;
    const hex = digest.toString('hex');
    return { ...this.policies.get(hex), id: keyIdOf(hex) };
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
  return parseKeyEntries(text).map((e) => {
    if (e.key === undefined || e.policy !== undefined) {
      throw new Error('this key list takes plain keys only: ["k1","k2"] or {"keys":["k1"]}, no key objects');
    }
    return e.key;
  });
}

/**
 * A key list as entries: the plain forms of `parseKeyList`, or a key document whose `keys` mix plain keys and
 * objects with the key (`key`) or its SHA-256 hex (`hash`) and its policy, e.g.
 * `{"keys":[{"key":"sk-1","name":"search","team":"web","models":["chat"],"limits":{"requests_per_minute":60},
 * "budget":{"daily_usd":5},"expires_at":"2027-01-01T00:00:00Z"}]}`.
 */
export function parseKeyEntries(text: string): KeyEntry[] {
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
    if (!Array.isArray(list)) {
      throw new Error(
        'the API key list must be a JSON array of strings or {"keys": [strings or key objects]}',
      );
    }
    return list.flatMap((k, i) => keyEntry(k, i));
  }
  return trimmed
    .split(/[,\n]/)
    .map((k) => k.trim())
    .filter(Boolean)
    .map((key) => ({ key }));
}

function keyEntry(value: unknown, index: number): KeyEntry[] {
  if (typeof value === 'string') return value.trim() ? [{ key: value.trim() }] : [];
  const parsed = keyEntrySchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = ['keys', index, ...issue.path].join('.');
    // Never echo a value: it may be the secret.
    throw new Error(
      `invalid key document at ${at}: ${issue.message}. Expected a string or { "key" | "hash", "name", "team", "models", "limits", "budget", "expires_at" }`,
    );
  }
  const { key, hash, ...fields } = parsed.data;
  const policy = policyOf(fields as KeyFields);
  return [{ ...(key !== undefined ? { key } : { hash: hash! }), policy }];
}
