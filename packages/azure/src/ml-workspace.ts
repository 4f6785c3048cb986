import { ApplicationInsights } from '@cdktf/provider-azurerm/lib/application-insights/index.js';
import { ContainerRegistry } from '@cdktf/provider-azurerm/lib/container-registry/index.js';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config/index.js';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault/index.js';
import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace/index.js';
import { MachineLearningWorkspace } from '@cdktf/provider-azurerm/lib/machine-learning-workspace/index.js';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account/index.js';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { errors } from './errors.js';
import { alphanumericName, hyphenatedName } from './names.js';
import type { ManagedIdentityChoice, ResourceGroupRef } from './resource-group-ref.js';

/** What the endpoint needs from a workspace; `AzureMlWorkspace.fromWorkspaceAttributes` builds one for an existing workspace. */
export interface IAzureMlWorkspace {
  /** ARM id of the workspace. */
  readonly workspaceId: string;
  /** Region of the workspace; endpoints default to it. */
  readonly location: string;
  /** ARM id of the workspace Key Vault, for secrets of the front. @default - none */
  readonly keyVaultId?: string;
  /** ARM id of the workspace Container Registry, for custom images. @default - none */
  readonly containerRegistryId?: string;
  /** Log Analytics workspace that endpoint logs go to. @default - none (no diagnostic settings) */
  readonly logAnalyticsWorkspaceId?: string;
}

export interface AzureMlWorkspaceProps {
  readonly resourceGroup: ResourceGroupRef;
  /** Workspace name. 3-33 characters: letters, digits, "-" and "_", a letter or digit first. */
  readonly name: string;
  /** @default - the resource group's location */
  readonly location?: string;
  /** Identity of the workspace. @default { type: 'SystemAssigned' } */
  readonly identity?: ManagedIdentityChoice;
  /** Create a Container Registry (admin user off) for custom inference images. @default false */
  readonly containerRegistry?: boolean;
  /** SKU of the Container Registry. Premium is needed for private endpoints. @default 'Standard' */
  readonly containerRegistrySku?: 'Basic' | 'Standard' | 'Premium';
  /**
   * Keep shared-key access on the workspace storage account. azurerm's workspace resource cannot set
   * `systemDatastoresAuthMode = identity`, so the workspace's default datastores authenticate with the account
   * key; turning keys off breaks them (and azurerm then needs `storage_use_azuread`).
   * @default true
   */
  readonly storageSharedKeyEnabled?: boolean;
  /** Allow public network access to the workspace, storage and vault. @default true */
  readonly publicNetworkAccess?: boolean;
  /**
   * Managed virtual network isolation of the workspace: `AllowInternetOutbound`, or `AllowOnlyApprovedOutbound`
   * (outbound rules needed for every dependency). @default 'Disabled'
   */
  readonly managedNetwork?: 'Disabled' | 'AllowInternetOutbound' | 'AllowOnlyApprovedOutbound';
  /** Key Vault soft-delete retention in days (7-90). @default 90 */
  readonly keyVaultSoftDeleteRetentionDays?: number;
  /** Log Analytics retention in days (30-730). @default 30 */
  readonly logRetentionDays?: number;
  /** Existing Log Analytics workspace id to use instead of creating one. @default - a new workspace */
  readonly logAnalyticsWorkspaceId?: string;
  readonly tags?: Record<string, string>;
}

const WORKSPACE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/;

/**
 * An Azure Machine Learning workspace with its dependencies: a storage account (TLS 1.2, no public blob
 * access, no cross-tenant replication), a Key Vault (RBAC authorization, purge protection, soft delete),
 * Application Insights on a Log Analytics workspace and, optionally, a Container Registry with the admin user off.
 * The dependency ids are ForceNew on the workspace: changing one replaces the workspace.
 */
export class AzureMlWorkspace extends Construct implements IAzureMlWorkspace {
  /** Refers to an existing workspace (created elsewhere) so that endpoints can be added to it. */
  static fromWorkspaceAttributes(attrs: IAzureMlWorkspace): IAzureMlWorkspace {
    return { ...attrs };
  }

  readonly workspace: MachineLearningWorkspace;
  readonly storageAccount: StorageAccount;
  readonly keyVault: KeyVault;
  readonly applicationInsights: ApplicationInsights;
  readonly logAnalyticsWorkspaceId: string;
  readonly containerRegistry?: ContainerRegistry;
  readonly location: string;
  readonly resourceGroup: ResourceGroupRef;

