import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredChunk } from './chunk-text-store.js';
import { redisChunkTextStore } from './redis-chunk-text-store.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
let redis: Redis;
const prefix = `test:chunks:${randomUUID()}:`;

const chunk = (id: string, vectorStoreId: string, fileId: string, text = id): StoredChunk => ({
  id,
  vectorStoreId,
  fileId,
  text,
  attributes: { n: 1, s: 'x', b: true },
});

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('redisChunkTextStore', () => {
  it('stores chunks, lists them by file and store, moves and deletes them', async () => {
    const store = redisChunkTextStore({ redis, keyPrefix: prefix });
    await store.put([chunk('a', 's1', 'f1'), chunk('b', 's1', 'f1'), chunk('c', 's1', 'f:2')]);
    expect(await store.get(['b', 'missing', 'a'])).toEqual([
      chunk('b', 's1', 'f1'),
      undefined,
      chunk('a', 's1', 'f1'),
    ]);
    expect((await store.idsOfFile('s1', 'f1')).sort()).toEqual(['a', 'b']);
    expect(await store.idsOfFile('s1', 'f:2')).toEqual(['c']);
    // The same id in another file and store leaves its old lists.
    await store.put([chunk('b', 's2', 'f9', 'moved')]);
    expect(await store.idsOfFile('s1', 'f1')).toEqual(['a']);
    expect((await store.idsOfStore('s1')).sort()).toEqual(['a', 'c']);
    expect(await store.idsOfStore('s2')).toEqual(['b']);
    await store.delete(['a', 'b', 'never']);
    expect(await store.get(['a', 'b'])).toEqual([undefined, undefined]);
    expect(await store.idsOfStore('s1')).toEqual(['c']);
    expect(await store.idsOfStore('s2')).toEqual([]);
    // A client it was given stays open.
    await store.close();
    expect(await redis.ping()).toBe('PONG');
  });

  it('reports an unreachable Redis as `unavailable`', async () => {
    const store = redisChunkTextStore({ redis: 'redis://127.0.0.1:1', keyPrefix: prefix });
    await expect(store.get(['a'])).rejects.toMatchObject({
      name: 'GenAiError',
      kind: 'unavailable',
      message: 'Redis chunk text store: get failed; check that Redis is reachable',
    });
    await store.close();
  });
});
