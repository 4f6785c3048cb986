import { FRONT_ENV } from '@genai-deploy/config';
import type { ApiKeys, Caller, KeyVerifier } from '../auth.js';
import { HttpError } from '../errors.js';
import {
  type KeyFields,
  type KeyPatch,
  type KeyPolicy,
  type KeyRecord,
  type KeyView,
  keyIdOf,
  keyView,
  newSecret,
  patched,
  policyOf,
  sha256Hex,
} from './record.js';
import type { KeyStore, TeamBudget } from './store.js';

export interface KeyRingOptions {
  /**
   * How long an instance trusts what it read from the store, in ms: a key created, rotated, disabled or deleted
   * on another instance takes effect here within this (plus a Redis round trip). @default 500
   */
  readonly cacheMs?: number;
  /** A store failure that was tolerated (a cached answer was used). */
  readonly onError?: (e: unknown) => void;
  readonly now?: () => number;
}

/** Rotation's grace bounds, in seconds: the old secret stays valid this long. */
export const GRACE_SECONDS = { default: 300, max: 7 * 24 * 3600 } as const;

const TOUCH_EVERY_MS = 60_000;
const MAX_CACHED = 10_000;

/**
 * The caller keys: the fixed ones of the environment (GENAI_API_KEYS and friends, with their key documents'
 * policies) and the store's (created through the admin API). The fixed keys are checked first, in memory and in
 * constant time; a key they do not hold is looked up in the store by its SHA-256, and the answer (found or not)
 * kept for `cacheMs`. Admin operations on this instance drop the cache at once; other instances see them when
 * their entries expire.
 */
export class KeyRing implements KeyVerifier {
  private readonly cache = new Map<string, { caller: Caller | undefined; at: number }>();
  private readonly touched = new Map<string, number>();
  private readonly teams = new Map<string, { budget: TeamBudget | undefined; at: number }>();
  private readonly cacheMs: number;
  private readonly now: () => number;
  private readonly onError: (e: unknown) => void;

