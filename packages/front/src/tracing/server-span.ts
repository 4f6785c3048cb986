import {
  type Attributes,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { type AppEnv, type RequestInfo, whenSent } from '../context.js';
import { tracerProviderRegistered } from './setup.js';

/** The methods semconv names; any other is reported as `_OTHER` so span names and attributes stay bounded. */
const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);

const HEADERS: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

/**
 * One SERVER span per request with the HTTP semantic conventions, named `{method} {http.route}` (hono's route
 * pattern, e.g. `POST /v1/chat/completions`). The caller's W3C `traceparent`/`tracestate` (or whatever
 * propagators the SDK registered) is its parent, so the caller's trace id is kept; the span is the active
 * context while the rest of the request runs, so the client's GenAI spans are its children and the request log
 * finds it (`trace_id` on the log line); it ends when the response is over (a stream's last byte). Registered
 * outermost, before the request log.
 *
 * No query string (`url.query`) and no client address are recorded: a query can carry a key, an address is
 * personal data. Without a registered tracer provider the middleware only calls next().
 */
export function serverSpan(): MiddlewareHandler<AppEnv> {
  const tracer = trace.getTracer('@genai-deploy/front');
  return async (c, next) => {
    // Tracing off (no provider registered, checked per request so a later one is picked up): nothing to pay.
    if (!tracerProviderRegistered()) return next();
    const method = KNOWN_METHODS.has(c.req.method) ? c.req.method : '_OTHER';
    const parent = propagation.extract(ROOT_CONTEXT, c.req.raw.headers, HEADERS);
    const span = tracer.startSpan(
      method,
      { kind: SpanKind.SERVER, attributes: requestAttributes(c, method) },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      // The request log (inside this middleware) set `info`; without it nothing streams and the response is over.
      const info = c.get('info') as RequestInfo | undefined;
      if (info) whenSent(info, () => endSpan(span, c, method));
      else endSpan(span, c, method);
    }
  };
}

function requestAttributes(c: Context<AppEnv>, method: string): Attributes {
  const url = new URL(c.req.url);
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_URL_PATH]: url.pathname,
    [ATTR_URL_SCHEME]: (c.req.header('x-forwarded-proto') ?? url.protocol.slice(0, -1)).split(',')[0]?.trim(),
    [ATTR_SERVER_ADDRESS]: url.hostname,
  };
  if (url.port) attributes[ATTR_SERVER_PORT] = Number(url.port);
  const agent = c.req.header('user-agent');
  if (agent) attributes[ATTR_USER_AGENT_ORIGINAL] = agent.slice(0, 256);
  return attributes;
}

function endSpan(span: Span, c: Context<AppEnv>, method: string): void {
  const status = c.res.status;
  // The handler's route pattern; a request no route took (404) has none, and its span is named by the method only.
  const route = handlerRoute(c);
  if (route) {
    span.setAttribute(ATTR_HTTP_ROUTE, route);
    span.updateName(`${method} ${route}`);
  }
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  const error = (c.get('info')?.error as { kind?: string } | undefined)?.kind;
  if (status >= 500) {
    span.setAttribute(ATTR_ERROR_TYPE, error ?? String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * The route pattern of the handler the request matched, whichever middleware answered (auth's 401 included):
 * the last matched route registered for a method. Middleware is registered with `use`, hono's method `ALL`.
 */
function handlerRoute(c: Context<AppEnv>): string | undefined {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i];
    if (route && route.method !== 'ALL') return route.path;
  }
  return undefined;
}
