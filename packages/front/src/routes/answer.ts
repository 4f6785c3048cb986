import type { Context } from 'hono';
import type { FrontState, RequestInfo } from '../context.js';
import { settleTokens } from '../middleware/admission.js';

/** What the client reports with every answer: a generate result, a stream's finish event or an embed result. */
export interface Answer {
  readonly provider: string;
  readonly usage: { readonly inputTokens: number; readonly outputTokens?: number };
  readonly cached: boolean;
  readonly attempts: number;
}

/** An answer's usage into the metrics, and the caller's up-front token estimate settled against it. */
export function chargeAnswer(
  front: Pick<FrontState, 'limits' | 'metrics'>,
  model: string,
  key: string,
  charged: number,
  answer: Answer,
): void {
  const { metrics } = front;
  metrics.tokens.inc({ model, direction: 'in' }, answer.usage.inputTokens);
  metrics.tokens.inc({ model, direction: 'out' }, answer.usage.outputTokens ?? 0);
  metrics.cache.inc({ model, result: answer.cached ? 'hit' : 'miss' });
  if (answer.attempts > 0) metrics.attempts.inc({ model, provider: answer.provider }, answer.attempts);
  settleTokens(front, key, charged, { ...answer.usage, cached: answer.cached });
}

/** An answer's facts for the request's log line; `completion` only when prompts are logged. */
export function describeAnswer(info: RequestInfo, answer: Answer, completion?: string): void {
  Object.assign(info, {
    provider: answer.provider,
    inputTokens: answer.usage.inputTokens,
    outputTokens: answer.usage.outputTokens ?? 0,
    cached: answer.cached,
    attempts: answer.attempts,
    completion,
  });
}

/** Which provider answered, from the cache or not, after how many upstream requests. */
export function setGenAiHeaders(c: Pick<Context, 'header'>, answer: Answer): void {
  c.header('x-genai-provider', answer.provider);
  c.header('x-genai-cache', answer.cached ? 'hit' : 'miss');
  c.header('x-genai-attempts', String(answer.attempts));
}
