import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { GenerateNext } from '../layer.js';
import { gcraWait, MemoryRateLimitStore, perMinute } from './gcra.js';
import { CLIENT_RATE_LIMIT_CODE, createRateLimitLayer, estimateGenerate } from './rate-limit.js';
import { RedisRateLimitStore } from './redis-rate-limit-store.js';
import { A, context, error, ofType, request, result } from './resilience.test-utils.js';

const ok: GenerateNext = async (_req, ctx) => result(ctx.target!);

describe('GCRA', () => {
  it('admits a burst, then spaces calls by the interval', () => {
    const limit = perMinute(600, 1); // 10/s, burst 10
    let tat = 0;
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = gcraWait(tat, 0, limit, 1);
      waits.push(r.wait);
      tat = r.newTat;
    }
    expect(waits.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(waits[10]).toBeCloseTo(100);
    expect(waits[11]).toBeCloseTo(200);
  });

  it('admits a cost larger than the burst on an idle schedule, as debt', () => {
    const limit = perMinute(6_000, 1); // 100 tokens/s, burst 100
    const first = gcraWait(0, 0, limit, 500);
    expect(first.wait).toBe(0);
    expect(gcraWait(first.newTat, 0, limit, 1).wait).toBeCloseTo(4_010); // 500 tokens = 5 s of schedule, 1 s of burst
  });

  it('books both dimensions or neither', () => {
    const store = new MemoryRateLimitStore(() => 0);
    const spec = { requests: perMinute(60, 1), tokens: perMinute(60, 1), tokenCost: 1, maxWaitMs: 0 };
    expect(store.reserveSync('k', spec)).toEqual({ admitted: true, waitMs: 0 });
    expect(store.reserveSync('k', spec)).toMatchObject({ admitted: false, retryAfterMs: 1_000 });
    expect(store.reserveSync('k', { ...spec, maxWaitMs: 1_000 })).toEqual({ admitted: true, waitMs: 1_000 });
  });
});

