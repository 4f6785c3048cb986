import { Writable } from 'node:stream';
import type { ClientOptions } from '@genai-deploy/client';
import { type FrontConfigInput, parseFrontConfig } from '@genai-deploy/config';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFront, type Front } from './app.js';
import { ApiKeys } from './auth.js';
import type { GatewayClient } from './client.js';
import {
  type Emulator,
  emulatorClient,
  emulatorProviders,
  type FaultRule,
  startEmulator,
} from './emulator.test-utils.js';
import { createLogger } from './logger.js';
import { FrontMetrics } from './metrics.js';

// Response bodies are asserted field by field; the type only has to let the test reach into them.
// biome-ignore lint/suspicious/noExplicitAny: test-only view of JSON bodies
type Loose = any;

const KEY = 'sk-test-key-1';
const OTHER = 'sk-test-key-2';
const SCRAPER = 'scrape-credential-1';
const BEDROCK = 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0';

let emulator: Emulator;
let baseConfig: FrontConfigInput;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  baseConfig = {
    models: [
      { id: BEDROCK, maxOutputTokens: 512, maxInputTokens: 1000 },
      { id: 'azure/gpt-4o-mini' },
      { id: 'vertex/text-embedding-005', kind: 'embedding', maxInputTokens: 100 },
    ],
    routes: { fast: { targets: [BEDROCK, 'azure/gpt-4o-mini'] } },
    providers: emulatorProviders(emulator.url),
  };
});
afterAll(() => emulator?.close());
beforeEach(() => emulator.reset());

const fronts: Front[] = [];
const clients: GatewayClient[] = [];
afterEach(async () => {
  await Promise.all(fronts.splice(0).map((f) => f.close()));
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/**
 * A front on the real client against the emulator. One attempt per target (retry off) keeps the fault
 * tests exact; pass `client` to share one client (and its cache) between fronts.
 */
function make(
  config: FrontConfigInput = baseConfig,
  options: { logs?: string[]; client?: GatewayClient; clientOptions?: ClientOptions } = {},
) {
  const client =
    options.client ??
    emulatorClient(config, { retry: false, circuitBreaker: false, ...options.clientOptions });
  if (!options.client) clients.push(client);
  const destination = new Writable({
    write(chunk, _enc, cb) {
      options.logs?.push(String(chunk));
      cb();
    },
  });
  const front = createFront({
    config: parseFrontConfig(config),
    apiKeys: ApiKeys.from({ keys: [KEY, OTHER] }),
    metricsKeys: ApiKeys.from({ keys: [SCRAPER] }),
    // The front closes its client on close(); a shared client is closed by its owner.
    client: options.client ? unclosable(options.client) : client,
    logger: createLogger({ level: 'info', destination }),
    metrics: new FrontMetrics({ defaultMetrics: false }),
    jobs: { pollMs: 20 },
  });
  fronts.push(front);
  const request = (
    path: string,
    init: { method?: string; body?: unknown; key?: string | null; headers?: Record<string, string> } = {},
  ) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
    if (init.key !== null) headers.authorization = `Bearer ${init.key ?? KEY}`;
    const body =
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body);
    return front.app.request(path, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
    }) as Promise<Omit<Response, 'json'> & { json(): Promise<Loose> }>;
  };
  return { front, client, request };
}

/** The same client seen through a second front, which must not close it. */
function unclosable(client: GatewayClient): GatewayClient {
  return {
    generate: (r) => client.generate(r),
    stream: (r) => client.stream(r),
    embed: (r) => client.embed(r),
    close() {},
  };
}

const chat = (content: string, extra: object = {}) => ({
  model: BEDROCK,
  messages: [{ role: 'user', content }],
  ...extra,
});

