import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib/core';
import { type SageMakerGpuEndpointBase, VARIANT_NAME } from './sagemaker-gpu-endpoint-base.js';
import type {
  AsyncInferenceOptions,
  EndpointAlarmOptions,
  EndpointAutoScalingOptions,
  ScaleToZeroOptions,
} from './sagemaker-gpu-endpoint-props.js';

// Autoscaling and alarms of a SageMakerGpuEndpoint. Every resource is added under the endpoint itself, so the
// construct ids (ScalableTarget, TargetTracking, ScaleOutFromZero, NoCapacityAlarm, ...) stay the endpoint's.

/** Real-time variant scaling on in-flight requests (or invocations) per instance. */
export function scaleRealtime(
  endpoint: SageMakerGpuEndpointBase,
  cfnEndpoint: sagemaker.CfnEndpoint,
  options: EndpointAutoScalingOptions,
): appscaling.ScalableTarget {
  const target = variantTarget(endpoint, cfnEndpoint, options.minCapacity ?? 1, options.maxCapacity);
  const goal = options.target ?? { concurrentRequestsPerModel: 8 };
  target.scaleToTrackMetric('TargetTracking', {
    ...('invocationsPerInstance' in goal
      ? {
          predefinedMetric: appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
          targetValue: goal.invocationsPerInstance,
        }
      : {
          predefinedMetric:
            appscaling.PredefinedMetric.SAGEMAKER_VARIANT_CONCURRENT_REQUESTS_PER_MODEL_HIGH_RESOLUTION,
          targetValue: goal.concurrentRequestsPerModel,
        }),
    scaleInCooldown: options.scaleInCooldown ?? Duration.minutes(15),
    scaleOutCooldown: options.scaleOutCooldown ?? Duration.minutes(5),
  });
  return target;
}

/** Copies of an inference component, from zero to `maxCopies`. */
export function scaleInferenceComponent(
  endpoint: SageMakerGpuEndpointBase,
  component: sagemaker.CfnInferenceComponent,
  icName: string,
  options: ScaleToZeroOptions,
): appscaling.ScalableTarget {
  const target = new appscaling.ScalableTarget(endpoint, 'ScalableTarget', {
    role: scalingRole(endpoint),
    serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
    resourceId: `inference-component/${icName}`,
    scalableDimension: 'sagemaker:inference-component:DesiredCopyCount',
    minCapacity: 0,
    maxCapacity: options.maxCopies ?? 1,
  });
  target.node.addDependency(component);
  target.scaleToTrackMetric('TargetTracking', {
    predefinedMetric:
      appscaling.PredefinedMetric.SAGEMAKER_INFERENCE_COMPONENT_CONCURRENT_REQUESTS_PER_COPY_HIGH_RESOLUTION,
    targetValue: options.targetConcurrentRequestsPerCopy ?? 8,
    scaleInCooldown: options.scaleInCooldown ?? Duration.minutes(15),
    scaleOutCooldown: options.scaleOutCooldown ?? Duration.minutes(5),
  });
  // Target tracking never scales out from zero copies: a request that finds no copy raises
  // NoCapacityInvocationFailures, and this step policy adds the first copy.
  scaleOutFromZero(
    endpoint,
    target,
    new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName: 'NoCapacityInvocationFailures',
      dimensionsMap: { InferenceComponentName: icName },
      statistic: 'Maximum',
      period: Duration.minutes(1),
    }),
    options.scaleOutCooldown ?? Duration.minutes(5),
  );
  return target;
}

