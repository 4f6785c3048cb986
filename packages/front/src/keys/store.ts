import type { Redis } from 'ioredis';
import type { KeyPolicy, KeyRecord } from './record.js';

/** A team's budget in USD per UTC day and month. */
export type TeamBudget = NonNullable<KeyPolicy['budget']>;

/**
 * Keys created at run time (the admin API), by id and by the SHA-256 of their secret; the secret itself is never
 * stored. Writes are compare-and-set on the record, so two admins changing one key do not lose an update.
 */
export interface KeyStore {
  /** The key whose current secret, or previous one within its rotation's grace, hashes to `hash`. */
  findByHash(hash: string, now?: number): Promise<KeyRecord | undefined>;
  get(id: string): Promise<KeyRecord | undefined>;
  list(): Promise<KeyRecord[]>;
  /** False when the id or the hash is taken. */
  create(record: KeyRecord): Promise<boolean>;
  /** Replaces `current` by `next` (same id) unless the record changed meanwhile; false then. */
  replace(current: KeyRecord, next: KeyRecord): Promise<boolean>;
  delete(current: KeyRecord): Promise<boolean>;
  /** Notes a use (the key ring calls it at most once a minute per key and instance). */
  touch(id: string, at: string): Promise<void>;
  lastUsed(): Promise<ReadonlyMap<string, string>>;
  teamBudget(team: string): Promise<TeamBudget | undefined>;
  /** Sets a team's budget; undefined removes it. */
  setTeamBudget(team: string, budget: TeamBudget | undefined): Promise<void>;
  teamBudgets(): Promise<ReadonlyMap<string, TeamBudget>>;
}

/** Whether `hash` opens `record` at `now`: its current secret, or the previous one within its grace. */
export function opens(record: KeyRecord, hash: string, now: number): boolean {
  if (record.hash === hash) return true;
  return record.previous?.hash === hash && Date.parse(record.previous.until) > now;
}

/** In this process: one instance, or tests. */
export class MemoryKeyStore implements KeyStore {
  private readonly byId = new Map<string, KeyRecord>();
  private readonly used = new Map<string, string>();

  async findByHash(hash: string, now = Date.now()): Promise<KeyRecord | undefined> {
    for (const r of this.byId.values()) if (opens(r, hash, now)) return r;
    return undefined;
  }

  async get(id: string): Promise<KeyRecord | undefined> {
    return this.byId.get(id);
  }

  async list(): Promise<KeyRecord[]> {
    return [...this.byId.values()];
  }

  async create(record: KeyRecord): Promise<boolean> {
    if (this.byId.has(record.id) || (await this.findByHash(record.hash))) return false;
    this.byId.set(record.id, record);
    return true;
  }

  async replace(current: KeyRecord, next: KeyRecord): Promise<boolean> {
    if (this.byId.get(current.id) !== current) return false;
    this.byId.set(current.id, next);
    return true;
  }

  async delete(current: KeyRecord): Promise<boolean> {
    if (this.byId.get(current.id) !== current) return false;
    this.byId.delete(current.id);
    this.used.delete(current.id);
    return true;
  }

  async touch(id: string, at: string): Promise<void> {
    this.used.set(id, at);
  }

  async lastUsed(): Promise<ReadonlyMap<string, string>> {
    return new Map(this.used);
  }

  private readonly teams = new Map<string, TeamBudget>();

  async teamBudget(team: string): Promise<TeamBudget | undefined> {
    return this.teams.get(team);
  }

  async setTeamBudget(team: string, budget: TeamBudget | undefined): Promise<void> {
    if (budget) this.teams.set(team, budget);
    else this.teams.delete(team);
  }

  async teamBudgets(): Promise<ReadonlyMap<string, TeamBudget>> {
    return new Map(this.teams);
  }
}

// Every key of the store shares the hash tag {keys}: the scripts touch several and run on Redis Cluster too.
// KEYS: record, hash → id, the set of ids. ARGV: record JSON, id.
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[2])
return 1
`;

// KEYS: record, new hash, old hash. ARGV: expected JSON, next JSON, id, ms the old hash stays (0: removed).
// The new and old hashes are the same key when the secret did not change.
const REPLACE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if KEYS[2] ~= KEYS[3] then
  if tonumber(ARGV[4]) > 0 then redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4]) else redis.call('DEL', KEYS[3]) end
end
redis.call('SET', KEYS[2], ARGV[3])
return 1
`;

