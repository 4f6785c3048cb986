/**
 * Evidence for issue 5: the client's resilience layers, end to end through createClient → the official
 * Bedrock and Vertex AI clients → the emulator's fault injection over real sockets.
 */
import {
  type ClientEvent,
  type ClientEventOf,
  type ClientOptions,
  createClient,
  type GenAiClient,
  isGenAiError,
  isMidStreamError,
} from '@genai-deploy/client';
import { type Emulator, startEmulator } from '@genai-deploy/emulator';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const A_MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const A = `bedrock/${A_MODEL}`;
const B = 'vertex/gemini-2.0-flash';
const Z = 'azure/gpt-4o-mini';
const ROUTES = { chat: { targets: [A, B] } };
// Small backoffs keep the file fast; the shapes (jitter, hints, budget) are the production ones.
const FAST_RETRY = { baseDelayMs: 2, throttledBaseDelayMs: 5, maxDelayMs: 50 };

let emulator: Emulator;
let client: GenAiClient | undefined;
let events: ClientEvent[];

beforeAll(async () => {
  emulator = await startEmulator({ seed: 5 });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => {
  emulator.reset();
  events = [];
});
afterEach(async () => {
  await client?.close();
  client = undefined;
});

function makeClient(options: Partial<ClientOptions> = {}): GenAiClient {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'emulator', expiry_date: Date.now() + 3_600_000 });
  client = createClient({
    providers: {
      bedrock: {
        region: 'us-east-1',
        endpoint: emulator.url,
        credentials: { accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'secret' },
      },
      vertex: { project: 'demo', location: 'us-central1', endpoint: emulator.url, authClient },
      azure: { endpoint: emulator.url, apiKey: 'emulator-key' },
    },
    routes: ROUTES,
    retry: FAST_RETRY,
    onEvent: (e) => events.push(e),
    ...options,
  });
  return client;
}

const ask = (model = 'chat', extra: { signal?: AbortSignal } = {}) => ({
  model,
  messages: [{ role: 'user' as const, content: 'Name three uses of a GPU.' }],
  maxTokens: 24,
  ...extra,
});

function ofType<K extends ClientEvent['type']>(type: K): ClientEventOf<K>[] {
  return events.filter((e): e is ClientEventOf<K> => e.type === type);
}

/** Runs `n` calls, `concurrency` at a time. */
async function pool<T>(
  n: number,
  concurrency: number,
  call: (i: number) => Promise<T>,
): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        results[i] = await call(i).then(
          (value) => ({ status: 'fulfilled', value }) as const,
          (reason: unknown) => ({ status: 'rejected', reason }) as const,
        );
      }
    }),
  );
  return results;
}

