import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { decide, MemoryRateLimiter, RedisRateLimiter } from './rate-limit.js';

const limits = { requestsPerMinute: 10, tokensPerMinute: 1000 };

describe('decide (sliding window)', () => {
  it('weights the previous minute by its overlap with the window', () => {
    // 30 s into the minute: half of the previous minute's 10 requests still count.
    expect(decide({ rc: 4, rp: 10, tc: 0, tp: 0 }, limits, 0, 30_000).ok).toBe(true);
    expect(decide({ rc: 5, rp: 10, tc: 0, tp: 0 }, limits, 0, 30_000).ok).toBe(false);
  });

  it('gives a Retry-After that would let the request through', () => {
    const now = 30_000;
    const d = decide({ rc: 5, rp: 10, tc: 0, tp: 0 }, limits, 0, now);
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.limit).toBe('requests');
    // After the wait, the same counts pass.
    expect(decide({ rc: 5, rp: 10, tc: 0, tp: 0 }, limits, 0, now + d.retryAfterMs).ok).toBe(true);
    expect(decide({ rc: 5, rp: 10, tc: 0, tp: 0 }, limits, 0, now + d.retryAfterMs - 1500).ok).toBe(false);
  });

  it('lets a request larger than the token budget through only when nothing else was used', () => {
    expect(decide({ rc: 0, rp: 0, tc: 0, tp: 0 }, limits, 5000, 0).ok).toBe(true);
    const d = decide({ rc: 1, rp: 0, tc: 10, tp: 0 }, limits, 995, 0);
    expect(d).toMatchObject({ ok: false, limit: 'tokens' });
  });
});

describe('MemoryRateLimiter', () => {
  it('counts per key and rolls the window over', async () => {
    let now = 60_000 * 100;
    const limiter = new MemoryRateLimiter(limits, () => now);
    for (let i = 0; i < 10; i++) expect((await limiter.take('a', 1)).ok).toBe(true);
    expect((await limiter.take('a', 1)).ok).toBe(false);
    expect((await limiter.take('b', 1)).ok).toBe(true);
    now += 60_000 + 59_000; // almost the end of the next minute: the previous one weighs 1/60
    expect((await limiter.take('a', 1)).ok).toBe(true);
  });

  it('charges more tokens to a request already counted without counting it again', async () => {
    const limiter = new MemoryRateLimiter(limits, () => 0);
    for (let i = 0; i < 10; i++) expect((await limiter.take('a', 10, 0)).ok).toBe(true);
    expect((await limiter.take('a', 1)).ok).toBe(true); // 0 requests counted so far
    expect(await limiter.take('a', 950, 0)).toMatchObject({ ok: false, limit: 'tokens' });
  });

  it('corrects tokens with the reported usage', async () => {
    const limiter = new MemoryRateLimiter(limits, () => 0);
    expect((await limiter.take('a', 100)).ok).toBe(true);
    await limiter.adjust('a', 900); // the answer was long
    expect(await limiter.take('a', 100)).toMatchObject({ ok: false, limit: 'tokens' });
    await limiter.adjust('a', -500);
    expect((await limiter.take('a', 100)).ok).toBe(true);
  });
});

describe('RedisRateLimiter', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  const prefix = `test:front:rl:${randomUUID()}:`;
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('shares one budget across instances', async () => {
    const now = () => 60_000 * 1000 + 1000;
    const a = new RedisRateLimiter(redis, limits, prefix, undefined, now);
    const b = new RedisRateLimiter(redis, limits, prefix, undefined, now);
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 ? a : b).take('key1', 1)));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    const refused = results.find((r) => !r.ok);
    expect(refused).toMatchObject({ ok: false, limit: 'requests' });
    expect((await a.take('key2', 1)).ok).toBe(true);
  });

  it('charges and corrects tokens atomically', async () => {
    const now = () => 60_000 * 2000 + 1000;
    const a = new RedisRateLimiter(redis, limits, prefix, undefined, now);
    expect((await a.take('tok', 600)).ok).toBe(true);
    expect(await a.take('tok', 600)).toMatchObject({ ok: false, limit: 'tokens' });
    await a.adjust('tok', -300);
    expect((await a.take('tok', 600)).ok).toBe(true);
  });

  it('charges more tokens to a request already counted without counting it again', async () => {
    const now = () => 60_000 * 3000 + 1000;
    const a = new RedisRateLimiter(redis, limits, prefix, undefined, now);
    for (let i = 0; i < 10; i++) expect((await a.take('more', 10, 0)).ok).toBe(true);
    expect((await a.take('more', 1)).ok).toBe(true);
    expect(await redis.get(`${prefix}rl:{more}:r:3000`)).toBe('1');
    expect(await a.take('more', 950, 0)).toMatchObject({ ok: false, limit: 'tokens' });
  });

  it('fails open when Redis is down', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    const errors: unknown[] = [];
    const limiter = new RedisRateLimiter(dead, { requestsPerMinute: 1, tokensPerMinute: 1 }, prefix, (e) =>
      errors.push(e),
    );
    expect((await limiter.take('x', 1)).ok).toBe(true);
    expect((await limiter.take('x', 1)).ok).toBe(true);
    expect(errors.length).toBeGreaterThan(0);
    dead.disconnect();
  });
});
