import {
  type CircuitBreakerPolicy,
  CircuitState,
  CountBreaker,
  circuitBreaker,
  handleWhen,
  type IBackoff,
  type IBackoffFactory,
  type IBreaker,
  isBrokenCircuitError,
} from 'cockatiel';
import { GenAiError, isGenAiError, optionError } from '../errors.js';
import type { CallContext, Layer } from '../layer.js';
import type { StreamEvent, Target } from '../types.js';
import { isHealthFailure } from './classify.js';
import type { CircuitStateName } from './resilience-events.js';
import type { SharedGate, SharedResilience } from './shared-resilience.js';

export interface CircuitBreakerOptions {
  /** Share of failed attempts, over the last `windowSize` attempts, that opens the circuit (0 < x < 1). @default 0.8 */
  readonly failureRatio?: number;
  /** Attempts the failure ratio is computed over. @default 50 */
  readonly windowSize?: number;
  /** Attempts the window must hold before the ratio can open the circuit. @default 10 */
  readonly minimumAttempts?: number;
  /** Consecutive failed attempts that open the circuit, whatever the ratio. @default 10 */
  readonly consecutiveFailures?: number;
  /** Time an open circuit waits before letting one probe through (half-open), in ms. @default 10000 */
  readonly halfOpenAfterMs?: number;
  /** Each failed probe doubles the wait, up to this, in ms. @default 60000 */
  readonly maxHalfOpenAfterMs?: number;
}

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/** Opens on a failure ratio (with a minimum volume) or on a run of consecutive failures. */
class RatioOrConsecutiveBreaker implements IBreaker {
  readonly #ratio: CountBreaker;
  readonly #consecutiveThreshold: number;
  #consecutive = 0;

  constructor(ratio: number, windowSize: number, minimumAttempts: number, consecutive: number) {
    this.#ratio = new CountBreaker({
      threshold: ratio,
      size: windowSize,
      minimumNumberOfCalls: minimumAttempts,
    });
    this.#consecutiveThreshold = consecutive;
  }

  get state(): unknown {
    return { ratio: this.#ratio.state, consecutive: this.#consecutive };
  }

  set state(value: unknown) {
    const v = value as { ratio: unknown; consecutive: number };
    this.#ratio.state = v.ratio;
    this.#consecutive = v.consecutive;
  }

  success(state: CircuitState): void {
    this.#consecutive = 0;
    this.#ratio.success(state);
  }

  failure(state: CircuitState): boolean {
    this.#consecutive++;
    const byRatio = this.#ratio.failure(state);
    return byRatio || this.#consecutive >= this.#consecutiveThreshold;
  }
}

/** Doubling half-open delay that remembers the last duration it handed out (for `retryAfterMs`). */
class HalfOpenBackoff implements IBackoffFactory<unknown> {
  last = 0;
  constructor(
    private readonly initial: number,
    private readonly max: number,
  ) {}
  next(): IBackoff<unknown> {
    return this.#at(this.initial);
  }
  #at(duration: number): IBackoff<unknown> {
    this.last = duration;
    return { duration, next: () => this.#at(Math.min(this.max, duration * 2)) };
  }
}

interface TargetCircuit {
  readonly policy: CircuitBreakerPolicy;
  readonly halfOpen: HalfOpenBackoff;
  openedAt: number;
  /** The call whose attempt moved the circuit last: state events are reported on it. */
  ctx?: CallContext;
  lastError?: GenAiError;
  /** The shared state last reported in an event, so each change is reported once. */
  sharedReported: SharedGate['state'];
}

export interface CircuitBreakerLayer extends Layer {
  /** The state of a target's circuit (closed when the target has not been called). */
  state(targetId: string): CircuitStateName;
}

/** The options with their defaults, checked. */
interface BreakerSettings {
  readonly failureRatio: number;
  readonly windowSize: number;
  readonly minimumAttempts: number;
  readonly consecutiveFailures: number;
  readonly halfOpenAfterMs: number;
  readonly maxHalfOpenAfterMs: number;
}

