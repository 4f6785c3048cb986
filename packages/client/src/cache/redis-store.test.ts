import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisChild, startRedisChild } from './redis-server.test-utils.js';
import { type RedisOperation, RedisStore } from './redis-store.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `test:redis-store:${randomUUID()}:`;

describe('RedisStore against the shared Redis', () => {
  let store: RedisStore;
  let admin: Redis;
  beforeAll(() => {
    store = new RedisStore({ url: REDIS_URL });
    admin = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await store.close();
    admin.disconnect();
  });

  it('writes with a TTL and reads the value back with its remaining TTL', async () => {
    expect(await store.set(`${prefix}a`, Buffer.from('hello'), 60_000)).toBe(true);
    const entry = await store.get(`${prefix}a`);
    expect(entry?.value.toString()).toBe('hello');
    expect(entry?.ttlMs).toBeGreaterThan(50_000);
    expect(entry?.ttlMs).toBeLessThanOrEqual(60_000);
    expect(await admin.pttl(`${prefix}a`)).toBeGreaterThan(0);
  });

  it('reads many keys in one round trip, misses as undefined', async () => {
    await store.setMany([
      { key: `${prefix}m1`, value: Buffer.from('1'), ttlMs: 60_000 },
      { key: `${prefix}m2`, value: Buffer.from('2'), ttlMs: 60_000 },
    ]);
    const got = await store.getMany([`${prefix}m1`, `${prefix}nope`, `${prefix}m2`]);
    expect(got.map((e) => e?.value.toString())).toEqual(['1', undefined, '2']);
  });

  it('lets one holder take the fill lock and only the holder release it', async () => {
    const lock = `${prefix}lock`;
    const token = await store.tryLock(lock, 5000);
    expect(typeof token).toBe('string');
    expect(await store.tryLock(lock, 5000)).toBeNull();
    await store.unlock(lock, 'someone-else');
    expect(await admin.exists(lock)).toBe(1);
    expect(await store.peek(`${prefix}filled`, lock)).toEqual({ locked: true });
    await store.unlock(lock, token!);
    expect(await admin.exists(lock)).toBe(0);
    expect(await store.peek(`${prefix}filled`, lock)).toEqual({ locked: false });
  });
});

describe('RedisStore failing open', () => {
  let child: RedisChild;
  beforeAll(async () => {
    child = await startRedisChild();
  });
  afterAll(async () => {
    await child.kill();
  });

  it('answers misses within the operation timeout while the server is blocked, and reports each', async () => {
    const failures: RedisOperation[] = [];
    const store = new RedisStore({
      url: child.url,
      operationTimeoutMs: 50,
      onFailOpen: (op) => failures.push(op),
    });
    const blocker = new Redis(child.url);
    try {
      await store.set('k', Buffer.from('v'), 60_000);
      expect((await store.get('k'))?.value.toString()).toBe('v');
      // DEBUG SLEEP blocks the whole server: every command waits, as with a stalled Redis.
      const sleeping = blocker.call('DEBUG', 'SLEEP', '1.5');
      await new Promise((r) => setTimeout(r, 20));
      const t0 = performance.now();
      const [got, locked, stored] = await Promise.all([
        store.get('k'),
        store.tryLock('l', 1000),
        store.set('k2', Buffer.from('x'), 1000),
      ]);
      const elapsed = performance.now() - t0;
      expect(got).toBeUndefined();
      expect(locked).toBeUndefined();
      expect(stored).toBe(false);
      expect(elapsed).toBeLessThan(1000); // bounded by the 50 ms budget, not the 1.5 s stall
      expect(failures.sort()).toEqual(['get', 'lock', 'set']);
      await sleeping;
    } finally {
      blocker.disconnect();
      await store.close();
    }
  });

  it('fails at once while the server is down, and recovers when it is back', async () => {
    const other = await startRedisChild();
    const failures: string[] = [];
    const store = new RedisStore({ url: other.url, onFailOpen: (_op, reason) => failures.push(reason) });
    try {
      expect(await store.set('k', Buffer.from('v'), 60_000)).toBe(true);
      await other.kill();
      await new Promise((r) => setTimeout(r, 50));
      const t0 = performance.now();
      for (let i = 0; i < 40; i++) expect(await store.get('k')).toBeUndefined();
      expect(performance.now() - t0).toBeLessThan(1000); // no 50 ms wait per call (2 s) while down
      expect(failures.length).toBe(40);
      expect(failures[0]).toMatch(/not connected/);
      // Same port again: ioredis reconnects in the background.
      const again = await startRedisChild(other.port);
      try {
        const until = Date.now() + 5000;
        while (!store.ready && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
        expect(store.ready).toBe(true);
        expect(await store.set('k', Buffer.from('w'), 60_000)).toBe(true);
        expect((await store.get('k'))?.value.toString()).toBe('w');
      } finally {
        await again.kill();
      }
    } finally {
      await store.close();
    }
  });

  it('waits for the first connection (bounded) instead of failing the first calls', async () => {
    const store = new RedisStore({ url: child.url });
    try {
      expect(store.ready).toBe(false);
      expect(await store.set('first', Buffer.from('1'), 60_000)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('rejects a URL that is not redis:// without echoing a password', () => {
    expect(() => new RedisStore({ url: 'http://user:secret@host' })).toThrow(
      /redis:\/\/ or rediss:\/\/.*\*\*\*@host/,
    );
    expect(() => new RedisStore({ url: 'http://user:secret@host' })).not.toThrow(/secret/);
  });
});
