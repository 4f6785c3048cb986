import { FRONT_ENV } from '@genai-deploy/config';
import { TerraformVariable } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { ContainerAppFront, type ContainerAppFrontProps } from './container-app-front.js';
import { MANAGED_ENVIRONMENT_TYPE } from './container-app-front-tracing.js';
import { expectConstructError, RG, resources, synth } from './test-helpers.test-utils.js';

const KV_ID = `${RG.id}/providers/Microsoft.KeyVault/vaults/kv-test`;
const CONNECTION = 'https://kv-test.vault.azure.net/secrets/appinsights-connection';
const base = {
  resourceGroup: RG,
  name: 'genai-front',
  image: 'ghcr.io/acme/front:1.0.0',
  config: {
    models: [{ id: 'azure/chat-llm' }],
    providers: { azure: { endpoint: 'https://chat-llm.eastus2.inference.ml.azure.com' } },
  },
  keyVaultId: KV_ID,
};
const front =
  (props: Partial<ContainerAppFrontProps> = {}) =>
  (scope: Parameters<Parameters<typeof synth>[0]>[0]) =>
    new ContainerAppFront(scope, 'front', { ...base, ...props });
// biome-ignore lint/suspicious/noExplicitAny: synthesized Terraform JSON is untyped
const envOf = (json: any): Record<string, string> =>
  Object.fromEntries(
    resources(json, 'azurerm_container_app')[0].template.container[0].env.map(
      (e: { name: string; value: string }) => [e.name, e.value],
    ),
  );

describe('ContainerAppFront tracing', () => {
  it('is off by default: no agent configuration, no connection string lookup, no OTEL_* variables', () => {
    const json = synth(front());
    expect(resources(json, 'azapi_update_resource')).toEqual([]);
    expect(json.data?.azurerm_key_vault_secret).toBeUndefined();
    expect(Object.keys(envOf(json)).filter((n) => n.startsWith('OTEL_'))).toEqual([]);
  });

  it("turns the environment's managed OpenTelemetry agent on, traces to App Insights, from a Key Vault reference", () => {
    const json = synth(front({ tracing: { appInsightsConnectionStringSecretId: CONNECTION } }));
    const secret = Object.values(json.data.azurerm_key_vault_secret) as Record<string, unknown>[];
    expect(secret).toEqual([{ name: 'appinsights-connection', key_vault_id: KV_ID }]);
    const [update] = resources(json, 'azapi_update_resource');
    expect(update.type).toBe(MANAGED_ENVIRONMENT_TYPE);
    expect(update.resource_id).toMatch(/^\$\{azurerm_container_app_environment\.[\w-]+\.id\}$/);
    expect(update.body.properties.openTelemetryConfiguration).toEqual({
      tracesConfiguration: { destinations: ['appInsights'] },
    });
    // A reference to the secret's value, resolved by Terraform: never the connection string itself.
    expect(update.body.properties.appInsightsConfiguration.connectionString).toMatch(
      /^\$\{data\.azurerm_key_vault_secret\.[\w-]+\.value\}$/,
    );
    // The agent injects the OTLP endpoint; the construct names the service (App Insights' cloud role name).
    expect(envOf(json)[FRONT_ENV.otelServiceName.name]).toBe('genai-front');
    expect(envOf(json)).not.toHaveProperty(FRONT_ENV.otelEndpoint.name);
  });

  it('takes a secret id known only at apply, reading its name from the URL in Terraform', () => {
    const json = synth((scope) => {
      const id = new TerraformVariable(scope, 'connection', { type: 'string' });
      front({ tracing: { appInsightsConnectionStringSecretId: id.stringValue } })(scope);
    });
    const [secret] = Object.values(json.data.azurerm_key_vault_secret) as { name: string }[];
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Terraform expression, not a JavaScript template
    expect(secret?.name).toBe('${element(split("/", var.connection), 4)}');
  });

  it.each([
    [
      'tracing-shared-environment',
      { environmentId: `${RG.id}/providers/Microsoft.App/managedEnvironments/shared` },
      /existing one \(environmentId\).*Fix:/,
    ],
    ['key-vault-id', { keyVaultId: undefined }, /keyVaultId is not set/],
    [
      'key-vault-secret-id',
      { tracing: { appInsightsConnectionStringSecretId: 'InstrumentationKey=00000000-0000' } },
      /not a Key Vault secret URL/,
    ],
    ['env-reserved', { environment: { OTEL_SERVICE_NAME: 'mine' } }, /OTEL_SERVICE_NAME .*app name/],
  ] as const)('refuses %s', (code, props, message) => {
    expectConstructError(
      front({ tracing: { appInsightsConnectionStringSecretId: CONNECTION }, ...props }),
      code,
      message,
    );
  });
});
