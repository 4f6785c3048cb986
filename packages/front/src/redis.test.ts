import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { IAM_TOKEN_REFRESH_MS, openRedis } from './redis.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('openRedis', () => {
  it('connects with the configured password (none here) by default', async () => {
    const redis = await openRedis(url, {});
    expect(await redis.ping()).toBe('PONG');
    await redis.quit();
  });

  it('uses an IAM access token as the password and replaces it before it expires', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const tokens = [`token-${randomUUID()}`, `token-${randomUUID()}`];
      const getToken = vi.fn(async () => tokens.shift() ?? 'spent');
      // An unreachable port: only the AUTH bookkeeping is under test (the local Redis has no AUTH).
      const redis = await openRedis('redis://127.0.0.1:1', { GENAI_REDIS_IAM_AUTH: 'true' }, getToken);
      redis.on('error', () => {});
      const first = redis.options.password;
      expect(first).toMatch(/^token-/);
      await vi.advanceTimersByTimeAsync(IAM_TOKEN_REFRESH_MS);
      expect(getToken).toHaveBeenCalledTimes(2);
      expect(redis.options.password).toMatch(/^token-/);
      expect(redis.options.password).not.toBe(first);
      redis.disconnect();
    } finally {
      vi.useRealTimers();
    }
  });
});
