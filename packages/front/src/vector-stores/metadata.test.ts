import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryVectorStoreMetadata, type VectorStoreMetadata } from './metadata.js';
import { type FileRecord, newId, type StoreFileRecord, type StoreRecord } from './records.js';
import { RedisVectorStoreMetadata } from './redis-metadata.js';

const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis.disconnect();
});

const IMPLEMENTATIONS: readonly [string, () => VectorStoreMetadata][] = [
  ['memory', () => new MemoryVectorStoreMetadata()],
  [
    'redis',
    () => {
      const prefix = `test:vs-meta:${randomUUID()}:`;
      prefixes.push(prefix);
      return new RedisVectorStoreMetadata(redis, prefix);
    },
  ],
];

const file = (owner: string, createdAt = Date.now()): FileRecord => ({
  id: newId('file-'),
  owner,
  filename: 'a.txt',
  bytes: 3,
  purpose: 'assistants',
  createdAt,
});
const store = (owner: string): StoreRecord => ({
  id: newId('vs_'),
  owner,
  name: 'docs',
  metadata: { team: 'a' },
  createdAt: Date.now(),
});
const attachment = (
  owner: string,
  storeId: string,
  fileId: string,
  run = newId('run_'),
): StoreFileRecord => ({
  id: fileId,
  vectorStoreId: storeId,
  owner,
  filename: 'a.txt',
  createdAt: Date.now(),
  status: 'in_progress',
  lastError: null,
  usageBytes: 0,
  chunks: 0,
  attributes: { year: 2024 },
  chunking: { maxChunkSizeTokens: 800, chunkOverlapTokens: 400 },
  run,
});

describe.each(IMPLEMENTATIONS)('%s vector store metadata', (_, make) => {
  it('keeps files with their bytes, visible to their owner only', async () => {
    const meta = make();
    const f = file('alice', 1000);
    const g = file('alice', 2000);
    await meta.addFile(f, new Uint8Array([1, 2, 3]));
    await meta.addFile(g, new Uint8Array([4]));
    await meta.addFile(file('bob'), new Uint8Array([5]));
    expect(await meta.file('alice', f.id)).toEqual(f);
    expect(Buffer.from((await meta.fileBytes('alice', f.id))!)).toEqual(Buffer.from([1, 2, 3]));
    expect(await meta.file('bob', f.id)).toBeUndefined();
    expect(await meta.fileBytes('bob', f.id)).toBeUndefined();
    expect((await meta.files('alice')).map((x) => x.id).sort()).toEqual([f.id, g.id].sort());
    expect(await meta.removeFile('bob', f.id)).toBe(false);
    expect(await meta.removeFile('alice', f.id)).toBe(true);
    expect(await meta.file('alice', f.id)).toBeUndefined();
    expect(await meta.fileBytes('alice', f.id)).toBeUndefined();
    expect((await meta.files('alice')).map((x) => x.id)).toEqual([g.id]);
  });

  it('keeps stores and their owner; removing a store removes its attachments', async () => {
    const meta = make();
    const s = store('alice');
    const f = file('alice');
    await meta.addStore(s);
    await meta.putStoreFile(attachment('alice', s.id, f.id));
    expect(await meta.store('alice', s.id)).toEqual(s);
    expect(await meta.store('bob', s.id)).toBeUndefined();
    expect(await meta.storeOwner(s.id)).toBe('alice');
    expect(await meta.fileStores('alice', f.id)).toEqual([s.id]);
    expect(await meta.stores('bob')).toEqual([]);
    expect(await meta.removeStore('bob', s.id)).toBe(false);
    expect(await meta.removeStore('alice', s.id)).toBe(true);
    expect(await meta.store('alice', s.id)).toBeUndefined();
    expect(await meta.storeOwner(s.id)).toBeUndefined();
    expect(await meta.storeFiles('alice', s.id)).toEqual([]);
    expect(await meta.fileStores('alice', f.id)).toEqual([]);
  });

  it('settles an attachment only from its current run, and only once', async () => {
    const meta = make();
    const s = store('alice');
    const f = file('alice');
    await meta.addStore(s);
    const first = attachment('alice', s.id, f.id);
    await meta.putStoreFile(first);
    // Attached again: the first run may no longer settle it.
    const second = attachment('alice', s.id, f.id);
    await meta.putStoreFile(second);
    const done = { status: 'completed', lastError: null, usageBytes: 42, chunks: 2 } as const;
    expect(await meta.settleStoreFile('alice', s.id, f.id, first.run, done)).toBe(false);
    expect(await meta.settleStoreFile('bob', s.id, f.id, second.run, done)).toBe(false);
    expect(await meta.settleStoreFile('alice', s.id, f.id, second.run, done)).toBe(true);
    expect(await meta.storeFile('alice', s.id, f.id)).toEqual({ ...second, ...done });
    const failed = {
      status: 'failed',
      lastError: { code: 'server_error', message: 'x' },
      usageBytes: 0,
      chunks: 0,
    };
    expect(await meta.settleStoreFile('alice', s.id, f.id, second.run, failed as never)).toBe(false);
    expect(await meta.removeStoreFile('alice', s.id, f.id)).toBe(true);
    expect(await meta.removeStoreFile('alice', s.id, f.id)).toBe(false);
    expect(await meta.settleStoreFile('alice', s.id, f.id, second.run, done)).toBe(false);
    expect(await meta.fileStores('alice', f.id)).toEqual([]);
  });
});
