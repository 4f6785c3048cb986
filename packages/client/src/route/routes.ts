import { PROVIDERS, parseModelAddress } from '@genai-deploy/config';
import { GenAiError, invalidRequest } from '../errors.js';
import type { CallContext } from '../layer.js';
import type { ProviderName, Target } from '../types.js';

/** A named route: an ordered list of targets (same shape as the config's RouteConfig). */
export interface RouteOptions {
  /** Model addresses `<provider>/<model-or-endpoint>`, tried in order by the fallback layer. */
  readonly targets: readonly string[];
  /** Cache TTL for answers on this route, in seconds. @default - the cache's ttlSeconds */
  readonly cacheTtlSeconds?: number;
  /** Start the next target when the first has not answered after this many ms. @default - no hedging */
  readonly hedgeAfterMs?: number;
}

/** Builds a Target from a model address; `region` (AWS region or Vertex location) makes a distinct target. */
export function toTarget(provider: ProviderName, model: string, region?: string): Target {
  return Object.freeze({
    provider,
    model,
    ...(region ? { region } : {}),
    id: `${provider}/${model}${region ? `@${region}` : ''}`,
  });
}

/**
 * Resolves a request's `model` (a model address or a route name) to its targets. Throws an invalid-request
 * error naming the configured routes when it is neither.
 */
export function resolveTargets(
  model: unknown,
  routes: Readonly<Record<string, RouteOptions>>,
): { targets: readonly Target[]; route?: string } {
  if (typeof model === 'string') {
    let perRoutes = resolved.get(routes);
    if (!perRoutes) {
      perRoutes = new Map();
      resolved.set(routes, perRoutes);
    }
    let hit = perRoutes.get(model);
    if (!hit) {
      hit = resolve(model, routes);
      if (perRoutes.size >= 1000) perRoutes.clear();
      perRoutes.set(model, hit);
    }
    return hit;
  }
  return resolve(model, routes);
}

/** Resolutions per routes object and model string: targets are immutable, so every call shares them. */
const resolved = new WeakMap<object, Map<string, { targets: readonly Target[]; route?: string }>>();

function resolve(
  model: unknown,
  routes: Readonly<Record<string, RouteOptions>>,
): { targets: readonly Target[]; route?: string } {
  if (typeof model !== 'string' || model.trim() === '') {
    throw invalidRequest(
      'model',
      model,
      `expected "<provider>/<model-or-endpoint>" (provider one of ${PROVIDERS.join(', ')}) or a route name`,
      routeHint(routes),
    );
  }
  const route = Object.hasOwn(routes, model) ? routes[model] : undefined;
  if (route) {
    return {
      route: model,
      targets: route.targets.map((t, i) => addressToTarget(t, `routes.${model}.targets[${i}]`, routes)),
    };
  }
  return { targets: [addressToTarget(model, 'model', routes)] };
}

function addressToTarget(
  address: string,
  field: string,
  routes: Readonly<Record<string, RouteOptions>>,
): Target {
  const parsed = parseModelAddress(address);
  if (parsed) return toTarget(parsed.provider, parsed.model);
  const slash = address.indexOf('/');
  const rule =
    slash > 0
      ? `unknown provider "${address.slice(0, slash)}"; expected one of ${PROVIDERS.join(', ')}`
      : `not a configured route and not "<provider>/<model-or-endpoint>" (provider one of ${PROVIDERS.join(', ')})`;
  throw invalidRequest(field, address, rule, routeHint(routes));
}

function routeHint(routes: Readonly<Record<string, RouteOptions>>): string {
  const names = Object.keys(routes);
  return names.length === 0
    ? 'No routes are configured (createClient({ routes }))'
    : `Configured routes: ${names.join(', ')}`;
}

/** The target route/fallback chose for this call (`ctx.target`), else the request's first. */
export function chosenTarget(ctx: CallContext, targets: readonly Target[]): Target {
  const target = ctx.target ?? targets[0];
  if (!target)
    throw new GenAiError('no target to call: the request resolved to no targets', {
      kind: 'invalid-request',
    });
  return target;
}
