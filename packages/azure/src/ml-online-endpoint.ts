import { createHash } from 'node:crypto';
import { MonitorAutoscaleSetting } from '@cdktf/provider-azurerm/lib/monitor-autoscale-setting/index.js';
import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting/index.js';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment/index.js';
import { RoleDefinition } from '@cdktf/provider-azurerm/lib/role-definition/index.js';
import { Fn, Token } from 'cdktf';
import { Construct } from 'constructs';
import { AzapiResource } from './azapi-resource.js';
import { AzapiUpdateResource } from './azapi-update-resource.js';
import { errors } from './errors.js';
import {
  compact,
  type DeploymentAutoscale,
  deploymentProperties,
  type OnlineDeploymentProps,
  validateDeployment,
} from './ml-deployment.js';
import { AzureMlWorkspace, type AzureMlWorkspaceProps, type IAzureMlWorkspace } from './ml-workspace.js';
import type { ManagedIdentityChoice, ResourceGroupRef } from './resource-group-ref.js';

/** Stable ARM API version of Microsoft.MachineLearningServices used for endpoints, deployments and environments. */
export const ML_API_VERSION = '2025-04-01';

/** The RBAC action that lets a principal call an endpoint that uses Entra (AADToken) auth. */
export const SCORE_ACTION = 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/score/action';

/** Built-in "AzureML Data Scientist" role definition id (broad: every workspace action but compute and workspace changes). */
export const AZUREML_DATA_SCIENTIST_ROLE_ID = 'f6c7c914-8db3-469d-8ca1-694a8f32e121';

export interface AzureMlOnlineEndpointProps {
  readonly resourceGroup: ResourceGroupRef;
  /** Endpoint name: 3-32 characters, part of the hostname `<name>.<region>.inference.ml.azure.com`, unique per region. */
  readonly name: string;
  /** A workspace (new or `AzureMlWorkspace.fromWorkspaceAttributes`). @default - a new AzureMlWorkspace from `workspaceProps` */
  readonly workspace?: IAzureMlWorkspace;
  /** Settings of the workspace created when `workspace` is not given. @default { name: `mlw-<endpoint name>` } */
  readonly workspaceProps?: Omit<AzureMlWorkspaceProps, 'resourceGroup'>;
  /** @default - the workspace's location */
  readonly location?: string;
  /**
   * How callers authenticate: `AADToken` (Microsoft Entra tokens, role-based, no shared secret) or `Key`
   * (static keys you must store and rotate). @default 'AADToken'
   */
  readonly authMode?: 'AADToken' | 'Key';
  /** Accept scoring requests from the public internet. @default true */
  readonly publicNetworkAccess?: boolean;
  /** Identity the deployments run as (pulls images, reads models). @default { type: 'SystemAssigned' } */
  readonly identity?: ManagedIdentityChoice;
  /** One or more managed deployments. */
  readonly deployments: readonly OnlineDeploymentProps[];
  /**
   * Live traffic per deployment, in whole percent summing to 100 (blue/green: `{ blue: 90, green: 10 }`). Set after
   * every deployment exists. @default - 100 to the first deployment
   */
  readonly traffic?: Record<string, number>;
  /** Shadow traffic copied to one deployment that takes no live traffic (at most 50). @default - none */
  readonly mirrorTraffic?: Record<string, number>;
  /**
   * Endpoint logs sent to the workspace's Log Analytics: traffic (request metadata) and events (container life
   * cycle) by default. Console logs are off by default because model servers may print prompts. `false` sends none.
   * @default { traffic: true, events: true, console: false }
   */
  readonly logs?:
    | { readonly traffic?: boolean; readonly events?: boolean; readonly console?: boolean }
    | false;
  /** ARM API version for the azapi resources. @default ML_API_VERSION */
  readonly apiVersion?: string;
  readonly description?: string;
  readonly tags?: Record<string, string>;
}

/** A created deployment and what hangs off it. */
export interface OnlineDeployment {
  readonly name: string;
  readonly resource: AzapiResource;
  readonly environment?: AzapiResource;
  readonly autoscale?: MonitorAutoscaleSetting;
}

const ENDPOINT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;

/** Validates a traffic split against the deployment names (exported for reuse and tests). */
export function validateTraffic(
  path: string,
  traffic: Record<string, number>,
  deployments: readonly string[],
): void {
  let sum = 0;
  for (const [name, value] of Object.entries(traffic)) {
    if (!deployments.includes(name)) throw errors.trafficUnknownDeployment(path, name, deployments);
    if (!Number.isInteger(value) || value < 0 || value > 100) throw errors.trafficValue(path, name, value);
    sum += value;
  }
  if (sum !== 100) throw errors.trafficSum(path, traffic, sum);
}

