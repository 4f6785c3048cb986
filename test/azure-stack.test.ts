import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { addAzureStack } from '../apps/terraform/src/azure-stack.js';

function synthAzure() {
  const app = Testing.app();
  const stack = addAzureStack(app);
  return Testing.synth(stack);
}

type Resources = Record<string, Record<string, Record<string, unknown>>>;
const all = (tf: { resource: Resources }, type: string) => Object.values(tf.resource[type] ?? {});

describe('stack azure', () => {
  it("gives the front an Azure AI Search vector store embedded by the endpoint's embed deployment", () => {
    const tf = JSON.parse(synthAzure()) as { resource: Resources };
    const app = all(tf, 'azurerm_container_app')[0] as {
      template: { container: { env: { name: string; value?: string }[] }[] };
    };
    const config = JSON.parse(
      app.template.container[0]?.env.find((e) => e.name === 'GENAI_CONFIG')?.value ?? '',
    );
    const service = Object.keys(tf.resource['azurerm_search_service'] ?? {})[0];
    expect(config.vectorStore).toEqual({
      engine: 'azure-search',
      endpoint: `https://\${azurerm_search_service.${service}.name}.search.windows.net`,
      index: 'genai-chunks',
      embeddingModel: 'azure/embed',
      dimension: 1024,
    });
    const onSearch = all(tf, 'azurerm_role_assignment').filter(
      (a) => a['scope'] === `\${azurerm_search_service.${service}.id}`,
    );
    expect(onSearch.map((a) => a['role_definition_name'] ?? 'custom').sort()).toEqual([
      'Search Index Data Contributor',
      'custom',
    ]);
    expect(all(tf, 'azurerm_search_service')[0]?.['local_authentication_enabled']).toBe(false);
  });

  it('synthesizes the same Terraform every time', () => {
    const first = synthAzure();
    expect(synthAzure()).toBe(first);
    expect(JSON.parse(first)).toMatchSnapshot();
  });
});
