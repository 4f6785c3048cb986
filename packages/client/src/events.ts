import type { GenAiError } from './errors.js';
import type { Cost, Operation, Target, Usage } from './types.js';

/**
 * Payload of each event type, keyed by `type`. Adding an event is one line here (or, from another file of
 * this package, a `declare module './events.js' { interface ClientEventMap { ... } }` augmentation).
 */
export interface ClientEventMap {
  /** A call passed validation and entered the pipeline. */
  'request-start': { readonly model: string; readonly route?: string; readonly targets: readonly string[] };
  /** One upstream request is about to be sent (`attempt` counts from 1 within the call). */
  attempt: { readonly target: Target; readonly attempt: number };
  /** A call succeeded. For streams: after the finish event. */
  'request-end': {
    readonly usage: Usage;
    readonly latencyMs: number;
    readonly attempts: number;
    readonly cached: boolean;
    /** What the call cost (always set by createClient's calls). */
    readonly cost?: Cost;
    readonly target?: Target;
  };
  /** A call failed (after any retries and fallbacks). */
  error: {
    readonly error: GenAiError;
    readonly latencyMs: number;
    readonly attempts: number;
    readonly target?: Target;
  };
}

/** Fields every event carries. */
export interface ClientEventBase {
  /** Correlates every event of one call. */
  readonly requestId: string;
  readonly operation: Operation;
  /** Epoch ms. */
  readonly timestamp: number;
}

export type ClientEventType = keyof ClientEventMap;

/** A typed client event: switch on `event.type`. */
export type ClientEvent = {
  [K in ClientEventType]: ClientEventBase & { readonly type: K } & ClientEventMap[K];
}[ClientEventType];

export type ClientEventOf<K extends ClientEventType> = Extract<ClientEvent, { type: K }>;

export type ClientEventListener = (event: ClientEvent) => void;

/**
 * Delivers an event to the user's listener. A listener that throws must not break the call, so its error
 * becomes a process warning instead.
 */
export function deliver(listener: ClientEventListener | undefined, event: ClientEvent): void {
  if (!listener) return;
  try {
    listener(event);
  } catch (e) {
    process.emitWarning(`onEvent listener threw on "${event.type}": ${String(e)}`, 'GenAiClientWarning');
  }
}
