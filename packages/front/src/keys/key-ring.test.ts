import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ApiKeys } from '../auth.js';
import { HttpError } from '../errors.js';
import { KeyRing } from './key-ring.js';
import { MemoryKeyStore, RedisKeyStore } from './store.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Two rings (two instances) on one store, on a clock the test moves. */
function twoInstances(cacheMs = 500) {
  const clock = { t: Date.parse('2026-12-04T12:00:00Z') };
  const store = new MemoryKeyStore();
  const options = { cacheMs, now: () => clock.t };
  const fixed = ApiKeys.from({ keys: ['sk-env'] });
  return { clock, a: new KeyRing(fixed, store, options), b: new KeyRing(fixed, store, options) };
}

describe('KeyRing', () => {
  it("sees another instance's changes once its cached answer is older than cacheMs", async () => {
    const { clock, a, b } = twoInstances();
    const { view, secret } = await a.create({ models: ['chat'] });
    expect(await b.verify(secret)).toMatchObject({ id: view.id, models: ['chat'] });
    // Disabled on A: A sees it at once, B once its cached answer is 500 ms old.
    await a.update(view.id, { disabled: true });
    expect(await a.verify(secret)).toMatchObject({ disabled: true });
    clock.t += 499;
    expect((await b.verify(secret))?.disabled).toBeUndefined();
    clock.t += 1;
    expect(await b.verify(secret)).toMatchObject({ disabled: true });
    // Deleted on A: the same.
    await a.remove(view.id);
    expect(await a.verify(secret)).toBeUndefined();
    expect(await b.verify(secret)).toBeDefined();
    clock.t += 500;
    expect(await b.verify(secret)).toBeUndefined();
  });

  it('accepts a rotated-out secret until its grace ends, and keeps the id', async () => {
    const { clock, a } = twoInstances(0);
    const { view, secret } = await a.create({});
    const rotated = await a.rotate(view.id, 60);
    expect(rotated.view.id).toBe(view.id);
    expect((await a.verify(rotated.secret))?.id).toBe(view.id);
    expect((await a.verify(secret))?.id).toBe(view.id);
    clock.t += 60_000;
    expect(await a.verify(secret)).toBeUndefined();
    expect((await a.verify(rotated.secret))?.id).toBe(view.id);
  });

  it('refuses to change keys of the environment and unknown ids', async () => {
    const { a } = twoInstances();
    const envId = (await a.list()).find((k) => k.source === 'environment')!.id;
    await expect(a.update(envId, { disabled: true })).rejects.toMatchObject({
      status: 409,
      code: 'key_from_environment',
    });
    await expect(a.remove('0123456789abcdef')).rejects.toMatchObject({ status: 404, code: 'key_not_found' });
  });

  it('keeps a key it has seen through a Redis outage, and answers 503 for one it cannot check', async () => {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 0 });
    const prefix = `test:key-ring:${Date.now()}:`;
    const clock = { t: Date.now() };
    const errors: unknown[] = [];
    const ring = new KeyRing(ApiKeys.from({}), new RedisKeyStore(redis, prefix), {
      now: () => clock.t,
      onError: (e) => errors.push(e),
    });
    try {
      const { view, secret } = await ring.create({ team: 'web' });
      expect(await ring.verify(secret)).toMatchObject({ id: view.id, team: 'web' });
      const keys = await redis.keys(`${prefix}*`);
      expect(keys.some((k) => k.includes(secret))).toBe(false);
      await redis.del(...keys);
      redis.disconnect();
      clock.t += 1000;
      expect(await ring.verify(secret)).toMatchObject({ id: view.id });
      const unknown = await ring.verify('sk-never-seen').catch((e: unknown) => e);
      expect(unknown).toBeInstanceOf(HttpError);
      expect(unknown).toMatchObject({ status: 503, code: 'key_store_unavailable' });
      expect(errors.length).toBe(2);
    } finally {
      redis.disconnect();
    }
  });
});
