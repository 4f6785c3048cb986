import { describe, expect, it } from 'vitest';
import { AzureRedisCache, type AzureRedisCacheProps, MANAGED_REDIS_PORT } from './redis-cache.js';
import { expectConstructError, RG, resources, synth } from './test-helpers.test-utils.js';

const cache =
  (props: Partial<AzureRedisCacheProps> = {}) =>
  (scope: Parameters<Parameters<typeof synth>[0]>[0]) =>
    new AzureRedisCache(scope, 'cache', { resourceGroup: RG, name: 'redis-test', ...props });

describe('AzureRedisCache', () => {
  it('creates Managed Redis with TLS and access keys off (Entra only) by default', () => {
    const [r] = resources(synth(cache()), 'azurerm_managed_redis');
    expect(r).toMatchObject({
      name: 'redis-test',
      sku_name: 'Balanced_B1',
      high_availability_enabled: true,
      public_network_access: 'Enabled',
      default_database: {
        client_protocol: 'Encrypted',
        clustering_policy: 'EnterpriseCluster',
        eviction_policy: 'VolatileLRU',
        access_keys_authentication_enabled: false,
      },
    });
  });

  it('keeps access keys on when Entra-only is turned off', () => {
    const [r] = resources(synth(cache({ entraAuthOnly: false })), 'azurerm_managed_redis');
    expect(r.default_database.access_keys_authentication_enabled).toBe(true);
  });

  it('builds a credential-free rediss:// URL on port 10000', () => {
    let url = '';
    synth((scope) => {
      url = cache()(scope).url;
    });
    expect(MANAGED_REDIS_PORT).toBe(10000);
    expect(url).toMatch(/^rediss:\/\/\$\{TfToken\[TOKEN\.\d+\]\}:10000$/);
  });

  it('grants data access with an access policy assignment on the default database', () => {
    const json = synth((scope) => {
      cache()(scope).grantDataAccess('front', 'principal-object-id');
    });
    const [assignment] = resources(json, 'azapi_resource');
    expect(assignment.type).toMatch(
      /^Microsoft\.Cache\/redisEnterprise\/databases\/accessPolicyAssignments@\d{4}-\d{2}-\d{2}$/,
    );
    expect(assignment.parent_id).toMatch(/^\$\{azurerm_managed_redis\..+\.id\}\/databases\/default$/);
    expect(assignment.body).toEqual({
      properties: { accessPolicyName: 'default', user: { objectId: 'principal-object-id' } },
    });
  });

  it('accepts RediSearch with EnterpriseCluster and NoEviction', () => {
    const [r] = resources(
      synth(cache({ modules: ['RediSearch'], evictionPolicy: 'NoEviction' })),
      'azurerm_managed_redis',
    );
    expect(r.default_database.module).toEqual([{ name: 'RediSearch' }]);
  });

  it.each<[string, Partial<AzureRedisCacheProps>, string, RegExp]>([
    [
      'an Azure Cache for Redis SKU',
      { skuName: 'Premium_P1' },
      'SKU',
      /Managed Redis SKU "Premium_P1" is not supported. Expected one of: Balanced_B0, .*MemoryOptimized_M10/,
    ],
    ['a size that does not exist', { skuName: 'Balanced_B2' }, 'SKU', /"Balanced_B2" is not supported/],
    [
      'RediSearch with eviction',
      { modules: ['RediSearch'] },
      'REDIS_MODULES',
      /RediSearch needs clusteringPolicy "EnterpriseCluster" and evictionPolicy "NoEviction", received "EnterpriseCluster" and "VolatileLRU"/,
    ],
    [
      'a name ending with a hyphen',
      { name: 'redis-' },
      'NAME',
      /Managed Redis name "redis-" is not a valid name/,
    ],
  ])('rejects %s', (_n, props, code, message) => {
    expectConstructError(cache(props), code, message);
  });
});
