import { ContainerApp } from '@cdktf/provider-azurerm/lib/container-app/index.js';
import { ContainerAppEnvironment } from '@cdktf/provider-azurerm/lib/container-app-environment/index.js';
import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace/index.js';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment/index.js';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity/index.js';
import {
  type ConfigError,
  FRONT_ENV,
  type FrontConfig,
  type FrontConfigInput,
  parseFrontConfig,
  resolveVectorStoreEmbedding,
} from '@genai-deploy/config';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { type ContainerAppFrontTracing, containerAppTracing } from './container-app-front-tracing.js';
import { errors } from './errors.js';
import { hyphenatedName } from './names.js';
import type { ResourceGroupRef } from './resource-group-ref.js';

/** A Key Vault secret exposed to the front as an environment variable (never written to the template). */
export interface KeyVaultSecretRef {
  /** Container Apps secret name: lowercase letters, digits and "-". */
  readonly name: string;
  /** `https://<vault>.vault.azure.net/secrets/<name>`; prefer the versionless id so rotations are picked up. */
  readonly keyVaultSecretId: string;
  /**
   * Environment variable that receives the value, e.g. `FRONT_ENV.redisPassword.name` (GENAI_REDIS_PASSWORD) for
   * the access key of a cache that keeps access keys on.
   */
  readonly env: string;
}

export interface ContainerAppFrontProps {
  readonly resourceGroup: ResourceGroupRef;
  /** Container app name: 2-32 characters, lowercase letters, digits and "-", a letter first. */
  readonly name: string;
  /** The front's image, e.g. `ghcr.io/acme/genai-front:1.4.0` (pin a tag or digest). */
  readonly image: string;
  /** The front's configuration; validated here with @genai-deploy/config and passed as GENAI_CONFIG. */
  readonly config: FrontConfigInput;
  /** @default - the resource group's location */
  readonly location?: string;
  /** An existing Container Apps environment id. @default - a new environment logging to Log Analytics */
  readonly environmentId?: string;
  /** Log Analytics workspace for a new environment. @default - a new workspace (30 days) */
  readonly logAnalyticsWorkspaceId?: string;
  /** Id of the Key Vault holding the secrets; the front's identity gets Key Vault Secrets User on it. */
  readonly keyVaultId?: string;
  /** Key Vault secret with the front's API keys (comma-separated), exposed as GENAI_API_KEYS. @default - none */
  readonly apiKeysSecretId?: string;
  /** More secrets from Key Vault. @default [] */
  readonly secrets?: readonly KeyVaultSecretRef[];
  /** Plain (non-secret) environment variables. @default {} */
  readonly environment?: Record<string, string>;
  /** Port the front listens on (passed as PORT). @default 8080 */
  readonly targetPort?: number;
  /** Reachable from the internet (false: only inside the environment's network). @default true */
  readonly external?: boolean;
  /** @default 1 (no cold starts on the first request) */
  readonly minReplicas?: number;
  /** @default 10 */
  readonly maxReplicas?: number;
  /** Concurrent HTTP requests per replica before another replica is added. @default 50 */
  readonly concurrentRequests?: number;
  /** vCPUs per replica (consumption plan: 0.25 to 4 in steps of 0.25; memory is twice this in GiB). @default 1 */
  readonly cpu?: number;
  readonly tags?: Record<string, string>;
  /** Traces to Application Insights through the managed OpenTelemetry agent (see ContainerAppFrontTracing). @default - none */
  readonly tracing?: ContainerAppFrontTracing;
}

const APP_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
const SECRET_NAME = /^[a-z0-9][a-z0-9-]{0,252}[a-z0-9]$/;
const KV_SECRET_ID =
  /^https:\/\/[a-zA-Z0-9-]{3,24}\.vault\.(azure\.net|azure\.cn|usgovcloudapi\.net)\/secrets\/[a-zA-Z0-9-]{1,127}(\/[0-9a-f]{32})?\/?$/;
/** The variables of the front's contract that this construct sets itself. */
const RESERVED_ENV: readonly string[] = [
  FRONT_ENV.config.name,
  FRONT_ENV.apiKeys.name,
  FRONT_ENV.azureClientId.name,
  FRONT_ENV.port.name,
];
const SECRET_LIKE = /(^|_)(KEY|KEYS|TOKEN|SECRET|PASSWORD|PASSWD|CONNECTION_STRING)(_|$)/i;
const SECRET_FIELD = /(password|secret|api[-_]?key|token|credential)/i;

