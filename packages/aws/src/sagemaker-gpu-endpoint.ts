import { ArnFormat, Duration, type IResource, Names, Resource, Stack, Token } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { type ContainerFamily, GpuContainerImage } from './container-image.js';
import { errors } from './errors.js';
import {
  GPU_INSTANCES,
  type GpuInstanceSpec,
  gpuInstance,
  WEIGHTS_MEMORY_FRACTION,
} from './gpu-instances.js';
import type { ModelSource } from './model-source.js';
import { acknowledgeWildcards, escapeRegExp, type WildcardAllowance } from './nag.js';

/** Name of the single production variant. */
export const VARIANT_NAME = 'AllTraffic';

/** Quantization methods, passed to the containers that support them. */
export type Quantization =
  | 'awq'
  | 'gptq'
  | 'marlin'
  | 'exl2'
  | 'fp8'
  | 'eetq'
  | 'bitsandbytes'
  | 'bitsandbytes-nf4'
  | 'bitsandbytes-fp4';

const SUPPORTED_QUANTIZATION: Record<ContainerFamily, readonly Quantization[]> = {
  tgi: [
    'awq',
    'gptq',
    'marlin',
    'exl2',
    'fp8',
    'eetq',
    'bitsandbytes',
    'bitsandbytes-nf4',
    'bitsandbytes-fp4',
  ],
  lmi: ['awq', 'gptq', 'fp8'],
  custom: [],
};

/** Methods that quantize full-precision weights at load time: they shrink the declared (16-bit) size. */
const ON_THE_FLY_FACTOR: Partial<Record<Quantization, number>> = {
  fp8: 0.5,
  eetq: 0.5,
  bitsandbytes: 0.5,
  'bitsandbytes-nf4': 0.25,
  'bitsandbytes-fp4': 0.25,
};

const ENDPOINT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** Real-time autoscaling on a metric SageMaker publishes for real-time variants. */
export interface EndpointAutoScalingOptions {
  /** @default 1 */
  readonly minCapacity?: number;
  readonly maxCapacity: number;
  /**
   * Target of the tracking policy. `concurrentRequestsPerModel` tracks
   * SageMakerVariantConcurrentRequestsPerModelHighResolution (in-flight requests, published every 10 s: the
   * right signal for long LLM generations); `invocationsPerInstance` tracks SageMakerVariantInvocationsPerInstance
   * (requests per minute).
   * @default { concurrentRequestsPerModel: 8 }
   */
  readonly target?:
    | { readonly concurrentRequestsPerModel: number }
    | { readonly invocationsPerInstance: number };
  /** Wait after a scale-in before the next one (GPU instances take minutes to come back). @default Duration.minutes(15) */
  readonly scaleInCooldown?: Duration;
  /** Wait after a scale-out before the next one. @default Duration.minutes(5) */
  readonly scaleOutCooldown?: Duration;
}

/**
 * Scale to zero through inference components. Caveats: a component cannot be created with 0 copies, so the
 * endpoint starts with one copy (and one instance); when it is at zero, the first request fails with a
 * NoCapacityInvocationFailures error and provisioning an instance and loading the model takes minutes; callers
 * need a fallback (the front routes to the next target).
 */
export interface ScaleToZeroOptions {
  /** Most copies (one copy takes numGpus GPUs). @default 1 */
  readonly maxCopies?: number;
  /** Most instances the managed instance scaling may launch. @default maxCopies */
  readonly maxInstances?: number;
  /** In-flight requests per copy that the tracking policy keeps. @default 8 */
  readonly targetConcurrentRequestsPerCopy?: number;
  /** Host memory one copy reserves, in MiB. @default 1024 */
  readonly minMemoryRequiredMb?: number;
  /** Idle time before scaling in (the tracking policy's scale-in cooldown). @default Duration.minutes(15) */
  readonly scaleInCooldown?: Duration;
  /** Wait after a scale-out before the next one. @default Duration.minutes(5) */
  readonly scaleOutCooldown?: Duration;
}

/** Asynchronous inference: requests and answers go through S3, the queue lets the endpoint scale to zero. */
export interface AsyncInferenceOptions {
  /** Bucket for answers and failures (and where callers put inputs). */
  readonly bucket: s3.IBucket;
  /** @default 'async/output/' */
  readonly outputPrefix?: string;
  /** @default 'async/failure/' */
  readonly failurePrefix?: string;
  /** Prefix callers upload inputs under; the execution role may read it. @default 'async/input/' */
  readonly inputPrefix?: string;
  /** Topic told of each success. @default - none */
  readonly successTopic?: sns.ITopic;
  /** Topic told of each failure. @default - none */
  readonly errorTopic?: sns.ITopic;
  /** KMS key for the outputs. @default - the bucket's encryption */
  readonly encryptionKey?: kms.IKey;
  /** Requests one instance works on at a time. @default - chosen by SageMaker */
  readonly maxConcurrentInvocationsPerInstance?: number;
  /** Backlog-based scaling. @default { minCapacity: 0, maxCapacity: 1, targetBacklogPerInstance: 5 } */
  readonly scaling?: {
    /** @default 0 */
    readonly minCapacity?: number;
    readonly maxCapacity: number;
    /** Queued requests per instance (ApproximateBacklogSizePerInstance) the policy keeps. @default 5 */
    readonly targetBacklogPerInstance?: number;
    /** @default Duration.minutes(15) */
    readonly scaleInCooldown?: Duration;
    /** @default Duration.minutes(5) */
    readonly scaleOutCooldown?: Duration;
  };
}

