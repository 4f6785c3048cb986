import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { flat, nagFindings } from './nag.test-utils.js';
import { VectorStore, type VectorStoreProps } from './vector-store.js';

const env = { account: '111122223333', region: 'us-west-2' };

function setup(props: Partial<VectorStoreProps> = {}, withVpc = true) {
  const stack = new Stack(new App(), 'S', { env });
  const vpc = withVpc ? new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }) : undefined;
  const store = new VectorStore(stack, 'Vectors', {
    collectionName: 'rag-docs',
    index: { dimension: 1024 },
    ...(vpc ? { vpc } : {}),
    ...props,
  });
  return { stack, vpc, store };
}

const policyOf = (template: Template, type: string) => {
  const found = Object.values(
    template.findResources('AWS::OpenSearchServerless::SecurityPolicy', { Properties: { Type: type } }),
  );
  return found[0]?.['Properties'];
};

describe('VectorStore', () => {
  it('creates a private VECTORSEARCH collection with AWS-owned encryption, a VPC endpoint and standby replicas', () => {
    const { stack } = setup();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::OpenSearchServerless::Collection', {
      Name: 'rag-docs',
      Type: 'VECTORSEARCH',
      StandbyReplicas: 'ENABLED',
    });
    template.hasResource('AWS::OpenSearchServerless::Collection', { DeletionPolicy: 'Retain' });
    expect(JSON.parse(policyOf(template, 'encryption').Policy)).toEqual({
      Rules: [{ ResourceType: 'collection', Resource: ['collection/rag-docs'] }],
      AWSOwnedKey: true,
    });
    const network = stack.resolve(policyOf(template, 'network').Policy);
    const text = JSON.stringify(network);
    expect(text).toContain('"AllowFromPublic\\":false');
    expect(text).toContain('SourceVPCEs');
    template.hasResourceProperties('AWS::OpenSearchServerless::VpcEndpoint', {
      Name: 'rag-docs-vpce',
      SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('EndpointSecurityGroup'), 'GroupId'] }],
    });
  });

  it('creates the k-NN index at deploy time from the props', () => {
    const { stack } = setup({
      index: { dimension: 1536, engine: 'nmslib', spaceType: 'cosinesimil', indexName: 'docs', m: 32 },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::OpenSearchServerless::Index', {
      IndexName: 'docs',
      CollectionEndpoint: { 'Fn::GetAtt': [Match.anyValue(), 'CollectionEndpoint'] },
      Settings: { Index: { Knn: true, KnnAlgoParamEfSearch: 512 } },
      Mappings: {
        Properties: {
          vector: {
            Type: 'knn_vector',
            Dimension: 1536,
            Method: {
              Name: 'hnsw',
              Engine: 'nmslib',
              SpaceType: 'cosinesimil',
              Parameters: { M: 32, EfConstruction: 512 },
            },
          },
          text: { Type: 'text' },
          metadata: { Type: 'text', Index: false },
        },
      },
    });
  });

  it('builds the data-access policy from grants and gives the deploy role index management only', () => {
    const { stack, store } = setup();
    const reader = new iam.Role(stack, 'Reader', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    const writer = new iam.Role(stack, 'Writer', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    store.grantRead(reader);
    store.grantReadWrite(writer);
    const template = Template.fromStack(stack);
    const access = Object.values(template.findResources('AWS::OpenSearchServerless::AccessPolicy'))[0];
    const policy = JSON.stringify(access?.['Properties'].Policy);
    expect(policy).toContain('cdk-hnb659fds-cfn-exec-role');
    // The bootstrap role ARN carries ${AWS::AccountId}-style placeholders: they must go through Fn::Sub.
    expect(policy).toContain(
      `{"Fn::Sub":"arn:\${AWS::Partition}:iam::111122223333:role/cdk-hnb659fds-cfn-exec-role`,
    );
    expect(policy).toMatch(/grantRead\\".*Reader[0-9A-F]{8}/);
    expect(policy).toMatch(/grantReadWrite\\".*Writer[0-9A-F]{8}/);
    expect(policy).not.toContain('aoss:*');
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Reader') }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'aoss:APIAccessAll',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
          },
        ],
      },
    });
  });

  it('grants one index, created on first use, without the deploy role or any other index', () => {
    // GIVEN a store whose index its client creates
    const { stack, store } = setup({
      index: { dimension: 1024, indexName: 'genai-chunks' },
      createIndex: false,
    });
    const front = new iam.Role(stack, 'Front', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    // WHEN the front's role is granted that index
    store.grantIndexReadWrite(front, 'genai-chunks', { createIndex: true });
    // THEN the data-access policy holds one statement: that index, these permissions, no wildcard index
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::OpenSearchServerless::Index', 0);
    const access = Object.values(template.findResources('AWS::OpenSearchServerless::AccessPolicy'))[0];
    expect(JSON.parse(flat(access?.['Properties'].Policy))).toEqual([
      {
        Description: 'grantIndexReadWrite genai-chunks',
        Principal: [expect.stringMatching(/^<Front[0-9A-F]{8}\.Arn>$/)],
        Rules: [
          {
            ResourceType: 'index',
            Resource: ['index/rag-docs/genai-chunks'],
            Permission: ['aoss:CreateIndex', 'aoss:DescribeIndex', 'aoss:ReadDocument', 'aoss:WriteDocument'],
          },
        ],
      },
    ]);
    // AND the role may call the collection's data plane (APIAccessAll on this collection, not *)
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Front') }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'aoss:APIAccessAll',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Vectors'), 'Arn'] },
          },
        ],
      },
    });
    expect(() => store.grantIndexReadWrite(front, 'genai-*')).toThrow(/indexName "genai-\*" does not match/);
  });

  it('turns standby replicas off, uses a customer key and opens to Bedrock when asked', () => {
    const stack = new Stack(new App(), 'S', { env });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new VectorStore(stack, 'Vectors', {
      collectionName: 'kb-docs',
      vpc,
      index: { dimension: 1024 },
      standbyReplicas: false,
      encryptionKey: key,
      allowFromServices: ['bedrock.amazonaws.com'],
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::OpenSearchServerless::Collection', { StandbyReplicas: 'DISABLED' });
    const enc = JSON.stringify(stack.resolve(policyOf(template, 'encryption').Policy));
    expect(enc).toContain('\\"AWSOwnedKey\\":false');
    expect(enc).toContain('KmsARN');
    const net = JSON.stringify(stack.resolve(policyOf(template, 'network').Policy));
    expect(net).toContain('bedrock.amazonaws.com');
  });

  it('can be public without a VPC', () => {
    const { stack } = setup({ publicAccess: true }, false);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::OpenSearchServerless::VpcEndpoint', 0);
    expect(JSON.parse(policyOf(template, 'network').Policy)[0].AllowFromPublic).toBe(true);
  });

  it('has no cdk-nag AwsSolutions findings of its own', () => {
    const { stack, store } = setup();
    store.grantRead(
      new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }),
    );
    expect(nagFindings(stack).filter((f) => f.includes('/Vectors') || f.includes('/Reader'))).toEqual([]);
  });

  it('rejects a grant to a principal without an ARN and a policy with no principal at all', () => {
    const { store } = setup({ indexAdminPrincipalArns: [] });
    expect(() =>
      store.grantRead({ grantPrincipal: new iam.ServicePrincipal('lambda.amazonaws.com') }),
    ).toThrow(/the grantee's principal has no role or user ARN/);
    expect(() => Template.fromStack(Stack.of(store))).toThrow(/the data-access policy has no principal/);
  });

  it.each<[string, Partial<VectorStoreProps>, boolean, RegExp]>([
    [
      'a dimension too large',
      { index: { dimension: 20000 } },
      true,
      /dimension is 20000; the faiss engine accepts 1\.\.16000/,
    ],
    [
      'a space the engine lacks',
      { index: { dimension: 8, spaceType: 'cosinesimil' } },
      true,
      /spaceType "cosinesimil" is not supported by the faiss engine\. Expected one of: l2, innerproduct/,
    ],
    ['a private store without a VPC', {}, false, /a private VectorStore \(the default\) needs a VPC/],
    ['a bad collection name', { collectionName: 'RAG' }, true, /collectionName "RAG" does not match/],
  ])('rejects %s', (_name, props, withVpc, message) => {
    expect(() => setup(props, withVpc)).toThrow(message);
  });
});
