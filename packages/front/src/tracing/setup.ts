import { FRONT_ENV } from '@genai-deploy/config';
import { ProxyTracerProvider, trace } from '@opentelemetry/api';

/** The process's tracing, started by the front's entry points; `release` by each one that took it. */
export interface Tracing {
  /** Exports the spans ended so far (Lambda calls it at the end of each invocation). */
  forceFlush(): Promise<void>;
  /** Gives the tracing back; the last user shuts the SDK down (exporting what is left). */
  release(): Promise<void>;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Whether the environment asks for an exporter: an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) or an explicit `OTEL_TRACES_EXPORTER` (not `none`), and the SDK is not
 * turned off with `OTEL_SDK_DISABLED=true`. Off by default: with none of these the SDK is never loaded.
 */
export function tracingRequested(env: Env): boolean {
  if (env[FRONT_ENV.otelSdkDisabled.name]?.trim().toLowerCase() === 'true') return false;
  const exporters = env[FRONT_ENV.otelTracesExporter.name]?.trim();
  if (exporters !== undefined && exporters !== '') {
    return exporters.split(',').some((e) => e.trim() !== 'none' && e.trim() !== '');
  }
  return Boolean(env[FRONT_ENV.otelEndpoint.name]?.trim() || env[FRONT_ENV.otelTracesEndpoint.name]?.trim());
}

/** The no-op provider every proxy delegates to until a provider is registered. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/** Whether a tracer provider is registered: an ADOT Lambda layer's, the application's own SDK, ours. */
export function tracerProviderRegistered(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_PROVIDER;
}

/** Exports what the registered provider (ours or another's) holds; a no-op without one. */
export async function flushRegisteredProvider(): Promise<void> {
  const provider = trace.getTracerProvider();
  const delegate = provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider;
  await (delegate as { forceFlush?: () => Promise<void> }).forceFlush?.();
}

let shared: { users: number; sdk: Promise<{ shutdown(): Promise<void> } | undefined> } | undefined;

/**
 * Starts the OpenTelemetry Node SDK once per process when the environment asks for it (`tracingRequested`) and
 * no tracer provider is registered yet, and counts its users: the last `release` shuts it down. The SDK is
 * imported here, on demand, so a front without tracing never loads it. Its configuration is the standard
 * `OTEL_*` variables of the process, read by the SDK itself (endpoint, protocol, headers, sampler, resource).
 *
 * Resolves undefined when tracing is off. With a provider registered by someone else (the ADOT layer on Lambda,
 * the application) the front starts nothing and its spans go to that provider.
 */
export async function startTracing(env: Env = process.env): Promise<Tracing | undefined> {
  if (!shared) {
    if (!tracingRequested(env)) return undefined;
    const sdk = tracerProviderRegistered()
      ? Promise.resolve(undefined)
      : import('./sdk.js').then((m) => m.startNodeSdk());
    shared = { users: 0, sdk };
  }
  const current = shared;
  current.users += 1;
  await current.sdk;
  let released = false;
  return {
    forceFlush: flushRegisteredProvider,
    async release() {
      if (released) return;
      released = true;
      current.users -= 1;
      if (current.users > 0 || shared !== current) return;
      shared = undefined;
      await (await current.sdk)?.shutdown();
    },
  };
}
