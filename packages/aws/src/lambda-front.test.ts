import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrontConfigInput } from '@genai-deploy/config';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { FRONT_BUNDLE_DIR, frontBundle } from './front-bundle.js';
import { LambdaFront, type LambdaFrontProps } from './lambda-front.js';
import { flat, nagFindings } from './nag.test-utils.js';
import { RedisCache } from './redis-cache.js';
import { VectorStore } from './vector-store.js';

const env = { account: '111122223333', region: 'us-east-1' };
const config: FrontConfigInput = {
  models: [
    { id: 'sagemaker/llama-8b', maxInputTokens: 6000 },
    { id: 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0' },
  ],
  routes: { chat: { targets: ['sagemaker/llama-8b', 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0'] } },
};
const inline = lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });');
const TITAN = 'bedrock/amazon.titan-embed-text-v2:0';
const withEmbeddings: FrontConfigInput = {
  ...config,
  models: [...(config.models ?? []), { id: TITAN, kind: 'embedding' }],
};

function setup(props: Partial<LambdaFrontProps> = {}, stackEnv = env) {
  const stack = new Stack(new App(), 'S', { env: stackEnv });
  const front = new LambdaFront(stack, 'Front', { config, code: inline, ...props });
  return { stack, front };
}

const envOf = (template: Template) => {
  const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
  return fn?.['Properties'].Environment.Variables as Record<string, unknown>;
};

describe('LambdaFront deploying the prebuilt front bundle', () => {
  // One synth shared by every assertion here (the bundle is built once, on demand, when missing or stale).
  let stack: Stack;
  let template: Template;
  let outdir: string;
  beforeAll(() => {
    const app = new App();
    stack = new Stack(app, 'S', { env });
    new LambdaFront(stack, 'Front', { config });
    template = Template.fromStack(stack);
    outdir = app.synth().directory;
  }, 120_000);

  it('finds the bundle inside the package, built from the sources in this repository', () => {
    expect(frontBundle()).toEqual({ dir: FRONT_BUNDLE_DIR });
    expect(FRONT_BUNDLE_DIR).toMatch(/packages\/aws\/lambda\/front$/);
  });

  it('deploys the prebuilt ESM bundle as an asset, on arm64 Node 24 with a streaming Function URL', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 1024,
      Timeout: 900,
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^FrontLogGroup') } },
    });
    template.hasResourceProperties('AWS::Lambda::Url', { InvokeMode: 'RESPONSE_STREAM', AuthType: 'NONE' });
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0]!;
    expect(fn['Properties'].Code).toEqual({
      S3Bucket: 'cdk-hnb659fds-assets-111122223333-us-east-1',
      S3Key: expect.stringMatching(/^[0-9a-f]{64}\.zip$/),
    });
    const assets = readdirSync(outdir).filter((d) => d.startsWith('asset.'));
    const bundle = assets.map((d) => join(outdir, d)).find((d) => existsSync(join(d, 'index.mjs')));
    expect(bundle, 'the asset folder holds index.mjs').toBeDefined();
    // Code splitting: the entry stays small, the providers' official clients are chunks loaded on first use.
    expect(statSync(join(bundle!, 'index.mjs')).size).toBeLessThan(3 * 2 ** 20);
    expect(readdirSync(join(bundle!, 'chunks')).filter((f) => f.endsWith('.mjs')).length).toBeGreaterThan(4);
    expect(readFileSync(join(bundle!, 'index.mjs'))).toEqual(
      readFileSync(join(FRONT_BUNDLE_DIR, 'index.mjs')),
    );
  });

  it('bundles a handler of your own given as `entry` at synth (NodejsFunction)', () => {
    // NodejsFunction wants the entry under the project root (the directory holding the lock file).
    const dir = mkdtempSync(join(import.meta.dirname, '..', '.entry-test-'));
    try {
      const entry = join(dir, 'handler.mjs');
      writeFileSync(entry, "export const handler = async () => ({ statusCode: 200, body: 'own' });\n");
      const app = new App();
      const own = new Stack(app, 'Own', { env });
      new LambdaFront(own, 'Front', { config, entry });
      Template.fromStack(own).hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
      });
      const out = app.synth().directory;
      const bundled = readdirSync(out)
        .filter((d) => d.startsWith('asset.'))
        .map((d) => join(out, d, 'index.mjs'))
        .find((f) => existsSync(f));
      expect(bundled).toBeDefined();
      expect(readFileSync(bundled!, 'utf8')).toContain('own');
      expect(statSync(bundled!).size).toBeLessThan(2000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes the validated configuration and the secret ARN, never a key', () => {
    const vars = envOf(template);
    const parsed = JSON.parse(String(vars['GENAI_CONFIG']).replace(/"region":\{[^}]*\}/g, '"region":"r"'));
    expect(parsed.routes.chat.targets).toEqual([
      'sagemaker/llama-8b',
      'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0',
    ]);
    expect(parsed.providers).toEqual({
      bedrock: { region: 'us-east-1' },
      sagemaker: { region: 'us-east-1' },
    });
    expect(parsed.logPrompts).toBe(false);
    expect(vars['GENAI_API_KEYS_SECRET_ARN']).toEqual({ Ref: expect.stringMatching(/^FrontApiKeys/) });
    expect(JSON.stringify(vars)).not.toMatch(/resolve:secretsmanager/);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true },
    });
  });

  it('may invoke exactly the models it routes to', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'InvokeBedrockModels',
            Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0',
                ],
              ],
            },
          }),
          Match.objectLike({
            Sid: 'InvokeSageMakerEndpoints',
            Resource: {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:111122223333:endpoint/llama-8b'],
              ],
            },
          }),
        ]),
      },
    });
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toMatch(/"Resource":"\*"/);
    template.resourcePropertiesCountIs('AWS::IAM::Role', { ManagedPolicyArns: Match.anyValue() }, 0);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('may invoke a SageMaker model by name and its inference component', () => {
    const { stack } = setup({
      config: {
        models: [{ id: 'sagemaker/team-llama', inferenceComponent: 'team-llama-ic' }],
        routes: { chat: { targets: ['sagemaker/team-llama'] } },
      },
    });
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy') as Record<
      string,
      { Properties: { PolicyDocument: { Statement: { Sid?: string; Resource: unknown[] }[] } } }
    >;
    const statement = Object.values(policies)
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .find((s) => s.Sid === 'InvokeSageMakerEndpoints');
    expect(statement?.Resource.map(flat)).toEqual([
      'arn:<AWS::Partition>:sagemaker:us-east-1:111122223333:endpoint/team-llama',
      'arn:<AWS::Partition>:sagemaker:us-east-1:111122223333:inference-component/team-llama-ic',
    ]);
  });

  it('has no unacknowledged cdk-nag findings', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('LambdaFront options', () => {
  it('grants an inference profile and its foundation model in the destination regions', () => {
    const { stack } = setup({
      config: {
        models: [{ id: 'bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0' }],
        routes: { chat: { targets: ['bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0'] } },
      },
    });
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    const statements = policies.flatMap((p) => p['Properties'].PolicyDocument.Statement);
    const profile = statements.find((s) => s.Sid === 'InvokeBedrockModels');
    const destinations = statements.find((s) => s.Sid === 'InvokeProfileDestinations');
    expect(flat(profile.Resource)).toBe(
      'arn:<AWS::Partition>:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0',
    );
    expect(flat(destinations.Resource)).toBe(
      'arn:<AWS::Partition>:bedrock:*::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0',
    );
    expect(nagFindings(stack)).toEqual([]);
  });

  it('joins a VPC, reaches the cache and the vector store, and puts the TLS cache URL in the config', () => {
    const stack = new Stack(new App(), 'S', { env });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const cache = new RedisCache(stack, 'Cache', { vpc });
    const vectors = new VectorStore(stack, 'Vectors', {
      vpc,
      index: { dimension: 1024, indexName: 'genai-chunks' },
      createIndex: false,
    });
    new LambdaFront(stack, 'Front', {
      config: withEmbeddings,
      code: inline,
      vpc,
      cache,
      vectorStore: vectors,
      reservedConcurrentExecutions: 50,
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 50,
      VpcConfig: {
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^FrontSecurityGroup'), 'GroupId'] }],
      },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 6379,
      ToPort: 6380,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CacheSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FrontSecurityGroup'), 'GroupId'] },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 443,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^VectorsEndpointSecurityGroup'), 'GroupId'] },
    });
    expect(flat(envOf(template)['GENAI_CONFIG'])).toMatch(
      /"redisUrl":"rediss:\/\/<Cache[0-9A-F]{8}\.Endpoint\.Address>:<Cache[0-9A-F]{8}\.Endpoint\.Port>"/,
    );
  });

  it("puts the vector store's endpoint, region, index, embedding model and dimension in the config", () => {
    // GIVEN a public collection whose index the front creates, and a configuration with Titan embeddings
    const stack = new Stack(new App(), 'S', { env });
    const vectors = new VectorStore(stack, 'Vectors', {
      publicAccess: true,
      index: { dimension: 512, indexName: 'docs' },
      createIndex: false,
    });
    // WHEN the front is wired to it, with chunking settings of its own
    const front = new LambdaFront(stack, 'Front', {
      config: {
        ...withEmbeddings,
        vectorStore: { chunking: { maxChunkSizeTokens: 400, chunkOverlapTokens: 100 } } as never,
      },
      code: inline,
      vectorStore: vectors,
    });
    // THEN the config names the collection endpoint (a deploy-time attribute), and the chunking survives
    const template = Template.fromStack(stack);
    const json = JSON.parse(flat(envOf(template)['GENAI_CONFIG']));
    expect(json.vectorStore).toEqual({
      engine: 'opensearch',
      endpoint: expect.stringMatching(/^<Vectors[0-9A-F]{8}\.CollectionEndpoint>$/),
      region: 'us-east-1',
      index: 'docs',
      embeddingModel: TITAN,
      dimension: 512,
      chunking: { maxChunkSizeTokens: 400, chunkOverlapTokens: 100 },
    });
    expect(front.frontConfig.vectorStore).toMatchObject({
      engine: 'opensearch',
      index: 'docs',
      dimension: 512,
    });
    // AND the function may create and use that index only
    const access = Object.values(template.findResources('AWS::OpenSearchServerless::AccessPolicy'))[0];
    const policy = JSON.parse(flat(access?.['Properties'].Policy).replace(/<[^>]+>/g, 'ROLE'));
    expect(policy).toEqual([
      {
        Description: 'grantIndexReadWrite docs',
        Principal: ['ROLE'],
        Rules: [
          {
            ResourceType: 'index',
            Resource: [`index/${vectors.collectionName}/docs`],
            Permission: ['aoss:CreateIndex', 'aoss:DescribeIndex', 'aoss:ReadDocument', 'aoss:WriteDocument'],
          },
        ],
      },
    ]);
  });

  it.each<[string, () => VectorStore, FrontConfigInput, string | undefined, RegExp]>([
    [
      'a store that creates its own index at deploy time',
      () =>
        new VectorStore(new Stack(new App(), 'V'), 'Vectors', {
          publicAccess: true,
          index: { dimension: 1024 },
        }),
      withEmbeddings,
      undefined,
      /creates index "vectors" at deploy time.*Fix: pass createIndex: false/,
    ],
    [
      'an index the embedding model cannot fill',
      () =>
        new VectorStore(new Stack(new App(), 'V'), 'Vectors', {
          publicAccess: true,
          index: { dimension: 768 },
          createIndex: false,
        }),
      withEmbeddings,
      undefined,
      /dimension 768 does not match the embedding model "bedrock\/amazon\.titan-embed-text-v2:0"/,
    ],
    [
      'a configuration without an embedding model',
      () =>
        new VectorStore(new Stack(new App(), 'V'), 'Vectors', {
          publicAccess: true,
          index: { dimension: 1024 },
          createIndex: false,
        }),
      config,
      undefined,
      /the vector store needs one embedding model.*configuration: none/,
    ],
    [
      'a chat model as embedding model',
      () =>
        new VectorStore(new Stack(new App(), 'V'), 'Vectors', {
          publicAccess: true,
          index: { dimension: 1024 },
          createIndex: false,
        }),
      withEmbeddings,
      'chat',
      /embeddingModel "chat" resolves to "sagemaker\/llama-8b", which is not an embedding model/,
    ],
  ])('rejects %s', (_name, store, given, embeddingModel, message) => {
    const vectorStore = store();
    const stack = Stack.of(vectorStore);
    expect(
      () =>
        new LambdaFront(stack, 'Front', {
          config: given,
          code: inline,
          vectorStore,
          ...(embeddingModel ? { embeddingModel } : {}),
        }),
    ).toThrow(message);
  });

  it('puts CloudFront with a WAF rate-based rule in front of the URL', () => {
    const { stack, front } = setup({ cloudFront: { rateLimitPer5Minutes: 500 } });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'RateLimitPerIp',
          Action: { Block: {} },
          Statement: { RateBasedStatement: { Limit: 500, AggregateKeyType: 'IP' } },
        }),
      ]),
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        WebACLId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FrontWebAcl'), 'Arn'] },
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'https-only' }),
        Origins: [Match.objectLike({ CustomOriginConfig: Match.objectLike({ OriginReadTimeout: 60 }) })],
      }),
    });
    expect(stack.resolve(front.url)).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.anyValue(), 'DomainName'] }, '/']].map((x) =>
        typeof x === 'string' ? x : expect.anything(),
      ),
    });
    expect(nagFindings(stack)).toEqual([]);
  });

  it('signs origin requests with OAC when the URL uses AWS_IAM auth', () => {
    const { stack } = setup({ authType: lambda.FunctionUrlAuthType.AWS_IAM, cloudFront: { waf: false } });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 'lambda' }),
    });
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });

  it.each<[string, Partial<LambdaFrontProps>, RegExp]>([
    [
      'a route to an unknown model',
      {
        config: {
          models: [{ id: 'bedrock/amazon.nova-lite-v1:0' }],
          routes: { chat: { targets: ['sagemaker/missing'] } },
        },
      },
      /the front configuration built for GENAI_CONFIG is invalid:.*route "chat" targets "sagemaker\/missing"/s,
    ],
    [
      'a password in the Redis URL',
      { config: { ...config, cache: { redisUrl: 'rediss://default:hunter2@cache.example:6379' } } },
      /holds a credential at cache\.redisUrl/,
    ],
    [
      'a malformed Bedrock model id',
      { config: { models: [{ id: 'bedrock/claude' }] } },
      /Bedrock model id "claude" is not a foundation model id/,
    ],
    [
      'a configuration too large for the Lambda environment',
      {
        config: {
          models: Array.from({ length: 60 }, (_, i) => ({
            id: `bedrock/amazon.nova-lite-v1:${i}`,
            maxOutputTokens: 4096,
          })),
        },
      },
      /the environment is about \d+ bytes \(GENAI_CONFIG included\); Lambda allows 4096/,
    ],
  ])('rejects %s', (_name, props, message) => {
    expect(() => setup(props)).toThrow(message);
  });

  it('rejects a WAF outside us-east-1 unless a web ACL ARN is given', () => {
    const euwest = { account: '111122223333', region: 'eu-west-1' };
    expect(() => setup({ cloudFront: {} }, euwest)).toThrow(
      /web ACL must be created in us-east-1, but this stack is in eu-west-1/,
    );
    const { stack } = setup(
      { cloudFront: { webAclArn: 'arn:aws:wafv2:us-east-1:111122223333:global/webacl/x/1' } },
      euwest,
    );
    Template.fromStack(stack).hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        WebACLId: 'arn:aws:wafv2:us-east-1:111122223333:global/webacl/x/1',
      }),
    });
  });

  it('rejects a cache without a VPC', () => {
    const stack = new Stack(new App(), 'S', { env });
    const cache = new RedisCache(stack, 'Cache', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 }) });
    expect(() => new LambdaFront(stack, 'Front', { config, code: inline, cache })).toThrow(
      /a LambdaFront with a cache needs a VPC, but none was given/,
    );
  });
});