/** Capture of requests and answers to S3 (prompts included: off unless set). Streamed answers are not captured. */
export interface DataCaptureOptions {
  readonly bucket: s3.IBucket;
  /** @default 'data-capture/' */
  readonly prefix?: string;
  /** @default 100 */
  readonly samplingPercentage?: number;
  /** @default - the bucket's encryption */
  readonly encryptionKey?: kms.IKey;
}

/** Alarms created with the endpoint. */
export interface EndpointAlarmOptions {
  /** @default true */
  readonly enabled?: boolean;
  /** 5xx errors in 5 minutes that raise the alarm. @default 5 */
  readonly invocation5xxErrors?: number;
  /** p90 model latency that raises the alarm. @default - no latency alarm */
  readonly modelLatencyP90?: Duration;
  /** Actions (e.g. an SNS topic action) for every alarm. @default - none */
  readonly actions?: cloudwatch.IAlarmAction[];
}

export interface SageMakerGpuEndpointProps {
  /** SageMaker hosting instance type, e.g. `ml.g5.2xlarge`. */
  readonly instanceType: string;
  /** The weights: `ModelSource.huggingFace(id)` or `ModelSource.fromBucket(bucket, prefix)`. */
  readonly model: ModelSource;
  /** Serving container. @default GpuContainerImage.tgi() */
  readonly container?: GpuContainerImage;
  /** Endpoint name (also the `sagemaker/<name>` model address of the front). @default - derived from the construct path */
  readonly endpointName?: string;
  /** GPU facts for an instance type missing from the catalog. @default - from the catalog */
  readonly gpu?: {
    readonly count: number;
    readonly memoryGib: number;
    readonly nvme: boolean;
    readonly fp8?: boolean;
  };
  /** GPUs the model is sharded over (tensor-parallel degree). @default - every GPU of the instance */
  readonly numGpus?: number;
  /**
   * Size of the checkpoint's weights in GiB, checked against GPU memory at synth. With an on-the-fly method
   * (fp8, eetq, bitsandbytes*) give the 16-bit size; with pre-quantized weights (awq, gptq) their own size.
   * @default - not checked
   */
  readonly modelSizeGib?: number;
  /** Quantization passed to the container (HF_MODEL_QUANTIZE for TGI, OPTION_QUANTIZE for LMI). @default - none */
  readonly quantization?: Quantization;
  /** Longest prompt in tokens (MAX_INPUT_TOKENS / none for LMI). @default - container default */
  readonly maxInputTokens?: number;
  /** Longest prompt + answer in tokens (MAX_TOTAL_TOKENS / OPTION_MAX_MODEL_LEN). @default - container default */
  readonly maxTotalTokens?: number;
  /** Hugging Face token for gated models, passed as HF_TOKEN by dynamic reference (never in the template). @default - none */
  readonly hfTokenSecret?: secretsmanager.ISecret;
  /** Extra container environment (wins over the construct's). @default - none */
  readonly environment?: Record<string, string>;
  /** Instances when there is no autoscaling. @default 1 */
  readonly instanceCount?: number;
  /** Time for the container to load the model and answer /ping. @default Duration.minutes(20) */
  readonly startupHealthCheckTimeout?: Duration;
  /** Time to copy S3 artifacts to the instance. @default Duration.minutes(20) */
  readonly modelDataDownloadTimeout?: Duration;
  /** EBS volume in GiB (EBS-backed instances only; NVMe families reject it). @default - SageMaker default */
  readonly volumeSizeGb?: number;
  /** KMS key for the instance's EBS volume (EBS-backed instances only). @default - AWS-managed encryption */
  readonly encryptionKey?: kms.IKey;
  /** VPC for the model's network interfaces. @default - no VPC (SageMaker-managed network) */
  readonly vpc?: ec2.IVpc;
  /** @default - private subnets with egress when the model comes from the Hub, else private isolated if any */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @default - a new security group with egress only */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /** Run the container without network access. @default true for S3 models, false for Hub models */
  readonly networkIsolation?: boolean;
  /** Execution role. @default - a new least-privilege role */
  readonly role?: iam.IRole;
  /** @default - no capture */
  readonly dataCapture?: DataCaptureOptions;
  /** @default - fixed instanceCount */
  readonly autoScaling?: EndpointAutoScalingOptions;
  /** Host the model as an inference component that can scale to zero copies. @default - a plain variant */
  readonly scaleToZero?: ScaleToZeroOptions;
  /** @default - a real-time endpoint */
  readonly asyncInference?: AsyncInferenceOptions;
  /** @default - a 5xx alarm */
  readonly alarms?: EndpointAlarmOptions;
}

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

