import { ManagedRedis } from '@cdktf/provider-azurerm/lib/managed-redis/index.js';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { AzapiResource } from './azapi-resource.js';
import { errors } from './errors.js';
import type { ResourceGroupRef } from './resource-group-ref.js';

/** Port of every Azure Managed Redis database (TLS only with clientProtocol Encrypted). */
export const MANAGED_REDIS_PORT = 10000;

/** Sizes per tier of Azure Managed Redis (the number is roughly the memory in GB). */
export const MANAGED_REDIS_SKUS = {
  Balanced: [
    'B0',
    'B1',
    'B3',
    'B5',
    'B10',
    'B20',
    'B50',
    'B100',
    'B150',
    'B250',
    'B350',
    'B500',
    'B700',
    'B1000',
  ],
  MemoryOptimized: [
    'M10',
    'M20',
    'M50',
    'M100',
    'M150',
    'M250',
    'M350',
    'M500',
    'M700',
    'M1000',
    'M1500',
    'M2000',
  ],
  ComputeOptimized: ['X3', 'X5', 'X10', 'X20', 'X50', 'X100', 'X150', 'X250', 'X350', 'X500', 'X700'],
  FlashOptimized: ['A250', 'A500', 'A700', 'A1000', 'A1500', 'A2000', 'A4500'],
} as const;

export const ALL_MANAGED_REDIS_SKUS: readonly string[] = Object.entries(MANAGED_REDIS_SKUS).flatMap(
  ([tier, sizes]) => sizes.map((s) => `${tier}_${s}`),
);

/** API version for the data access policy assignment (azurerm has no resource for it). */
export const REDIS_ENTERPRISE_API_VERSION = '2025-04-01';

export interface AzureRedisCacheProps {
  readonly resourceGroup: ResourceGroupRef;
  /** 1-60 characters: letters, digits and "-", starting and ending with a letter or digit. */
  readonly name: string;
  /** @default - the resource group's location */
  readonly location?: string;
  /** `<Tier>_<size>`, e.g. `Balanced_B1`. @default 'Balanced_B1' */
  readonly skuName?: string;
  /**
   * Microsoft Entra authentication only: access keys are turned off and principals get data access through
   * `grantDataAccess`. @default true
   */
  readonly entraAuthOnly?: boolean;
  /** Replicate within the region for 99.9%+ availability. @default true */
  readonly highAvailability?: boolean;
  /** @default true */
  readonly publicNetworkAccess?: boolean;
  /**
   * `EnterpriseCluster` exposes one endpoint that any Redis client can use; `OSSCluster` needs a cluster-aware
   * client but scales further. @default 'EnterpriseCluster'
   */
  readonly clusteringPolicy?: 'EnterpriseCluster' | 'OSSCluster';
  /** The front stores only keys with a TTL, so evicting those first never drops anything else. @default 'VolatileLRU' */
  readonly evictionPolicy?:
    | 'AllKeysLFU'
    | 'AllKeysLRU'
    | 'AllKeysRandom'
    | 'VolatileLRU'
    | 'VolatileLFU'
    | 'VolatileTTL'
    | 'VolatileRandom'
    | 'NoEviction';
  /** Redis modules, e.g. ['RediSearch'] (needs EnterpriseCluster and NoEviction). @default [] */
  readonly modules?: readonly ('RediSearch' | 'RedisJSON' | 'RedisBloom' | 'RedisTimeSeries')[];
  readonly tags?: Record<string, string>;
}

const NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,58}[a-zA-Z0-9])?$/;

/**
 * Azure Managed Redis (`azurerm_managed_redis`), the successor of Azure Cache for Redis, which is being retired:
 * TLS only on port 10000, access keys off when Entra authentication is chosen.
 */
export class AzureRedisCache extends Construct {
  readonly redis: ManagedRedis;
  private readonly entraOnly: boolean;

  constructor(scope: Construct, id: string, props: AzureRedisCacheProps) {
    super(scope, id);
    const path = this.node.path;
    if (!Token.isUnresolved(props.name) && !NAME.test(props.name)) {
      throw errors.invalidName(
        path,
        'Managed Redis name',
        props.name,
        '1-60 characters, letters, digits and "-", a letter or digit at both ends',
      );
    }
    const sku = props.skuName ?? 'Balanced_B1';
    if (!Token.isUnresolved(sku) && !ALL_MANAGED_REDIS_SKUS.includes(sku)) {
      throw errors.invalidSku(path, 'Managed Redis SKU', sku, ALL_MANAGED_REDIS_SKUS);
    }
    const clustering = props.clusteringPolicy ?? 'EnterpriseCluster';
    const eviction = props.evictionPolicy ?? 'VolatileLRU';
    const modules = props.modules ?? [];
    if (modules.includes('RediSearch') && (clustering !== 'EnterpriseCluster' || eviction !== 'NoEviction')) {
      throw errors.redisModules(path, clustering, eviction);
    }
    this.entraOnly = props.entraAuthOnly ?? true;

    this.redis = new ManagedRedis(this, 'Resource', {
      name: props.name,
      resourceGroupName: props.resourceGroup.name,
      location: props.location ?? props.resourceGroup.location,
      skuName: sku,
      highAvailabilityEnabled: props.highAvailability ?? true,
      publicNetworkAccess: (props.publicNetworkAccess ?? true) ? 'Enabled' : 'Disabled',
      defaultDatabase: {
        clientProtocol: 'Encrypted',
        clusteringPolicy: clustering,
        evictionPolicy: eviction,
        accessKeysAuthenticationEnabled: !this.entraOnly,
        module: modules.length > 0 ? modules.map((name) => ({ name })) : undefined,
      },
      tags: props.tags,
    });
  }

  get hostname(): string {
    return this.redis.hostname;
  }

  /** `rediss://<host>:10000`, without credentials (for the front's cache.redisUrl). */
  get url(): string {
    return `rediss://${this.redis.hostname}:${MANAGED_REDIS_PORT}`;
  }

  /**
   * Gives a principal data access to the default database through the built-in `default` access policy
   * (Entra authentication; the username is the principal's object id).
   */
  grantDataAccess(id: string, principalId: string): AzapiResource {
    return new AzapiResource(this, `Access-${id}`, {
      type: `Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments@${REDIS_ENTERPRISE_API_VERSION}`,
      name: id.replace(/[^a-zA-Z0-9]/g, '').slice(0, 60) || 'access',
      parentId: `${this.redis.id}/databases/default`,
      body: { properties: { accessPolicyName: 'default', user: { objectId: principalId } } },
    });
  }

  get entraAuthOnly(): boolean {
    return this.entraOnly;
  }
}
