import { DataAzurermKeyVaultSecret } from '@cdktf/provider-azurerm/lib/data-azurerm-key-vault-secret/index.js';
import { FRONT_ENV } from '@genai-deploy/config';
import { Fn, Token } from 'cdktf';
import type { Construct } from 'constructs';
import { AzapiUpdateResource } from './azapi-update-resource.js';
import { errors } from './errors.js';

/**
 * Traces of the Container Apps front in Azure Monitor (Application Insights) through the Container Apps managed
 * OpenTelemetry agent: the environment's `openTelemetryConfiguration` sends traces to Application Insights, and
 * Container Apps injects OTEL_EXPORTER_OTLP_ENDPOINT (and the protocol) into the front, which then starts its
 * OpenTelemetry SDK and exports to the agent. No exporter package and no collector to run.
 */
export interface ContainerAppFrontTracing {
  /**
   * Key Vault secret holding the Application Insights connection string
   * (`https://<vault>.vault.azure.net/secrets/<name>`, in the vault `keyVaultId`). Terraform reads it at plan
   * (a data source: the template holds a reference, never the value; the identity running Terraform needs
   * Get on the secret) and sets it on the environment's `appInsightsConfiguration`.
   */
  readonly appInsightsConnectionStringSecretId: string;
}

/** The managed environment API version that carries `openTelemetryConfiguration` and `appInsightsConfiguration`. */
export const MANAGED_ENVIRONMENT_TYPE = 'Microsoft.App/managedEnvironments@2024-02-02-preview';

const KV_SECRET =
  /^https:\/\/[a-zA-Z0-9-]{3,24}\.vault\.(?:azure\.net|azure\.cn|usgovcloudapi\.net)\/secrets\/([a-zA-Z0-9-]{1,127})(?:\/[0-9a-f]{32})?\/?$/;

/**
 * Validates `tracing` and turns the managed OpenTelemetry agent on for the environment the construct created.
 * Returns the front's extra environment (its service name, App Insights' cloud role name).
 */
export function containerAppTracing(
  scope: Construct,
  path: string,
  tracing: ContainerAppFrontTracing | undefined,
  target: {
    /** The environment this construct created; undefined when one was given (`environmentId`). */
    readonly ownEnvironmentId: string | undefined;
    readonly keyVaultId: string | undefined;
    readonly appName: string;
  },
): { name: string; value: string }[] {
  if (!tracing) return [];
  const secretId = tracing.appInsightsConnectionStringSecretId;
  if (target.ownEnvironmentId === undefined) throw errors.tracingSharedEnvironment(path);
  if (!target.keyVaultId) throw errors.keyVaultIdMissing(path, 1);
  let secretName: string;
  if (Token.isUnresolved(secretId)) {
    // https://<vault>.vault.azure.net/secrets/<name>[/<version>]: the fifth part, resolved by Terraform.
    secretName = Fn.element(Fn.split('/', secretId), 4);
  } else {
    const name = KV_SECRET.exec(secretId)?.[1];
    if (!name) throw errors.invalidKeyVaultSecretId(path, secretId);
    secretName = name;
  }
  const connectionString = new DataAzurermKeyVaultSecret(scope, 'AppInsightsConnectionString', {
    name: secretName,
    keyVaultId: target.keyVaultId,
  });
  new AzapiUpdateResource(scope, 'OpenTelemetry', {
    type: MANAGED_ENVIRONMENT_TYPE,
    resourceId: target.ownEnvironmentId,
    body: {
      properties: {
        appInsightsConfiguration: { connectionString: connectionString.value },
        // Traces only: the front's logs go to Log Analytics and its metrics to /metrics.
        openTelemetryConfiguration: { tracesConfiguration: { destinations: ['appInsights'] } },
      },
    },
  });
  return [{ name: FRONT_ENV.otelServiceName.name, value: target.appName }];
}
