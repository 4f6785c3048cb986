/**
 * Evidence for issue 7: the front, end to end. The official `openai` client talks to the front, which
 * reaches the emulator of the four clouds through @genai-deploy/client and the providers' official clients,
 * over real sockets.
 */
import { randomUUID } from 'node:crypto';
import type { ClientOptions } from '@genai-deploy/client';
import { startEmulator } from '@genai-deploy/emulator';
import { ApiKeys, createLogger, type RunningFront, startFront } from '@genai-deploy/front';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  LOCAL_CHAT_MODELS,
  LOCAL_EMBEDDING_MODELS,
  type LocalPlatform,
  localClientOptions,
  localConfig,
  startLocalPlatform,
} from '../apps/local/src/platform.js';
import { startCountingProxy, until } from './front-helpers.js';

const KEY = `sk-e2e-${randomUUID()}`;
/** The scrape credential of /metrics (API keys cannot read it). */
const SCRAPER = `scrape-e2e-${randomUUID()}`;
const silent = createLogger({ level: 'silent' });
let platform: LocalPlatform;
let openai: OpenAI;

/** The local platform's client options with Azure also pointed at this file's emulator, plus `extra`. */
function clientOptionsOnEmulator(extra: Omit<ClientOptions, 'providers'> = {}): ClientOptions {
  const local = localClientOptions();
  return {
    ...local,
    providers: { ...local.providers, azure: { endpoint: platform.emulator.url, apiKey: 'k' } },
    ...extra,
  };
}

beforeAll(async () => {
  platform = await startLocalPlatform({
    port: 0,
    emulatorPort: 0,
    apiKeys: [KEY],
    front: { logger: silent, jobs: { pollMs: 50 }, metricsKeys: ApiKeys.from({ keys: [SCRAPER] }) },
    // One attempt per target keeps the fault tests fast and their counts exact.
    clientOptions: { retry: false },
  });
  openai = new OpenAI({ apiKey: KEY, baseURL: `${platform.front.url}/v1`, maxRetries: 0, timeout: 20_000 });
});
afterAll(async () => {
  await platform?.close();
});
beforeEach(() => platform.emulator.reset());

const ask = (model: string, content = 'Name three uses of a GPU.') => ({
  model,
  messages: [
    { role: 'system' as const, content: 'Answer briefly.' },
    { role: 'user' as const, content },
  ],
  max_tokens: 24,
});

