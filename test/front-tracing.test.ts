/**
 * Evidence for issue 21 item 3: tracing through the front. The front runs with the OpenTelemetry Node SDK
 * configured by the standard OTEL_* variables, exporting OTLP/HTTP JSON to an in-process receiver; the official
 * `openai` client sends a `traceparent`; the front reaches the emulator through the client. One request yields
 * one SERVER span in the caller's trace whose children are the client's GenAI spans, and the log line carries
 * its trace id. Without OTEL_* the SDK is never loaded (checked in a child process, below).
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { type Emulator, startEmulator } from '@genai-deploy/emulator';
import { createLogger, type RunningFront, startFront } from '@genai-deploy/front';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClientOptions, localConfig } from '../apps/local/src/platform.js';
import { until } from './front-helpers.js';

const KEY = `sk-trace-${randomUUID()}`;
const MODEL = 'vertex/gemini-2.0-flash';
const OTEL = {
  OTEL_EXPORTER_OTLP_ENDPOINT: '',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_BSP_SCHEDULE_DELAY: '50',
  OTEL_SERVICE_NAME: 'front-under-test',
};

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: OtlpValue }[];
  status?: { code?: number };
  resource: Record<string, unknown>;
}
const SERVER = 2;
const CLIENT = 3;

/** An OTLP/HTTP receiver: every span it was sent, with its resource's attributes. */
async function startReceiver() {
  const spans: OtlpSpan[] = [];
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const rs of body.resourceSpans ?? []) {
        const resource = values(rs.resource?.attributes ?? []);
        for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ ...s, resource });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function values(attributes: { key: string; value: OtlpValue }[]): Record<string, unknown> {
  return Object.fromEntries(
    attributes.map(({ key, value }) => [
      key,
      value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : value.boolValue),
    ]),
  );
}

const traceparent = () => {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, header: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
};

describe('tracing through the front, exported with OTLP', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let emulator: Emulator;
  let running: RunningFront;
  let openai: OpenAI;
  const logLines: Record<string, unknown>[] = [];
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    receiver = await startReceiver();
    emulator = await startEmulator();
    for (const [name, value] of Object.entries({ ...OTEL, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url })) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    const destination = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    const local = localClientOptions();
    running = await startFront({
      config: localConfig(emulator.url),
      apiKeys: [KEY],
      clientOptions: {
        ...local,
        providers: { ...local.providers, azure: { endpoint: emulator.url, apiKey: 'k' } },
      },
      logger: createLogger({ level: 'info', destination }),
      jobs: { workers: false },
    });
    openai = new OpenAI({ apiKey: KEY, baseURL: `${running.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await running?.close();
    await emulator?.close();
    await receiver?.close();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  const spansOf = async (traceId: string, atLeast: number) => {
    await until(() => receiver.spans.filter((s) => s.traceId === traceId).length >= atLeast, 10_000, 'spans');
    return receiver.spans.filter((s) => s.traceId === traceId);
  };

  it('one chat request: a server span in the caller trace, parent of the client GenAI span, on the log line', async () => {
    const caller = traceparent();
    const { response } = await openai.chat.completions
      .create(
        { model: MODEL, messages: [{ role: 'user', content: 'Trace me.' }], max_tokens: 16 },
        { headers: { traceparent: caller.header, 'user-agent': 'tracing-test/1.0' } },
      )
      .withResponse();
    expect(response.status).toBe(200);

    const spans = await spansOf(caller.traceId, 2);
    const servers = spans.filter((s) => s.kind === SERVER);
    expect(servers).toHaveLength(1);
    const server = servers[0] as OtlpSpan;
    // Its parent is the caller's span: the trace went on, it did not start over.
    expect(server.parentSpanId).toBe(caller.header.split('-')[2]);
    expect(server.name).toBe('POST /v1/chat/completions');
    expect(values(server.attributes)).toMatchObject({
      'http.request.method': 'POST',
      'url.path': '/v1/chat/completions',
      'http.route': '/v1/chat/completions',
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
      'url.scheme': 'http',
      'user_agent.original': 'tracing-test/1.0',
    });
    expect(values(server.attributes)).not.toHaveProperty('error.type');
    expect(server.resource['service.name']).toBe('front-under-test');

    const generation = spans.find((s) => s.kind === CLIENT && s.name === 'chat gemini-2.0-flash');
    expect(generation, `client spans: ${spans.map((s) => s.name).join(', ')}`).toBeDefined();
    expect(generation?.parentSpanId).toBe(server.spanId);
    expect(values(generation?.attributes ?? [])).toMatchObject({ 'gen_ai.operation.name': 'chat' });

    const line = logLines.find((l) => l.requestId === response.headers.get('x-request-id'));
    expect(line).toMatchObject({ trace_id: caller.traceId, span_id: server.spanId, status: 200 });
    // The exporter spoke OTLP/HTTP JSON to the traces path.
    expect(receiver.requests[0]).toBe('POST /v1/traces application/json');
  });

  it('a stream: the client span is a child and the server span ends with the last byte, not the headers', async () => {
    const caller = traceparent();
    const stream = await openai.chat.completions.create(
      {
        model: MODEL,
        messages: [{ role: 'user', content: 'Stream and trace me.' }],
        max_tokens: 32,
        stream: true,
      },
      { headers: { traceparent: caller.header } },
    );
    let chunks = 0;
    for await (const _ of stream) chunks += 1;
    expect(chunks).toBeGreaterThan(1);

    const spans = await spansOf(caller.traceId, 2);
    const server = spans.find((s) => s.kind === SERVER) as OtlpSpan;
    const generation = spans.find((s) => s.kind === CLIENT) as OtlpSpan;
    expect(generation.parentSpanId).toBe(server.spanId);
    expect(values(generation.attributes)).toMatchObject({ 'gen_ai.request.stream': true });
    // The client span ends when the upstream stream is over; the server span only after it.
    expect(BigInt(server.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(generation.endTimeUnixNano));
  });

  it('a request without traceparent starts its own trace; a refused one keeps its route and no error', async () => {
    const res = await fetch(`${running.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-wrong', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    const requestId = res.headers.get('x-request-id');
    await until(
      () =>
        receiver.spans.some(
          (s) => s.kind === SERVER && values(s.attributes)['http.response.status_code'] === 401,
        ),
      10_000,
      'the 401 span',
    );
    const span = receiver.spans.find(
      (s) => s.kind === SERVER && values(s.attributes)['http.response.status_code'] === 401,
    ) as OtlpSpan;
    expect(span.parentSpanId ?? '').toBe('');
    expect(span.name).toBe('POST /v1/chat/completions');
    expect(values(span.attributes)).not.toHaveProperty('error.type');
    expect(requestId).toBeTruthy();
  });
});

