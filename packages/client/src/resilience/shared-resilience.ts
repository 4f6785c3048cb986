import { optionError } from '../errors.js';
import type { ClientEventInput } from '../layer.js';
import type { RedisConnection } from '../redis-connection.js';
import type {} from './resilience-events.js';

export interface SharedResilienceOptions {
  /** A connected ioredis client (5.x or 6.x); the client never closes it. */
  readonly redis: RedisConnection;
  /** Prefix of every key, so several deployments can share one Redis. @default 'genai:resilience:' */
  readonly keyPrefix?: string;
  /**
   * How often the shared state is read, in ms: another instance's open circuit or throttle reaches this one
   * within about this long. Calls never wait on Redis: they read what the last refresh brought. @default 500
   */
  readonly refreshMs?: number;
}

/** What the circuit breaker learns from the shared state before an attempt. */
export type SharedGate =
  | { readonly state: 'closed' }
  /** Another instance (or this one) opened the circuit; `retryAfterMs` until the next probe. */
  | { readonly state: 'open'; readonly retryAfterMs: number }
  /** The shared open period ended: this call is this instance's one probe. */
  | { readonly state: 'probe' }
  /** The shared open period ended and this instance's probe is in flight. */
  | { readonly state: 'half-open' };

interface RemoteTarget {
  /** Epoch ms (this process's clock) until which the shared circuit is open; 0 when not seen open. */
  openUntil: number;
  /** The circuit was seen open and has not been closed by a successful probe since. */
  wasOpen: boolean;
  probing: boolean;
  /** Open period to publish after a failed probe (doubles, as the local breaker's does). */
  nextOpenMs: number;
  /** Throttle counter last read, and this process's increments since. */
  throttles: number;
  ownThrottles: number;
  /** When this process last opened or closed the circuit: a read sent before that is stale for it. */
  changedAt: number;
}

/**
 * One script per refresh: for each target, the open key's remaining TTL (on Redis's clock, so the instances'
 * clocks need not agree) and value (the open period it was written with), and the throttle counter.
 */
const READ_LUA = `
local out = {}
for i = 1, #KEYS, 2 do
  out[#out + 1] = redis.call('PTTL', KEYS[i])
  out[#out + 1] = tonumber(redis.call('GET', KEYS[i]) or '0') or 0
  out[#out + 1] = tonumber(redis.call('GET', KEYS[i + 1]) or '0') or 0
end
return out
`;
const DEL_LUA = `return redis.call('DEL', KEYS[1])`;
const INCR_LUA = `local n = redis.call('INCR', KEYS[1]); redis.call('PEXPIRE', KEYS[1], ARGV[1]); return n`;
/** ioredis connection states before the first `ready`. */
const STARTING: ReadonlySet<string> = new Set(['wait', 'connecting', 'connect']);
/** A throttle counter lives this long after its last increment. */
const THROTTLE_TTL_MS = 600_000;

/**
 * Circuit state and throttles shared by the instances of a deployment through Redis. An instance that opens a
 * target's circuit writes a key whose TTL is the open period; one that is throttled increments a counter.
 * Every instance reads both for the targets it has called, every `refreshMs`, in one round trip; calls read the
 * last result from memory. When Redis fails or is not connected, every instance falls back to its own state
 * (fail open) and a `shared-state` event on the next call says so.
 */
export class SharedResilience {
  readonly #redis: RedisConnection;
  readonly #prefix: string;
  readonly #refreshMs: number;
  readonly #targets = new Map<string, RemoteTarget>();
  readonly #throttleListeners: ((targetId: string) => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #available = true;
  #everRead = false;
  #closed = false;
  /** Availability changes not reported yet: the next call through a sharing step reports them as events. */
  #changes: { available: boolean; reason?: string }[] = [];

