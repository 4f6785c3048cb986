import { describe, expect, it } from 'vitest';
import { AiSearchVectorStore, type AiSearchVectorStoreProps } from './ai-search-vector-store.js';
import { expectConstructError, RG, resources, synth } from './test-helpers.test-utils.js';

const search =
  (props: Partial<AiSearchVectorStoreProps> = {}) =>
  (scope: Parameters<Parameters<typeof synth>[0]>[0]) =>
    new AiSearchVectorStore(scope, 'search', { resourceGroup: RG, name: 'srch-test', ...props });

describe('AiSearchVectorStore', () => {
  it('defaults to basic, one replica and partition, keys off, public access on', () => {
    const [s] = resources(synth(search()), 'azurerm_search_service');
    expect(s).toMatchObject({
      sku: 'basic',
      replica_count: 1,
      partition_count: 1,
      hosting_mode: 'default',
      local_authentication_enabled: false,
      public_network_access_enabled: true,
      identity: { type: 'SystemAssigned' },
    });
    expect(s).not.toHaveProperty('authentication_failure_mode');
    expect(s).not.toHaveProperty('semantic_search_sku');
  });

  it('sets semantic search, high density and key fallback when asked', () => {
    const [s] = resources(
      synth(
        search({
          sku: 'standard3',
          highDensity: true,
          partitionCount: 3,
          replicaCount: 3,
          semanticSearch: 'standard',
          localAuthentication: true,
          publicNetworkAccess: false,
        }),
      ),
      'azurerm_search_service',
    );
    expect(s).toMatchObject({
      sku: 'standard3',
      hosting_mode: 'highDensity',
      partition_count: 3,
      replica_count: 3,
      semantic_search_sku: 'standard',
      local_authentication_enabled: true,
      authentication_failure_mode: 'http401WithBearerChallenge',
      public_network_access_enabled: false,
    });
  });

  it('grants index read and write roles at the service scope', () => {
    const json = synth((scope) => {
      const s = search()(scope);
      s.grantIndexDataRead('Front', 'p1');
      s.grantIndexDataWrite('Loader', 'p2');
    });
    const roles = resources(json, 'azurerm_role_assignment').map((r) => [
      r.role_definition_name,
      r.principal_id,
    ]);
    expect(roles).toEqual([
      ['Search Index Data Reader', 'p1'],
      ['Search Index Data Contributor', 'p2'],
    ]);
  });

  it('grants index management through one role definition of its own, however many principals get it', () => {
    const json = synth((scope) => {
      const s = search()(scope);
      s.grantIndexManagement('Front', 'p1');
      s.grantIndexManagement('Indexer', 'p2');
    });
    const [role, ...others] = resources(json, 'azurerm_role_definition');
    expect(others).toEqual([]);
    expect(role.permissions).toEqual([
      {
        actions: [
          'Microsoft.Search/searchServices/indexes/read',
          'Microsoft.Search/searchServices/indexes/write',
        ],
      },
    ]);
    const key = Object.keys(json.resource.azurerm_role_definition)[0];
    expect(
      resources(json, 'azurerm_role_assignment').map((r) => [r.role_definition_id, r.principal_id]),
    ).toEqual([
      [`\${azurerm_role_definition.${key}.role_definition_resource_id}`, 'p1'],
      [`\${azurerm_role_definition.${key}.role_definition_resource_id}`, 'p2'],
    ]);
  });

  it.each<[string, Partial<AiSearchVectorStoreProps>, string, RegExp]>([
    [
      '4 replicas on basic',
      { replicaCount: 4 },
      'SEARCH_CAPACITY',
      /search SKU "basic": replicaCount must be from 1 to 3, received 4/,
    ],
    [
      '2 partitions on basic',
      { partitionCount: 2 },
      'SEARCH_CAPACITY',
      /partitionCount must be one of 1, received 2/,
    ],
    [
      '5 partitions',
      { sku: 'standard', partitionCount: 5 },
      'SEARCH_CAPACITY',
      /partitionCount must be one of 1, 2, 3, 4, 6, 12, received 5/,
    ],
    [
      'more than 36 search units',
      { sku: 'standard', replicaCount: 12, partitionCount: 6 },
      'SEARCH_CAPACITY',
      /72 search units, above the limit of 36/,
    ],
    [
      'semantic search on free',
      { sku: 'free', semanticSearch: 'free' },
      'SEARCH_OPTION',
      /semanticSearch is not available on search SKU "free"/,
    ],
    [
      'high density on standard',
      { sku: 'standard', highDensity: true },
      'SEARCH_OPTION',
      /highDensity is not available on search SKU "standard"/,
    ],
    [
      '4 partitions in high density',
      { sku: 'standard3', highDensity: true, partitionCount: 4 },
      'SEARCH_CAPACITY',
      /partitionCount must be one of 1, 2, 3, received 4/,
    ],
    [
      'an unknown SKU',
      { sku: 'premium' as AiSearchVectorStoreProps['sku'] },
      'SKU',
      /search SKU "premium" is not supported. Expected one of: free, basic/,
    ],
    [
      'a name with double hyphens',
      { name: 'srch--x' },
      'NAME',
      /search service name "srch--x" is not a valid name/,
    ],
  ])('rejects %s', (_n, props, code, message) => {
    expectConstructError(search(props), code, message);
  });
});
