import { ComputeNetwork } from '@cdktf/provider-google/lib/compute-network/index.js';
import { ComputeSubnetwork } from '@cdktf/provider-google/lib/compute-subnetwork/index.js';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider/index.js';
import { GcpGenAiPlatform } from '@genai-deploy/gcp';
import { type App, TerraformStack, TerraformVariable } from 'cdktf';

/**
 * Stack `gcp`: the GcpGenAiPlatform pattern with a realistic configuration. Gemma 3 4B from Model Garden on
 * one NVIDIA L4 (g2-standard-12, 1-2 replicas) with Gemini as fallback, Vertex text embeddings, the front on
 * Cloud Run, Memorystore for Redis (AUTH, TLS) and a streaming Vector Search index behind the front's vector
 * store API, all in a VPC of its own, with alert policies.
 *
 * The project is the Terraform variable `project` (its default comes from the context key `gcpProject` when
 * set); the region is the context key `gcpRegion` (default us-central1), known at synth so that region-bound
 * checks can run.
 */
export function addGcpStack(app: App): TerraformStack {
  const stack = new TerraformStack(app, 'gcp');
  const region = (app.node.tryGetContext('gcpRegion') as string | undefined) ?? 'us-central1';
  const contextProject = app.node.tryGetContext('gcpProject') as string | undefined;

  const project = new TerraformVariable(stack, 'project', {
    type: 'string',
    description: 'Google Cloud project id to deploy into.',
    ...(contextProject !== undefined && { default: contextProject }),
  });
  const frontImage = new TerraformVariable(stack, 'front_image', {
    type: 'string',
    description:
      "The front's image in Artifact Registry, e.g. us-central1-docker.pkg.dev/<project>/genai/front:<tag>.",
  });
  const alertChannels = new TerraformVariable(stack, 'alert_notification_channels', {
    type: 'list(string)',
    default: [],
    description: 'Cloud Monitoring notification channel ids for the alert policies.',
  });

  new GoogleProvider(stack, 'google', {
    project: project.stringValue,
    region,
    defaultLabels: { app: 'genai-deploy' },
  });

  const network = new ComputeNetwork(stack, 'Network', { name: 'genai-vpc', autoCreateSubnetworks: false });
  const runSubnet = new ComputeSubnetwork(stack, 'RunSubnet', {
    name: 'genai-run',
    network: network.id,
    region,
    ipCidrRange: '10.10.0.0/24',
    privateIpGoogleAccess: true,
  });
  const pscSubnet = new ComputeSubnetwork(stack, 'PscSubnet', {
    name: 'genai-psc',
    network: network.id,
    region,
    ipCidrRange: '10.10.1.0/24',
    privateIpGoogleAccess: true,
  });

  new GcpGenAiPlatform(stack, 'Platform', {
    location: region,
    endpoints: {
      Gemma: {
        publisherModelName: 'publishers/google/models/gemma3@gemma-3-4b-it',
        acceptEula: true,
        machineType: 'g2-standard-12',
        acceleratorType: 'NVIDIA_L4',
        acceleratorCount: 1,
        minReplicas: 1,
        maxReplicas: 2,
        autoscaling: { acceleratorDutyCycle: 60 },
        maxOutputTokens: 2048,
      },
    },
    models: [
      { id: 'vertex/gemini-2.0-flash', maxOutputTokens: 8192 },
      { id: 'vertex/text-embedding-005', kind: 'embedding' },
    ],
    routes: {
      chat: { targets: ['Gemma', 'vertex/gemini-2.0-flash'], hedgeAfterMs: 8000 },
      embed: { targets: ['vertex/text-embedding-005'], cacheTtlSeconds: 86_400 },
    },
    front: {
      image: frontImage.stringValue,
      serviceName: 'genai-front',
      minInstances: 1,
      maxInstances: 20,
      config: { limits: { requestsPerMinute: 600, tokensPerMinute: 200_000 } },
    },
    network: {
      network: network.id,
      subnetwork: runSubnet.id,
      pscSubnetworks: [pscSubnet.id],
    },
    // Redis with AUTH + TLS: the front connects with GENAI_REDIS_PASSWORD and GENAI_REDIS_CA_PEM.
    cache: { engine: 'redis', instanceId: 'genai-cache', memorySizeGb: 2 },
    // The front's vector store API: a stream-update index of text-embedding-005 vectors (768, from the model) on
    // a public endpoint (IAM-authenticated: the front's findNeighbors goes over REST, which private endpoints do
    // not serve); chunk text in the Redis cache above.
    vectorSearch: { embeddingModel: 'embed', deployedIndexId: 'genai_docs' },
    alerts: { notificationChannels: alertChannels.listValue },
  });
  return stack;
}
