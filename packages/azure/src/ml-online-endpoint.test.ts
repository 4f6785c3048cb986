import { AnnotationMetadataEntryType, TerraformStack, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { AzapiResource } from './azapi-resource.js';
import { AzapiUpdateResource } from './azapi-update-resource.js';
import type { OnlineDeploymentProps } from './ml-deployment.js';
import {
  AzureMlOnlineEndpoint,
  type AzureMlOnlineEndpointProps,
  ML_API_VERSION,
  SCORE_ACTION,
} from './ml-online-endpoint.js';
import { AzureMlWorkspace } from './ml-workspace.js';
import { expectConstructError, RG, resources, synth } from './test-helpers.test-utils.js';

const LLAMA = 'azureml://registries/azureml-meta/models/Meta-Llama-3.1-8B-Instruct/versions/4';
const blue: OnlineDeploymentProps = {
  name: 'blue',
  instanceType: 'Standard_NC24ads_A100_v4',
  model: { registryModelId: LLAMA },
  instanceCount: 2,
};

function endpoint(overrides: Partial<AzureMlOnlineEndpointProps> = {}) {
  return (scope: Parameters<Parameters<typeof synth>[0]>[0]) =>
    new AzureMlOnlineEndpoint(scope, 'llm', {
      resourceGroup: RG,
      name: 'chat-llm',
      deployments: [blue],
      ...overrides,
    });
}

// biome-ignore lint/suspicious/noExplicitAny: synthesized Terraform JSON is untyped
const byName = (list: any[], name: string): any => list.find((r) => r.name === name);

describe('AzureMlOnlineEndpoint: azapi bodies', () => {
  it('creates the endpoint with a pinned API version, Entra auth and empty traffic', () => {
    // WHEN
    const json = synth(endpoint());

    // THEN
    const ep = byName(resources(json, 'azapi_resource'), 'chat-llm');
    expect(ep.type).toBe(`Microsoft.MachineLearningServices/workspaces/onlineEndpoints@${ML_API_VERSION}`);
    expect(ML_API_VERSION).toMatch(/^\d{4}-\d{2}-\d{2}$/); // a stable version, not -preview
    expect(ep.body).toEqual({
      properties: { authMode: 'AADToken', publicNetworkAccess: 'Enabled', traffic: {} },
    });
    expect(ep.identity).toEqual([{ type: 'SystemAssigned' }]);
    expect(ep.parent_id).toMatch(/^\$\{azurerm_machine_learning_workspace\..+\.id\}$/);
    expect(ep.lifecycle.ignore_changes).toEqual(['body.properties.traffic']);
    expect(ep.response_export_values).toContain('properties.scoringUri');
  });

  it('writes the instance count as sku.capacity, never properties.instanceCount', () => {
    const json = synth(endpoint());
    const dep = byName(resources(json, 'azapi_resource'), 'blue');
    expect(dep.type).toBe(
      `Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments@${ML_API_VERSION}`,
    );
    expect(dep.body.sku).toEqual({ name: 'Default', capacity: 2 });
    expect(dep.body.properties).not.toHaveProperty('instanceCount');
    expect(dep.body.properties).toMatchObject({
      endpointComputeType: 'Managed',
      instanceType: 'Standard_NC24ads_A100_v4',
      model: LLAMA,
      appInsightsEnabled: true,
      egressPublicNetworkAccess: 'Enabled',
      requestSettings: { maxConcurrentRequestsPerInstance: 32, requestTimeout: 'PT90S' },
      livenessProbe: {
        initialDelay: 'PT10M',
        period: 'PT10S',
        timeout: 'PT10S',
        failureThreshold: 30,
        successThreshold: 1,
      },
      readinessProbe: { initialDelay: 'PT10M', failureThreshold: 30 },
      scaleSettings: { scaleType: 'Default' },
    });
    // no environment for a curated registry model, and no undefined leftovers that azapi would reject
    expect(dep.body.properties).not.toHaveProperty('environmentId');
    expect(JSON.stringify(dep.body)).not.toContain('null');
    expect(dep.parent_id).toMatch(/^\$\{azapi_resource\.llm_.+\.id\}$/);
    expect(dep.timeouts.create).toBe('120m');
  });

  it('adds a startup probe only when asked, so liveness can stay tight after loading', () => {
    const json = synth(
      endpoint({
        deployments: [
          {
            ...blue,
            startupProbe: { initialDelay: 'PT1M', failureThreshold: 90 },
            livenessProbe: { initialDelay: 'PT0S' },
          },
        ],
      }),
    );
    const props = byName(resources(json, 'azapi_resource'), 'blue').body.properties;
    expect(props.startupProbe).toEqual({
      initialDelay: 'PT1M',
      period: 'PT10S',
      timeout: 'PT10S',
      failureThreshold: 90,
      successThreshold: 1,
    });
    expect(props.livenessProbe.initialDelay).toBe('PT0S');
    expect(byName(resources(synth(endpoint()), 'azapi_resource'), 'blue').body.properties).not.toHaveProperty(
      'startupProbe',
    );
  });

  it('sets traffic with azapi_update_resource after every deployment exists', () => {
    // GIVEN a blue/green pair
    const json = synth(
      endpoint({
        deployments: [blue, { ...blue, name: 'green', instanceCount: 1 }],
        traffic: { blue: 90, green: 10 },
      }),
    );

    // THEN
    const updates = resources(json, 'azapi_update_resource');
    expect(updates).toHaveLength(1);
    const traffic = updates[0];
    expect(traffic.type).toBe(
      `Microsoft.MachineLearningServices/workspaces/onlineEndpoints@${ML_API_VERSION}`,
    );
    expect(traffic.body).toEqual({ properties: { traffic: { blue: 90, green: 10 } } });
    const deploymentAddresses = Object.entries(
      json.resource.azapi_resource as Record<string, { name: string }>,
    )
      .filter(([, r]) => r.name === 'blue' || r.name === 'green')
      .map(([key]) => `azapi_resource.${key}`);
    expect(traffic.depends_on.sort()).toEqual(deploymentAddresses.sort());
    expect(traffic.resource_id).toMatch(/^\$\{azapi_resource\.llm_.+\.id\}$/);
    expect(
      Testing.toHaveResourceWithProperties(JSON.stringify(json), AzapiUpdateResource.tfResourceType, {
        locks: [traffic.resource_id],
      }),
    ).toBe(true);
  });

  it('sends 100% to the only deployment by default and includes mirror traffic when asked', () => {
    const one = synth(endpoint());
    expect(resources(one, 'azapi_update_resource')[0].body.properties.traffic).toEqual({ blue: 100 });

    const mirrored = synth(
      endpoint({
        deployments: [blue, { ...blue, name: 'shadow' }],
        traffic: { blue: 100 },
        mirrorTraffic: { shadow: 20 },
      }),
    );
    expect(resources(mirrored, 'azapi_update_resource')[0].body.properties).toEqual({
      traffic: { blue: 100 },
      mirrorTraffic: { shadow: 20 },
    });
  });

  it('builds a custom container environment with its inference routes', () => {
    const json = synth(
      endpoint({
        deployments: [
          {
            name: 'vllm',
            instanceType: 'Standard_NC40ads_H100_v5',
            container: {
              image: 'myacr.azurecr.io/vllm-openai:0.6.3',
              inferenceRoutes: { port: 8000, scoringPath: '/v1/chat/completions', livenessPath: '/health' },
            },
            environmentVariables: { MODEL_ID: 'meta-llama/Llama-3.1-8B-Instruct' },
          },
        ],
      }),
    );
    const all = resources(json, 'azapi_resource');
    const version = all.find((r) =>
      r.type.startsWith('Microsoft.MachineLearningServices/workspaces/environments/versions@'),
    );
    expect(version.body.properties).toEqual({
      image: 'myacr.azurecr.io/vllm-openai:0.6.3',
      osType: 'Linux',
      inferenceConfig: {
        scoringRoute: { path: '/v1/chat/completions', port: 8000 },
        livenessRoute: { path: '/health', port: 8000 },
        readinessRoute: { path: '/health', port: 8000 },
      },
    });
    expect(version.lifecycle).toEqual({ create_before_destroy: true });
    const dep = byName(all, 'vllm');
    expect(dep.body.properties.environmentId).toMatch(/^\$\{azapi_resource\..+EnvironmentVersion.+\.id\}$/);
    expect(dep.body.properties.environmentVariables).toEqual({
      MODEL_ID: 'meta-llama/Llama-3.1-8B-Instruct',
    });
  });

  it('gives a new environment version name when the image changes', () => {
    const versionName = (image: string) =>
      resources(
        synth(
          endpoint({
            deployments: [
              {
                name: 'custom',
                instanceType: 'Standard_NC6s_v3',
                container: { image, inferenceRoutes: { port: 5001 } },
              },
            ],
          }),
        ),
        'azapi_resource',
      ).find((r) => r.type.includes('environments/versions')).name;
    expect(versionName('a.azurecr.io/x:1')).not.toBe(versionName('a.azurecr.io/x:2'));
    expect(versionName('a.azurecr.io/x:1')).toBe(versionName('a.azurecr.io/x:1'));
  });
});

describe('AzureMlOnlineEndpoint: autoscale', () => {
  it('scales on GPU utilization of the deployment by default and lets autoscale own sku.capacity', () => {
    const json = synth(
      endpoint({
        deployments: [{ ...blue, instanceCount: undefined, autoscale: { minInstances: 1, maxInstances: 4 } }],
      }),
    );
    const [setting] = resources(json, 'azurerm_monitor_autoscale_setting');
    const dep = byName(resources(json, 'azapi_resource'), 'blue');
    expect(setting.target_resource_id).toMatch(/^\$\{azapi_resource\.llm_Deployment-blue_.+\.id\}$/);
    expect(setting.profile[0].capacity).toEqual({ minimum: 1, maximum: 4, default: 1 });
    const [out, inn] = setting.profile[0].rule;
    expect(out.metric_trigger).toMatchObject({
      metric_name: 'GpuUtilizationPercentage',
      operator: 'GreaterThan',
      threshold: 70,
      metric_resource_id: setting.target_resource_id,
    });
    expect(out.scale_action).toEqual({
      direction: 'Increase',
      type: 'ChangeCount',
      value: 1,
      cooldown: 'PT15M',
    });
    expect(inn.metric_trigger).toMatchObject({ operator: 'LessThan', threshold: 30 });
    expect(inn.scale_action.direction).toBe('Decrease');
    expect(dep.lifecycle.ignore_changes).toEqual(['body.sku.capacity']);
    expect(dep.body.sku.capacity).toBe(1);
  });

  it('scales on requests per minute per instance from the endpoint metric, filtered to the deployment', () => {
    const json = synth(
      endpoint({
        deployments: [
          {
            ...blue,
            autoscale: {
              maxInstances: 3,
              rule: { metric: 'requests', scaleOutAbove: 600, scaleInBelow: 100 },
            },
          },
        ],
      }),
    );
    const [setting] = resources(json, 'azurerm_monitor_autoscale_setting');
    const ep = byName(resources(json, 'azapi_resource'), 'chat-llm');
    expect(setting.profile[0].rule[0].metric_trigger).toMatchObject({
      metric_name: 'RequestsPerMinute',
      metric_namespace: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints',
      divide_by_instance_count: true,
      threshold: 600,
      dimensions: [{ name: 'deployment', operator: 'Equals', values: ['blue'] }],
    });
    expect(setting.profile[0].rule[0].metric_trigger.metric_resource_id).toBe(
      `\${azapi_resource.${Object.entries(json.resource.azapi_resource).find(([, r]) => (r as { name: string }).name === ep.name)![0]}.id}`,
    );
  });

  it('uses CPU utilization when asked', () => {
    const json = synth(
      endpoint({
        deployments: [
          {
            ...blue,
            autoscale: { maxInstances: 2, rule: { metric: 'cpu', scaleOutAbove: 80, scaleInBelow: 20 } },
          },
        ],
      }),
    );
    const rules = resources(json, 'azurerm_monitor_autoscale_setting')[0].profile[0].rule;
    expect(
      rules.map((r: { metric_trigger: { metric_name: string; threshold: number } }) => [
        r.metric_trigger.metric_name,
        r.metric_trigger.threshold,
      ]),
    ).toEqual([
      ['CpuUtilizationPercentage', 80],
      ['CpuUtilizationPercentage', 20],
    ]);
  });
});

describe('AzureMlOnlineEndpoint: logs and existing workspaces', () => {
  it('sends traffic and event logs, not console logs, to the workspace Log Analytics by default', () => {
    const json = synth(endpoint());
    const [diag] = resources(json, 'azurerm_monitor_diagnostic_setting');
    expect(diag.enabled_log).toEqual([
      { category: 'AmlOnlineEndpointTrafficLog' },
      { category: 'AmlOnlineEndpointEventLog' },
    ]);
    expect(diag.target_resource_id).toMatch(/^\$\{azapi_resource\.llm_.+\.id\}$/);
    expect(diag.log_analytics_workspace_id).toMatch(/^\$\{azurerm_log_analytics_workspace\..+\.id\}$/);
  });

  it('adds console logs on request and none with logs: false', () => {
    const withConsole = resources(
      synth(endpoint({ logs: { console: true } })),
      'azurerm_monitor_diagnostic_setting',
    )[0];
    expect(withConsole.enabled_log).toContainEqual({ category: 'AmlOnlineEndpointConsoleLog' });
    expect(resources(synth(endpoint({ logs: false })), 'azurerm_monitor_diagnostic_setting')).toHaveLength(0);
  });

  it('adds endpoints to an existing workspace without creating one', () => {
    const workspaceId = `${RG.id}/providers/Microsoft.MachineLearningServices/workspaces/shared`;
    const json = synth(
      endpoint({
        workspace: AzureMlWorkspace.fromWorkspaceAttributes({ workspaceId, location: 'swedencentral' }),
      }),
    );
    expect(resources(json, 'azurerm_machine_learning_workspace')).toHaveLength(0);
    const ep = byName(resources(json, 'azapi_resource'), 'chat-llm');
    expect(ep.parent_id).toBe(workspaceId);
    expect(ep.location).toBe('swedencentral');
    expect(resources(json, 'azurerm_monitor_diagnostic_setting')).toHaveLength(0);
  });
});

describe('AzureMlOnlineEndpoint: invoke permission', () => {
  it('grants a custom score-only role at the endpoint scope', () => {
    const json = synth((scope) => {
      endpoint()(scope).grantInvoke('Front', '11111111-2222-3333-4444-555555555555');
    });
    const [role] = resources(json, 'azurerm_role_definition');
    expect(role.permissions).toEqual([{ actions: [SCORE_ACTION] }]);
    expect(role.assignable_scopes).toEqual([RG.id]);
    const [assignment] = resources(json, 'azurerm_role_assignment');
    expect(assignment.scope).toMatch(/^\$\{azapi_resource\.llm_.+\.id\}$/);
    expect(assignment.role_definition_id).toMatch(
      /^\$\{azurerm_role_definition\..+\.role_definition_resource_id\}$/,
    );
    expect(assignment.principal_type).toBe('ServicePrincipal');
  });

  it('can use the built-in AzureML Data Scientist role instead', () => {
    const json = synth((scope) => {
      endpoint()(scope).grantInvoke('Front', 'p', { role: 'AzureML Data Scientist' });
    });
    expect(resources(json, 'azurerm_role_definition')).toHaveLength(0);
    expect(resources(json, 'azurerm_role_assignment')[0].role_definition_name).toBe('AzureML Data Scientist');
  });

  it('derives the base URL from name and region', () => {
    let url = '';
    synth((scope) => {
      url = endpoint({ location: 'East US 2' })(scope).baseUrl;
    });
    expect(url).toBe('https://chat-llm.eastus2.inference.ml.azure.com');
  });
});

describe('AzureMlOnlineEndpoint: validation', () => {
  it.each<[string, Partial<AzureMlOnlineEndpointProps>, string, RegExp]>([
    [
      'traffic that does not sum to 100',
      { deployments: [blue, { ...blue, name: 'green' }], traffic: { blue: 80, green: 10 } },
      'TRAFFIC_SUM',
      /traffic percentages must sum to 100, received \{"blue":80,"green":10\} \(sum 90\)/,
    ],
    [
      'traffic to a missing deployment',
      { traffic: { blue: 50, green: 50 } },
      'TRAFFIC_UNKNOWN',
      /traffic names deployment "green", which this endpoint does not have. Known deployments: blue/,
    ],
    [
      'fractional traffic',
      { deployments: [blue, { ...blue, name: 'green' }], traffic: { blue: 99.5, green: 0.5 } },
      'TRAFFIC_VALUE',
      /traffic for "blue" must be an integer from 0 to 100, received 99.5/,
    ],
    ['no deployments', { deployments: [] }, 'NO_DEPLOYMENTS', /needs at least one deployment, received none/],
    [
      'a duplicate deployment',
      { deployments: [blue, blue] },
      'DEPLOYMENT_DUPLICATE',
      /deployment name "blue" is used twice/,
    ],
    [
      'an endpoint name with an underscore',
      { name: 'chat_llm' },
      'ENDPOINT_NAME',
      /online endpoint name "chat_llm" is invalid: 3 to 32 characters/,
    ],
    [
      'mirror traffic to a live deployment',
      {
        deployments: [blue, { ...blue, name: 'green' }],
        traffic: { blue: 50, green: 50 },
        mirrorTraffic: { green: 10 },
      },
      'MIRROR_TRAFFIC',
      /"green" takes 50% live traffic and cannot also be mirrored to/,
    ],
    [
      'mirror traffic above 50',
      {
        deployments: [blue, { ...blue, name: 'green' }],
        traffic: { blue: 100 },
        mirrorTraffic: { green: 60 },
      },
      'MIRROR_TRAFFIC',
      /mirrorTraffic for "green" is 60, outside 0-50/,
    ],
  ])('rejects %s', (_name, overrides, code, message) => {
    expectConstructError(endpoint(overrides), code, message);
  });

  it.each<[string, Partial<OnlineDeploymentProps>, string, RegExp]>([
    [
      'an uncataloged instance type',
      { instanceType: 'Standard_D4s_v3' },
      'INSTANCE_TYPE',
      /instance type "Standard_D4s_v3" is not in the GPU catalog. Expected one of: .*Standard_NC24ads_A100_v4.*allowUncatalogedInstanceType/,
    ],
    [
      'zero instances',
      { instanceCount: 0 },
      'RANGE',
      /instanceCount must be an integer from 1 to 100, received 0/,
    ],
    [
      'neither model nor container',
      { model: undefined },
      'MODEL',
      /deployment "blue" has neither a model nor a custom container/,
    ],
    [
      'a model id that is not a registry asset',
      { model: { registryModelId: 'Meta-Llama-3.1-8B-Instruct' } },
      'MODEL_ID',
      /model id "Meta-Llama-3.1-8B-Instruct" is not a registry model asset id. Expected "azureml:\/\/registries\//,
    ],
    [
      'a non-ISO request timeout',
      { requestSettings: { requestTimeout: '90s' } },
      'DURATION',
      /requestSettings.requestTimeout must be an ISO-8601 duration such as "PT90S".*received "90s"/,
    ],
    [
      'a liveness probe with success threshold 3',
      { livenessProbe: { successThreshold: 3 } },
      'RANGE',
      /livenessProbe.successThreshold must be an integer from 1 to 1, received 3/,
    ],
    [
      'a startup probe with success threshold 2',
      { startupProbe: { successThreshold: 2 } },
      'RANGE',
      /startupProbe.successThreshold must be an integer from 1 to 1, received 2/,
    ],
    [
      'a probe delay over an hour',
      { readinessProbe: { initialDelay: 'PT2H' } },
      'DURATION_RANGE',
      /readinessProbe.initialDelay must be from PT0S to PT1H, received "PT2H"/,
    ],
    [
      'zero concurrency',
      { requestSettings: { maxConcurrentRequestsPerInstance: 0 } },
      'RANGE',
      /maxConcurrentRequestsPerInstance must be an integer from 1 to 1000, received 0/,
    ],
    [
      'a secret in environment variables',
      { environmentVariables: { HF_TOKEN: 'hf_abc' } },
      'ENV_SECRET',
      /environment variable HF_TOKEN looks like a secret.*Store it in Key Vault/,
    ],
    [
      'a container port out of range',
      { model: undefined, container: { image: 'x', inferenceRoutes: { port: 70000 } } },
      'PORT',
      /container.inferenceRoutes.port must be a TCP port from 1 to 65535, received 70000/,
    ],
    [
      'a relative route',
      { model: undefined, container: { image: 'x', inferenceRoutes: { port: 80, scoringPath: 'score' } } },
      'ROUTE_PATH',
      /must be an absolute path such as "\/health", received "score"/,
    ],
    [
      'a deployment name with spaces',
      { name: 'blue one' },
      'NAME',
      /deployment name "blue one" is not a valid name/,
    ],
    [
      'autoscale min above max',
      { autoscale: { minInstances: 3, maxInstances: 2 } },
      'AUTOSCALE',
      /maxInstances must be an integer of at least minInstances \(3\), received 2/,
    ],
    [
      'autoscale to zero',
      { autoscale: { minInstances: 0, maxInstances: 2 } },
      'AUTOSCALE',
      /minInstances must be an integer of at least 1 \(managed deployments cannot scale to zero\)/,
    ],
    [
      'autoscale thresholds that overlap',
      { autoscale: { maxInstances: 2, rule: { metric: 'gpu', scaleOutAbove: 50, scaleInBelow: 60 } } },
      'AUTOSCALE',
      /scaleInBelow \(60\) must be lower than scaleOutAbove \(50\)/,
    ],
    [
      'an autoscale window under 5 minutes',
      { autoscale: { maxInstances: 2, timeWindow: 'PT1M' } },
      'DURATION_RANGE',
      /autoscale.timeWindow must be from PT5M to PT12H, received "PT1M"/,
    ],
  ])('rejects a deployment with %s', (_name, overrides, code, message) => {
    expectConstructError(endpoint({ deployments: [{ ...blue, ...overrides }] }), code, message);
  });

  it('accepts an uncataloged size when told to, and secret-like names when allowed', () => {
    const json = synth(
      endpoint({
        deployments: [
          {
            ...blue,
            instanceType: 'Standard_NC8as_T4_v3x',
            allowUncatalogedInstanceType: true,
            environmentVariables: { MAX_TOKEN_LIMIT: '4096' },
            allowSecretLikeEnvironmentVariables: true,
          },
        ],
      }),
    );
    expect(byName(resources(json, 'azapi_resource'), 'blue').body.properties.instanceType).toBe(
      'Standard_NC8as_T4_v3x',
    );
  });

  it('warns (without failing) about a request timeout above the documented limit and about maxQueueWait', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'warn');
    const ep = endpoint({
      deployments: [{ ...blue, requestSettings: { requestTimeout: 'PT5M', maxQueueWait: 'PT1S' } }],
    })(stack);
    const warnings = ep.node.metadata
      .filter((m) => m.type === AnnotationMetadataEntryType.WARN)
      .map((m) => String(m.data));
    expect(warnings).toEqual([
      expect.stringMatching(/requestTimeout PT5M exceeds the 180 s that Azure ML documents/),
      expect.stringMatching(/maxQueueWait is deprecated for managed online endpoints/),
    ]);
  });

  it('exposes the azapi resources for further customization', () => {
    synth((scope) => {
      const ep = endpoint()(scope);
      expect(ep.endpoint).toBeInstanceOf(AzapiResource);
      expect(ep.deployments.map((d) => d.name)).toEqual(['blue']);
    });
  });
});
