import type * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { ArnFormat, Duration, Names, Stack } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import { type ContainerFamily, GpuContainerImage } from './container-image.js';
import { errors } from './errors.js';
import type { GpuInstanceSpec } from './gpu-instances.js';
import type { BoundModelSource } from './model-source.js';
import { acknowledgeWildcards, escapeRegExp, type WildcardAllowance } from './nag.js';
import {
  endpointArnFor,
  type ISageMakerGpuEndpoint,
  SageMakerGpuEndpointBase,
  VARIANT_NAME,
} from './sagemaker-gpu-endpoint-base.js';
import type {
  AsyncInferenceOptions,
  DataCaptureOptions,
  SageMakerGpuEndpointProps,
} from './sagemaker-gpu-endpoint-props.js';
import {
  createEndpointAlarms,
  scaleAsync,
  scaleInferenceComponent,
  scaleRealtime,
} from './sagemaker-gpu-endpoint-scaling.js';
import {
  checkInt,
  resolveInstance,
  validateEndpointName,
  validateEndpointProps,
} from './sagemaker-gpu-endpoint-validation.js';

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

    this.instance = resolveInstance(this, props);
    const container = props.container ?? GpuContainerImage.tgi();
    this.containerFamily = container.family;
    this.numGpus = props.numGpus ?? this.instance.gpuCount;
    this.isAsync = props.asyncInference !== undefined;
    validateEndpointProps(this, props, this.instance, container.family);

    const endpointName =
      props.endpointName ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' }).toLowerCase();
    validateEndpointName(this, endpointName);
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
    const network = props.vpc ? this.network(props, props.vpc, source, role) : undefined;
    this.connections = network?.connections;

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
      ...(network ? { vpcConfig: network.vpcConfig } : {}),
    });
    // SageMaker checks the role's permissions when it creates the model: the policy must exist first.
    this.cfnModel.node.addDependency(role);

    this.cfnEndpointConfig = new sagemaker.CfnEndpointConfig(this, 'EndpointConfig', {
      productionVariants: [this.productionVariant(props)],
      ...(props.scaleToZero ? { executionRoleArn: role.roleArn } : {}),
      ...(props.encryptionKey ? { kmsKeyId: props.encryptionKey.keyArn } : {}),
      ...(props.dataCapture ? { dataCaptureConfig: this.dataCaptureConfig(props.dataCapture, role) } : {}),
      ...(props.asyncInference ? { asyncInferenceConfig: this.asyncConfig(props.asyncInference, role) } : {}),
    });
    if (props.encryptionKey)
      props.encryptionKey.grant(role, 'kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant');
    this.cfnEndpointConfig.node.addDependency(role);

    this.cfnEndpoint = new sagemaker.CfnEndpoint(this, 'Resource', {
      endpointName,
      endpointConfigName: this.cfnEndpointConfig.attrEndpointConfigName,
    });

    if (props.scaleToZero) {
      const icName = `${endpointName.slice(0, 55)}-ic`;
      this.inferenceComponentName = icName;
      this.cfnInferenceComponent = this.inferenceComponent(icName, props);
      this.scalableTarget = scaleInferenceComponent(
        this,
        this.cfnInferenceComponent,
        icName,
        props.scaleToZero,
      );
    } else if (props.asyncInference) {
      this.scalableTarget = scaleAsync(this, this.cfnEndpoint, props.asyncInference);
    } else if (props.autoScaling) {
      this.scalableTarget = scaleRealtime(this, this.cfnEndpoint, props.autoScaling);
    }

    this.alarms.push(...createEndpointAlarms(this, props.alarms ?? {}));
    this.wildcards.push({
      finding: /^Action::kms:(ReEncrypt|GenerateDataKey)\*$/,
      reason:
        'KMS data-key actions (GenerateDataKey*, ReEncrypt*) on the one customer key given to this endpoint',
    });
    acknowledgeWildcards(this, this.wildcards);
  }

  protected override invokeComponentArns(): string[] {
    return this.cfnInferenceComponent ? [this.cfnInferenceComponent.attrInferenceComponentArn] : [];
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

  /** The security groups and subnets of the model's network interfaces, and the role's right to manage them. */
  private network(
    props: SageMakerGpuEndpointProps,
    vpc: ec2.IVpc,
    source: BoundModelSource,
    role: iam.IRole,
  ): { vpcConfig: sagemaker.CfnModel.VpcConfigProperty; connections: ec2.Connections } {
    const securityGroups = props.securityGroups ?? [
      new ec2.SecurityGroup(this, 'SecurityGroup', {
        vpc,
        description: `SageMaker endpoint ${this.endpointName} (egress only)`,
        allowAllOutbound: true,
      }),
    ];
    const subnets = vpc.selectSubnets(
      props.vpcSubnets ??
        (source.fromHub || vpc.isolatedSubnets.length === 0
          ? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }
          : { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }),
    );
    this.grantVpcAccess(role, vpc, subnets.subnetIds, securityGroups);
    return {
      vpcConfig: {
        securityGroupIds: securityGroups.map((s) => s.securityGroupId),
        subnets: subnets.subnetIds,
      },
      connections: new ec2.Connections({ securityGroups }),
    };
  }

  /**
   * The one production variant: with an inference component, the variant holds instances and the component
   * holds the model; otherwise the variant serves the model itself.
   */
  private productionVariant(
    props: SageMakerGpuEndpointProps,
  ): sagemaker.CfnEndpointConfig.ProductionVariantProperty {
    const volume = props.volumeSizeGb !== undefined ? { volumeSizeInGb: props.volumeSizeGb } : {};
    if (props.scaleToZero) {
      return {
        variantName: VARIANT_NAME,
        instanceType: props.instanceType,
        initialInstanceCount: 1,
        managedInstanceScaling: {
          status: 'ENABLED',
          minInstanceCount: 0,
          maxInstanceCount: props.scaleToZero.maxInstances ?? props.scaleToZero.maxCopies ?? 1,
        },
        routingConfig: { routingStrategy: 'LEAST_OUTSTANDING_REQUESTS' },
        ...volume,
      };
    }
    return {
      variantName: VARIANT_NAME,
      modelName: this.cfnModel.attrModelName,
      instanceType: props.instanceType,
      initialInstanceCount: this.initialInstanceCount(props),
      initialVariantWeight: 1,
      containerStartupHealthCheckTimeoutInSeconds: startupSeconds(props),
      modelDataDownloadTimeoutInSeconds: downloadSeconds(props),
      ...(this.isAsync ? {} : { routingConfig: { routingStrategy: 'LEAST_OUTSTANDING_REQUESTS' } }),
      ...volume,
    };
  }

  private inferenceComponent(
    icName: string,
    props: SageMakerGpuEndpointProps,
  ): sagemaker.CfnInferenceComponent {
    return new sagemaker.CfnInferenceComponent(this, 'InferenceComponent', {
      inferenceComponentName: icName,
      endpointName: this.cfnEndpoint.attrEndpointName,
      variantName: VARIANT_NAME,
      specification: {
        modelName: this.cfnModel.attrModelName,
        startupParameters: {
          containerStartupHealthCheckTimeoutInSeconds: startupSeconds(props),
          modelDataDownloadTimeoutInSeconds: downloadSeconds(props),
        },
        computeResourceRequirements: {
          numberOfAcceleratorDevicesRequired: this.numGpus,
          minMemoryRequiredInMb: props.scaleToZero?.minMemoryRequiredMb ?? 1024,
        },
      },
      // A component cannot be created with zero copies; autoscaling takes it to zero when idle.
      runtimeConfig: { copyCount: 1 },
    });
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
}

/** Time for the container to load the model and answer /ping. */
const startupSeconds = (props: SageMakerGpuEndpointProps) =>
  (props.startupHealthCheckTimeout ?? Duration.minutes(20)).toSeconds();

/** Time to copy S3 artifacts to the instance. */
const downloadSeconds = (props: SageMakerGpuEndpointProps) =>
  (props.modelDataDownloadTimeout ?? Duration.minutes(20)).toSeconds();

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