describe('chat completions through the openai client', () => {
  it.each(LOCAL_CHAT_MODELS)('%s answers, with gateway headers', async (model) => {
    const { data, response } = await openai.chat.completions.create(ask(model)).withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe(model);
    expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-genai-provider')).toBe(model.split('/')[0]);
    expect(response.headers.get('x-genai-cache')).toBe('miss');
    expect(response.headers.get('x-genai-attempts')).toBe('1');
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  it.each(LOCAL_CHAT_MODELS)('%s streams the same answer, usage last', async (model) => {
    const whole = await openai.chat.completions.create(ask(model, 'Stream me.'));
    const stream = await openai.chat.completions.create({
      ...ask(model, 'Stream me.'),
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      chunks += 1;
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text).toBe(whole.choices[0]?.message.content);
    expect(finish).toBe(whole.choices[0]?.finish_reason);
    expect(usage).toEqual(whole.usage);
  });

  it('serves a repeated deterministic request from the cache', async () => {
    const request = { ...ask('azure/gpt-4o-mini', 'cache me'), temperature: 0 };
    const first = await openai.chat.completions.create(request).withResponse();
    const second = await openai.chat.completions.create(request).withResponse();
    expect(first.response.headers.get('x-genai-cache')).toBe('miss');
    expect(second.response.headers.get('x-genai-cache')).toBe('hit');
    expect(second.response.headers.get('x-genai-attempts')).toBe('0');
    expect(second.data.choices[0]?.message.content).toBe(first.data.choices[0]?.message.content);
    expect(platform.emulator.requests().total).toBe(1);
    const metrics = await (
      await fetch(`${platform.front.url}/metrics`, { headers: { authorization: `Bearer ${SCRAPER}` } })
    ).text();
    expect(metrics).toMatch(/genai_front_cache_total\{model="azure\/gpt-4o-mini",result="hit"\} [1-9]/);
  });

  it('falls back along a route when the first target is down', async () => {
    platform.emulator.setFaults([{ provider: 'bedrock', status: 503 }]);
    const { data, response } = await openai.chat.completions.create(ask('chat')).withResponse();
    expect(data.model).toBe('vertex/gemini-2.0-flash');
    expect(response.headers.get('x-genai-provider')).toBe('vertex');
    expect(response.headers.get('x-genai-attempts')).toBe('2');
    // The failed Bedrock attempt is counted too, by target.
    const metrics = await (
      await fetch(`${platform.front.url}/metrics`, { headers: { authorization: `Bearer ${SCRAPER}` } })
    ).text();
    expect(metrics).toMatch(
      /genai_front_upstream_requests_total\{target="bedrock\/anthropic\.claude-3-5-haiku-20241022-v1:0",provider="bedrock"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /genai_front_upstream_requests_total\{target="vertex\/gemini-2\.0-flash",provider="vertex"\} [1-9]/,
    );
  });

  it('maps upstream failures to OpenAI errors with the right status', async () => {
    const model = 'azure/gpt-4o-mini';
    const cases = [
      {
        fault: { provider: 'azure' as const, status: 429, retryAfterMs: 3000 },
        status: 429,
        code: 'upstream_throttled',
      },
      { fault: { provider: 'azure' as const, status: 503 }, status: 503, code: 'upstream_unavailable' },
      { fault: { provider: 'azure' as const, status: 401 }, status: 502, code: 'upstream_auth_error' },
    ];
    for (const c of cases) {
      platform.emulator.setFaults([c.fault]);
      const error = await openai.chat.completions.create(ask(model)).catch((e: unknown) => e);
      expect(error, JSON.stringify(c.fault)).toBeInstanceOf(OpenAI.APIError);
      const apiError = error as InstanceType<typeof OpenAI.APIError>;
      expect(apiError.status, JSON.stringify(c.fault)).toBe(c.status);
      expect(apiError.code).toBe(c.code);
      if (c.status === 429) expect(apiError.headers?.get('retry-after')).toBe('3');
    }
  });
});

describe('embeddings through the openai client', () => {
  it.each(LOCAL_EMBEDDING_MODELS)('%s embeds in input order; base64 and float agree', async (model) => {
    const input = ['the first text', 'a second, different text'];
    // The openai client asks for base64 by default and decodes it.
    const b64 = await openai.embeddings.create({ model, input });
    const float = await openai.embeddings.create({ model, input, encoding_format: 'float' });
    expect(b64.data).toHaveLength(2);
    expect(b64.data.map((d) => d.index)).toEqual([0, 1]);
    const [a, b] = float.data.map((d) => d.embedding);
    expect(a!.length).toBeGreaterThan(16);
    expect(a).not.toEqual(b);
    b64.data.forEach((d, i) => {
      const f = float.data[i]!.embedding;
      expect(d.embedding).toHaveLength(f.length);
      for (const [j, v] of d.embedding.entries()) expect(v).toBeCloseTo(f[j]!, 6);
    });
    const single = await openai.embeddings.create({
      model,
      input: 'the first text',
      encoding_format: 'float',
    });
    for (const [j, v] of single.data[0]!.embedding.entries()) expect(v).toBeCloseTo(a![j]!, 9);
  });
});

describe("the client's cache and batching counters in /metrics", () => {
  it('counts batched texts, cache lookups by result and coalesced texts', async () => {
    const model = 'vertex/text-embedding-005';
    const metricsText = async () =>
      (
        await fetch(`${platform.front.url}/metrics`, { headers: { authorization: `Bearer ${SCRAPER}` } })
      ).text();
    const value = (text: string, series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? 0 : Number(line.slice(series.length + 1));
    };
    const batched = `genai_client_embedding_batch_size_sum{target="${model}"}`;
    const before = await metricsText();
    const texts = Array.from({ length: 5 }, (_, i) => `metrics text ${randomUUID()} ${i}`);
    // The same new text asked twice at once: one of them shares the other's upstream slot.
    await Promise.all([...texts, texts[0]!].map((input) => openai.embeddings.create({ model, input })));
    await openai.embeddings.create({ model, input: texts[1]! }); // now cached
    const after = await metricsText();
    expect(value(after, batched) - value(before, batched)).toBe(5);
    expect(platform.emulator.requests().items['vertex.predict']).toBe(5);
    const lookups = (result: string) =>
      value(after, `genai_client_cache_lookups_total{result="${result}"}`) -
      value(before, `genai_client_cache_lookups_total{result="${result}"}`);
    expect(lookups('miss')).toBeGreaterThanOrEqual(5);
    // The last call is a memory hit; the duplicate either shared the first one's slot or, arriving after its
    // answer, was a hit too: either way it is counted, and it never went upstream (5 texts above).
    const coalesced = 'genai_client_coalesced_total{scope="process"}';
    expect(lookups('memory_hit') + value(after, coalesced) - value(before, coalesced)).toBeGreaterThanOrEqual(
      2,
    );
    expect(after).toContain('# TYPE genai_client_cache_fail_open_total counter');
  });
});

describe('models, auth and validation', () => {
  it('lists configured models and routes', async () => {
    const ids = [];
    for await (const m of openai.models.list()) ids.push(m.id);
    expect(ids).toEqual(
      expect.arrayContaining([...LOCAL_CHAT_MODELS, ...LOCAL_EMBEDDING_MODELS, 'chat', 'embed']),
    );
  });

  it('rejects a wrong key with 401', async () => {
    const wrong = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${platform.front.url}/v1`, maxRetries: 0 });
    const error = await wrong.chat.completions.create(ask('chat')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('invalid_api_key');
    expect(platform.emulator.requests().total).toBe(0);
  });

  it('names the invalid field with 400 and never calls upstream', async () => {
    const error = await openai.chat.completions
      .create({ ...ask('chat'), temperature: 7 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.APIError>).param).toBe('temperature');
    const unknown = await openai.chat.completions
      .create(ask('bedrock/not-configured'))
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(platform.emulator.requests().total).toBe(0);
  });
});

describe('fuzzed requests through the real client and emulator', () => {
  it('never answer 5xx', async () => {
    const text = fc.string({ maxLength: 60, unit: 'grapheme' });
    const body = fc
      .record(
        {
          model: fc.constantFrom(...LOCAL_CHAT_MODELS, 'chat'),
          // An optional system message, then turns alternating from the user's, ending with one.
          messages: fc
            .tuple(fc.option(text), fc.array(text, { maxLength: 2 }), text)
            .map(([system, turns, last]) => [
              ...(system === null ? [] : [{ role: 'system', content: system }]),
              ...turns.flatMap((t) => [
                { role: 'user', content: t },
                { role: 'assistant', content: t },
              ]),
              { role: 'user', content: last },
            ]),
          max_tokens: fc.integer({ min: 1, max: 40 }),
          temperature: fc.double({ min: 0, max: 1, noNaN: true }),
          top_p: fc.double({ min: 0, max: 1, noNaN: true }),
          stop: fc.array(fc.string({ minLength: 1, maxLength: 5 }), { maxLength: 4 }),
          stream: fc.boolean(),
        },
        { requiredKeys: ['model', 'messages'] },
      )
      .chain((b) =>
        fc.oneof(
          { weight: 3, arbitrary: fc.constant(b) },
          fc
            .tuple(fc.constantFrom('temperature', 'max_tokens', 'stop', 'messages', 'model'), fc.jsonValue())
            .map(([k, v]) => ({ ...b, [k]: v })),
        ),
      );
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await fetch(`${platform.front.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify(b),
        });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, `${JSON.stringify(b)} -> ${text.slice(0, 300)}`).toBeLessThan(500);
        if (res.status === 200 && b.stream === true)
          expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
      }),
      { numRuns: 250, seed: 11 },
    );
    expect(statuses.get(200)).toBeGreaterThan(100);
  });
});

