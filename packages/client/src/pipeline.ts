/**
 * Pipeline composition. A call flows through an ordered list of layers around a terminal step:
 *
 *   validate → request layers (cache, coalesce, batch) → route/fallback → embedding split
 *            → target layers (retry, breaker, rate limit, timeout) → provider terminal
 *
 * The first layer listed is the outermost; a layer without a hook for an operation is skipped for it.
 */
import { linkSignals } from './abort.js';
import { abortError, GenAiError, isGenAiError } from './errors.js';
import { limitsFor, planEmbeddingCalls } from './model-limits.js';
import type { ProviderAdapter } from './providers/provider-definition.js';
import type {
  CallContext,
  EmbedNext,
  GenerateNext,
  Layer,
  ProviderName,
  StreamEvent,
  StreamNext,
  Target,
} from './types.js';

export function composeGenerate(layers: readonly Layer[], terminal: GenerateNext): GenerateNext {
  return layers.reduceRight<GenerateNext>((next, layer) => {
    const hook = layer.generate?.bind(layer);
    return hook ? (req, ctx) => hook(req, ctx, next) : next;
  }, terminal);
}

export function composeStream(layers: readonly Layer[], terminal: StreamNext): StreamNext {
  return layers.reduceRight<StreamNext>((next, layer) => {
    const hook = layer.stream?.bind(layer);
    return hook ? (req, ctx) => hook(req, ctx, next) : next;
  }, terminal);
}

