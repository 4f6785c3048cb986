import { randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import type { Context, MiddlewareHandler } from 'hono';
import { type AppEnv, type FrontState, type RequestInfo, whenSent } from '../context.js';
import { redactSecrets } from '../logger.js';
import { errSummary } from './errors.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The outermost middleware: the request id (the caller's when well-formed), the request metrics and one log
 * line per request, written when the response is over (a stream's last byte), so latency covers all of it.
 */
export function requestLog(
  front: Pick<FrontState, 'config' | 'logger' | 'metrics'>,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const info: RequestInfo = { endpoint: routeName(c.req.path) };
    c.set('requestId', requestId);
    c.set('info', info);
    c.header('x-request-id', requestId);
    const started = performance.now();
    // The server span's (tracing/server-span.ts): the caller's trace id when it sent traceparent. With tracing
    // off there is no span: the caller's traceparent still names its trace on the log line.
    const active = trace.getActiveSpan()?.spanContext();
    const span =
      active && trace.isSpanContextValid(active) ? active : callerTrace(c.req.header('traceparent'));
    try {
      await next();
    } finally {
      whenSent(info, () => record(front, c, info, started, span));
    }
  };
}

/** W3C trace context: `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`; all-zero ids are invalid. */
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-[\da-f]{2}$/;

/** The caller's trace and span ids from its `traceparent` header, when well formed. */
export function callerTrace(header: string | undefined): { traceId: string; spanId?: string } | undefined {
  const m = header ? TRACEPARENT.exec(header.trim()) : null;
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  // Its id is the caller's span, not one of ours: only the trace id goes on the line.
  return { traceId: m[1]! };
}

function record(
  front: Pick<FrontState, 'config' | 'logger' | 'metrics'>,
  c: Context<AppEnv>,
  info: RequestInfo,
  started: number,
  span: { traceId: string; spanId?: string } | undefined,
): void {
  const status = c.res.status;
  const latencyMs = Math.round((performance.now() - started) * 10) / 10;
  const model = info.model ?? 'none';
  front.metrics.requests.inc({ endpoint: info.endpoint, model, status });
  front.metrics.duration.observe({ endpoint: info.endpoint, model, status }, latencyMs / 1000);
  // Scrapes and probes would drown the request log; failed authentications are logged sampled (auth.ts).
  if (info.endpoint === 'metrics' || info.endpoint === 'health' || info.quiet) return;
  const line: Record<string, unknown> = {
    requestId: c.get('requestId'),
    method: c.req.method,
    path: c.req.path,
    status,
    latencyMs,
    model: info.model,
    provider: info.provider,
    tokensIn: info.inputTokens,
    tokensOut: info.outputTokens,
    cache: info.cached === undefined ? undefined : info.cached ? 'hit' : 'miss',
    attempts: info.attempts,
    key: info.keyId,
    team: info.team,
    costUsd: info.costMicroUsd === undefined ? undefined : (info.costMicroUsd / 1e6).toFixed(6),
    trace_id: span?.traceId,
    span_id: span?.spanId,
  };
  if (front.config.logPrompts) {
    line.prompt = info.prompt;
    line.completion = info.completion;
  }
  // `error`, not pino's `err`: its serializer would add an empty stack to these plain summaries.
  const e = info.error as { kind?: string; stack?: string } | undefined;
  if (e === undefined) {
    front.logger.info(line, 'request');
  } else if (e.kind === 'aborted' && c.req.raw.signal.aborted) {
    // The caller went away (a stream cut before its first token, say): expected, nobody reads the answer.
    front.logger.info({ ...line, outcome: 'caller-disconnected' }, 'request cancelled by the caller');
  } else if (e.kind !== undefined) {
    // An upstream failure, 4xx included: the provider's reason (redacted) is what the request id leads to. Its
    // kind says the rest; a stack would be noise.
    line.error = errSummary(e);
    if (status < 500) front.logger.info(line, 'request');
    else front.logger.warn(line, 'request failed upstream');
  } else if (status < 500) {
    front.logger.info(line, 'request');
  } else {
    line.error = { ...errSummary(e), stack: e.stack === undefined ? undefined : redactSecrets(e.stack) };
    front.logger.error(line, 'request failed');
  }
}

/** The `endpoint` label: a closed set, so metrics stay bounded whatever paths callers try. */
export function routeName(path: string): string {
  if (path === '/v1/chat/completions') return 'chat';
  if (path === '/v1/embeddings') return 'embeddings';
  if (path === '/v1/models') return 'models';
  if (path.startsWith('/v1/jobs')) return 'jobs';
  if (path === '/v1/spend') return 'spend';
  if (path.startsWith('/admin/')) return 'admin';
  if (path === '/health' || path === '/ready' || path === '/metrics') return path.slice(1);
  return 'other';
}