  constructor(scope: Construct, id: string, props: AzureMlWorkspaceProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.name) && !WORKSPACE_NAME.test(props.name)) {
      throw errors.invalidName(
        this.node.path,
        'workspace name',
        props.name,
        '3-33 characters, letters, digits, "-" and "_", starting with a letter or digit',
      );
    }
    const retention = props.keyVaultSoftDeleteRetentionDays ?? 90;
    if (!Number.isInteger(retention) || retention < 7 || retention > 90) {
      throw errors.outOfRange(
        this.node.path,
        'keyVaultSoftDeleteRetentionDays',
        retention,
        7,
        90,
        'Key Vault keeps deleted vaults 7 to 90 days.',
      );
    }
    const logRetention = props.logRetentionDays ?? 30;
    if (!Number.isInteger(logRetention) || logRetention < 30 || logRetention > 730) {
      throw errors.outOfRange(
        this.node.path,
        'logRetentionDays',
        logRetention,
        30,
        730,
        'Log Analytics retention is 30 to 730 days.',
      );
    }

    const registrySku = props.containerRegistrySku ?? 'Standard';
    if (props.containerRegistry && props.publicNetworkAccess === false && registrySku !== 'Premium') {
      throw errors.privateRegistryNeedsPremium(this.node.path, registrySku);
    }

    const rg = props.resourceGroup;
    const location = props.location ?? rg.location;
    const publicAccess = props.publicNetworkAccess ?? true;
    const identity = props.identity ?? { type: 'SystemAssigned' };
    this.location = location;
    this.resourceGroup = rg;
    const common = { resourceGroupName: rg.name, location, tags: props.tags };
    const client = new DataAzurermClientConfig(this, 'ClientConfig');

    this.storageAccount = new StorageAccount(this, 'Storage', {
      ...common,
      name: alphanumericName(`st${props.name}`, this, 24),
      accountTier: 'Standard',
      accountReplicationType: 'ZRS',
      accountKind: 'StorageV2',
      minTlsVersion: 'TLS1_2',
      httpsTrafficOnlyEnabled: true,
      allowNestedItemsToBePublic: false,
      crossTenantReplicationEnabled: false,
      sharedAccessKeyEnabled: props.storageSharedKeyEnabled ?? true,
      defaultToOauthAuthentication: true,
      publicNetworkAccessEnabled: publicAccess,
      blobProperties: {
        deleteRetentionPolicy: { days: 7 },
        containerDeleteRetentionPolicy: { days: 7 },
      },
    });

    this.keyVault = new KeyVault(this, 'KeyVault', {
      ...common,
      name: hyphenatedName(`kv-${props.name}`, this, 24),
      tenantId: client.tenantId,
      skuName: 'standard',
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: true,
      softDeleteRetentionDays: retention,
      publicNetworkAccessEnabled: publicAccess,
    });

    if (props.logAnalyticsWorkspaceId) {
      this.logAnalyticsWorkspaceId = props.logAnalyticsWorkspaceId;
    } else {
      const logs = new LogAnalyticsWorkspace(this, 'Logs', {
        ...common,
        name: hyphenatedName(`log-${props.name}`, this, 63),
        sku: 'PerGB2018',
        retentionInDays: logRetention,
      });
      this.logAnalyticsWorkspaceId = logs.id;
    }

    this.applicationInsights = new ApplicationInsights(this, 'AppInsights', {
      ...common,
      name: hyphenatedName(`appi-${props.name}`, this, 63),
      applicationType: 'web',
      workspaceId: this.logAnalyticsWorkspaceId,
    });

    if (props.containerRegistry) {
      this.containerRegistry = new ContainerRegistry(this, 'Registry', {
        ...common,
        name: alphanumericName(`cr${props.name}`, this, 50),
        sku: registrySku,
        adminEnabled: false,
        anonymousPullEnabled: false,
        publicNetworkAccessEnabled: publicAccess,
      });
    }

    this.workspace = new MachineLearningWorkspace(this, 'Resource', {
      ...common,
      name: props.name,
      applicationInsightsId: this.applicationInsights.id,
      keyVaultId: this.keyVault.id,
      storageAccountId: this.storageAccount.id,
      containerRegistryId: this.containerRegistry?.id,
      publicNetworkAccessEnabled: publicAccess,
      identity:
        identity.type === 'SystemAssigned'
          ? { type: 'SystemAssigned' }
          : { type: 'UserAssigned', identityIds: [identity.identityId] },
      primaryUserAssignedIdentity: identity.type === 'UserAssigned' ? identity.identityId : undefined,
      managedNetwork:
        props.managedNetwork && props.managedNetwork !== 'Disabled'
          ? { isolationMode: props.managedNetwork }
          : undefined,
    });
  }

  /** ARM id of the workspace: the parent of online endpoints and environments. */
  get workspaceId(): string {
    return this.workspace.id;
  }

  get keyVaultId(): string {
    return this.keyVault.id;
  }

  get containerRegistryId(): string | undefined {
    return this.containerRegistry?.id;
  }
}
