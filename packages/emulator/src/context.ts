import type { Exchange } from './exchange.js';
import type { FaultEngine } from './faults.js';
import type { LatencyModel } from './latency.js';
import type { Stats } from './stats.js';
import type { FaultRule, ProviderName, SageMakerContainer } from './types.js';

/** What every provider handler may use. */
export interface EmulatorContext {
  readonly faults: FaultEngine;
  readonly stats: Stats;
  readonly latency: LatencyModel;
  readonly sagemakerEndpoints: Readonly<Record<string, SageMakerContainer>>;
}

/** A request matched to an operation. */
export interface RoutedRequest {
  readonly provider: ProviderName;
  readonly operation: string;
  /** Model id, endpoint name or deployment, as fault rules match it. */
  readonly model: string;
  readonly streaming: boolean;
  /** Not counted in /_emulator/requests (metadata routes such as Azure GET /info). @default false */
  readonly uncounted?: boolean;
  /** Sends the provider's rejection and returns false when credentials are missing or malformed. */
  authenticate(ex: Exchange): boolean;
  /** Sends an `error` fault in the provider's shape. */
  sendFault(ex: Exchange, rule: FaultRule): void;
  /** Serves the request; `fault` is a matched stream-cut/stream-error rule, if any. */
  handle(ex: Exchange, ctx: EmulatorContext, fault: FaultRule | undefined): Promise<void>;
}

/** Stream-fault bookkeeping shared by every streaming operation: fires after `afterChunks` chunks, or at the end of content if it is shorter. */
export function streamFault(
  fault: FaultRule | undefined,
  chunksSent: number,
  atEnd: boolean,
): 'cut' | 'error' | undefined {
  if (fault === undefined) return undefined;
  if (!atEnd && chunksSent < (fault.afterChunks ?? 0)) return undefined;
  if (fault.kind === 'stream-cut') return 'cut';
  if (fault.kind === 'stream-error') return 'error';
  return undefined;
}

/** Parses a JSON body; undefined when it is not JSON. */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