describe('tracing off', () => {
  it('without OTEL_* the SDK is never loaded: a resolve hook that fails on @opentelemetry/sdk-node stays silent', async () => {
    // A child process, so that this file's SDK (above) is not in its module graph. The hook throws when anything
    // resolves sdk-node; the last step turns tracing on to show the hook does catch the import.
    const script = `
      import { register } from 'node:module';
      register('data:text/javascript,' + encodeURIComponent(
        'export async function resolve(s, c, next) { if (s.includes("@opentelemetry/sdk-node")) throw new Error("sdk-node resolved"); return next(s, c); }'));
      const { startEmulator } = await import('@genai-deploy/emulator');
      const { startFront, createLogger } = await import('@genai-deploy/front');
      const emulator = await startEmulator();
      const front = await startFront({
        config: { models: [{ id: 'azure/chat-llm' }], providers: { azure: { endpoint: emulator.url } } },
        apiKeys: ['sk-off'], clientOptions: { providers: { azure: { endpoint: emulator.url, apiKey: 'k' } } },
        logger: createLogger({ level: 'info' }), jobs: { workers: false },
      });
      const res = await fetch(front.url + '/v1/chat/completions', { method: 'POST',
        headers: { authorization: 'Bearer sk-off', 'content-type': 'application/json',
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
        body: JSON.stringify({ model: 'azure/chat-llm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }) });
      const registered = globalThis[Symbol.for('opentelemetry.js.api.1')]?.trace !== undefined;
      await front.close(); await emulator.close();
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = 'http://127.0.0.1:9';
      const on = await startFront({
        config: { models: [{ id: 'azure/chat-llm' }], providers: { azure: { endpoint: emulator.url } } },
        apiKeys: ['sk-off'], logger: createLogger({ level: 'silent' }), jobs: { workers: false },
      }).then(() => 'started', (e) => (String(e?.message).includes('sdk-node resolved') ? 'sdk-node resolved' : String(e?.message)));
      console.log(JSON.stringify({ status: res.status, registered, on }));
      process.exit(0);
    `;
    const env = { ...process.env };
    for (const name of Object.keys(env)) if (name.startsWith('OTEL_')) delete env[name];
    const child = spawn(
      process.execPath,
      ['--conditions=@genai-deploy/source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: `${import.meta.dirname}/..`, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c;
    });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code, err).toBe(0);
    const lines = out.trim().split('\n');
    const result = JSON.parse(lines.at(-1) ?? '{}');
    expect(result).toEqual({ status: 200, registered: false, on: 'sdk-node resolved' });
    // No span with tracing off, but the log line still names the caller's trace (not its span: not ours).
    const logged = lines
      .filter((l) => l.startsWith('{') && l.includes('"requestId"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.path === '/v1/chat/completions');
    expect(logged).toMatchObject({ status: 200, trace_id: '0af7651916cd43dd8448eb211c80319c' });
    expect(logged).not.toHaveProperty('span_id');
  });
});
