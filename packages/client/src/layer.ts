/**
 * The pipeline's contract: a `Layer` is one step with optional `generate`/`stream`/`embed` hooks around the
 * next step; `CallContext` is the per-call state every step sees. The order of the steps is
 * `PIPELINE` (pipeline/steps.ts).
 */
import type { ClientEvent } from './events.js';
import type {
  EmbedResult,
  GenerateResult,
  NormalizedEmbedRequest,
  NormalizedGenerateRequest,
  Operation,
  StreamEvent,
  Target,
} from './types.js';

/** Per-call state that flows through every layer. */
export interface CallContext {
  readonly operation: Operation;
  /** Aborts on the caller's signal, the overall deadline, or `close()`. */
  readonly signal: AbortSignal;
  /** Epoch ms at which the overall deadline expires. */
  readonly deadline: number;
  readonly startedAt: number;
  /** Upstream attempts so far; incremented by the attempt that reaches the provider. */
  attempts: number;
  /** The target chosen by route/fallback; set before target layers run. */
  target?: Target;
  /** Correlates the events and span of one call (added by issue 4). */
  readonly requestId?: string;
  /**
   * A per-attempt signal set by a target layer (the timeout layer) through `deriveContext`; the provider call
   * aborts on it as well as on `signal`, and its TimeoutError reason maps to a retryable `timeout` error.
   */
  readonly attemptSignal?: AbortSignal;
  /** Emits a typed client event (see events.ts) tagged with this call's requestId and operation. */
  readonly emit?: (event: ClientEventInput) => void;
}

/** An event as a layer emits it: the pipeline adds requestId, operation and timestamp. */
export type ClientEventInput = DistributiveOmit<ClientEvent, 'requestId' | 'operation' | 'timestamp'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type GenerateNext = (req: NormalizedGenerateRequest, ctx: CallContext) => Promise<GenerateResult>;
export type StreamNext = (req: NormalizedGenerateRequest, ctx: CallContext) => AsyncIterable<StreamEvent>;
export type EmbedNext = (req: NormalizedEmbedRequest, ctx: CallContext) => Promise<EmbedResult>;

/**
 * A pipeline step. Every hook is optional; a missing hook passes through. The first layer listed is the
 * outermost. A layer must not swallow `ctx.signal` aborts.
 */
export interface Layer {
  readonly name: string;
  generate?(req: NormalizedGenerateRequest, ctx: CallContext, next: GenerateNext): Promise<GenerateResult>;
  stream?(req: NormalizedGenerateRequest, ctx: CallContext, next: StreamNext): AsyncIterable<StreamEvent>;
  embed?(req: NormalizedEmbedRequest, ctx: CallContext, next: EmbedNext): Promise<EmbedResult>;
  close?(): Promise<void> | void;
}

/**
 * A child context for one branch of a call (one fallback target, one hedge, one attempt with its own timeout).
 * Everything is inherited; `attempts` stays shared with the parent so that the call's total is right however
 * many branches ran.
 */
export function deriveContext(
  ctx: CallContext,
  overrides: {
    readonly target?: Target;
    readonly attemptSignal?: AbortSignal;
    readonly signal?: AbortSignal;
  },
): CallContext {
  return new ChildContext(ctx, overrides);
}

/** A class (not a spread object with defineProperty) keeps child contexts cheap and fast to read. */
class ChildContext implements CallContext {
  readonly operation: CallContext['operation'];
  readonly signal: AbortSignal;
  readonly deadline: number;
  readonly startedAt: number;
  target?: Target;
  readonly requestId?: string;
  readonly attemptSignal?: AbortSignal;
  readonly emit?: CallContext['emit'];

  constructor(
    private readonly parent: CallContext,
    overrides: {
      readonly target?: Target;
      readonly attemptSignal?: AbortSignal;
      readonly signal?: AbortSignal;
    },
  ) {
    this.operation = parent.operation;
    this.signal = overrides.signal ?? parent.signal;
    this.deadline = parent.deadline;
    this.startedAt = parent.startedAt;
    const target = 'target' in overrides ? overrides.target : parent.target;
    if (target !== undefined) this.target = target;
    if (parent.requestId !== undefined) this.requestId = parent.requestId;
    const attemptSignal = 'attemptSignal' in overrides ? overrides.attemptSignal : parent.attemptSignal;
    if (attemptSignal !== undefined) this.attemptSignal = attemptSignal;
    if (parent.emit !== undefined) this.emit = parent.emit;
  }

  get attempts(): number {
    return this.parent.attempts;
  }

  set attempts(value: number) {
    this.parent.attempts = value;
  }
}