function validateMirror(
  path: string,
  mirror: Record<string, number>,
  traffic: Record<string, number>,
  deployments: readonly string[],
): void {
  const entries = Object.entries(mirror);
  if (entries.length > 1)
    throw errors.mirrorTraffic(path, `mirrorTraffic names ${entries.length} deployments;`);
  for (const [name, value] of entries) {
    if (!deployments.includes(name)) throw errors.trafficUnknownDeployment(path, name, deployments);
    if (!Number.isInteger(value) || value < 0 || value > 50) {
      throw errors.mirrorTraffic(path, `mirrorTraffic for "${name}" is ${value}, outside 0-50.`);
    }
    if ((traffic[name] ?? 0) > 0) {
      throw errors.mirrorTraffic(
        path,
        `"${name}" takes ${traffic[name]}% live traffic and cannot also be mirrored to.`,
      );
    }
  }
}

/**
 * An Azure ML managed online endpoint with GPU deployments, built on azapi (azurerm has no resource for them).
 *
 * The endpoint is created with empty traffic; each deployment is an `azapi_resource` with its instance count in
 * `sku.capacity`; the traffic split is then set by an `azapi_update_resource` that depends on every deployment,
 * because ARM rejects traffic to deployments that do not exist yet.
 */
export class AzureMlOnlineEndpoint extends Construct {
  readonly workspace: IAzureMlWorkspace;
  readonly endpoint: AzapiResource;
  readonly diagnostics?: MonitorDiagnosticSetting;
  readonly deployments: readonly OnlineDeployment[];
  readonly trafficUpdate: AzapiUpdateResource;
  readonly name: string;
  readonly location: string;
  readonly authMode: 'AADToken' | 'Key';
  readonly traffic: Readonly<Record<string, number>>;
  private readonly apiVersion: string;
  private readonly resourceGroup: ResourceGroupRef;
  private invokerRole?: RoleDefinition;

