import type { CloudRunV2ServiceTemplateContainers } from '@cdktf/provider-google/lib/cloud-run-v2-service/index.js';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member/index.js';
import { FRONT_ENV } from '@genai-deploy/config';
import { Token } from 'cdktf';
import type { Construct } from 'constructs';
import { errors } from './errors.js';

/**
 * Traces of the Cloud Run front in Cloud Trace, the path Google documents for Cloud Run: an OpenTelemetry
 * Collector as a sidecar that receives OTLP on localhost and writes to Cloud Trace as the service's account.
 */
export interface CloudRunFrontTracing {
  /**
   * The collector image run as a sidecar, with its configuration: it must receive OTLP/HTTP on localhost:4318 and
   * export to Google Cloud (the Google-Built OpenTelemetry Collector,
   * `us-docker.pkg.dev/cloud-ops-agents-artifacts/google-cloud-opentelemetry-collector/otelcol-google:<version>`,
   * with a configuration baked in or given through `collectorArgs`). Pin a version you have tested.
   * @default - none: set this or `otlpEndpoint`
   */
  readonly collectorImage?: string;
  /** Arguments of the collector, e.g. `['--config=/etc/otelcol-google/config.yaml']`. @default - the image's own */
  readonly collectorArgs?: readonly string[];
  /**
   * A collector elsewhere (OTLP/HTTP base URL) instead of the sidecar; the front exports there and the account
   * gets no Cloud Trace role (that collector writes with its own identity).
   * @default - the sidecar, at http://localhost:4318
   */
  readonly otlpEndpoint?: string;
}

/** What CloudRunFront adds for `tracing`: the front's environment and the sidecar container. */
export interface CloudRunTracingSetup {
  readonly env: { name: string; value: string }[];
  readonly containers: CloudRunV2ServiceTemplateContainers[];
}

/** The sidecar's OTLP/HTTP address, inside the instance (containers of one instance share localhost). */
export const COLLECTOR_ENDPOINT = 'http://localhost:4318';

/**
 * Validates `tracing`; with the sidecar, grants the service account roles/cloudtrace.agent (the narrowest
 * predefined role that writes spans: cloudtrace.traces.patch) on the project.
 */
export function cloudRunTracing(
  scope: Construct,
  path: string,
  tracing: CloudRunFrontTracing | undefined,
  target: {
    serviceName: string;
    member: string;
    project: string;
    /** The user's plain environment: it cannot set what tracing sets. */
    environment: Readonly<Record<string, string>>;
  },
): CloudRunTracingSetup {
  if (!tracing) return { env: [], containers: [] };
  const { collectorImage, otlpEndpoint } = tracing;
  if ((collectorImage === undefined) === (otlpEndpoint === undefined)) {
    throw errors.tracingCollector(path, collectorImage !== undefined);
  }
  if (
    otlpEndpoint !== undefined &&
    !Token.isUnresolved(otlpEndpoint) &&
    !/^https?:\/\/[^/\s]+/.test(otlpEndpoint)
  ) {
    throw errors.tracingEndpoint(path, otlpEndpoint);
  }
  const env = [
    { name: FRONT_ENV.otelEndpoint.name, value: otlpEndpoint ?? COLLECTOR_ENDPOINT },
    { name: FRONT_ENV.otelServiceName.name, value: target.serviceName },
  ];
  for (const { name } of env) if (name in target.environment) throw errors.reservedEnv(path, name);
  if (collectorImage === undefined) return { env, containers: [] };
  new ProjectIamMember(scope, 'CloudTraceAgent', {
    project: target.project,
    role: 'roles/cloudtrace.agent',
    member: target.member,
  });
  return {
    env,
    containers: [
      {
        name: 'otel-collector',
        image: collectorImage,
        ...(tracing.collectorArgs && { args: [...tracing.collectorArgs] }),
        resources: { limits: { cpu: '1', memory: '256Mi' } },
      },
    ],
  };
}
