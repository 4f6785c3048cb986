/**
 * Evidence for issue 21 item 1 (the remainder): circuit state and the adaptive rate cut shared across instances
 * through a real Redis. Two clients on one emulator stand for two instances of a deployment; faults come from
 * the emulator, and what reached it is read from its request counters.
 */
import { randomUUID } from 'node:crypto';
import {
  type ClientEvent,
  type ClientOptions,
  createClient,
  type GenAiClient,
  type GenAiError,
} from '@genai-deploy/client';
import { type Emulator, startEmulator } from '@genai-deploy/emulator';
import { createLogger, startFront } from '@genai-deploy/front';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHAT, emulatorProviders, failure } from './client.test-utils.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MODEL = CHAT.bedrock;
const REFRESH_MS = 100;
const HALF_OPEN_MS = 1_000;

let emulator: Emulator;
let redis: Redis;
let prefix: string;
const open: { client: GenAiClient; redis?: Redis }[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  const keys = await redis.keys('genai:test:shared:*');
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await emulator.close();
});
beforeEach(() => {
  emulator.reset();
  prefix = `genai:test:shared:${randomUUID()}:`;
});
afterEach(async () => {
  for (const { client, redis: own } of open.splice(0)) {
    await client.close();
    own?.disconnect();
  }
});

/** One instance: its own client (and, with `ownRedis`, its own connection), sharing state under this test's prefix. */
function instance(
  extra: Omit<ClientOptions, 'providers'> = {},
  options: { ownRedis?: boolean; shared?: boolean } = {},
) {
  const events: ClientEvent[] = [];
  const conn = options.ownRedis ? new Redis(REDIS_URL, { maxRetriesPerRequest: 0 }) : redis;
  const client = createClient({
    providers: emulatorProviders(emulator.url),
    cache: false,
    retry: false,
    circuitBreaker: { consecutiveFailures: 3, halfOpenAfterMs: HALF_OPEN_MS },
    ...(options.shared === false
      ? {}
      : { sharedResilience: { redis: conn, keyPrefix: prefix, refreshMs: REFRESH_MS } }),
    onEvent: (e) => events.push(e),
    ...extra,
  });
  open.push({ client, ...(options.ownRedis ? { redis: conn } : {}) });
  const ask = () =>
    client.generate({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], maxTokens: 8 });
  const states = () => events.flatMap((e) => (e.type === 'breaker-state' ? [e.state] : []));
  return { client, events, ask, states, redis: conn };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const upstream = () => emulator.requests().total;

describe('circuit state shared through Redis', () => {
  it('A opens the circuit; B fails fast without reaching the provider; both recover through a probe', async () => {
    const a = instance();
    const b = instance();
    await b.ask(); // B has called the target: it follows the target's shared state from now on
    emulator.setFaults([{ provider: 'bedrock', status: 503 }]);
    for (let i = 0; i < 3; i++) expect((await failure(a.ask())).kind).toBe('unavailable');
    expect(a.states()).toEqual(['open']);

    await sleep(REFRESH_MS * 3);
    const before = upstream();
    const fast = await failure(b.ask());
    expect(fast).toMatchObject({ kind: 'circuit-open', code: 'SharedCircuitOpen', provider: 'bedrock' });
    expect(fast.retryAfterMs).toBeGreaterThan(0);
    expect(fast.retryAfterMs).toBeLessThanOrEqual(HALF_OPEN_MS);
    expect(upstream()).toBe(before); // no network call
    expect(b.states()).toEqual(['open']);

    // The provider recovers; after the open period each instance sends one probe, which closes its circuit.
    emulator.setFaults([]);
    await sleep(HALF_OPEN_MS + REFRESH_MS);
    const probeStart = upstream();
    await expect(b.ask()).resolves.toMatchObject({ provider: 'bedrock' });
    expect(upstream()).toBe(probeStart + 1);
    expect(b.states()).toEqual(['open', 'half-open', 'closed']);
    await expect(a.ask()).resolves.toMatchObject({ provider: 'bedrock' });
    expect(a.states()).toEqual(['open', 'half-open', 'closed']);
    // Closed everywhere: both send again.
    await Promise.all([a.ask(), b.ask(), a.ask(), b.ask()]);
  });

  it('a failed probe opens the circuit again on every instance, for twice as long', async () => {
    const a = instance();
    const b = instance();
    await b.ask();
    emulator.setFaults([{ provider: 'bedrock', status: 503 }]);
    for (let i = 0; i < 3; i++) await failure(a.ask());
    await sleep(HALF_OPEN_MS + REFRESH_MS);
    // B's probe fails: B publishes the circuit open again (2 s), and A, whose own circuit would probe, waits.
    expect((await failure(b.ask())).kind).toBe('unavailable');
    await sleep(REFRESH_MS * 3);
    const before = upstream();
    const err = await failure(a.ask());
    expect(err.kind).toBe('circuit-open');
    expect(err.retryAfterMs).toBeGreaterThan(HALF_OPEN_MS);
    expect((await failure(b.ask())).kind).toBe('circuit-open');
    expect(upstream()).toBe(before);
  });

  it('only one probe per instance while the shared circuit is half-open', async () => {
    const a = instance();
    const b = instance();
    await b.ask();
    emulator.setFaults([{ provider: 'bedrock', status: 503 }]);
    for (let i = 0; i < 3; i++) await failure(a.ask());
    emulator.setFaults([{ provider: 'bedrock', kind: 'hang', hangMs: 300 }]);
    await sleep(HALF_OPEN_MS + REFRESH_MS);
    const before = upstream();
    const results = await Promise.allSettled([b.ask(), b.ask(), b.ask(), b.ask()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as GenAiError] : []));
    expect(refused.map((e) => e.kind)).toEqual(['circuit-open', 'circuit-open', 'circuit-open']);
    expect(upstream()).toBe(before + 1);
  });

  it('Redis down: each instance keeps its own circuit, and says so', async () => {
    const a = instance();
    const b = instance({}, { ownRedis: true });
    await b.ask();
    b.redis.disconnect();
    emulator.setFaults([{ provider: 'bedrock', status: 503 }]);
    for (let i = 0; i < 3; i++) await failure(a.ask());
    await sleep(REFRESH_MS * 3);
    // B does not know A's circuit: its calls reach the provider, and its own breaker opens at its third failure.
    const before = upstream();
    for (let i = 0; i < 3; i++) expect((await failure(b.ask())).kind).toBe('unavailable');
    expect(upstream()).toBe(before + 3);
    const local = await failure(b.ask());
    expect(local.kind).toBe('circuit-open');
    expect(local.code).toBeUndefined(); // B's own circuit, not the shared one
    const said = b.events.filter((e) => e.type === 'shared-state');
    expect(said).toEqual([expect.objectContaining({ available: false, reason: expect.any(String) })]);
  });
});