describe('auth', () => {
  it('answers 401 in OpenAI error shape without a key or with a wrong key', async () => {
    const { request } = make();
    for (const key of [null, 'sk-wrong']) {
      const res = await request('/v1/models', { key });
      expect(res.status).toBe(401);
      const body = await res.json();
      expect(body).toEqual({
        error: {
          message: expect.stringContaining('API key'),
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      });
    }
  });

  it('accepts Bearer and x-api-key', async () => {
    const { request } = make();
    expect((await request('/v1/models')).status).toBe(200);
    expect((await request('/v1/models', { key: null, headers: { 'x-api-key': OTHER } })).status).toBe(200);
  });

  it('leaves /health and /ready open and protects /metrics', async () => {
    const { request } = make();
    expect((await request('/health', { key: null })).status).toBe(200);
    expect(await (await request('/ready', { key: null })).json()).toMatchObject({ status: 'ready' });
    expect((await request('/metrics', { key: null })).status).toBe(401);
    // A caller's API key is not a scrape credential.
    const withApiKey = await request('/metrics');
    expect(withApiKey.status).toBe(403);
    expect((await withApiKey.json()).error.message).toContain('GENAI_METRICS_KEYS');
    expect((await request('/metrics', { key: SCRAPER })).status).toBe(200);
    // ... nor the reverse.
    expect((await request('/v1/models', { key: SCRAPER })).status).toBe(401);
  });
});

describe('chat completions', () => {
  it('answers in OpenAI shape with the gateway headers, and maps system messages', async () => {
    // One cache for every key, so the direct client call below (no key) finds the front's entry.
    const { request, client } = make({ ...baseConfig, cache: { scope: 'shared' } });
    const ask = () =>
      request('/v1/chat/completions', {
        body: {
          model: 'fast',
          messages: [
            { role: 'system', content: 'be brief' },
            { role: 'developer', content: 'and kind' },
            { role: 'user', content: [{ type: 'text', text: 'hi' }] },
          ],
          max_tokens: 100,
          temperature: 0,
          stop: 'END',
        },
        headers: { 'x-request-id': 'req-123' },
      });
    const miss = await ask();
    expect(miss.status).toBe(200);
    expect(miss.headers.get('x-genai-cache')).toBe('miss');
    expect(miss.headers.get('x-genai-attempts')).toBe('1');
    const answer = (await miss.json()).choices[0].message.content;
    // temperature 0 is cached by the client: the same request again is a hit that costs no attempt.
    const res = await ask();
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req-123');
    expect(res.headers.get('x-genai-cache')).toBe('hit');
    expect(res.headers.get('x-genai-attempts')).toBe('0');
    expect(res.headers.get('x-genai-provider')).toBe('bedrock');
    const body = await res.json();
    expect(body).toMatchObject({
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) },
    });
    expect(answer.length).toBeGreaterThan(0);
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(emulator.requests().byOperation).toEqual({ 'bedrock.converse': 1 });
    // The client's cache key is the whole request: this hit proves the front sent exactly this mapping.
    const direct = await client.generate({
      model: 'fast',
      system: 'be brief\n\nand kind',
      messages: [{ role: 'user', content: 'hi' }],
      maxTokens: 100,
      temperature: 0,
      stop: ['END'],
    });
    expect(direct).toMatchObject({ cached: true, text: answer });
  });

  it('generates a request id when none (or a malformed one) is sent', async () => {
    const { request } = make();
    const res = await request('/v1/chat/completions', {
      body: chat('x'),
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('streams OpenAI chunks ending with [DONE], usage last when asked', async () => {
    const { request } = make();
    const whole = (await (await request('/v1/chat/completions', { body: chat('one two three') })).json())
      .choices[0].message.content;
    const res = await request('/v1/chat/completions', {
      body: chat('one two three', { stream: true, stream_options: { include_usage: true } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    // Headers leave with the first delta, which does not say whether it is a cache hit or how many attempts
    // it took (the finish event does, at the end): only the provider of a single-provider model is known.
    expect(res.headers.get('x-genai-provider')).toBe('bedrock');
    expect(res.headers.get('x-genai-cache')).toBeNull();
    expect(res.headers.get('x-genai-attempts')).toBeNull();
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, '')));
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    // The emulator streams one word per chunk; together they are the non-streamed answer.
    expect(chunks.length).toBeGreaterThan(4);
    expect(text).toBe(whole);
    expect(chunks.at(-2).choices[0].finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    // A route over two providers may fall back before the first token: no provider header then.
    const routed = await request('/v1/chat/completions', {
      body: { ...chat('x', { stream: true }), model: 'fast' },
    });
    expect(routed.status).toBe(200);
    expect(routed.headers.get('x-genai-provider')).toBeNull();
    expect(await routed.text()).toContain('data: [DONE]');
  });
});

describe('chat completions: upstream errors', () => {
  it('turns upstream errors into OpenAI errors with the right status, without leaking details', async () => {
    const { request } = make();
    const secret = 'secret-account-123';
    // Each upstream failure as the provider sends it (the client maps it to the kind named first).
    const cases: [string, number, string, FaultRule][] = [
      ['throttled', 429, 'upstream_throttled', { provider: 'bedrock', status: 429, retryAfterMs: 2500 }],
      ['unavailable', 503, 'upstream_unavailable', { provider: 'bedrock', status: 503 }],
      ['timeout', 504, 'upstream_timeout', { provider: 'bedrock', errorType: 'ModelTimeoutException' }],
      ['invalid-request', 400, 'invalid_request', { provider: 'bedrock', status: 400 }],
      ['auth', 502, 'upstream_auth_error', { provider: 'bedrock', errorType: 'AccessDeniedException' }],
      [
        'context-length',
        400,
        'context_length_exceeded',
        { provider: 'bedrock', status: 400, message: `Input is too long for requested model (${secret})` },
      ],
      ['content-filter', 400, 'content_filter', { provider: 'azure', errorType: 'content_filter' }],
      ['not-found', 404, 'model_not_found', { provider: 'bedrock', errorType: 'ResourceNotFoundException' }],
      ['model-error', 502, 'upstream_model_error', { provider: 'bedrock', errorType: 'ModelErrorException' }],
    ];
    for (const [kind, status, code, fault] of cases) {
      emulator.setFaults([{ message: `upstream says ${kind} (${secret})`, ...fault, count: 1 }]);
      const model = fault.provider === 'azure' ? 'azure/gpt-4o-mini' : BEDROCK;
      const res = await request('/v1/chat/completions', { body: { ...chat('x'), model } });
      expect(res.status, kind).toBe(status);
      const body = await res.json();
      expect(body.error.code, kind).toBe(code);
      if (kind === 'throttled') expect(res.headers.get('retry-after')).toBe('3');
      if (['auth', 'model-error', 'unavailable', 'timeout'].includes(kind)) {
        expect(body.error.message).not.toContain('secret-account');
      }
      expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
    }
    expect(emulator.requests().total).toBe(cases.length);
  });

  it('answers an open circuit as 503 upstream_unavailable without calling upstream', async () => {
    const { request } = make(baseConfig, {
      clientOptions: { circuitBreaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 } },
    });
    emulator.setFaults([{ provider: 'bedrock', status: 503, count: 1 }]);
    expect((await request('/v1/chat/completions', { body: chat('x') })).status).toBe(503);
    const res = await request('/v1/chat/completions', { body: chat('x') });
    expect(res.status).toBe(503);
    expect((await res.json()).error.code).toBe('upstream_unavailable');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(emulator.requests().total).toBe(1);
  });

  it('answers an upstream error before the first token of a stream as a plain HTTP error', async () => {
    const { request } = make();
    emulator.setFaults([
      { provider: 'bedrock', operation: 'bedrock.converseStream', status: 429, retryAfterMs: 2500, count: 1 },
    ]);
    const res = await request('/v1/chat/completions', { body: chat('x', { stream: true }) });
    expect(res.status).toBe(429);
    expect((await res.json()).error.code).toBe('upstream_throttled');
    expect(res.headers.get('retry-after')).toBe('3');
  });
});

describe('validation and limits', () => {
  it('names the bad field', async () => {
    const { request } = make();
    const cases: [unknown, string][] = [
      [{ messages: [{ role: 'user', content: 'x' }] }, 'model'],
      [{ model: 'fast', messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role'],
      [{ model: 'fast', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id'],
      [{ model: 'fast', messages: [] }, 'messages'],
      [{ model: 'fast', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
      [chat('x', { temperature: 3 }), 'temperature'],
      [chat('x', { max_tokens: 0 }), 'max_tokens'],
      [chat('x', { max_tokens: 513 }), 'max_tokens'],
      [chat('x', { max_completion_tokens: 10_000 }), 'max_completion_tokens'],
      [chat('x', { n: 2 }), 'n'],
      [chat('x', { tools: [{ type: 'function' }] }), 'tools[0].function'],
      [chat('x', { stop: ['a', 'b', 'c', 'd', 'e'] }), 'stop'],
      [{ model: 'fast', messages: [{ role: 'system', content: 'only system' }] }, 'messages'],
    ];
    for (const [body, param] of cases) {
      const res = await request('/v1/chat/completions', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const err = (await res.json()).error;
      expect(err.param, JSON.stringify(body)).toBe(param);
      expect(err.type).toBe('invalid_request_error');
      expect(err.message).toContain(param);
    }
  });

  it('rejects bodies that are not JSON objects', async () => {
    const { request } = make();
    for (const body of ['{not json', '[]', '"x"', '']) {
      const res = await request('/v1/chat/completions', { body, method: 'POST' });
      expect(res.status, body).toBe(400);
    }
  });

  it('answers 404 for unknown models and 400 for the wrong kind', async () => {
    const { request } = make();
    const unknown = await request('/v1/chat/completions', {
      body: { ...chat('x'), model: 'bedrock/not-configured' },
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as Loose).error).toMatchObject({
      code: 'model_not_found',
      param: 'model',
    });
    const wrongKind = await request('/v1/chat/completions', {
      body: { ...chat('x'), model: 'vertex/text-embedding-005' },
    });
    expect(wrongKind.status).toBe(400);
    const wrongKind2 = await request('/v1/embeddings', { body: { model: 'fast', input: 'x' } });
    expect(wrongKind2.status).toBe(400);
  });

  it('limits the prompt length per model', async () => {
    const { request } = make();
    const res = await request('/v1/chat/completions', { body: chat('x'.repeat(5000)) });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('context_length_exceeded');
    const emb = await request('/v1/embeddings', {
      body: { model: 'vertex/text-embedding-005', input: ['ok', 'y'.repeat(1000)] },
    });
    expect(emb.status).toBe(400);
    expect((await emb.json()).error.param).toBe('input[1]');
  });

  it('answers 413 for a body over the limit, with or without content-length', async () => {
    const { front } = make({ ...baseConfig, limits: { maxBodyBytes: 1000 } });
    const big = JSON.stringify(chat('z'.repeat(2000)));
    const res = await front.app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as Loose).error.code).toBe('request_too_large');
    const chunked = await front.app.request('/v1/chat/completions', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${KEY}`,
        'content-type': 'application/json',
        'transfer-encoding': 'chunked',
      },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('limits requests per minute per key with 429 and Retry-After', async () => {
    const { request } = make({ ...baseConfig, limits: { requestsPerMinute: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await request('/v1/chat/completions', { body: chat('x') })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const res = await request('/v1/chat/completions', { body: chat('x') });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await res.json()).error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    // Another key has its own budget.
    expect((await request('/v1/chat/completions', { body: chat('x'), key: OTHER })).status).toBe(200);
  });

  it('limits tokens per minute per key', async () => {
    const { request } = make({ ...baseConfig, limits: { tokensPerMinute: 100 } });
    // 150 words: the emulator counts each as a token, so the first call spends more than the budget.
    const first = await request('/v1/chat/completions', { body: chat('a '.repeat(150)) });
    expect(first.status).toBe(200);
    const second = await request('/v1/chat/completions', { body: chat('b '.repeat(150)) });
    expect(second.status).toBe(429);
    expect((await second.json()).error.message).toContain('tokens per minute');
  });

  it('charges tokens/min with what was spent upstream: not cache hits, not failed calls', async () => {
    // The cache is warmed through an unlimited front sharing the limited front's client.
    const warm = make();
    expect(
      (await warm.request('/v1/chat/completions', { body: chat('cached prompt', { temperature: 0 }) }))
        .status,
    ).toBe(200);
    const { request } = make({ ...baseConfig, limits: { tokensPerMinute: 10 } }, { client: warm.client });
    // Each of these is estimated at about 8 tokens up front: two would exceed 10 unless settled to 0.
    emulator.setFaults([{ provider: 'bedrock', status: 503, count: 3 }]);
    for (let i = 0; i < 3; i++) {
      expect((await request('/v1/chat/completions', { body: chat('a failed call') })).status).toBe(503);
    }
    for (let i = 0; i < 3; i++) {
      const res = await request('/v1/chat/completions', { body: chat('cached prompt', { temperature: 0 }) });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-genai-cache')).toBe('hit');
    }
    expect((await request('/v1/chat/completions', { body: chat('a miss spends tokens') })).status).toBe(200);
    expect((await request('/v1/chat/completions', { body: chat('so this one waits') })).status).toBe(429);
  });

  it('keeps CORS off unless configured', async () => {
    const off = make();
    const res = await off.request('/v1/models', { headers: { origin: 'https://app.example.com' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const on = make({ ...baseConfig, corsOrigins: ['https://app.example.com'] });
    const res2 = await on.request('/v1/models', { headers: { origin: 'https://app.example.com' } });
    expect(res2.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const res3 = await on.request('/v1/models', { headers: { origin: 'https://evil.example.com' } });
    expect(res3.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('embeddings, models, metrics, logs', () => {
  it('embeds strings and arrays, as floats or base64', async () => {
    const { request, client } = make();
    const res = await request('/v1/embeddings', {
      body: { model: 'vertex/text-embedding-005', input: ['abc', 'de'] },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    // The vectors the client gets for the same texts, in input order.
    const direct = await client.embed({ model: 'vertex/text-embedding-005', input: ['abc', 'de'] });
    expect(direct.embeddings[0]).toHaveLength(768);
    expect(body.data).toEqual([
      { object: 'embedding', index: 0, embedding: direct.embeddings[0] },
      { object: 'embedding', index: 1, embedding: direct.embeddings[1] },
    ]);
    expect(direct.embeddings[0]).not.toEqual(direct.embeddings[1]);
    const b64 = await (
      await request('/v1/embeddings', {
        body: { model: 'vertex/text-embedding-005', input: 'abc', encoding_format: 'base64' },
      })
    ).json();
    const buf = Buffer.from(b64.data[0].embedding, 'base64');
    expect(buf.length).toBe(768 * 4);
    const decoded = Array.from({ length: 768 }, (_, i) => buf.readFloatLE(i * 4));
    decoded.forEach((v, i) => {
      expect(v).toBeCloseTo(direct.embeddings[0]![i]!, 6);
    });
  });

  it('lists configured models and routes', async () => {
    const { request } = make();
    const body = await (await request('/v1/models')).json();
    expect(body.object).toBe('list');
    expect(body.data.map((m: { id: string }) => m.id).sort()).toEqual(
      [
        'azure/gpt-4o-mini',
        'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0',
        'fast',
        'vertex/text-embedding-005',
      ].sort(),
    );
    expect(body.data.find((m: { id: string }) => m.id === 'fast')).toMatchObject({
      owned_by: 'route',
      targets: expect.any(Array),
    });
  });

  it('exposes Prometheus metrics by model and status', async () => {
    // The cache is warmed through another front (its own metrics) sharing this front's client.
    const warm = make();
    await warm.request('/v1/chat/completions', { body: chat('x', { temperature: 0 }) });
    const { request } = make(baseConfig, { client: warm.client });
    await request('/v1/chat/completions', { body: chat('x', { temperature: 0 }) });
    await request('/v1/chat/completions', { body: chat('y') });
    emulator.setFaults([{ provider: 'bedrock', status: 429, count: 1 }]);
    await request('/v1/chat/completions', { body: chat('z') });
    const text = await (await request('/metrics', { key: SCRAPER })).text();
    const model = 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0';
    expect(text).toContain(`genai_front_requests_total{endpoint="chat",model="${model}",status="200"} 2`);
    expect(text).toContain(`genai_front_requests_total{endpoint="chat",model="${model}",status="429"} 1`);
    expect(text).toContain(`genai_front_cache_total{model="${model}",result="hit"} 1`);
    expect(text).toContain(`genai_front_cache_total{model="${model}",result="miss"} 1`);
    expect(text).toContain(`genai_front_upstream_attempts_total{model="${model}",provider="bedrock"} 1`);
    expect(text).toMatch(/genai_front_tokens_total\{model="[^"]+",direction="in"\} \d+/);
    expect(text).toContain('genai_front_request_duration_seconds_bucket');
  });

  it('logs structured lines without prompts, completions or keys unless logPrompts is on', async () => {
    const logs: string[] = [];
    const { request } = make(baseConfig, { logs });
    await request('/v1/chat/completions', { body: chat('my secret prompt') });
    const line = JSON.parse(logs.find((l) => l.includes('"msg":"request"'))!);
    expect(line).toMatchObject({
      status: 200,
      model: 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0',
      provider: 'bedrock',
    });
    expect(line.requestId).toBeTruthy();
    expect(line.tokensIn).toBeGreaterThan(0);
    expect(logs.join('')).not.toContain('secret prompt');
    expect(logs.join('')).not.toContain(KEY);

    const logs2: string[] = [];
    const verbose = make({ ...baseConfig, logPrompts: true }, { logs: logs2 });
    await verbose.request('/v1/chat/completions', { body: chat('my secret prompt') });
    expect(logs2.join('')).toContain('secret prompt');
  });
});

describe('cache scope per API key (cache.scope)', () => {
  const ask = async (request: ReturnType<typeof make>['request'], key: string, body: object) => {
    const res = await request('/v1/chat/completions', { key, body });
    expect(res.status).toBe(200);
    return res.headers.get('x-genai-cache');
  };

  it('two API keys asking the same deterministic question: two upstream calls by default, one when shared', async () => {
    const body = chat('the same question from two keys', { temperature: 0 });
    const shared = make({ ...baseConfig, cache: { scope: 'shared' } });
    expect([await ask(shared.request, KEY, body), await ask(shared.request, OTHER, body)]).toEqual([
      'miss',
      'hit',
    ]);
    expect(emulator.requests().byOperation['bedrock.converse']).toBe(1);

    emulator.reset();
    const on = make();
    expect([await ask(on.request, KEY, body), await ask(on.request, OTHER, body)]).toEqual(['miss', 'miss']);
    expect(emulator.requests().byOperation['bedrock.converse']).toBe(2);
    // Each key still hits its own entries, streams and embeddings included.
    expect(await ask(on.request, KEY, body)).toBe('hit');
    expect(await ask(on.request, OTHER, { ...body, stream: true })).toBe(null); // streamed: no cache header
    expect(emulator.requests().byOperation['bedrock.converse']).toBe(2);
    expect(emulator.requests().byOperation['bedrock.converseStream']).toBeUndefined(); // replayed from OTHER's entry
    const embed = (key: string) =>
      on.request('/v1/embeddings', { key, body: { model: 'vertex/text-embedding-005', input: 'one text' } });
    for (const key of [KEY, OTHER, KEY]) expect((await embed(key)).status).toBe(200);
    expect(emulator.requests().items['vertex.predict']).toBe(2); // once per key, then a hit
  });

  it('reads the deprecated scopeByKey as scope, and refuses the two contradicting each other', async () => {
    const body = chat('a question under the deprecated switch', { temperature: 0 });
    const legacy = make({ ...baseConfig, cache: { scopeByKey: false } });
    expect([await ask(legacy.request, KEY, body), await ask(legacy.request, OTHER, body)]).toEqual([
      'miss',
      'hit',
    ]);
    expect(() => parseFrontConfig({ ...baseConfig, cache: { scope: 'shared', scopeByKey: true } })).toThrow(
      /cache\.scopeByKey \(true\) contradicts cache\.scope \("shared"\)/,
    );
  });

  it('keeps the keys themselves out of the logs', async () => {
    const logs: string[] = [];
    const { request } = make(baseConfig, { logs });
    await ask(request, KEY, chat('logged call', { temperature: 0 }));
    expect(logs.join('')).not.toContain(KEY);
  });
});

describe('jobs (memory)', () => {
  it('runs a chat request in the background; only its key can read it', async () => {
    const { request } = make();
    const now = (await (await request('/v1/chat/completions', { body: chat('later') })).json()).choices[0]
      .message.content;
    const created = await request('/v1/jobs', { body: chat('later') });
    expect(created.status).toBe(202);
    const job = await created.json();
    expect(job).toMatchObject({ id: expect.stringMatching(/^job_/), status: 'queued' });
    let view: { status: string; result?: { choices: { message: { content: string } }[] } } = job;
    for (let i = 0; i < 100 && view.status !== 'succeeded'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      view = await (await request(`/v1/jobs/${job.id}`)).json();
    }
    expect(view.status).toBe('succeeded');
    expect(view.result?.choices[0]?.message.content).toBe(now);
    expect((await request(`/v1/jobs/${job.id}`, { key: OTHER })).status).toBe(404);
    expect((await request('/v1/jobs/job_missing')).status).toBe(404);
  });

  it('records upstream failures in the job and refuses streaming jobs', async () => {
    const { request } = make();
    emulator.setFaults([{ provider: 'azure', errorType: 'content_filter', count: 1 }]);
    const job = await (
      await request('/v1/jobs', { body: { ...chat('x'), model: 'azure/gpt-4o-mini' } })
    ).json();
    let view: { status: string; error?: { code: string } } = job;
    for (let i = 0; i < 100 && view.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      view = await (await request(`/v1/jobs/${job.id}`)).json();
    }
    expect(view).toMatchObject({ status: 'failed', error: { code: 'content_filter' } });
    expect((await request('/v1/jobs', { body: chat('x', { stream: true }) })).status).toBe(400);
  });
});

describe('draining', () => {
  it('answers 503 to new requests and /ready once draining, keeps /health', async () => {
    const { front, request } = make();
    front.startDrain();
    expect((await request('/ready', { key: null })).status).toBe(503);
    expect((await request('/v1/models')).status).toBe(503);
    expect((await request('/health', { key: null })).status).toBe(200);
  });
});
