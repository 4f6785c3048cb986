import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { censorSecrets, createLogger } from './logger.js';

/** The lines a logger writes, parsed. */
function capture() {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l));
  });
  return { logger: createLogger({ level: 'info', destination: stream }), lines };
}

describe('log censoring', () => {
  it('censors secret fields at the top, in headers and under any field, in what is written', async () => {
    const { logger, lines } = capture();
    const logged = {
      authorization: 'Bearer sk-live-1',
      apiKey: 'sk-live-2',
      password: 'hunter2',
      headers: { authorization: 'Bearer sk-live-3', 'x-api-key': 'sk-live-4', accept: 'application/json' },
      provider: { apiKey: 'sk-live-5', endpoint: 'e' },
      status: 200,
    };
    logger.info(logged, 'request');
    await new Promise((r) => setImmediate(r));
    const text = JSON.stringify(lines);
    for (const secret of ['sk-live-1', 'sk-live-2', 'hunter2', 'sk-live-3', 'sk-live-4', 'sk-live-5']) {
      expect(text).not.toContain(secret);
    }
    expect(lines[0]).toMatchObject({
      authorization: '[redacted]',
      apiKey: '[redacted]',
      password: '[redacted]',
      headers: { authorization: '[redacted]', 'x-api-key': '[redacted]', accept: 'application/json' },
      provider: { apiKey: '[redacted]', endpoint: 'e' },
      status: 200,
      level: 'info',
      service: 'genai-front',
      msg: 'request',
    });
    // The caller's object is not changed.
    expect(logged.headers.authorization).toBe('Bearer sk-live-3');
    expect(logged.provider.apiKey).toBe('sk-live-5');
  });

  it('leaves a line without secret fields as it is: the same object, no copy', () => {
    const line = {
      requestId: 'r1',
      status: 200,
      model: 'gpt-4o-mini',
      error: { kind: 'timeout' },
      tags: ['a'],
    };
    expect(censorSecrets(line)).toBe(line);
    expect(censorSecrets({ headers: { accept: 'x' } })).toEqual({ headers: { accept: 'x' } });
  });
});
