import { describe, expect, it } from 'vitest';
import { CloudRunFront } from './cloud-run-front.js';
import { GenAiAlerts, type GenAiAlertsProps } from './gen-ai-alerts.js';
import { resources, type SynthesizedStack, synth } from './synth.test-utils.js';
import { VertexAiEndpoint } from './vertex-ai-endpoint.js';

const build = (props: Partial<GenAiAlertsProps> = {}) =>
  synth((s) => {
    const endpoint = new VertexAiEndpoint(s, 'Gemma', {
      location: 'us-central1',
      publisherModelName: 'publishers/google/models/gemma3@gemma-3-12b-it',
    });
    const front = new CloudRunFront(s, 'Front', {
      location: 'us-central1',
      image: 'img',
      config: {},
      serviceName: 'genai-front',
    });
    new GenAiAlerts(s, 'Alerts', { endpoints: [endpoint], front, ...props });
  });

const policy = (tf: SynthesizedStack, name: string) => {
  const found = resources(tf, 'google_monitoring_alert_policy').find((p) => p.display_name === name);
  if (!found) throw new Error(`no alert policy named ${name}`);
  return found;
};

describe('GenAiAlerts', () => {
  it('alerts on endpoint errors per minute and p99 latency, with defaults 5/min and 30 s', () => {
    const { tf } = build();
    const mgKey = Object.keys(tf.resource?.google_vertex_ai_endpoint_with_model_garden_deployment ?? {})[0];
    const endpointId = `\${google_vertex_ai_endpoint_with_model_garden_deployment.${mgKey}.endpoint}`;
    const errors = policy(tf, 'genai-deploy: Gemma prediction errors');
    const latency = policy(tf, 'genai-deploy: Gemma p99 latency');
    expect(errors).toMatchObject({
      combiner: 'OR',
      severity: 'ERROR',
      alert_strategy: { auto_close: '1800s' },
      conditions: [
        {
          display_name: 'errors > 5/min',
          condition_threshold: {
            filter: `resource.type = "aiplatform.googleapis.com/Endpoint" AND resource.labels.endpoint_id = "${endpointId}" AND metric.type = "aiplatform.googleapis.com/prediction/online/error_count"`,
            comparison: 'COMPARISON_GT',
            threshold_value: 5,
            duration: '300s',
            aggregations: [
              {
                alignment_period: '60s',
                per_series_aligner: 'ALIGN_SUM',
                cross_series_reducer: 'REDUCE_SUM',
              },
            ],
          },
        },
      ],
    });
    expect(latency).toMatchObject({
      severity: 'WARNING',
      conditions: [
        {
          condition_threshold: {
            filter: expect.stringContaining(
              'metric.type = "aiplatform.googleapis.com/prediction/online/prediction_latencies"',
            ),
            threshold_value: 30000,
            aggregations: [{ per_series_aligner: 'ALIGN_PERCENTILE_99', cross_series_reducer: 'REDUCE_MAX' }],
          },
        },
      ],
    });
  });

  it("alerts on the front's 5xx share as a ratio of its requests", () => {
    const { tf } = build({ front5xxRatio: 0.02 });
    const front = policy(tf, 'genai-deploy: front Front 5xx ratio');
    const base =
      'resource.type = "cloud_run_revision" AND resource.labels.service_name = "genai-front" AND metric.type = "run.googleapis.com/request_count"';
    expect(front).toMatchObject({
      conditions: [
        {
          display_name: '5xx > 2%',
          condition_threshold: {
            filter: `${base} AND metric.labels.response_code_class = "5xx"`,
            denominator_filter: base,
            threshold_value: 0.02,
          },
        },
      ],
    });
  });

  it('rejects thresholds that cannot fire sensibly', () => {
    expect(() => build({ front5xxRatio: 5 })).toThrow(
      /front5xxRatio is 5\. Expected .* Fix: give a share between 0 and 1/,
    );
    expect(() => build({ endpointLatencyP99Ms: 0 })).toThrow(/endpointLatencyP99Ms is 0/);
    expect(() => build({ endpointErrorsPerMinute: -1 })).toThrow(/endpointErrorsPerMinute is -1/);
  });
});
