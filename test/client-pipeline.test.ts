import {
  type ClientEvent,
  createClient,
  type GenerateNext,
  isGenAiError,
  type Layer,
  type StreamEvent,
} from '@genai-deploy/client';
import type { Attributes, Span, SpanOptions, SpanStatus, Tracer } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CHAT,
  type ClientEmulator,
  EMBED,
  emulatorProviders,
  startClientEmulator,
} from './client.test-utils.js';

let env: ClientEmulator;
beforeAll(async () => {
  env = await startClientEmulator();
});
afterAll(() => env.close());
beforeEach(() => env.emulator.reset());

const messages = [{ role: 'user' as const, content: 'What is the capital of France?' }];

describe('validation happens before any network call', () => {
  it('rejects bad requests with a clear message and sends nothing upstream', async () => {
    const events: ClientEvent[] = [];
    const client = env.newClient({
      routes: { chat: { targets: [CHAT.bedrock] } },
      onEvent: (e) => events.push(e),
    });
    const bad = [
      client.generate({ model: CHAT.bedrock, messages: [] }),
      client.generate({ model: CHAT.bedrock, messages: [{ role: 'tool' as never, content: 'x' }] }),
      client.generate({ model: CHAT.bedrock, messages, maxTokens: 0 }),
      client.generate({ model: CHAT.bedrock, messages, temperature: 1.5 }),
      client.generate({ model: 'mistral/large', messages }),
      client.generate({ model: 'fastest', messages }),
      client.embed({ model: EMBED.vertex, input: ['ok', 'word '.repeat(3000)] }),
      (async () => {
        for await (const _ of client.stream({ model: CHAT.azure, messages, temperature: 9 }));
      })(),
    ];
    const errors = await Promise.all(
      bad.map((p) =>
        p.then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );
    for (const e of errors) {
      expect(isGenAiError(e)).toBe(true);
      expect(e).toMatchObject({ kind: 'invalid-request', retryable: false });
    }
    expect((errors[3] as Error).message).toBe(
      'invalid temperature: got 1.5; bedrock/anthropic.claude-3-5-haiku-20241022-v1:0 accepts 0 to 1',
    );
    expect((errors[5] as Error).message).toMatch(/got "fastest"; .*Configured routes: chat/);
    expect(env.emulator.requests().total).toBe(0);
    expect(events.filter((e) => e.type === 'error')).toHaveLength(bad.length);
    expect(events.filter((e) => e.type === 'attempt')).toHaveLength(0);
  });
});

describe('Azure credentials', () => {
  it('falls back to AZURE_INFERENCE_CREDENTIAL, and without any credential fails with `auth` before sending', async () => {
    const { azure } = emulatorProviders(env.emulator.url);
    const saved = process.env.AZURE_INFERENCE_CREDENTIAL;
    try {
      process.env.AZURE_INFERENCE_CREDENTIAL = 'key-from-env';
      const fromEnv = createClient({ providers: { azure: { endpoint: azure!.endpoint } }, retry: false });
      await expect(fromEnv.generate({ model: CHAT.azure, messages, maxTokens: 3 })).resolves.toMatchObject({
        provider: 'azure',
      });
      await fromEnv.close();
      delete process.env.AZURE_INFERENCE_CREDENTIAL;
      env.emulator.reset();
      const none = createClient({ providers: { azure: { endpoint: azure!.endpoint } }, retry: false });
      await expect(none.generate({ model: CHAT.azure, messages })).rejects.toMatchObject({
        kind: 'auth',
        message: expect.stringMatching(
          /Pass providers\.azure\.apiKey or \.credential, set AZURE_INFERENCE_CREDENTIAL/,
        ),
      });
      await none.close();
      expect(env.emulator.requests().total).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.AZURE_INFERENCE_CREDENTIAL;
      else process.env.AZURE_INFERENCE_CREDENTIAL = saved;
    }
  });
});

describe('user middleware', () => {
  it('runs request layers, then target layers, first listed outermost, and can alter the request', async () => {
    const order: string[] = [];
    const tracing = (
      name: string,
      alter?: (req: Parameters<GenerateNext>[0]) => Parameters<GenerateNext>[0],
    ): Layer => ({
      name,
      async generate(req, ctx, next) {
        order.push(`${name}:in${ctx.target ? `@${ctx.target.id}` : ''}`);
        const result = await next(alter ? alter(req) : req, ctx);
        order.push(`${name}:out`);
        return result;
      },
    });
    const client = env.newClient({
      layers: {
        request: [tracing('A', (req) => ({ ...req, maxTokens: 3 })), tracing('B')],
        target: [tracing('C')],
      },
    });
    const result = await client.generate({ model: CHAT.azure, messages, maxTokens: 100 });
    expect(order).toEqual(['A:in', 'B:in', `C:in@${CHAT.azure}`, 'C:out', 'B:out', 'A:out']);
    // A cut maxTokens to 3 on the way down: the provider saw it.
    expect(result.usage.outputTokens).toBeLessThanOrEqual(3);
    expect(result.finishReason).toBe('length');
  });

  it('can observe and transform a stream', async () => {
    const upper: Layer = {
      name: 'upper',
      async *stream(req, ctx, next): AsyncGenerator<StreamEvent> {
        for await (const event of next(req, ctx)) {
          yield event.type === 'delta' ? { ...event, text: event.text.toUpperCase() } : event;
        }
      },
    };
    const client = env.newClient({ layers: { request: [upper] } });
    let text = '';
    for await (const e of client.stream({ model: CHAT.sagemaker, messages, maxTokens: 10 })) {
      if (e.type === 'delta') text += e.text;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(text).toBe(text.toUpperCase());
  });

  it('can answer without calling the provider (short-circuit)', async () => {
    const canned: Layer = {
      name: 'canned',
      async generate(req) {
        return {
          text: 'canned',
          finishReason: 'stop',
          usage: { inputTokens: 0, outputTokens: 0 },
          provider: req.targets[0]!.provider,
          model: 'm',
          cached: true,
          attempts: 0,
          latencyMs: 0,
        };
      },
    };
    const client = env.newClient({ layers: { request: [canned] } });
    expect(await client.generate({ model: CHAT.vertex, messages })).toMatchObject({
      text: 'canned',
      cached: true,
      attempts: 0,
    });
    expect(env.emulator.requests().total).toBe(0);
  });
});

describe('typed events', () => {
  it('request-start, attempt, request-end with usage, latency, attempts, cached and target', async () => {
    const events: ClientEvent[] = [];
    const client = env.newClient({ onEvent: (e) => events.push(e) });
    const result = await client.generate({ model: CHAT.vertex, messages });
    expect(events.map((e) => e.type)).toEqual(['request-start', 'attempt', 'request-end']);
    const [start, attempt, end] = events;
    expect(new Set(events.map((e) => e.requestId)).size).toBe(1);
    expect(start).toMatchObject({
      type: 'request-start',
      operation: 'generate',
      model: CHAT.vertex,
      targets: [CHAT.vertex],
    });
    expect(attempt).toMatchObject({ type: 'attempt', attempt: 1, target: { id: CHAT.vertex } });
    expect(end).toMatchObject({
      type: 'request-end',
      usage: result.usage,
      attempts: 1,
      cached: false,
      latencyMs: result.latencyMs,
      target: { provider: 'vertex', model: 'gemini-2.0-flash' },
    });
  });

  it('request-end names the target that answered for route calls, streams and embeds (issue 22)', async () => {
    const events: ClientEvent[] = [];
    const client = env.newClient({
      routes: { chat: { targets: [CHAT.bedrock, CHAT.azure] }, vectors: { targets: [EMBED.vertex] } },
      onEvent: (e) => events.push(e),
    });
    env.emulator.setFaults([{ provider: 'bedrock', errorType: 'ServiceUnavailableException' }]);
    await client.generate({ model: 'chat', messages, maxTokens: 3 });
    for await (const _ of client.stream({ model: 'chat', messages, maxTokens: 3 }));
    env.emulator.setFaults([]);
    for await (const _ of client.stream({ model: CHAT.vertex, messages, maxTokens: 3 }));
    await client.embed({ model: 'vectors', input: ['a'] });
    await client.embed({ model: EMBED.azure, input: ['a', 'b'] });
    // The README's first example: the default cache, a route, the answer then a hit.
    const cached = env.newClient({
      cache: {},
      routes: { chat: { targets: [CHAT.bedrock, CHAT.vertex] } },
      onEvent: (e) => events.push(e),
    });
    await cached.generate({ model: 'chat', messages, maxTokens: 4, temperature: 0 });
    await cached.generate({ model: 'chat', messages, maxTokens: 4, temperature: 0 });
    const ends = events.filter((e) => e.type === 'request-end');
    expect(ends.map((e) => [e.operation, e.target?.id])).toEqual([
      ['generate', CHAT.azure],
      ['stream', CHAT.azure],
      ['stream', CHAT.vertex],
      ['embed', EMBED.vertex],
      ['embed', EMBED.azure],
      ['generate', CHAT.bedrock],
      ['generate', CHAT.bedrock],
    ]);
    expect(ends.at(-1)).toMatchObject({ cached: true });
  });

  it('an error event carries the GenAiError; a throwing listener does not break the call', async () => {
    const events: ClientEvent[] = [];
    const client = env.newClient({
      onEvent: (e) => {
        events.push(e);
        throw new Error('listener bug');
      },
    });
    env.emulator.setFaults([{ provider: 'bedrock', errorType: 'AccessDeniedException' }]);
    const error = await client.generate({ model: CHAT.bedrock, messages }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'auth' });
    const last = events.at(-1);
    expect(last?.type).toBe('error');
    if (last?.type === 'error') {
      expect(last.error).toBe(error);
      expect(last.attempts).toBe(1);
      expect(last.target?.id).toBe(CHAT.bedrock);
    }
  });
});

// A minimal Tracer over the @opentelemetry/api interfaces: records what the client puts on its spans.
interface RecordedSpan {
  name: string;
  options: SpanOptions;
  attributes: Attributes;
  status?: SpanStatus;
  ended: boolean;
}
function recordingTracer(): { tracer: Tracer; spans: RecordedSpan[] } {
  const spans: RecordedSpan[] = [];
  const tracer = {
    startSpan(name: string, options: SpanOptions = {}): Span {
      const rec: RecordedSpan = { name, options, attributes: { ...options.attributes }, ended: false };
      spans.push(rec);
      const span: Span = {
        spanContext: () => ({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 1 }),
        setAttribute: (k, v) => {
          if (v !== undefined) rec.attributes[k] = v;
          return span;
        },
        setAttributes: (a) => {
          Object.assign(rec.attributes, a);
          return span;
        },
        addEvent: () => span,
        addLink: () => span,
        addLinks: () => span,
        setStatus: (s) => {
          rec.status = s;
          return span;
        },
        updateName: (n) => {
          rec.name = n;
          return span;
        },
        end: () => {
          rec.ended = true;
        },
        isRecording: () => true,
        recordException: () => {},
      };
      return span;
    },
    startActiveSpan: () => {
      throw new Error('not used');
    },
  } as unknown as Tracer;
  return { tracer, spans };
}

describe('OpenTelemetry spans (GenAI semantic conventions)', () => {
  it('one CLIENT span per call with request and response attributes and no prompt text by default', async () => {
    const { tracer, spans } = recordingTracer();
    const client = env.newClient({ telemetry: { tracer } });
    const result = await client.generate({
      model: CHAT.bedrock,
      messages,
      system: 'secret system prompt',
      maxTokens: 20,
      temperature: 0.3,
    });
    expect(spans).toHaveLength(1);
    const span = spans[0]!;
    expect(span.name).toBe('chat anthropic.claude-3-5-haiku-20241022-v1:0');
    expect(span.options.kind).toBe(2); // SpanKind.CLIENT
    expect(span.ended).toBe(true);
    expect(span.attributes).toMatchObject({
      'gen_ai.system': 'aws.bedrock',
      'gen_ai.provider.name': 'aws.bedrock',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'anthropic.claude-3-5-haiku-20241022-v1:0',
      'gen_ai.request.max_tokens': 20,
      'gen_ai.request.temperature': 0.3,
      'gen_ai.response.model': result.model,
      'gen_ai.response.finish_reasons': [result.finishReason],
      'gen_ai.usage.input_tokens': result.usage.inputTokens,
      'gen_ai.usage.output_tokens': result.usage.outputTokens,
    });
    const everything = JSON.stringify(span);
    expect(everything).not.toContain('capital of France');
    expect(everything).not.toContain('secret system prompt');
    expect(everything).not.toContain(result.text);
  });

  it('records prompts and completions only with recordContent', async () => {
    const { tracer, spans } = recordingTracer();
    const client = env.newClient({ telemetry: { tracer, recordContent: true } });
    const result = await client.generate({ model: CHAT.azure, messages, system: 'be brief' });
    const attrs = spans[0]!.attributes;
    expect(JSON.parse(String(attrs['gen_ai.input.messages']))).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'What is the capital of France?' }] },
    ]);
    expect(String(attrs['gen_ai.system_instructions'])).toContain('be brief');
    expect(String(attrs['gen_ai.output.messages'])).toContain(JSON.stringify(result.text).slice(1, -1));
    expect(attrs['gen_ai.system']).toBe('az.ai.inference');
  });

  it('a stream and an embedding call get their spans; a failure sets error.type and ERROR status', async () => {
    const { tracer, spans } = recordingTracer();
    const client = env.newClient({ telemetry: { tracer } });
    for await (const _ of client.stream({ model: CHAT.vertex, messages, maxTokens: 5 }));
    await client.embed({ model: EMBED.vertex, input: ['a', 'b'] });
    env.emulator.setFaults([{ provider: 'sagemaker', errorType: 'ThrottlingException' }]);
    await client.generate({ model: CHAT.sagemaker, messages }).catch(() => {});
    expect(spans.map((s) => s.name)).toEqual([
      'chat gemini-2.0-flash',
      'embeddings text-embedding-005',
      'chat llama-tgi',
    ]);
    expect(spans[0]!.attributes).toMatchObject({
      'gen_ai.system': 'gcp.vertex_ai',
      'gen_ai.request.stream': true,
    });
    expect(spans[0]!.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    expect(spans[1]!.attributes).toMatchObject({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.embeddings.dimension.count': 768,
    });
    expect(spans[2]!.attributes).toMatchObject({
      'error.type': 'throttled',
      'gen_ai.system': 'aws.sagemaker',
    });
    expect(spans[2]!.status).toEqual({ code: 2, message: 'throttled' });
    expect(spans.every((s) => s.ended)).toBe(true);
  });
});