function settingsOf(options: CircuitBreakerOptions): BreakerSettings {
  const failureRatio = options.failureRatio ?? 0.8;
  const windowSize = options.windowSize ?? 50;
  const minimumAttempts = options.minimumAttempts ?? 10;
  const consecutiveFailures = options.consecutiveFailures ?? 10;
  const halfOpenAfterMs = options.halfOpenAfterMs ?? 10_000;
  const maxHalfOpenAfterMs = Math.max(halfOpenAfterMs, options.maxHalfOpenAfterMs ?? 60_000);
  check(
    failureRatio > 0 && failureRatio < 1,
    'failureRatio',
    failureRatio,
    'a number between 0 and 1 (exclusive)',
  );
  check(Number.isInteger(windowSize) && windowSize >= 1, 'windowSize', windowSize, 'an integer >= 1');
  check(
    Number.isInteger(minimumAttempts) && minimumAttempts >= 1 && minimumAttempts <= windowSize,
    'minimumAttempts',
    minimumAttempts,
    `an integer between 1 and windowSize (${windowSize})`,
  );
  check(
    Number.isInteger(consecutiveFailures) && consecutiveFailures >= 1,
    'consecutiveFailures',
    consecutiveFailures,
    'an integer >= 1',
  );
  check(
    Number.isFinite(halfOpenAfterMs) && halfOpenAfterMs > 0,
    'halfOpenAfterMs',
    halfOpenAfterMs,
    'ms > 0',
  );
  return {
    failureRatio,
    windowSize,
    minimumAttempts,
    consecutiveFailures,
    halfOpenAfterMs,
    maxHalfOpenAfterMs,
  };
}

/** A target's cockatiel circuit, its events reported on the call that moved it, its opens and closes shared. */
function newCircuit(target: Target, o: BreakerSettings, shared: SharedResilience | undefined): TargetCircuit {
  const halfOpen = new HalfOpenBackoff(o.halfOpenAfterMs, o.maxHalfOpenAfterMs);
  const policy = circuitBreaker(
    handleWhen((e) => isHealthFailure(e) || probeAborted(e)),
    {
      breaker: new RatioOrConsecutiveBreaker(
        o.failureRatio,
        o.windowSize,
        o.minimumAttempts,
        o.consecutiveFailures,
      ),
      halfOpenAfter: halfOpen,
    },
  );
  const c: TargetCircuit = { policy, halfOpen, openedAt: 0, sharedReported: 'closed' };
  // A probe the caller aborted says nothing about the target; counting it as a failure keeps the circuit
  // open (cockatiel would otherwise close it as "not a handled error").
  const probeAborted = (e: unknown) =>
    c.policy.state === CircuitState.HalfOpen && isGenAiError(e) && e.kind === 'aborted';
  policy.onBreak(() => {
    c.openedAt = Date.now();
    // Every instance fails fast on the target for the same open period.
    shared?.open(target.id, c.halfOpen.last);
  });
  const report = (state: CircuitState) => {
    // The shared state this instance publishes for its own circuit is not reported a second time.
    if (state !== CircuitState.Isolated) c.sharedReported = STATE_NAMES[state] as SharedGate['state'];
    c.ctx?.emit?.({
      type: 'breaker-state',
      target,
      state: STATE_NAMES[state],
      ...(state === CircuitState.Open && c.lastError ? { error: c.lastError } : {}),
    });
  };
  // cockatiel reports the half-open state change after the probe has started; onHalfOpen fires before it,
  // so events read in order: half-open, then the probe's attempt.
  policy.onHalfOpen(() => report(CircuitState.HalfOpen));
  policy.onStateChange((state) => {
    if (state !== CircuitState.HalfOpen) report(state);
    if (state === CircuitState.Closed) shared?.close(target.id);
  });
  return c;
}

function openError(target: Target, circuit: TargetCircuit): GenAiError {
  const probing = circuit.policy.state === CircuitState.HalfOpen;
  const retryAfterMs = probing
    ? undefined
    : Math.max(0, circuit.openedAt + circuit.halfOpen.last - Date.now());
  return new GenAiError(
    probing
      ? `circuit for ${target.id} is half-open: a probe is in flight, other calls fail fast until it answers`
      : `circuit for ${target.id} is open after repeated failures; next probe in ${retryAfterMs} ms`,
    {
      kind: 'circuit-open',
      provider: target.provider,
      target,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      ...(circuit.lastError ? { cause: circuit.lastError } : {}),
    },
  );
}

/** Runs one attempt through the target's own (in-process) circuit. */
async function runLocal<T>(
  ctx: CallContext,
  target: Target,
  circuit: TargetCircuit,
  attempt: () => Promise<T>,
): Promise<T> {
  if (circuit.policy.state === CircuitState.HalfOpen) throw openError(target, circuit);
  circuit.ctx = ctx;
  try {
    return await circuit.policy.execute(async () => {
      try {
        return await attempt();
      } catch (e) {
        if (isGenAiError(e) && isHealthFailure(e)) circuit.lastError = e;
        circuit.ctx = ctx;
        throw e;
      }
    });
  } catch (e) {
    if (isBrokenCircuitError(e)) throw openError(target, circuit);
    throw e;
  } finally {
    if (circuit.ctx === ctx) circuit.ctx = undefined;
  }
}

/**
 * Runs one attempt after the shared circuit's word: open or half-open elsewhere fails fast here too (no network
 * call); `probe` lets this call through as this instance's one probe, whose outcome is shared.
 */
