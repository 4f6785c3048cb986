import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// The Lambda Node runtime's globals, as far as hono's streamHandle uses them: enough to run the real
// handler on a Function URL event and read what it streams back.
interface Captured {
  metadata?: { statusCode: number; headers: Record<string, string> };
  body: string;
}

beforeAll(() => {
  vi.stubGlobal('awslambda', {
    streamifyResponse: (fn: (event: unknown, stream: Writable, context: unknown) => Promise<void>) => fn,
    HttpResponseStream: {
      from: (stream: Writable & { captured: Captured }, metadata: Captured['metadata']) => {
        stream.captured.metadata = metadata;
        return stream;
      },
    },
  });
});
afterAll(() => vi.unstubAllGlobals());

function responseStream(): Writable & { captured: Captured; finished: Promise<void> } {
  const captured: Captured = { body: '' };
  let done!: () => void;
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const stream = new Writable({
    write(chunk, _enc, cb) {
      captured.body += String(chunk);
      cb();
    },
    final(cb) {
      done();
      cb();
    },
  });
  return Object.assign(stream, { captured, finished });
}

function functionUrlEvent(method: string, path: string, headers: Record<string, string>, body?: string) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'abc.lambda-url.eu-west-1.on.aws', ...headers },
    requestContext: {
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      domainName: 'abc.lambda-url.eu-west-1.on.aws',
      requestId: 'r1',
    },
    body,
    isBase64Encoded: false,
  };
}

describe('Lambda handler (Function URL, RESPONSE_STREAM)', () => {
  it('builds the front from the environment and answers through the response stream', async () => {
    vi.stubEnv('GENAI_CONFIG', JSON.stringify({ models: [{ id: 'bedrock/m' }] }));
    vi.stubEnv('GENAI_API_KEYS', 'lambda-key');
    vi.stubEnv('LOG_LEVEL', 'silent');
    const { handler } = await import('./lambda.js');
    const call = async (event: object) => {
      const stream = responseStream();
      await (handler as unknown as (e: object, s: Writable, c: object) => Promise<void>)(event, stream, {});
      await stream.finished;
      return stream.captured;
    };
    const health = await call(functionUrlEvent('GET', '/health', {}));
    expect(health.metadata?.statusCode).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });

    const denied = await call(functionUrlEvent('GET', '/v1/models', {}));
    expect(denied.metadata?.statusCode).toBe(401);

    const models = await call(functionUrlEvent('GET', '/v1/models', { authorization: 'Bearer lambda-key' }));
    expect(models.metadata?.statusCode).toBe(200);
    expect(JSON.parse(models.body).data[0].id).toBe('bedrock/m');

    const invalid = await call(
      functionUrlEvent(
        'POST',
        '/v1/chat/completions',
        { authorization: 'Bearer lambda-key', 'content-type': 'application/json' },
        '{"model":"bedrock/m"}',
      ),
    );
    expect(invalid.metadata?.statusCode).toBe(400);
    expect(JSON.parse(invalid.body).error.param).toBe('messages');
    vi.unstubAllEnvs();
  });
});
