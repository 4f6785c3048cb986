import {
  BedrockRuntimeClient,
  ConverseCommand,
  ModelNotReadyException,
  ThrottlingException,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FaultEngine, validateFaultRules } from './faults.js';
import { type Emulator, type FaultRule, startEmulator } from './index.js';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const target = {
  provider: 'bedrock',
  operation: 'bedrock.converse',
  model: MODEL,
  streaming: false,
} as const;

describe('FaultEngine', () => {
  it('matches provider, operation and model; the first live rule wins; count spends a rule', () => {
    const engine = new FaultEngine(1);
    engine.set([
      { provider: 'azure', status: 500 },
      { operation: 'bedrock.converse', model: 'other', status: 501 },
      { operation: 'bedrock.converse', status: 429, count: 2 },
      { provider: 'bedrock', status: 503 },
    ]);
    expect(engine.match(target)?.status).toBe(429);
    expect(engine.match(target)?.status).toBe(429);
    expect(engine.match(target)?.status).toBe(503);
    expect(engine.list()[2]).toMatchObject({ count: 0 });
  });

  it('draws rate from the seeded generator: same seed, same sequence', () => {
    const draws = (seed: number) => {
      const engine = new FaultEngine(seed);
      engine.set([{ rate: 0.3 }]);
      return Array.from({ length: 200 }, () => engine.match(target) !== undefined);
    };
    const a = draws(7);
    expect(draws(7)).toEqual(a);
    expect(draws(8)).not.toEqual(a);
    const hits = a.filter(Boolean).length;
    expect(hits).toBeGreaterThan(30);
    expect(hits).toBeLessThan(90);
  });

  it('applies stream faults to streaming operations only', () => {
    const engine = new FaultEngine(0);
    engine.set([{ kind: 'stream-cut' }]);
    expect(engine.match(target)).toBeUndefined();
    expect(engine.match({ ...target, streaming: true })?.kind).toBe('stream-cut');
  });

  it('explains invalid rules', () => {
    expect(validateFaultRules([{ kind: 'explode', rate: 2 }])).toEqual([
      'rules[0].kind must be one of error, reset, hang, stream-cut, stream-error, received "explode"',
      'rules[0].rate must be a number from 0 to 1, received 2',
    ]);
    expect(() => new FaultEngine(0).set([{ status: 200 } as FaultRule])).toThrow(
      /status must be an integer HTTP error status/,
    );
  });
});

describe('faults through the control API and the clients', () => {
  let emulator: Emulator;
  let h2: BedrockRuntimeClient;
  let h1: BedrockRuntimeClient;
  const creds = { accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'secret' };
  const ask = () =>
    new ConverseCommand({ modelId: MODEL, messages: [{ role: 'user', content: [{ text: 'hi' }] }] });

  beforeAll(async () => {
    emulator = await startEmulator({ seed: 42 });
    h2 = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: emulator.url,
      credentials: creds,
      maxAttempts: 1,
    });
    // The same port speaks HTTP/1.1 too.
    h1 = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: emulator.url,
      credentials: creds,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler(),
    });
  });
  afterAll(async () => {
    h1.destroy();
    h2.destroy();
    await emulator.close();
  });
  beforeEach(() => emulator.reset());

  const post = (path: string, body: unknown) =>
    fetch(`${emulator.url}${path}`, { method: 'POST', body: JSON.stringify(body) });

  it('POST /_emulator/faults replaces the rules, GET lists them, reset clears rules and counters', async () => {
    const set = await post('/_emulator/faults', {
      rules: [{ provider: 'bedrock', errorType: 'ModelNotReadyException', count: 1 }],
    });
    expect(set.status).toBe(200);
    expect(await (await fetch(`${emulator.url}/_emulator/faults`)).json()).toEqual({
      rules: [{ provider: 'bedrock', errorType: 'ModelNotReadyException', count: 1 }],
    });
    const err = await h1.send(ask()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelNotReadyException);
    expect((err as ModelNotReadyException).$metadata.httpStatusCode).toBe(429);
    await h1.send(ask());
    expect(emulator.requests().byOperation['bedrock.converse']).toBe(2);
    await post('/_emulator/faults', { rules: [{ status: 429 }] });
    expect((await post('/_emulator/reset', {})).status).toBe(200);
    expect(emulator.requests()).toMatchObject({ total: 0, byOperation: {}, items: {} });
    await expect(h1.send(ask())).resolves.toBeDefined();
  });

  it('rejects invalid rules with 400 and a message naming the field', async () => {
    const res = await post('/_emulator/faults', { rules: [{ provider: 'gcp' }] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /rules\[0\]\.provider must be one of bedrock, sagemaker, vertex, azure, opensearch, azure-search, received "gcp"/,
    );
  });

  it('rate faults are seeded: a 0.5 rule over 40 requests faults some, not all', async () => {
    emulator.setFaults([{ operation: 'bedrock.converse', status: 429, rate: 0.5 }]);
    let throttled = 0;
    for (let i = 0; i < 40; i++)
      if ((await h1.send(ask()).catch((e: unknown) => e)) instanceof ThrottlingException) throttled++;
    expect(throttled).toBeGreaterThan(5);
    expect(throttled).toBeLessThan(35);
  });

  it('reset drops the connection (HTTP/1.1 and HTTP/2) and the next request works', async () => {
    emulator.setFaults([{ kind: 'reset', count: 2 }]);
    const e1 = await h1.send(ask()).catch((e: unknown) => e);
    expect((e1 as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    const e2 = await h2.send(ask()).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(Error);
    await expect(h2.send(ask())).resolves.toBeDefined();
  });

  it('hang holds the request until the client gives up; hangMs then answers', async () => {
    emulator.setFaults([{ kind: 'hang', count: 1 }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const err = await h2.send(ask(), { abortSignal: controller.signal }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    emulator.setFaults([{ kind: 'hang', hangMs: 50, count: 1 }]);
    await expect(h2.send(ask())).resolves.toMatchObject({ stopReason: 'end_turn' });
  });

  it('close() ends promptly with a request still hanging', async () => {
    const local = await startEmulator();
    local.setFaults([{ kind: 'hang' }]);
    const client = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: local.url,
      credentials: creds,
      maxAttempts: 1,
    });
    const pending = client.send(ask()).catch((e: unknown) => e);
    while (local.requests().total === 0) await new Promise((r) => setTimeout(r, 5));
    await local.close();
    expect(await pending).toBeInstanceOf(Error);
    client.destroy();
  });
});
