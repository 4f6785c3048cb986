import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';

export type RedisOperation = 'get' | 'set' | 'lock' | 'unlock' | 'poll';

/** Receives an operation that failed open, with the reason; never throws. */
export type FailOpenReporter = (operation: RedisOperation, reason: string) => void;

export interface RedisStoreOptions {
  /** `redis://` or `rediss://` URL. Ignored when `client` is given. @default process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' */
  readonly url?: string;
  /** A connected ioredis client to use instead of opening one; `close()` leaves it open. @default - one is created */
  readonly client?: Redis;
  /** Longest a cache operation may wait for Redis before the call goes on without it, in ms. @default 50 */
  readonly operationTimeoutMs?: number;
  /** Longest a (re)connection attempt may take, in ms. @default 1000 */
  readonly connectTimeoutMs?: number;
  /**
   * Longest an operation waits for the very first connection, in ms (a cold start's first calls would
   * otherwise always miss the shared tier, e.g. over TLS). Later outages never wait. A refused connection
   * ends the wait at once.
   * @default 250
   */
  readonly firstConnectWaitMs?: number;
  /** Called once per operation that failed open (Redis down, slow or erroring); never throws. */
  readonly onFailOpen?: FailOpenReporter;
}

export interface RedisEntry {
  readonly value: Buffer;
  /** Remaining TTL in ms. */
  readonly ttlMs: number;
}

const RELEASE =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

const FAIL = Symbol('fail-open');

/**
 * The shared tier. Every operation is bounded by `operationTimeoutMs` and fails open: Redis down, slow or
 * erroring turns a read into a miss and a write into a no-op, reports it through `onFailOpen`, and never
 * throws. While the connection is down, operations fail at once (no offline queue) and ioredis reconnects
 * in the background.
 */
export class RedisStore {
  readonly client: Redis;
  readonly #owned: boolean;
  readonly #timeoutMs: number;
  readonly #firstConnectWaitMs: number;
  readonly #onFailOpen: FailOpenReporter;
  /** Pending until the first connection attempt settles: only then do operations wait for a connection. */
  #firstConnect: Promise<void> | undefined;

  constructor(options: RedisStoreOptions = {}) {
    this.#timeoutMs = options.operationTimeoutMs ?? 50;
    if (!(this.#timeoutMs > 0)) {
      throw new TypeError(
        `redis operationTimeoutMs must be a positive number of ms; received ${String(options.operationTimeoutMs)}`,
      );
    }
    this.#firstConnectWaitMs = options.firstConnectWaitMs ?? 250;
    this.#onFailOpen = options.onFailOpen ?? (() => {});
    if (options.client) {
      this.client = options.client;
      this.#owned = false;
    } else {
      const url = options.url ?? process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
      if (!/^rediss?:\/\//.test(url)) {
        throw new TypeError(`redis url must start with redis:// or rediss://; received "${redact(url)}"`);
      }
      const redisOptions: RedisOptions = {
        // Fail fast instead of queueing while disconnected: the caller's answer must not wait on Redis.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectTimeout: options.connectTimeoutMs ?? 1000,
        commandTimeout: Math.max(this.#timeoutMs * 4, 200),
        retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
        enableAutoPipelining: true,
      };
      this.client = new Redis(url, redisOptions);
      this.#owned = true;
    }
    // Without a listener ioredis prints every connection error; the fail-open counters report them instead.
    this.client.on('error', () => {});
    if (this.client.status !== 'ready') {
      this.#firstConnect = new Promise<void>((resolve) => {
        const done = () => {
          this.client.off('ready', done);
          this.client.off('error', done);
          this.client.off('end', done);
          this.#firstConnect = undefined;
          resolve();
        };
        this.client.on('ready', done);
        this.client.on('error', done);
        this.client.on('end', done);
      });
    }
  }

