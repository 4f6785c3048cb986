import { FRONT_ENV } from '@genai-deploy/config';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Token } from 'aws-cdk-lib/core';
import type { IConstruct } from 'constructs';
import { errors } from './errors.js';
import type { WildcardAllowance } from './nag.js';

/** How the LambdaFront is traced: X-Ray active tracing, the ADOT layer, or the front's own OTLP exporter. */
export interface LambdaFrontTracing {
  /**
   * X-Ray active tracing (`lambda.Tracing.ACTIVE`): Lambda samples invocations, records its own segments and
   * the role may write to X-Ray (xray:PutTraceSegments, xray:PutTelemetryRecords).
   * @default true
   */
  readonly xray?: boolean;
  /**
   * The AWS Distro for OpenTelemetry Lambda layer for JavaScript, e.g.
   * `lambda.AdotLambdaLayerJavaScriptSdkVersion.LATEST` (aws-cdk-lib resolves the layer ARN of the stack's region
   * and architecture). Its wrapper (AWS_LAMBDA_EXEC_WRAPPER=/opt/otel-handler) registers its SDK before the front
   * loads: the front starts none, its server span and the client's GenAI spans go to the layer, which exports to
   * X-Ray. Configure the layer with its own OTEL_* variables through `environment`.
   * @default - no layer
   */
  readonly adotLayer?: lambda.AdotLambdaLayerJavaScriptSdkVersion;
  /**
   * OTLP/HTTP base URL of your collector (OTEL_EXPORTER_OTLP_ENDPOINT): the front starts its own OpenTelemetry
   * SDK and exports there, flushing at the end of each invocation. Headers (OTEL_EXPORTER_OTLP_HEADERS) carry
   * credentials: pass them through your secret handling, not here.
   * @default - none
   */
  readonly otlpEndpoint?: string;
  /** The traces' service.name (OTEL_SERVICE_NAME). @default 'genai-front' */
  readonly serviceName?: string;
}

/** What LambdaFront adds to its function for `tracing`. */
export interface LambdaTracingSetup {
  readonly functionProps: Pick<lambda.FunctionProps, 'tracing' | 'adotInstrumentation'>;
  readonly environment: Record<string, string>;
  readonly wildcards: WildcardAllowance[];
}

/** Validates `tracing` and maps it to function props, environment and the wildcard X-Ray needs. */
export function lambdaTracing(
  scope: IConstruct,
  tracing: LambdaFrontTracing | undefined,
): LambdaTracingSetup {
  if (!tracing) return { functionProps: {}, environment: {}, wildcards: [] };
  const xray = tracing.xray ?? true;
  const { adotLayer, otlpEndpoint } = tracing;
  if (!xray && !adotLayer && otlpEndpoint === undefined) throw errors.tracingOff(scope);
  if (adotLayer && otlpEndpoint !== undefined) throw errors.tracingTwoExporters(scope);
  if (
    otlpEndpoint !== undefined &&
    !Token.isUnresolved(otlpEndpoint) &&
    !/^https?:\/\/[^/\s]+/.test(otlpEndpoint)
  ) {
    throw errors.tracingEndpoint(scope, otlpEndpoint);
  }
  const environment: Record<string, string> = {};
  if (otlpEndpoint !== undefined) environment[FRONT_ENV.otelEndpoint.name] = otlpEndpoint;
  if (adotLayer || otlpEndpoint !== undefined) {
    environment[FRONT_ENV.otelServiceName.name] = tracing.serviceName ?? 'genai-front';
  }
  return {
    functionProps: {
      ...(xray ? { tracing: lambda.Tracing.ACTIVE } : {}),
      ...(adotLayer
        ? {
            adotInstrumentation: {
              layerVersion: lambda.AdotLayerVersion.fromJavaScriptSdkLayerVersion(adotLayer),
              execWrapper: lambda.AdotLambdaExecWrapper.REGULAR_HANDLER,
            },
          }
        : {}),
    },
    environment,
    wildcards: xray
      ? [
          {
            finding: /^Resource::\*$/,
            reason:
              'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords accept no resource ARN',
          },
        ]
      : [],
  };
}