  constructor(
    readonly fixed: ApiKeys,
    readonly store: KeyStore,
    options: KeyRingOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 500;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => {});
  }

  /** Every key this ring could answer for: the fixed ones and any the store may hold. */
  get size(): number {
    return this.fixed.size;
  }

  async verify(presented: string | undefined): Promise<Caller | undefined> {
    if (!presented) return undefined;
    const caller = this.fixed.verify(presented) ?? (await this.fromStore(sha256Hex(presented)));
    if (caller) this.touch(caller.id);
    return caller;
  }

  private async fromStore(hash: string): Promise<Caller | undefined> {
    const now = this.now();
    const cached = this.cache.get(hash);
    if (cached && now - cached.at < this.cacheMs) return cached.caller;
    let record: KeyRecord | undefined;
    try {
      record = await this.store.findByHash(hash, now);
    } catch (e) {
      this.onError(e);
      // A key seen before keeps working through a store outage; an unknown one cannot be checked.
      if (cached) return cached.caller;
      throw new HttpError(503, 'the key store is unavailable, so this key cannot be checked; retry later', {
        code: 'key_store_unavailable',
        headers: { 'retry-after': '1' },
        cause: e,
      });
    }
    const caller = record && callerOf(record);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(hash, { caller, at: now });
    return caller;
  }

  /** Notes the key's last use, at most once a minute per key on this instance. */
  private touch(id: string): void {
    const now = this.now();
    if (now - (this.touched.get(id) ?? 0) < TOUCH_EVERY_MS) return;
    if (this.touched.size >= MAX_CACHED) this.touched.clear();
    this.touched.set(id, now);
    this.store.touch(id, new Date(now).toISOString()).catch(this.onError);
  }

  /**
   * The caller of a key id, for work done later without the secret (a queued job): its current policy, or the
   * bare id when the key is gone.
   */
  async callerById(id: string): Promise<Caller> {
    const fixed = this.fixed.list().find((k) => k.id === id);
    if (fixed) return { ...fixed.policy, id };
    const record = await this.store.get(id);
    return record ? callerOf(record) : { id };
  }

  /** A team's budget, read from the store at most once per `cacheMs` on this instance. */
  async teamBudget(team: string): Promise<TeamBudget | undefined> {
    const now = this.now();
    const cached = this.teams.get(team);
    if (cached && now - cached.at < this.cacheMs) return cached.budget;
    const budget = await this.store.teamBudget(team);
    if (this.teams.size >= MAX_CACHED) this.teams.clear();
    this.teams.set(team, { budget, at: now });
    return budget;
  }

  async setTeamBudget(team: string, budget: TeamBudget | undefined): Promise<void> {
    await this.store.setTeamBudget(team, budget);
    this.teams.delete(team);
  }

  /** A new key from the admin API: the record stored (its hash, never the secret) and the secret, shown once. */
  async create(fields: KeyFields): Promise<{ view: KeyView; secret: string }> {
    const secret = newSecret();
    const hash = sha256Hex(secret);
    const record: KeyRecord = {
      ...policyOf(fields),
      id: keyIdOf(hash),
      hash,
      createdAt: new Date(this.now()).toISOString(),
    };
    // 2^-64 a try that an id is taken; the store refuses it rather than merge two keys.
    if (!(await this.store.create(record))) return this.create(fields);
    this.cache.clear();
    return { view: keyView(record.id, record, 'admin'), secret };
  }

  /** Every key, fixed and stored, with its last use; never a secret or a hash. */
  async list(): Promise<KeyView[]> {
    const [stored, used] = await Promise.all([this.store.list(), this.store.lastUsed()]);
    const fixed = this.fixed.list().map((k) => keyView(k.id, k.policy, 'environment', used.get(k.id)));
    const views = stored.map((r) => keyView(r.id, r, 'admin', used.get(r.id)));
    return [...fixed, ...views.sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)))];
  }

  async view(id: string): Promise<KeyView> {
    const used = await this.store.lastUsed();
    if (this.fixed.has(id)) {
      const k = this.fixed.list().find((e) => e.id === id)!;
      return keyView(id, k.policy, 'environment', used.get(id));
    }
    const record = await this.stored(id);
    return keyView(id, record, 'admin', used.get(id));
  }

  /** Applies a PATCH (models, limits, budget, disabled, ...); compare-and-set, retried on a concurrent change. */
  async update(id: string, patch: KeyPatch): Promise<KeyView> {
    for (;;) {
      const current = await this.stored(id);
      const next = patched(current, patch);
      if (await this.store.replace(current, next)) {
        this.cache.clear();
        return keyView(id, next, 'admin');
      }
    }
  }

  /** A new secret for the key; the old one stays valid for `graceSeconds`. */
  async rotate(id: string, graceSeconds: number): Promise<{ view: KeyView; secret: string; until: string }> {
    for (;;) {
      const current = await this.stored(id);
      const secret = newSecret();
      const until = new Date(this.now() + graceSeconds * 1000).toISOString();
      const next: KeyRecord = {
        ...current,
        hash: sha256Hex(secret),
        ...(graceSeconds > 0 ? { previous: { hash: current.hash, until } } : {}),
      };
      if (graceSeconds === 0) delete (next as { previous?: unknown }).previous;
      if (await this.store.replace(current, next)) {
        this.cache.clear();
        return { view: keyView(id, next, 'admin'), secret, until };
      }
    }
  }

  async remove(id: string): Promise<void> {
    for (;;) {
      const current = await this.stored(id);
      if (await this.store.delete(current)) {
        this.cache.clear();
        return;
      }
    }
  }

  /** A stored key, or the 404 / 409 (a key of the environment) that says why it cannot be changed here. */
  private async stored(id: string): Promise<KeyRecord> {
    if (this.fixed.has(id)) {
      throw new HttpError(
        409,
        `the key ${id} comes from the environment (${FRONT_ENV.apiKeys.name} and its file and secret forms): change it there and restart, or create a managed key with POST /admin/keys`,
        { code: 'key_from_environment', param: 'id' },
      );
    }
    const record = await this.store.get(id);
    if (!record) {
      throw new HttpError(404, `no key ${id.slice(0, 40)} on this gateway; GET /admin/keys lists them`, {
        code: 'key_not_found',
        param: 'id',
      });
    }
    return record;
  }
}

/** The caller of a stored key: its id and policy, without the hashes. */
function callerOf(record: KeyRecord): Caller {
  const { hash: _hash, previous: _previous, createdAt: _createdAt, ...policy } = record;
  return policy satisfies KeyPolicy & { id: string };
}
