import { describe, expect, it } from 'vitest';
import { SCORE_ACTION } from './ml-online-endpoint.js';
import { AzureGenAiPlatform, type AzureGenAiPlatformProps } from './platform.js';
import { RG, resources, synth } from './test-helpers.test-utils.js';

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
  search: { name: 'srch-test' },
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

  it("grants the front's identity exactly what it calls: score on the endpoint, Redis data access, index reads", () => {
    const json = synth(platform());
    const identity = Object.keys(json.resource.azurerm_user_assigned_identity)[0];
    const principal = `\${azurerm_user_assigned_identity.${identity}.principal_id}`;

    const assignments = resources(json, 'azurerm_role_assignment');
    expect(assignments.every((a) => a.principal_id === principal)).toBe(true);
    const invoke = assignments.find((a) => a.role_definition_id);
    expect(invoke.scope).toMatch(/^\$\{azapi_resource\.p_Endpoint_.+\.id\}$/);
    expect(resources(json, 'azurerm_role_definition')[0].permissions).toEqual([{ actions: [SCORE_ACTION] }]);
    expect(assignments.find((a) => a.role_definition_name === 'Search Index Data Reader')).toBeDefined();

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

  it('uses no role for Key-auth endpoints (the key comes from Key Vault)', () => {
    const json = synth(platform({ endpoint: { ...base.endpoint, authMode: 'Key' } }));
    expect(resources(json, 'azurerm_role_definition')).toHaveLength(0);
  });
});