describe('client resilience against emulator faults', () => {
  it('30% 429 with a retry hint on one target: 1,000 calls all succeed, attempts <= 1.6x, no retry before the hint', async () => {
    // Azure's retry-after-ms carries the hint with ms precision (Bedrock's Retry-After header counts whole
    // seconds, too slow for a test of 1,000 calls); Bedrock is the fallback.
    const c = makeClient({ routes: { chat: { targets: [Z, A] } } });
    emulator.setFaults([{ provider: 'azure', status: 429, rate: 0.3, retryAfterMs: 20 }]);

    const results = await pool(1_000, 50, () => c.generate(ask()));

    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed).toEqual([]);
    const upstream = emulator.requests().total;
    expect(upstream).toBeLessThanOrEqual(1_600);
    expect(upstream).toBeGreaterThan(1_000); // the faults did fire

    const retries = ofType('retry');
    expect(retries.length).toBeGreaterThan(200);
    // Azure's retry-after-ms reached the retry layer as a hint, and every retry waited at least that long.
    for (const r of retries) {
      expect(r.retryAfterMs).toBe(20);
      expect(r.delayMs).toBeGreaterThanOrEqual(20);
    }
    // Measured on the wire: the next attempt of the same call starts no earlier than the hint allows.
    const attemptsByCall = new Map<string, number[]>();
    for (const a of ofType('attempt')) {
      attemptsByCall.set(a.requestId, [...(attemptsByCall.get(a.requestId) ?? []), a.timestamp]);
    }
    const seen = new Map<string, number>();
    for (const r of retries) {
      const index = (seen.get(r.requestId) ?? 0) + 1;
      seen.set(r.requestId, index);
      const nextAttempt = attemptsByCall.get(r.requestId)?.[index];
      expect(nextAttempt).toBeDefined();
      expect(nextAttempt! - r.timestamp).toBeGreaterThanOrEqual(20);
    }
    // Answers came mostly from the throttled target itself; the rest from the fallback.
    const fromZ = results.filter((r) => r.status === 'fulfilled' && r.value.provider === 'azure').length;
    expect(fromZ).toBeGreaterThan(950);
  });

  it('a target down (100% 503): the circuit opens within 10 failures, the fallback answers, the dead target sees nothing until the half-open probe', async () => {
    const c = makeClient({ circuitBreaker: { halfOpenAfterMs: 300 } });
    emulator.setFaults([{ provider: 'bedrock', model: A_MODEL, status: 503 }]);

    for (let i = 0; i < 20; i++) {
      await expect(c.generate(ask())).resolves.toMatchObject({
        provider: 'vertex',
        model: 'gemini-2.0-flash',
      });
    }
    // Let at least one probe happen, then more calls.
    await new Promise((r) => setTimeout(r, 350));
    for (let i = 0; i < 5; i++)
      await expect(c.generate(ask())).resolves.toMatchObject({ provider: 'vertex' });

    // The event sequence on A (timing-independent): attempts until it opens, then none while open, then
    // exactly one probe per half-open period.
    const onA = events.filter(
      (e) => (e.type === 'attempt' && e.target.id === A) || (e.type === 'breaker-state' && e.target.id === A),
    );
    const firstOpen = onA.findIndex((e) => e.type === 'breaker-state' && e.state === 'open');
    expect(firstOpen).toBeGreaterThan(0);
    expect(firstOpen).toBeLessThanOrEqual(10); // every attempt before it failed: it opened within 10 failures
    expect(onA[firstOpen]).toMatchObject({ error: { kind: 'unavailable', status: 503 } });
    let state = 'open';
    let probes = 0;
    let openedAt = onA[firstOpen]!.timestamp;
    for (const e of onA.slice(firstOpen + 1)) {
      if (e.type === 'attempt') {
        expect(state).toBe('half-open'); // no attempt on A while its circuit is open
        probes++;
        state = 'probing';
      } else if (e.type === 'breaker-state') {
        if (e.state === 'half-open') expect(e.timestamp - openedAt).toBeGreaterThanOrEqual(290);
        if (e.state === 'open') openedAt = e.timestamp;
        state = e.state;
      }
    }
    expect(probes).toBeGreaterThanOrEqual(1);
    expect(emulator.requests().byOperation['bedrock.converse']).toBe(firstOpen + probes);
    expect(ofType('fallback').at(-1)).toMatchObject({
      from: { id: A },
      to: { id: B },
      error: { kind: 'circuit-open' },
    });

    // A recovers: a later probe closes the circuit and A answers again.
    emulator.setFaults([]);
    const until = Date.now() + 10_000;
    let answer = await c.generate(ask());
    while (answer.provider !== 'bedrock' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      answer = await c.generate(ask());
    }
    expect(answer).toMatchObject({ provider: 'bedrock', model: A_MODEL });
    expect(ofType('breaker-state').at(-1)).toMatchObject({ state: 'closed', target: { id: A } });
  });

  it('every call failing: once the retry budget drains, upstream attempts stay <= 1.2x calls', async () => {
    // Breaker off to measure the budget alone (with it, attempts stop after 10).
    const c = makeClient({ circuitBreaker: false });
    emulator.setFaults([{ provider: 'bedrock', status: 503 }]);
    const results = await pool(600, 20, () => c.generate(ask(A)));
    expect(
      results.every(
        (r) => r.status === 'rejected' && isGenAiError(r.reason) && r.reason.kind === 'unavailable',
      ),
    ).toBe(true);
    const attempts = emulator.requests().total;
    // 500 tokens at 5 per retry pay 100 retries, then every call makes one attempt.
    expect(attempts).toBe(700);
    expect(attempts).toBeLessThanOrEqual(1.2 * 600);
    expect(ofType('retry-give-up').filter((g) => g.reason === 'budget').length).toBeGreaterThan(500);

    // With the breaker on (the default), the outage costs 10 attempts in all.
    emulator.reset();
    await c.close();
    const guarded = makeClient();
    emulator.setFaults([{ provider: 'bedrock', status: 503 }]);
    const second = await pool(100, 20, () => guarded.generate(ask(A)));
    expect(second.filter((r) => r.status === 'rejected')).toHaveLength(100);
    expect(emulator.requests().total).toBeLessThanOrEqual(10 + 20);
  });

  it('a stream cut after 3 chunks: the caller gets the 3 chunks, then a typed mid-stream error', async () => {
    const c = makeClient();
    emulator.setFaults([{ provider: 'bedrock', model: A_MODEL, kind: 'stream-cut', afterChunks: 3 }]);
    const deltas: string[] = [];
    let error: unknown;
    try {
      for await (const event of c.stream(ask())) if (event.type === 'delta') deltas.push(event.text);
    } catch (e) {
      error = e;
    }
    expect(deltas).toHaveLength(3);
    expect(isMidStreamError(error)).toBe(true);
    expect(error).toMatchObject({
      kind: 'mid-stream',
      retryable: false,
      provider: 'bedrock',
      deliveredChars: deltas.join('').length,
      target: { id: A },
    });
    // Neither retried nor moved to the fallback: output had already reached the caller.
    expect(emulator.requests().total).toBe(1);
    expect(ofType('fallback')).toEqual([]);
  });

  it('a stream cut or an in-stream error before the first chunk: retried transparently', async () => {
    const c = makeClient();
    const clean: string[] = [];
    for await (const e of c.stream(ask(A))) if (e.type === 'delta') clean.push(e.text);
    emulator.reset();

    for (const rule of [
      { kind: 'stream-cut' as const, afterChunks: 0 },
      { kind: 'stream-error' as const, afterChunks: 0, errorType: 'throttlingException' },
    ]) {
      emulator.reset();
      emulator.setFaults([{ provider: 'bedrock', model: A_MODEL, count: 1, ...rule }]);
      const deltas: string[] = [];
      let finish: unknown;
      for await (const e of c.stream(ask(A))) {
        if (e.type === 'delta') deltas.push(e.text);
        else finish = e;
      }
      expect(deltas.join('')).toBe(clean.join(''));
      expect(finish).toMatchObject({ type: 'finish', provider: 'bedrock', attempts: 2 });
      expect(emulator.requests().total).toBe(2);
    }
  });

  it('an abort during the backoff returns at once', async () => {
    const c = makeClient({ retry: { baseDelayMs: 20_000, maxDelayMs: 20_000, random: () => 0.99 } });
    emulator.setFaults([{ provider: 'bedrock', status: 503 }]);
    const controller = new AbortController();
    const call = c.generate(ask(A, { signal: controller.signal }));
    // Wait until the first attempt failed and the backoff (about 19.8 s) began.
    while (ofType('retry').length === 0) await new Promise((r) => setTimeout(r, 5));
    const abortedAt = Date.now();
    controller.abort();
    await expect(call).rejects.toMatchObject({ kind: 'aborted' });
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    expect(emulator.requests().total).toBe(1);
  });

  it('a hanging attempt times out and is retried; a hedged route answers from the second target', async () => {
    const c = makeClient({
      attemptTimeoutMs: 300,
      routes: { ...ROUTES, hedged: { targets: [A, B], hedgeAfterMs: 100 } },
    });
    emulator.setFaults([{ provider: 'bedrock', model: A_MODEL, kind: 'hang', count: 1 }]);
    await expect(c.generate(ask(A))).resolves.toMatchObject({ provider: 'bedrock', attempts: 2 });
    expect(ofType('retry')[0]).toMatchObject({ error: { kind: 'timeout' } });

    emulator.reset();
    emulator.setFaults([{ provider: 'bedrock', model: A_MODEL, kind: 'hang', hangMs: 10_000 }]);
    const started = Date.now();
    await expect(c.generate(ask('hedged'))).resolves.toMatchObject({ provider: 'vertex' });
    // Answered by the hedge long before the primary would have (its attempt timeout alone is 300 ms x 3).
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(ofType('hedge').at(-1)).toMatchObject({ primary: { id: A }, hedge: { id: B }, afterMs: 100 });
    // Answered by the hedge, not by falling back after the primary gave up.
    expect(ofType('fallback')).toEqual([]);
  });
});
