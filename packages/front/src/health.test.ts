import type { ClientEvent } from '@genai-deploy/client';
import { type FrontConfigInput, parseFrontConfig } from '@genai-deploy/config';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFront, type Front } from './app.js';
import { ApiKeys } from './auth.js';
import { type Emulator, emulatorClient, emulatorProviders, startEmulator } from './emulator.test-utils.js';
import { createLogger } from './logger.js';
import { FrontMetrics } from './metrics.js';

const BEDROCK = 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0';
const AZURE = 'azure/gpt-4o-mini';
const EMBED = 'vertex/text-embedding-005';
const SCRAPER = 'scrape-health-1';
const SECRET = 'upstream-detail-that-must-not-leak';

let emulator: Emulator;
let config: FrontConfigInput;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  config = {
    models: [{ id: BEDROCK }, { id: AZURE }, { id: EMBED, kind: 'embedding' }],
    providers: emulatorProviders(emulator.url),
  };
});
afterAll(() => emulator?.close());
const fronts: Front[] = [];
afterEach(async () => {
  await Promise.all(fronts.splice(0).map((f) => f.close()));
  emulator.reset();
});

/** A front on the real client (default retries, a breaker that opens after 2 failures), its events in /metrics. */
function make() {
  const metrics = new FrontMetrics({ defaultMetrics: false });
  const client = emulatorClient(config, {
    circuitBreaker: { consecutiveFailures: 2 },
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    // As the runtime wires it (runtime.ts withMetrics): the client's events feed the front's metrics.
    onEvent: (e: ClientEvent) => metrics.observeClientEvent(e),
  });
  const front = createFront({
    config: parseFrontConfig(config),
    apiKeys: ApiKeys.from({ keys: ['sk-health-1'] }),
    metricsKeys: ApiKeys.from({ keys: [SCRAPER] }),
    client,
    logger: createLogger({ level: 'silent' }),
    metrics,
  });
  fronts.push(front);
  const get = (path: string, key?: string) =>
    front.app.request(path, key ? { headers: { authorization: `Bearer ${key}` } } : {});
  return { front, get };
}

const upstream = () => emulator.requests().total;

describe('GET /ready?deep=1', () => {
  it('probes every configured model once, answers per target, 503 with our reason when one fails', async () => {
    emulator.setFaults([{ provider: 'azure', status: 500, message: SECRET }]);
    const { get } = make();
    const res = await get('/ready?deep=1');
    const text = await res.text();
    expect(res.status).toBe(503);
    const body = JSON.parse(text);
    expect(body.status).toBe('not-ready');
    expect(body.checks).toMatchObject({ config: 'ok', [BEDROCK]: 'ok', [EMBED]: 'ok' });
    // A short reason of ours (the error kind), never the provider's message: /ready has no auth.
    expect(body.checks[AZURE]).toMatch(/^(unavailable|model-error|circuit-open)$/);
    expect(text).not.toContain(SECRET);
    expect(emulator.requests().byOperation).toMatchObject({
      'bedrock.converse': 1,
      'vertex.predict': 1,
    });
  });

  it('reuses a result for 10 s, and plain /ready makes no upstream call', async () => {
    const { get } = make();
    expect((await get('/ready')).status).toBe(200);
    expect(upstream()).toBe(0);
    const first = await get('/ready?deep=1');
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({
      status: 'ready',
      checks: { config: 'ok', [BEDROCK]: 'ok', [AZURE]: 'ok', [EMBED]: 'ok' },
    });
    const probes = upstream();
    expect(probes).toBe(3);
    // Concurrent and later deep checks within the TTL share the first one's probes.
    await Promise.all([get('/ready?deep=1'), get('/ready?deep=1')]);
    expect(upstream()).toBe(probes);
  });
});

describe('genai_target_up', () => {
  it('follows the circuit breakers: 0 for the faulted target once its circuit opens, 1 for the others', async () => {
    emulator.setFaults([{ provider: 'azure', status: 500 }]);
    const { get } = make();
    const before = await (await get('/metrics', SCRAPER)).text();
    expect(before).toContain(`genai_target_up{target="${AZURE}"} 1`);
    await get('/ready?deep=1');
    const after = await (await get('/metrics', SCRAPER)).text();
    expect(after).toContain(`genai_target_up{target="${AZURE}"} 0`);
    expect(after).toContain(`genai_target_up{target="${BEDROCK}"} 1`);
    expect(after).toContain(`genai_target_up{target="${EMBED}"} 1`);
  });
});
