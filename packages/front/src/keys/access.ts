import type { Caller } from '../auth.js';
import type { CatalogEntry } from '../catalog.js';
import { HttpError } from '../errors.js';
import type { RateLimits } from '../rate-limit.js';
import type { KeyPolicy } from './record.js';

/** Whether the key may use a model or route by the name the caller writes. */
export function allowsModel(policy: KeyPolicy, name: string): boolean {
  return policy.models === undefined || policy.models.includes(name);
}

/**
 * Refuses a model or route the key was not given (403 `model_not_allowed`): a key limited to some models cannot
 * reach the others, whatever the endpoint. The name alone decides: a route's targets are not the route.
 */
export function requireModel(caller: Caller, entry: Pick<CatalogEntry, 'name'>): void {
  if (allowsModel(caller, entry.name)) return;
  const allowed = caller.models ?? [];
  throw new HttpError(
    403,
    `this API key may not use the model "${entry.name}"; it may use: ${allowed.join(', ') || 'no model'}. Ask the gateway's operator to add it to the key's models`,
    { code: 'model_not_allowed', param: 'model', type: 'permission_error' },
  );
}

/** The key's per-minute limits: its own where set, the configuration's for the rest. */
export function limitsFor(caller: KeyPolicy, defaults: RateLimits): RateLimits {
  const own = caller.limits;
  if (!own) return defaults;
  return {
    requestsPerMinute: own.requestsPerMinute ?? defaults.requestsPerMinute,
    tokensPerMinute: own.tokensPerMinute ?? defaults.tokensPerMinute,
  };
}
