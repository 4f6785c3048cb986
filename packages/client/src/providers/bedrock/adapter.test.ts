import { once } from 'node:events';
import { createServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BedrockAdapter } from './adapter.js';

describe('Bedrock connections (issue 20)', () => {
  it('unary calls share one pooled HTTP/2 session instead of a new connection each', async () => {
    let sessions = 0;
    const server = createServer();
    server.on('session', () => {
      sessions += 1;
    });
    server.on('stream', (stream) => {
      stream.resume();
      stream.on('end', () => {
        stream.respond({ ':status': 200, 'content-type': 'application/json' });
        stream.end(
          JSON.stringify({
            output: { message: { role: 'assistant', content: [{ text: 'ok' }] } },
            stopReason: 'end_turn',
            usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
            metrics: { latencyMs: 1 },
          }),
        );
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const adapter = new BedrockAdapter({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    const target = { provider: 'bedrock' as const, model: 'anthropic.claude-3-5-haiku', id: 'bedrock/x' };
    const call = () =>
      adapter.generate(
        target,
        { model: 'bedrock/x', targets: [target], messages: [{ role: 'user', content: 'hi' }] },
        new AbortController().signal,
      );
    try {
      for (let i = 0; i < 3; i++) expect((await call()).text).toBe('ok');
      await Promise.all([call(), call(), call()]);
      expect(sessions).toBe(1);
    } finally {
      adapter.close();
      server.close();
    }
  });
});
