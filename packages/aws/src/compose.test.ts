// A user's own stack that imports the package by name and composes the constructs itself.
import {
  GpuContainerImage,
  type ISageMakerGpuEndpoint,
  LambdaFront,
  ModelSource,
  SageMakerGpuEndpoint,
} from '@genai-deploy/aws';
import { App, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { nagFindings } from './nag.test-utils.js';

class ChatStack extends Stack {
  readonly endpoint: SageMakerGpuEndpoint;
  readonly legacy: ISageMakerGpuEndpoint;
  readonly front: LambdaFront;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    const weights = new s3.Bucket(this, 'Weights', {
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsPrefix: 'access-logs/',
    });
    this.endpoint = new SageMakerGpuEndpoint(this, 'Qwen', {
      endpointName: 'qwen-32b-awq',
      instanceType: 'ml.g6e.2xlarge',
      container: GpuContainerImage.lmi(),
      model: ModelSource.fromBucket(weights, 'qwen2.5-32b-awq/'),
      modelSizeGib: 19,
      quantization: 'awq',
      scaleToZero: { maxCopies: 2, scaleInCooldown: Duration.minutes(30) },
    });
    this.legacy = SageMakerGpuEndpoint.fromEndpointName(this, 'Legacy', 'legacy-llm');
    this.front = new LambdaFront(this, 'Front', {
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });'),
      config: {
        models: [
          { id: 'sagemaker/qwen-32b-awq' },
          { id: 'sagemaker/legacy-llm' },
          { id: 'bedrock/amazon.nova-pro-v1:0' },
        ],
        routes: {
          chat: {
            targets: ['sagemaker/qwen-32b-awq', 'sagemaker/legacy-llm', 'bedrock/amazon.nova-pro-v1:0'],
          },
        },
      },
      sagemakerEndpoints: [this.endpoint, this.legacy],
      reservedConcurrentExecutions: 20,
    });
    new cloudwatch.Dashboard(this, 'Dashboard', {
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Invocations and errors',
            left: [this.endpoint.metricInvocations(), this.legacy.metricInvocations()],
            right: [this.endpoint.metricInvocationErrors(), this.legacy.metricInvocation5xxErrors()],
          }),
          new cloudwatch.GraphWidget({ title: 'GPU', left: [this.endpoint.metricGpuUtilization()] }),
        ],
      ],
    });
  }
}

describe("a user's own stack composing the constructs", () => {
  const stack = new ChatStack(new App(), 'Chat', { env: { account: '111122223333', region: 'eu-west-1' } });
  const template = Template.fromStack(stack);

  it('wires grants for both the created and the imported endpoint', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p['Properties'].PolicyDocument.Statement,
    );
    const invoke = JSON.stringify(
      statements.filter((s) => JSON.stringify(s.Action).includes('InvokeEndpoint')),
    );
    expect(invoke).toContain(':endpoint/qwen-32b-awq');
    expect(invoke).toContain(':endpoint/legacy-llm');
    template.hasResourceProperties('AWS::SageMaker::InferenceComponent', {
      Specification: Match.objectLike({
        ComputeResourceRequirements: Match.objectLike({ NumberOfAcceleratorDevicesRequired: 1 }),
      }),
    });
    template.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: Match.objectLike({ Environment: Match.objectLike({ OPTION_QUANTIZE: 'awq' }) }),
    });
  });

  it('puts the endpoint metrics on the dashboard', () => {
    const dashboard = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    expect(dashboard).toContain('Invocation5XXErrors');
    expect(dashboard).toContain('GPUUtilization');
    expect(dashboard).toContain('legacy-llm');
  });

  it('passes cdk-nag without acknowledgements from the user', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});
