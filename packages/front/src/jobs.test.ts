import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type JobOutcome,
  type JobRecord,
  JobRunner,
  type JobStore,
  jobId,
  MemoryJobStore,
  RedisJobStore,
} from './jobs.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const prefix = `test:front:jobs:${randomUUID()}:`;
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

const record = (request: unknown = { n: 1 }): JobRecord => ({
  id: jobId(),
  owner: 'owner',
  status: 'queued',
  createdAt: Date.now(),
  attempts: 0,
  request,
});

const until = async (check: () => Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not met in time');
};

describe.each([
  ['memory', (now: () => number) => new MemoryJobStore(now)],
  ['redis', (now: () => number) => new RedisJobStore(redis, `${prefix}${randomUUID()}:`, now)],
] as const)('%s job store', (_name, make) => {
  it('claims each job once while leased, again after the lease runs out', async () => {
    let now = 1_000_000;
    const store: JobStore = make(() => now);
    const job = record();
    await store.create(job, 60_000);
    const first = await store.claim(1000);
    expect(first).toMatchObject({ id: job.id, status: 'running', attempts: 1, request: { n: 1 } });
    expect(await store.claim(1000)).toBeUndefined();
    now += 500;
    await store.renew(job.id, 1000);
    now += 900;
    expect(await store.claim(1000)).toBeUndefined();
    now += 200;
    expect(await store.claim(1000)).toMatchObject({ id: job.id, attempts: 2 });
  });

  it('keeps the result after finish and takes the job out of the queue', async () => {
    const store = make(Date.now);
    const job = record();
    await store.create(job, 60_000);
    await store.claim(1000);
    await store.finish(job.id, { ok: true, result: { answer: 42 } }, 60_000);
    expect(await store.get(job.id)).toMatchObject({ status: 'succeeded', result: { answer: 42 } });
    expect(await store.claim(1000)).toBeUndefined();
  });

  it('puts a released job back at once', async () => {
    const store = make(Date.now);
    const job = record();
    await store.create(job, 60_000);
    await store.claim(60_000);
    await store.release(job.id);
    expect(await store.get(job.id)).toMatchObject({ status: 'queued' });
    expect(await store.claim(60_000)).toMatchObject({ id: job.id, attempts: 2 });
  });
});

describe('JobRunner', () => {
  it('bounds concurrency', async () => {
    const store = new MemoryJobStore();
    let running = 0;
    let peak = 0;
    const runner = new JobRunner(
      store,
      async (): Promise<JobOutcome> => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 20));
        running -= 1;
        return { ok: true, result: 1 };
      },
      { concurrency: 3, ttlMs: 60_000, pollMs: 10 },
    );
    const jobs = Array.from({ length: 12 }, () => record());
    for (const j of jobs) await store.create(j, 60_000);
    runner.start();
    await until(async () =>
      (await Promise.all(jobs.map((j) => store.get(j.id)))).every((j) => j?.status === 'succeeded'),
    );
    await runner.stop();
    expect(peak).toBe(3);
  });

  it('hands a job left by a dead worker to another one (Redis)', async () => {
    const p = `${prefix}${randomUUID()}:`;
    const store = new RedisJobStore(redis, p);
    const job = record();
    await store.create(job, 60_000);
    // A worker claims it and dies without finishing or releasing.
    expect(await store.claim(300)).toMatchObject({ id: job.id });
    const runner = new JobRunner(new RedisJobStore(redis, p), async () => ({ ok: true, result: 'done' }), {
      concurrency: 1,
      ttlMs: 60_000,
      pollMs: 50,
      leaseMs: 300,
    });
    runner.start();
    await until(async () => (await store.get(job.id))?.status === 'succeeded');
    await runner.stop();
    expect(await store.get(job.id)).toMatchObject({ attempts: 2, result: 'done' });
  });

  it('on stop, aborts running jobs and puts them back in the queue', async () => {
    const store = new MemoryJobStore();
    const job = record();
    await store.create(job, 60_000);
    let aborted = false;
    const runner = new JobRunner(
      store,
      (_job, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason);
          });
        }),
      { concurrency: 1, ttlMs: 60_000, pollMs: 10 },
    );
    runner.start();
    await until(async () => (await store.get(job.id))?.status === 'running');
    await runner.stop(50);
    expect(aborted).toBe(true);
    expect(await store.get(job.id)).toMatchObject({ status: 'queued' });
  });

  it('fails a job that was picked up too many times', async () => {
    const store = new MemoryJobStore();
    const job = { ...record(), attempts: 3 };
    await store.create(job, 60_000);
    const runner = new JobRunner(store, async () => ({ ok: true, result: 1 }), {
      concurrency: 1,
      ttlMs: 60_000,
      pollMs: 10,
      maxAttempts: 3,
    });
    runner.start();
    await until(async () => (await store.get(job.id))?.status === 'failed');
    await runner.stop();
    expect((await store.get(job.id))?.error).toMatchObject({ status: 500 });
  });
});