  /** True while connected. */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  async get(key: string, report?: FailOpenReporter): Promise<RedisEntry | undefined> {
    const out = await this.#run('get', report, async (c) => {
      const res = await c.pipeline().getBuffer(key).pttl(key).exec();
      return entryFrom(res, 0);
    });
    return out === FAIL ? undefined : out;
  }

  /** Reads many keys in one round trip; a failed read is all misses. */
  async getMany(keys: readonly string[], report?: FailOpenReporter): Promise<(RedisEntry | undefined)[]> {
    if (keys.length === 0) return [];
    const out = await this.#run('get', report, async (c) => {
      const p = c.pipeline();
      for (const k of keys) p.getBuffer(k).pttl(k);
      const res = await p.exec();
      return keys.map((_, i) => entryFrom(res, i * 2));
    });
    return out === FAIL ? keys.map(() => undefined) : out;
  }

  /** Writes entries with their TTLs in one round trip; false when it failed open. */
  async setMany(
    entries: readonly { key: string; value: Buffer; ttlMs: number }[],
    report?: FailOpenReporter,
  ): Promise<boolean> {
    if (entries.length === 0) return true;
    const out = await this.#run('set', report, async (c) => {
      if (entries.length === 1) {
        const e = entries[0]!;
        await c.set(e.key, e.value, 'PX', Math.max(1, Math.round(e.ttlMs)));
        return true;
      }
      const p = c.pipeline();
      for (const e of entries) p.set(e.key, e.value, 'PX', Math.max(1, Math.round(e.ttlMs)));
      const res = await p.exec();
      for (const [err] of res ?? []) if (err) throw err;
      return true;
    });
    return out === true;
  }

  async set(key: string, value: Buffer, ttlMs: number, report?: FailOpenReporter): Promise<boolean> {
    return this.setMany([{ key, value, ttlMs }], report);
  }

  /**
   * Takes a short fill lock (SET NX PX). Resolves to the lock token when taken, `null` when another
   * instance holds it, and `undefined` when Redis is unavailable (the caller proceeds uncoordinated).
   */
  async tryLock(
    lockKey: string,
    ttlMs: number,
    report?: FailOpenReporter,
  ): Promise<string | null | undefined> {
    const token = randomBytes(12).toString('base64url');
    const out = await this.#run('lock', report, async (c) =>
      (await c.set(lockKey, token, 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK' ? token : null,
    );
    return out === FAIL ? undefined : out;
  }

  /** Releases a lock only if this caller still holds it (compare-and-delete). */
  async unlock(lockKey: string, token: string, report?: FailOpenReporter): Promise<void> {
    await this.#run('unlock', report, (c) => c.eval(RELEASE, 1, lockKey, token));
  }

  /**
   * One poll of a key another instance is filling: the entry if present, and whether its lock is still
   * held. `undefined` when Redis is unavailable.
   */
  async peek(
    key: string,
    lockKey: string,
    report?: FailOpenReporter,
  ): Promise<{ entry?: RedisEntry; locked: boolean } | undefined> {
    const out = await this.#run('poll', report, async (c) => {
      const res = await c.pipeline().getBuffer(key).pttl(key).exists(lockKey).exec();
      const entry = entryFrom(res, 0);
      const locked = res?.[2]?.[1] === 1;
      return entry ? { entry, locked } : { locked };
    });
    return out === FAIL ? undefined : out;
  }

  async close(): Promise<void> {
    if (!this.#owned) return;
    try {
      if (this.client.status === 'ready') await this.client.quit();
      else this.client.disconnect();
    } catch {
      this.client.disconnect();
    }
  }

  async #run<T>(
    operation: RedisOperation,
    report: FailOpenReporter | undefined,
    fn: (client: Redis) => Promise<T>,
  ): Promise<T | typeof FAIL> {
    const failOpen = (reason: string) => {
      this.#onFailOpen(operation, reason);
      report?.(operation, reason);
    };
    if (this.client.status !== 'ready') {
      // Only the very first connection is waited for (bounded): later outages fail at once.
      if (this.#firstConnect) await within(this.#firstConnect, this.#firstConnectWaitMs);
      if (!this.ready) {
        failOpen(`redis not connected (status ${this.client.status})`);
        return FAIL;
      }
    }
    const budget = this.#timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      const work = fn(this.client);
      const timeout = new Promise<typeof FAIL>((resolve) => {
        timer = setTimeout(() => resolve(FAIL), budget);
      });
      const out = await Promise.race([work, timeout]);
      if (out === FAIL) {
        work.catch(() => {}); // settles later; nobody waits for it
        failOpen(`redis did not answer within ${this.#timeoutMs} ms`);
      }
      return out;
    } catch (e) {
      failOpen(`redis error: ${(e as Error).message}`);
      return FAIL;
    } finally {
      clearTimeout(timer);
    }
  }
}

function entryFrom(res: [Error | null, unknown][] | null, at: number): RedisEntry | undefined {
  const value = res?.[at]?.[1];
  const ttl = res?.[at + 1]?.[1];
  if (!Buffer.isBuffer(value)) return undefined;
  // PTTL -1 means no expiry (written by someone else without TTL); treat as a long but finite life.
  const ttlMs = typeof ttl === 'number' && ttl > 0 ? ttl : ttl === -1 ? Number.POSITIVE_INFINITY : 0;
  return ttlMs > 0 ? { value, ttlMs } : undefined;
}

function within(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
