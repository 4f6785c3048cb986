/**
 * The OpenTelemetry Node SDK, loaded only when tracing is on (tracing/setup.ts imports this file on demand): its
 * import alone costs about 180 ms, which a front without an exporter must not pay.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { NodeSDK, resources } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/**
 * Traces only: the front's metrics are Prometheus' (/metrics) and its logs go to stdout, so the SDK's default
 * OTLP metric and log exporters stay off. No auto-instrumentation: the server span is the front's own
 * (tracing/server-span.ts) and the client makes the GenAI spans. The service is `genai-front` unless
 * OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES names it (the SDK's environment detector wins over this default).
 */
export function startNodeSdk(): { shutdown(): Promise<void> } {
  const sdk = new NodeSDK({
    resource: resources
      .defaultResource()
      .merge(resources.resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'genai-front' })),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  return {
    async shutdown() {
      await sdk.shutdown();
      // Unregistered, so a later start in this process (tests, a restarted front) can register again.
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