// KEYS: record, set of ids, last uses, current hash, previous hash. ARGV: expected JSON, id.
const DELETE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[4], KEYS[5])
redis.call('SREM', KEYS[2], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[2])
return 1
`;

/**
 * The key store in Redis, shared by every instance: `<prefix>{keys}:rec:<id>` holds the record as JSON,
 * `<prefix>{keys}:hash:<sha256>` the id (a rotated-out hash with its grace as TTL), `<prefix>{keys}:ids` the ids,
 * `<prefix>{keys}:used` the last use per id, `<prefix>{keys}:teams` each team's budget as JSON.
 */
export class RedisKeyStore implements KeyStore {
  /** The JSON read for each record, so a write can compare and set it. */
  private readonly raw = new WeakMap<KeyRecord, string>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private k(part: string): string {
    return `${this.prefix}{keys}:${part}`;
  }

  private parse(text: string | null): KeyRecord | undefined {
    if (text === null) return undefined;
    const record = JSON.parse(text) as KeyRecord;
    this.raw.set(record, text);
    return record;
  }

  async findByHash(hash: string, now = Date.now()): Promise<KeyRecord | undefined> {
    const id = await this.redis.get(this.k(`hash:${hash}`));
    if (id === null) return undefined;
    const record = await this.get(id);
    return record && opens(record, hash, now) ? record : undefined;
  }

  async get(id: string): Promise<KeyRecord | undefined> {
    return this.parse(await this.redis.get(this.k(`rec:${id}`)));
  }

  async list(): Promise<KeyRecord[]> {
    const ids = await this.redis.smembers(this.k('ids'));
    if (ids.length === 0) return [];
    const texts = await this.redis.mget(ids.map((id) => this.k(`rec:${id}`)));
    return texts.map((t) => this.parse(t)).filter((r): r is KeyRecord => r !== undefined);
  }

  async create(record: KeyRecord): Promise<boolean> {
    const keys = [this.k(`rec:${record.id}`), this.k(`hash:${record.hash}`), this.k('ids')];
    return (await this.redis.eval(CREATE, keys.length, ...keys, JSON.stringify(record), record.id)) === 1;
  }

  async replace(current: KeyRecord, next: KeyRecord): Promise<boolean> {
    const expected = this.raw.get(current) ?? JSON.stringify(current);
    const graceMs =
      next.previous?.hash === current.hash ? Math.max(0, Date.parse(next.previous.until) - Date.now()) : 0;
    const keys = [this.k(`rec:${current.id}`), this.k(`hash:${next.hash}`), this.k(`hash:${current.hash}`)];
    const out = await this.redis.eval(
      REPLACE,
      keys.length,
      ...keys,
      expected,
      JSON.stringify(next),
      current.id,
      Math.ceil(graceMs),
    );
    return out === 1;
  }

  async delete(current: KeyRecord): Promise<boolean> {
    const expected = this.raw.get(current) ?? JSON.stringify(current);
    const keys = [
      this.k(`rec:${current.id}`),
      this.k('ids'),
      this.k('used'),
      this.k(`hash:${current.hash}`),
      this.k(`hash:${current.previous?.hash ?? current.hash}`),
    ];
    return (await this.redis.eval(DELETE, keys.length, ...keys, expected, current.id)) === 1;
  }

  async touch(id: string, at: string): Promise<void> {
    await this.redis.hset(this.k('used'), id, at);
  }

  async lastUsed(): Promise<ReadonlyMap<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(this.k('used'))));
  }

  async teamBudget(team: string): Promise<TeamBudget | undefined> {
    const text = await this.redis.hget(this.k('teams'), team);
    return text === null ? undefined : (JSON.parse(text) as TeamBudget);
  }

  async setTeamBudget(team: string, budget: TeamBudget | undefined): Promise<void> {
    if (budget) await this.redis.hset(this.k('teams'), team, JSON.stringify(budget));
    else await this.redis.hdel(this.k('teams'), team);
  }

  async teamBudgets(): Promise<ReadonlyMap<string, TeamBudget>> {
    const all = await this.redis.hgetall(this.k('teams'));
    return new Map(Object.entries(all).map(([team, text]) => [team, JSON.parse(text) as TeamBudget]));
  }
}
