import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisConnection } from '../redis-connection.js';
import { DeadlineSweeper } from './deadline-sweeper.js';

export type RedisOperation = 'get' | 'set' | 'lock' | 'unlock' | 'poll';

/** Receives an operation that failed open, with the reason; never throws. */
export type FailOpenReporter = (operation: RedisOperation, reason: string) => void;

export interface RedisStoreOptions {
  /** `redis://` or `rediss://` URL. Ignored when `client` is given. @default process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' */
  readonly url?: string;
  /**
   * A connected ioredis client (5.x or 6.x) to use instead of opening one. `close()` leaves it open: the caller
   * quits it (`await redis.quit()`). @default - one is created
   */
  readonly client?: RedisConnection;
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
  readonly #deadlines: DeadlineSweeper;
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
    // Deadlines fire at most a tenth of the budget late (55 ms for the default 50 ms).
    this.#deadlines = new DeadlineSweeper(this.#timeoutMs / 10);
    this.#onFailOpen = options.onFailOpen ?? (() => {});
    if (options.client) {
      // Any ioredis major has the commands used here; the type checked at the boundary is the structural one.
      this.client = options.client as unknown as Redis;
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
        retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
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

  get(key: string, report?: FailOpenReporter): Promise<RedisEntry | undefined> {
    return this.#run('get', report, undefined, (c) => c.getBuffer(key), unwrap);
  }

  /** Reads many keys in one round trip; a failed read is all misses. */
  getMany(keys: readonly string[], report?: FailOpenReporter): Promise<(RedisEntry | undefined)[]> {
    const misses = keys.map(() => undefined);
    if (keys.length === 0) return Promise.resolve(misses);
    return this.#run(
      'get',
      report,
      misses,
      (c) => c.mgetBuffer(...keys),
      (values) => keys.map((_, i) => unwrap(values[i] ?? null)),
    );
  }