  constructor(scope: Construct, id: string, props: AzureMlOnlineEndpointProps) {
    super(scope, id);
    const path = this.node.path;
    if (!Token.isUnresolved(props.name) && !ENDPOINT_NAME.test(props.name)) {
      throw errors.invalidEndpointName(path, props.name);
    }
    if (props.deployments.length === 0) throw errors.noDeployments(path);
    const names = props.deployments.map((d) => d.name);
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) throw errors.duplicateDeployment(path, n);
      seen.add(n);
    }
    for (const d of props.deployments) validateDeployment(this, d);
    const traffic = props.traffic ?? { [names[0]!]: 100 };
    validateTraffic(path, traffic, names);
    if (props.mirrorTraffic) validateMirror(path, props.mirrorTraffic, traffic, names);

    this.name = props.name;
    this.authMode = props.authMode ?? 'AADToken';
    this.traffic = traffic;
    this.apiVersion = props.apiVersion ?? ML_API_VERSION;
    this.resourceGroup = props.resourceGroup;
    this.workspace =
      props.workspace ??
      new AzureMlWorkspace(this, 'Workspace', {
        name: `mlw-${props.name}`.slice(0, 33),
        ...props.workspaceProps,
        resourceGroup: props.resourceGroup,
      });
    this.location = props.location ?? this.workspace.location;
    const identity = props.identity ?? { type: 'SystemAssigned' };
    const ml = (type: string) => `Microsoft.MachineLearningServices/${type}@${this.apiVersion}`;

    this.endpoint = new AzapiResource(this, 'Resource', {
      type: ml('workspaces/onlineEndpoints'),
      name: props.name,
      parentId: this.workspace.workspaceId,
      location: this.location,
      identity:
        identity.type === 'SystemAssigned'
          ? { type: 'SystemAssigned' }
          : { type: 'UserAssigned', identityIds: [identity.identityId] },
      body: compact({
        properties: {
          authMode: this.authMode,
          publicNetworkAccess: (props.publicNetworkAccess ?? true) ? 'Enabled' : 'Disabled',
          description: props.description,
          // ARM refuses traffic to deployments that do not exist yet: the split is set by TrafficUpdate.
          traffic: {},
        },
      }),
      responseExportValues: ['properties.scoringUri', 'properties.swaggerUri'],
      // TrafficUpdate owns the split from here on; without this every apply would reset it to {}.
      lifecycle: { ignoreChanges: ['body.properties.traffic'] },
      tags: props.tags,
      timeouts: { create: '30m', delete: '60m' },
    });

    this.deployments = props.deployments.map((d) => this.addDeployment(d, identity));

    const logs = props.logs ?? {};
    const logAnalytics = this.workspace.logAnalyticsWorkspaceId;
    if (logs !== false && logAnalytics) {
      const categories = [
        (logs.traffic ?? true) && 'AmlOnlineEndpointTrafficLog',
        (logs.events ?? true) && 'AmlOnlineEndpointEventLog',
        (logs.console ?? false) && 'AmlOnlineEndpointConsoleLog',
      ].filter((c): c is string => typeof c === 'string');
      if (categories.length > 0) {
        this.diagnostics = new MonitorDiagnosticSetting(this, 'Logs', {
          name: `${props.name}-logs`,
          targetResourceId: this.endpoint.id,
          logAnalyticsWorkspaceId: logAnalytics,
          logAnalyticsDestinationType: 'Dedicated',
          enabledLog: categories.map((category) => ({ category })),
        });
      }
    }

    const trafficBody: Record<string, unknown> = { traffic };
    if (props.mirrorTraffic) trafficBody.mirrorTraffic = props.mirrorTraffic;
    this.trafficUpdate = new AzapiUpdateResource(this, 'Traffic', {
      type: ml('workspaces/onlineEndpoints'),
      resourceId: this.endpoint.id,
      body: { properties: trafficBody },
      dependsOn: this.deployments.map((d) => d.resource),
      locks: [this.endpoint.id],
    });
  }

  private addDeployment(d: OnlineDeploymentProps, identity: ManagedIdentityChoice): OnlineDeployment {
    const scope = new Construct(this, `Deployment-${d.name}`);
    const ml = (type: string) => `Microsoft.MachineLearningServices/${type}@${this.apiVersion}`;
    let environment: AzapiResource | undefined;
    if (d.container) {
      const routes = d.container.inferenceRoutes;
      const liveness = routes.livenessPath ?? '/health';
      const inferenceConfig = {
        scoringRoute: { path: routes.scoringPath ?? '/score', port: routes.port },
        livenessRoute: { path: liveness, port: routes.port },
        readinessRoute: { path: routes.readinessPath ?? liveness, port: routes.port },
      };
      const envContainer = new AzapiResource(scope, 'Environment', {
        type: ml('workspaces/environments'),
        name: `${this.name}-${d.name}`,
        parentId: this.workspace.workspaceId,
        body: { properties: { description: `Inference container of ${this.name}/${d.name}` } },
      });
      // Environment versions are immutable: a new image or route gets a new version, created before the old
      // one is removed so the deployment never points at a deleted environment.
      const version = createHash('sha256')
        .update(JSON.stringify({ image: d.container.image, inferenceConfig }))
        .digest('hex')
        .slice(0, 12);
      environment = new AzapiResource(scope, 'EnvironmentVersion', {
        type: ml('workspaces/environments/versions'),
        name: version,
        parentId: envContainer.id,
        body: { properties: { image: d.container.image, osType: 'Linux', inferenceConfig } },
        lifecycle: { createBeforeDestroy: true },
      });
    }

    const resource = new AzapiResource(scope, 'Resource', {
      type: ml('workspaces/onlineEndpoints/deployments'),
      name: d.name,
      parentId: this.endpoint.id,
      location: this.location,
      body: compact({
        // Instance count is sku.capacity; ARM has no properties.instanceCount.
        sku: { name: 'Default', capacity: d.instanceCount ?? d.autoscale?.defaultInstances ?? 1 },
        properties: deploymentProperties(d, environment?.id),
      }),
      // Deployments of one endpoint are updated one at a time by ARM.
      locks: [this.endpoint.id],
      // Autoscale owns the instance count once it is on.
      lifecycle: d.autoscale ? { ignoreChanges: ['body.sku.capacity'] } : undefined,
      tags: d.tags,
      // Pulling a large image and loading weights onto GPUs can take well over the default 30 minutes.
      timeouts: { create: '120m', update: '120m', delete: '60m' },
    });

    if (identity.type === 'UserAssigned' && environment) {
      // A system-assigned endpoint identity is granted AcrPull by Azure ML itself; a user-assigned one is not.
      const registryId = this.workspace.containerRegistryId;
      if (registryId) {
        new RoleAssignment(scope, 'AcrPull', {
          scope: registryId,
          roleDefinitionName: 'AcrPull',
          principalId: identity.principalId,
          principalType: 'ServicePrincipal',
        });
      }
    }

    const autoscale = d.autoscale && this.addAutoscale(scope, d.name, resource, d.autoscale);
    return { name: d.name, resource, environment, autoscale };
  }

  private addAutoscale(
    scope: Construct,
    name: string,
    deployment: AzapiResource,
    a: DeploymentAutoscale,
  ): MonitorAutoscaleSetting {
    const min = a.minInstances ?? 1;
    const rule = a.rule ?? { metric: 'gpu' };
    const window = a.timeWindow ?? 'PT5M';
    const trigger = (operator: 'GreaterThan' | 'LessThan', threshold: number) => {
      const common = {
        operator,
        threshold,
        statistic: 'Average',
        timeAggregation: 'Average',
        timeGrain: 'PT1M',
        timeWindow: window,
      };
      if (rule.metric === 'requests') {
        return {
          ...common,
          metricName: 'RequestsPerMinute',
          metricNamespace: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints',
          metricResourceId: this.endpoint.id,
          divideByInstanceCount: true,
          dimensions: [{ name: 'deployment', operator: 'Equals', values: [name] }],
        };
      }
      return {
        ...common,
        metricName: rule.metric === 'gpu' ? 'GpuUtilizationPercentage' : 'CpuUtilizationPercentage',
        metricNamespace: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments',
        metricResourceId: deployment.id,
      };
    };
    return new MonitorAutoscaleSetting(scope, 'Autoscale', {
      name: `${this.name}-${name}-autoscale`,
      resourceGroupName: this.resourceGroup.name,
      location: this.location,
      targetResourceId: deployment.id,
      profile: [
        {
          name: 'default',
          capacity: { minimum: min, maximum: a.maxInstances, default: a.defaultInstances ?? min },
          rule: [
            {
              metricTrigger: trigger('GreaterThan', rule.scaleOutAbove ?? 70),
              scaleAction: {
                direction: 'Increase',
                type: 'ChangeCount',
                value: 1,
                cooldown: a.scaleOutCooldown ?? 'PT15M',
              },
            },
            {
              metricTrigger: trigger('LessThan', rule.scaleInBelow ?? 30),
              scaleAction: {
                direction: 'Decrease',
                type: 'ChangeCount',
                value: 1,
                cooldown: a.scaleInCooldown ?? 'PT30M',
              },
            },
          ],
        },
      ],
    });
  }

  /** The scoring URI (`https://<name>.<region>.inference.ml.azure.com/score`), known after apply. */
  get scoringUri(): string {
    return this.endpoint.outputString('properties.scoringUri');
  }

  /**
   * The endpoint's base URL, derived at synth time from its name and region, for configurations that must be
   * validated before apply (the front's GENAI_CONFIG).
   */
  get baseUrl(): string {
    if (Token.isUnresolved(this.location)) {
      return `https://${this.name}.${Fn.replace(Fn.lower(this.location), ' ', '')}.inference.ml.azure.com`;
    }
    return `https://${this.name}.${this.location.toLowerCase().replace(/\s+/g, '')}.inference.ml.azure.com`;
  }

  /** ARM id of the endpoint. */
  get endpointId(): string {
    return this.endpoint.id;
  }

  /**
   * Lets a principal invoke the endpoint with Entra tokens. By default a custom role holding only
   * `onlineEndpoints/score/action`, assigned at the endpoint's scope (Azure has no narrower built-in role);
   * `role: 'AzureML Data Scientist'` uses the broad built-in role instead.
   */
  grantInvoke(
    id: string,
    principalId: string,
    options: {
      role?: 'score-only' | 'AzureML Data Scientist';
      principalType?: 'ServicePrincipal' | 'User' | 'Group';
    } = {},
  ): RoleAssignment {
    const principalType = options.principalType ?? 'ServicePrincipal';
    if ((options.role ?? 'score-only') === 'AzureML Data Scientist') {
      return new RoleAssignment(this, `Invoke-${id}`, {
        scope: this.endpoint.id,
        roleDefinitionName: 'AzureML Data Scientist',
        principalId,
        principalType,
      });
    }
    this.invokerRole ??= new RoleDefinition(this, 'InvokerRole', {
      name: `genai-deploy endpoint invoker ${this.name} ${createHash('sha256').update(this.node.addr).digest('hex').slice(0, 8)}`,
      scope: this.resourceGroup.id,
      description: `Invoke the Azure ML online endpoint ${this.name} with Microsoft Entra tokens, nothing else.`,
      permissions: [{ actions: [SCORE_ACTION] }],
      assignableScopes: [this.resourceGroup.id],
    });
    return new RoleAssignment(this, `Invoke-${id}`, {
      scope: this.endpoint.id,
      roleDefinitionId: this.invokerRole.roleDefinitionResourceId,
      principalId,
      principalType,
    });
  }
}
