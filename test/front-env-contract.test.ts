import { LambdaFront, RedisCache, VectorStore } from '@genai-deploy/aws';
// The constructs' own aws-cdk-lib (test/ has no copy of its own; see packages/aws/README.md).
import { cdk } from '@genai-deploy/aws/cdk-lib';
import { AzureGenAiPlatform, ContainerAppFront } from '@genai-deploy/azure';
import {
  FRONT_ENV,
  FRONT_ENV_NAMES,
  type FrontConfigInput,
  type FrontEnvSetter,
  type FrontEnvVariable,
} from '@genai-deploy/config';
import {
  CloudRunFront,
  type FrontCacheConnection,
  GcpGenAiPlatform,
  MemorystoreCache,
} from '@genai-deploy/gcp';
import { Testing } from 'cdktf';
import type { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { addAzureStack } from '../apps/terraform/src/azure-stack.js';
import { addGcpStack } from '../apps/terraform/src/gcp-stack.js';

// The constructs of every cloud set only variables of the front's contract (FRONT_ENV), and each variable the
// contract says a cloud sets is set by that cloud's construct in at least one configuration. The front side of
// the contract (the front reads only these names) is checked in packages/front.

type Cloud = Extract<FrontEnvSetter, 'aws' | 'gcp' | 'azure'>;

/** What the user passes as plain environment: the constructs copy it, so it is not theirs to answer for. */
const USER_ENV = { ACME_FEATURE_FLAG: 'on' };
const CONTRACT_NAMES: readonly string[] = FRONT_ENV_NAMES;
const VARIABLES: readonly FrontEnvVariable[] = Object.values(FRONT_ENV);

/** One synthesized configuration: the environment names the front's container or function gets. */
interface Synthesized {
  readonly name: string;
  readonly envNames: readonly string[];
}

const userGiven = (name: string) => name in USER_ENV;
const setBy = (cloud: Cloud) => VARIABLES.filter((v) => v.setBy.includes(cloud)).map((v) => v.name);

// --- AWS: LambdaFront in aws-cdk-lib templates ---------------------------------------------------------------

const awsEnv = { account: '111122223333', region: 'us-east-1' };
const inline = cdk.aws_lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });');
const awsConfig: FrontConfigInput = {
  models: [{ id: 'sagemaker/llama-8b' }, { id: 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0' }],
  routes: { chat: { targets: ['sagemaker/llama-8b', 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0'] } },
};

function synthAws(name: string, build: (stack: cdk.Stack) => LambdaFront): Synthesized {
  const stack = new cdk.Stack(new cdk.App(), 'S', { env: awsEnv });
  const front = build(stack);
  const logicalId = stack.getLogicalId(front.function.node.defaultChild as cdk.CfnElement);
  const fn = cdk.assertions.Template.fromStack(stack).toJSON().Resources[logicalId];
  const variables = fn?.Properties?.Environment?.Variables as Record<string, unknown> | undefined;
  if (!variables) throw new Error(`${name}: the front's function ${logicalId} has no environment`);
  return { name, envNames: Object.keys(variables) };
}

const awsConfigurations = (): Synthesized[] => [
  synthAws(
    'LambdaFront with defaults',
    (stack) => new LambdaFront(stack, 'Front', { config: awsConfig, code: inline }),
  ),
  synthAws('LambdaFront with every option that touches its environment', (stack) => {
    const vpc = new cdk.aws_ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    return new LambdaFront(stack, 'Front', {
      config: {
        ...awsConfig,
        models: [
          ...(awsConfig.models ?? []),
          { id: 'bedrock/amazon.titan-embed-text-v2:0', kind: 'embedding' },
        ],
      },
      code: inline,
      vpc,
      cache: new RedisCache(stack, 'Cache', { vpc }),
      // The front creates its own index: the store makes none at deploy time.
      vectorStore: new VectorStore(stack, 'Vectors', { vpc, index: { dimension: 1024 }, createIndex: false }),
      apiKeysSecret: new cdk.aws_secretsmanager.Secret(stack, 'Keys'),
      logLevel: 'debug',
      cloudFront: { waf: false },
      environment: USER_ENV,
      tracing: { adotLayer: cdk.aws_lambda.AdotLambdaLayerJavaScriptSdkVersion.LATEST },
    });
  }),
  synthAws(
    'LambdaFront exporting traces to an OTLP collector',
    (stack) =>
      new LambdaFront(stack, 'Front', {
        config: awsConfig,
        code: inline,
        tracing: { otlpEndpoint: 'https://otel.example.com:4318' },
      }),
  ),
];

// --- GCP: CloudRunFront in Terraform JSON ----------------------------------------------------------------------

const gcpBase = {
  location: 'us-central1',
  image: 'us-docker.pkg.dev/p/genai/front:1.0.0',
  config: {
    models: [{ id: 'vertex/gemini-2.0-flash' }],
    routes: { chat: { targets: ['vertex/gemini-2.0-flash'] } },
  },
  vpc: { network: 'vpc', subnetwork: 'run' },
};
const NETWORK = 'projects/p/global/networks/vpc';

interface TerraformJson {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
}
const cloudRunEnv = (tf: TerraformJson): string[] =>
  Object.values(tf.resource?.google_cloud_run_v2_service ?? {}).flatMap((service) =>
    (service.template as { containers: { env?: { name: string }[] }[] }).containers.flatMap((c) =>
      (c.env ?? []).map((e) => e.name),
    ),
  );
const synthGcp = (name: string, build: (scope: Construct) => void): Synthesized => ({
  name,
  envNames: cloudRunEnv(JSON.parse(Testing.synthScope(build))),
});

/** A cache that asks for everything a cache can: an AUTH secret, a private CA and IAM auth. */
const everyCacheOption: FrontCacheConnection = {
  redisUrl: 'rediss://10.0.0.3:6378',
  passwordSecretId: 'redis-auth',
  caCertificatePem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  iamAuth: true,
  grantConnect: () => {},
};

const gcpConfigurations = (): Synthesized[] => [
  synthGcp(
    'CloudRunFront with defaults',
    (s) => new CloudRunFront(s, 'Front', { ...gcpBase, vpc: undefined }),
  ),
  synthGcp('CloudRunFront with Memorystore for Redis (AUTH + CA)', (s) => {
    const cache = new MemorystoreCache(s, 'Cache', {
      location: 'us-central1',
      engine: 'redis',
      network: NETWORK,
    });
    new CloudRunFront(s, 'Front', { ...gcpBase, cache, environment: USER_ENV });
  }),
  synthGcp('CloudRunFront with Memorystore for Valkey (IAM auth + CA)', (s) => {
    const cache = new MemorystoreCache(s, 'Cache', {
      location: 'us-central1',
      engine: 'valkey',
      network: NETWORK,
      subnetworks: ['projects/p/regions/us-central1/subnetworks/run'],
    });
    new CloudRunFront(s, 'Front', { ...gcpBase, cache });
  }),
  synthGcp('CloudRunFront with every cache option and a given API key secret', (s) => {
    new CloudRunFront(s, 'Front', {
      ...gcpBase,
      cache: everyCacheOption,
      apiKeysSecret: { secret: 'front-keys' },
      environment: USER_ENV,
      tracing: { collectorImage: 'us-docker.pkg.dev/p/otel/collector:1.0.0' },
    });
  }),
  synthGcp('GcpGenAiPlatform with its default cache', (s) => {
    new GcpGenAiPlatform(s, 'Platform', {
      location: 'us-central1',
      endpoints: {},
      models: [{ id: 'vertex/gemini-2.0-flash' }],
      routes: { chat: { targets: ['vertex/gemini-2.0-flash'] } },
      front: { image: gcpBase.image },
      network: { network: NETWORK, subnetwork: 'projects/p/regions/us-central1/subnetworks/run' },
    });
  }),
  {
    name: 'apps/terraform stack "gcp"',
    envNames: cloudRunEnv(JSON.parse(Testing.synth(addGcpStack(Testing.app())))),
  },
];

// --- Azure: ContainerAppFront in Terraform JSON -----------------------------------------------------------------

const RG = {
  name: 'rg-test',
  id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test',
  location: 'eastus2',
};
const KV = 'https://kv-test.vault.azure.net/secrets';
const containerAppEnv = (tf: TerraformJson): string[] =>
  Object.values(tf.resource?.azurerm_container_app ?? {}).flatMap((app) =>
    (app.template as { container: { env?: { name: string }[] }[] }).container.flatMap((c) =>
      (c.env ?? []).map((e) => e.name),
    ),
  );
const synthAzure = (name: string, build: (scope: Construct) => void): Synthesized => ({
  name,
  envNames: containerAppEnv(JSON.parse(Testing.synthScope(build))),
});
const azureFront = {
  resourceGroup: RG,
  name: 'genai-front',
  image: 'ghcr.io/acme/front:1.0.0',
  config: {
    models: [{ id: 'azure/chat-llm' }],
    routes: { chat: { targets: ['azure/chat-llm'] } },
    providers: { azure: { endpoint: 'https://chat-llm.eastus2.inference.ml.azure.com' } },
  },
};

const azureConfigurations = (): Synthesized[] => [
  synthAzure('ContainerAppFront with defaults', (s) => new ContainerAppFront(s, 'Front', azureFront)),
  synthAzure('ContainerAppFront with Key Vault API keys and a cache access key', (s) => {
    new ContainerAppFront(s, 'Front', {
      ...azureFront,
      keyVaultId: `${RG.id}/providers/Microsoft.KeyVault/vaults/kv-test`,
      apiKeysSecretId: `${KV}/front-api-keys`,
      // A cache with access keys on: its key reaches the front from Key Vault as the contract's Redis password.
      secrets: [
        { name: 'redis-key', keyVaultSecretId: `${KV}/redis-key`, env: FRONT_ENV.redisPassword.name },
      ],
      targetPort: 3000,
      environment: USER_ENV,
      tracing: { appInsightsConnectionStringSecretId: `${KV}/appinsights-connection` },
    });
  }),
  synthAzure('AzureGenAiPlatform with its default cache', (s) => {
    new AzureGenAiPlatform(s, 'Platform', {
      resourceGroup: RG,
      endpoint: {
        name: 'chat-llm',
        location: 'eastus2',
        deployments: [
          {
            name: 'blue',
            instanceType: 'Standard_NC24ads_A100_v4',
            model: {
              registryModelId:
                'azureml://registries/azureml-meta/models/Meta-Llama-3.1-8B-Instruct/versions/4',
            },
          },
        ],
      },
      front: { name: 'genai-front', image: azureFront.image },
    });
  }),
  {
    name: 'apps/terraform stack "azure"',
    envNames: containerAppEnv(JSON.parse(Testing.synth(addAzureStack(Testing.app())))),
  },
];

describe.each([
  ['aws', awsConfigurations],
  ['gcp', gcpConfigurations],
  ['azure', azureConfigurations],
] as const)('the front environment set by the %s constructs', (cloud, configurations) => {
  const synthesized = configurations();

  it('synthesizes a front with an environment in every configuration (the checks below can fail)', () => {
    for (const { name, envNames } of synthesized) {
      expect(envNames, `${name}: no environment variables found on the front`).toContain(
        FRONT_ENV.config.name,
      );
    }
  });

  it('sets only variables of FRONT_ENV whose setBy names this cloud, apart from the user-given environment', () => {
    const expected = setBy(cloud);
    for (const { name, envNames } of synthesized) {
      const outside = envNames.filter((n) => !userGiven(n) && !CONTRACT_NAMES.includes(n));
      expect(
        outside,
        `${name} sets variables the front does not read; add them to FRONT_ENV or drop them`,
      ).toEqual([]);
      const notOurs = envNames.filter((n) => !userGiven(n) && !expected.includes(n));
      expect(
        notOurs,
        `${name} sets variables whose FRONT_ENV setBy lacks '${cloud}'; add '${cloud}' to setBy`,
      ).toEqual([]);
    }
  });

  it('sets, in some configuration, every variable whose FRONT_ENV setBy names this cloud', () => {
    const everSet = new Set(synthesized.flatMap((s) => s.envNames));
    const missing = setBy(cloud).filter((n) => !everSet.has(n));
    expect(
      missing,
      `FRONT_ENV says ${cloud} sets these, but no configuration here sets them; set them or fix setBy`,
    ).toEqual([]);
  });

  it('passes the user-given environment through', () => {
    expect(synthesized.some((s) => s.envNames.includes('ACME_FEATURE_FLAG'))).toBe(true);
  });
});