  constructor(options: SharedResilienceOptions) {
    const { redis, keyPrefix = 'genai:resilience:', refreshMs = 500 } = options;
    if (!redis || typeof redis.eval !== 'function' || typeof redis.set !== 'function') {
      throw optionError('sharedResilience.redis must be a connected ioredis client (5.x or 6.x)');
    }
    if (!(typeof refreshMs === 'number' && Number.isFinite(refreshMs) && refreshMs >= 10)) {
      throw optionError(
        `sharedResilience.refreshMs must be a number of ms >= 10, received ${String(refreshMs)}`,
      );
    }
    this.#redis = redis;
    // One hash tag for every key: the refresh script reads them all, which Redis Cluster allows within one slot.
    this.#prefix = `${keyPrefix}{shared}:`;
    this.#refreshMs = refreshMs;
  }

  /** Whether the last exchange with Redis succeeded. */
  get available(): boolean {
    return this.#available;
  }

  /** Starts following a target's shared state (idempotent). */
  watch(targetId: string): RemoteTarget {
    let t = this.#targets.get(targetId);
    if (!t) {
      t = {
        openUntil: 0,
        wasOpen: false,
        probing: false,
        nextOpenMs: 0,
        throttles: -1,
        ownThrottles: 0,
        changedAt: 0,
      };
      this.#targets.set(targetId, t);
      this.#start();
    }
    return t;
  }

  /** The shared circuit's word on the next attempt to a target, taking this instance's probe; never waits on Redis. */
  gate(targetId: string, now = Date.now()): SharedGate {
    const gate = this.peek(targetId, now);
    if (gate.state === 'probe') this.#targets.get(targetId)!.probing = true;
    return gate;
  }

  /** As `gate`, without taking the probe (for state reports). */
  peek(targetId: string, now = Date.now()): SharedGate {
    const t = this.#targets.get(targetId);
    if (!t || !this.#available) return { state: 'closed' };
    if (t.openUntil > now) return { state: 'open', retryAfterMs: t.openUntil - now };
    if (!t.wasOpen) return { state: 'closed' };
    return t.probing ? { state: 'half-open' } : { state: 'probe' };
  }

  /** Publishes an open circuit: every instance fails fast on the target for `openMs`. */
  open(targetId: string, openMs: number): void {
    const t = this.watch(targetId);
    t.changedAt = Date.now();
    t.openUntil = t.changedAt + openMs;
    t.wasOpen = true;
    t.probing = false;
    t.nextOpenMs = openMs;
    // The value is the open period, so the instance whose probe fails next doubles the same period.
    this.#send(() =>
      this.#redis.set(this.#key(targetId, 'open'), String(Math.ceil(openMs)), 'PX', Math.ceil(openMs)),
    );
  }

  /** Publishes a closed circuit (a probe succeeded somewhere): every instance sends again. */
  close(targetId: string): void {
    const t = this.#targets.get(targetId);
    if (t) {
      t.changedAt = Date.now();
      t.openUntil = 0;
      t.wasOpen = false;
      t.probing = false;
    }
    this.#send(() => this.#redis.eval(DEL_LUA, 1, this.#key(targetId, 'open')));
  }

  /**
   * This instance's probe ended: on success the circuit closes everywhere; on a health failure it opens again
   * for twice as long (from `initialMs`, up to `maxMs`); without a verdict (aborted, refused) the next call probes.
   */
  probeDone(
    targetId: string,
    outcome: 'success' | 'failure' | 'no-verdict',
    initialMs: number,
    maxMs: number,
  ): void {
    const t = this.#targets.get(targetId);
    if (!t) return;
    t.probing = false;
    if (outcome === 'success') this.close(targetId);
    else if (outcome === 'failure')
      this.open(targetId, Math.min(maxMs, Math.max(initialMs, t.nextOpenMs * 2)));
  }

  /** Publishes a throttle from the provider, so the other instances cut their send rate too. */
  throttled(targetId: string): void {
    const t = this.watch(targetId);
    t.ownThrottles++;
    this.#send(() => this.#redis.eval(INCR_LUA, 1, this.#key(targetId, 'throttles'), THROTTLE_TTL_MS));
  }

