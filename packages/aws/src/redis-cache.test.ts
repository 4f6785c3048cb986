import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { nagFindings } from './nag.test-utils.js';
import { RedisCache, type RedisCacheProps } from './redis-cache.js';

const env = { account: '111122223333', region: 'eu-west-1' };

function setup(props: Partial<RedisCacheProps> = {}) {
  const stack = new Stack(new App(), 'S', { env });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cache = new RedisCache(stack, 'Cache', { vpc, ...props });
  return { stack, vpc, cache };
}

describe('RedisCache', () => {
  it('defaults to a Valkey 8 serverless cache in private subnets with bounded usage and a daily snapshot', () => {
    // GIVEN / WHEN
    const { stack, cache } = setup();
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElastiCache::ServerlessCache', {
      Engine: 'valkey',
      MajorEngineVersion: '8',
      ServerlessCacheName: cache.cacheName,
      SubnetIds: [
        { Ref: Match.stringLikeRegexp('PrivateSubnet1') },
        { Ref: Match.stringLikeRegexp('PrivateSubnet2') },
      ],
      CacheUsageLimits: { DataStorage: { Maximum: 10, Unit: 'GB' }, ECPUPerSecond: { Maximum: 100000 } },
      SnapshotRetentionLimit: 1,
      KmsKeyId: Match.absent(),
    });
    template.hasResource('AWS::ElastiCache::ServerlessCache', { DeletionPolicy: 'Delete' });
    expect(cache.cacheName).toMatch(/^[a-z][a-z0-9-]{0,39}$/);
    expect(stack.resolve(cache.redisUrl)).toEqual({
      'Fn::Join': [
        '',
        [
          'rediss://',
          { 'Fn::GetAtt': [Match.anyValue(), 'Endpoint.Address'] },
          ':',
          { 'Fn::GetAtt': [Match.anyValue(), 'Endpoint.Port'] },
        ].map((v) => (typeof v === 'string' ? v : expect.objectContaining({}))),
      ],
    });
  });

  it('admits no traffic until a peer is granted, then only on 6379-6380', () => {
    const { stack, vpc, cache } = setup();
    const before = Template.fromStack(stack);
    before.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    before.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('reachable only from granted peers'),
      SecurityGroupIngress: Match.absent(),
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32' })],
    });
    expect(vpc).toBeDefined();
    expect(cache.connections.securityGroups).toHaveLength(1);
    // WHEN a client is granted (in a fresh stack: a synthesized tree cannot change)
    const granted = setup();
    const client = new ec2.SecurityGroup(granted.stack, 'Client', { vpc: granted.vpc });
    granted.cache.grantConnect(client);
    Template.fromStack(granted.stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 6379,
      ToPort: 6380,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Client'), 'GroupId'] },
    });
  });

  it('takes Redis OSS, a customer key, usage limits, snapshot options and IAM connect grants', () => {
    const stack = new Stack(new App(), 'S', { env });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const cache = new RedisCache(stack, 'Cache', {
      vpc,
      engine: 'redis',
      cacheName: 'answers',
      encryptionKey: key,
      usageLimits: {
        maxDataStorageGb: 50,
        minDataStorageGb: 2,
        maxEcpuPerSecond: 20000,
        minEcpuPerSecond: 5000,
      },
      snapshotRetentionLimit: 7,
      dailySnapshotTime: '03:30',
      finalSnapshotName: 'answers-final',
      userGroupId: 'genai-users',
    });
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    cache.grantIamConnect(role, 'front');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElastiCache::ServerlessCache', {
      Engine: 'redis',
      MajorEngineVersion: '7',
      ServerlessCacheName: 'answers',
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      CacheUsageLimits: {
        DataStorage: { Maximum: 50, Minimum: 2, Unit: 'GB' },
        ECPUPerSecond: { Maximum: 20000, Minimum: 5000 },
      },
      SnapshotRetentionLimit: 7,
      DailySnapshotTime: '03:30',
      FinalSnapshotName: 'answers-final',
      UserGroupId: 'genai-users',
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 'elasticache:Connect',
            Resource: [
              { 'Fn::GetAtt': [Match.anyValue(), 'ARN'] },
              {
                'Fn::Join': [
                  '',
                  ['arn:', { Ref: 'AWS::Partition' }, ':elasticache:eu-west-1:111122223333:user:front'],
                ],
              },
            ],
          }),
        ],
      },
    });
  });

  it('has no cdk-nag AwsSolutions findings of its own', () => {
    const { stack } = setup();
    expect(nagFindings(stack).filter((f) => f.includes('/Cache'))).toEqual([]);
  });

  it.each<[string, Partial<RedisCacheProps>, RegExp]>([
    [
      'storage above the service maximum',
      { usageLimits: { maxDataStorageGb: 6000 } },
      /usageLimits\.maxDataStorageGb is 6000; ElastiCache Serverless accepts 1\.\.5000/,
    ],
    [
      'ECPU below the service minimum',
      { usageLimits: { maxEcpuPerSecond: 10 } },
      /usageLimits\.maxEcpuPerSecond is 10; ElastiCache Serverless accepts 1000\.\.15000000/,
    ],
    [
      'minimum above maximum',
      { usageLimits: { maxDataStorageGb: 5, minDataStorageGb: 8 } },
      /minDataStorageGb is 8; ElastiCache Serverless accepts 1\.\.5/,
    ],
    ['too many snapshots', { snapshotRetentionLimit: 40 }, /snapshotRetentionLimit is 40; .*0\.\.35/],
    [
      'a bad snapshot time',
      { dailySnapshotTime: '3am' },
      /dailySnapshotTime "3am" is not "HH:MM" \(UTC\)\. Fix: e\.g\. "03:00"/,
    ],
    ['a bad name', { cacheName: 'Answers_1' }, /cacheName "Answers_1" does not match/],
  ])('rejects %s', (_name, props, message) => {
    expect(() => setup(props)).toThrow(message);
  });
});
