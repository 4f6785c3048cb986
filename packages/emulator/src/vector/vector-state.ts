import type { EmulatorContext } from '../context.js';

/**
 * State that lives as long as one emulator, kept beside its context rather than in it: the context is shared by
 * every provider, and only one engine's routes read each piece. Not cleared by reset(), which clears faults and
 * counters: tests name their own indexes.
 */
export function perEmulator<T>(create: () => T): (ctx: EmulatorContext) => T {
  const states = new WeakMap<EmulatorContext, T>();
  return (ctx) => {
    let state = states.get(ctx);
    if (state === undefined) {
      state = create();
      states.set(ctx, state);
    }
    return state;
  };
}
