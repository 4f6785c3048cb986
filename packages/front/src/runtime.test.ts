import { Writable } from 'node:stream';
import { type FrontConfigInput, parseFrontConfig } from '@genai-deploy/config';
import { describe, expect, it } from 'vitest';
import { createFront } from './app.js';
import { ApiKeys } from './auth.js';
import { emulatorClient } from './emulator.test-utils.js';
import { createLogger } from './logger.js';
import { FrontMetrics } from './metrics.js';
import { createFrontFromEnv } from './runtime.js';

const input: FrontConfigInput = {
  models: [{ id: 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0' }],
  // Nothing is called upstream here: only who connects to Redis is under test.
  providers: { bedrock: { region: 'us-east-1', endpoint: 'http://127.0.0.1:1' } },
  cache: { redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
};
const apiKeys = ApiKeys.from({ keys: ['sk-runtime-test'] });

function logsTo(lines: string[]) {
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return createLogger({ level: 'info', destination });
}

describe('who opens Redis', () => {
  it('the runtime opens the connection to cache.redisUrl, also for a front over a given client', async () => {
    const front = await createFrontFromEnv({
      env: {},
      config: parseFrontConfig(input),
      apiKeys,
      client: emulatorClient(input, { cache: false }),
      logger: logsTo([]),
      metrics: new FrontMetrics({ defaultMetrics: false }),
    });
    try {
      const ready = await front.app.request('/ready');
      expect(await ready.json()).toEqual({ status: 'ready', checks: { config: 'ok', redis: 'ok' } });
    } finally {
      await front.close();
    }
  });

  it('createFront opens none: without a connection, jobs and limits stay in the process, and it says so', async () => {
    const logs: string[] = [];
    const front = createFront({
      config: parseFrontConfig(input),
      apiKeys,
      client: emulatorClient(input, { cache: false }),
      logger: logsTo(logs),
      metrics: new FrontMetrics({ defaultMetrics: false }),
    });
    try {
      const ready = await front.app.request('/ready');
      expect(await ready.json()).toEqual({ status: 'ready', checks: { config: 'ok' } });
      expect(logs.join('')).toContain(
        'config.cache.redisUrl is set but the front was given no Redis connection',
      );
    } finally {
      await front.close();
    }
  });
});
