/**
 * The life of one client call around the composed pipeline: the validate step, the call's context (signal,
 * deadline, request id, events), its span, the request-start / request-end / error events, and `close()`
 * reaching every call in flight.
 */
import { randomUUID } from 'node:crypto';
import type { ModelPrice } from '@genai-deploy/config';
import type { Span } from '@opentelemetry/api';
import { abortReason, CallSignal } from './abort.js';
import { answeredBy, resultCost } from './cost/result-cost.js';
import { GenAiError, isGenAiError } from './errors.js';
import { type ClientEvent, type ClientEventListener, deliver } from './events.js';
import type { CallContext, ClientEventInput, EmbedNext, GenerateNext, StreamNext } from './layer.js';
import type { Telemetry } from './telemetry.js';
import type {
  EmbedRequest,
  EmbedResult,
  GenerateRequest,
  GenerateResult,
  NormalizedEmbedRequest,
  NormalizedGenerateRequest,
  Operation,
  StreamEvent,
  StreamFinish,
  Target,
} from './types.js';
import { type ValidationContext, validateEmbed, validateGenerate } from './validate/validate.js';

/** @default 120000 */
export const DEFAULT_DEADLINE_MS = 120_000;
const MAX_TIMER_MS = 2_147_483_647;

// Request ids: a random prefix per process and a counter (unique across processes, cheaper than a UUID per call).
const idPrefix = `${randomUUID().slice(0, 8)}-`;
let idCounter = 0;

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

/** The steps of one unary operation, built once per client (no closures per call). */
interface UnaryOperation<Req, Res> {
  readonly name: 'generate' | 'embed';
  validate(request: unknown): Req;
  startSpan(req: Req): Span;
  readonly chain: (req: Req, ctx: CallContext) => Promise<Res>;
  endSpan(span: Span, result: Res, target: Target | undefined): void;
}

export interface CallRunnerOptions {
  /** Overall deadline of a call that sets none. */
  readonly deadlineMs: number;
  readonly telemetry: Telemetry;
  /** Whether spans carry prompts and completions (a stream's text is then gathered for its span). */
  readonly recordContent: boolean;
  readonly onEvent: ClientEventListener | undefined;
  /** Prices over DEFAULT_PRICES: every answer carries its cost (a step such as the budget may set it first). */
  readonly prices: Readonly<Record<string, ModelPrice>>;
  readonly validation: ValidationContext;
  /** The composed pipeline, per operation. */
  readonly generate: GenerateNext;
  readonly stream: StreamNext;
  readonly embed: EmbedNext;
}

/** Runs the client's calls: one instance per client. */
export class CallRunner {
  readonly #options: CallRunnerOptions;
  readonly #closing = new AbortController();
  /** Calls in flight, aborted by close(). */
  readonly #inFlight = new Set<CallSignal>();
  readonly #generate: UnaryOperation<NormalizedGenerateRequest, GenerateResult>;
  readonly #embed: UnaryOperation<NormalizedEmbedRequest, EmbedResult>;

