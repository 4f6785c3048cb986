import { isIP } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';
import { type KeyVerifier, presentedKey } from '../auth.js';
import type { AuthThrottle, LogSampler } from '../auth-throttle.js';
import type { AppEnv, FrontState } from '../context.js';
import { HttpError, retryAfterSeconds } from '../errors.js';
import { refusal } from '../keys/record.js';

/** What authentication needs of the front: the failure limit, its log sampler, metrics and log. */
export type AuthGuard = Pick<FrontState, 'config' | 'logger' | 'metrics'> & {
  readonly authThrottle: AuthThrottle;
  readonly authLogSampler: LogSampler;
};

/** How the refusal of a valid-looking credential reads: an API key on /v1, a scrape credential on /metrics. */
export interface Credential {
  readonly keys: KeyVerifier;
  /** Says what to send instead, in the 401. */
  readonly hint: string;
  /** Keys that are valid elsewhere but not here (a caller key on /metrics or /admin): 403 instead of 401. */
  readonly otherKeys?: KeyVerifier;
}

export const API_KEY: (keys: KeyVerifier, adminKeys?: KeyVerifier) => Credential = (keys, adminKeys) => ({
  keys,
  ...(adminKeys ? { otherKeys: adminKeys } : {}),
  hint: 'send "Authorization: Bearer <key>" or "x-api-key: <key>" with a key issued by this gateway',
});

/**
 * Refuses a request without an accepted credential (401); sets `caller` for the limits, jobs and the log.
 * Failed attempts count against the client address (`limits.authFailuresPerMinute`): over it, the address
 * gets 429 before its key is checked. Failures leave one sampled log line per address and minute, not one
 * per attempt.
 */
export function authenticate(guard: AuthGuard, credential: Credential): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const info = c.get('info');
    const address = clientAddress(c, guard.config.trustedProxyHops);
    const blockedMs = await guard.authThrottle.blockedFor(address);
    if (blockedMs > 0) {
      info.quiet = true;
      noteFailure(guard, address, 'throttled');
      throw new HttpError(
        429,
        'too many failed authentications from this address; retry after the Retry-After delay with a valid key',
        {
          code: 'auth_rate_limit_exceeded',
          type: 'rate_limit_error',
          headers: { 'retry-after': retryAfterSeconds(blockedMs) },
        },
      );
    }
    const presented = presentedKey(c.req.raw.headers);
    const caller = await credential.keys.verify(presented);
    if (!caller) {
      // A key valid elsewhere (a caller key on /metrics) is a misuse, not a guess: it does not count.
      if (await credential.otherKeys?.verify(presented)) {
        throw new HttpError(403, `this key cannot read ${c.req.path}; ${credential.hint}`, {
          code: 'permission_denied',
        });
      }
      info.quiet = true;
      const failures = await guard.authThrottle.fail(address);
      noteFailure(guard, address, 'invalid', failures);
      throw new HttpError(401, `missing or invalid API key: ${credential.hint}`, {
        code: 'invalid_api_key',
        type: 'invalid_request_error',
      });
    }
    info.keyId = caller.id;
    if (caller.team !== undefined) info.team = caller.team;
    const refused = refusal(caller);
    if (refused) {
      throw new HttpError(
        401,
        refused === 'disabled'
          ? `this API key (${caller.id}) is disabled; ask the gateway's operator to enable it or for another key`
          : `this API key (${caller.id}) expired at ${caller.expiresAt}; ask the gateway's operator for another key`,
        { code: `api_key_${refused}`, type: 'invalid_request_error' },
      );
    }
    c.set('caller', caller);
    await next();
  };
}

function noteFailure(guard: AuthGuard, address: string, result: 'invalid' | 'throttled', failures?: number) {
  guard.metrics.authFailures.inc({ result });
  const sample = guard.authLogSampler.take(`${result}:${address}`);
  if (!sample.log) return;
  guard.logger.warn(
    { address, result, failuresThisMinute: failures, notLoggedSinceLast: sample.skipped },
    result === 'throttled'
      ? 'authentication refused: too many failures from this address'
      : 'authentication failed',
  );
}

/**
 * The caller's address for the failed-authentication limit. Behind `hops` proxies that append to
 * X-Forwarded-For, the entry that many from the right (what the outermost trusted proxy saw); unset, the last
 * entry when the connection comes from a private, loopback or link-local address (a load balancer), else
 * the connection's own address. Runs on the Node server and on Lambda (the event's source IP).
 */
export function clientAddress(c: Context, hops: number | undefined): string {
  // hono's bindings: the Node server's `incoming` message, or Lambda's event context.
  const bindings = c.env as
    | {
        incoming?: { socket?: { remoteAddress?: string } };
        requestContext?: { http?: { sourceIp?: string }; identity?: { sourceIp?: string } };
      }
    | undefined;
  const lambda = bindings?.requestContext?.http?.sourceIp ?? bindings?.requestContext?.identity?.sourceIp;
  if (lambda) return lambda;
  const peer = bindings?.incoming?.socket?.remoteAddress ?? 'unknown';
  const forwarded = c.req
    .header('x-forwarded-for')
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => isIP(s) !== 0);
  if (!forwarded || forwarded.length === 0) return peer;
  const trusted = hops ?? (isPrivate(peer) ? 1 : 0);
  if (trusted === 0) return peer;
  return forwarded[Math.max(0, forwarded.length - trusted)] ?? peer;
}

const PRIVATE = [
  /^127\./,
  /^10\./,
  /^192\.168\./,
  /^172\.(1[6-9]|2\d|3[01])\./,
  /^169\.254\./,
  /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./, // shared address space (carrier NAT, some platforms' proxies)
  /^::1$/,
  /^f[cd][0-9a-f]{2}:/i,
  /^fe80:/i,
];

function isPrivate(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return PRIVATE.some((re) => re.test(v4));
}
