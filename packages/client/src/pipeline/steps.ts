/**
 * The pipeline's order, written once. `buildPipeline` (build.ts) composes the client's layers by walking this
 * list, docs/ARCHITECTURE.md's "client pipeline" list is checked against it (steps.test.ts), and every other
 * mention of the order points here.
 */

/**
 * Where a step sits. `call`: before the layers (validation); `request`: sees the logical request before a
 * target is chosen (users add theirs with `layers.request`, after these); `route`: chooses the target and
 * shapes the call for it; `target`: wraps each attempt on one target (users add theirs with `layers.target`,
 * after these); `provider`: the terminal step.
 */
export type StepGroup = 'call' | 'request' | 'route' | 'target' | 'provider';

export interface PipelineStep {
  /** The step's name; for a layer, its `Layer.name`. */
  readonly name: string;
  readonly group: StepGroup;
  /** The folder of packages/client/src that holds the step. */
  readonly folder: string;
  /** What the step does, in one line. */
  readonly purpose: string;
}

/** Every call goes through these steps, top to bottom; the first layer listed is the outermost. */
export const PIPELINE = [
  {
    name: 'validate',
    group: 'call',
    folder: 'validate/',
    purpose: 'checks the request before any network call and resolves its model address or route to targets',
  },
  {
    name: 'budget',
    group: 'request',
    folder: 'budget/',
    purpose:
      "reserves the call's estimated cost against its budgets before anything else, settles the actual cost after (option `budget`)",
  },
  {
    name: 'cache',
    group: 'request',
    folder: 'cache/',
    purpose: 'answers from the exact cache (memory LRU in front of Redis) and stores what comes back',
  },
  {
    name: 'coalesce',
    group: 'request',
    folder: 'coalesce/',
    purpose: 'identical requests in flight share one upstream call (across instances: a Redis fill lock)',
  },
  {
    name: 'batch',
    group: 'request',
    folder: 'batch/',
    purpose: "concurrent embed calls to one target merge up to the model's per-call limit",
  },
  {
    name: 'fallback',
    group: 'route',
    folder: 'route/',
    purpose:
      'tries the targets in order, moving on when one is throttled, down, slow or open; optional hedging',
  },
  {
    name: 'embedding-split',
    group: 'route',
    folder: 'split/',
    purpose: "an embed call over the model's per-call limit becomes several calls, reassembled in order",
  },
  {
    name: 'retry',
    group: 'target',
    folder: 'resilience/',
    purpose: 'the only retry loop: full-jitter backoff, server hints, a retry budget',
  },
  {
    name: 'circuit-breaker',
    group: 'target',
    folder: 'resilience/',
    purpose: 'a circuit per target that counts every attempt; open, it fails fast without a network call',
  },
  {
    name: 'rate-limit',
    group: 'target',
    folder: 'resilience/',
    purpose: 'requests/min and tokens/min per target, cut on throttling, optionally shared through Redis',
  },
  {
    name: 'attempt-timeout',
    group: 'target',
    folder: 'resilience/',
    purpose: "a per-attempt timeout inside the call's deadline and the caller's signal",
  },
  {
    name: 'provider',
    group: 'provider',
    folder: 'providers/',
    purpose:
      'one upstream request through the official client, loaded on first use; errors become GenAiError',
  },
] as const satisfies readonly PipelineStep[];

export type StepName = (typeof PIPELINE)[number]['name'];

/** The steps that are layers (validation runs before them, the provider is their terminal). */
export type LayerStepName = Extract<
  (typeof PIPELINE)[number],
  { group: 'request' | 'route' | 'target' }
>['name'];
