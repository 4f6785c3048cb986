import {
  type ClientEvent,
  type Cost,
  costOf,
  DEFAULT_PRICES,
  type GenerateResult,
  isGenAiError,
  type StreamFinish,
} from '@genai-deploy/client';
import type { Span, SpanOptions, Tracer } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT, type ClientEmulator, EMBED, startClientEmulator } from './client.test-utils.js';
import { upstream } from './client-cache-helpers.js';

// Cost on every answer (issue 18): the client's calls against the emulator over real sockets, the cost checked
// against the usage the answer reports at the published price of the target that answered.

let env: ClientEmulator;
beforeAll(async () => {
  env = await startClientEmulator();
});
afterAll(async () => {
  await env.close();
});

const messages = [{ role: 'user' as const, content: 'What is the capital of France?' }];

/** The cost an answer must carry: its usage at the price of `address`. */
const expected = (usage: { inputTokens: number; outputTokens?: number }, address: string): Cost =>
  costOf(usage, address);

/** A tracer that records spans' attributes (the OpenTelemetry API's surface only). */
function recordingTracer(): { tracer: Tracer; attributes: Record<string, unknown>[] } {
  const attributes: Record<string, unknown>[] = [];
  const tracer = {
    startSpan(_name: string, options: SpanOptions = {}): Span {
      const attrs: Record<string, unknown> = { ...options.attributes };
      attributes.push(attrs);
      const span = {
        isRecording: () => true,
        setAttribute: (k: string, v: unknown) => {
          attrs[k] = v;
          return span;
        },
        setAttributes: (a: Record<string, unknown>) => {
          Object.assign(attrs, a);
          return span;
        },
        setStatus: () => span,
        end: () => {},
      };
      return span as unknown as Span;
    },
  } as unknown as Tracer;
  return { tracer, attributes };
}

describe('cost on every answer', () => {
  it('generate: the usage at the answering model price, in integer µ$, with the price and its source', async () => {
    const result = await env.client.generate({ model: CHAT.azure, messages, maxTokens: 50 });
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.cost).toEqual(expected(result.usage, CHAT.azure));
    expect(result.cost?.priced).toBe(true);
    expect(result.cost?.microUsd).toBeGreaterThan(0);
    expect(result.cost?.price?.source).toMatch(/^https:\/\/azure\.microsoft\.com\//);
  });

  it('embed: input tokens at the embedding price', async () => {
    const result = await env.client.embed({ model: EMBED.azure, input: ['one text', 'another text here'] });
    expect(result.cost).toEqual(expected({ inputTokens: result.usage.inputTokens }, EMBED.azure));
    expect(result.cost?.price).toBe(DEFAULT_PRICES[EMBED.azure]);
  });

  it('stream: the finish event carries the cost, and the request-end event the same', async () => {
    const events: ClientEvent[] = [];
    const client = env.newClient({ onEvent: (e) => events.push(e) });
    let finish: StreamFinish | undefined;
    for await (const event of client.stream({ model: CHAT.vertex, messages, maxTokens: 40 })) {
      if (event.type === 'finish') finish = event;
    }
    expect(finish?.cost).toEqual(expected(finish!.usage, CHAT.vertex));
    const end = events.find((e) => e.type === 'request-end');
    expect(end?.type === 'request-end' && end.cost).toEqual(finish?.cost);
  });

  it('a model without a price costs 0 and says priced: false (SageMaker endpoints by default)', async () => {
    const result = await env.client.generate({ model: CHAT.sagemaker, messages, maxTokens: 20 });
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.cost).toMatchObject({ microUsd: 0, usd: 0, priced: false, cacheHit: false });
  });

  it("createClient's prices override DEFAULT_PRICES and price an endpoint", async () => {
    const price = { inputPerMTok: 1000, outputPerMTok: 2000, source: 'our contract', asOf: '2026-12-01' };
    const client = env.newClient({ prices: { [CHAT.sagemaker]: price, [CHAT.azure]: price } });
    for (const model of [CHAT.sagemaker, CHAT.azure]) {
      const result = await client.generate({ model, messages, maxTokens: 20 });
      expect(result.cost?.microUsd).toBe(result.usage.inputTokens * 1000 + result.usage.outputTokens * 2000);
      expect(result.cost?.price).toEqual(price);
    }
  });

  it('a route is priced by the target that answered (the fallback), not the first', async () => {
    const client = env.newClient({ routes: { chat: { targets: [CHAT.azure, CHAT.bedrock] } } });
    env.emulator.setFaults([{ provider: 'azure', status: 503, count: 1 }]);
    const result: GenerateResult = await client.generate({ model: 'chat', messages, maxTokens: 30 });
    expect(result.provider).toBe('bedrock');
    expect(result.cost).toEqual(expected(result.usage, CHAT.bedrock));
    expect(result.cost?.price).toBe(DEFAULT_PRICES[CHAT.bedrock]);
  });

  it('a cache hit costs 0 and says cacheHit, for generate, stream and embed', async () => {
    const client = env.newClient({ cache: {} });
    const request = { model: CHAT.azure, messages, maxTokens: 30, temperature: 0 };
    const first = await client.generate(request);
    const before = (await upstream(env.emulator.url)).total;
    const hit = await client.generate(request);
    expect(first.cost?.microUsd).toBeGreaterThan(0);
    expect(hit.cached).toBe(true);
    expect(hit.cost).toMatchObject({ microUsd: 0, usd: 0, cacheHit: true, priced: true });
    let finish: StreamFinish | undefined;
    for await (const e of client.stream(request)) if (e.type === 'finish') finish = e;
    expect(finish?.cost).toMatchObject({ microUsd: 0, cacheHit: true });
    await client.embed({ model: EMBED.azure, input: ['cached text'] });
    const vectors = await client.embed({ model: EMBED.azure, input: ['cached text'] });
    expect(vectors.cost).toMatchObject({ microUsd: 0, cacheHit: true });
    // Nothing went upstream for the hits but the first embed.
    expect((await upstream(env.emulator.url)).total).toBe(before + 1);
  });

  it('the span carries genai_deploy.cost.usd and genai_deploy.cost.priced', async () => {
    const { tracer, attributes } = recordingTracer();
    const client = env.newClient({ telemetry: { tracer } });
    const result = await client.generate({ model: CHAT.bedrock, messages, maxTokens: 20 });
    const vectors = await client.embed({ model: EMBED.sagemaker, input: 'x' });
    expect(attributes[0]).toMatchObject({
      'genai_deploy.cost.usd': result.cost?.usd,
      'genai_deploy.cost.priced': true,
    });
    expect(result.cost?.usd).toBeGreaterThan(0);
    expect(attributes[1]).toMatchObject({ 'genai_deploy.cost.usd': 0, 'genai_deploy.cost.priced': false });
    expect(vectors.cost?.priced).toBe(false);
  });

  it('refuses a bad prices option at construction, naming the entry', () => {
    let error: unknown;
    try {
      env.newClient({
        prices: { [CHAT.azure]: { inputPerMTok: 1, outputPerMTok: -2, source: 's', asOf: '2026-12-01' } },
      });
    } catch (e) {
      error = e;
    }
    expect(isGenAiError(error) && error.kind).toBe('invalid-request');
    expect((error as Error).message).toBe(
      'createClient: invalid prices["azure/gpt-4o-mini"].outputPerMTok: got -2; expected a number of USD >= 0 per million tokens, e.g. 0.15',
    );
  });
});
