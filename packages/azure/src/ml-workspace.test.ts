import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account/index.js';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { AzureMlWorkspace, type AzureMlWorkspaceProps } from './ml-workspace.js';
import { expectConstructError, RG, resources, synth } from './test-helpers.test-utils.js';

const workspace =
  (props: Partial<AzureMlWorkspaceProps> = {}) =>
  (scope: Parameters<Parameters<typeof synth>[0]>[0]) =>
    new AzureMlWorkspace(scope, 'ml', { resourceGroup: RG, name: 'mlw-test', ...props });

describe('AzureMlWorkspace', () => {
  it('hardens the storage account: TLS 1.2, HTTPS only, no public blobs, no cross-tenant replication', () => {
    const [st] = resources(synth(workspace()), 'azurerm_storage_account');
    expect(st).toMatchObject({
      min_tls_version: 'TLS1_2',
      https_traffic_only_enabled: true,
      allow_nested_items_to_be_public: false,
      cross_tenant_replication_enabled: false,
      default_to_oauth_authentication: true,
      shared_access_key_enabled: true,
      account_replication_type: 'ZRS',
    });
    expect(st.name).toMatch(/^[a-z0-9]{3,24}$/);
  });

  it('turns shared keys off on request', () => {
    const out = Testing.synthScope(workspace({ storageSharedKeyEnabled: false }));
    expect(
      Testing.toHaveResourceWithProperties(out, StorageAccount.tfResourceType, {
        shared_access_key_enabled: false,
      }),
    ).toBe(true);
    expect(
      Testing.toHaveResourceWithProperties(out, StorageAccount.tfResourceType, {
        shared_access_key_enabled: true,
      }),
    ).toBe(false);
  });

  it('creates the Key Vault with RBAC, purge protection and soft delete', () => {
    const [kv] = resources(synth(workspace()), 'azurerm_key_vault');
    expect(kv).toMatchObject({
      rbac_authorization_enabled: true,
      purge_protection_enabled: true,
      soft_delete_retention_days: 90,
      sku_name: 'standard',
    });
    expect(kv.name).toMatch(/^[a-z][a-z0-9-]{1,22}[a-z0-9]$/);
    expect(kv.tenant_id).toMatch(/^\$\{data\.azurerm_client_config\..+\.tenant_id\}$/);
  });

  it('wires Application Insights to Log Analytics and the workspace to all dependencies', () => {
    const json = synth(workspace());
    const [appi] = resources(json, 'azurerm_application_insights');
    expect(appi.workspace_id).toMatch(/^\$\{azurerm_log_analytics_workspace\..+\.id\}$/);
    const [ws] = resources(json, 'azurerm_machine_learning_workspace');
    expect(ws).toMatchObject({
      name: 'mlw-test',
      identity: { type: 'SystemAssigned' },
      public_network_access_enabled: true,
    });
    expect(ws.application_insights_id).toMatch(/azurerm_application_insights\./);
    expect(ws.key_vault_id).toMatch(/azurerm_key_vault\./);
    expect(ws.storage_account_id).toMatch(/azurerm_storage_account\./);
    expect(ws).not.toHaveProperty('container_registry_id');
    expect(resources(json, 'azurerm_container_registry')).toHaveLength(0);
  });

  it('adds a Container Registry with the admin user off', () => {
    const json = synth(workspace({ containerRegistry: true }));
    const [acr] = resources(json, 'azurerm_container_registry');
    expect(acr).toMatchObject({ admin_enabled: false, anonymous_pull_enabled: false, sku: 'Standard' });
    expect(resources(json, 'azurerm_machine_learning_workspace')[0].container_registry_id).toMatch(
      /azurerm_container_registry\./,
    );
  });

  it('uses a user-assigned identity as the primary identity', () => {
    const [ws] = resources(
      synth(
        workspace({
          identity: { type: 'UserAssigned', identityId: '/subscriptions/s/id/uai', principalId: 'p' },
        }),
      ),
      'azurerm_machine_learning_workspace',
    );
    expect(ws.identity).toEqual({ type: 'UserAssigned', identity_ids: ['/subscriptions/s/id/uai'] });
    expect(ws.primary_user_assigned_identity).toBe('/subscriptions/s/id/uai');
  });

  it('turns on managed network isolation when asked', () => {
    const [ws] = resources(
      synth(workspace({ managedNetwork: 'AllowOnlyApprovedOutbound' })),
      'azurerm_machine_learning_workspace',
    );
    expect(ws.managed_network).toEqual({ isolation_mode: 'AllowOnlyApprovedOutbound' });
    const [plain] = resources(synth(workspace()), 'azurerm_machine_learning_workspace');
    expect(plain).not.toHaveProperty('managed_network');
  });

  it('uses an existing Log Analytics workspace when given', () => {
    const json = synth(workspace({ logAnalyticsWorkspaceId: '/subscriptions/s/log/existing' }));
    expect(resources(json, 'azurerm_log_analytics_workspace')).toHaveLength(0);
    expect(resources(json, 'azurerm_application_insights')[0].workspace_id).toBe(
      '/subscriptions/s/log/existing',
    );
  });

  it.each<[string, Partial<AzureMlWorkspaceProps>, string, RegExp]>([
    [
      'a name with a dot',
      { name: 'ml.ws' },
      'NAME',
      /workspace name "ml.ws" is not a valid name: 3-33 characters/,
    ],
    [
      'soft delete of 3 days',
      { keyVaultSoftDeleteRetentionDays: 3 },
      'RANGE',
      /keyVaultSoftDeleteRetentionDays must be an integer from 7 to 90, received 3/,
    ],
    [
      'log retention of 7 days',
      { logRetentionDays: 7 },
      'RANGE',
      /logRetentionDays must be an integer from 30 to 730, received 7/,
    ],
    [
      'a private Standard registry',
      { containerRegistry: true, publicNetworkAccess: false },
      'REGISTRY_SKU',
      /needs a Premium Container Registry, received containerRegistrySku "Standard"/,
    ],
  ])('rejects %s', (_n, props, code, message) => {
    expectConstructError(workspace(props), code, message);
  });
});
