import { linkSignals } from '../abort.js';
import { toGenAiError } from '../errors.js';
import { deriveContext, type EmbedNext, type Layer } from '../layer.js';
import { limitsFor, planEmbeddingCalls } from '../model-limits.js';
import { chosenTarget } from '../route/routes.js';

/** Upstream calls in flight at once for one split embed call (`createClient({ embedConcurrency })`). @default 4 */
export const DEFAULT_EMBED_CONCURRENCY = 4;

/**
 * Splits an embed call whose input exceeds the target's per-call limits (model-limits.ts) into several calls
 * through the rest of the pipeline (so each part gets its own breaker/retry/timeout), at most `concurrency`
 * at once, and reassembles the vectors in input order. The first failure aborts the other parts.
 */
export function createEmbeddingSplitLayer(concurrency: number): Layer {
  return {
    name: 'embedding-split',
    async embed(req, ctx, next) {
      const target = chosenTarget(ctx, req.targets);
      const groups = planEmbeddingCalls(req.input, limitsFor(target.provider, target.model).embedding);
      if (groups.length <= 1) return next(req, ctx);
      const parts = new Array<Awaited<ReturnType<EmbedNext>> | undefined>(groups.length);
      const linked = linkSignals(ctx.signal);
      const child = deriveContext(ctx, { signal: linked.signal });
      let nextGroup = 0;
      const worker = async () => {
        while (nextGroup < groups.length) {
          const i = nextGroup++;
          const [start, end] = groups[i]!;
          parts[i] = await next({ ...req, input: req.input.slice(start, end) }, child);
        }
      };
      try {
        await Promise.all(
          Array.from({ length: Math.min(concurrency, groups.length) }, () =>
            worker().catch((e: unknown) => {
              linked.abort(e);
              throw e;
            }),
          ),
        );
      } catch (e) {
        throw ctx.signal.aborted ? toGenAiError(e, target, ctx.signal) : e;
      } finally {
        linked.dispose();
      }
      const done = parts as Awaited<ReturnType<EmbedNext>>[];
      const first = done[0]!;
      return {
        ...first,
        embeddings: done.flatMap((p) => p.embeddings),
        usage: { inputTokens: done.reduce((n, p) => n + p.usage.inputTokens, 0) },
        cached: done.every((p) => p.cached),
        attempts: ctx.attempts,
        latencyMs: Date.now() - ctx.startedAt,
      };
    },
  };
}
