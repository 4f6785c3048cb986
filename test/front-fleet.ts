/**
 * Two fronts on one Redis (a key prefix of the test file's own) over one emulator, as the issue-18 tests run them:
 * caller endpoints through the official `openai` client, the admin API through fetch, each front's log lines kept.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FrontConfigInput } from '@genai-deploy/config';
import { type Emulator, startEmulator } from '@genai-deploy/emulator';
import { createLogger, type RunningFront, type StartFrontOptions, startFront } from '@genai-deploy/front';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { localClientOptions } from '../apps/local/src/platform.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Started {
  readonly running: RunningFront;
  readonly logs: Record<string, unknown>[];
  readonly url: string;
}

export interface Fleet {
  readonly emulator: Emulator;
  /** A connection of the test's own, for looking at what the fronts wrote. */
  readonly redis: Redis;
  readonly prefix: string;
  readonly a: Started;
  readonly b: Started;
  /** Another front on the same Redis and emulator (options over the fleet's); the test closes it. */
  start(options?: Partial<StartFrontOptions>): Promise<Started>;
  close(): Promise<void>;
}

/**
 * Starts the emulator and fronts `a` and `b`. `config` gets the emulator's URL; `env` is each front's
 * environment (keys); every key the fronts write starts with `test:<name>:<uuid>:`, deleted by `close()`.
 */
export async function startFleet(options: {
  readonly name: string;
  readonly config: (emulatorUrl: string) => FrontConfigInput;
  readonly env: Record<string, string>;
}): Promise<Fleet> {
  const prefix = `test:${options.name}:${randomUUID()}:`;
  const emulator = await startEmulator({ port: 0 });
  const redis = new Redis(REDIS_URL);
  const start = async (overrides: Partial<StartFrontOptions> = {}): Promise<Started> => {
    const logs: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk, _enc, cb) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
        cb();
      },
    });
    const running = await startFront({
      config: options.config(emulator.url),
      env: options.env,
      redis: new Redis(REDIS_URL),
      ownsRedis: true,
      keyPrefix: prefix,
      logger: createLogger({ level: 'info', destination }),
      clientOptions: { ...localClientOptions(), retry: false, cache: false },
      ...overrides,
    });
    return { running, logs, url: running.url };
  };
  const a = await start();
  const b = await start();
  return {
    emulator,
    redis,
    prefix,
    a,
    b,
    start,
    async close() {
      await Promise.all([a.running.close(), b.running.close()]);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
      await emulator.close();
    },
  };
}

/** The official client against `front` with `key`, no retries of its own. */
export const openaiFor = (front: Started, key: string) =>
  new OpenAI({ apiKey: key, baseURL: `${front.url}/v1`, maxRetries: 0 });

/** A JSON call to the admin API (or any endpoint) with `key`; its status and parsed body. */
export async function adminCall(front: Started, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${front.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the tests read the fields of OpenAI-shaped answers they assert.
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