export function composeEmbed(layers: readonly Layer[], terminal: EmbedNext): EmbedNext {
  return layers.reduceRight<EmbedNext>((next, layer) => {
    const hook = layer.embed?.bind(layer);
    return hook ? (req, ctx) => hook(req, ctx, next) : next;
  }, terminal);
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

/** Turns anything a provider call threw into a GenAiError carrying its target. */
export function toGenAiError(e: unknown, target: Target, signal: AbortSignal): GenAiError {
  // An abort wins over whatever error the aborted client produced (each client words it differently).
  if (signal.aborted) {
    const err = abortError(signal, target.provider, e);
    err.target = target;
    return err;
  }
  if (isGenAiError(e)) {
    e.target ??= target;
    return e;
  }
  return new GenAiError(`${target.provider} call failed: ${e instanceof Error ? e.message : String(e)}`, {
    kind: 'unavailable',
    retryable: false,
    provider: target.provider,
    target,
    cause: e,
  });
}

function chosenTarget(ctx: CallContext, targets: readonly Target[]): Target {
  const target = ctx.target ?? targets[0];
  if (!target)
    throw new GenAiError('no target to call: the request resolved to no targets', {
      kind: 'invalid-request',
    });
  return target;
}

function startAttempt(ctx: CallContext, target: Target): void {
  ctx.attempts++;
  ctx.emit?.({ type: 'attempt', target, attempt: ctx.attempts });
}

/** One generate or embed attempt through the target's adapter, stamped with the call's attempts and latency. */
async function unaryAttempt<R>(
  ctx: CallContext,
  targets: readonly Target[],
  adapterFor: (provider: ProviderName) => ProviderAdapter,
  call: (adapter: ProviderAdapter, target: Target, signal: AbortSignal) => Promise<R>,
): Promise<R & { cached: false; attempts: number; latencyMs: number }> {
  const target = chosenTarget(ctx, targets);
  const adapter = adapterFor(target.provider);
  startAttempt(ctx, target);
  // A signal of its own only when a layer set a per-attempt one (AbortSignals are costly to create).
  const linked = ctx.attemptSignal ? linkSignals(ctx.signal, ctx.attemptSignal) : undefined;
  const signal = linked?.signal ?? ctx.signal;
  try {
    if (signal.aborted) throw abortError(signal, target.provider);
    const result = await call(adapter, target, signal);
    // Object.assign, not `{ ...result, cached, ... }`: in Node 20 a spread copy grown by new keys costs ~1 µs
    // per key.
    return Object.assign({}, result, {
      cached: false as const,
      attempts: ctx.attempts,
      latencyMs: Date.now() - ctx.startedAt,
    });
  } catch (e) {
    throw toGenAiError(e, target, signal);
  } finally {
    linked?.dispose();
  }
}

/** The terminal step: one upstream request through the target's provider adapter, per call. */
export function providerTerminal(adapterFor: (provider: ProviderName) => ProviderAdapter): {
  generate: GenerateNext;
  stream: StreamNext;
  embed: EmbedNext;
} {
  return {
    generate: (req, ctx) =>
      unaryAttempt(ctx, req.targets, adapterFor, (adapter, target, signal) =>
        adapter.generate(target, req, signal),
      ),

    async *stream(req, ctx): AsyncGenerator<StreamEvent> {
      const target = chosenTarget(ctx, req.targets);
      const adapter = adapterFor(target.provider);
      startAttempt(ctx, target);
      const linked = linkSignals(ctx.signal, ctx.attemptSignal);
      let deltas = 0;
      let finished = false;
      try {
        if (linked.signal.aborted) throw abortError(linked.signal, target.provider);
        for await (const event of adapter.stream(target, req, linked.signal)) {
          if (event.type === 'delta') {
            if (event.text.length === 0) continue;
            deltas++;
            yield event;
          } else {
            finished = true;
            yield Object.assign({}, event, {
              cached: false as const,
              attempts: ctx.attempts,
              latencyMs: Date.now() - ctx.startedAt,
            });
            return;
          }
        }
        throw new GenAiError(`${target.provider} stream ended without a finish event`, {
          kind: 'unavailable',
          provider: target.provider,
          code: 'truncated-stream',
        });
      } catch (e) {
        const err = toGenAiError(e, target, linked.signal);
        // After the first delta the caller has seen text: a retry or fallback would repeat it, so the error is
        // final (`mid-stream`), unless the caller or the overall deadline stopped the call.
        if (deltas > 0 && err.kind !== 'aborted' && !ctx.signal.aborted) {
          throw new GenAiError(`${target.provider} stream failed after ${deltas} deltas: ${err.message}`, {
            kind: 'mid-stream',
            provider: target.provider,
            ...(err.status !== undefined ? { status: err.status } : {}),
            code: err.kind,
            target,
            cause: err,
          });
        }
        throw err;
      } finally {
        // A consumer that breaks out of its loop lands here with the upstream still open: abort it.
        if (!finished) linked.abort();
        linked.dispose();
      }
    },

    embed: (req, ctx) =>
      unaryAttempt(ctx, req.targets, adapterFor, async (adapter, target, signal) => {
        const result = await adapter.embed(target, req, signal);
        if (result.embeddings.length !== req.input.length) {
          throw new GenAiError(
            `${target.id} returned ${result.embeddings.length} embeddings for ${req.input.length} inputs`,
            { kind: 'model-error', provider: target.provider, retryable: false },
          );
        }
        return result;
      }),
  };
}

/**
 * Splits an embed call whose input exceeds the target's per-call limits (model-limits.ts) into several calls
 * through the rest of the pipeline (so each part gets its own breaker/retry/timeout), at most `concurrency`
 * at once, and reassembles the vectors in input order. The first failure aborts the other parts.
 */
export function embeddingSplitLayer(concurrency: number): Layer {
  return {
    name: 'embedding-split',
    async embed(req, ctx, next) {
      const target = chosenTarget(ctx, req.targets);
      const groups = planEmbeddingCalls(req.input, limitsFor(target.provider, target.model).embedding);
      if (groups.length <= 1) return next(req, ctx);
      const parts = new Array<Awaited<ReturnType<EmbedNext>> | undefined>(groups.length);
      const linked = linkSignals(ctx.signal);
      const child = deriveContext(ctx, { signal: linked.signal });
      let nextGroup = 0;
      const worker = async () => {
        while (nextGroup < groups.length) {
          const i = nextGroup++;
          const [start, end] = groups[i]!;
          parts[i] = await next({ ...req, input: req.input.slice(start, end) }, child);
        }
      };
      try {
        await Promise.all(
          Array.from({ length: Math.min(concurrency, groups.length) }, () =>
            worker().catch((e: unknown) => {
              linked.abort(e);
              throw e;
            }),
          ),
        );
      } catch (e) {
        throw ctx.signal.aborted ? toGenAiError(e, target, ctx.signal) : e;
      } finally {
        linked.dispose();
      }
      const done = parts as Awaited<ReturnType<EmbedNext>>[];
      const first = done[0]!;
      return {
        ...first,
        embeddings: done.flatMap((p) => p.embeddings),
        usage: { inputTokens: done.reduce((n, p) => n + p.usage.inputTokens, 0) },
        cached: done.every((p) => p.cached),
        attempts: ctx.attempts,
        latencyMs: Date.now() - ctx.startedAt,
      };
    },
  };
}
