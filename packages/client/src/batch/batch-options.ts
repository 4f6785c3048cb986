/** Per-target override of the batching limits; `false` turns batching off for that target. */
export type BatchLimitOverride =
  | false
  | { readonly maxTextsPerCall?: number; readonly maxTokensPerCall?: number };

/** Options of embedding micro-batching (`createClient({ batch })`). */
export interface BatchOptions {
  /** How long the first text of a batch waits for more, in ms (0: the current event-loop turn only). @default 5 */
  readonly windowMs?: number;
  /**
   * The window when no batch to the target is in flight, in ms. At `0` a call that finds its target idle is sent
   * at the end of its event-loop turn (with the texts loaded in that turn), so a lone call does not pay
   * `windowMs`; calls that arrive while a batch is in flight wait `windowMs` behind it and merge. Set it to
   * `windowMs` to always wait the full window (more merging at low load, `windowMs` more latency per call).
   * @default 0
   */
  readonly idleWindowMs?: number;
  /** Batched upstream calls in flight at once per target; more wait and keep filling. @default 8 */
  readonly maxConcurrency?: number;
  /**
   * Upstream calls in flight at once per target for models that take one text per call (Titan Text
   * Embeddings v2, gemini-embedding-001): concurrent callers fan out, bounded, instead of merging.
   * @default 8
   */
  readonly fanOutConcurrency?: number;
  /**
   * Overrides of the per-model limits (model-limits.ts), keyed by model address, e.g. a SageMaker endpoint
   * whose container takes 64 texts: `{ 'sagemaker/my-embedder': { maxTextsPerCall: 64 } }`.
   * @default - the model-limits table (SageMaker endpoints: 32 texts per call)
   */
  readonly limits?: Readonly<Record<string, BatchLimitOverride>>;
}
