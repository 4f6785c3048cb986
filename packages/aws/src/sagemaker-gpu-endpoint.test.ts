import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { GpuContainerImage } from './container-image.js';
import { isAwsConstructError } from './errors.js';
import { ModelSource } from './model-source.js';
import { flat, nagFindings } from './nag.test-utils.js';
import { SageMakerGpuEndpoint } from './sagemaker-gpu-endpoint.js';
import type { SageMakerGpuEndpointProps } from './sagemaker-gpu-endpoint-props.js';

const env = { account: '111122223333', region: 'us-east-1' };
const hub = ModelSource.huggingFace('meta-llama/Llama-3.1-8B-Instruct');

function synth(props: Partial<SageMakerGpuEndpointProps> = {}, stackEnv: typeof env | null = env) {
  const stack = new Stack(new App(), 'S', stackEnv ? { env: stackEnv } : {});
  const endpoint = new SageMakerGpuEndpoint(stack, 'Llm', {
    instanceType: 'ml.g5.12xlarge',
    model: hub,
    endpointName: 'llama-8b',
    ...props,
  });
  return { stack, endpoint, template: Template.fromStack(stack) };
}

describe('SageMakerGpuEndpoint defaults', () => {
  // GIVEN a TGI endpoint on a 4-GPU instance with only the required props
  const { stack, template } = synth();

  it('runs the TGI DLC from the region registry account with the instance GPU count', () => {
    const model = Object.values(template.findResources('AWS::SageMaker::Model'))[0];
    expect(flat(model?.['Properties'].PrimaryContainer.Image)).toBe(
      '763104351884.dkr.ecr.us-east-1.<AWS::URLSuffix>/huggingface-pytorch-tgi-inference:2.4.0-tgi3.0.1-gpu-py311-cu124-ubuntu22.04',
    );
    template.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: {
        Environment: {
          HF_MODEL_ID: 'meta-llama/Llama-3.1-8B-Instruct',
          SM_NUM_GPUS: '4',
          MESSAGES_API_ENABLED: 'true',
        },
      },
      EnableNetworkIsolation: false,
    });
  });

  it('creates one variant with an LLM-sized startup timeout and no volume size on NVMe', () => {
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [
        Match.objectLike({
          VariantName: 'AllTraffic',
          InstanceType: 'ml.g5.12xlarge',
          InitialInstanceCount: 1,
          ContainerStartupHealthCheckTimeoutInSeconds: 1200,
          ModelDataDownloadTimeoutInSeconds: 1200,
          RoutingConfig: { RoutingStrategy: 'LEAST_OUTSTANDING_REQUESTS' },
          VolumeSizeInGB: Match.absent(),
        }),
      ],
      KmsKeyId: Match.absent(),
    });
    template.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: 'llama-8b' });
  });

  it('gives the execution role ECR pull on the exact TGI repository and its own log group only', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'WriteOwnLogs',
            Resource: Match.arrayWith([
              {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':logs:us-east-1:111122223333:log-group:/aws/sagemaker/Endpoints/llama-8b',
                  ],
                ],
              },
            ]),
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'PullServingImage',
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':ecr:us-east-1:763104351884:repository/huggingface-pytorch-tgi-inference',
                ],
              ],
            },
          }),
        ]),
      },
    });
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).not.toContain('FullAccess');
    expect(
      template.findResources('AWS::IAM::Role', { Properties: { ManagedPolicyArns: Match.anyValue() } }),
    ).toEqual({});
  });

  it('alarms on 5xx errors and has no scaling', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Invocation5XXErrors',
      Namespace: 'AWS/SageMaker',
      Threshold: 5,
      Dimensions: Match.arrayWith([{ Name: 'EndpointName', Value: 'llama-8b' }]),
    });
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
  });

  it('has no unacknowledged cdk-nag AwsSolutions findings', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('SageMakerGpuEndpoint options', () => {
  it('maps the DLC account per region when the stack region is unknown at synth', () => {
    const { template } = synth({}, null);
    expect(template.toJSON()['Mappings']['GenAiDeployDlcAccounts']).toMatchObject({
      'us-east-1': { account: '763104351884' },
      'eu-south-1': { account: '692866216735' },
      'il-central-1': { account: '780543022126' },
    });
    expect(JSON.stringify(template.findResources('AWS::SageMaker::Model'))).toContain('Fn::FindInMap');
  });

  it('loads uncompressed S3 weights with network isolation and reads only that prefix', () => {
    const stack = new Stack(new App(), 'S', { env });
    const bucket = new s3.Bucket(stack, 'Models');
    new SageMakerGpuEndpoint(stack, 'Llm', {
      instanceType: 'ml.g6e.xlarge',
      model: ModelSource.fromBucket(bucket, 'llama-3-8b/'),
      endpointName: 'llama',
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Model', {
      EnableNetworkIsolation: true,
      PrimaryContainer: {
        Environment: Match.objectLike({ HF_MODEL_ID: '/opt/ml/model', SM_NUM_GPUS: '1' }),
        ModelDataSource: {
          S3DataSource: {
            S3Uri: { 'Fn::Join': ['', ['s3://', { Ref: Match.anyValue() }, '/llama-3-8b/']] },
            S3DataType: 'S3Prefix',
            CompressionType: 'None',
          },
        },
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'ListModelPrefix',
            Action: 's3:ListBucket',
            Condition: { StringLike: { 's3:prefix': ['llama-3-8b/*'] } },
          }),
        ]),
      },
    });
  });

  it('passes the Hugging Face token by dynamic reference, never as text', () => {
    const stack = new Stack(new App(), 'S', { env });
    const secret = new secretsmanager.Secret(stack, 'HfToken');
    new SageMakerGpuEndpoint(stack, 'Llm', {
      instanceType: 'ml.g5.2xlarge',
      model: hub,
      hfTokenSecret: secret,
    });
    const model = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::Model'))[0];
    const token = JSON.stringify(model?.['Properties']?.PrimaryContainer?.Environment?.HF_TOKEN);
    expect(token).toContain('{{resolve:secretsmanager:');
  });

  it('configures LMI with vLLM, the tensor-parallel degree and quantization', () => {
    const { template } = synth({
      instanceType: 'ml.p5.48xlarge',
      container: GpuContainerImage.lmi(),
      quantization: 'fp8',
      maxTotalTokens: 8192,
      numGpus: 4,
    });
    const model = Object.values(template.findResources('AWS::SageMaker::Model'))[0];
    expect(flat(model?.['Properties'].PrimaryContainer.Image)).toMatch(
      /\/djl-inference:0\.35\.0-lmi17\.0\.0-cu128$/,
    );
    template.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: {
        Environment: {
          HF_MODEL_ID: 'meta-llama/Llama-3.1-8B-Instruct',
          OPTION_ROLLING_BATCH: 'vllm',
          TENSOR_PARALLEL_DEGREE: '4',
          OPTION_QUANTIZE: 'fp8',
          OPTION_MAX_MODEL_LEN: '8192',
        },
      },
    });
  });

  it('scales a real-time variant on concurrent requests with long scale-in cooldowns', () => {
    const { template } = synth({ autoScaling: { minCapacity: 1, maxCapacity: 4 } });
    // Application Auto Scaling uses its service-linked role: no extra, permissionless role is created.
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 1,
      MaxCapacity: 4,
      RoleARN: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':iam::111122223333:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
          ],
        ],
      },
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      ResourceId: { 'Fn::Join': ['', ['endpoint/', Match.anyValue(), '/variant/AllTraffic']] },
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: {
          PredefinedMetricType: 'SageMakerVariantConcurrentRequestsPerModelHighResolution',
        },
        TargetValue: 8,
        ScaleInCooldown: 900,
        ScaleOutCooldown: 300,
      },
    });
  });

  it('can track invocations per instance instead', () => {
    const { template } = synth({ autoScaling: { maxCapacity: 2, target: { invocationsPerInstance: 30 } } });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        TargetValue: 30,
      }),
    });
  });

  it('scales to zero through an inference component that starts with one copy', () => {
    const { template } = synth({ scaleToZero: { maxCopies: 2 } });
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ExecutionRoleArn: Match.anyValue(),
      ProductionVariants: [
        Match.objectLike({
          ModelName: Match.absent(),
          ManagedInstanceScaling: { Status: 'ENABLED', MinInstanceCount: 0, MaxInstanceCount: 2 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::SageMaker::InferenceComponent', {
      InferenceComponentName: 'llama-8b-ic',
      RuntimeConfig: { CopyCount: 1 },
      Specification: Match.objectLike({
        ComputeResourceRequirements: { NumberOfAcceleratorDevicesRequired: 4, MinMemoryRequiredInMb: 1024 },
        StartupParameters: {
          ContainerStartupHealthCheckTimeoutInSeconds: 1200,
          ModelDataDownloadTimeoutInSeconds: 1200,
        },
      }),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 0,
      MaxCapacity: 2,
      ResourceId: 'inference-component/llama-8b-ic',
      ScalableDimension: 'sagemaker:inference-component:DesiredCopyCount',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'NoCapacityInvocationFailures',
      Dimensions: [{ Name: 'InferenceComponentName', Value: 'llama-8b-ic' }],
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      StepScalingPolicyConfiguration: Match.objectLike({
        AdjustmentType: 'ChangeInCapacity',
        StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
      }),
    });
  });

  it('runs asynchronously through S3 and SNS and scales on backlog down to zero', () => {
    const stack = new Stack(new App(), 'S', { env });
    const bucket = new s3.Bucket(stack, 'Async');
    const ok = new sns.Topic(stack, 'Ok');
    const failed = new sns.Topic(stack, 'Failed');
    new SageMakerGpuEndpoint(stack, 'Llm', {
      instanceType: 'ml.g5.2xlarge',
      model: hub,
      endpointName: 'batchy',
      asyncInference: { bucket, successTopic: ok, errorTopic: failed, scaling: { maxCapacity: 3 } },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      AsyncInferenceConfig: {
        OutputConfig: {
          S3OutputPath: { 'Fn::Join': ['', ['s3://', { Ref: Match.anyValue() }, '/async/output/']] },
          S3FailurePath: { 'Fn::Join': ['', ['s3://', { Ref: Match.anyValue() }, '/async/failure/']] },
          NotificationConfig: {
            SuccessTopic: { Ref: Match.anyValue() },
            ErrorTopic: { Ref: Match.anyValue() },
          },
        },
      },
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 0,
      MaxCapacity: 3,
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        CustomizedMetricSpecification: Match.objectLike({
          MetricName: 'ApproximateBacklogSizePerInstance',
          Dimensions: [{ Name: 'EndpointName', Value: 'batchy' }],
        }),
        TargetValue: 5,
      }),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'HasBacklogWithoutCapacity' });
    expect(nagFindings(stack).filter((f) => f.includes('/Llm/'))).toEqual([]);
  });

  it('captures data, joins a VPC and encrypts the EBS volume of an EBS-backed instance', () => {
    const stack = new Stack(new App(), 'S', { env });
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const bucket = new s3.Bucket(stack, 'Capture');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const endpoint = new SageMakerGpuEndpoint(stack, 'Llm', {
      instanceType: 'ml.p3.2xlarge',
      model: hub,
      vpc,
      encryptionKey: key,
      volumeSizeGb: 100,
      dataCapture: { bucket, samplingPercentage: 20 },
      alarms: { modelLatencyP90: Duration.seconds(30) },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      KmsKeyId: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
      ProductionVariants: [Match.objectLike({ VolumeSizeInGB: 100 })],
      DataCaptureConfig: Match.objectLike({ EnableCapture: true, InitialSamplingPercentage: 20 }),
    });
    template.hasResourceProperties('AWS::SageMaker::Model', {
      VpcConfig: {
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^LlmSecurityGroup'), 'GroupId'] }],
        Subnets: Match.arrayWith([{ Ref: Match.stringLikeRegexp('PrivateSubnet1') }]),
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ModelLatency',
      ExtendedStatistic: 'p90',
      Threshold: 30_000_000,
    });
    expect(endpoint.connections?.securityGroups).toHaveLength(1);
  });

  it('runs an image of your ECR repository or a local Dockerfile, pulling from exactly that repository', () => {
    const stack = new Stack(new App(), 'S', { env });
    const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'team/vllm');
    new SageMakerGpuEndpoint(stack, 'FromEcr', {
      instanceType: 'ml.g6.xlarge',
      model: hub,
      container: GpuContainerImage.fromEcrRepository(repo, 'v0.6.3', 'lmi'),
    });
    const dir = mkdtempSync(join(tmpdir(), 'gpu-image-'));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM public.ecr.aws/docker/library/busybox:latest\n');
    new SageMakerGpuEndpoint(stack, 'FromAsset', {
      instanceType: 'ml.g6.xlarge',
      model: hub,
      container: GpuContainerImage.fromAsset(dir),
    });
    const template = Template.fromStack(stack);
    const models = Object.values(template.findResources('AWS::SageMaker::Model')).map((m) =>
      flat(m['Properties'].PrimaryContainer.Image),
    );
    expect(models).toContainEqual('111122223333.dkr.ecr.us-east-1.<AWS::URLSuffix>/team/vllm:v0.6.3');
    expect(models).toContainEqual(
      expect.stringMatching(/container-assets-111122223333-us-east-1:[0-9a-f]{64}/),
    );
    const pulls = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p['Properties'].PolicyDocument.Statement)
      .filter((st) => st.Sid === 'PullServingImage')
      .map((st) => flat(st.Resource));
    expect(pulls).toEqual([
      'arn:<AWS::Partition>:ecr:us-east-1:111122223333:repository/team/vllm',
      'arn:<AWS::Partition>:ecr:us-east-1:111122223333:repository/cdk-hnb659fds-container-assets-111122223333-us-east-1',
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports an endpoint by name with grants on its lower-cased ARN and metrics', () => {
    const stack = new Stack(new App(), 'S', { env });
    const imported = SageMakerGpuEndpoint.fromEndpointName(stack, 'Imported', 'My-Endpoint');
    const role = new iam.Role(stack, 'Caller', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    imported.grantInvoke(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: [
              'sagemaker:InvokeEndpoint',
              'sagemaker:InvokeEndpointWithResponseStream',
              'sagemaker:InvokeEndpointAsync',
            ],
            Resource: {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:111122223333:endpoint/my-endpoint'],
              ],
            },
          },
        ],
      },
    });
    const latency = imported.metricModelLatency();
    expect(latency.metricName).toBe('ModelLatency');
    expect(latency.dimensions).toEqual({ EndpointName: 'My-Endpoint', VariantName: 'AllTraffic' });
    expect(imported.metricInvocation5xxErrors().statistic).toBe('Sum');
    expect(imported.metricGpuUtilization().namespace).toBe('/aws/sagemaker/Endpoints');
  });
});

