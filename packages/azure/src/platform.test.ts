import { describe, expect, it } from 'vitest';
import { SCORE_ACTION } from './ml-online-endpoint.js';
import { AzureGenAiPlatform, type AzureGenAiPlatformProps } from './platform.js';
import { expectConstructError, RG, resources, synth } from './test-helpers.test-utils.js';

const base: AzureGenAiPlatformProps = {
  resourceGroup: RG,
  endpoint: {
    name: 'chat-llm',
    location: 'eastus2',
    deployments: [
      {
        name: 'blue',
        instanceType: 'Standard_NC24ads_A100_v4',
        model: {
          registryModelId: 'azureml://registries/azureml-meta/models/Meta-Llama-3.1-8B-Instruct/versions/4',
        },
      },
    ],
  },
  front: { name: 'genai-front', image: 'ghcr.io/acme/front:1.0.0' },
};

/** Chat on the endpoint's default deployment, embeddings on its `embed` deployment (selected by header). */
const withSearch: Partial<AzureGenAiPlatformProps> = {
  front: {
    ...base.front,
    config: {
      models: [{ id: 'azure/chat-llm' }, { id: 'azure/embed', kind: 'embedding' }],
      routes: { default: { targets: ['azure/chat-llm'] }, embed: { targets: ['azure/embed'] } },
    },
  },
  search: { name: 'srch-test', embeddingModel: 'embed', dimension: 1024 },
};

const platform =
  (props: Partial<AzureGenAiPlatformProps> = {}) =>
  (scope: Parameters<Parameters<typeof synth>[0]>[0]) =>
    new AzureGenAiPlatform(scope, 'p', { ...base, ...props });

// biome-ignore lint/suspicious/noExplicitAny: synthesized Terraform JSON is untyped
const genaiConfig = (json: any) =>
  JSON.parse(
    resources(json, 'azurerm_container_app')[0].template.container[0].env.find(
      (e: { name: string }) => e.name === 'GENAI_CONFIG',
    ).value,
  );