describe('the adaptive rate cut shared through Redis', () => {
  it("a throttle seen by A cuts B's send rate; an instance that does not share keeps its rate", async () => {
    // No quota, only the adaptive cut; a call that cannot be admitted at once fails (ClientRateLimit).
    const rateLimit = { adaptive: true, maxWaitMs: 0 } as const;
    const a = instance({ rateLimit });
    const b = instance({ rateLimit });
    const c = instance({ rateLimit }, { shared: false });
    for (let i = 0; i < 3; i++) await Promise.all([b.ask(), c.ask()]);
    emulator.setFaults([{ provider: 'bedrock', status: 429, count: 1 }]);
    expect((await failure(a.ask())).kind).toBe('throttled');
    await sleep(REFRESH_MS * 3);

    const burst = async (x: ReturnType<typeof instance>) =>
      (await Promise.allSettled(Array.from({ length: 20 }, () => x.ask()))).filter(
        (r) => r.status === 'rejected' && (r.reason as GenAiError).code === 'ClientRateLimit',
      ).length;
    const before = upstream();
    const refusedB = await burst(b);
    const refusedC = await burst(c);
    expect(refusedC).toBe(0);
    expect(refusedB).toBeGreaterThan(5);
    // Refused calls never reached the provider.
    expect(upstream() - before).toBe(40 - refusedB);
  });
});

describe('options', () => {
  it('refuses a refreshMs that would poll Redis in a loop', () => {
    expect(() =>
      createClient({ providers: emulatorProviders(emulator.url), sharedResilience: { redis, refreshMs: 0 } }),
    ).toThrow(/sharedResilience\.refreshMs must be a number of ms >= 10, received 0/);
  });

  it('writes nothing to Redis while calls succeed (only opens, closes and throttles are written)', async () => {
    const a = instance({ rateLimit: {} });
    await Promise.all(Array.from({ length: 20 }, () => a.ask()));
    await sleep(REFRESH_MS * 2);
    expect(await redis.keys(`${prefix}*`)).toEqual([]);
  });
});

describe('the front shares through its Redis', () => {
  it('front B fails fast on the circuit front A opened, without reaching the provider', async () => {
    const KEY = 'sk-shared-resilience';
    const start = (
      own: { env?: Record<string, string>; keyPrefix?: string } = { env: { GENAI_REDIS_PREFIX: prefix } },
    ) =>
      startFront({
        config: { models: [{ id: MODEL }], providers: { bedrock: { region: 'us-east-1' } } },
        apiKeys: [KEY],
        redis,
        ...own,
        clientOptions: {
          providers: emulatorProviders(emulator.url),
          retry: false,
          circuitBreaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 },
        },
        logger: createLogger({ level: 'silent' }),
      });
    const [frontA, frontB] = [await start(), await start()];
    const chat = (front: { url: string }) =>
      fetch(`${front.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }),
      });
    try {
      expect((await chat(frontB)).status).toBe(200); // B has called the target
      emulator.setFaults([{ provider: 'bedrock', status: 503 }]);
      for (let i = 0; i < 3; i++) expect((await chat(frontA)).status).toBe(503);
      await sleep(1_000); // the front's default refresh is 500 ms
      const before = upstream();
      const answer = await chat(frontB);
      expect(answer.status).toBe(503);
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('upstream_unavailable');
      expect(upstream()).toBe(before);
      // A front on the same Redis under another prefix (startFront's keyPrefix option) keeps its own circuits.
      const frontC = await start({ keyPrefix: `${prefix}other:` });
      try {
        expect((await chat(frontC)).status).toBe(503);
        expect(upstream()).toBe(before + 1);
      } finally {
        await frontC.close(0);
      }
    } finally {
      await Promise.all([frontA.close(0), frontB.close(0)]);
    }
  });
});
