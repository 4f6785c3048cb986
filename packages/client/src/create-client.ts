import { randomUUID } from 'node:crypto';
import { PROVIDERS } from '@genai-deploy/config';
import type { Span } from '@opentelemetry/api';
import { abortReason, CallSignal } from './abort.js';
import { createRequestLayers } from './cache/request-layers.js';
import type { ClientOptions, GenAiClient } from './client-options.js';
import { GenAiError, isGenAiError } from './errors.js';
import { type ClientEvent, deliver } from './events.js';
import {
  composeEmbed,
  composeGenerate,
  composeStream,
  embeddingSplitLayer,
  providerTerminal,
} from './pipeline.js';
import { lazyAdapter } from './providers/lazy-adapter.js';
import type { ProviderAdapter } from './providers/provider-definition.js';
import { providerDefinition } from './providers/registry.js';
import { createResilienceLayers } from './resilience/resilience-options.js';
import { Telemetry } from './telemetry.js';
import type {
  CallContext,
  ClientEventInput,
  EmbedRequest,
  EmbedResult,
  GenerateRequest,
  GenerateResult,
  Layer,
  NormalizedEmbedRequest,
  NormalizedGenerateRequest,
  Operation,
  ProviderName,
  StreamEvent,
  StreamFinish,
  Target,
} from './types.js';
import { type ValidationContext, validateEmbed, validateGenerate } from './validate.js';

/** @default 120000 */
export const DEFAULT_DEADLINE_MS = 120_000;
/** @default 4 */
export const DEFAULT_EMBED_CONCURRENCY = 4;
const MAX_TIMER_MS = 2_147_483_647;

// Request ids: a random prefix per process and a counter (unique across processes, cheaper than a UUID per call).
const idPrefix = `${randomUUID().slice(0, 8)}-`;
let idCounter = 0;

/** Fails fast, at construction, on options that could only fail every call later. */
function checkClientOptions(options: ClientOptions): void {
  const fail = (field: string, value: unknown, rule: string): never => {
    throw new GenAiError(`createClient: invalid ${field}: got ${JSON.stringify(value)}; ${rule}`, {
      kind: 'invalid-request',
    });
  };
  if (
    options.deadlineMs !== undefined &&
    !(typeof options.deadlineMs === 'number' && options.deadlineMs > 0)
  ) {
    fail('deadlineMs', options.deadlineMs, 'expected a number of milliseconds > 0');
  }
  if (
    options.embedConcurrency !== undefined &&
    !(Number.isInteger(options.embedConcurrency) && options.embedConcurrency >= 1)
  ) {
    fail('embedConcurrency', options.embedConcurrency, 'expected an integer >= 1');
  }
  const providers = options.providers ?? {};
  for (const name of PROVIDERS) {
    const settings = providers[name];
    if (settings)
      providerDefinition(name).checkOptions(settings, (f, v, r) => fail(`providers.${name}.${f}`, v, r));
  }
}

const noEmit = (): void => {};

/** `ctx.emit` of a call when `onEvent` is set: tags each event with the call's id, operation and time. */
function eventEmitter(
  onEvent: (event: ClientEvent) => void,
  requestId: string,
  operation: Operation,
): (event: ClientEventInput) => void {
  // Object.assign, not `{ ...event, requestId, ... }`: in Node 20 a spread copy grown by new keys costs ~1 µs
  // per key.
  return (event) =>
    deliver(
      onEvent,
      Object.assign({}, event, { requestId, operation, timestamp: Date.now() }) as ClientEvent,
    );
}

/**
 * The context of one client call. A class with `signal` as a getter: the call's AbortSignal is only created
 * when a step reads it (see CallSignal); `{ ...ctx, signal }` copies every other field.
 */
class RootContext implements CallContext {
  attempts = 0;
  target?: Target;
  readonly #link: CallSignal;

  constructor(
    readonly operation: Operation,
    link: CallSignal,
    readonly deadline: number,
    readonly startedAt: number,
    readonly requestId: string,
    readonly emit: (event: ClientEventInput) => void,
  ) {
    this.#link = link;
  }

  get signal(): AbortSignal {
    return this.#link.signal;
  }

  /** The call's signal state (kept off the instance's own fields, so that spreads do not copy it). */
  get link(): CallSignal {
    return this.#link;
  }
}

/**
 * Creates a client over Bedrock, SageMaker, Vertex AI and Azure AI inference.
 *
 * A call goes: validate → request layers → route → embedding split → target layers → provider.
 */
