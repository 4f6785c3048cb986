/**
 * Evidence for issue 19 (front hardening): each item reproduced against a real front on a socket, through the
 * official `openai` client, or raw HTTP where the client cannot send the malformed input.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { Writable } from 'node:stream';
import type { FrontConfigInput } from '@genai-deploy/config';
import { type Emulator, type FaultRule, startEmulator } from '@genai-deploy/emulator';
import {
  createLogger,
  hashApiKey,
  type RunningFront,
  type StartFrontOptions,
  startFront,
} from '@genai-deploy/front';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localClientOptions, localConfig } from '../apps/local/src/platform.js';
import { until } from './front-helpers.js';

const KEY_A = `sk-a-${randomUUID()}`;
const KEY_B = `sk-b-${randomUUID()}`;
const CHAT = 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0';
const EMBED = 'vertex/text-embedding-005';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(() => emulator?.close());
beforeEach(() => emulator.reset());

const running: RunningFront[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.close()));
});

interface Started {
  readonly front: RunningFront;
  readonly logs: Record<string, unknown>[];
  readonly openai: (key?: string) => OpenAI;
}

/** A front on a socket over the emulator, its log lines parsed. */
async function start(
  config: Partial<FrontConfigInput> = {},
  options: Partial<StartFrontOptions> & { emulatorUrl?: string } = {},
): Promise<Started> {
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      cb();
    },
  });
  const url = options.emulatorUrl ?? emulator.url;
  const local = localClientOptions();
  const front = await startFront({
    config: { ...localConfig(url), ...config },
    apiKeys: [KEY_A, KEY_B],
    logger: createLogger({ level: 'info', destination }),
    ...options,
    clientOptions: {
      ...local,
      providers: { ...local.providers, azure: { endpoint: url, apiKey: 'k' } },
      retry: false,
      ...options.clientOptions,
    },
  });
  running.push(front);
  return {
    front,
    logs,
    openai: (key = KEY_A) => new OpenAI({ apiKey: key, baseURL: `${front.url}/v1`, maxRetries: 0 }),
  };
}

interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A POST through node:http: `chunked` sends the body in two chunks without Content-Length. */
function rawPost(
  url: string,
  path: string,
  body: string,
  options: { key?: string; chunked?: boolean; contentType?: string | null } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.key ?? KEY_A}` };
  if (options.contentType !== null) headers['content-type'] = options.contentType ?? 'application/json';
  if (!options.chunked) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    if (options.chunked) {
      const half = Math.floor(body.length / 2);
      req.write(body.slice(0, half));
      req.end(body.slice(half));
    } else req.end(body);
  });
}

const chat = (content: string, extra: object = {}) => ({
  model: CHAT,
  messages: [{ role: 'user' as const, content }],
  max_tokens: 16,
  ...extra,
});

describe('item 2: every request counts against the rate limit, however its body arrives', () => {
  it('counts invalid chunked bodies as it counts invalid Content-Length ones', async () => {
    const { front } = await start({ limits: { requestsPerMinute: 10 } });
    const invalid = ['{not json', JSON.stringify({ model: CHAT }), JSON.stringify(chat('x', { n: 5 })), ''];
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await rawPost(front.url, '/v1/chat/completions', invalid[i % invalid.length]!, {
        chunked: i % 2 === 0,
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual(Array(10).fill(400));
    for (const chunked of [true, false]) {
      const res = await rawPost(front.url, '/v1/chat/completions', JSON.stringify(chat('valid now')), {
        chunked,
      });
      expect(res.status, `chunked: ${chunked}`).toBe(429);
      expect(JSON.parse(res.body).error.code).toBe('rate_limit_exceeded');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect(emulator.requests().total).toBe(0);
  });

  it('leaves the Redis counters exact after a fuzz run of malformed bodies, chunked and not', async () => {
    const prefix = `test:front:hardening:${randomUUID()}:`;
    const redis = new Redis(REDIS_URL);
    try {
      const { front } = await start(
        { cache: { redisUrl: REDIS_URL }, limits: { requestsPerMinute: 100_000, maxBodyBytes: 4096 } },
        { env: { ...process.env, GENAI_REDIS_PREFIX: prefix } },
      );
      const malformed = fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
        fc
          .record({ model: fc.oneof(fc.constant(CHAT), fc.string()), messages: fc.jsonValue() })
          .map((v) => JSON.stringify(v)),
        fc.constant(JSON.stringify(chat('y'.repeat(5000)))), // over maxBodyBytes: 413
      );
      const path = fc.constantFrom('/v1/chat/completions', '/v1/embeddings', '/v1/jobs');
      const contentType = fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
      );
      let sent = 0;
      const windowAtStart = Math.floor(Date.now() / 60_000);
      await fc.assert(
        fc.asyncProperty(path, malformed, fc.boolean(), contentType, async (p, body, chunked, type) => {
          const res = await rawPost(front.url, p, body, { chunked, contentType: type });
          sent += 1;
          expect([400, 404, 413, 415], `${p} ${body.slice(0, 100)} -> ${res.body.slice(0, 200)}`).toContain(
            res.status,
          );
        }),
        { numRuns: 300, seed: 19 },
      );
      const tag = `${prefix}rl:{${hashApiKey(KEY_A).slice(0, 16)}}`;
      const sum = async (kind: 'r' | 't') => {
        const keys = await redis.keys(`${tag}:${kind}:*`);
        const values = keys.length > 0 ? await redis.mget(...keys) : [];
        return values.reduce((n, v) => n + Number(v ?? 0), 0);
      };
      // Refunds are sent without waiting: let the last ones land.
      await until(
        async () => (await sum('t')) === 0 || Math.floor(Date.now() / 60_000) !== windowAtStart,
        2000,
      );
      expect(await sum('r')).toBe(sent);
      // A refund lands on the current minute: exact only when the run stayed in one.
      if (Math.floor(Date.now() / 60_000) === windowAtStart) expect(await sum('t')).toBe(0);
    } finally {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });
});

describe('item 3: cached answers are per API key unless sharing is configured', () => {
  it('never serves key B what key A asked, for chat, streams and embeddings', async () => {
    const { openai } = await start();
    const request = chat('what did the other tenant ask?', { temperature: 0 });
    const a = await openai(KEY_A).chat.completions.create(request).withResponse();
    const b = await openai(KEY_B).chat.completions.create(request).withResponse();
    expect(a.response.headers.get('x-genai-cache')).toBe('miss');
    expect(b.response.headers.get('x-genai-cache')).toBe('miss');
    expect(b.response.headers.get('x-genai-attempts')).toBe('1');
    // Key A still has its own entry.
    const again = await openai(KEY_A).chat.completions.create(request).withResponse();
    expect(again.response.headers.get('x-genai-cache')).toBe('hit');
    expect(emulator.requests().byOperation['bedrock.converse']).toBe(2);

    // A stream is replayed from the cache of its own key only: B's stream of A's question goes upstream.
    const streamed = { ...chat('a streamed question', { temperature: 0 }) };
    await openai(KEY_A).chat.completions.create(streamed);
    const stream = await openai(KEY_B).chat.completions.create({ ...streamed, stream: true });
    for await (const _ of stream) {
      // drain
    }
    expect(emulator.requests().byOperation['bedrock.converseStream']).toBe(1);

    const input = `an embedded text ${randomUUID()}`;
    const e1 = await openai(KEY_A).embeddings.create({ model: EMBED, input }).withResponse();
    const e2 = await openai(KEY_B).embeddings.create({ model: EMBED, input }).withResponse();
    expect(e1.response.headers.get('x-genai-cache')).toBe('miss');
    expect(e2.response.headers.get('x-genai-cache')).toBe('miss');
    expect(emulator.requests().items['vertex.predict']).toBe(2);
  });

  it("shares them only with cache.scope: 'shared'", async () => {
    const { openai } = await start({ cache: { scope: 'shared' } });
    const request = chat('one trust domain', { temperature: 0 });
    await openai(KEY_A).chat.completions.create(request);
    const b = await openai(KEY_B).chat.completions.create(request).withResponse();
    expect(b.response.headers.get('x-genai-cache')).toBe('hit');
  });
});

describe('item 4: embeddings count their inputs and are bounded in flight', () => {
  it('charges limits.embeddingInputTokens per input against tokens/min, cache hits included', async () => {
    // 20 short inputs: about 40 tokens of text upstream, plus 20 x 64 = 1280 for the inputs.
    const { openai } = await start({ limits: { tokensPerMinute: 3000 } });
    const input = Array.from({ length: 20 }, (_, i) => `short ${i}`);
    const miss = await openai().embeddings.create({ model: EMBED, input }).withResponse();
    expect(miss.response.headers.get('x-genai-cache')).toBe('miss');
    // A cache hit spends no upstream tokens, but the front holds and encodes its vectors all the same.
    const hit = await openai().embeddings.create({ model: EMBED, input }).withResponse();
    expect(hit.response.headers.get('x-genai-cache')).toBe('hit');
    const refused = await openai()
      .embeddings.create({ model: EMBED, input })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect((refused as InstanceType<typeof OpenAI.APIError>).message).toContain('tokens per minute');
    expect(emulator.requests().items['vertex.predict']).toBe(20);
    // The other key has its own budget.
    expect((await openai(KEY_B).embeddings.create({ model: EMBED, input })).data).toHaveLength(20);
  });

  it('answers 429 beyond the key in-flight bound and 503 beyond the instance one, with Retry-After', async () => {
    const slow = await startEmulator({ port: 0, latency: { baseMs: 1500 } });
    try {
      const { openai } = await start(
        { limits: { maxInFlightPerKey: 10, maxInFlight: 15 } },
        { emulatorUrl: slow.url, apiKeys: [KEY_A, KEY_B, 'sk-c'] },
      );
      const eight = Array.from({ length: 8 }, (_, i) => `text ${i} ${randomUUID()}`);
      const first = openai(KEY_A).embeddings.create({ model: EMBED, input: eight });
      await until(() => slow.requests().inFlight > 0, 5000, 'first call upstream');
      const sameKey = await openai(KEY_A)
        .embeddings.create({ model: EMBED, input: eight.slice(0, 4) })
        .catch((e: unknown) => e);
      expect(sameKey).toBeInstanceOf(OpenAI.RateLimitError);
      const perKey = sameKey as InstanceType<typeof OpenAI.APIError>;
      expect(perKey.code).toBe('too_many_concurrent_requests');
      expect(perKey.headers?.get('retry-after')).toBe('1');
      // Another key has room of its own, but not the instance: 8 + 8 > 15.
      const otherKey = await openai(KEY_B)
        .embeddings.create({ model: EMBED, input: eight })
        .catch((e: unknown) => e);
      expect((otherKey as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
      expect((otherKey as InstanceType<typeof OpenAI.APIError>).code).toBe('server_busy');
      expect((otherKey as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('1');
      // A small request from another key fits both bounds.
      const small = openai('sk-c').embeddings.create({ model: EMBED, input: 'one' });
      expect((await first).data).toHaveLength(8);
      expect((await small).data).toHaveLength(1);
      // Once the first is answered, its units are back.
      expect((await openai(KEY_A).embeddings.create({ model: EMBED, input: eight })).data).toHaveLength(8);
    } finally {
      await slow.close();
    }
  });

  it('streams the list: chunked, never built whole, equal to what the client computes', async () => {
    const { front, openai } = await start();
    const input = Array.from({ length: 100 }, (_, i) => `streamed text ${i}`);
    const res = await rawPost(front.url, '/v1/embeddings', JSON.stringify({ model: EMBED, input }));
    expect(res.status).toBe(200);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['content-type']).toContain('application/json');
    const body = JSON.parse(res.body);
    expect(body.data.map((d: { index: number }) => d.index)).toEqual(input.map((_, i) => i));
    const floats = await openai().embeddings.create({ model: EMBED, input, encoding_format: 'float' });
    expect(body.data).toEqual(JSON.parse(JSON.stringify(floats.data)));
    expect(body.model).toBe(floats.model);
    const b64 = await openai().embeddings.create({ model: EMBED, input: input.slice(0, 3) });
    b64.data.forEach((d, i) => {
      d.embedding.forEach((v, j) => {
        expect(v).toBeCloseTo(floats.data[i]!.embedding[j]!, 6);
      });
    });
  });
});

describe('item 5: wrong-key guesses are throttled per client address', () => {
  it('answers 429 after limits.authFailuresPerMinute failures, valid key or not, with one sampled log line', async () => {
    const { front, logs, openai } = await start({ limits: { authFailuresPerMinute: 5 } });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const guess = openai(`sk-guess-${i}`);
      statuses.push(
        await guess.models.list().then(
          () => 200,
          (e: InstanceType<typeof OpenAI.APIError>) => e.status ?? 0,
        ),
      );
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual(Array(35).fill(429));
    // The address is refused before its key is checked: a guess that happens to be right learns nothing.
    const right = await openai(KEY_A)
      .models.list()
      .catch((e: unknown) => e);
    expect(right).toBeInstanceOf(OpenAI.RateLimitError);
    expect((right as InstanceType<typeof OpenAI.APIError>).code).toBe('auth_rate_limit_exceeded');
    expect(
      Number((right as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')),
    ).toBeGreaterThan(0);
    // One line per kind of failure for the address, not one per attempt; the metrics count every one.
    const authLines = logs.filter((l) => String(l.msg).startsWith('authentication'));
    expect(authLines.map((l) => l.result)).toEqual(['invalid', 'throttled']);
    expect(logs.filter((l) => l.msg === 'request' && (l.status === 401 || l.status === 429))).toEqual([]);
    const metrics = await fetch(`${front.url}/metrics`).then((r) => r.status);
    expect(metrics).toBe(429); // /metrics is behind the same guard
  });

  it('shares the failures of an address between instances through Redis', async () => {
    const prefix = `test:front:hardening:${randomUUID()}:`;
    const redis = new Redis(REDIS_URL);
    try {
      const options = { env: { ...process.env, GENAI_REDIS_PREFIX: prefix } };
      const config = { cache: { redisUrl: REDIS_URL }, limits: { authFailuresPerMinute: 4 } };
      const a = await start(config, options);
      const b = await start(config, options);
      const status = (s: Started, key: string) =>
        s
          .openai(key)
          .models.list()
          .then(
            () => 200,
            (e: InstanceType<typeof OpenAI.APIError>) => e.status ?? 0,
          );
      expect([
        await status(a, 'x1'),
        await status(a, 'x2'),
        await status(b, 'x3'),
        await status(b, 'x4'),
      ]).toEqual([401, 401, 401, 401]);
      expect(await status(a, 'x5')).toBe(429);
      expect(await status(b, 'x6')).toBe(429);
      expect((await redis.keys(`${prefix}af:*`)).length).toBeGreaterThan(0);
    } finally {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });

  it('takes the address from X-Forwarded-For only as far as trustedProxyHops says', async () => {
    const { front } = await start({ limits: { authFailuresPerMinute: 2 }, trustedProxyHops: 1 });
    const guess = (forwardedFor: string) =>
      fetch(`${front.url}/v1/models`, {
        headers: { authorization: 'Bearer sk-wrong', 'x-forwarded-for': forwardedFor },
      }).then((r) => r.status);
    // The proxy appends the address it saw: a caller cannot pick its own by sending the header.
    expect([await guess('1.1.1.1, 203.0.113.7'), await guess('2.2.2.2, 203.0.113.7')]).toEqual([401, 401]);
    expect(await guess('3.3.3.3, 203.0.113.7')).toBe(429);
    expect(await guess('203.0.113.7, 198.51.100.9')).toBe(401);
  });
});

describe('item 6: a body that trickles in has a time limit', () => {
  it('closes a request whose body takes longer than limits.requestTimeoutMs with 408', async () => {
    const { front } = await start({ limits: { headersTimeoutMs: 500, requestTimeoutMs: 1500 } });
    const { port } = new URL(front.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    const started = Date.now();
    let received = '';
    socket.on('data', (d) => {
      received += String(d);
    });
    socket.on('error', () => {});
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY_A}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    const trickle = setInterval(() => socket.write(' '), 200);
    try {
      await Promise.race([closed, new Promise((r) => setTimeout(r, 10_000))]);
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('closes a connection whose headers trickle in, and never cuts a long answer', async () => {
    const slow = await startEmulator({ port: 0, latency: { perTokenMs: 40 } });
    try {
      const { front, openai } = await start(
        { limits: { headersTimeoutMs: 500, requestTimeoutMs: 1000 } },
        { emulatorUrl: slow.url },
      );
      const { port } = new URL(front.url);
      const socket = net.connect(Number(port), '127.0.0.1');
      let received = '';
      socket.on('data', (d) => {
        received += String(d);
      });
      socket.on('error', () => {});
      const closed = new Promise<void>((r) => socket.on('close', () => r()));
      socket.write('GET /health HTTP/1.1\r\n');
      const trickle = setInterval(() => socket.write('X-A: b\r\n'), 100);
      try {
        await Promise.race([closed, new Promise((r) => setTimeout(r, 10_000))]);
      } finally {
        clearInterval(trickle);
        socket.destroy();
      }
      expect(received).toMatch(/^HTTP\/1\.1 408/);
      // Paced at 40 ms a token, the answer streams for longer than the 1 s request timeout, and arrives whole.
      const started = Date.now();
      const stream = await openai().chat.completions.create({
        ...chat('Tell me a long story.'),
        max_tokens: 60,
        stream: true,
      });
      let finish: string | null | undefined;
      for await (const chunk of stream) finish = chunk.choices[0]?.finish_reason ?? finish;
      expect(finish).toBeTruthy();
      expect(Date.now() - started).toBeGreaterThan(1000);
    } finally {
      await slow.close();
    }
  });
});

describe('item 7: content type, /metrics credential, quiet disconnects', () => {
  it('accepts only application/json bodies (415 otherwise), and counts the refusals', async () => {
    const { front } = await start({ limits: { requestsPerMinute: 4 } });
    const body = JSON.stringify(chat('typed'));
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', null]) {
      const res = await rawPost(front.url, '/v1/chat/completions', body, { contentType });
      expect(res.status, String(contentType)).toBe(415);
      const error = JSON.parse(res.body).error;
      expect(error.code).toBe('unsupported_media_type');
      expect(error.message).toContain('application/json');
    }
    const ok = await rawPost(front.url, '/v1/chat/completions', body, {
      contentType: 'application/json; charset=utf-8',
    });
    expect(ok.status).toBe(200);
    expect((await rawPost(front.url, '/v1/chat/completions', body)).status).toBe(429);
  });

  it('serves /metrics to the scrape credential only (GENAI_METRICS_KEYS), never to an API key', async () => {
    const scrape = `scrape-${randomUUID()}`;
    const { front } = await start({}, { env: { ...process.env, GENAI_METRICS_KEYS: scrape } });
    const get = (key?: string) =>
      fetch(`${front.url}/metrics`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
    expect((await get()).status).toBe(401);
    const withApiKey = await get(KEY_A);
    expect(withApiKey.status).toBe(403);
    expect(((await withApiKey.json()) as { error: { code: string } }).error.code).toBe('permission_denied');
    const scraped = await get(scrape);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('genai_front_requests_total');
    const { front: closed } = await start({}, { env: { ...process.env, GENAI_METRICS_KEYS: '' } });
    expect(
      (await fetch(`${closed.url}/metrics`, { headers: { authorization: `Bearer ${KEY_A}` } })).status,
    ).toBe(403);
  });

  it('logs a stream the caller cut before its first token as a cancellation, without a stack or an error', async () => {
    const slow = await startEmulator({ port: 0, latency: { baseMs: 3000 } });
    try {
      const { front, logs, openai } = await start({}, { emulatorUrl: slow.url });
      const abort = new AbortController();
      const pending = openai()
        .chat.completions.create({ ...chat('never mind'), stream: true }, { signal: abort.signal })
        .catch((e: unknown) => e);
      await until(() => slow.requests().inFlight === 1, 5000, 'upstream call started');
      abort.abort();
      await pending;
      await until(() => front.front.inFlight === 0, 5000, 'front idle');
      await until(() => logs.some((l) => l.path === '/v1/chat/completions'), 5000, 'request logged');
      const line = logs.find((l) => l.path === '/v1/chat/completions')!;
      expect(line).toMatchObject({ level: 'info', outcome: 'caller-disconnected' });
      expect(JSON.stringify(logs)).not.toContain('"stack"');
      expect(logs.filter((l) => l.level === 'error')).toEqual([]);
    } finally {
      await slow.close();
    }
  });
});

/** What a provider might say about our side: an IAM role, an internal host and address, a password, an account. */
const SECRETS = [
  'arn:aws:iam::123456789012:role/GatewayRole',
  'internal-db.corp.example.com',
  '10.20.30.40',
  'password=hunter2',
  'account 000000000000',
];
const LEAKS = ['123456789012', 'GatewayRole', 'internal-db', '10.20.30.40', 'hunter2', '000000000000'];
const PROVIDER_MODELS = {
  bedrock: CHAT,
  sagemaker: 'sagemaker/llama-3-8b-tgi',
  vertex: 'vertex/gemini-2.0-flash',
  azure: 'azure/gpt-4o-mini',
} as const;
type Provider = keyof typeof PROVIDER_MODELS;

interface ErrorCase {
  readonly kind: string;
  readonly fault: Omit<FaultRule, 'provider' | 'message'>;
  readonly status: number;
  readonly code: string;
  /** A word of the provider's text that is no secret: the log keeps it. */
  readonly reason: string;
}

const EVERY_PROVIDER: readonly ErrorCase[] = [
  {
    kind: 'invalid-request',
    fault: { status: 400 },
    status: 400,
    code: 'invalid_request',
    reason: 'MalformedThing',
  },
  {
    kind: 'context-length',
    fault: { status: 400 },
    status: 400,
    code: 'context_length_exceeded',
    reason: 'Input is too long for requested model',
  },
  {
    kind: 'auth (401)',
    fault: { status: 401 },
    status: 502,
    code: 'upstream_auth_error',
    reason: 'NotAllowedHere',
  },
  {
    kind: 'auth (403)',
    fault: { status: 403 },
    status: 502,
    code: 'upstream_auth_error',
    reason: 'NotAllowedHere',
  },
  { kind: 'not-found', fault: { status: 404 }, status: 404, code: 'model_not_found', reason: 'NoSuchModel' },
  { kind: 'throttled', fault: { status: 429 }, status: 429, code: 'upstream_throttled', reason: 'SlowDown' },
  {
    kind: 'unavailable',
    fault: { status: 503 },
    status: 503,
    code: 'upstream_unavailable',
    reason: 'TryLater',
  },
  {
    kind: 'server error',
    fault: { status: 500 },
    status: 503,
    code: 'upstream_unavailable',
    reason: 'Broken',
  },
];
const PER_PROVIDER: Record<Provider, readonly ErrorCase[]> = {
  bedrock: [
    {
      kind: 'model-error',
      fault: { errorType: 'ModelErrorException' },
      status: 502,
      code: 'upstream_model_error',
      reason: 'Boom',
    },
    {
      kind: 'timeout',
      fault: { errorType: 'ModelTimeoutException' },
      status: 504,
      code: 'upstream_timeout',
      reason: 'Slow',
    },
  ],
  sagemaker: [
    {
      kind: 'model-error',
      fault: { errorType: 'ModelError', originalStatusCode: 500 },
      status: 502,
      code: 'upstream_model_error',
      reason: 'Boom',
    },
    {
      kind: 'model-error 4xx',
      fault: { errorType: 'ModelError', originalStatusCode: 422 },
      status: 400,
      code: 'invalid_request',
      reason: 'Unprocessable',
    },
  ],
  vertex: [
    {
      kind: 'timeout',
      fault: { errorType: 'DEADLINE_EXCEEDED' },
      status: 504,
      code: 'upstream_timeout',
      reason: 'Slow',
    },
  ],
  azure: [
    {
      kind: 'content-filter',
      fault: { errorType: 'content_filter' },
      status: 400,
      code: 'content_filter',
      reason: 'Filtered',
    },
  ],
};

describe("item 1 (and 7's upstream auth): a provider's text never reaches the caller", () => {
  const providers = Object.keys(PROVIDER_MODELS) as Provider[];
  it.each(providers)(
    '%s: every kind answers in our words; the log keeps the reason, redacted',
    async (provider) => {
      const { logs, openai } = await start({}, { clientOptions: { circuitBreaker: false } });
      const model = PROVIDER_MODELS[provider];
      for (const c of [...EVERY_PROVIDER, ...PER_PROVIDER[provider]]) {
        const requestId = `req-${provider}-${c.kind.replace(/\W+/g, '-')}-${randomUUID().slice(0, 8)}`;
        emulator.setFaults([
          { provider, ...c.fault, message: `${c.reason}: ${SECRETS.join(', ')}`, count: 1 },
        ]);
        const error = await openai()
          .chat.completions.create(chat('x', { model }), { headers: { 'x-request-id': requestId } })
          .catch((e: unknown) => e);
        const label = `${provider} ${c.kind}`;
        expect(error, label).toBeInstanceOf(OpenAI.APIError);
        const apiError = error as InstanceType<typeof OpenAI.APIError>;
        expect([apiError.status, apiError.code], label).toEqual([c.status, c.code]);
        const shown = JSON.stringify(apiError.error);
        for (const leak of [...LEAKS, c.reason])
          expect(shown, `${label} shows "${leak}"`).not.toContain(leak);
        if (c.status === 400 && c.code !== 'content_filter')
          expect(apiError.message, label).toContain(requestId);
        await until(() => logs.some((l) => l.requestId === requestId), 2000, `${label} logged`);
        const line = JSON.stringify(logs.find((l) => l.requestId === requestId));
        expect(line, label).toContain(c.reason);
        for (const leak of LEAKS) expect(line, `${label} logs "${leak}"`).not.toContain(leak);
      }
    },
  );

  it('answers an over-long prompt to a SageMaker TGI endpoint without its CloudWatch link or account', async () => {
    const { logs, openai } = await start();
    // Digits mapped to letters: a UUID's last group can be 12 digits, which the account-id check below would see.
    const requestId = `req-long-${randomUUID().replace(/\d/g, (d) => 'ghijklmnop'[Number(d)]!)}`;
    const error = await openai()
      .chat.completions.create(chat('word '.repeat(9000), { model: PROVIDER_MODELS.sagemaker }), {
        headers: { 'x-request-id': requestId },
      })
      .catch((e: unknown) => e);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect([apiError.status, apiError.code]).toEqual([400, 'context_length_exceeded']);
    expect(apiError.message).toContain('shorten the messages or lower max_tokens');
    expect(apiError.message).toContain(requestId);
    expect(JSON.stringify(apiError.error)).not.toMatch(/console\.aws|\/aws\/sagemaker|\d{12}|max_new_tokens/);
    await until(() => logs.some((l) => l.requestId === requestId), 2000, 'logged');
    const line = JSON.stringify(logs.find((l) => l.requestId === requestId));
    expect(line).toContain('max_new_tokens');
    expect(line).toContain('[url]');
    expect(line).not.toMatch(/console\.aws|\d{12}/);
  });
});
