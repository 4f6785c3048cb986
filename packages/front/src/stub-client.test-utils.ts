import type {
  EmbedRequest,
  EmbedResult,
  GatewayClient,
  GenerateRequest,
  GenerateResult,
  StreamEvent,
} from './client.js';

/** An upstream-like error (the shape of the client's GenAiError) for tests of the error mapping. */
export class FakeUpstreamError extends Error {
  override readonly name = 'GenAiError';
  constructor(
    readonly kind: string,
    message: string,
    readonly retryAfterMs?: number,
    readonly provider = 'bedrock',
  ) {
    super(message);
  }
}

/**
 * A client that answers from the request itself, for the front's unit tests that are about HTTP
 * (auth, validation, limits, shapes). Prompts "fail:<kind>" throw that kind. The e2e tests use the real
 * client against the emulator.
 */
export function stubClient(): GatewayClient & { calls: GenerateRequest[]; aborted: number } {
  const calls: GenerateRequest[] = [];
  const state = { aborted: 0 };
  const provider = (model: string) => (model.split('/')[0] ?? 'bedrock') as GenerateResult['provider'];
  const answer = (req: GenerateRequest): GenerateResult => {
    const last = req.messages[req.messages.length - 1]?.content ?? '';
    const m = /^fail:([a-z-]+)$/.exec(last);
    if (m) throw new FakeUpstreamError(m[1]!, `upstream says ${m[1]} (secret-account-123)`, 2500);
    const text = `echo: ${last}`;
    return {
      text,
      finishReason: 'stop',
      usage: { inputTokens: Math.ceil(last.length / 4) + 1, outputTokens: Math.ceil(text.length / 4) },
      provider: provider(req.model.includes('/') ? req.model : 'bedrock/x'),
      model: req.model.split('/').slice(1).join('/') || req.model,
      cached: req.temperature === 0,
      attempts: req.temperature === 0 ? 0 : 1,
      latencyMs: 1,
    };
  };
  return {
    calls,
    get aborted() {
      return state.aborted;
    },
    async generate(req) {
      calls.push(req);
      return answer(req);
    },
    async *stream(req): AsyncIterable<StreamEvent> {
      calls.push(req);
      const result = answer(req);
      const words = result.text.split(/(?<= )/);
      const slow = req.messages.at(-1)?.content === 'slow';
      try {
        for (const w of slow ? Array.from({ length: 1000 }, () => 'tick ') : words) {
          if (slow) await new Promise((r) => setTimeout(r, 10));
          if (req.signal?.aborted) throw new FakeUpstreamError('aborted', 'aborted');
          yield { type: 'delta', text: w };
        }
      } finally {
        if (req.signal?.aborted) state.aborted += 1;
      }
      const { text: _text, ...rest } = result;
      yield { type: 'finish', ...rest };
    },
    async embed(req: EmbedRequest): Promise<EmbedResult> {
      const input = typeof req.input === 'string' ? [req.input] : [...req.input];
      return {
        embeddings: input.map((t) => [t.length, 0.5, -0.25]),
        usage: { inputTokens: input.reduce((n, t) => n + Math.ceil(t.length / 4), 0) },
        provider: provider(req.model),
        model: req.model.split('/').slice(1).join('/'),
        cached: false,
        attempts: 1,
        latencyMs: 1,
      };
    },
    close() {},
  };
}