export function createClient(options: ClientOptions = {}): GenAiClient {
  const providers = options.providers ?? {};
  const routes = options.routes ?? {};
  checkClientOptions(options);
  const defaultDeadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const telemetry = new Telemetry(options.telemetry);
  const onEvent = options.onEvent;
  const closing = new AbortController();
  /** Calls in flight, aborted by close(). */
  const inFlight = new Set<CallSignal>();
  let closed: Promise<void> | undefined;

  // Official clients are created (and their SDKs loaded) on first use of each provider.
  const adapters = new Map<ProviderName, ReturnType<typeof lazyAdapter>>();
  const adapterFor = (provider: ProviderName): ProviderAdapter => {
    let adapter = adapters.get(provider);
    if (!adapter) {
      adapter = lazyAdapter(provider, providers);
      adapters.set(provider, adapter);
    }
    return adapter.loaded() ?? adapter;
  };

  const vctx: ValidationContext = {
    routes,
    providerProblem: (provider) => providerDefinition(provider).notConfigured(providers[provider]),
  };

  // Request layers see the logical request before a target is chosen.
  const cacheAndBatch = createRequestLayers(options, { routes }); // cache → coalesce → batch (issue 6)
  const requestLayers: Layer[] = [...cacheAndBatch.layers, ...(options.layers?.request ?? [])];
  // The route step picks the target(s): the fallback chain (resilience/fallback.ts) walks them in order.
  const resilience = createResilienceLayers(options, routes);
  const route: Layer = resilience.route;
  // Target layers wrap each call to one target, once per attempt.
  const targetLayers: Layer[] = [
    ...resilience.targetLayers /* retry → breaker → rate limit → attempt timeout */,
    ...(options.layers?.target ?? []),
  ];

  const layers: Layer[] = [
    ...requestLayers,
    route,
    embeddingSplitLayer(options.embedConcurrency ?? DEFAULT_EMBED_CONCURRENCY),
    ...targetLayers,
  ];
  const terminal = providerTerminal(adapterFor);
  const generateChain = composeGenerate(layers, terminal.generate);
  const streamChain = composeStream(layers, terminal.stream);
  const embedChain = composeEmbed(layers, terminal.embed);

  const begin = (
    operation: Operation,
    signal: AbortSignal | undefined,
    deadlineMs: number | undefined,
  ): RootContext => {
    if (closing.signal.aborted) {
      throw new GenAiError('the client is closed; create a new one with createClient()', { kind: 'aborted' });
    }
    const startedAt = Date.now();
    // setTimeout fires at once past 2^31-1 ms (~24.8 days): clamp.
    const ms = Math.min(
      typeof deadlineMs === 'number' && deadlineMs > 0 ? deadlineMs : defaultDeadlineMs,
      MAX_TIMER_MS,
    );
    // The caller's signal, the deadline and close() all abort the call's signal, created when a step first
    // reads it (a cache hit never does). close() reaches calls through the `inFlight` set instead of a
    // listener per call on a client-wide signal.
    const link = new CallSignal(signal, startedAt + ms, ms);
    inFlight.add(link);
    const requestId = `${idPrefix}${(++idCounter).toString(36)}`;
    const emit = onEvent ? eventEmitter(onEvent, requestId, operation) : noEmit;
    return new RootContext(operation, link, startedAt + ms, startedAt, requestId, emit);
  };

  const dispose = (ctx: RootContext): void => {
    inFlight.delete(ctx.link);
    ctx.link.dispose();
  };

  const failed = (ctx: RootContext, e: unknown, span: Span | undefined): GenAiError => {
    const error = isGenAiError(e)
      ? e
      : ctx.link.aborted
        ? new GenAiError(String((ctx.signal.reason as Error)?.message ?? 'aborted'), {
            kind: 'aborted',
            cause: e,
          })
        : new GenAiError(`unexpected error: ${e instanceof Error ? e.message : String(e)}`, {
            kind: 'unavailable',
            retryable: false,
            cause: e,
          });
    if (span) telemetry.fail(span, error, ctx.attempts);
    if (onEvent) {
      ctx.emit({
        type: 'error',
        error,
        latencyMs: Date.now() - ctx.startedAt,
        attempts: ctx.attempts,
        ...(error.target ? { target: error.target } : {}),
      });
    }
    return error;
  };

  // Events are built only when someone listens (a cache hit is cheap enough for their cost to show).
  const started = (
    ctx: RootContext,
    model: string,
    route: string | undefined,
    targets: readonly { id: string }[],
  ) => {
    if (!onEvent) return;
    ctx.emit({
      type: 'request-start',
      model,
      ...(route ? { route } : {}),
      targets: targets.map((t) => t.id),
    });
  };

  const ended = (ctx: RootContext, result: Omit<GenerateResult, 'text'> | EmbedResult) => {
    if (!onEvent) return;
    ctx.emit({
      type: 'request-end',
      usage:
        'outputTokens' in result.usage
          ? result.usage
          : { inputTokens: result.usage.inputTokens, outputTokens: 0 },
      latencyMs: result.latencyMs,
      attempts: result.attempts,
      cached: result.cached,
      ...(ctx.target ? { target: ctx.target } : {}),
    });
  };

  /** The steps of one unary operation, built once per client (no closures per call). */
  interface UnaryOperation<Req, Res> {
    readonly name: 'generate' | 'embed';
    validate(request: unknown): Req;
    startSpan(req: Req): Span;
    readonly chain: (req: Req, ctx: CallContext) => Promise<Res>;
    endSpan(span: Span, result: Res, target: Target | undefined): void;
  }

  /**
   * One generate or embed call, from validation to the request-end event: the chain's result stamped with the
   * call's attempts and latency, its span ended, and any failure reported once.
   */
  async function unaryCall<
    Req extends NormalizedGenerateRequest | NormalizedEmbedRequest,
    Res extends GenerateResult | EmbedResult,
  >(
    op: UnaryOperation<Req, Res>,
    request:
      | { readonly signal?: AbortSignal | undefined; readonly deadlineMs?: number | undefined }
      | undefined,
  ): Promise<Res> {
    const ctx = begin(op.name, request?.signal, request?.deadlineMs);
    let span: Span | undefined;
    try {
      const req = op.validate(request);
      started(ctx, req.model, req.route, req.targets);
      span = op.startSpan(req);
      const raw = await op.chain(req, ctx);
      const result: Res = {
        ...raw,
        attempts: ctx.attempts,
        latencyMs: Date.now() - ctx.startedAt,
      };
      op.endSpan(span, result, ctx.target);
      ended(ctx, result);
      return result;
    } catch (e) {
      throw failed(ctx, e, span);
    } finally {
      dispose(ctx);
    }
  }

  const generateOp: UnaryOperation<NormalizedGenerateRequest, GenerateResult> = {
    name: 'generate',
    validate: (request) => validateGenerate(request as GenerateRequest, vctx),
    startSpan: (req) => telemetry.startGenerate('generate', req),
    chain: generateChain,
    endSpan: (span, result, target) => telemetry.endGenerate(span, result, target),
  };

  const embedOp: UnaryOperation<NormalizedEmbedRequest, EmbedResult> = {
    name: 'embed',
    validate: (request) => validateEmbed(request as EmbedRequest, vctx),
    startSpan: (req) => telemetry.startEmbed(req),
    chain: embedChain,
    endSpan: (span, result, target) => telemetry.endEmbed(span, result, target),
  };

  function generate(request: GenerateRequest): Promise<GenerateResult> {
    return unaryCall(generateOp, request);
  }

  async function* stream(request: GenerateRequest): AsyncGenerator<StreamEvent, void, undefined> {
    const ctx = begin('stream', request?.signal, request?.deadlineMs);
    let span: Span | undefined;
    let finished = false;
    let text = options.telemetry?.recordContent ? '' : undefined;
    try {
      const req = validateGenerate(request, vctx);
      started(ctx, req.model, req.route, req.targets);
      span = telemetry.startGenerate('stream', req);
      for await (const event of streamChain(req, ctx)) {
        if (event.type === 'delta') {
          if (text !== undefined) text += event.text;
          yield event;
          continue;
        }
        const finish: StreamFinish = {
          ...event,
          attempts: ctx.attempts,
          latencyMs: Date.now() - ctx.startedAt,
        };
        finished = true;
        telemetry.endGenerate(
          span,
          text === undefined ? finish : Object.assign({}, finish, { text }),
          ctx.target,
        );
        ended(ctx, finish);
        yield finish;
        return;
      }
      throw new GenAiError('the stream ended without a finish event', {
        kind: 'unavailable',
        code: 'truncated-stream',
      });
    } catch (e) {
      finished = true;
      throw failed(ctx, e, span);
    } finally {
      if (!finished) {
        // The consumer stopped reading (break/return): abort the upstream request and say so.
        ctx.link.abort(abortReason('the stream consumer stopped reading'));
        failed(ctx, new GenAiError('the stream consumer stopped reading', { kind: 'aborted' }), span);
      }
      dispose(ctx);
    }
  }

  function embed(request: EmbedRequest): Promise<EmbedResult> {
    return unaryCall(embedOp, request);
  }

  function close(): Promise<void> {
    closed ??= (async () => {
      closing.abort(abortReason('the client was closed'));
      for (const call of inFlight) call.abort(closing.signal.reason);
      inFlight.clear();
      const errors: unknown[] = [];
      for (const layer of layers) {
        try {
          await layer.close?.();
        } catch (e) {
          errors.push(e);
        }
      }
      for (const adapter of adapters.values()) {
        try {
          adapter.close();
        } catch (e) {
          errors.push(e);
        }
      }
      adapters.clear();
      if (errors.length > 0) throw new AggregateError(errors, 'closing the client failed');
    })();
    return closed;
  }

  return { generate, stream, embed, close, cacheStats: cacheAndBatch.stats };
}