abstract class SageMakerGpuEndpointBase extends Resource implements ISageMakerGpuEndpoint {
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

/**
 * A GPU model endpoint on SageMaker: the Model, EndpointConfig and Endpoint (and, when asked, an inference
 * component, autoscaling and alarms) are created inside this construct, with a least-privilege execution role.
 */
export class SageMakerGpuEndpoint extends SageMakerGpuEndpointBase {
  /** Imports an endpoint by name; grants and metrics work on it. */
  static fromEndpointName(scope: Construct, id: string, endpointName: string): ISageMakerGpuEndpoint {
    class Import extends SageMakerGpuEndpointBase {
      readonly endpointName = endpointName;
      readonly endpointArn = endpointArnFor(scope, endpointName);
    }
    return new Import(scope, id);
  }

  readonly endpointName: string;
  readonly endpointArn: string;
  /** Execution role of the model. */
  readonly role: iam.IRole;
  /** The instance's GPU facts used for validation and the container's GPU count. */
  readonly instance: GpuInstanceSpec;
  /** GPUs the model uses. */
  readonly numGpus: number;
  /** Container family (decides the model's payload format). */
  readonly containerFamily: ContainerFamily;
  /** Whether requests go through S3 (InvokeEndpointAsync). */
  readonly isAsync: boolean;
  /** Inference component name, when the model is hosted as one. */
  readonly inferenceComponentName?: string;
  /** Alarms created with the endpoint. */
  readonly alarms: cloudwatch.Alarm[] = [];
  /** Scalable target, when autoscaling is on. */
  readonly scalableTarget?: appscaling.ScalableTarget;
  /** Network access of the model's interfaces, when it runs in a VPC. */
  readonly connections?: ec2.Connections;

  readonly cfnModel: sagemaker.CfnModel;
  readonly cfnEndpointConfig: sagemaker.CfnEndpointConfig;
  readonly cfnEndpoint: sagemaker.CfnEndpoint;
  readonly cfnInferenceComponent?: sagemaker.CfnInferenceComponent;

  constructor(scope: Construct, id: string, props: SageMakerGpuEndpointProps) {
    super(scope, id);

    const instanceType = props.instanceType;
    if (!instanceType.startsWith('ml.')) throw errors.notAnMlInstance(this, instanceType);
    const instance = this.resolveInstance(instanceType, props);
    this.instance = instance;
    const container = props.container ?? GpuContainerImage.tgi();
    this.containerFamily = container.family;
    this.numGpus = props.numGpus ?? instance.gpuCount;
    this.isAsync = props.asyncInference !== undefined;
    this.validate(props, instance, container.family);

    const endpointName =
      props.endpointName ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' }).toLowerCase();
    if (!Token.isUnresolved(endpointName) && !ENDPOINT_NAME.test(endpointName)) {
      throw errors.invalidName(this, 'endpointName', endpointName, ENDPOINT_NAME.source, 63);
    }
    this.endpointName = endpointName;
    this.endpointArn = endpointArnFor(this, endpointName);

    const role =
      props.role ??
      new iam.Role(this, 'ExecutionRole', {
        assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
        description: `Execution role of SageMaker endpoint ${endpointName}`,
      });
    this.role = role;
    this.grantLogsAndMetrics(role, endpointName);

    const image = container.bind(this, role);
    const source = props.model.bind(this, role);
    if (source.readPrefix) this.allowPrefix(source.readPrefix, 'model artifacts are read');
    const networkIsolation =
      props.networkIsolation ?? (source.supportsNetworkIsolation && !props.hfTokenSecret);
    if (networkIsolation && source.fromHub) throw errors.isolationNeedsS3(this);

    const environment = this.containerEnvironment(props, container.family, source.modelId);

    let vpcConfig: sagemaker.CfnModel.VpcConfigProperty | undefined;
    if (props.vpc) {
      const securityGroups = props.securityGroups ?? [
        new ec2.SecurityGroup(this, 'SecurityGroup', {
          vpc: props.vpc,
          description: `SageMaker endpoint ${endpointName} (egress only)`,
          allowAllOutbound: true,
        }),
      ];
      this.connections = new ec2.Connections({ securityGroups });
      const subnets = props.vpc.selectSubnets(
        props.vpcSubnets ??
          (source.fromHub || props.vpc.isolatedSubnets.length === 0
            ? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }
            : { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }),
      );
      vpcConfig = {
        securityGroupIds: securityGroups.map((s) => s.securityGroupId),
        subnets: subnets.subnetIds,
      };
      this.grantVpcAccess(role, props.vpc, subnets.subnetIds, securityGroups);
    }

