import type { GenAiError } from '../errors.js';
import type { Target } from '../types.js';

/** Events of the route step (fallback chain, hedging), added to the client's typed event union (events.ts). */
declare module '../events.js' {
  interface ClientEventMap {
    /** The fallback chain moved from one target to the next. */
    fallback: {
      readonly from: Target;
      readonly to: Target;
      readonly error: GenAiError;
    };
    /** A hedged request started on a second target. */
    hedge: { readonly primary: Target; readonly hedge: Target; readonly afterMs: number };
  }
}
