import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { ArnFormat, Names, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import { errors } from './errors.js';

/** Port of the primary endpoint; reads from replicas use the next one. */
export const REDIS_PORT = 6379;
export const REDIS_READER_PORT = 6380;

export type CacheEngine = 'valkey' | 'redis';

/** Caps that bound what an ElastiCache Serverless cache can cost (it scales within them). */
export interface CacheUsageLimits {
  /** Most data stored, in GB (1..5000). @default 10 */
  readonly maxDataStorageGb?: number;
  /** Least data billed, in GB; raise it to pre-warm capacity. @default - none */
  readonly minDataStorageGb?: number;
  /** Most ElastiCache Processing Units per second (1,000..15,000,000). @default 100000 */
  readonly maxEcpuPerSecond?: number;
  /** Least ECPU per second; raise it to absorb bursts without scaling lag. @default - none */
  readonly minEcpuPerSecond?: number;
}

export interface RedisCacheProps {
  /** VPC of the cache. */
  readonly vpc: ec2.IVpc;
  /** @default - the VPC's private subnets (isolated ones when there are no subnets with egress) */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @default 'valkey' (about a third cheaper than Redis OSS on Serverless) */
  readonly engine?: CacheEngine;
  /** @default '8' for Valkey, '7' for Redis OSS */
  readonly majorEngineVersion?: string;
  /** @default - derived from the construct path */
  readonly cacheName?: string;
  /** @default { maxDataStorageGb: 10, maxEcpuPerSecond: 100000 } */
  readonly usageLimits?: CacheUsageLimits;
  /** Daily snapshots kept (0 turns them off). @default 1 */
  readonly snapshotRetentionLimit?: number;
  /** Start of the daily snapshot window, "HH:MM" UTC. @default - chosen by ElastiCache */
  readonly dailySnapshotTime?: string;
  /** Name of a snapshot taken when the cache is deleted. @default - none */
  readonly finalSnapshotName?: string;
  /** Customer key for data at rest. @default - an AWS-owned key */
  readonly encryptionKey?: kms.IKey;
  /** User group (RBAC / IAM auth). @default - the default user; reachability is limited by the security group */
  readonly userGroupId?: string;
  /** @default RemovalPolicy.DESTROY (a cache holds derived data) */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An ElastiCache Serverless cache (Valkey or Redis OSS) in private subnets. Traffic is always TLS; its security
 * group admits nothing until `grantConnect` (or `connections`) allows a peer.
 */
export class RedisCache extends Resource implements ec2.IConnectable {
  readonly connections: ec2.Connections;
  readonly securityGroup: ec2.SecurityGroup;
  readonly cacheName: string;
  readonly engine: CacheEngine;
  /** Host name of the primary endpoint. */
  readonly endpointAddress: string;
  /** Port of the primary endpoint. */
  readonly endpointPort: string;
  /** `rediss://host:port` (TLS) for the front's configuration; holds no credential. */
  readonly redisUrl: string;
  readonly cacheArn: string;
  readonly cfnCache: elasticache.CfnServerlessCache;

  constructor(scope: Construct, id: string, props: RedisCacheProps) {
    super(scope, id);
    const engine = props.engine ?? 'valkey';
    this.engine = engine;
    const cacheName =
      props.cacheName ?? Names.uniqueResourceName(this, { maxLength: 40, separator: '-' }).toLowerCase();
    if (!Token.isUnresolved(cacheName) && !/^[a-z](?!.*--)[a-z0-9-]{0,39}$/.test(cacheName)) {
      throw errors.invalidName(this, 'cacheName', cacheName, '^[a-z][a-z0-9-]*$ without "--"', 40);
    }
    this.cacheName = cacheName;

    const limits = props.usageLimits ?? {};
    const maxGb = limits.maxDataStorageGb ?? 10;
    const maxEcpu = limits.maxEcpuPerSecond ?? 100_000;
    this.checkRange('usageLimits.maxDataStorageGb', maxGb, 1, 5000);
    if (limits.minDataStorageGb !== undefined)
      this.checkRange('usageLimits.minDataStorageGb', limits.minDataStorageGb, 1, maxGb);
    this.checkRange('usageLimits.maxEcpuPerSecond', maxEcpu, 1000, 15_000_000);
    if (limits.minEcpuPerSecond !== undefined)
      this.checkRange('usageLimits.minEcpuPerSecond', limits.minEcpuPerSecond, 1000, maxEcpu);
    const retention = props.snapshotRetentionLimit ?? 1;
    this.checkRange('snapshotRetentionLimit', retention, 0, 35);
    if (props.dailySnapshotTime !== undefined && !/^([01]\d|2[0-3]):[0-5]\d$/.test(props.dailySnapshotTime)) {
      throw errors.snapshotTime(this, props.dailySnapshotTime);
    }

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `ElastiCache Serverless ${cacheName}: reachable only from granted peers`,
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({
      securityGroups: [this.securityGroup],
      defaultPort: ec2.Port.tcpRange(REDIS_PORT, REDIS_READER_PORT),
    });

    const subnets = props.vpc.selectSubnets(
      props.vpcSubnets ??
        (props.vpc.privateSubnets.length > 0
          ? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }
          : { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }),
    );

    this.cfnCache = new elasticache.CfnServerlessCache(this, 'Resource', {
      serverlessCacheName: cacheName,
      engine,
      majorEngineVersion: props.majorEngineVersion ?? (engine === 'valkey' ? '8' : '7'),
      description: `genai-deploy response cache (${engine})`,
      subnetIds: subnets.subnetIds,
      securityGroupIds: [this.securityGroup.securityGroupId],
      cacheUsageLimits: {
        dataStorage: {
          maximum: maxGb,
          ...(limits.minDataStorageGb ? { minimum: limits.minDataStorageGb } : {}),
          unit: 'GB',
        },
        ecpuPerSecond: {
          maximum: maxEcpu,
          ...(limits.minEcpuPerSecond ? { minimum: limits.minEcpuPerSecond } : {}),
        },
      },
      snapshotRetentionLimit: retention,
      ...(props.dailySnapshotTime ? { dailySnapshotTime: props.dailySnapshotTime } : {}),
      ...(props.finalSnapshotName ? { finalSnapshotName: props.finalSnapshotName } : {}),
      ...(props.encryptionKey ? { kmsKeyId: props.encryptionKey.keyArn } : {}),
      ...(props.userGroupId ? { userGroupId: props.userGroupId } : {}),
    });
    this.cfnCache.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.DESTROY);

    this.endpointAddress = this.cfnCache.attrEndpointAddress;
    this.endpointPort = this.cfnCache.attrEndpointPort;
    this.redisUrl = `rediss://${this.endpointAddress}:${this.endpointPort}`;
    this.cacheArn = this.cfnCache.attrArn;
  }

  /** Lets `peer` reach the cache on its ports (TLS); with a user group, IAM principals can also be granted `grantIamConnect`. */
  grantConnect(peer: ec2.IConnectable): void {
    this.connections.allowDefaultPortFrom(peer, 'Redis over TLS from a granted client');
  }

  /** Allows `elasticache:Connect` on this cache for IAM authentication (needs a user group with IAM users). */
  grantIamConnect(grantee: iam.IGrantable, userId?: string): iam.Grant {
    const stack = Stack.of(this);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['elasticache:Connect'],
      resourceArns: [
        this.cacheArn,
        ...(userId
          ? [
              stack.formatArn({
                service: 'elasticache',
                resource: 'user',
                resourceName: userId,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            ]
          : []),
      ],
    });
  }

  private checkRange(prop: string, value: number, min: number, max: number): void {
    if (Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < min || value > max)
      throw errors.cacheUsageLimits(this, prop, value, min, max);
  }
}