async function runShared<T>(
  ctx: CallContext,
  target: Target,
  circuit: TargetCircuit,
  shared: SharedResilience,
  o: BreakerSettings,
  attempt: () => Promise<T>,
): Promise<T> {
  shared.watch(target.id);
  shared.report(ctx.emit);
  const gate = shared.gate(target.id);
  if (gate.state === 'closed') {
    if (circuit.policy.state === CircuitState.Closed) reportShared(ctx, target, circuit, 'closed');
    return runLocal(ctx, target, circuit, attempt);
  }
  reportShared(ctx, target, circuit, gate.state);
  if (gate.state !== 'probe') throw sharedOpenError(target, gate);
  let outcome: 'success' | 'failure' | 'no-verdict' = 'no-verdict';
  try {
    const result = await runLocal(ctx, target, circuit, attempt);
    outcome = 'success';
    return result;
  } catch (e) {
    if (isGenAiError(e) && e.kind !== 'circuit-open' && isHealthFailure(e)) outcome = 'failure';
    throw e;
  } finally {
    shared.probeDone(target.id, outcome, o.halfOpenAfterMs, o.maxHalfOpenAfterMs);
    if (outcome === 'success') reportShared(ctx, target, circuit, 'closed');
  }
}

function sharedOpenError(target: Target, gate: SharedGate): GenAiError {
  return new GenAiError(
    gate.state === 'open'
      ? `circuit for ${target.id} is open (shared through Redis: another instance or this one saw repeated failures); next probe in ${gate.retryAfterMs} ms`
      : `circuit for ${target.id} is half-open (shared through Redis): this instance's probe is in flight, other calls fail fast until it answers`,
    {
      kind: 'circuit-open',
      provider: target.provider,
      target,
      code: 'SharedCircuitOpen',
      ...(gate.state === 'open' ? { retryAfterMs: gate.retryAfterMs } : {}),
    },
  );
}

/** Reports a shared state change once, as a breaker-state event (this instance's own circuit reports its own). */
function reportShared(ctx: CallContext, target: Target, circuit: TargetCircuit, state: SharedGate['state']) {
  const named = state === 'probe' ? 'half-open' : state;
  if (circuit.sharedReported === named) return;
  circuit.sharedReported = named;
  if (circuit.policy.state === CircuitState.Closed)
    ctx.emit?.({ type: 'breaker-state', target, state: named });
}

/**
 * A circuit per target (provider + model + region), counting each upstream attempt. An open circuit fails
 * fast with kind `circuit-open` and no network call, so the fallback chain moves on at once; after the
 * cool-down one probe goes through while other calls keep failing fast. With `shared`, circuits opened by other
 * instances fail fast here too (shared-resilience.ts).
 */
export function createCircuitBreakerLayer(
  options: CircuitBreakerOptions = {},
  shared?: SharedResilience,
): CircuitBreakerLayer {
  const o = settingsOf(options);
  const circuits = new Map<string, TargetCircuit>();

  /** Runs one attempt through the target's circuit, after the shared circuit's word when there is one. */
  function guarded<T>(ctx: CallContext, attempt: () => Promise<T>): Promise<T> {
    const target = ctx.target;
    if (!target) return attempt();
    let circuit = circuits.get(target.id);
    if (!circuit) {
      circuit = newCircuit(target, o, shared);
      circuits.set(target.id, circuit);
    }
    return shared
      ? runShared(ctx, target, circuit, shared, o, attempt)
      : runLocal(ctx, target, circuit, attempt);
  }

  return {
    name: 'circuit-breaker',
    state(targetId) {
      const c = circuits.get(targetId);
      const own = c ? STATE_NAMES[c.policy.state] : 'closed';
      if (own !== 'closed' || !shared) return own;
      const gate = shared.peek(targetId);
      return gate.state === 'probe' ? 'half-open' : gate.state;
    },
    close() {
      shared?.stop();
    },
    generate(req, ctx, next) {
      return guarded(ctx, () => next(req, ctx));
    },
    embed(req, ctx, next) {
      return guarded(ctx, () => next(req, ctx));
    },
    async *stream(req, ctx, next) {
      // The attempt is judged on whether the stream opens (its first event); later failures are the
      // caller's mid-stream errors and are not counted.
      const opened = await guarded(ctx, async () => {
        const iterator = next(req, ctx)[Symbol.asyncIterator]();
        const first = await iterator.next();
        return { iterator, first };
      });
      if (opened.first.done) return;
      yield opened.first.value;
      yield* { [Symbol.asyncIterator]: () => opened.iterator } as AsyncIterable<StreamEvent>;
    },
  };
}

function check(ok: boolean, name: string, value: unknown, expected: string): void {
  if (!ok) throw optionError(`circuitBreaker.${name} must be ${expected}, received ${String(value)}`);
}
