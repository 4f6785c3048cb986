import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** One async job as stored. `request` is the caller's chat request body; `owner` the caller's key tag. */
export interface JobRecord {
  readonly id: string;
  readonly owner: string;
  readonly status: JobStatus;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** Times a worker has picked the job up (more than 1 after a restart or a lost lease). */
  readonly attempts: number;
  readonly request: unknown;
  /** Tokens charged to the owner's tokens/min at submission, settled when the job ends. */
  readonly charged?: number;
  readonly result?: unknown;
  readonly error?: { readonly status: number; readonly body: unknown };
}

export type JobOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly status: number; readonly body: unknown };

/**
 * Where jobs live. A claimed job is leased, not removed: if its worker dies (the instance restarts), the
 * lease runs out and any instance claims it again, like an SQS visibility timeout.
 */
export interface JobStore {
  create(job: JobRecord, ttlMs: number): Promise<void>;
  get(id: string): Promise<JobRecord | undefined>;
  /** Leases the oldest available job and marks it running; undefined when none is available. */
  claim(leaseMs: number): Promise<JobRecord | undefined>;
  /** Extends the lease of a running job. */
  renew(id: string, leaseMs: number): Promise<void>;
  finish(id: string, outcome: JobOutcome, ttlMs: number): Promise<void>;
  /** Puts a running job back in the queue at once (graceful shutdown). */
  release(id: string): Promise<void>;
  /** Whether the store answers (readiness). */
  ping(): Promise<boolean>;
}

export function jobId(): string {
  return `job_${randomBytes(16).toString('base64url')}`;
}

/**
 * Jobs in this process: lost on restart. The default when no Redis is configured. Queued and leased jobs
 * sit in an insertion-ordered queue, so a claim looks at the few oldest entries, not at every job kept.
 */
export class MemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, { record: JobRecord; expiresAt: number }>();
  /** Unfinished jobs by id → when each becomes available (leased ones later), oldest first. */
  private readonly queue = new Map<string, number>();
  private lastPurge = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Drops expired jobs, at most once a second (a sweep is O(jobs)). */
  private purge(): void {
    const now = this.now();
    if (now - this.lastPurge < 1000) return;
    this.lastPurge = now;
    for (const [id, j] of this.jobs) {
      if (j.expiresAt <= now) {
        this.jobs.delete(id);
        this.queue.delete(id);
      }
    }
  }

  async create(job: JobRecord, ttlMs: number): Promise<void> {
    this.purge();
    this.jobs.set(job.id, { record: job, expiresAt: this.now() + ttlMs });
    this.queue.set(job.id, this.now());
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const j = this.jobs.get(id);
    return j && j.expiresAt > this.now() ? j.record : undefined;
  }

  async claim(leaseMs: number): Promise<JobRecord | undefined> {
    const now = this.now();
    for (const [id, availableAt] of this.queue) {
      if (availableAt > now) continue; // leased: only as many as the workers running
      const j = this.jobs.get(id);
      this.queue.delete(id);
      if (!j || j.expiresAt <= now) continue;
      j.record = { ...j.record, status: 'running', startedAt: now, attempts: j.record.attempts + 1 };
      this.queue.set(id, now + leaseMs); // to the back, invisible until the lease runs out
      return j.record;
    }
    return undefined;
  }

  async renew(id: string, leaseMs: number): Promise<void> {
    if (this.queue.has(id)) this.queue.set(id, this.now() + leaseMs);
  }

  async finish(id: string, outcome: JobOutcome, ttlMs: number): Promise<void> {
    const j = this.jobs.get(id);
    this.queue.delete(id);
    if (!j) return;
    const finishedAt = this.now();
    j.record = outcome.ok
      ? { ...j.record, status: 'succeeded', finishedAt, result: outcome.result }
      : { ...j.record, status: 'failed', finishedAt, error: { status: outcome.status, body: outcome.body } };
    j.expiresAt = finishedAt + ttlMs;
  }

  async release(id: string): Promise<void> {
    const j = this.jobs.get(id);
    if (!j || !this.queue.has(id)) return;
    j.record = { ...j.record, status: 'queued' };
    this.queue.delete(id);
    // Back at the front of the line: it was taken in order.
    const rest = [...this.queue];
    this.queue.clear();
    this.queue.set(id, this.now());
    for (const [k, v] of rest) this.queue.set(k, v);
  }

  async ping(): Promise<boolean> {
    return true;
  }
}