describe('AzureGenAiPlatform', () => {
  it('gives the front a default route to the endpoint and fills in the endpoint and cache URLs', () => {
    const config = genaiConfig(synth(platform()));
    expect(config.models).toEqual([{ id: 'azure/chat-llm', kind: 'chat', maxOutputTokens: 4096 }]);
    expect(config.routes).toEqual({ default: { targets: ['azure/chat-llm'] } });
    expect(config.providers.azure.endpoint).toBe('https://chat-llm.eastus2.inference.ml.azure.com');
    expect(config.cache.redisUrl).toMatch(/^rediss:\/\/\$\{azurerm_managed_redis\..+\.hostname\}:10000$/);
  });

  it("keeps the caller's own routes and models", () => {
    const config = genaiConfig(
      synth(
        platform({
          front: {
            ...base.front,
            config: {
              models: [{ id: 'azure/chat-llm', maxOutputTokens: 1024 }],
              routes: { chat: { targets: ['azure/chat-llm'], cacheTtlSeconds: 60 } },
            },
          },
        }),
      ),
    );
    expect(config.routes).toEqual({ chat: { targets: ['azure/chat-llm'], cacheTtlSeconds: 60 } });
    expect(config.models[0].maxOutputTokens).toBe(1024);
  });

  it("grants the front's identity exactly what it calls: score on the endpoint, Redis data access", () => {
    const json = synth(platform());
    const identity = Object.keys(json.resource.azurerm_user_assigned_identity)[0];
    const principal = `\${azurerm_user_assigned_identity.${identity}.principal_id}`;

    const assignments = resources(json, 'azurerm_role_assignment');
    expect(assignments.every((a) => a.principal_id === principal)).toBe(true);
    const invoke = assignments.find((a) => a.role_definition_id);
    expect(invoke.scope).toMatch(/^\$\{azapi_resource\.p_Endpoint_.+\.id\}$/);
    expect(resources(json, 'azurerm_role_definition')[0].permissions).toEqual([{ actions: [SCORE_ACTION] }]);

    const redisAccess = resources(json, 'azapi_resource').find((r) => r.type.startsWith('Microsoft.Cache/'));
    expect(redisAccess.body.properties.user.objectId).toBe(principal);
  });

  it('outputs the front URL, its routes and the scoring URI', () => {
    const json = synth(platform());
    const outputs = Object.values(json.output) as { value: string }[];
    expect(outputs.map((o) => o.value)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^https:\/\/\$\{azurerm_container_app\..+\.ingress\[0\]\.fqdn\}$/),
        JSON.stringify({ default: { targets: ['azure/chat-llm'] } }),
        expect.stringMatching(/^\$\{azapi_resource\..+\.output\.properties\.scoringUri\}$/),
      ]),
    );
  });

  it('leaves the cache out when asked and does not grant what is not there', () => {
    const json = synth(platform({ cache: false, search: undefined }));
    expect(resources(json, 'azurerm_managed_redis')).toHaveLength(0);
    expect(resources(json, 'azurerm_search_service')).toHaveLength(0);
    expect(genaiConfig(json).cache.redisUrl).toBeUndefined();
    expect(resources(json, 'azapi_resource').some((r) => r.type.startsWith('Microsoft.Cache/'))).toBe(false);
  });

  it("puts the search service in the front's config; the front loads documents and creates its own index", () => {
    // GIVEN a platform whose front embeds with the endpoint's `embed` deployment, and a search service
    const json = synth(platform(withSearch));
    const service = Object.keys(json.resource.azurerm_search_service)[0];
    const serviceId = `\${azurerm_search_service.${service}.id}`;
    // THEN the front's configuration names the service, the index it creates, the model and its dimension
    expect(genaiConfig(json).vectorStore).toEqual({
      engine: 'azure-search',
      endpoint: `https://\${azurerm_search_service.${service}.name}.search.windows.net`,
      index: 'genai-chunks',
      embeddingModel: 'embed',
      dimension: 1024,
    });
    // AND the service takes Entra tokens only (no admin or query keys)
    expect(resources(json, 'azurerm_search_service')[0].local_authentication_enabled).toBe(false);
    // AND the front's identity holds Search Index Data Contributor and a role of this service's own that reads
    // and creates index definitions, nothing broader (no Search Service Contributor, no reader role left over)
    const onService = resources(json, 'azurerm_role_assignment').filter((a) => a.scope === serviceId);
    expect(onService.map((a) => a.role_definition_name ?? a.role_definition_id).sort()).toEqual([
      expect.stringMatching(
        /^\$\{azurerm_role_definition\.p_Search_IndexManagerRole_.+\.role_definition_resource_id\}$/,
      ),
      'Search Index Data Contributor',
    ]);
    const role = resources(json, 'azurerm_role_definition').find((r) => r.scope === serviceId);
    expect(role).toMatchObject({
      name: 'genai-deploy search index manager (srch-test)',
      permissions: [
        {
          actions: [
            'Microsoft.Search/searchServices/indexes/read',
            'Microsoft.Search/searchServices/indexes/write',
          ],
        },
      ],
      assignable_scopes: [serviceId],
    });
  });

  it('can grant the built-in Search Service Contributor to create the index instead of a custom role', () => {
    const json = synth(
      platform({
        ...withSearch,
        search: { ...withSearch.search, name: 'srch-test', indexManagement: 'search-service-contributor' },
      }),
    );
    const names = resources(json, 'azurerm_role_assignment').map((a) => a.role_definition_name);
    expect(names).toEqual(
      expect.arrayContaining(['Search Index Data Contributor', 'Search Service Contributor']),
    );
    expect(resources(json, 'azurerm_role_definition').map((r) => r.name)).not.toContain(
      'genai-deploy search index manager (srch-test)',
    );
  });

  it.each<[string, Partial<AzureGenAiPlatformProps>, string, RegExp]>([
    [
      'no embedding model',
      { search: { name: 'srch-test' } },
      'vector-store-embedding-model-missing',
      /stack\/p\/Search: the vector store needs one embedding model/,
    ],
    [
      'a model of unknown length without a dimension',
      { ...withSearch, search: { name: 'srch-test', embeddingModel: 'azure/embed' } },
      'vector-store-dimension-unknown',
      /the vector length of "azure\/embed" is not known here/,
    ],
    [
      'a dimension the model cannot return',
      {
        front: {
          ...base.front,
          config: {
            models: [{ id: 'azure/chat-llm' }, { id: 'azure/text-embedding-3-small', kind: 'embedding' }],
            routes: { default: { targets: ['azure/chat-llm'] } },
          },
        },
        search: { name: 'srch-test', dimension: 3072 },
      },
      'vector-store-dimension-mismatch',
      /dimension 3072 does not match the embedding model "azure\/text-embedding-3-small", which returns vectors of 1 to 1536 dimensions/,
    ],
    [
      'an invalid index name',
      { ...withSearch, search: { ...withSearch.search, name: 'srch-test', indexName: 'Chunks' } },
      'search-index-name',
      /search index name "Chunks" is invalid/,
    ],
  ])('refuses a search service with %s', (_name, props, code, message) => {
    expectConstructError(platform(props), code, message);
  });

  it('uses no role for Key-auth endpoints (the key comes from Key Vault)', () => {
    const json = synth(platform({ endpoint: { ...base.endpoint, authMode: 'Key' } }));
    expect(resources(json, 'azurerm_role_definition')).toHaveLength(0);
  });
});
