import type { HonoRequest, MiddlewareHandler } from 'hono';
import type { Caller } from '../auth.js';
import type { CatalogEntry } from '../catalog.js';
import { type AppEnv, type FrontState, whenSent } from '../context.js';
import { HttpError, retryAfterSeconds } from '../errors.js';
import { limitsFor, requireModel } from '../keys/access.js';

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

type Prepared = { readonly estimatedInputTokens: number; readonly entry?: Pick<CatalogEntry, 'name'> };
type Request = Pick<HonoRequest, 'header' | 'text' | 'raw'>;
type Front = Pick<FrontState, 'config' | 'limits' | 'metrics' | 'work'>;

/** What a route adds to the common admission. */
export interface AdmissionOptions<T> {
  /** The request's weight in in-flight work (InFlightWork). @default 1 */
  readonly weight?: (prepared: T) => number;
  /**
   * Tokens charged on top of the estimate and kept whatever the answer (cache hits included): work of the
   * front's own that grows with the request, such as embeddings inputs. @default 0
   */
  readonly surchargeTokens?: (prepared: T) => number;
}

/**
 * A route's admission: the request counted against the caller's limits first, whatever its body or its fate
 * (with a declared Content-Length, body bytes / 4 are charged as the token estimate at once; a streamed body's
 * bytes once read), then the content type (JSON only), the body read within limits.maxBodyBytes, validated by
 * `prepare`, any surcharge, and the caller's and the instance's in-flight work. The handler reads the result
 * as `c.get('admitted')`. A refused request costs neither reading nor validation, which keeps 429s cheap under
 * overload. The estimate is settled against real usage later, and refunded when the request fails here.
 */
export function admission<T extends Prepared>(
  front: Front,
  prepare: (raw: unknown) => T,
  options: AdmissionOptions<T> = {},
): MiddlewareHandler<AdmittedEnv<T>> {
  return async (c, next) => {
    const { admitted, release } = await admit(front, c.req, c.get('caller'), prepare, options);
    c.set('admitted', admitted);
    try {
      await next();
    } finally {
      whenSent(c.get('info'), release);
    }
  };
}

async function admit<T extends Prepared>(
  front: Front,
  req: Request,
  caller: Caller,
  prepare: (raw: unknown) => T,
  options: AdmissionOptions<T>,
): Promise<{ admitted: Admitted<T>; release: () => void }> {
  const key = caller.id;
  const max = front.config.limits.maxBodyBytes;
  const declared = declaredLength(req);
  // Too large is known from the header alone: counted, but charged no tokens.
  const held = { tokens: declared !== undefined && declared <= max ? Math.ceil(declared / 4) : 0 };
  await takeLimits(front, caller, held.tokens);
  try {
    requireJson(req);
    if (declared !== undefined && declared > max) throw tooLarge(front);
    const body = await readText(front, req, declared !== undefined);
    if (declared === undefined) await recharge(front, caller, held, Math.ceil(body.bytes / 4));
    const prepared = prepare(parseJson(body.text));
    if (prepared.entry) requireModel(caller, prepared.entry);
    const charged = held.tokens;
    const surcharge = options.surchargeTokens?.(prepared) ?? 0;
    if (surcharge > 0) await recharge(front, caller, held, charged + surcharge);
    const release = front.work.acquire(key, options.weight?.(prepared) ?? 1);
    return { admitted: { prepared, charged }, release };
  } catch (e) {
    settleTokens(front, key, held.tokens);
    throw e;
  }
}

/**
 * Raises a counted request's tokens to `tokens`, within tokens/min. Its own tokens are given back first, so
 * a request larger than the whole budget still runs when nothing else was used, as at its first take.
 */
async function recharge(
  front: Front,
  caller: Caller,
  held: { tokens: number },
  tokens: number,
): Promise<void> {
  if (held.tokens > 0) await front.limits.adjust(caller.id, -held.tokens);
  held.tokens = 0;
  await takeLimits(front, caller, tokens, 0);
  held.tokens = tokens;
}

/** A Content-Length the HTTP parser holds the body to; undefined for a streamed (chunked) body. */
function declaredLength(req: Request): number | undefined {
  const declared = req.header('content-length');
  if (declared === undefined || req.header('transfer-encoding') !== undefined) return undefined;
  return /^\d+$/.test(declared) ? Number(declared) : undefined;
}

/** Only JSON bodies are parsed, as OpenAI's API does: anything else is a 415 naming what was sent. */
function requireJson(req: Request): void {
  const type = req.header('content-type');
  const media = type?.split(';')[0]?.trim().toLowerCase();
  if (media === 'application/json') return;
  throw new HttpError(
    415,
    `unsupported content type ${type === undefined ? '(none sent)' : JSON.stringify(type.slice(0, 100))}: send the body as JSON with "content-type: application/json"`,
    { code: 'unsupported_media_type' },
  );
}

/**
 * Takes `tokens` and `requests` from the key's per-minute limits (the caller's own where its key sets them, else
 * the configuration's), or throws the 429 (with Retry-After) that says which limit was reached. Every route
 * that counts a request goes through here.
 */
export async function takeLimits(
  front: Pick<FrontState, 'config' | 'limits' | 'metrics'>,
  key: string | Caller,
  tokens: number,
  requests: 0 | 1 = 1,
): Promise<void> {
  const limits = typeof key === 'string' ? front.config.limits : limitsFor(key, front.config.limits);
  const id = typeof key === 'string' ? key : key.id;
  const decision = await front.limits.take(id, tokens, requests, limits);
  if (decision.ok) return;
  front.metrics.rateLimited.inc({ limit: decision.limit });
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
 * The body as text within limits.maxBodyBytes, and its size. A declared Content-Length was checked before
 * (and the HTTP parser holds the body to it), which keeps the runtime's fast path; a streamed body is counted
 * as it arrives and refused as soon as it passes the limit. A body cut off (the caller went away, or the
 * server's request timeout) is the caller's problem, not an internal error.
 */
async function readText(
  front: Front,
  req: Request,
  declared: boolean,
): Promise<{ text: string; bytes: number }> {
  try {
    if (declared) {
      const text = await req.text();
      return { text, bytes: Buffer.byteLength(text) };
    }
    const body = req.raw.body;
    if (!body) return { text: '', bytes: 0 };
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > front.config.limits.maxBodyBytes) {
        void reader.cancel().catch(() => {});
        throw tooLarge(front);
      }
      chunks.push(value);
    }
    return { text: Buffer.concat(chunks).toString('utf8'), bytes: size };
  } catch (e) {
    if (e instanceof HttpError) throw e;
    throw new HttpError(400, 'the request body was cut off before its end; send it whole', {
      code: 'incomplete_body',
      cause: e,
    });
  }
}

function parseJson(text: string): unknown {
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