  constructor(options: CallRunnerOptions) {
    this.#options = options;
    const { telemetry, validation } = options;
    this.#generate = {
      name: 'generate',
      validate: (request) => validateGenerate(request as GenerateRequest, validation),
      startSpan: (req) => telemetry.startGenerate('generate', req),
      chain: options.generate,
      endSpan: (span, result, target) => telemetry.endGenerate(span, result, target),
    };
    this.#embed = {
      name: 'embed',
      validate: (request) => validateEmbed(request as EmbedRequest, validation),
      startSpan: (req) => telemetry.startEmbed(req),
      chain: options.embed,
      endSpan: (span, result, target) => telemetry.endEmbed(span, result, target),
    };
  }

  generate(request: GenerateRequest): Promise<GenerateResult> {
    return this.#unary(this.#generate, request);
  }

  embed(request: EmbedRequest): Promise<EmbedResult> {
    return this.#unary(this.#embed, request);
  }

  async *stream(request: GenerateRequest): AsyncGenerator<StreamEvent, void, undefined> {
    const { telemetry } = this.#options;
    const ctx = this.#begin('stream', request?.signal, request?.deadlineMs);
    let span: Span | undefined;
    let finished = false;
    let text = this.#options.recordContent ? '' : undefined;
    try {
      const req = validateGenerate(request, this.#options.validation);
      this.#started(ctx, req.model, req.route, req.targets);
      span = telemetry.startGenerate('stream', req);
      for await (const event of this.#options.stream(req, ctx)) {
        if (event.type !== 'finish') {
          if (text !== undefined && event.type === 'delta') text += event.text;
          yield event;
          continue;
        }
        ctx.target ??= answeredBy(req.targets, event);
        const finish: StreamFinish = {
          ...event,
          attempts: ctx.attempts,
          latencyMs: Date.now() - ctx.startedAt,
          cost: event.cost ?? resultCost(event, ctx.target, this.#options.prices),
        };
        finished = true;
        telemetry.endGenerate(
          span,
          text === undefined ? finish : Object.assign({}, finish, { text }),
          ctx.target,
        );
        this.#ended(ctx, finish);
        yield finish;
        return;
      }
      throw new GenAiError('the stream ended without a finish event', {
        kind: 'unavailable',
        code: 'truncated-stream',
      });
    } catch (e) {
      finished = true;
      throw this.#failed(ctx, e, span);
    } finally {
      if (!finished) {
        // The consumer stopped reading (break/return): abort the upstream request and say so.
        ctx.link.abort(abortReason('the stream consumer stopped reading'));
        this.#failed(ctx, new GenAiError('the stream consumer stopped reading', { kind: 'aborted' }), span);
      }
      this.#dispose(ctx);
    }
  }

  /** Aborts every call in flight; later calls fail at once. */
  close(): void {
    this.#closing.abort(abortReason('the client was closed'));
    for (const call of this.#inFlight) call.abort(this.#closing.signal.reason);
    this.#inFlight.clear();
  }

  /**
   * One generate or embed call, from validation to the request-end event: the chain's result stamped with the
   * call's attempts and latency, its span ended, and any failure reported once.
   */
  async #unary<
    Req extends NormalizedGenerateRequest | NormalizedEmbedRequest,
    Res extends GenerateResult | EmbedResult,
  >(
    op: UnaryOperation<Req, Res>,
    request:
      | { readonly signal?: AbortSignal | undefined; readonly deadlineMs?: number | undefined }
      | undefined,
  ): Promise<Res> {
    const ctx = this.#begin(op.name, request?.signal, request?.deadlineMs);
    let span: Span | undefined;
    try {
      const req = op.validate(request);
      this.#started(ctx, req.model, req.route, req.targets);
      span = op.startSpan(req);
      const raw = await op.chain(req, ctx);
      ctx.target ??= answeredBy(req.targets, raw);
      const result: Res = {
        ...raw,
        attempts: ctx.attempts,
        latencyMs: Date.now() - ctx.startedAt,
        cost: raw.cost ?? resultCost(raw, ctx.target, this.#options.prices),
      };
      op.endSpan(span, result, ctx.target);
      this.#ended(ctx, result);
      return result;
    } catch (e) {
      throw this.#failed(ctx, e, span);
    } finally {
      this.#dispose(ctx);
    }
  }

  #begin(operation: Operation, signal: AbortSignal | undefined, deadlineMs: number | undefined): RootContext {
    if (this.#closing.signal.aborted) {
      throw new GenAiError('the client is closed; create a new one with createClient()', { kind: 'aborted' });
    }
    const startedAt = Date.now();
    // setTimeout fires at once past 2^31-1 ms (~24.8 days): clamp.
    const ms = Math.min(
      typeof deadlineMs === 'number' && deadlineMs > 0 ? deadlineMs : this.#options.deadlineMs,
      MAX_TIMER_MS,
    );
    // The caller's signal, the deadline and close() all abort the call's signal, created when a step first
    // reads it (a cache hit never does). close() reaches calls through the `inFlight` set instead of a
    // listener per call on a client-wide signal.
    const link = new CallSignal(signal, startedAt + ms, ms);
    this.#inFlight.add(link);
    const requestId = `${idPrefix}${(++idCounter).toString(36)}`;
    const { onEvent } = this.#options;
    const emit = onEvent ? eventEmitter(onEvent, requestId, operation) : noEmit;
    return new RootContext(operation, link, startedAt + ms, startedAt, requestId, emit);
  }

  #dispose(ctx: RootContext): void {
    this.#inFlight.delete(ctx.link);
    ctx.link.dispose();
  }

  #failed(ctx: RootContext, e: unknown, span: Span | undefined): GenAiError {
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
    if (span) this.#options.telemetry.fail(span, error, ctx.attempts);
    if (this.#options.onEvent) {
      ctx.emit({
        type: 'error',
        error,
        latencyMs: Date.now() - ctx.startedAt,
        attempts: ctx.attempts,
        ...(error.target ? { target: error.target } : {}),
      });
    }
    return error;
  }

  // Events are built only when someone listens (a cache hit is cheap enough for their cost to show).
  #started(ctx: RootContext, model: string, route: string | undefined, targets: readonly { id: string }[]) {
    if (!this.#options.onEvent) return;
    ctx.emit({
      type: 'request-start',
      model,
      ...(route ? { route } : {}),
      targets: targets.map((t) => t.id),
    });
  }

  #ended(ctx: RootContext, result: Omit<GenerateResult, 'text'> | EmbedResult) {
    if (!this.#options.onEvent) return;
    ctx.emit({
      type: 'request-end',
      usage:
        'outputTokens' in result.usage
          ? result.usage
          : { inputTokens: result.usage.inputTokens, outputTokens: 0 },
      latencyMs: result.latencyMs,
      attempts: result.attempts,
      cached: result.cached,
      ...(result.cost ? { cost: result.cost } : {}),
      ...(ctx.target ? { target: ctx.target } : {}),
    });
  }
}
