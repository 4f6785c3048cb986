import {
  MonitoringAlertPolicy,
  type MonitoringAlertPolicyConditions,
} from '@cdktf/provider-google/lib/monitoring-alert-policy/index.js';
import { Construct } from 'constructs';
import type { CloudRunFront } from './cloud-run-front.js';
import { errors } from './errors.js';
import type { IVertexAiEndpoint } from './vertex-ai-endpoint.js';

export interface GenAiAlertsProps {
  /** Endpoints to watch for errors and latency. @default [] */
  readonly endpoints?: readonly IVertexAiEndpoint[];
  /** The front to watch for 5xx answers. @default - none */
  readonly front?: CloudRunFront;
  /** Notification channel ids ("projects/p/notificationChannels/123"). @default [] (the policies show in the console only) */
  readonly notificationChannels?: readonly string[];
  /** Prediction errors per minute on one endpoint, sustained for 5 minutes. @default 5 */
  readonly endpointErrorsPerMinute?: number;
  /** p99 prediction latency in ms, sustained for 10 minutes (LLM generations are long). @default 30000 */
  readonly endpointLatencyP99Ms?: number;
  /** Share of the front's requests answered 5xx, sustained for 5 minutes (0-1). @default 0.05 */
  readonly front5xxRatio?: number;
  /** @default - the service's default */
  readonly project?: string;
}

/**
 * Cloud Monitoring alert policies for a platform: per Vertex AI endpoint, errors and p99 latency; for the
 * front, the share of 5xx answers.
 */
export class GenAiAlerts extends Construct {
  readonly policies: MonitoringAlertPolicy[] = [];

  constructor(scope: Construct, id: string, props: GenAiAlertsProps) {
    super(scope, id);
    const path = this.node.path;
    const errorsPerMinute = props.endpointErrorsPerMinute ?? 5;
    const latencyMs = props.endpointLatencyP99Ms ?? 30_000;
    const ratio = props.front5xxRatio ?? 0.05;
    if (errorsPerMinute < 0)
      throw errors.outOfRange(
        path,
        'endpointErrorsPerMinute',
        errorsPerMinute,
        0,
        1e6,
        'use 0 to alert on any error.',
      );
    if (latencyMs <= 0)
      throw errors.outOfRange(
        path,
        'endpointLatencyP99Ms',
        latencyMs,
        1,
        3_600_000,
        'give a latency in milliseconds.',
      );
    if (ratio <= 0 || ratio >= 1) {
      throw errors.outOfRange(
        path,
        'front5xxRatio',
        ratio,
        0,
        1,
        'give a share between 0 and 1 (0.05 is 5% of requests).',
      );
    }
    const common = {
      combiner: 'OR',
      ...(props.project !== undefined && { project: props.project }),
      notificationChannels: [...(props.notificationChannels ?? [])],
      alertStrategy: { autoClose: '1800s' },
      userLabels: { 'managed-by': 'genai-deploy' },
    };

    for (const endpoint of props.endpoints ?? []) {
      const name = endpoint.node.id;
      this.policy(`${name}Errors`, {
        ...common,
        displayName: `genai-deploy: ${name} prediction errors`,
        severity: 'ERROR',
        documentation: {
          mimeType: 'text/markdown',
          content: `Vertex AI endpoint **${name}** returned more than ${errorsPerMinute} errors per minute for 5 minutes. Check the endpoint's logs and replica health; the front falls back to the next target of its routes meanwhile.`,
        },
        conditions: [
          threshold(
            `errors > ${errorsPerMinute}/min`,
            endpoint.metricFilter('prediction/online/error_count'),
            {
              value: errorsPerMinute,
              duration: '300s',
              aligner: 'ALIGN_SUM',
              reducer: 'REDUCE_SUM',
              period: '60s',
            },
          ),
        ],
      });
      this.policy(`${name}Latency`, {
        ...common,
        displayName: `genai-deploy: ${name} p99 latency`,
        severity: 'WARNING',
        documentation: {
          mimeType: 'text/markdown',
          content: `Vertex AI endpoint **${name}** answered slower than ${latencyMs} ms at p99 for 10 minutes. Consider more replicas (maxReplicas) or a lower GPU duty-cycle target.`,
        },
        conditions: [
          threshold(
            `p99 latency > ${latencyMs} ms`,
            endpoint.metricFilter('prediction/online/prediction_latencies'),
            {
              value: latencyMs,
              duration: '600s',
              aligner: 'ALIGN_PERCENTILE_99',
              reducer: 'REDUCE_MAX',
              period: '300s',
            },
          ),
        ],
      });
    }

    if (props.front) {
      const front = props.front;
      this.policy('Front5xx', {
        ...common,
        displayName: `genai-deploy: front ${front.node.id} 5xx ratio`,
        severity: 'ERROR',
        documentation: {
          mimeType: 'text/markdown',
          content: `More than ${ratio * 100}% of the front's requests were answered 5xx for 5 minutes. Look at the front's logs (errors carry the request id) and at the upstream endpoints.`,
        },
        conditions: [
          {
            displayName: `5xx > ${ratio * 100}%`,
            conditionThreshold: {
              filter: front.requestCountFilter('5xx'),
              denominatorFilter: front.requestCountFilter(),
              comparison: 'COMPARISON_GT',
              thresholdValue: ratio,
              duration: '300s',
              aggregations: [
                { alignmentPeriod: '60s', perSeriesAligner: 'ALIGN_RATE', crossSeriesReducer: 'REDUCE_SUM' },
              ],
              denominatorAggregations: [
                { alignmentPeriod: '60s', perSeriesAligner: 'ALIGN_RATE', crossSeriesReducer: 'REDUCE_SUM' },
              ],
              trigger: { count: 1 },
            },
          },
        ],
      });
    }
  }

  private policy(id: string, config: ConstructorParameters<typeof MonitoringAlertPolicy>[2]): void {
    this.policies.push(new MonitoringAlertPolicy(this, id, config));
  }
}

function threshold(
  displayName: string,
  filter: string,
  o: { value: number; duration: string; aligner: string; reducer: string; period: string },
): MonitoringAlertPolicyConditions {
  return {
    displayName,
    conditionThreshold: {
      filter,
      comparison: 'COMPARISON_GT',
      thresholdValue: o.value,
      duration: o.duration,
      aggregations: [
        { alignmentPeriod: o.period, perSeriesAligner: o.aligner, crossSeriesReducer: o.reducer },
      ],
      trigger: { count: 1 },
    },
  };
}
