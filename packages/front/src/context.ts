import type { FrontConfig } from '@genai-deploy/config';
import type { Redis } from 'ioredis';
import type { Caller } from './auth.js';
import type { FrontBudgets } from './budget.js';
import type { Catalog } from './catalog.js';
import type { GatewayClient } from './client.js';
import type { JobStore } from './jobs.js';
import type { KeyRing } from './keys/key-ring.js';
import type { Logger } from './logger.js';
import type { FrontMetrics } from './metrics.js';
import type { InFlightWork } from './middleware/in-flight.js';
import type { RateLimiter } from './rate-limit.js';

/** Per-request facts gathered for the log line and metrics. */
export interface RequestInfo {
  endpoint: string;
  model?: string;
  provider?: string;
  inputTokens?: number;
  outputTokens?: number;
  cached?: boolean;
  attempts?: number;
  keyId?: string;
  /** The caller key's team, for the log line. */
  team?: string;
  /** What the call cost upstream, µ$ (0 for a cache hit). */
  costMicroUsd?: number;
  prompt?: unknown;
  completion?: string;
  error?: unknown;
  /** Chat: the caller's index of each client message, to name fields in upstream validation errors. */
  messageIndex?: readonly number[];
  /** Set by streaming handlers: resolves when the body has been sent or abandoned. */
  done?: Promise<void>;
  /** No request log line: failed authentications are logged sampled, per address (middleware/auth.ts). */
  quiet?: boolean;
}

/**
 * The hono environment of the front and of every sub-app and middleware in it: what a request carries.
 * `requestId` and `info` are set by the request log (outermost), `caller` by auth (on /v1/* and /metrics).
 */
export type AppEnv = { Variables: { requestId: string; caller: Caller; info: RequestInfo } };

/** What one front shares between its routes and middleware; built once by `createFront`. */
export interface FrontState {
  readonly config: FrontConfig;
  readonly catalog: Catalog;
  readonly client: GatewayClient;
  readonly logger: Logger;
  readonly metrics: FrontMetrics;
  /** Per-key requests/min and tokens/min, in Redis when the front has it. */
  readonly limits: RateLimiter;
  /** Work in flight per key and for the instance (limits.maxInFlightPerKey, limits.maxInFlight). */
  readonly work: InFlightWork;
  readonly jobs: JobStore;
  /** The caller keys: the environment's and the key store's (admin API). */
  readonly keys: KeyRing;
  /** Cost, budgets and spend (budget.ts). */
  readonly budgets: FrontBudgets;
  /** The front's Redis, given by its runtime; /ready checks it. */
  readonly redis: Redis | undefined;
  /**
   * The client request, scoped by the caller's key id (a short hash tag, never the key) unless the
   * configuration opts in to `cache.scope: 'shared'`, so cached and in-flight answers are not shared
   * between API keys.
   */
  readonly scoped: <R extends object>(request: R, keyId: string) => R;
}

/** Runs `fn` once the response is over: at once, or when a streamed body has been sent or abandoned. */
export function whenSent(info: RequestInfo, fn: () => void): void {
  if (info.done) info.done.then(fn, fn);
  else fn();
}