  /** Writes entries with their TTLs in one round trip; false when it failed open. */
  setMany(
    entries: readonly { key: string; value: Buffer; ttlMs: number }[],
    report?: FailOpenReporter,
  ): Promise<boolean> {
    if (entries.length === 0) return Promise.resolve(true);
    const px = (e: { ttlMs: number }) => Math.max(1, Math.round(e.ttlMs));
    return this.#run(
      'set',
      report,
      false,
      async (c) => {
        if (entries.length === 1) {
          const e = entries[0]!;
          await c.set(e.key, wrap(e.value, e.ttlMs), 'PX', px(e));
          return;
        }
        const p = c.pipeline();
        for (const e of entries) p.set(e.key, wrap(e.value, e.ttlMs), 'PX', px(e));
        const res = await p.exec();
        for (const [err] of res ?? []) if (err) throw err;
      },
      () => true,
    );
  }

  set(key: string, value: Buffer, ttlMs: number, report?: FailOpenReporter): Promise<boolean> {
    return this.setMany([{ key, value, ttlMs }], report);
  }

  /**
   * Takes a short fill lock (SET NX PX). Resolves to the lock token when taken, `null` when another
   * instance holds it, and `undefined` when Redis is unavailable (the caller proceeds uncoordinated).
   */
  tryLock(lockKey: string, ttlMs: number, report?: FailOpenReporter): Promise<string | null | undefined> {
    const token = randomBytes(12).toString('base64url');
    return this.#run(
      'lock',
      report,
      undefined,
      (c) => c.set(lockKey, token, 'PX', Math.max(1, Math.round(ttlMs)), 'NX'),
      (reply): string | null => (reply === 'OK' ? token : null),
    );
  }

  /** Releases a lock only if this caller still holds it (compare-and-delete). */
  async unlock(lockKey: string, token: string, report?: FailOpenReporter): Promise<void> {
    await this.#run(
      'unlock',
      report,
      undefined,
      (c) => c.eval(RELEASE, 1, lockKey, token),
      () => undefined,
    );
  }

  /**
   * One poll of a key another instance is filling: the entry if present, and whether its lock is still
   * held. `undefined` when Redis is unavailable.
   */
  peek(
    key: string,
    lockKey: string,
    report?: FailOpenReporter,
  ): Promise<{ entry?: RedisEntry; locked: boolean } | undefined> {
    return this.#run(
      'poll',
      report,
      undefined,
      (c) => c.pipeline().getBuffer(key).exists(lockKey).exec(),
      (res) => {
        const value = res?.[0]?.[1];
        const entry = Buffer.isBuffer(value) ? unwrap(value) : undefined;
        const locked = res?.[1]?.[1] === 1;
        return entry ? { entry, locked } : { locked };
      },
    );
  }

  async close(): Promise<void> {
    this.#deadlines.close();
    if (!this.#owned) return;
    try {
      if (this.client.status === 'ready') await this.client.quit();
      else this.client.disconnect();
    } catch {
      this.client.disconnect();
    }
  }

  /**
   * Runs one command under the operation budget: the command's reply mapped by `map`, or `fallback` when
   * Redis is down, erroring or slower than the budget (reported, never thrown). Written without async
   * helpers: on a hit this is the whole overhead over a raw GET, one timer and one promise.
   */
  #run<R, T, F>(
    operation: RedisOperation,
    report: FailOpenReporter | undefined,
    fallback: F,
    command: (client: Redis) => Promise<R>,
    map: (reply: R) => T,
  ): Promise<T | F> {
    if (this.client.status !== 'ready') {
      // Only the very first connection is waited for (bounded): later outages fail at once.
      const first = this.#firstConnect;
      if (!first) {
        return Promise.resolve(
          this.#failOpen(operation, report, fallback, `redis not connected (status ${this.client.status})`),
        );
      }
      return within(first, this.#firstConnectWaitMs).then(() =>
        this.ready
          ? this.#run(operation, report, fallback, command, map)
          : this.#failOpen(operation, report, fallback, `redis not connected (status ${this.client.status})`),
      );
    }
    // Inline arrows only, no named helper closures: this runs for every cache read.
    return new Promise<T | F>((resolve) => {
      let done = false;
      const timer = this.#deadlines.add(this.#timeoutMs, () => {
        done = true;
        resolve(
          this.#failOpen(operation, report, fallback, `redis did not answer within ${this.#timeoutMs} ms`),
        );
      });
      let pending: Promise<R>;
      try {
        pending = command(this.client);
      } catch (e) {
        pending = Promise.reject(e);
      }
      pending.then(
        (reply) => {
          if (done) return;
          done = true;
          this.#deadlines.cancel(timer);
          try {
            resolve(map(reply));
          } catch (e) {
            resolve(
              this.#failOpen(operation, report, fallback, `unreadable redis reply: ${(e as Error).message}`),
            );
          }
        },
        (e: unknown) => {
          if (done) return;
          done = true;
          this.#deadlines.cancel(timer);
          resolve(
            this.#failOpen(operation, report, fallback, `redis error: ${(e as Error)?.message ?? String(e)}`),
          );
        },
      );
    });
  }

  /** Reports an operation that failed open (store-wide and to the call) and gives its fallback value. */
  #failOpen<F>(
    operation: RedisOperation,
    report: FailOpenReporter | undefined,
    fallback: F,
    reason: string,
  ): F {
    this.#onFailOpen(operation, reason);
    report?.(operation, reason);
    return fallback;
  }
}

/**
 * Stored values carry their expiry time (a marker byte and 8 bytes of epoch ms before the payload), so one
 * GET gives the value and its remaining lifetime: the memory tier in front keeps it no longer than Redis.
 */
const EXPIRY_MARKER = 0xe7;

function wrap(value: Buffer, ttlMs: number): Buffer {
  const out = Buffer.allocUnsafe(9 + value.byteLength);
  out[0] = EXPIRY_MARKER;
  out.writeDoubleLE(Date.now() + ttlMs, 1);
  value.copy(out, 9);
  return out;
}

function unwrap(stored: Buffer | null): RedisEntry | undefined {
  if (!stored || stored.byteLength < 9 || stored[0] !== EXPIRY_MARKER) return undefined;
  const ttlMs = stored.readDoubleLE(1) - Date.now();
  return ttlMs > 0 ? { value: stored.subarray(9), ttlMs } : undefined;
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
