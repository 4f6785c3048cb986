import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The constructs' own aws-cdk-lib (test/ has no copy of its own; see packages/aws/README.md).
import { cdk, nag } from '@genai-deploy/aws/cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, STACK_NAME } from '../apps/aws/src/app.js';

const { Match, Template } = cdk.assertions;

describe('apps/aws synthesized with cdk-nag AwsSolutions on', () => {
  let outdir: string;
  let template: cdk.assertions.Template;
  let json: Record<string, Record<string, { Type: string; Properties?: Record<string, unknown> }>>;

  beforeAll(() => {
    // GIVEN the app as `cdk synth` runs it: cdk.json's feature flags, the real front handler bundled once
    outdir = mkdtempSync(join(tmpdir(), 'genai-aws-app-'));
    const { context } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'cdk.json'), 'utf8'));
    expect(Object.keys(context).length).toBeGreaterThan(50);
    const app = buildApp({ outdir, region: 'us-east-1', context });
    // WHEN it synthesizes: the AwsSolutions plugin throws ValidationFailed on any unacknowledged finding
    const assembly = app.synth();
    const stack = assembly.getStackByName(STACK_NAME);
    json = stack.template;
    template = Template.fromJSON(stack.template);
  }, 180_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('passes cdk-nag with zero unacknowledged findings and every acknowledgement has a specific reason', () => {
    // THEN synth did not throw, and the acknowledgements recorded on constructs all carry a reason
    const text = JSON.stringify(json);
    expect(text).not.toContain('"reason":""');
  });

  it('would fail the synth on an unacknowledged finding (the check above can fail)', () => {
    const app = new cdk.App({ outdir: mkdtempSync(join(tmpdir(), 'genai-aws-nag-')) });
    cdk.Validations.of(app).addPlugins(new nag.AwsSolutionsChecks(app));
    const stack = new cdk.Stack(app, 'Unsafe');
    new cdk.aws_s3.Bucket(stack, 'NoSslNoLogs');
    expect(() => app.synth()).toThrow(/AwsSolutions-S(1|10)/);
    rmSync(app.outdir, { recursive: true, force: true });
  });

  it('deploys a TGI endpoint on a GPU instance in the VPC with autoscaling', () => {
    template.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: Match.objectLike({
        Environment: Match.objectLike({
          HF_MODEL_ID: 'meta-llama/Llama-3.1-8B-Instruct',
          SM_NUM_GPUS: '1',
          MAX_INPUT_TOKENS: '6144',
          MAX_TOTAL_TOKENS: '8192',
          HF_TOKEN: Match.anyValue(),
        }),
      }),
      VpcConfig: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: 'llama-3-1-8b-instruct' });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 1,
      MaxCapacity: 2,
    });
    const model = Object.values(template.findResources('AWS::SageMaker::Model'))[0];
    expect(JSON.stringify(model?.['Properties']?.['PrimaryContainer'])).toContain(
      '{{resolve:secretsmanager:',
    );
  });

  it('routes chat to the endpoint with a Bedrock fallback behind CloudFront and WAF', () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (r) => r['Properties']?.['Architectures']?.[0] === 'arm64',
    );
    const configJoin = fn?.['Properties']?.['Environment']?.['Variables']?.['GENAI_CONFIG'];
    const config = JSON.stringify(configJoin);
    expect(config).toContain(
      '\\"chat\\":{\\"targets\\":[\\"sagemaker/llama-3-1-8b-instruct\\",\\"bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0\\"]',
    );
    template.hasResourceProperties('AWS::Lambda::Url', { InvokeMode: 'RESPONSE_STREAM' });
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({ Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: 'IP' } } }),
      ]),
    });
    template.resourceCountIs('AWS::CloudFront::Distribution', 1);
    template.resourceCountIs('AWS::ElastiCache::ServerlessCache', 1);
    template.hasResourceProperties('AWS::OpenSearchServerless::Collection', { StandbyReplicas: 'DISABLED' });
  });

  it("wires the vector store into the front's config and grants the front its one index", () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (r) => r['Properties']?.['Architectures']?.[0] === 'arm64',
    );
    const config = JSON.stringify(fn?.['Properties']?.['Environment']?.['Variables']?.['GENAI_CONFIG']);
    // The endpoint is the collection's CollectionEndpoint attribute, joined into the JSON at deploy time.
    expect(config).toMatch(
      /\\"vectorStore\\":\{\\"engine\\":\\"opensearch\\",\\"endpoint\\":\\"",\{"Fn::GetAtt":\["PlatformVectorStore[0-9A-F]{8}","CollectionEndpoint"\]\}/,
    );
    expect(config).toContain(
      '\\"region\\":\\"us-east-1\\",\\"index\\":\\"genai-chunks\\",\\"embeddingModel\\":\\"embeddings\\",\\"dimension\\":1024}',
    );
    template.resourceCountIs('AWS::OpenSearchServerless::Index', 0);
    const access = Object.values(template.findResources('AWS::OpenSearchServerless::AccessPolicy'))[0];
    const policy = JSON.stringify(access?.['Properties']?.['Policy']);
    expect(policy).toContain('grantIndexReadWrite genai-chunks');
    expect(policy).toMatch(/aoss:CreateIndex.*aoss:DescribeIndex.*aoss:ReadDocument.*aoss:WriteDocument/);
    expect(policy).not.toMatch(/index\/[a-z0-9-]+\/\*/);
  });

  it('outputs the front URL, its routes and the SSM parameter name', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs.some((k) => k.startsWith('PlatformFrontUrl'))).toBe(true);
    expect(outputs.some((k) => k.startsWith('PlatformFrontRoutes'))).toBe(true);
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: `/genai-deploy/${STACK_NAME}/Platform/front-config`,
    });
  });
});
