import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type AuthThrottle, LogSampler, MemoryAuthThrottle, RedisAuthThrottle } from './auth-throttle.js';

const MINUTE = 60_000;

/** The same behaviour from both counters: blocked at the limit, per address, until the failures age out. */
async function behaves(make: (now: () => number) => AuthThrottle, start: number) {
  let now = start;
  const throttle = make(() => now);
  for (let i = 1; i <= 3; i++) {
    expect(await throttle.blockedFor('10.0.0.1')).toBe(0);
    expect(await throttle.fail('10.0.0.1')).toBe(i);
  }
  const wait = await throttle.blockedFor('10.0.0.1');
  expect(wait).toBeGreaterThanOrEqual(1000);
  expect(await throttle.blockedFor('10.0.0.2')).toBe(0);
  // After the wait it may try again; a moment before, it may not.
  now += wait - 1500;
  expect(await throttle.blockedFor('10.0.0.1')).toBeGreaterThan(0);
  now += 1500;
  expect(await throttle.blockedFor('10.0.0.1')).toBe(0);
}

describe('MemoryAuthThrottle', () => {
  it('blocks an address at the limit until its failures age out', async () => {
    await behaves((now) => new MemoryAuthThrottle(3, now), MINUTE * 100 + 30_000);
  });
});

describe('RedisAuthThrottle', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  const prefix = `test:front:af:${randomUUID()}:`;
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('blocks an address at the limit until its failures age out, across instances', async () => {
    await behaves((now) => new RedisAuthThrottle(redis, 3, prefix, undefined, now), MINUTE * 200 + 30_000);
    const now = () => MINUTE * 300;
    const [a, b] = [
      new RedisAuthThrottle(redis, 2, prefix, undefined, now),
      new RedisAuthThrottle(redis, 2, prefix, undefined, now),
    ];
    await a.fail('192.0.2.1');
    await b.fail('192.0.2.1');
    expect(await a.blockedFor('192.0.2.1')).toBeGreaterThan(0);
    expect(await redis.pttl(`${prefix}af:{192.0.2.1}:300`)).toBeGreaterThan(MINUTE);
  });

  it('fails open when Redis is down', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    const errors: unknown[] = [];
    const throttle = new RedisAuthThrottle(dead, 1, prefix, (e) => errors.push(e));
    await throttle.fail('x');
    await throttle.fail('x');
    expect(await throttle.blockedFor('x')).toBe(0);
    expect(errors).toHaveLength(3);
    dead.disconnect();
  });
});

describe('LogSampler', () => {
  it('lets one line a minute through per key and counts the others', () => {
    let now = MINUTE * 10;
    const sampler = new LogSampler(() => now);
    expect(sampler.take('a')).toEqual({ log: true, skipped: 0 });
    expect(sampler.take('a')).toEqual({ log: false, skipped: 1 });
    expect(sampler.take('a')).toEqual({ log: false, skipped: 2 });
    expect(sampler.take('b')).toEqual({ log: true, skipped: 0 });
    now += MINUTE;
    expect(sampler.take('a')).toEqual({ log: true, skipped: 2 });
  });
});
