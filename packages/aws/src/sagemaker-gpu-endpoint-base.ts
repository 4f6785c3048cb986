import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ArnFormat, Duration, type IResource, Resource, Stack, Token } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';

// The interface and the base class every SageMaker endpoint shares, created (SageMakerGpuEndpoint) or imported
// (SageMakerGpuEndpoint.fromEndpointName): grants and metrics live here so that imports have them too.

/** Name of the single production variant. */
export const VARIANT_NAME = 'AllTraffic';

/** A SageMaker endpoint, created here or imported. */
export interface ISageMakerGpuEndpoint extends IResource {
  readonly endpointName: string;
  readonly endpointArn: string;
  /** Lets the grantee call InvokeEndpoint, InvokeEndpointWithResponseStream and InvokeEndpointAsync. */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;
  /** Any AWS/SageMaker metric of the variant. */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Requests (Sum). */
  metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Time the container took, in microseconds (Average). */
  metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Time SageMaker added, in microseconds (Average). */
  metricOverheadLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** 4xx answers (Sum), including ModelError (424). */
  metricInvocation4xxErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** 5xx answers (Sum). */
  metricInvocation5xxErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** 4xx + 5xx answers. */
  metricInvocationErrors(props?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric;
  /** In-flight requests per model (high resolution). */
  metricConcurrentRequestsPerModel(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** GPU utilization of the instances, percent (Average; namespace /aws/sagemaker/Endpoints). */
  metricGpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** GPU memory utilization, percent (Average; namespace /aws/sagemaker/Endpoints). */
  metricGpuMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/** What grants and metrics need of an endpoint; the construct and its imports extend it. */
export abstract class SageMakerGpuEndpointBase extends Resource implements ISageMakerGpuEndpoint {
  abstract readonly endpointName: string;
  abstract readonly endpointArn: string;

  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'sagemaker:InvokeEndpoint',
        'sagemaker:InvokeEndpointWithResponseStream',
        'sagemaker:InvokeEndpointAsync',
      ],
      resourceArns: [this.endpointArn, ...this.invokeComponentArns()],
    });
  }

  /** Inference components invoked through the endpoint (InvokeEndpoint with InferenceComponentName). */
  protected invokeComponentArns(): string[] {
    return [];
  }

  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: VARIANT_NAME },
      ...props,
    }).attachTo(this);
  }

  metricInvocations(props?: cloudwatch.MetricOptions) {
    return this.metric('Invocations', { statistic: 'Sum', ...props });
  }
  metricModelLatency(props?: cloudwatch.MetricOptions) {
    return this.metric('ModelLatency', { statistic: 'Average', ...props });
  }
  metricOverheadLatency(props?: cloudwatch.MetricOptions) {
    return this.metric('OverheadLatency', { statistic: 'Average', ...props });
  }
  metricInvocation4xxErrors(props?: cloudwatch.MetricOptions) {
    return this.metric('Invocation4XXErrors', { statistic: 'Sum', ...props });
  }
  metricInvocation5xxErrors(props?: cloudwatch.MetricOptions) {
    return this.metric('Invocation5XXErrors', { statistic: 'Sum', ...props });
  }
  metricInvocationErrors(props?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric {
    return new cloudwatch.MathExpression({
      expression: 'e4 + e5',
      usingMetrics: { e4: this.metricInvocation4xxErrors(), e5: this.metricInvocation5xxErrors() },
      label: 'Invocation errors (4xx + 5xx)',
      period: Duration.minutes(5),
      ...props,
    });
  }
  metricConcurrentRequestsPerModel(props?: cloudwatch.MetricOptions) {
    return this.metric('ConcurrentRequestsPerModel', { statistic: 'Maximum', ...props });
  }
  metricGpuUtilization(props?: cloudwatch.MetricOptions) {
    return this.instanceMetric('GPUUtilization', props);
  }
  metricGpuMemoryUtilization(props?: cloudwatch.MetricOptions) {
    return this.instanceMetric('GPUMemoryUtilization', props);
  }
  /** Instance metrics live in their own namespace. */
  private instanceMetric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: '/aws/sagemaker/Endpoints',
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: VARIANT_NAME },
      statistic: 'Average',
      ...props,
    }).attachTo(this);
  }
}

/** ARN of an endpoint: SageMaker lower-cases endpoint names in ARNs. */
export function endpointArnFor(scope: Construct, endpointName: string, region?: string): string {
  return Stack.of(scope).formatArn({
    service: 'sagemaker',
    ...(region ? { region } : {}),
    resource: 'endpoint',
    resourceName: Token.isUnresolved(endpointName) ? endpointName : endpointName.toLowerCase(),
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/**
 * ARN of an inference component by name. InvokeEndpoint with an InferenceComponentName is authorized on the
 * endpoint and on the inference component.
 */
export function inferenceComponentArnFor(scope: Construct, componentName: string, region?: string): string {
  return Stack.of(scope).formatArn({
    service: 'sagemaker',
    ...(region ? { region } : {}),
    resource: 'inference-component',
    resourceName: componentName,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}
