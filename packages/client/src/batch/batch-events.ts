/** Events of the batch step, added to the client's typed event union (events.ts) by interface augmentation. */
declare module '../events.js' {
  interface ClientEventMap {
    /** The micro-batcher sent one upstream embedding call carrying texts of `callers` calls. */
    'batch-dispatch': {
      /** Id of the first target of the batch's route. */
      readonly target: string;
      /** Texts in the upstream call. */
      readonly size: number;
      /** Calls whose texts it carries. */
      readonly callers: number;
      /** Estimated tokens it carries (0 when the model has no token limit per call). */
      readonly tokens: number;
    };
  }
}

export {};
