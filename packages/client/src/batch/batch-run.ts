/**
 * One upstream embedding call for a micro-batch: identical texts sent once, a `batch-dispatch` event, and a
 * batch that fails because of one input bisected, so that only the callers of the failing texts get the error.
 */
import type { StatsRecorder } from '../cache/cache-stats.js';
import { isGenAiError } from '../errors.js';
import type { CallContext, EmbedNext } from '../layer.js';
import { estimateTokens } from '../tokens.js';
import type { NormalizedEmbedRequest, ProviderName } from '../types.js';
import type {} from './batch-events.js';

/** One text in a batch. */
export interface Item {
  readonly text: string;
  readonly tokens: number;
  /** The request, context and next step of the call that started the text (same group: same answer). */
  readonly req: NormalizedEmbedRequest;
  readonly ctx: CallContext;
  readonly next: EmbedNext;
  /** Latest deadline of the calls waiting for this text: the batch serves the most patient one. */
  deadline: number;
  /** Calls waiting for this text (for `batch-dispatch`'s `callers`). */
  readonly callers: Set<CallContext>;
}

export interface ItemResult {
  readonly vector: number[];
  /** This text's share of the upstream call's input tokens (fractional; summed and rounded per caller). */
  readonly tokens: number;
  readonly batch: object;
  readonly attempts: number;
  readonly provider: ProviderName;
  readonly model: string;
}

/** Errors caused by one input, which other inputs of the same batch must not share. */
const INPUT_ERRORS = new Set(['invalid-request', 'context-length', 'content-filter', 'model-error']);

function attributable(e: unknown): boolean {
  return isGenAiError(e) && INPUT_ERRORS.has(e.kind);
}

/** What the upstream calls of one batch answered, across bisections. */
interface Answered {
  provider: ProviderName;
  model: string;
  inputTokens: number;
}

/** Sends `part` upstream; on an error caused by one input, splits it in halves until the culprit is alone. */
async function embedOrBisect(
  first: Item,
  shared: CallContext,
  part: string[],
  answered: Answered,
): Promise<(number[] | Error)[]> {
  try {
    const res = await first.next({ ...first.req, input: part }, shared);
    if (res.embeddings.length !== part.length) {
      throw new TypeError(
        `embedding call returned ${res.embeddings.length} vectors for ${part.length} texts`,
      );
    }
    answered.provider = res.provider;
    answered.model = res.model;
    answered.inputTokens += res.usage.inputTokens;
    return res.embeddings;
  } catch (e) {
    if (shared.signal.aborted || !attributable(e)) throw e;
    if (part.length === 1) return [e as Error];
    // One input spoiled the batch: split it so that the other inputs still get their vectors.
    const mid = Math.ceil(part.length / 2);
    const [a, b] = await Promise.all([
      embedOrBisect(first, shared, part.slice(0, mid), answered),
      embedOrBisect(first, shared, part.slice(mid), answered),
    ]);
    return [...a, ...b];
  }
}

/** The batch function of a group's MicroBatcher: one result (or error) per item, in item order. */
export async function runBatch(
  items: readonly Item[],
  signal: AbortSignal,
  target: string,
  stats: StatsRecorder | undefined,
): Promise<(ItemResult | Error)[]> {
  const first = items[0]!;
  const index = new Map<string, number>();
  const texts: string[] = [];
  for (const item of items) {
    if (!index.has(item.text)) {
      index.set(item.text, texts.length);
      texts.push(item.text);
    }
  }
  const shared: CallContext = {
    ...first.ctx,
    signal,
    // The batch serves every caller; each caller's own deadline still ends its own wait.
    deadline: Math.max(...items.map((i) => i.deadline)),
    attempts: 0,
  };
  const answered: Answered = {
    provider: first.req.targets[0]!.provider,
    model: first.req.targets[0]!.model,
    inputTokens: 0,
  };
  const estimates = texts.map((t) => estimateTokens(t));
  // Recorded once per batch with the texts actually sent (duplicates merged), before any bisection.
  stats?.recordBatch(texts.length);
  first.ctx.emit?.({
    type: 'batch-dispatch',
    target,
    size: texts.length,
    callers: new Set(items.flatMap((i) => [...i.callers])).size,
    tokens: estimates.reduce((n, x) => n + x, 0),
  });
  const vectors = await embedOrBisect(first, shared, texts, answered);
  const totalEstimate = estimates.reduce((n, x) => n + x, 0) || 1;
  const batch = {};
  const used = new Set<number>();
  return items.map((item): ItemResult | Error => {
    const at = index.get(item.text)!;
    const v = vectors[at]!;
    if (v instanceof Error) return v;
    const repeated = used.has(at);
    used.add(at);
    return {
      // A text sent once for several callers: each gets its own copy of the vector.
      vector: repeated ? v.slice() : v,
      tokens: repeated ? 0 : (answered.inputTokens * estimates[at]!) / totalEstimate,
      batch,
      attempts: shared.attempts,
      provider: answered.provider,
      model: answered.model,
    };
  });
}
