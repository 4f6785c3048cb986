import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedResilience } from './shared-resilience.js';

// Against the real Redis of the machine (REDIS_URL); the end-to-end behaviour with two clients on the emulator
// is in test/client-shared-resilience.test.ts.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let redis: Redis;
const made: SharedResilience[] = [];

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  await redis.ping();
});
afterAll(async () => {
  for (const s of made) s.stop();
  const keys = await redis.keys('genai:test:sr:*');
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

function pair() {
  const keyPrefix = `genai:test:sr:${randomUUID()}:`;
  const a = new SharedResilience({ redis, keyPrefix, refreshMs: 1000 });
  const b = new SharedResilience({ redis, keyPrefix, refreshMs: 1000 });
  made.push(a, b);
  return { a, b };
}

describe('SharedResilience', () => {
  it("counts only other instances' throttles, once per refresh", async () => {
    const { a, b } = pair();
    const seenByA: string[] = [];
    const seenByB: string[] = [];
    a.onThrottle((id) => seenByA.push(id));
    b.onThrottle((id) => seenByB.push(id));
    a.watch('t');
    b.watch('t');
    await Promise.all([a.refresh(), b.refresh()]);
    a.throttled('t');
    a.throttled('t');
    await Promise.all([a.refresh(), b.refresh()]);
    expect(seenByA).toEqual([]);
    expect(seenByB).toEqual(['t']);
  });

  it('an open written here is not undone by a read that was sent before it', async () => {
    const { a } = pair();
    a.watch('t');
    const stale = a.refresh(); // sent before the open: it reads "no key"
    a.open('t', 5_000);
    await stale;
    expect(a.gate('t')).toMatchObject({ state: 'open' });
    await a.refresh();
    expect(a.gate('t').state).toBe('open');
  });

  it('hands out one probe when the open period ends; a failed probe doubles the period seen in Redis', async () => {
    const { a, b } = pair();
    b.watch('t');
    await b.refresh(); // the first read, started by watch
    a.open('t', 50);
    await b.refresh();
    expect(b.gate('t').state).toBe('open');
    await new Promise((r) => setTimeout(r, 80));
    await b.refresh();
    expect(b.peek('t').state).toBe('probe');
    expect(b.gate('t').state).toBe('probe');
    expect(b.gate('t').state).toBe('half-open');
    b.probeDone('t', 'failure', 10, 1_000);
    const gate = b.gate('t');
    expect(gate.state).toBe('open');
    expect(gate.state === 'open' && gate.retryAfterMs).toBeGreaterThan(50);
    expect(gate.state === 'open' && gate.retryAfterMs).toBeLessThanOrEqual(100);
  });

  it('fails open when its connection is down: every gate is closed and the change is reported once', async () => {
    const down = new Redis(REDIS_URL, { maxRetriesPerRequest: 0 });
    await down.ping();
    const s = new SharedResilience({ redis: down, keyPrefix: 'genai:test:sr:down:', refreshMs: 1000 });
    made.push(s);
    s.watch('t');
    await s.refresh();
    s.open('t', 60_000);
    down.disconnect();
    expect(s.gate('t').state).toBe('open');
    await s.refresh();
    expect(s.available).toBe(false);
    expect(s.gate('t').state).toBe('closed');
    const events: unknown[] = [];
    s.report((e) => events.push(e));
    s.report((e) => events.push(e));
    expect(events).toEqual([{ type: 'shared-state', available: false, reason: expect.any(String) }]);
  });
});