    this.cfnModel = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: role.roleArn,
      enableNetworkIsolation: networkIsolation,
      primaryContainer: {
        image: image.imageUri,
        environment,
        ...(source.modelDataUrl ? { modelDataUrl: source.modelDataUrl } : {}),
        ...(source.s3Prefix
          ? {
              modelDataSource: {
                s3DataSource: { s3Uri: source.s3Prefix, s3DataType: 'S3Prefix', compressionType: 'None' },
              },
            }
          : {}),
      },
      ...(vpcConfig ? { vpcConfig } : {}),
    });
    // SageMaker checks the role's permissions when it creates the model: the policy must exist first.
    this.cfnModel.node.addDependency(role);

    const startupSeconds = (props.startupHealthCheckTimeout ?? Duration.minutes(20)).toSeconds();
    const downloadSeconds = (props.modelDataDownloadTimeout ?? Duration.minutes(20)).toSeconds();
    const icMode = props.scaleToZero !== undefined;
    const maxCopies = props.scaleToZero?.maxCopies ?? 1;

    const variant: sagemaker.CfnEndpointConfig.ProductionVariantProperty = icMode
      ? {
          variantName: VARIANT_NAME,
          instanceType,
          initialInstanceCount: 1,
          managedInstanceScaling: {
            status: 'ENABLED',
            minInstanceCount: 0,
            maxInstanceCount: props.scaleToZero?.maxInstances ?? maxCopies,
          },
          routingConfig: { routingStrategy: 'LEAST_OUTSTANDING_REQUESTS' },
          ...(props.volumeSizeGb !== undefined ? { volumeSizeInGb: props.volumeSizeGb } : {}),
        }
      : {
          variantName: VARIANT_NAME,
          modelName: this.cfnModel.attrModelName,
          instanceType,
          initialInstanceCount: this.initialInstanceCount(props),
          initialVariantWeight: 1,
          containerStartupHealthCheckTimeoutInSeconds: startupSeconds,
          modelDataDownloadTimeoutInSeconds: downloadSeconds,
          ...(this.isAsync ? {} : { routingConfig: { routingStrategy: 'LEAST_OUTSTANDING_REQUESTS' } }),
          ...(props.volumeSizeGb !== undefined ? { volumeSizeInGb: props.volumeSizeGb } : {}),
        };

    this.cfnEndpointConfig = new sagemaker.CfnEndpointConfig(this, 'EndpointConfig', {
      productionVariants: [variant],
      ...(icMode ? { executionRoleArn: role.roleArn } : {}),
      ...(props.encryptionKey ? { kmsKeyId: props.encryptionKey.keyArn } : {}),
      ...(props.dataCapture ? { dataCaptureConfig: this.dataCaptureConfig(props.dataCapture, role) } : {}),
      ...(props.asyncInference
        ? { asyncInferenceConfig: this.asyncConfig(props.asyncInference, role, endpointName) }
        : {}),
    });
    if (props.encryptionKey)
      props.encryptionKey.grant(role, 'kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant');
    this.cfnEndpointConfig.node.addDependency(role);

    this.cfnEndpoint = new sagemaker.CfnEndpoint(this, 'Resource', {
      endpointName,
      endpointConfigName: this.cfnEndpointConfig.attrEndpointConfigName,
    });

    if (icMode && props.scaleToZero) {
      const icName = `${endpointName.slice(0, 55)}-ic`;
      this.inferenceComponentName = icName;
      this.cfnInferenceComponent = new sagemaker.CfnInferenceComponent(this, 'InferenceComponent', {
        inferenceComponentName: icName,
        endpointName: this.cfnEndpoint.attrEndpointName,
        variantName: VARIANT_NAME,
        specification: {
          modelName: this.cfnModel.attrModelName,
          startupParameters: {
            containerStartupHealthCheckTimeoutInSeconds: startupSeconds,
            modelDataDownloadTimeoutInSeconds: downloadSeconds,
          },
          computeResourceRequirements: {
            numberOfAcceleratorDevicesRequired: this.numGpus,
            minMemoryRequiredInMb: props.scaleToZero.minMemoryRequiredMb ?? 1024,
          },
        },
        // A component cannot be created with zero copies; autoscaling takes it to zero when idle.
        runtimeConfig: { copyCount: 1 },
      });
      this.scalableTarget = this.scaleInferenceComponent(icName, props.scaleToZero);
    } else if (props.asyncInference) {
      this.scalableTarget = this.scaleAsync(props.asyncInference);
    } else if (props.autoScaling) {
      this.scalableTarget = this.scaleRealtime(props.autoScaling);
    }

    this.createAlarms(props.alarms ?? {});
    this.wildcards.push({
      finding: /^Action::kms:(ReEncrypt|GenerateDataKey)\*$/,
      reason:
        'KMS data-key actions (GenerateDataKey*, ReEncrypt*) on the one customer key given to this endpoint',
    });
    acknowledgeWildcards(this, this.wildcards);
  }

  /** Wildcards this construct's policies need, acknowledged for cdk-nag with their reasons. */
  private readonly wildcards: WildcardAllowance[] = [
    {
      finding: /^Resource::\*$/,
      reason:
        'ecr:GetAuthorizationToken, ec2:Describe* and cloudwatch:PutMetricData have no resource-level permissions; ' +
        'PutMetricData is limited to the SageMaker namespaces by a cloudwatch:namespace condition',
    },
    {
      finding: /:log-group:\/aws\/sagemaker\/Endpoints\/[^*]+:log-stream:\*$/,
      reason:
        "log streams are created by SageMaker per instance; the role is limited to its endpoint's log group",
    },
  ];

  private allowPrefix(prefix: string, what: string): void {
    this.wildcards.push({
      finding: new RegExp(`^Resource::.*/${escapeRegExp(prefix)}\\*$`),
      reason: `${what}: objects under the exact prefix "${prefix}" only`,
    });
  }

  private resolveInstance(instanceType: string, props: SageMakerGpuEndpointProps): GpuInstanceSpec {
    if (props.gpu) {
      return {
        instanceType,
        gpu: 'custom',
        gpuCount: props.gpu.count,
        gpuMemoryGib: props.gpu.memoryGib,
        nvme: props.gpu.nvme,
        fp8: props.gpu.fp8 ?? false,
      };
    }
    const spec = gpuInstance(instanceType);
    if (!spec) throw errors.unknownInstanceType(this, instanceType, Object.keys(GPU_INSTANCES));
    return spec;
  }

  private validate(
    props: SageMakerGpuEndpointProps,
    instance: GpuInstanceSpec,
    family: ContainerFamily,
  ): void {
    const { instanceType } = instance;
    if (instance.nvme && props.volumeSizeGb !== undefined) {
      throw errors.nvmeVolumeSize(this, instanceType, props.volumeSizeGb);
    }
    if (instance.nvme && props.encryptionKey) throw errors.nvmeKmsKey(this, instanceType);
    if (props.volumeSizeGb !== undefined) {
      checkInt(this, 'volumeSizeGb', props.volumeSizeGb, 1, 512, 'SageMaker accepts 1..512 GiB.');
    }
    if (props.numGpus !== undefined) {
      if (!Number.isInteger(props.numGpus) || props.numGpus < 1 || props.numGpus > instance.gpuCount) {
        throw errors.tooManyGpus(this, props.numGpus, instanceType, instance.gpuCount);
      }
    }
    if (props.quantization) {
      if (!SUPPORTED_QUANTIZATION[family].includes(props.quantization)) {
        throw errors.quantizationUnsupported(
          this,
          props.quantization,
          family,
          SUPPORTED_QUANTIZATION[family],
        );
      }
      if (props.quantization === 'fp8' && !instance.fp8) throw errors.fp8NeedsHopperOrAda(this, instanceType);
    }
    if (props.modelSizeGib !== undefined) {
      const factor = (props.quantization && ON_THE_FLY_FACTOR[props.quantization]) ?? 1;
      const weights = props.modelSizeGib * factor;
      const gpus = props.numGpus ?? instance.gpuCount;
      const usable = gpus * instance.gpuMemoryGib * WEIGHTS_MEMORY_FRACTION;
      if (weights > usable) {
        throw errors.modelTooLarge(this, {
          modelSizeGib: weights,
          instanceType,
          gpus,
          usableGib: usable,
          ...(props.quantization && ON_THE_FLY_FACTOR[props.quantization]
            ? { quantization: props.quantization }
            : {}),
        });
      }
    }
    const startup = props.startupHealthCheckTimeout?.toSeconds();
    if (startup !== undefined) {
      checkInt(
        this,
        'startupHealthCheckTimeout (s)',
        startup,
        60,
        3600,
        'SageMaker accepts 60..3600 seconds.',
      );
    }
    const download = props.modelDataDownloadTimeout?.toSeconds();
    if (download !== undefined) {
      checkInt(
        this,
        'modelDataDownloadTimeout (s)',
        download,
        60,
        3600,
        'SageMaker accepts 60..3600 seconds.',
      );
    }
    if (props.scaleToZero && props.asyncInference)
      throw errors.conflictingModes(this, 'asyncInference', 'scaleToZero');
    if (props.autoScaling && props.asyncInference) {
      throw errors.conflictingModes(this, 'asyncInference', 'autoScaling (use asyncInference.scaling)');
    }
    if (props.autoScaling && props.scaleToZero)
      throw errors.conflictingModes(this, 'scaleToZero', 'autoScaling');
    if (props.autoScaling) {
      const min = props.autoScaling.minCapacity ?? 1;
      if (min === 0) throw errors.realtimeMinZero(this);
      checkInt(
        this,
        'autoScaling.maxCapacity',
        props.autoScaling.maxCapacity,
        1,
        100,
        'use 1..100 instances.',
      );
      if (min > props.autoScaling.maxCapacity) {
        throw errors.minAboveMax(this, 'autoScaling', min, props.autoScaling.maxCapacity);
      }
    }
    const asyncScaling = props.asyncInference?.scaling;
    if (asyncScaling) {
      checkInt(
        this,
        'asyncInference.scaling.maxCapacity',
        asyncScaling.maxCapacity,
        1,
        100,
        'use 1..100 instances.',
      );
      if ((asyncScaling.minCapacity ?? 0) > asyncScaling.maxCapacity) {
        throw errors.minAboveMax(
          this,
          'asyncInference.scaling',
          asyncScaling.minCapacity ?? 0,
          asyncScaling.maxCapacity,
        );
      }
    }
    if (props.scaleToZero?.maxCopies !== undefined) {
      checkInt(this, 'scaleToZero.maxCopies', props.scaleToZero.maxCopies, 1, 100, 'use 1..100 copies.');
    }
    if (props.instanceCount !== undefined) {
      checkInt(this, 'instanceCount', props.instanceCount, 1, 100, 'use 1..100 instances.');
    }
    for (const [name, value] of Object.entries(props.environment ?? {})) {
      if (/TOKEN|SECRET|PASSWORD|API_KEY/i.test(name) && !Token.isUnresolved(value) && value.length > 0) {
        throw errors.plaintextSecret(this, name);
      }
    }
  }

  private containerEnvironment(
    props: SageMakerGpuEndpointProps,
    family: ContainerFamily,
    modelId: string,
  ): Record<string, string> {
    const env: Record<string, string> = {};
    const gpus = String(this.numGpus);
    if (family === 'tgi') {
      env['HF_MODEL_ID'] = modelId;
      env['SM_NUM_GPUS'] = gpus;
      // The Messages API lets the endpoint take OpenAI-style chat payloads (the client's 'tgi' adapter).
      env['MESSAGES_API_ENABLED'] = 'true';
      if (props.model.revision) env['HF_MODEL_REVISION'] = props.model.revision;
      if (props.quantization) env['HF_MODEL_QUANTIZE'] = props.quantization;
      if (props.maxInputTokens) env['MAX_INPUT_TOKENS'] = String(props.maxInputTokens);
      if (props.maxTotalTokens) env['MAX_TOTAL_TOKENS'] = String(props.maxTotalTokens);
    } else if (family === 'lmi') {
      env['HF_MODEL_ID'] = modelId;
      env['OPTION_ROLLING_BATCH'] = 'vllm';
      env['TENSOR_PARALLEL_DEGREE'] = gpus;
      if (props.model.revision) env['OPTION_REVISION'] = props.model.revision;
      if (props.quantization) env['OPTION_QUANTIZE'] = props.quantization;
      if (props.maxTotalTokens) env['OPTION_MAX_MODEL_LEN'] = String(props.maxTotalTokens);
    } else {
      env['SM_NUM_GPUS'] = gpus;
    }
    if (props.hfTokenSecret) {
      // A dynamic reference: CloudFormation resolves it at deploy time, the template holds only the ARN.
      env['HF_TOKEN'] = props.hfTokenSecret.secretValue.unsafeUnwrap();
    }
    return { ...env, ...props.environment };
  }

  private initialInstanceCount(props: SageMakerGpuEndpointProps): number {
    if (props.autoScaling) return props.autoScaling.minCapacity ?? 1;
    if (props.asyncInference?.scaling) return Math.max(1, props.asyncInference.scaling.minCapacity ?? 0);
    return props.instanceCount ?? 1;
  }

  private grantLogsAndMetrics(role: iam.IRole, endpointName: string): void {
    const stack = Stack.of(this);
    const logGroup = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `/aws/sagemaker/Endpoints/${endpointName}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'logs:DescribeLogStreams',
        ],
        resources: [logGroup, `${logGroup}:log-stream:*`],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishEndpointMetrics',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*', 'AWS/SageMaker'] } },
      }),
    );
  }

  private grantVpcAccess(
    role: iam.IRole,
    vpc: ec2.IVpc,
    subnetIds: string[],
    securityGroups: ec2.ISecurityGroup[],
  ): void {
    const stack = Stack.of(this);
    const arn = (resource: string, name: string) =>
      stack.formatArn({
        service: 'ec2',
        resource,
        resourceName: name,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeNetwork',
        // Describe* calls have no resource-level permissions.
        actions: [
          'ec2:DescribeVpcs',
          'ec2:DescribeDhcpOptions',
          'ec2:DescribeSubnets',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeNetworkInterfaces',
        ],
        resources: ['*'],
      }),
    );
    this.wildcards.push({
      finding: /:network-interface\/\*$/,
      reason:
        'SageMaker creates the model ENIs at deploy time; the ec2:Vpc condition limits them to this VPC',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ManageModelEnis',
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:CreateNetworkInterfacePermission',
          'ec2:DeleteNetworkInterface',
          'ec2:DeleteNetworkInterfacePermission',
        ],
        resources: [
          arn('network-interface', '*'),
          ...subnetIds.map((s) => arn('subnet', s)),
          ...securityGroups.map((g) => arn('security-group', g.securityGroupId)),
        ],
        conditions: { StringEquals: { 'ec2:Vpc': arn('vpc', vpc.vpcId) } },
      }),
    );
  }

  private dataCaptureConfig(
    capture: DataCaptureOptions,
    role: iam.IRole,
  ): sagemaker.CfnEndpointConfig.DataCaptureConfigProperty {
    const prefix = capture.prefix ?? 'data-capture/';
    const sampling = capture.samplingPercentage ?? 100;
    checkInt(this, 'dataCapture.samplingPercentage', sampling, 1, 100, 'use 1..100.');
    grantPutPrefix(role, capture.bucket, prefix, 'WriteDataCapture');
    this.allowPrefix(prefix, 'data capture writes');
    capture.encryptionKey?.grantEncrypt(role);
    return {
      enableCapture: true,
      initialSamplingPercentage: sampling,
      destinationS3Uri: `s3://${capture.bucket.bucketName}/${prefix}`,
      captureOptions: [{ captureMode: 'Input' }, { captureMode: 'Output' }],
      captureContentTypeHeader: { jsonContentTypes: ['application/json'] },
      ...(capture.encryptionKey ? { kmsKeyId: capture.encryptionKey.keyArn } : {}),
    };
  }

  private asyncConfig(
    options: AsyncInferenceOptions,
    role: iam.IRole,
    _endpointName: string,
  ): sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty {
    const output = options.outputPrefix ?? 'async/output/';
    const failure = options.failurePrefix ?? 'async/failure/';
    const input = options.inputPrefix ?? 'async/input/';
    grantPutPrefix(role, options.bucket, output, 'WriteAsyncOutput');
    grantPutPrefix(role, options.bucket, failure, 'WriteAsyncFailure');
    this.allowPrefix(output, 'asynchronous answers are written');
    this.allowPrefix(failure, 'asynchronous failures are written');
    this.allowPrefix(input, 'asynchronous requests are read');
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadAsyncInput',
        actions: ['s3:GetObject'],
        resources: [options.bucket.arnForObjects(`${input}*`)],
      }),
    );
    options.bucket.encryptionKey?.grantEncryptDecrypt(role);
    options.encryptionKey?.grantEncryptDecrypt(role);
    options.successTopic?.grantPublish(role);
    options.errorTopic?.grantPublish(role);
    const notification =
      options.successTopic || options.errorTopic
        ? {
            notificationConfig: {
              ...(options.successTopic ? { successTopic: options.successTopic.topicArn } : {}),
              ...(options.errorTopic ? { errorTopic: options.errorTopic.topicArn } : {}),
            },
          }
        : {};
    return {
      outputConfig: {
        s3OutputPath: `s3://${options.bucket.bucketName}/${output}`,
        s3FailurePath: `s3://${options.bucket.bucketName}/${failure}`,
        ...(options.encryptionKey ? { kmsKeyId: options.encryptionKey.keyArn } : {}),
        ...notification,
      },
      ...(options.maxConcurrentInvocationsPerInstance
        ? {
            clientConfig: {
              maxConcurrentInvocationsPerInstance: options.maxConcurrentInvocationsPerInstance,
            },
          }
        : {}),
    };
  }

  /**
   * Application Auto Scaling acts on SageMaker through its service-linked role (created on first use); CDK's
   * default would be an extra role without permissions that the service ignores.
   */
  private scalingRole(): iam.IRole {
    const existing = this.node.tryFindChild('ScalingServiceLinkedRole') as iam.IRole | undefined;
    return (
      existing ??
      iam.Role.fromRoleArn(
        this,
        'ScalingServiceLinkedRole',
        Stack.of(this).formatArn({
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

  private variantTarget(id: string, minCapacity: number, maxCapacity: number): appscaling.ScalableTarget {
    const target = new appscaling.ScalableTarget(this, id, {
      role: this.scalingRole(),
      serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
      resourceId: `endpoint/${this.cfnEndpoint.attrEndpointName}/variant/${VARIANT_NAME}`,
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity,
      maxCapacity,
    });
    target.node.addDependency(this.cfnEndpoint);
    return target;
  }

  protected override invokeComponentArns(): string[] {
    return this.cfnInferenceComponent ? [this.cfnInferenceComponent.attrInferenceComponentArn] : [];
  }

  private scaleRealtime(options: EndpointAutoScalingOptions): appscaling.ScalableTarget {
    const target = this.variantTarget('ScalableTarget', options.minCapacity ?? 1, options.maxCapacity);
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

  private scaleInferenceComponent(icName: string, options: ScaleToZeroOptions): appscaling.ScalableTarget {
    const target = new appscaling.ScalableTarget(this, 'ScalableTarget', {
      role: this.scalingRole(),
      serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
      resourceId: `inference-component/${icName}`,
      scalableDimension: 'sagemaker:inference-component:DesiredCopyCount',
      minCapacity: 0,
      maxCapacity: options.maxCopies ?? 1,
    });
    target.node.addDependency(this.cfnInferenceComponent!);
    target.scaleToTrackMetric('TargetTracking', {
      predefinedMetric:
        appscaling.PredefinedMetric
          .SAGEMAKER_INFERENCE_COMPONENT_CONCURRENT_REQUESTS_PER_COPY_HIGH_RESOLUTION,
      targetValue: options.targetConcurrentRequestsPerCopy ?? 8,
      scaleInCooldown: options.scaleInCooldown ?? Duration.minutes(15),
      scaleOutCooldown: options.scaleOutCooldown ?? Duration.minutes(5),
    });
    // Target tracking never scales out from zero copies: a request that finds no copy raises
    // NoCapacityInvocationFailures, and this step policy adds the first copy.
    this.scaleOutFromZero(
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

  private scaleAsync(options: AsyncInferenceOptions): appscaling.ScalableTarget | undefined {
    const scaling = options.scaling ?? { maxCapacity: 1 };
    const target = this.variantTarget('ScalableTarget', scaling.minCapacity ?? 0, scaling.maxCapacity);
    target.scaleToTrackMetric('BacklogTracking', {
      customMetric: new cloudwatch.Metric({
        namespace: 'AWS/SageMaker',
        metricName: 'ApproximateBacklogSizePerInstance',
        dimensionsMap: { EndpointName: this.endpointName },
        statistic: 'Average',
        period: Duration.minutes(1),
      }),
      targetValue: scaling.targetBacklogPerInstance ?? 5,
      scaleInCooldown: scaling.scaleInCooldown ?? Duration.minutes(15),
      scaleOutCooldown: scaling.scaleOutCooldown ?? Duration.minutes(5),
    });
    // At zero instances the per-instance backlog is undefined; HasBacklogWithoutCapacity starts the first one.
    this.scaleOutFromZero(
      target,
      new cloudwatch.Metric({
        namespace: 'AWS/SageMaker',
        metricName: 'HasBacklogWithoutCapacity',
        dimensionsMap: { EndpointName: this.endpointName },
        statistic: 'Average',
        period: Duration.minutes(1),
      }),
      scaling.scaleOutCooldown ?? Duration.minutes(5),
    );
    return target;
  }

  private scaleOutFromZero(
    target: appscaling.ScalableTarget,
    metric: cloudwatch.Metric,
    cooldown: Duration,
  ): void {
    const action = new appscaling.StepScalingAction(this, 'ScaleOutFromZero', {
      scalingTarget: target,
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
      cooldown,
    });
    action.addAdjustment({ adjustment: 1, lowerBound: 0 });
    const alarm = new cloudwatch.Alarm(this, 'NoCapacityAlarm', {
      metric,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Requests to ${this.endpointName} found no capacity: scale out from zero`,
    });
    alarm.addAlarmAction(new cwActions.ApplicationScalingAction(action));
  }

  private createAlarms(options: EndpointAlarmOptions): void {
    if (options.enabled === false) return;
    const errorsAlarm = new cloudwatch.Alarm(this, 'Invocation5xxAlarm', {
      metric: this.metricInvocation5xxErrors({ period: Duration.minutes(5) }),
      threshold: options.invocation5xxErrors ?? 5,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `SageMaker endpoint ${this.endpointName} returned 5xx errors`,
    });
    this.alarms.push(errorsAlarm);
    if (options.modelLatencyP90) {
      this.alarms.push(
        new cloudwatch.Alarm(this, 'ModelLatencyAlarm', {
          metric: this.metricModelLatency({ statistic: 'p90', period: Duration.minutes(5) }),
          // ModelLatency is in microseconds.
          threshold: options.modelLatencyP90.toMilliseconds() * 1000,
          evaluationPeriods: 3,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription: `SageMaker endpoint ${this.endpointName} p90 model latency is high`,
        }),
      );
    }
    for (const alarm of this.alarms) for (const action of options.actions ?? []) alarm.addAlarmAction(action);
  }
}

function grantPutPrefix(role: iam.IRole, bucket: s3.IBucket, prefix: string, sid: string): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid,
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects(`${prefix}*`)],
    }),
  );
  bucket.encryptionKey?.grantEncrypt(role);
}

function checkInt(
  scope: Construct,
  prop: string,
  value: number,
  min: number,
  max: number,
  hint: string,
): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw errors.invalidRange(scope, prop, value, min, max, hint);
  }
}
