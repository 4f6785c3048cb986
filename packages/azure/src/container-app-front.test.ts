import { parseFrontConfig } from '@genai-deploy/config';
import { TerraformVariable } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { ContainerAppFront, type ContainerAppFrontProps } from './container-app-front.js';
import { expectConstructError, RG, resources, synth } from './test-helpers.test-utils.js';

const KV_ID = `${RG.id}/providers/Microsoft.KeyVault/vaults/kv-test`;
const API_KEYS = 'https://kv-test.vault.azure.net/secrets/front-api-keys';
const CONFIG = {
  models: [{ id: 'azure/chat-llm' }],
  routes: { chat: { targets: ['azure/chat-llm'] } },
  providers: { azure: { endpoint: 'https://chat-llm.eastus2.inference.ml.azure.com' } },
};

const front =
  (props: Partial<ContainerAppFrontProps> = {}) =>
  (scope: Parameters<Parameters<typeof synth>[0]>[0]) =>
    new ContainerAppFront(scope, 'front', {
      resourceGroup: RG,
      name: 'genai-front',
      image: 'ghcr.io/acme/front:1.0.0',
      config: CONFIG,
      keyVaultId: KV_ID,
      apiKeysSecretId: API_KEYS,
      ...props,
    });

// biome-ignore lint/suspicious/noExplicitAny: synthesized Terraform JSON is untyped
const container = (json: any) => resources(json, 'azurerm_container_app')[0].template.container[0];
// biome-ignore lint/suspicious/noExplicitAny: synthesized Terraform JSON is untyped
const envOf = (json: any) =>
  Object.fromEntries(container(json).env.map((e: { name: string }) => [e.name, e]));