  /** Called with a target's id when another instance was throttled on it since the last refresh. */
  onThrottle(listener: (targetId: string) => void): void {
    this.#throttleListeners.push(listener);
  }

  /** Reads the shared state of every watched target now (the timer does this every `refreshMs`). */
  refresh(): Promise<void> {
    this.#inFlight ??= this.#read().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /** Stops the refresh timer; the Redis connection is the caller's. Idempotent. */
  stop(): void {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #key(targetId: string, what: 'open' | 'throttles'): string {
    return `${this.#prefix}${targetId}:${what}`;
  }

  #start(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setInterval(() => void this.refresh(), this.#refreshMs);
    this.#timer.unref();
    void this.refresh();
  }

  async #read(): Promise<void> {
    const ids = [...this.#targets.keys()];
    if (ids.length === 0) return;
    if (this.#redis.status !== 'ready') {
      // A connection still being set up is not an outage; one that was lost is. ioredis would queue the read
      // until it reconnects: say now that the state is local only.
      if (!this.#everRead && STARTING.has(this.#redis.status)) return;
      this.#setAvailable(false, `Redis connection is ${this.#redis.status}`);
      return;
    }
    const keys = ids.flatMap((id) => [this.#key(id, 'open'), this.#key(id, 'throttles')]);
    // One connection runs commands in order: the read sees exactly the increments this process sent before it.
    const ownBefore = ids.map((id) => this.#targets.get(id)?.ownThrottles ?? 0);
    const sentAt = Date.now();
    let reply: unknown;
    try {
      reply = await withTimeout(this.#redis.eval(READ_LUA, keys.length, ...keys), this.#refreshMs * 2);
    } catch (e) {
      this.#setAvailable(false, e instanceof Error ? e.message : String(e));
      return;
    }
    this.#everRead = true;
    this.#setAvailable(true);
    const values = reply as number[];
    const now = Date.now();
    ids.forEach((id, i) => {
      const t = this.#targets.get(id);
      if (!t) return;
      // A read sent before this process opened or closed the circuit is older than its own write.
      if (t.changedAt < sentAt) this.#applyOpen(t, Number(values[3 * i]), Number(values[3 * i + 1]), now);
      const throttles = Number(values[3 * i + 2]);
      const others = t.throttles < 0 ? 0 : throttles - t.throttles - (ownBefore[i] ?? 0);
      t.throttles = throttles;
      t.ownThrottles -= ownBefore[i] ?? 0;
      if (others > 0) for (const listener of this.#throttleListeners) listener(id);
    });
  }

  #applyOpen(t: RemoteTarget, pttl: number, openMs: number, now: number): void {
    if (pttl > 0) {
      // Open somewhere: fail fast until it expires, then probe (unless a probe is in flight here).
      t.openUntil = now + pttl;
      t.wasOpen = true;
      if (openMs > 0) t.nextOpenMs = openMs;
    } else {
      t.openUntil = 0;
    }
  }

  #setAvailable(available: boolean, reason?: string): void {
    if (available === this.#available) return;
    this.#available = available;
    if (!available) {
      // Local behaviour only: forget what Redis said, so a stale "open" cannot block calls.
      for (const t of this.#targets.values()) {
        t.openUntil = 0;
        t.wasOpen = false;
        t.probing = false;
      }
    }
    if (this.#changes.length < 10) this.#changes.push({ available, ...(reason ? { reason } : {}) });
  }

  /** Reports the availability changes since the last call on `emit` (as `shared-state` events). */
  report(emit: ((event: ClientEventInput) => void) | undefined): void {
    if (this.#changes.length === 0) return;
    const changes = this.#changes;
    this.#changes = [];
    for (const change of changes) emit?.({ type: 'shared-state', ...change });
  }

  /** A write that must never fail a call: errors only mark the shared state unavailable. */
  #send(write: () => Promise<unknown>): void {
    if (!this.#available || this.#redis.status !== 'ready') return;
    write().catch((e: unknown) => this.#setAvailable(false, e instanceof Error ? e.message : String(e)));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Redis in ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