describe('limits on a strict front', () => {
  let strict: RunningFront;
  let client: OpenAI;
  beforeAll(async () => {
    strict = await startFront({
      config: { ...localConfig(platform.emulator.url), limits: { requestsPerMinute: 3, maxBodyBytes: 4096 } },
      apiKeys: [KEY],
      clientOptions: clientOptionsOnEmulator(),
      logger: silent,
    });
    client = new OpenAI({ apiKey: KEY, baseURL: `${strict.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => strict?.close());

  it('answers 413 over the body limit and 429 with Retry-After over the request rate', async () => {
    const big = await client.chat.completions.create(ask('chat', 'x'.repeat(5000))).catch((e: unknown) => e);
    expect((big as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    const results = [];
    for (let i = 0; i < 5; i++) {
      results.push(
        await client.chat.completions.create(ask('chat')).then(
          () => 200,
          (e: InstanceType<typeof OpenAI.APIError>) => e,
        ),
      );
    }
    // The 413 counted as well (every request a key makes does): two more fit in the 3 a minute.
    expect(results.slice(0, 2)).toEqual([200, 200]);
    const limited = results[2] as InstanceType<typeof OpenAI.RateLimitError>;
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(Number(limited.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.code).toBe('rate_limit_exceeded');
  });
});

describe('a caller that disconnects mid-stream', () => {
  it.each(['bedrock/anthropic.claude-3-5-haiku-20241022-v1:0', 'vertex/gemini-2.0-flash'])(
    '%s: the emulator sees the upstream stream closed',
    async (model) => {
      const slow = await startEmulator({ latency: { perTokenMs: 50 } });
      const config = localConfig(slow.url);
      const front = await startFront({
        config,
        apiKeys: [KEY],
        clientOptions: { ...localClientOptions(), retry: false },
        logger: silent,
      });
      try {
        const client = new OpenAI({ apiKey: KEY, baseURL: `${front.url}/v1`, maxRetries: 0 });
        const stream = await client.chat.completions.create({ ...ask(model), max_tokens: 400, stream: true });
        let chunks = 0;
        for await (const _ of stream) {
          chunks += 1;
          if (chunks === 3) {
            expect(slow.requests().inFlight).toBe(1);
            break;
          }
        }
        // 400 tokens at 50 ms would keep the upstream stream open for 20 s.
        await until(() => slow.requests().inFlight === 0, 5000, 'upstream stream closed');
        await until(() => front.front.inFlight === 0, 5000, 'front idle');
      } finally {
        await front.close();
        await slow.close();
      }
    },
  );

  it('aborts the upstream call', async () => {
    // A paced emulator (50 ms a token) behind a proxy that sees upstream requests end early.
    const slow = await startEmulator({ latency: { perTokenMs: 50 } });
    const proxy = await startCountingProxy(slow.url);
    const front = await startFront({
      config: { models: [{ id: 'azure/gpt-4o-mini' }], providers: { azure: { endpoint: proxy.url } } },
      apiKeys: [KEY],
      clientOptions: { providers: { azure: { endpoint: proxy.url, apiKey: 'k' } }, retry: false },
      logger: silent,
    });
    try {
      const client = new OpenAI({ apiKey: KEY, baseURL: `${front.url}/v1`, maxRetries: 0 });
      const stream = await client.chat.completions.create({
        ...ask('azure/gpt-4o-mini'),
        max_tokens: 400,
        stream: true,
      });
      let chunks = 0;
      for await (const _ of stream) {
        chunks += 1;
        if (chunks === 4) break; // leaving the loop aborts the HTTP request
      }
      const started = Date.now();
      await until(() => proxy.stats.abandoned === 1, 5000, 'upstream request abandoned');
      // 400 tokens at 50 ms would take 20 s: the upstream stream was cut, not finished.
      expect(Date.now() - started).toBeLessThan(5000);
      expect(proxy.stats).toMatchObject({ started: 1, completed: 0, abandoned: 1, open: 0 });
      await until(() => front.front.inFlight === 0, 5000, 'front idle');
    } finally {
      await front.close();
      await proxy.close();
      await slow.close();
    }
  });
});

interface JobView {
  id: string;
  status: string;
  attempts: number;
  result?: OpenAI.ChatCompletion;
  error?: { code: string };
}

const jobsApi = (base: string) => ({
  submit: async (body: object) => {
    const res = await fetch(`${base}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as JobView };
  },
  get: async (id: string) => {
    const res = await fetch(`${base}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${KEY}` } });
    return (await res.json()) as JobView;
  },
});

