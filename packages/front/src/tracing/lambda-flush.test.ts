import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// The Lambda entry with tracing on: the spans of an invocation reach the collector before the invocation ends
// (the response stream's end), with the batch processor's timer set far beyond the test, so only the flush at
// the end of the invocation can have sent them. The Lambda runtime's globals are stubbed as in lambda.test.ts.

const received: { name: string; traceId: string }[] = [];
let receiver: http.Server;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c;
    });
    req.on('end', () => {
      for (const rs of JSON.parse(body).resourceSpans ?? [])
        for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) received.push(s);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`);
  vi.stubEnv('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/json');
  vi.stubEnv('OTEL_BSP_SCHEDULE_DELAY', '600000');
  vi.stubEnv('GENAI_CONFIG', JSON.stringify({ models: [{ id: 'bedrock/m' }] }));
  vi.stubEnv('GENAI_API_KEYS', 'lambda-key');
  vi.stubEnv('LOG_LEVEL', 'silent');
  vi.stubGlobal('awslambda', {
    streamifyResponse: (fn: unknown) => fn,
    HttpResponseStream: { from: (stream: Writable) => stream },
  });
});
afterAll(async () => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  await new Promise<void>((r) => receiver.close(() => r()));
});

describe('Lambda handler with tracing on', () => {
  it("exports each invocation's spans before its response ends, keeping the caller's trace", async () => {
    const { handler } = await import('../lambda.js');
    const invoke = async (path: string, headers: Record<string, string>) => {
      let ended!: () => void;
      const finished = new Promise<void>((r) => {
        ended = r;
      });
      const stream = new Writable({
        write: (_chunk, _enc, cb) => cb(),
        final(cb) {
          ended();
          cb();
        },
      });
      const event = {
        version: '2.0',
        rawPath: path,
        rawQueryString: '',
        headers: { host: 'abc.lambda-url.eu-west-1.on.aws', ...headers },
        requestContext: { http: { method: 'GET', path, sourceIp: '127.0.0.1' }, requestId: 'r1' },
        isBase64Encoded: false,
      };
      await (handler as unknown as (e: object, s: Writable, c: object) => Promise<void>)(event, stream, {});
      await finished;
    };
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await invoke('/v1/models', {
      authorization: 'Bearer lambda-key',
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    // No wait: the export finished before the stream's end reached the caller.
    expect(received.map((s) => [s.name, s.traceId])).toEqual([['GET /v1/models', traceId]]);

    await invoke('/health', {});
    expect(received.map((s) => s.name)).toEqual(['GET /v1/models', 'GET /health']);
  });
});