describe('SageMakerGpuEndpoint validation', () => {
  const cases: [string, Partial<SageMakerGpuEndpointProps>, RegExp][] = [
    [
      'NVMe volume size',
      { instanceType: 'ml.g5.2xlarge', volumeSizeGb: 100 },
      /volumeSizeGb is 100, but ml\.g5\.2xlarge has local NVMe storage.*Fix: remove volumeSizeGb/s,
    ],
    [
      'NVMe KMS key',
      { instanceType: 'ml.p4d.24xlarge' },
      /encryptionKey is set, but ml\.p4d\.24xlarge has local NVMe.*Fix: remove encryptionKey/s,
    ],
    [
      'model larger than GPU memory',
      { instanceType: 'ml.g5.2xlarge', modelSizeGib: 30 },
      /modelSizeGib is 30 GiB, but 1 GPU\(s\) of ml\.g5\.2xlarge leave about 21\.6 GiB.*Fix: pick a larger instance/s,
    ],
    [
      'on-the-fly quantization counted',
      { instanceType: 'ml.g6.2xlarge', modelSizeGib: 100, quantization: 'bitsandbytes-nf4' },
      /modelSizeGib is 25 GiB \(after bitsandbytes-nf4/,
    ],
    [
      'more GPUs than the instance has',
      { instanceType: 'ml.g5.2xlarge', numGpus: 2 },
      /numGpus is 2, but ml\.g5\.2xlarge has 1 GPU\(s\)\. Expected 1\.\.1/,
    ],
    [
      'quantization the container lacks',
      { container: GpuContainerImage.lmi(), quantization: 'eetq' },
      /quantization "eetq" is not supported by the lmi container\. Expected one of: awq, gptq, fp8/,
    ],
    [
      'quantization on a custom image',
      { container: GpuContainerImage.fromDlc('x', 'y'), quantization: 'awq' },
      /not supported by the custom container/,
    ],
    [
      'fp8 without FP8 tensor cores',
      { quantization: 'fp8' },
      /fp8" needs FP8 tensor cores.*ml\.g5\.12xlarge has none/s,
    ],
    [
      'unknown instance type',
      { instanceType: 'ml.g7.xlarge' },
      /instanceType "ml\.g7\.xlarge" is not in the GPU instance catalog\. Expected one of: ml\.g4dn\.xlarge/,
    ],
    [
      'EC2 instance name',
      { instanceType: 'g5.xlarge' },
      /not a SageMaker hosting instance type.*Fix: use "ml\.g5\.xlarge"/s,
    ],
    ['bad endpoint name', { endpointName: 'bad_name' }, /endpointName "bad_name" does not match/],
    [
      'real-time min 0',
      { autoScaling: { minCapacity: 0, maxCapacity: 2 } },
      /minCapacity is 0 on a real-time endpoint.*scaleToZero/s,
    ],
    [
      'min above max',
      { autoScaling: { minCapacity: 3, maxCapacity: 2 } },
      /autoScaling\.minCapacity \(3\) is greater than autoScaling\.maxCapacity \(2\)/,
    ],
    [
      'scale to zero and autoscaling',
      { autoScaling: { maxCapacity: 2 }, scaleToZero: {} },
      /scaleToZero and autoScaling are both set/,
    ],
    [
      'startup timeout out of range',
      { startupHealthCheckTimeout: Duration.hours(2) },
      /startupHealthCheckTimeout \(s\) is 7200; expected an integer from 60 to 3600/,
    ],
    [
      'plain-text token in environment',
      { environment: { HF_TOKEN: 'hf_abc' } },
      /environment\.HF_TOKEN looks like a credential passed in plain text/,
    ],
    [
      'network isolation with a Hub model',
      { networkIsolation: true },
      /networkIsolation is true, but the model comes from the Hugging Face Hub/,
    ],
  ];

  it.each(cases)('rejects %s', (_name, props, message) => {
    const stack = new Stack(new App(), 'S', { env });
    const key = new kms.Key(stack, 'K');
    const withKey = _name === 'NVMe KMS key' ? { encryptionKey: key } : {};
    let error: unknown;
    try {
      new SageMakerGpuEndpoint(stack, 'Llm', {
        instanceType: 'ml.g5.12xlarge',
        model: hub,
        ...props,
        ...withKey,
      });
    } catch (e) {
      error = e;
    }
    expect(isAwsConstructError(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('[S/Llm]');
  });

  it('rejects an S3 key that is neither a prefix nor an archive', () => {
    const stack = new Stack(new App(), 'S', { env });
    const bucket = new s3.Bucket(stack, 'B');
    expect(
      () =>
        new SageMakerGpuEndpoint(stack, 'Llm', {
          instanceType: 'ml.g5.xlarge',
          model: ModelSource.fromBucket(bucket, 'weights/model.bin'),
        }),
    ).toThrow(/model key "weights\/model\.bin" is neither a prefix ending in "\/".*\.tar\.gz/s);
  });

  it('rejects a region without a known DLC account unless repositoryAccount is given', () => {
    const stack = new Stack(new App(), 'S', { env: { account: '111122223333', region: 'mx-central-1' } });
    expect(
      () => new SageMakerGpuEndpoint(stack, 'Llm', { instanceType: 'ml.g5.xlarge', model: hub }),
    ).toThrow(
      /no Deep Learning Container registry account is known for region "mx-central-1".*repositoryAccount/s,
    );
    const ok = new SageMakerGpuEndpoint(stack, 'Llm2', {
      instanceType: 'ml.g5.xlarge',
      model: hub,
      container: GpuContainerImage.tgi({ repositoryAccount: '637423239942' }),
    });
    expect(ok.endpointName).toMatch(/^[a-z0-9-]+$/);
  });

  it('accepts an instance missing from the catalog when its GPUs are described', () => {
    const { template } = synth({
      instanceType: 'ml.g7e.2xlarge',
      gpu: { count: 2, memoryGib: 96, nvme: true },
    });
    template.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: { Environment: Match.objectLike({ SM_NUM_GPUS: '2' }) },
    });
  });
});
