import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClientOptions, createClient, type GenAiClient } from '@genai-deploy/client';
import { Redis } from 'ioredis';
import { emulatorProviders } from './client.test-utils.js';

/** Helpers of the cache/coalesce/batch e2e tests and benchmarks (issue 6). */

export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export interface UpstreamCounts {
  readonly total: number;
  readonly byOperation: Readonly<Record<string, number>>;
  readonly items: Readonly<Record<string, number>>;
  /** Upstream requests being answered now. */
  readonly inFlight: number;
}

/** Reads the emulator's request counters over HTTP, as an outside observer would. */
export async function upstream(emulatorUrl: string): Promise<UpstreamCounts> {
  const res = await fetch(`${emulatorUrl}/_emulator/requests`);
  if (!res.ok) throw new Error(`GET /_emulator/requests answered ${res.status}`);
  return (await res.json()) as UpstreamCounts;
}

export async function resetEmulator(emulatorUrl: string): Promise<void> {
  const res = await fetch(`${emulatorUrl}/_emulator/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`POST /_emulator/reset answered ${res.status}`);
}

/** A client on the emulator, retries and breakers off so that upstream counts are exact. */
export function emulatorClient(
  emulatorUrl: string,
  options: Omit<ClientOptions, 'providers'> = {},
): GenAiClient {
  return createClient({
    retry: false,
    circuitBreaker: false,
    ...options,
    providers: emulatorProviders(emulatorUrl),
  });
}

/** A key prefix of one test on the shared Redis, and a cleanup that deletes every key under it. */
export function redisPrefix(): { prefix: string; cleanup(url?: string): Promise<void> } {
  const prefix = `test:issue6:${randomUUID()}:`;
  return {
    prefix,
    async cleanup(url = REDIS_URL) {
      const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
      redis.on('error', () => {});
      try {
        await redis.connect();
        const keys: string[] = [];
        for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 500 }))
          keys.push(...(batch as string[]));
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** The emulator in its own process (its CLI), so that its CPU is not the client's: for benchmarks. */
export async function startEmulatorProcess(
  flags: readonly string[] = [],
): Promise<{ url: string; close(): Promise<void> }> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const child = spawn(
    process.execPath,
    [
      '--conditions=@genai-deploy/source',
      '--import',
      'tsx',
      join(root, 'packages/emulator/src/cli.ts'),
      '--port',
      '0',
      ...flags,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  const url =
    chunk
      .toString()
      .trim()
      .split(/\s+/)
      .find((w) => w.startsWith('http')) ?? chunk.toString().trim();
  return {
    url,
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}

export const quantile = (values: readonly number[], q: number): number => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
};

export const median = (values: readonly number[]): number => quantile(values, 0.5);
