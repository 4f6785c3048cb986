import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Duration } from 'aws-cdk-lib/core';
import type { GpuContainerImage } from './container-image.js';
import type { ModelSource } from './model-source.js';

// The props of SageMakerGpuEndpoint, apart from the construct so that validation and scaling read them
// without importing the construct.

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
