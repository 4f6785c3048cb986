/**
 * Events of the coalesce step (the batch step's shared texts too), added to the client's typed event union
 * (events.ts) by interface augmentation.
 */
declare module '../events.js' {
  interface ClientEventMap {
    /**
     * The call shared another identical call's upstream request: in this process, or another instance's fill.
     * `count` is 1 for generate/stream; embeddings count the texts shared with other calls' texts in flight.
     */
    'cache-coalesced': { readonly scope: 'process' | 'peer'; readonly count: number };
  }
}

export {};