describe('ContainerAppFront', () => {
  it('passes the validated configuration, with defaults applied, as GENAI_CONFIG', () => {
    const env = envOf(synth(front()));
    const config = JSON.parse(env.GENAI_CONFIG.value);
    expect(config).toEqual(parseFrontConfig(CONFIG));
    expect(config.limits.requestsPerMinute).toBe(600);
    expect(env.PORT.value).toBe('8080');
    expect(env.AZURE_CLIENT_ID.value).toMatch(/^\$\{azurerm_user_assigned_identity\..+\.client_id\}$/);
  });

  it('reads API keys from Key Vault through the user-assigned identity, exposed as GENAI_API_KEYS', () => {
    const json = synth(front());
    const app = resources(json, 'azurerm_container_app')[0];
    const identityRef = app.identity.identity_ids[0];
    expect(app.identity.type).toBe('UserAssigned');
    expect(app.secret).toEqual([
      { name: 'genai-api-keys', key_vault_secret_id: API_KEYS, identity: identityRef },
    ]);
    expect(envOf(json).GENAI_API_KEYS).toEqual({ name: 'GENAI_API_KEYS', secret_name: 'genai-api-keys' });
    expect(JSON.stringify(app)).not.toMatch(/"value":"[^"]*front-api-keys/);
    const [kvRole] = resources(json, 'azurerm_role_assignment');
    expect(kvRole).toMatchObject({
      scope: KV_ID,
      role_definition_name: 'Key Vault Secrets User',
      principal_type: 'ServicePrincipal',
    });
    expect(app.depends_on).toEqual([expect.stringMatching(/^azurerm_role_assignment\./)]);
  });

  it('scales on HTTP concurrency between min and max replicas, with external ingress and probes', () => {
    const json = synth(
      front({ minReplicas: 2, maxReplicas: 20, concurrentRequests: 80, targetPort: 8787, cpu: 0.5 }),
    );
    const app = resources(json, 'azurerm_container_app')[0];
    expect(app.template).toMatchObject({
      min_replicas: 2,
      max_replicas: 20,
      http_scale_rule: [{ name: 'http-concurrency', concurrent_requests: '80' }],
    });
    expect(app.ingress).toEqual({
      external_enabled: true,
      target_port: 8787,
      transport: 'auto',
      allow_insecure_connections: false,
      traffic_weight: [{ latest_revision: true, percentage: 100 }],
    });
    expect(container(json)).toMatchObject({
      image: 'ghcr.io/acme/front:1.0.0',
      cpu: 0.5,
      memory: '1Gi',
      liveness_probe: [{ transport: 'HTTP', port: 8787, path: '/health' }],
      readiness_probe: [{ transport: 'HTTP', port: 8787, path: '/ready' }],
    });
    expect(app.revision_mode).toBe('Single');
  });

  it('creates its environment with Log Analytics unless one is given', () => {
    const created = synth(front());
    const [env] = resources(created, 'azurerm_container_app_environment');
    expect(env.logs_destination).toBe('log-analytics');
    expect(env.log_analytics_workspace_id).toMatch(/^\$\{azurerm_log_analytics_workspace\..+\.id\}$/);

    const reused = synth(front({ environmentId: '/subscriptions/s/cae/existing' }));
    expect(resources(reused, 'azurerm_container_app_environment')).toHaveLength(0);
    expect(resources(reused, 'azurerm_container_app')[0].container_app_environment_id).toBe(
      '/subscriptions/s/cae/existing',
    );
  });

  it('keeps values known only after apply (tokens) while validating the rest', () => {
    const json = synth((scope) => {
      const host = new TerraformVariable(scope, 'redis_host', { type: 'string' }).stringValue;
      front({ config: { ...CONFIG, cache: { redisUrl: `rediss://${host}:10000` } } })(scope);
    });
    expect(JSON.parse(envOf(json).GENAI_CONFIG.value).cache.redisUrl).toBe(
      `rediss://\${var.redis_host}:10000`,
    );
  });

  it('escapes Terraform template syntax in configuration values', () => {
    const json = synth(front({ config: { ...CONFIG, corsOrigins: [`https://a.example/\${x}`, '%{y}'] } }));
    const raw = envOf(json).GENAI_CONFIG.value as string;
    expect(raw).toContain(`https://a.example/$$\{x}`);
    expect(raw).toContain('%%{y}');
  });

  it('adds more Key Vault secrets and plain environment variables', () => {
    const env = envOf(
      synth(
        front({
          secrets: [
            {
              name: 'hf',
              keyVaultSecretId: 'https://kv-test.vault.azure.net/secrets/hf/0123456789abcdef0123456789abcdef',
              env: 'HF_READ',
            },
          ],
          environment: { LOG_LEVEL: 'info' },
        }),
      ),
    );
    expect(env.HF_READ).toEqual({ name: 'HF_READ', secret_name: 'hf' });
    expect(env.LOG_LEVEL).toEqual({ name: 'LOG_LEVEL', value: 'info' });
  });

  it.each<[string, Partial<ContainerAppFrontProps>, string, RegExp]>([
    [
      'a configuration the schema rejects',
      { config: { routes: { chat: { targets: ['azure/missing'] } } } },
      'FRONT_CONFIG',
      /the front configuration is invalid:[\s\S]*routes.chat.targets.0: route "chat" targets "azure\/missing", which is not in models/,
    ],
    [
      'a password in the Redis URL',
      { config: { ...CONFIG, cache: { redisUrl: 'rediss://default:hunter2@cache:10000' } } },
      'FRONT_CONFIG_SECRET',
      /holds what looks like a credential at cache.redisUrl/,
    ],
    [
      'GENAI_CONFIG in environment',
      { environment: { GENAI_CONFIG: '{}' } },
      'ENV_RESERVED',
      /environment variable GENAI_CONFIG is set by this construct/,
    ],
    [
      'a secret-looking environment variable',
      { environment: { OPENAI_API_KEY: 'sk-1' } },
      'ENV_SECRET',
      /OPENAI_API_KEY looks like a secret/,
    ],
    [
      'a Key Vault secret id that is not a URL',
      { apiKeysSecretId: 'front-api-keys' },
      'KEY_VAULT_SECRET_ID',
      /keyVaultSecretId "front-api-keys" is not a Key Vault secret URL/,
    ],
    [
      'secrets without keyVaultId',
      { keyVaultId: undefined },
      'KEY_VAULT_ID',
      /1 Key Vault secret\(s\) are referenced but keyVaultId is not set/,
    ],
    [
      'an invalid secret name',
      {
        secrets: [
          { name: 'HF_Token', keyVaultSecretId: 'https://kv-test.vault.azure.net/secrets/hf', env: 'HF' },
        ],
      },
      'NAME',
      /secret name "HF_Token" is not a valid name: lowercase letters, digits and "-"/,
    ],
    [
      'two secrets with one name',
      {
        secrets: [
          { name: 'genai-api-keys', keyVaultSecretId: 'https://kv-test.vault.azure.net/secrets/x', env: 'X' },
        ],
      },
      'NAME',
      /secret name "genai-api-keys" is not a valid name: each secret needs its own name/,
    ],
    [
      'min above max replicas',
      { minReplicas: 5, maxReplicas: 2 },
      'MIN_MAX',
      /replicas: minimum 5 is greater than maximum 2/,
    ],
    ['an odd CPU size', { cpu: 0.3 }, 'RANGE', /Use 0.25 to 4 vCPUs in steps of 0.25/],
    ['an uppercase name', { name: 'GenAI' }, 'NAME', /container app name "GenAI" is not a valid name/],
    ['port 0', { targetPort: 0 }, 'PORT', /targetPort must be a TCP port from 1 to 65535, received 0/],
  ])('rejects %s', (_n, props, code, message) => {
    expectConstructError(front(props), code, message);
  });
});