/** Finds the path of the first value in the configuration that looks like a credential. */
function findCredential(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') {
    if (/^rediss?:\/\/[^@/]*:[^@/]+@/.test(value)) return path; // password in a Redis URL
    return undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findCredential(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_FIELD.test(k) && typeof v === 'string' && v.length > 0) return path ? `${path}.${k}` : k;
      const found = findCredential(v, path ? `${path}.${k}` : k);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Escapes literal `${` and `%{` (Terraform template syntax) in a string that may also hold cdktf tokens, so that a
 * configuration value containing them reaches the container verbatim while the tokens still resolve.
 */
export function escapeTerraformTemplate(value: string): string {
  return value.replace(/\$\{(?!TfToken\[)/g, '$$${').replace(/%\{/g, '%%{');
}

const TOKEN = /\$\{TfToken\[[^\]]+\]\}/g;

/**
 * Validates the configuration with @genai-deploy/config and applies its defaults. Values only known after apply
 * (cdktf tokens, such as a Redis host name) are swapped for placeholders that are valid URL parts while the schema
 * checks them, then put back, so the result still resolves to Terraform references.
 */
export function validateFrontConfig(path: string, input: FrontConfigInput): FrontConfig {
  const tokens: string[] = [];
  const placeholder = (i: number) => `cdktf-token-${i}-value`;
  const masked = JSON.parse(
    JSON.stringify(input, (_k, v) =>
      typeof v === 'string'
        ? v.replace(TOKEN, (t) => {
            tokens.push(t);
            return placeholder(tokens.length - 1);
          })
        : v,
    ),
  );
  let parsed: FrontConfig;
  try {
    parsed = parseFrontConfig(masked, 'front configuration');
  } catch (e) {
    throw errors.invalidFrontConfig(path, (e as ConfigError).message);
  }
  if (tokens.length === 0) return parsed;
  return JSON.parse(
    JSON.stringify(parsed, (_k, v) =>
      typeof v === 'string'
        ? v.replace(/cdktf-token-(\d+)-value/g, (_m, i: string) => tokens[Number(i)]!)
        : v,
    ),
  );
}

/**
 * The OpenAI-compatible front on Azure Container Apps: its environment (logs to Log Analytics), a user-assigned
 * identity, Key Vault secrets read through that identity, an HTTP concurrency scale rule and ingress. The
 * validated configuration goes in GENAI_CONFIG; API keys come from Key Vault as GENAI_API_KEYS.
 */
export class ContainerAppFront extends Construct {
  readonly app: ContainerApp;
  readonly identity: UserAssignedIdentity;
  readonly environmentId: string;
  /** The configuration as validated, with defaults applied. */
  readonly config: FrontConfig;

  constructor(scope: Construct, id: string, props: ContainerAppFrontProps) {
    super(scope, id);
    const path = this.node.path;
    if (!Token.isUnresolved(props.name) && !APP_NAME.test(props.name)) {
      throw errors.invalidName(
        path,
        'container app name',
        props.name,
        '2-32 characters, lowercase letters, digits and "-", a letter first',
      );
    }
    this.config = validateFrontConfig(path, props.config);
    if (this.config.vectorStore) {
      const checked = resolveVectorStoreEmbedding(this.config, this.config.vectorStore);
      if (!checked.ok) throw errors.vectorStoreEmbedding(path, checked.problem);
    }
    const credentialAt = findCredential(props.config, '');
    if (credentialAt) throw errors.secretInFrontConfig(path, credentialAt);

    const port = props.targetPort ?? 8080;
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw errors.invalidPort(path, 'targetPort', port);
    const min = props.minReplicas ?? 1;
    const max = props.maxReplicas ?? 10;
    if (!Number.isInteger(min) || min < 0 || min > 1000) {
      throw errors.outOfRange(path, 'minReplicas', min, 0, 1000, '0 allows scale to zero (cold starts).');
    }
    if (!Number.isInteger(max) || max < 1 || max > 1000) {
      throw errors.outOfRange(path, 'maxReplicas', max, 1, 1000, 'Container Apps runs 1 to 1000 replicas.');
    }
    if (min > max) throw errors.minGreaterThanMax(path, 'replicas', min, max);
    const concurrent = props.concurrentRequests ?? 50;
    if (!Number.isInteger(concurrent) || concurrent < 1 || concurrent > 10_000) {
      throw errors.outOfRange(
        path,
        'concurrentRequests',
        concurrent,
        1,
        10_000,
        'Size it to what one replica serves.',
      );
    }
    const cpu = props.cpu ?? 1;
    if (cpu < 0.25 || cpu > 4 || !Number.isInteger(cpu * 4)) {
      throw errors.outOfRange(
        path,
        'cpu (in quarter vCPUs)',
        cpu * 4,
        1,
        16,
        'Use 0.25 to 4 vCPUs in steps of 0.25.',
      );
    }

    const env = props.environment ?? {};
    for (const name of Object.keys(env)) {
      if (RESERVED_ENV.includes(name)) {
        throw errors.reservedEnvironmentVariable(
          path,
          name,
          'Use config, apiKeysSecretId or targetPort instead.',
        );
      }
      if (props.tracing && name === FRONT_ENV.otelServiceName.name) {
        throw errors.reservedEnvironmentVariable(
          path,
          name,
          'With tracing the construct sets it to the app name.',
        );
      }
      if (SECRET_LIKE.test(name)) throw errors.secretLikeEnvironmentValue(path, name);
    }
    const secrets: KeyVaultSecretRef[] = [...(props.secrets ?? [])];
    if (props.apiKeysSecretId) {
      secrets.unshift({
        name: 'genai-api-keys',
        keyVaultSecretId: props.apiKeysSecretId,
        env: FRONT_ENV.apiKeys.name,
      });
    }
    const seen = new Set<string>();
    for (const s of secrets) {
      if (!Token.isUnresolved(s.keyVaultSecretId) && !KV_SECRET_ID.test(s.keyVaultSecretId)) {
        throw errors.invalidKeyVaultSecretId(path, s.keyVaultSecretId);
      }
      if (!SECRET_NAME.test(s.name)) {
        throw errors.invalidName(
          path,
          'secret name',
          s.name,
          'lowercase letters, digits and "-", starting and ending with a letter or digit',
        );
      }
      if (seen.has(s.name))
        throw errors.invalidName(path, 'secret name', s.name, 'each secret needs its own name');
      seen.add(s.name);
      if (s.env !== FRONT_ENV.apiKeys.name && RESERVED_ENV.includes(s.env)) {
        throw errors.reservedEnvironmentVariable(path, s.env, 'Pick another variable name.');
      }
    }
    if (secrets.length > 0 && !props.keyVaultId) throw errors.keyVaultIdMissing(path, secrets.length);

    const rg = props.resourceGroup;
    const location = props.location ?? rg.location;
    const common = { resourceGroupName: rg.name, location, tags: props.tags };

    this.identity = new UserAssignedIdentity(this, 'Identity', { ...common, name: `id-${props.name}` });

    let kvAccess: RoleAssignment | undefined;
    if (props.keyVaultId && secrets.length > 0) {
      kvAccess = new RoleAssignment(this, 'KeyVaultSecretsUser', {
        scope: props.keyVaultId,
        roleDefinitionName: 'Key Vault Secrets User',
        principalId: this.identity.principalId,
        principalType: 'ServicePrincipal',
      });
    }

    let ownEnvironmentId: string | undefined;
    if (props.environmentId) {
      this.environmentId = props.environmentId;
    } else {
      const logs =
        props.logAnalyticsWorkspaceId ??
        new LogAnalyticsWorkspace(this, 'Logs', {
          ...common,
          name: hyphenatedName(`log-${props.name}`, this, 63),
          sku: 'PerGB2018',
          retentionInDays: 30,
        }).id;
      this.environmentId = new ContainerAppEnvironment(this, 'Environment', {
        ...common,
        name: `cae-${props.name}`,
        logAnalyticsWorkspaceId: logs,
        logsDestination: 'log-analytics',
      }).id;
      ownEnvironmentId = this.environmentId;
    }
    const tracingEnv = containerAppTracing(this, path, props.tracing, {
      ownEnvironmentId,
      keyVaultId: props.keyVaultId,
      appName: props.name,
    });

    const plainEnv = [
      { name: FRONT_ENV.config.name, value: escapeTerraformTemplate(JSON.stringify(this.config)) },
      { name: FRONT_ENV.port.name, value: String(port) },
      // DefaultAzureCredential picks the user-assigned identity by its client id.
      { name: FRONT_ENV.azureClientId.name, value: this.identity.clientId },
      ...tracingEnv,
      ...Object.entries(env).map(([name, value]) => ({ name, value })),
    ];
    const probe = (p: string) => [{ transport: 'HTTP', port, path: p }];

    this.app = new ContainerApp(this, 'Resource', {
      name: props.name,
      resourceGroupName: rg.name,
      containerAppEnvironmentId: this.environmentId,
      revisionMode: 'Single',
      tags: props.tags,
      identity: { type: 'UserAssigned', identityIds: [this.identity.id] },
      secret: secrets.map((s) => ({
        name: s.name,
        keyVaultSecretId: s.keyVaultSecretId,
        identity: this.identity.id,
      })),
      ingress: {
        externalEnabled: props.external ?? true,
        targetPort: port,
        transport: 'auto',
        allowInsecureConnections: false,
        trafficWeight: [{ latestRevision: true, percentage: 100 }],
      },
      template: {
        minReplicas: min,
        maxReplicas: max,
        container: [
          {
            name: 'front',
            image: props.image,
            cpu,
            memory: `${cpu * 2}Gi`,
            env: [...plainEnv, ...secrets.map((s) => ({ name: s.env, secretName: s.name }))],
            livenessProbe: probe('/health'),
            readinessProbe: probe('/ready'),
          },
        ],
        httpScaleRule: [{ name: 'http-concurrency', concurrentRequests: String(concurrent) }],
      },
      // The identity must be able to read the secrets before the first revision starts.
      dependsOn: kvAccess ? [kvAccess] : undefined,
    });
  }

  /** Public URL of the front (`https://<app>.<env domain>`). */
  get url(): string {
    return `https://${this.app.ingress.fqdn}`;
  }

  /** Principal id of the front's identity, for role assignments on what it calls. */
  get principalId(): string {
    return this.identity.principalId;
  }
}

export type { ContainerAppFrontTracing } from './container-app-front-tracing.js';