describe('rate limit layer', () => {
  it('holds calls back to the requests/min rate and reports the waits', async () => {
    const layer = createRateLimitLayer({ requestsPerMinute: 1_200, burstSeconds: 0.1, adaptive: false }); // 20/s, burst 2
    const { ctx, events } = context({ target: A });
    const started = Date.now();
    for (let i = 0; i < 6; i++) await layer.generate!(request(), ctx, ok);
    // 2 at once, then 4 more at 50 ms apart.
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    expect(ofType(events, 'rate-limit-wait').length).toBeGreaterThanOrEqual(3);
  });

  it('fails at once with throttled + retryAfterMs when the slot is beyond maxWaitMs', async () => {
    const layer = createRateLimitLayer({
      requestsPerMinute: 60,
      burstSeconds: 1,
      maxWaitMs: 100,
      adaptive: false,
    });
    const { ctx } = context({ target: A });
    await layer.generate!(request(), ctx, ok);
    const started = Date.now();
    const e = await layer.generate!(request(), ctx, ok).catch((x: unknown) => x);
    expect(Date.now() - started).toBeLessThan(100);
    expect(e).toMatchObject({ kind: 'throttled', code: CLIENT_RATE_LIMIT_CODE, retryable: false, target: A });
    expect((e as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(900);
  });

  it('a wait is abortable and gives its slot back', async () => {
    const layer = createRateLimitLayer({
      requestsPerMinute: 60,
      burstSeconds: 1,
      maxWaitMs: 5_000,
      adaptive: false,
    });
    await layer.generate!(request(), context({ target: A }).ctx, ok);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    await expect(
      layer.generate!(request(), context({ target: A, signal: controller.signal }).ctx, ok),
    ).rejects.toMatchObject({
      kind: 'aborted',
    });
    expect(Date.now() - started).toBeLessThan(500);
    // The aborted call gave its slot back: the next one is told ~1 s, not ~2 s.
    const e = await layer.generate!(request(), context({ target: A, deadlineMs: 10 }).ctx, ok).catch(
      (x: unknown) => x,
    );
    expect((e as { retryAfterMs: number }).retryAfterMs).toBeLessThan(1_100);
  });

  it('counts tokens: estimate from input and maxTokens, corrected by reported usage', async () => {
    expect(estimateGenerate(request(), 1024)).toBe(3 + 16);
    expect(estimateGenerate({ ...request(), maxTokens: undefined }, 1024)).toBe(3 + 1024);
    // 600 tokens/min, burst 1 s = 10 tokens; a call estimated at 19 tokens reporting 5 used.
    const layer = createRateLimitLayer({
      tokensPerMinute: 600,
      burstSeconds: 1,
      maxWaitMs: 10_000,
      adaptive: false,
    });
    const { ctx, events } = context({ target: A });
    await layer.generate!(request(), ctx, ok);
    await delay(10);
    const started = Date.now();
    await layer.generate!(request(), ctx, ok);
    // Without the correction (19 booked) the second call would wait ~1.9 s; with it (5 booked) ~0.5 s.
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(ofType(events, 'rate-limit-wait')).toHaveLength(1);
  });

  it('cuts the rate adaptively after throttling and does not count its own rejections', async () => {
    const layer = createRateLimitLayer({ maxWaitMs: 50 });
    const { ctx } = context({ target: A });
    for (let i = 0; i < 20; i++) await layer.generate!(request(), ctx, ok);
    expect(layer.adaptiveRate(A.id)).toBe(Number.POSITIVE_INFINITY);
    await layer.generate!(request(), ctx, async () => {
      throw error('throttled');
    }).catch(() => undefined);
    const cut = layer.adaptiveRate(A.id);
    expect(cut).toBeLessThan(Number.POSITIVE_INFINITY);
    let rejected = 0;
    await Promise.all(
      Array.from({ length: 100 }, () =>
        layer.generate!(request(), ctx, ok).catch((e: { code?: string }) => {
          if (e.code === CLIENT_RATE_LIMIT_CODE) rejected++;
        }),
      ),
    );
    expect(rejected).toBeGreaterThan(0);
    // Its own rejections are not throttling signals: the rate was not cut again by them.
    expect(layer.adaptiveRate(A.id)).toBeGreaterThanOrEqual(cut * 0.99);
  });

  it('rejects bad settings with what it received', () => {
    expect(() => createRateLimitLayer({ requestsPerMinute: -1 })).toThrow(
      /rateLimit.requestsPerMinute must be a number > 0, received -1/,
    );
    expect(() => createRateLimitLayer({ targets: { x: { tokensPerMinute: 0 } } })).toThrow(
      /targets\["x"\]\.tokensPerMinute/,
    );
  });
});

describe('Redis rate limit store', () => {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `test:client-rl:${randomUUID()}:`;
  const one = new Redis(url, { lazyConnect: true });
  const two = new Redis(url, { lazyConnect: true });

  afterAll(async () => {
    const keys = await one.keys(`${prefix}*`);
    if (keys.length > 0) await one.del(...keys);
    one.disconnect();
    two.disconnect();
  });

  it('two processes share one quota through one atomic script', async () => {
    const a = new RedisRateLimitStore({ redis: one, keyPrefix: prefix });
    const b = new RedisRateLimitStore({ redis: two, keyPrefix: prefix });
    const spec = { requests: perMinute(60, 10), tokenCost: 0, maxWaitMs: 0 }; // burst of 10
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).reserve('shared', spec)),
    );
    expect(results.filter((r) => r.admitted)).toHaveLength(10);
    const refused = results.find((r) => !r.admitted);
    expect(refused).toMatchObject({ admitted: false });
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    // Keys expire on their own.
    const ttl = await one.pttl(`${prefix}{shared}:r`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThan(25_000);
  });

  it('books tokens and adjusts them by reported usage', async () => {
    const store = new RedisRateLimitStore({ redis: one, keyPrefix: prefix });
    const tokens = perMinute(6_000, 1); // 100 tokens/s, burst 100
    expect(await store.reserve('tok', { tokens, tokenCost: 100, maxWaitMs: 0 })).toMatchObject({
      admitted: true,
    });
    expect(await store.reserve('tok', { tokens, tokenCost: 50, maxWaitMs: 0 })).toMatchObject({
      admitted: false,
    });
    await store.adjust('tok', { tokens, requestDelta: 0, tokenDelta: -80 });
    expect(await store.reserve('tok', { tokens, tokenCost: 50, maxWaitMs: 0 })).toMatchObject({
      admitted: true,
    });
  });

  it('the layer shares the quota between two clients', async () => {
    const options = {
      requestsPerMinute: 60,
      burstSeconds: 5,
      maxWaitMs: 0,
      adaptive: false,
      redisKeyPrefix: prefix,
    };
    const first = createRateLimitLayer({ ...options, redis: one });
    const second = createRateLimitLayer({ ...options, redis: two });
    let admitted = 0;
    for (let i = 0; i < 10; i++) {
      await (i % 2 ? first : second).generate!(request(), context({ target: A }).ctx, ok).then(
        () => admitted++,
        () => undefined,
      );
    }
    expect(admitted).toBe(5);
  });
});
