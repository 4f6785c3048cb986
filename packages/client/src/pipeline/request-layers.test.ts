import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RequestLayerOptions } from '../client-options.js';
import { GenAiError } from '../errors.js';
import type { CallContext, ClientEventInput, EmbedNext, GenerateNext, StreamNext } from '../layer.js';
import type {
  NormalizedEmbedRequest,
  NormalizedGenerateRequest,
  Operation,
  StreamEvent,
  Target,
} from '../types.js';
import { createRequestLayers } from './build.js';
import { composeEmbed, composeGenerate, composeStream } from './compose.js';

const vertex: Target = { provider: 'vertex', model: 'gemini-2.0-flash', id: 'vertex/gemini-2.0-flash' };
const embedTarget: Target = {
  provider: 'vertex',
  model: 'text-embedding-005',
  id: 'vertex/text-embedding-005',
};
const titan: Target = {
  provider: 'bedrock',
  model: 'amazon.titan-embed-text-v2:0',
  id: 'bedrock/amazon.titan-embed-text-v2:0',
};

const ask = (content: string, extra: Partial<NormalizedGenerateRequest> = {}): NormalizedGenerateRequest => ({
  model: vertex.id,
  targets: [vertex],
  messages: [{ role: 'user', content }],
  temperature: 0,
  ...extra,
});