async function waitForJob(api: ReturnType<typeof jobsApi>, id: string, status: string): Promise<JobView> {
  let view: JobView | undefined;
  await until(
    async () => {
      view = await api.get(id);
      return view.status === status;
    },
    10_000,
    `job ${id} ${status}`,
  );
  return view!;
}

describe('async jobs', () => {
  it('runs a chat request in the background (memory store)', async () => {
    const api = jobsApi(platform.front.url);
    const { status, body } = await api.submit(ask('chat'));
    expect(status).toBe(202);
    const view = await waitForJob(api, body.id, 'succeeded');
    const direct = await openai.chat.completions.create(ask('chat'));
    expect(view.result?.choices[0]?.message.content).toBe(direct.choices[0]?.message.content);
  });

  it('survive a restart of the front with Redis: queued and running jobs are picked up again', async () => {
    const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const prefix = `test:front:e2e:${randomUUID()}:`;
    const redisA = new Redis(url);
    const redisB = new Redis(url);
    const start = (redis: Redis, workers: boolean) =>
      startFront({
        config: localConfig(platform.emulator.url),
        apiKeys: [KEY],
        clientOptions: clientOptionsOnEmulator({ retry: false }),
        redis,
        keyPrefix: prefix,
        logger: silent,
        jobs: { workers, pollMs: 50, leaseMs: 1000 },
      });
    let b: RunningFront | undefined;
    try {
      // The first instance takes a job whose upstream call hangs, and queues two more behind it.
      platform.emulator.setFaults([{ provider: 'azure', kind: 'hang', hangMs: 30_000, count: 1 }]);
      const a = await start(redisA, true);
      const apiA = jobsApi(a.url);
      const running = (await apiA.submit({ ...ask('azure/gpt-4o-mini'), max_tokens: 8 })).body;
      await until(async () => (await apiA.get(running.id)).status === 'running', 5000, 'job running');
      const queued = [];
      for (let i = 0; i < 2; i++)
        queued.push(
          (await apiA.submit(ask('bedrock/anthropic.claude-3-5-haiku-20241022-v1:0', `q${i}`))).body,
        );
      // A has concurrency 4, so stop its workers from taking the queued ones: restart happens now.
      await a.close(0);

      b = await start(redisB, true);
      const apiB = jobsApi(b.url);
      for (const job of [running, ...queued]) {
        const view = await waitForJob(apiB, job.id, 'succeeded');
        expect(view.result?.choices[0]?.message.content?.length).toBeGreaterThan(0);
      }
      expect((await apiB.get(running.id)).attempts).toBe(2);
    } finally {
      await b?.close();
      const keys = await redisB.keys(`${prefix}*`);
      if (keys.length > 0) await redisB.del(...keys);
      redisA.disconnect();
      await redisB.quit();
    }
  });
});