/** Asynchronous endpoint scaling on the queue backlog, from zero instances. */
export function scaleAsync(
  endpoint: SageMakerGpuEndpointBase,
  cfnEndpoint: sagemaker.CfnEndpoint,
  options: AsyncInferenceOptions,
): appscaling.ScalableTarget {
  const scaling = options.scaling ?? { maxCapacity: 1 };
  const target = variantTarget(endpoint, cfnEndpoint, scaling.minCapacity ?? 0, scaling.maxCapacity);
  target.scaleToTrackMetric('BacklogTracking', {
    customMetric: new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName: 'ApproximateBacklogSizePerInstance',
      dimensionsMap: { EndpointName: endpoint.endpointName },
      statistic: 'Average',
      period: Duration.minutes(1),
    }),
    targetValue: scaling.targetBacklogPerInstance ?? 5,
    scaleInCooldown: scaling.scaleInCooldown ?? Duration.minutes(15),
    scaleOutCooldown: scaling.scaleOutCooldown ?? Duration.minutes(5),
  });
  // At zero instances the per-instance backlog is undefined; HasBacklogWithoutCapacity starts the first one.
  scaleOutFromZero(
    endpoint,
    target,
    new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName: 'HasBacklogWithoutCapacity',
      dimensionsMap: { EndpointName: endpoint.endpointName },
      statistic: 'Average',
      period: Duration.minutes(1),
    }),
    scaling.scaleOutCooldown ?? Duration.minutes(5),
  );
  return target;
}

/** The 5xx alarm (unless disabled) and the optional p90 latency alarm, each with the given actions. */
export function createEndpointAlarms(
  endpoint: SageMakerGpuEndpointBase,
  options: EndpointAlarmOptions,
): cloudwatch.Alarm[] {
  if (options.enabled === false) return [];
  const alarms = [
    new cloudwatch.Alarm(endpoint, 'Invocation5xxAlarm', {
      metric: endpoint.metricInvocation5xxErrors({ period: Duration.minutes(5) }),
      threshold: options.invocation5xxErrors ?? 5,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `SageMaker endpoint ${endpoint.endpointName} returned 5xx errors`,
    }),
  ];
  if (options.modelLatencyP90) {
    alarms.push(
      new cloudwatch.Alarm(endpoint, 'ModelLatencyAlarm', {
        metric: endpoint.metricModelLatency({ statistic: 'p90', period: Duration.minutes(5) }),
        // ModelLatency is in microseconds.
        threshold: options.modelLatencyP90.toMilliseconds() * 1000,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `SageMaker endpoint ${endpoint.endpointName} p90 model latency is high`,
      }),
    );
  }
  for (const alarm of alarms) for (const action of options.actions ?? []) alarm.addAlarmAction(action);
  return alarms;
}

/**
 * Application Auto Scaling acts on SageMaker through its service-linked role (created on first use); CDK's
 * default would be an extra role without permissions that the service ignores.
 */
function scalingRole(endpoint: SageMakerGpuEndpointBase): iam.IRole {
  const existing = endpoint.node.tryFindChild('ScalingServiceLinkedRole') as iam.IRole | undefined;
  return (
    existing ??
    iam.Role.fromRoleArn(
      endpoint,
      'ScalingServiceLinkedRole',
      Stack.of(endpoint).formatArn({
        service: 'iam',
        region: '',
        resource: 'role',
        resourceName:
          'aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
      { mutable: false },
    )
  );
}

function variantTarget(
  endpoint: SageMakerGpuEndpointBase,
  cfnEndpoint: sagemaker.CfnEndpoint,
  minCapacity: number,
  maxCapacity: number,
): appscaling.ScalableTarget {
  const target = new appscaling.ScalableTarget(endpoint, 'ScalableTarget', {
    role: scalingRole(endpoint),
    serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
    resourceId: `endpoint/${cfnEndpoint.attrEndpointName}/variant/${VARIANT_NAME}`,
    scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
    minCapacity,
    maxCapacity,
  });
  target.node.addDependency(cfnEndpoint);
  return target;
}

function scaleOutFromZero(
  endpoint: SageMakerGpuEndpointBase,
  target: appscaling.ScalableTarget,
  metric: cloudwatch.Metric,
  cooldown: Duration,
): void {
  const action = new appscaling.StepScalingAction(endpoint, 'ScaleOutFromZero', {
    scalingTarget: target,
    adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
    metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
    cooldown,
  });
  action.addAdjustment({ adjustment: 1, lowerBound: 0 });
  const alarm = new cloudwatch.Alarm(endpoint, 'NoCapacityAlarm', {
    metric,
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: `Requests to ${endpoint.endpointName} found no capacity: scale out from zero`,
  });
  alarm.addAlarmAction(new cwActions.ApplicationScalingAction(action));
}