function context(
  operation: Operation,
  events: ClientEventInput[] = [],
  signal = new AbortController().signal,
): CallContext {
  return {
    operation,
    signal,
    deadline: Date.now() + 60_000,
    startedAt: Date.now(),
    attempts: 0,
    emit: (e) => events.push(e),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A provider stand-in behind the real composition: counts calls, answers after `delayMs`. */
function fakeUpstream(
  options: { delayMs?: number; finishReason?: 'stop' | 'content-filter'; text?: string } = {},
) {
  const calls: string[] = [];
  const generate: GenerateNext = async (req, ctx) => {
    calls.push(req.messages.at(-1)!.content as string);
    ctx.attempts++;
    await sleep(options.delayMs ?? 10);
    ctx.signal.throwIfAborted();
    const text = options.text ?? `answer to ${req.messages.at(-1)!.content}`;
    return {
      text,
      finishReason: options.finishReason ?? 'stop',
      usage: { inputTokens: 3, outputTokens: 4 },
      provider: 'vertex',
      model: req.targets[0]!.model,
      cached: false,
      attempts: ctx.attempts,
      latencyMs: 1,
    };
  };
  const stream: StreamNext = async function* (req, ctx) {
    calls.push(req.messages.at(-1)!.content as string);
    ctx.attempts++;
    for (const word of ['one ', 'two ', 'three']) {
      await sleep(options.delayMs ?? 5);
      ctx.signal.throwIfAborted();
      yield { type: 'delta', text: word };
    }
    yield {
      type: 'finish',
      finishReason: options.finishReason ?? 'stop',
      usage: { inputTokens: 3, outputTokens: 3 },
      provider: 'vertex',
      model: req.targets[0]!.model,
      cached: false,
      attempts: ctx.attempts,
      latencyMs: 1,
    };
  };
  return { calls, generate, stream };
}

function build(options: RequestLayerOptions = {}, routes?: Record<string, { cacheTtlSeconds?: number }>) {
  const upstream = fakeUpstream();
  const built = createRequestLayers(options, routes ? { routes } : {});
  return {
    ...built,
    upstream,
    generate: composeGenerate(built.layers, upstream.generate),
    stream: composeStream(built.layers, upstream.stream),
  };
}

async function collect(it: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe('cache and coalesce layers', () => {
  it('sends 50 identical concurrent deterministic calls upstream once, then answers from cache', async () => {
    const c = build();
    const ctxs = Array.from({ length: 50 }, () => context('generate'));
    const results = await Promise.all(ctxs.map((ctx) => c.generate(ask('hi'), ctx)));
    expect(c.upstream.calls).toEqual(['hi']);
    expect(new Set(results.map((r) => r.text))).toEqual(new Set(['answer to hi']));
    expect(ctxs.map((x) => x.attempts).reduce((a, b) => a + b)).toBe(1); // only the leader made an attempt
    expect(c.stats().coalesced).toBe(49);

    const events: ClientEventInput[] = [];
    const again = await c.generate(ask('hi'), context('generate', events));
    expect(again).toMatchObject({ text: 'answer to hi', cached: true, attempts: 0 });
    expect(c.upstream.calls).toHaveLength(1);
    expect(events).toContainEqual({ type: 'cache-hit', tier: 'memory', count: 1 });
    await c.close();
  });

  it('neither caches nor coalesces sampling requests unless asked, and never when cache is false', async () => {
    const c = build();
    await Promise.all([
      c.generate(ask('t', { temperature: 0.7 }), context('generate')),
      c.generate(ask('t', { temperature: 0.7 }), context('generate')),
    ]);
    await c.generate(ask('t'), context('generate'));
    await c.generate(ask('t', { cache: false }), context('generate'));
    expect(c.upstream.calls).toHaveLength(4);
    await c.generate(ask('u', { temperature: 0.7, cache: true }), context('generate'));
    const hit = await c.generate(ask('u', { temperature: 0.7, cache: true }), context('generate'));
    expect(hit.cached).toBe(true);
    expect(c.upstream.calls).toHaveLength(5);
  });

  it('does not store errors, content-filtered answers, oversized answers or answers on a TTL-0 route', async () => {
    const c = createRequestLayers(
      { cache: { maxEntryBytes: 200 } },
      { routes: { nocache: { cacheTtlSeconds: 0 } } },
    );
    let calls = 0;
    let mode: 'error' | 'filter' | 'big' | 'ok' = 'error';
    const upstream: GenerateNext = async () => {
      calls++;
      if (mode === 'error') throw new GenAiError('throttled', { kind: 'throttled' });
      return {
        text: mode === 'big' ? randomBytes(2500).toString('base64') : 'ok', // incompressible
        finishReason: mode === 'filter' ? 'content-filter' : 'stop',
        usage: { inputTokens: 1, outputTokens: 1 },
        provider: 'vertex',
        model: 'm',
        cached: false,
        attempts: 1,
        latencyMs: 1,
      };
    };
    const generate = composeGenerate(c.layers, upstream);
    for (const m of ['error', 'filter', 'big'] as const) {
      mode = m;
      for (let i = 0; i < 2; i++) await generate(ask(m), context('generate')).catch(() => undefined);
    }
    mode = 'ok';
    await generate(ask('r', { route: 'nocache' }), context('generate'));
    await generate(ask('r', { route: 'nocache' }), context('generate'));
    expect(calls).toBe(8);
    expect(c.stats()).toMatchObject({ memoryHits: 0, skipped: 4 });
  });

  it('replays a cached answer as a stream and stores a streamed answer for generate', async () => {
    const c = build();
    const first = await collect(c.stream(ask('s'), context('stream')));
    expect(first.at(-1)).toMatchObject({ type: 'finish', cached: false });
    const replayed = await collect(c.stream(ask('s'), context('stream')));
    expect(replayed).toEqual([
      { type: 'delta', text: 'one two three' },
      expect.objectContaining({
        type: 'finish',
        finishReason: 'stop',
        cached: true,
        attempts: 0,
        usage: { inputTokens: 3, outputTokens: 3 },
      }),
    ]);
    expect(await c.generate(ask('s'), context('generate'))).toMatchObject({
      text: 'one two three',
      cached: true,
    });
    expect(c.upstream.calls).toEqual(['s']);
  });

  it('does not store a stream the consumer left early, and shares one upstream stream between concurrent consumers', async () => {
    const c = build();
    for await (const e of c.stream(ask('p'), context('stream'))) if (e.type === 'delta') break;
    const [a, b] = await Promise.all([
      collect(c.stream(ask('p'), context('stream'))),
      collect(c.stream(ask('p'), context('stream'))),
    ]);
    const deltas = (events: StreamEvent[]) => events.filter((e) => e.type === 'delta');
    expect(deltas(a)).toEqual(deltas(b));
    expect(a.at(-1)).toMatchObject({ type: 'finish', cached: false });
    expect(b.at(-1)).toMatchObject({ type: 'finish', cached: false, attempts: 0 });
    expect(
      a
        .filter((e) => e.type === 'delta')
        .map((e) => (e as { text: string }).text)
        .join(''),
    ).toBe('one two three');
    expect(c.upstream.calls).toEqual(['p', 'p']); // the partial one, then one shared by both consumers
    expect((await collect(c.stream(ask('p'), context('stream')))).at(-1)).toMatchObject({ cached: true });
  });

  it('keeps the shared call alive when one coalesced caller aborts', async () => {
    const c = build();
    const quitter = new AbortController();
    const a = c.generate(ask('q'), context('generate', [], quitter.signal));
    const b = c.generate(ask('q'), context('generate'));
    quitter.abort(new Error('caller 1 left'));
    await expect(a).rejects.toThrow('caller 1 left');
    expect(await b).toMatchObject({ text: 'answer to q' });
    expect(c.upstream.calls).toEqual(['q']);
  });

  it('scopes entries by namespace', async () => {
    const upstream = fakeUpstream();
    const shared = createRequestLayers({ cache: { namespace: 'a' } });
    const a = composeGenerate(shared.layers, upstream.generate);
    await a(ask('n'), context('generate'));
    expect((await a(ask('n'), context('generate'))).cached).toBe(true);
    const other = createRequestLayers({ cache: { namespace: 'b' } });
    expect(
      (await composeGenerate(other.layers, upstream.generate)(ask('n'), context('generate'))).cached,
    ).toBe(false);
  });
});

const vec = (text: string): number[] => [text.length, text.charCodeAt(0) || 0, 1];

function fakeEmbedder(options: { bad?: string; delayMs?: number } = {}) {
  const calls: string[][] = [];
  let inFlight = 0;
  let peak = 0;
  const embed: EmbedNext = async (req, ctx) => {
    calls.push([...req.input]);
    ctx.attempts++;
    inFlight++;
    peak = Math.max(peak, inFlight);
    await sleep(options.delayMs ?? 5);
    inFlight--;
    if (options.bad && req.input.includes(options.bad)) {
      throw new GenAiError(`text "${options.bad}" is not allowed`, { kind: 'invalid-request' });
    }
    return {
      embeddings: req.input.map(vec),
      usage: { inputTokens: req.input.length * 2 },
      provider: req.targets[0]!.provider,
      model: req.targets[0]!.model,
      cached: false,
      attempts: ctx.attempts,
      latencyMs: 1,
    };
  };
  return { calls, embed, peak: () => peak };
}

const embedReq = (input: string[], target = embedTarget): NormalizedEmbedRequest => ({
  model: target.id,
  targets: [target],
  input,
});

describe('embedding cache and micro-batching', () => {
  it('merges concurrent calls into one upstream call and gives each caller its vectors in order', async () => {
    const up = fakeEmbedder();
    const { layers, stats } = createRequestLayers({ cache: false });
    const embed = composeEmbed(layers, up.embed);
    const inputs = Array.from({ length: 40 }, (_, i) => [`text ${i}`, `extra ${i % 3}`]);
    const results = await Promise.all(inputs.map((input) => embed(embedReq(input), context('embed'))));
    for (const [i, r] of results.entries()) expect(r.embeddings).toEqual(inputs[i]!.map(vec));
    expect(up.calls).toHaveLength(1);
    expect(up.calls[0]).toHaveLength(43); // 40 distinct texts + 3 shared extras, each sent once
    expect(stats().batchSizeHistogram.counts[6]).toBe(1); // one batch of 33..64 texts
  });

  it('splits by the model limit (250 texts for text-embedding-005)', async () => {
    const up = fakeEmbedder();
    const embed = composeEmbed(createRequestLayers({ cache: false }).layers, up.embed);
    await Promise.all(Array.from({ length: 600 }, (_, i) => embed(embedReq([`t${i}`]), context('embed'))));
    expect(up.calls.map((c) => c.length)).toEqual([250, 250, 100]);
  });

  it('fails only the caller whose text the provider rejects (bisecting the batch)', async () => {
    const up = fakeEmbedder({ bad: 'BAD' });
    const embed = composeEmbed(createRequestLayers({ cache: false }).layers, up.embed);
    const inputs = ['a', 'b', 'BAD', 'c', 'd', 'e', 'f', 'g'];
    const settled = await Promise.allSettled(inputs.map((t) => embed(embedReq([t]), context('embed'))));
    settled.forEach((s, i) => {
      if (inputs[i] === 'BAD')
        expect(s).toMatchObject({ status: 'rejected', reason: { kind: 'invalid-request' } });
      else expect(s).toMatchObject({ status: 'fulfilled', value: { embeddings: [vec(inputs[i]!)] } });
    });
    expect(up.calls.length).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(inputs.length)));
  });

  it('fans out one-text-per-call models with bounded concurrency instead of merging', async () => {
    const up = fakeEmbedder();
    const embed = composeEmbed(
      createRequestLayers({ cache: false, batch: { fanOutConcurrency: 3 } }).layers,
      up.embed,
    );
    const out = await Promise.all(
      Array.from({ length: 12 }, (_, i) => embed(embedReq([`t${i}`], titan), context('embed'))),
    );
    expect(out.map((r) => r.embeddings[0])).toEqual(Array.from({ length: 12 }, (_, i) => vec(`t${i}`)));
    expect(up.calls.every((c) => c.length === 1)).toBe(true);
    expect(up.peak()).toBe(3);
  });

  it('caches vectors per text and sends only the texts not cached', async () => {
    const up = fakeEmbedder();
    const embed = composeEmbed(createRequestLayers({}).layers, up.embed);
    await embed(embedReq(['a', 'b']), context('embed'));
    const events: ClientEventInput[] = [];
    const r = await embed(embedReq(['b', 'c', 'a', 'c']), context('embed', events));
    expect(r.embeddings).toEqual(['b', 'c', 'a', 'c'].map(vec));
    expect(up.calls).toEqual([['a', 'b'], ['c']]);
    expect(events).toContainEqual({ type: 'cache-hit', tier: 'memory', count: 2 });
    const all = await embed(embedReq(['a', 'c']), context('embed'));
    expect(all).toMatchObject({ cached: true, attempts: 0, usage: { inputTokens: 0 } });
    all.embeddings[0]![0] = 999; // a caller mutating its copy does not change the cache
    expect((await embed(embedReq(['a']), context('embed'))).embeddings[0]).toEqual(vec('a'));
  });
});

describe('options', () => {
  it('rejects bad options as invalid-request errors that name the option and the value', () => {
    expect(() => createRequestLayers({ cache: { ttlSeconds: -1 } })).toThrow(
      expect.objectContaining({
        kind: 'invalid-request',
        message: expect.stringMatching(/cache\.ttlSeconds.*-1/),
      }),
    );
    expect(() => createRequestLayers({ batch: { windowMs: -5 } })).toThrow(
      /createClient: batch windowMs.*-5/,
    );
    expect(() => createRequestLayers({ cache: { redis: 'http://h:1' } })).toThrow(
      /redis:\/\/ or rediss:\/\//,
    );
    expect(() => createRequestLayers({ coalesce: 'yes' as never })).toThrow(
      /coalesce must be true, false or an options object; received "yes"/,
    );
    expect(() => createRequestLayers({ cache: { memory: { maxBytes: 0 } } })).toThrow(/maxBytes/);
  });

  it('turns each layer off with false', () => {
    expect(createRequestLayers({ cache: false, coalesce: false, batch: false }).layers).toHaveLength(0);
    expect(createRequestLayers().layers.map((l) => l.name)).toEqual(['cache', 'coalesce', 'batch']);
  });
});
