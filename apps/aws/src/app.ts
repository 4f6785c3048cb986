import { GenAiPlatform, GpuContainerImage, ModelSource } from '@genai-deploy/aws';
// The constructs' own aws-cdk-lib: one copy per app (see packages/aws/README.md, "One aws-cdk-lib per app").
import { cdk, nag } from '@genai-deploy/aws/cdk-lib';

export interface BuildAppOptions {
  /** Where to write the cloud assembly. @default - the CDK CLI's choice (cdk.out) */
  readonly outdir?: string;
  /** @default process.env.CDK_DEFAULT_REGION ?? 'us-east-1' (CloudFront's WAF must live in us-east-1) */
  readonly region?: string;
  /** Context (feature flags) for the app; the CDK CLI passes cdk.json's own. @default - none */
  readonly context?: Record<string, unknown>;
}

export const STACK_NAME = 'GenAiPlatform';

/**
 * The platform as deployed: Llama 3.1 8B on TGI (one ml.g5.2xlarge, up to two under load) with Claude 3.5 Haiku on
 * Bedrock as the fallback, Titan embeddings, a Valkey cache, an OpenSearch Serverless vector store behind the front's
 * vector store API, and CloudFront + WAF in front.
 */
export function buildApp(options: BuildAppOptions = {}): cdk.App {
  const app = new cdk.App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    ...(options.context ? { context: options.context } : {}),
  });
  cdk.Validations.of(app).addPlugins(new nag.AwsSolutionsChecks(app));

  const stack = new cdk.Stack(app, STACK_NAME, {
    description: 'genai-deploy: GPU endpoint + Bedrock fallback behind an OpenAI-compatible front',
    env: {
      region: options.region ?? process.env['CDK_DEFAULT_REGION'] ?? 'us-east-1',
      ...(process.env['CDK_DEFAULT_ACCOUNT'] ? { account: process.env['CDK_DEFAULT_ACCOUNT'] } : {}),
    },
  });

  // Created once by the operator (`aws secretsmanager create-secret --name genai-deploy/hf-token ...`): Llama is gated.
  const hfToken = cdk.aws_secretsmanager.Secret.fromSecretNameV2(stack, 'HfToken', 'genai-deploy/hf-token');

  new GenAiPlatform(stack, 'Platform', {
    sagemakerModels: {
      Llama: {
        endpointName: 'llama-3-1-8b-instruct',
        instanceType: 'ml.g5.2xlarge',
        container: GpuContainerImage.tgi(),
        model: ModelSource.huggingFace('meta-llama/Llama-3.1-8B-Instruct'),
        hfTokenSecret: hfToken,
        modelSizeGib: 16,
        maxInputTokens: 6144,
        maxTotalTokens: 8192,
        maxOutputTokens: 2048,
        autoScaling: { minCapacity: 1, maxCapacity: 2, target: { concurrentRequestsPerModel: 8 } },
      },
    },
    bedrockModels: [
      { modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', maxOutputTokens: 4096 },
      { modelId: 'amazon.titan-embed-text-v2:0', kind: 'embedding' },
    ],
    routes: {
      chat: {
        targets: ['Llama', 'bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0'],
        cacheTtlSeconds: 3600,
      },
      embeddings: { targets: ['bedrock/amazon.titan-embed-text-v2:0'], cacheTtlSeconds: 86_400 },
    },
    front: {
      reservedConcurrentExecutions: 100,
      cloudFront: { rateLimitPer5Minutes: 2000 },
      limits: { requestsPerMinute: 300, tokensPerMinute: 200_000 },
    },
    // The front's vector store API and grounded chat: chunks embedded by Titan (1024 dimensions, from the model),
    // in an index the front creates on first use. Standby replicas off: 2 idle OCUs instead of 4; the index is
    // rebuilt from the documents if an AZ fails.
    vectorStore: { embeddingModel: 'embeddings', standbyReplicas: false },
  });
  return app;
}
