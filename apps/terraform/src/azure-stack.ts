import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider/index.js';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group/index.js';
import { AzapiProvider, AzureGenAiPlatform } from '@genai-deploy/azure';
import { type App, TerraformStack } from 'cdktf';

const LOCATION = 'eastus2';
const TAGS = { app: 'genai-deploy', stack: 'azure' };

/**
 * Stack `azure`: Llama 3.1 8B Instruct from the Azure ML model catalog on one A100 (Standard_NC24ads_A100_v4),
 * autoscaled on GPU utilization up to 3 instances, behind the OpenAI-compatible front on Container Apps, with
 * Azure Managed Redis as the shared cache and Azure AI Search as the vector store of the front's vector store API,
 * embedded by a second deployment (bge-large-en-v1.5 on a T4) of the same endpoint.
 *
 * Credentials come from the environment (ARM_SUBSCRIPTION_ID, ARM_TENANT_ID, OIDC or the Azure CLI), never from here.
 */
export function addAzureStack(app: App): TerraformStack {
  const stack = new TerraformStack(app, 'azure');
  new AzurermProvider(stack, 'azurerm', { features: [{}] });
  new AzapiProvider(stack, 'azapi');

  const rg = new ResourceGroup(stack, 'ResourceGroup', {
    name: 'rg-genai-deploy',
    location: LOCATION,
    tags: TAGS,
  });

  new AzureGenAiPlatform(stack, 'Platform', {
    resourceGroup: rg,
    endpoint: {
      name: 'genai-llama',
      location: LOCATION,
      authMode: 'AADToken',
      workspaceProps: { name: 'mlw-genai-deploy', tags: TAGS },
      deployments: [
        {
          name: 'blue',
          instanceType: 'Standard_NC24ads_A100_v4',
          model: {
            registryModelId: 'azureml://registries/azureml-meta/models/Meta-Llama-3.1-8B-Instruct/versions/4',
          },
          instanceCount: 1,
          requestSettings: { maxConcurrentRequestsPerInstance: 32, requestTimeout: 'PT90S' },
          autoscale: {
            minInstances: 1,
            maxInstances: 3,
            rule: { metric: 'gpu', scaleOutAbove: 70, scaleInBelow: 25 },
          },
        },
        {
          // The embedding model of the vector store: live traffic 0, the front picks it by name (the client sends
          // the model name as the azureml-model-deployment header).
          name: 'embed',
          instanceType: 'Standard_NC4as_T4_v3',
          model: {
            registryModelId: 'azureml://registries/HuggingFace/models/baai-bge-large-en-v1.5/labels/latest',
          },
          instanceCount: 1,
        },
      ],
      traffic: { blue: 100, embed: 0 },
      tags: TAGS,
    },
    front: {
      name: 'genai-front',
      image: 'ghcr.io/genai-deploy/front:0.1.0',
      minReplicas: 1,
      maxReplicas: 10,
      concurrentRequests: 50,
      tags: TAGS,
      config: {
        models: [{ id: 'azure/genai-llama' }, { id: 'azure/embed', kind: 'embedding' }],
        routes: { default: { targets: ['azure/genai-llama'] }, embeddings: { targets: ['azure/embed'] } },
      },
    },
    cache: { name: 'redis-genai-deploy', skuName: 'Balanced_B1', tags: TAGS },
    // The front's vector store API: an index of bge-large-en-v1.5 vectors (1024), which the front creates on first
    // use with its identity's roles (Search Index Data Contributor and a role that reads and creates indexes).
    search: {
      name: 'srch-genai-deploy',
      sku: 'basic',
      replicaCount: 2,
      semanticSearch: 'free',
      tags: TAGS,
      embeddingModel: 'azure/embed',
      dimension: 1024,
    },
  });
  return stack;
}