// KEYS: queue, job. ARGV: id, now, lease ms.
const CLAIM_SCRIPT = `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s or tonumber(s) > tonumber(ARGV[2]) then return 0 end
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
redis.call('ZADD', KEYS[1], tonumber(ARGV[2]) + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[2], 'status', 'running', 'startedAt', ARGV[2])
return redis.call('HINCRBY', KEYS[2], 'attempts', 1)
`;

// KEYS: queue, job. ARGV: id, now. Only a job still leased goes back.
const RELEASE_SCRIPT = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('HGET', KEYS[2], 'status') == 'running' then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
  redis.call('HSET', KEYS[2], 'status', 'queued')
end
return 1
`;

/**
 * Jobs in Redis: a hash per job (with a TTL) and one sorted set scored by the time each job becomes
 * available. Every key shares the `{jobs}` hash tag so the scripts also run on Redis Cluster.
 */
export class RedisJobStore implements JobStore {
  private readonly queue: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {
    this.queue = `${prefix}{jobs}:queue`;
  }

  private key(id: string): string {
    return `${this.prefix}{jobs}:job:${id}`;
  }

  async create(job: JobRecord, ttlMs: number): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key(job.id), {
        id: job.id,
        owner: job.owner,
        status: job.status,
        createdAt: job.createdAt,
        attempts: job.attempts,
        request: JSON.stringify(job.request),
        ...(job.charged !== undefined ? { charged: job.charged } : {}),
      })
      .pexpire(this.key(job.id), ttlMs)
      .zadd(this.queue, this.now(), job.id)
      .exec();
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const h = await this.redis.hgetall(this.key(id));
    if (!h.id) return undefined;
    const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
    return {
      id: h.id,
      owner: h.owner ?? '',
      status: (h.status ?? 'queued') as JobStatus,
      createdAt: Number(h.createdAt),
      ...(h.startedAt ? { startedAt: num(h.startedAt) } : {}),
      ...(h.finishedAt ? { finishedAt: num(h.finishedAt) } : {}),
      attempts: Number(h.attempts ?? 0),
      request: h.request ? JSON.parse(h.request) : undefined,
      ...(h.charged ? { charged: Number(h.charged) } : {}),
      ...(h.result ? { result: JSON.parse(h.result) } : {}),
      ...(h.error ? { error: JSON.parse(h.error) } : {}),
    };
  }

  async claim(leaseMs: number): Promise<JobRecord | undefined> {
    // A few candidates: another instance may win the race for the first.
    for (let tries = 0; tries < 3; tries++) {
      const now = this.now();
      const ids = await this.redis.zrangebyscore(this.queue, '-inf', now, 'LIMIT', 0, 3);
      if (ids.length === 0) return undefined;
      for (const id of ids) {
        const attempts = (await this.redis.eval(
          CLAIM_SCRIPT,
          2,
          this.queue,
          this.key(id),
          id,
          now,
          leaseMs,
        )) as number;
        if (attempts > 0) return this.get(id);
      }
    }
    return undefined;
  }

  async renew(id: string, leaseMs: number): Promise<void> {
    await this.redis.zadd(this.queue, 'XX', this.now() + leaseMs, id);
  }

  async finish(id: string, outcome: JobOutcome, ttlMs: number): Promise<void> {
    const fields = outcome.ok
      ? { status: 'succeeded', result: JSON.stringify(outcome.result) }
      : { status: 'failed', error: JSON.stringify({ status: outcome.status, body: outcome.body }) };
    await this.redis
      .multi()
      .hset(this.key(id), { ...fields, finishedAt: this.now() })
      .pexpire(this.key(id), ttlMs)
      .zrem(this.queue, id)
      .exec();
  }

  async release(id: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 2, this.queue, this.key(id), id, this.now());
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }
}

export interface JobRunnerOptions {
  /** Jobs run at once by this instance. */
  readonly concurrency: number;
  /** How long a claimed job stays invisible to other instances without a renewal. @default 30000 */
  readonly leaseMs?: number;
  /** How often an idle worker looks for jobs. @default 1000 */
  readonly pollMs?: number;
  /** A job picked up this many times (its worker kept dying) fails. @default 3 */
  readonly maxAttempts?: number;
  /** Kept results, in ms. */
  readonly ttlMs: number;
}

/**
 * Runs jobs from a store with bounded concurrency. Each running job's lease is renewed while it runs;
 * `stop` stops claiming, waits for running jobs up to a deadline, then aborts the rest and puts them back.
 */
export class JobRunner {
  private readonly running = new Map<string, AbortController>();
  private timer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private filling = false;
  private readonly leaseMs: number;
  private readonly done = new Set<Promise<void>>();

  constructor(
    private readonly store: JobStore,
    private readonly execute: (job: JobRecord, signal: AbortSignal) => Promise<JobOutcome>,
    private readonly options: JobRunnerOptions,
    private readonly onError: (e: unknown, job?: JobRecord) => void = () => {},
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.options.pollMs ?? 1000);
    this.timer.unref();
    this.renewTimer = setInterval(() => this.renew(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.renewTimer.unref();
    this.kick();
  }

  get active(): number {
    return this.running.size;
  }

  /** Claims jobs until the concurrency bound is reached or none is available. */
  kick(): void {
    if (this.stopped || this.filling) return;
    this.filling = true;
    void this.fill().finally(() => {
      this.filling = false;
    });
  }

  private async fill(): Promise<void> {
    while (!this.stopped && this.running.size < this.options.concurrency) {
      let job: JobRecord | undefined;
      try {
        job = await this.store.claim(this.leaseMs);
      } catch (e) {
        this.onError(e);
        return;
      }
      if (!job) return;
      if (this.stopped) {
        await this.store.release(job.id).catch((e) => this.onError(e, job));
        return;
      }
      this.run(job);
    }
  }

  private run(job: JobRecord): void {
    const controller = new AbortController();
    this.running.set(job.id, controller);
    const p = (async () => {
      const maxAttempts = this.options.maxAttempts ?? 3;
      let outcome: JobOutcome;
      if (job.attempts > maxAttempts) {
        outcome = {
          ok: false,
          status: 500,
          body: {
            error: {
              message: `the job was interrupted ${maxAttempts} times and was given up`,
              type: 'server_error',
              param: null,
              code: 'job_interrupted',
            },
          },
        };
      } else {
        try {
          outcome = await this.execute(job, controller.signal);
        } catch (e) {
          if (controller.signal.aborted) return; // stop() puts it back
          this.onError(e, job);
          outcome = {
            ok: false,
            status: 500,
            body: {
              error: { message: 'the job failed', type: 'server_error', param: null, code: 'internal_error' },
            },
          };
        }
      }
      if (controller.signal.aborted) return;
      await this.store.finish(job.id, outcome, this.options.ttlMs).catch((e) => this.onError(e, job));
    })().finally(() => {
      this.running.delete(job.id);
      this.done.delete(p);
      this.kick();
    });
    this.done.add(p);
  }

  private renew(): void {
    for (const id of this.running.keys()) {
      this.store.renew(id, this.leaseMs).catch((e) => this.onError(e));
    }
  }

  /** Stops claiming; waits up to `drainMs` for running jobs, then aborts them and puts them back in the queue. */
  async stop(drainMs = 0): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const wait = Promise.allSettled([...this.done]);
    if (drainMs > 0) {
      await Promise.race([wait, new Promise((r) => setTimeout(r, drainMs).unref())]);
    }
    const left = [...this.running.keys()];
    for (const controller of this.running.values()) controller.abort(new Error('the front is shutting down'));
    await Promise.allSettled(left.map((id) => this.store.release(id)));
    await Promise.allSettled([...this.done]);
    clearInterval(this.renewTimer);
  }
}
