/**
 * Evidence for issue 21 item 1: through the local platform's front at default client settings, one model with
 * no fallback, upstream throttling with a short server hint loses no request, and a target that throttles
 * everything does not turn the retries into a storm (the retry budget, then the breaker, stop them).
 */
import { randomUUID } from 'node:crypto';
import { createLogger } from '@genai-deploy/front';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalPlatform, startLocalPlatform } from '../apps/local/src/platform.js';

/** One key per test: 600 requests/min per key is the front's default, and each test sends up to 300. */
const KEYS = [`sk-throttle-${randomUUID()}`, `sk-throttle-${randomUUID()}`] as const;
const MODEL = 'azure/gpt-4o-mini';
let platform: LocalPlatform;

beforeAll(async () => {
  platform = await startLocalPlatform({
    port: 0,
    emulatorPort: 0,
    apiKeys: KEYS,
    front: { logger: createLogger({ level: 'silent' }) },
  });
});
afterAll(async () => {
  await platform?.close();
});
beforeEach(() => platform.emulator.reset());

function openai(key: string): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${platform.front.url}/v1`, maxRetries: 0, timeout: 60_000 });
}

/** Sends `n` distinct requests (no cache hit) with `concurrency` in flight; returns each one's status. */
async function send(client: OpenAI, n: number, concurrency: number, tag: string): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const status = await client.chat.completions
        .create({
          model: MODEL,
          messages: [{ role: 'user', content: `${tag} question ${i}` }],
          max_tokens: 8,
        })
        .then(
          () => 200,
          (e: unknown) => (e instanceof OpenAI.APIError ? (e.status ?? -1) : -1),
        );
      statuses.push(status);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

const upstreamAttempts = () => platform.emulator.requests().byOperation['azure.chatCompletions'] ?? 0;

describe('throttling through the front at default settings', () => {
  it('30 % of upstream calls throttled with a 20 ms hint: all 300 requests succeed, <= 1.6 attempts each', async () => {
    platform.emulator.setFaults([{ provider: 'azure', rate: 0.3, status: 429, retryAfterMs: 20 }]);
    const statuses = await send(openai(KEYS[0]), 300, 20, 'busy');
    const failed = statuses.filter((s) => s !== 200);
    expect(failed, `statuses other than 200: ${failed.join(', ')}`).toEqual([]);
    const attempts = upstreamAttempts();
    expect(attempts / 300).toBeLessThanOrEqual(1.6);
    // Some calls were throttled more than maxAttempts (3) allows for other errors: 0.3^3 of 300 is ~8.
    expect(attempts).toBeGreaterThan(300);
  }, 120_000);

  it('every upstream call throttled: the budget stops the storm (attempts <= 1.2x requests once drained)', async () => {
    platform.emulator.setFaults([{ provider: 'azure', status: 429, retryAfterMs: 20 }]);
    const client = openai(KEYS[1]);
    const draining = await send(client, 150, 20, 'storm');
    expect(draining.every((s) => s !== 200)).toBe(true);
    const drainAttempts = upstreamAttempts();
    // The default budget (500 tokens, 5 per retry) pays for 100 retries at most, whatever the deadline allows.
    expect(drainAttempts).toBeLessThanOrEqual(150 + 100);

    const after = await send(client, 100, 20, 'after');
    expect(after.every((s) => s !== 200)).toBe(true);
    expect(upstreamAttempts() - drainAttempts).toBeLessThanOrEqual(1.2 * 100);
  }, 120_000);
});
