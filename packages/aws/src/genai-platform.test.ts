import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { GenAiPlatform, type GenAiPlatformProps } from './genai-platform.js';
import { ModelSource } from './model-source.js';
import { flat, nagFindings } from './nag.test-utils.js';
import { SageMakerGpuEndpoint } from './sagemaker-gpu-endpoint.js';

const env = { account: '111122223333', region: 'us-east-1' };
const code = lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });');
const llama = {
  instanceType: 'ml.g5.2xlarge',
  model: ModelSource.huggingFace('meta-llama/Llama-3.1-8B-Instruct'),
  endpointName: 'llama-8b',
  maxInputTokens: 6144,
  maxTotalTokens: 8192,
};

function setup(props: Partial<GenAiPlatformProps> = {}) {
  const stack = new Stack(new App(), 'Platform', { env });
  const platform = new GenAiPlatform(stack, 'GenAi', {
    sagemakerModels: { Llama: llama },
    bedrockModels: [
      'anthropic.claude-3-5-haiku-20241022-v1:0',
      { modelId: 'amazon.titan-embed-text-v2:0', kind: 'embedding' },
    ],
    front: { code },
    ...props,
  });
  return { stack, platform, template: Template.fromStack(stack) };
}

describe('GenAiPlatform', () => {
  // GIVEN a TGI endpoint, a Bedrock fallback and a Bedrock embedding model with defaults
  const { stack, platform, template } = setup();

  it('routes chat to the endpoint first and Bedrock second, embeddings to Titan', () => {
    expect(platform.frontConfig.routes).toEqual({
      chat: { targets: ['sagemaker/llama-8b', 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0'] },
      embeddings: { targets: ['bedrock/amazon.titan-embed-text-v2:0'] },
    });
    expect(platform.frontConfig.models[0]).toEqual({
      id: 'sagemaker/llama-8b',
      kind: 'chat',
      adapter: 'tgi',
      maxInputTokens: 6144,
      maxOutputTokens: 4096,
    });
  });

  it('creates a VPC with flow logs and puts the endpoint, the cache and the front in it', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' });
    template.hasResourceProperties('AWS::SageMaker::Model', {
      VpcConfig: Match.objectLike({ Subnets: Match.anyValue() }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', { VpcConfig: Match.anyValue() });
    template.resourceCountIs('AWS::ElastiCache::ServerlessCache', 1);
    template.resourceCountIs('AWS::OpenSearchServerless::Collection', 0);
  });

  it('grants the front exactly the created endpoint through its grantInvoke', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p['Properties'].PolicyDocument.Statement,
    );
    const invoke = statements.filter((s) => JSON.stringify(s.Action).includes('sagemaker:InvokeEndpoint'));
    expect(invoke).toHaveLength(1);
    expect(flat(invoke[0].Resource)).toBe(
      'arn:<AWS::Partition>:sagemaker:us-east-1:111122223333:endpoint/llama-8b',
    );
  });

  it('outputs the front URL and routes, and stores the configuration in SSM', () => {
    const outputs = template.findOutputs('*');
    const byPrefix = (p: string) => Object.entries(outputs).find(([k]) => k.startsWith(p))?.[1];
    expect(flat(byPrefix('GenAiFrontUrl')?.['Value'])).toMatch(
      /^<GenAiFrontFunctionFunctionUrl[0-9A-F]{8}\.FunctionUrl>$/,
    );
    expect(flat(byPrefix('GenAiFrontRoutes')?.['Value'])).toContain(
      '"chat":{"targets":["sagemaker/llama-8b"',
    );
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/genai-deploy/Platform/GenAi/front-config',
      Type: 'String',
    });
    const param = Object.values(template.findResources('AWS::SSM::Parameter'))[0];
    const value = flat(param?.['Properties'].Value);
    expect(value).toContain('"redisUrl":"rediss://');
    expect(value).not.toMatch(/password|secretsmanager:/i);
  });

  it('has no unacknowledged cdk-nag findings', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  it('takes an imported VPC, explicit routes by model key and a vector store, without a cache', () => {
    const s = new Stack(new App(), 'Own', { env });
    const vpc = new ec2.Vpc(s, 'Shared', { maxAzs: 2, natGateways: 1 });
    const p = new GenAiPlatform(s, 'GenAi', {
      vpc,
      sagemakerModels: { Llama: llama },
      bedrockModels: ['us.amazon.nova-lite-v1:0', { modelId: 'cohere.embed-english-v3', kind: 'embedding' }],
      routes: {
        fast: { targets: ['bedrock/us.amazon.nova-lite-v1:0'] },
        smart: { targets: ['Llama', 'bedrock/us.amazon.nova-lite-v1:0'] },
      },
      cache: false,
      vectorStore: { standbyReplicas: false },
      interfaceEndpoints: true,
      front: { code },
    });
    const t = Template.fromStack(s);
    const endpoints = Object.values(
      t.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }),
    );
    expect(endpoints.map((e) => flat(e['Properties'].ServiceName)).sort()).toEqual([
      'com.amazonaws.us-east-1.bedrock-runtime',
      'com.amazonaws.us-east-1.sagemaker.runtime',
      'com.amazonaws.us-east-1.secretsmanager',
    ]);
    expect(endpoints.every((e) => e['Properties'].PrivateDnsEnabled === true)).toBe(true);
    // The user's own VPC (no flow logs in this test) is theirs to fix; nothing of the platform is flagged.
    expect(nagFindings(s).filter((f) => !f.startsWith('AwsSolutions-VPC7 @ Own/Shared/Resource'))).toEqual(
      [],
    );
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 443,
      GroupId: {
        'Fn::GetAtt': [Match.stringLikeRegexp('^GenAiBedrockRuntimeEndpointSecurityGroup'), 'GroupId'],
      },
      SourceSecurityGroupId: {
        'Fn::GetAtt': [Match.stringLikeRegexp('^GenAiFrontSecurityGroup'), 'GroupId'],
      },
    });
    t.resourceCountIs('AWS::EC2::VPC', 1);
    t.resourceCountIs('AWS::ElastiCache::ServerlessCache', 0);
    t.hasResourceProperties('AWS::OpenSearchServerless::Collection', { StandbyReplicas: 'DISABLED' });
    expect(p.frontConfig.routes['smart']?.targets).toEqual([
      'sagemaker/llama-8b',
      'bedrock/us.amazon.nova-lite-v1:0',
    ]);
    expect(p.frontConfig.cache.redisUrl).toBeUndefined();
  });

  it('puts its vector store in the front config and grants the front that one index, created on first use', () => {
    // GIVEN the default platform with a vector store embedded by the only embedding model (Titan v2)
    const { stack: s, platform: p, template: t } = setup({ vectorStore: { standbyReplicas: false } });
    // THEN the front's config names the collection, its region, the index, the model and its dimension
    expect(p.frontConfig.vectorStore).toEqual({
      engine: 'opensearch',
      endpoint: p.vectorStore?.collectionEndpoint,
      region: 'us-east-1',
      index: 'genai-chunks',
      embeddingModel: 'bedrock/amazon.titan-embed-text-v2:0',
      dimension: 1024,
    });
    const fn = Object.values(t.findResources('AWS::Lambda::Function')).find(
      (r) => r['Properties'].Environment?.Variables?.GENAI_CONFIG,
    );
    expect(JSON.parse(flat(fn?.['Properties'].Environment.Variables.GENAI_CONFIG)).vectorStore).toMatchObject(
      {
        endpoint: expect.stringMatching(/^<GenAiVectorStore[0-9A-F]{8}\.CollectionEndpoint>$/),
        index: 'genai-chunks',
      },
    );
    // AND no index is created at deploy time: CloudFormation cannot express the mapping the front's filters need
    t.resourceCountIs('AWS::OpenSearchServerless::Index', 0);
    // AND the data-access policy gives the front's role that index only, with no deploy-role statement
    const access = Object.values(t.findResources('AWS::OpenSearchServerless::AccessPolicy'))[0];
    const name = p.vectorStore?.collectionName;
    expect(JSON.parse(flat(access?.['Properties'].Policy))).toEqual([
      {
        Description: 'grantIndexReadWrite genai-chunks',
        Principal: [expect.stringMatching(/^<GenAiFrontRole[0-9A-F]{8}\.Arn>$/)],
        Rules: [
          {
            ResourceType: 'index',
            Resource: [`index/${name}/genai-chunks`],
            Permission: ['aoss:CreateIndex', 'aoss:DescribeIndex', 'aoss:ReadDocument', 'aoss:WriteDocument'],
          },
        ],
      },
    ]);
    // AND IAM lets the role reach that collection's data plane, and the network lets the function in
    const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
      (x) => x['Properties'].PolicyDocument.Statement,
    );
    expect(statements.filter((x) => x.Action === 'aoss:APIAccessAll').map((x) => flat(x.Resource))).toEqual([
      expect.stringMatching(/^<GenAiVectorStore[0-9A-F]{8}\.Arn>$/),
    ]);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 443,
      GroupId: {
        'Fn::GetAtt': [Match.stringLikeRegexp('^GenAiVectorStoreEndpointSecurityGroup'), 'GroupId'],
      },
      SourceSecurityGroupId: {
        'Fn::GetAtt': [Match.stringLikeRegexp('^GenAiFrontSecurityGroup'), 'GroupId'],
      },
    });
    expect(nagFindings(s)).toEqual([]);
  });

  it('embeds with a SageMaker endpoint named by its key when the dimension is given', () => {
    const { platform: p } = setup({
      sagemakerModels: {
        Llama: llama,
        E5: { ...llama, endpointName: 'e5-large', kind: 'embedding' },
      },
      vectorStore: { embeddingModel: 'E5', dimension: 1024, indexName: 'kb' },
    });
    expect(p.frontConfig.vectorStore).toMatchObject({
      embeddingModel: 'sagemaker/e5-large',
      dimension: 1024,
      index: 'kb',
    });
  });

  it.each<[string, Partial<GenAiPlatformProps>, RegExp]>([
    [
      'a vector store without an embedding model',
      { bedrockModels: ['anthropic.claude-3-5-haiku-20241022-v1:0'], vectorStore: {} },
      /\[Platform\/GenAi\] the vector store needs one embedding model to embed chunks and queries, and none was named/,
    ],
    [
      'a dimension the embedding model cannot return',
      { vectorStore: { dimension: 768 } },
      /dimension 768 does not match the embedding model "bedrock\/amazon\.titan-embed-text-v2:0", which returns vectors of 256, 512, 1024 dimensions/,
    ],
    [
      'a SageMaker embedding model without a dimension',
      {
        sagemakerModels: { Llama: llama, E5: { ...llama, endpointName: 'e5-large', kind: 'embedding' } },
        bedrockModels: [],
        vectorStore: {},
      },
      /the vector length of "sagemaker\/e5-large" is not known here\. Expected `dimension`/,
    ],
  ])('rejects %s', (_name, props, message) => {
    expect(() => setup(props)).toThrow(message);
  });

  it('rejects a platform without models and a route to an unknown target', () => {
    expect(() => setup({ sagemakerModels: {}, bedrockModels: [] })).toThrow(
      /no model targets were given\. Expected at least one SageMaker endpoint or Bedrock model id/,
    );
    expect(() => setup({ routes: { chat: { targets: ['Mistral'] } } })).toThrow(
      /route target "Mistral" is not a model of this platform\. Expected one of: Llama, sagemaker\/llama-8b/,
    );
  });

  it('serves a scale-to-zero endpoint through its inference component, with invoke on both ARNs', () => {
    const { platform, template: t } = setup({ sagemakerModels: { Llama: { ...llama, scaleToZero: {} } } });
    expect(platform.frontConfig.models[0]).toMatchObject({
      id: 'sagemaker/llama-8b',
      inferenceComponent: 'llama-8b-ic',
    });
    t.hasResourceProperties('AWS::SageMaker::InferenceComponent', { InferenceComponentName: 'llama-8b-ic' });
    const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p['Properties'].PolicyDocument.Statement,
    );
    const invoke = statements.filter((s) => JSON.stringify(s.Action).includes('sagemaker:InvokeEndpoint'));
    expect(invoke).toHaveLength(1);
    expect(invoke[0].Resource.map(flat)).toEqual([
      'arn:<AWS::Partition>:sagemaker:us-east-1:111122223333:endpoint/llama-8b',
      expect.stringMatching(/^<GenAiLlamaInferenceComponent[0-9A-F]{8}\.InferenceComponentArn>$/),
    ]);
  });

  it('rejects endpoints the front cannot call (asynchronous)', () => {
    expect(() =>
      setup({
        sagemakerModels: { Llama: { ...llama, asyncInference: { bucket: undefined as never } } },
      }),
    ).toThrow(/sagemakerModels\.Llama sets asyncInference, but the front answers synchronously/);
  });

  it('routes to an endpoint imported by name', () => {
    const s = new Stack(new App(), 'Imp', { env });
    const existing = SageMakerGpuEndpoint.fromEndpointName(s, 'Existing', 'team-mistral');
    const p = new GenAiPlatform(s, 'GenAi', { importedEndpoints: [existing], cache: false, front: { code } });
    expect(p.frontConfig.routes).toEqual({ chat: { targets: ['sagemaker/team-mistral'] } });
  });
});
