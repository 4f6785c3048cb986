import { TerraformOutput, TerraformStack, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { AZAPI_VERSION_CONSTRAINT, AzapiProvider } from './azapi-provider.js';
import { AzapiResource } from './azapi-resource.js';
import { AzapiUpdateResource } from './azapi-update-resource.js';
import { isAzureConstructError } from './errors.js';

const RG = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg';

function synth(fn: Parameters<typeof Testing.synthScope>[0]) {
  return JSON.parse(Testing.synthScope(fn));
}

describe('AzapiProvider', () => {
  it('requires Azure/azapi with a 2.x constraint and writes only the settings given', () => {
    // GIVEN / WHEN
    const app = Testing.app();
    const stack = new TerraformStack(app, 's');
    new AzapiProvider(stack, 'azapi', { subscriptionId: 'sub', useOidc: true, defaultTags: { team: 'ml' } });
    const json = JSON.parse(Testing.synth(stack));

    // THEN
    expect(json.terraform.required_providers.azapi).toEqual({
      source: 'Azure/azapi',
      version: AZAPI_VERSION_CONSTRAINT,
    });
    expect(AZAPI_VERSION_CONSTRAINT).toMatch(/^~> 2\./);
    expect(json.provider.azapi).toEqual([
      { subscription_id: 'sub', use_oidc: true, default_tags: { team: 'ml' } },
    ]);
  });

  it('accepts an alias and a custom constraint', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 's');
    new AzapiProvider(stack, 'azapi', { alias: 'other', versionConstraint: '~> 2.7' });
    const json = JSON.parse(Testing.synth(stack));
    expect(json.terraform.required_providers.azapi.version).toBe('~> 2.7');
    expect(json.provider.azapi[0].alias).toBe('other');
  });
});

describe('AzapiResource', () => {
  it('synthesizes type, parent, identity, an object body and the export list', () => {
    // WHEN
    const json = synth((scope) => {
      new AzapiResource(scope, 'endpoint', {
        type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2025-04-01',
        name: 'chat',
        parentId: `${RG}/providers/Microsoft.MachineLearningServices/workspaces/ws`,
        location: 'eastus2',
        identity: { type: 'SystemAssigned' },
        body: { properties: { authMode: 'AADToken', traffic: {} } },
        responseExportValues: ['properties.scoringUri'],
        schemaValidationEnabled: true,
        tags: { app: 'genai' },
        timeouts: { create: '60m' },
      });
    });

    // THEN
    const res = json.resource.azapi_resource.endpoint;
    expect(res).toEqual({
      type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2025-04-01',
      name: 'chat',
      parent_id: `${RG}/providers/Microsoft.MachineLearningServices/workspaces/ws`,
      location: 'eastus2',
      identity: [{ type: 'SystemAssigned' }],
      body: { properties: { authMode: 'AADToken', traffic: {} } },
      response_export_values: ['properties.scoringUri'],
      schema_validation_enabled: true,
      tags: { app: 'genai' },
      timeouts: { create: '60m' },
    });
    // body keys are ARM's camelCase, never snake_cased
    expect(JSON.stringify(res.body)).not.toContain('auth_mode');
  });

  it('references id, output fields and the identity principal as Terraform expressions', () => {
    const json = synth((scope) => {
      const r = new AzapiResource(scope, 'r', {
        type: 'Microsoft.Cache/redisEnterprise@2025-04-01',
        name: 'x',
        parentId: RG,
        identity: { type: 'SystemAssigned' },
      });
      new TerraformOutput(scope, 'id', { value: r.id });
      new TerraformOutput(scope, 'uri', { value: r.outputString('properties.hostName') });
      new TerraformOutput(scope, 'principal', { value: r.identityPrincipalId });
    });
    expect(json.output.id.value).toBe(`\${azapi_resource.r.id}`);
    expect(json.output.uri.value).toBe(`\${azapi_resource.r.output.properties.hostName}`);
    expect(json.output.principal.value).toBe(`\${azapi_resource.r.identity[0].principal_id}`);
  });

  it('accepts a map of JMESPath queries as response_export_values', () => {
    const json = synth((scope) => {
      new AzapiResource(scope, 'r', {
        type: 'Microsoft.Cache/redisEnterprise@2025-04-01',
        name: 'x',
        parentId: RG,
        responseExportValues: { host: 'properties.hostName' },
      });
    });
    expect(json.resource.azapi_resource.r.response_export_values).toEqual({ host: 'properties.hostName' });
  });

  it.each([
    'Microsoft.MachineLearningServices/workspaces/onlineEndpoints',
    'onlineEndpoints@2025-04-01',
    'Microsoft.MachineLearningServices/workspaces@latest',
  ])('rejects the type %s', (type) => {
    expect(() =>
      Testing.synthScope((scope) => {
        new AzapiResource(scope, 'bad', { type, name: 'x', parentId: RG });
      }),
    ).toThrow(/azapi type must be "<resource type>@<api version>", received/);
  });

  it('rejects a jsonencode()d body (azapi 1.x form)', () => {
    let error: unknown;
    try {
      Testing.synthScope((scope) => {
        new AzapiResource(scope, 'bad', {
          type: 'Microsoft.Cache/redisEnterprise@2025-04-01',
          name: 'x',
          parentId: RG,
          body: '{"properties":{}}' as unknown as Record<string, unknown>,
        });
      });
    } catch (e) {
      error = e;
    }
    expect(isAzureConstructError(error)).toBe(true);
    expect((error as Error).message).toMatch(/azapi 2.x takes body as an object, received a string/);
  });

  it('renders HCL with body as an object expression', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 's');
    new AzapiResource(stack, 'r', {
      type: 'Microsoft.Cache/redisEnterprise@2025-04-01',
      name: 'x',
      parentId: RG,
      body: { sku: { name: 'Balanced_B0' } },
    });
    const hclText = Testing.synthHcl(stack) as string;
    expect(hclText).toContain('resource "azapi_resource" "r"');
    expect(hclText).toMatch(/body = \{\s*"?sku"? = \{\s*"?name"? = "Balanced_B0"/);
  });
});

describe('AzapiUpdateResource', () => {
  it('synthesizes type, resource_id, body and depends_on', () => {
    const json = synth((scope) => {
      const dep = new AzapiResource(scope, 'dep', {
        type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments@2025-04-01',
        name: 'blue',
        parentId: `${RG}/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/chat`,
      });
      new AzapiUpdateResource(scope, 'traffic', {
        type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2025-04-01',
        resourceId: `${RG}/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/chat`,
        body: { properties: { traffic: { blue: 100 } } },
        dependsOn: [dep],
      });
    });
    expect(json.resource.azapi_update_resource.traffic).toEqual({
      type: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints@2025-04-01',
      resource_id: `${RG}/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/chat`,
      body: { properties: { traffic: { blue: 100 } } },
      depends_on: ['azapi_resource.dep'],
    });
  });

  it('rejects a type without API version', () => {
    expect(() =>
      Testing.synthScope((scope) => {
        new AzapiUpdateResource(scope, 'bad', {
          type: 'Microsoft.Cache/redisEnterprise',
          resourceId: RG,
          body: {},
        });
      }),
    ).toThrow(/received "Microsoft.Cache\/redisEnterprise"/);
  });
});