describe('a deployment with cache.redisUrl', () => {
  it('shares answers and limits across instances through one Redis, under its own prefix', async () => {
    const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const prefix = `test:front:e2e:${randomUUID()}:`;
    const start = () =>
      startFront({
        config: {
          ...localConfig(platform.emulator.url),
          cache: { redisUrl: url },
          limits: { requestsPerMinute: 3 },
        },
        apiKeys: [KEY],
        clientOptions: { ...localClientOptions(), retry: false },
        env: { ...process.env, GENAI_REDIS_PREFIX: prefix },
        logger: silent,
      });
    const [a, b] = [await start(), await start()];
    const redis = new Redis(url);
    try {
      const request = {
        ...ask('bedrock/anthropic.claude-3-5-haiku-20241022-v1:0', 'shared'),
        temperature: 0,
      };
      const viaA = await new OpenAI({ apiKey: KEY, baseURL: `${a.url}/v1`, maxRetries: 0 }).chat.completions
        .create(request)
        .withResponse();
      const clientB = new OpenAI({ apiKey: KEY, baseURL: `${b.url}/v1`, maxRetries: 0 });
      const viaB = await clientB.chat.completions.create(request).withResponse();
      expect(viaA.response.headers.get('x-genai-cache')).toBe('miss');
      expect(viaB.response.headers.get('x-genai-cache')).toBe('hit');
      expect(platform.emulator.requests().total).toBe(1);
      // Two requests spent on A, so B allows one more for this key: the budget is shared.
      await clientB.chat.completions.create(request);
      const refused = await clientB.chat.completions.create(request).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
      const keys = await redis.keys(`${prefix}*`);
      expect(keys.some((k) => k.startsWith(`${prefix}cache:`))).toBe(true);
      expect(keys.some((k) => k.startsWith(`${prefix}rl:`))).toBe(true);
    } finally {
      await a.close();
      await b.close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });
});
