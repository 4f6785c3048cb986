import type { MiddlewareHandler } from 'hono';
import { type ApiKeys, presentedKey } from '../auth.js';
import type { AppEnv } from '../context.js';
import { HttpError } from '../errors.js';

/** Refuses a request without an accepted API key (401); sets `caller` for the limits, jobs and the log. */
export function authenticate(apiKeys: ApiKeys): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const caller = apiKeys.verify(presentedKey(c.req.raw.headers));
    if (!caller) {
      throw new HttpError(
        401,
        'missing or invalid API key: send "Authorization: Bearer <key>" or "x-api-key: <key>" with a key issued by this gateway',
        { code: 'invalid_api_key', type: 'invalid_request_error' },
      );
    }
    c.set('caller', caller);
    c.get('info').keyId = caller.id;
    await next();
  };
}
