import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store.js';

describe('MemoryStore', () => {
  it('is bounded by bytes, evicting the least recently used', () => {
    const store = new MemoryStore({ maxBytes: 1000 });
    store.set('a', 'A', 400, 60_000);
    store.set('b', 'B', 400, 60_000);
    expect(store.get('a')).toBe('A'); // a is now the most recently used
    store.set('c', 'C', 400, 60_000);
    expect(store.get('b')).toBeUndefined();
    expect(store.get('a')).toBe('A');
    expect(store.get('c')).toBe('C');
    expect(store.bytes).toBe(800);
  });

  it('never holds an entry larger than the whole budget', () => {
    const store = new MemoryStore({ maxBytes: 100 });
    store.set('big', 'x', 101, 60_000);
    expect(store.get('big')).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('expires entries on their TTL', async () => {
    const store = new MemoryStore();
    store.set('k', { v: 1 }, 10, 20);
    expect(store.get('k')).toEqual({ v: 1 });
    await new Promise((r) => setTimeout(r, 40));
    expect(store.get('k')).toBeUndefined();
  });

  it('rejects a bad budget with a message that says how to fix it', () => {
    expect(() => new MemoryStore({ maxBytes: 0 })).toThrow(/positive integer.*received 0.*memory: false/);
  });
});
