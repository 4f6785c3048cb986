import type { HonoRequest, MiddlewareHandler } from 'hono';
import type { AppEnv, FrontState } from '../context.js';
import { HttpError, retryAfterSeconds } from '../errors.js';

/** A validated body and the tokens charged for it against the caller's tokens/min. */
export interface Admitted<T> {
  readonly prepared: T;
  readonly charged: number;
}

/** Usage as the client reports it, for `settleTokens`. */
export interface SpentTokens {
  readonly inputTokens: number;
  readonly outputTokens?: number;
  readonly cached: boolean;
}

/** The environment of a route behind `admission`: the admitted body is `c.get('admitted')`. */
export type AdmittedEnv<T> = AppEnv & { Variables: { admitted: Admitted<T> } };

type Prepared = { readonly estimatedInputTokens: number };
type Request = Pick<HonoRequest, 'header' | 'text' | 'raw'>;
type Front = Pick<FrontState, 'config' | 'limits' | 'metrics'>;

/**
 * A route's admission: the body read within limits.maxBodyBytes, validated by `prepare`, within the caller's
 * limits; the handler reads the result as `c.get('admitted')`. With a declared Content-Length the limits are
 * taken first, charging body bytes / 4 as the token estimate: a refused request costs neither reading nor
 * validation, which keeps 429s cheap under overload. The estimate is settled against real usage later, and
 * refunded when the body turns out invalid.
 */
export function admission<T extends Prepared>(
  front: Front,
  prepare: (raw: unknown) => T,
): MiddlewareHandler<AdmittedEnv<T>> {
  return async (c, next) => {
    c.set('admitted', await admit(front, c.req, c.get('caller').id, prepare));
    await next();
  };
}

async function admit<T extends Prepared>(
  front: Front,
  req: Request,
  key: string,
  prepare: (raw: unknown) => T,
): Promise<Admitted<T>> {
  const declared = req.header('content-length');
  if (declared !== undefined && req.header('transfer-encoding') === undefined && /^\d+$/.test(declared)) {
    // Too large is known from the header alone: refuse before it counts against the key.
    if (Number(declared) > front.config.limits.maxBodyBytes) throw tooLarge(front);
    const charged = Math.ceil(Number(declared) / 4);
    await takeLimits(front, key, charged);
    try {
      return { prepared: prepare(await readJson(front, req)), charged };
    } catch (e) {
      settleTokens(front, key, charged);
      throw e;
    }
  }
  const prepared = prepare(await readJson(front, req));
  await takeLimits(front, key, prepared.estimatedInputTokens);
  return { prepared, charged: prepared.estimatedInputTokens };
}

async function takeLimits(front: Front, key: string, tokens: number): Promise<void> {
  const decision = await front.limits.take(key, tokens);
  if (decision.ok) return;
  front.metrics.rateLimited.inc({ limit: decision.limit });
  const { limits } = front.config;
  const perMinute = decision.limit === 'requests' ? limits.requestsPerMinute : limits.tokensPerMinute;
  throw new HttpError(
    429,
    `rate limit reached: ${perMinute} ${decision.limit} per minute for this API key; retry after the Retry-After delay`,
    {
      code: 'rate_limit_exceeded',
      type: 'rate_limit_error',
      headers: {
        'retry-after': retryAfterSeconds(decision.retryAfterMs),
        'retry-after-ms': String(decision.retryAfterMs),
      },
    },
  );
}

/**
 * Replaces a call's up-front token estimate with what it consumed upstream: reported usage, or nothing
 * for a cache hit or a call that failed before the provider answered. tokens/min guards upstream quota and
 * cost, which a cached answer does not spend.
 */
export function settleTokens(
  front: Pick<FrontState, 'limits'>,
  key: string,
  estimate: number,
  usage?: SpentTokens,
): void {
  const actual = !usage || usage.cached ? 0 : usage.inputTokens + (usage.outputTokens ?? 0);
  void front.limits.adjust(key, actual - estimate);
}

function tooLarge(front: Front): HttpError {
  return new HttpError(413, `the request body is larger than ${front.config.limits.maxBodyBytes} bytes`, {
    code: 'request_too_large',
  });
}

/**
 * The body as text within limits.maxBodyBytes. A declared Content-Length is checked before reading (and the
 * HTTP parser holds the body to it), which keeps the runtime's fast path; a chunked body is counted as it
 * arrives and refused as soon as it passes the limit.
 */
async function readText(front: Front, req: Request): Promise<string> {
  const max = front.config.limits.maxBodyBytes;
  const declared = req.header('content-length');
  if (declared !== undefined && req.header('transfer-encoding') === undefined) {
    if (Number(declared) > max) throw tooLarge(front);
    return req.text();
  }
  const body = req.raw.body;
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      void reader.cancel().catch(() => {});
      throw tooLarge(front);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(front: Front, req: Request): Promise<unknown> {
  const text = await readText(front, req);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(
      400,
      `the request body is not valid JSON${text.length === 0 ? ' (it is empty)' : ''}; send a JSON object with content-type application/json`,
      { code: 'invalid_json' },
    );
  }
}
