import { type FrontConfig, type FrontConfigInput, resolveVectorStoreEmbedding } from '@genai-deploy/config';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { CfnOutput, Stack } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { errors } from './errors.js';
import { LambdaFront, type LambdaFrontProps } from './lambda-front.js';
import { RedisCache, type RedisCacheProps } from './redis-cache.js';
import { SageMakerGpuEndpoint } from './sagemaker-gpu-endpoint.js';
import type { ISageMakerGpuEndpoint } from './sagemaker-gpu-endpoint-base.js';
import type { SageMakerGpuEndpointProps } from './sagemaker-gpu-endpoint-props.js';
import { VectorStore, type VectorStoreProps } from './vector-store.js';

type ModelKind = 'chat' | 'embedding';

/** A SageMaker endpoint the platform creates, with what the front needs to know about it. */
export interface PlatformSageMakerModel extends SageMakerGpuEndpointProps {
  /** @default 'chat' */
  readonly kind?: ModelKind;
  /** Largest `max_tokens` the front accepts. @default 4096 */
  readonly maxOutputTokens?: number;
}

/** A Bedrock model (foundation model id, inference profile id or ARN). */
export interface PlatformBedrockModel {
  readonly modelId: string;
  /** @default 'chat' */
  readonly kind?: ModelKind;
  /** @default - no limit beyond Bedrock's */
  readonly maxInputTokens?: number;
  /** @default 4096 */
  readonly maxOutputTokens?: number;
  /** @default - the stack's region */
  readonly region?: string;
}

/**
 * The platform's vector store: an OpenSearch Serverless collection behind the front's vector store API. The front
 * creates its index (`indexName`) on first use with the mapping its filters need, which CloudFormation's
 * AWS::OpenSearchServerless::Index cannot express; the function may create that one index and nothing else.
 */
export interface PlatformVectorStore extends Omit<VectorStoreProps, 'vpc' | 'index' | 'createIndex'> {
  /**
   * What embeds chunks and queries: a key of `sagemakerModels`, a model address or a route with one target.
   * @default - the platform's only embedding model
   */
  readonly embeddingModel?: string;
  /** Vector length of the index. @default - the embedding model's (required for a SageMaker embedding model) */
  readonly dimension?: number;
  /** @default 'genai-chunks' */
  readonly indexName?: string;
}

/** A route of the front: ordered targets, the first answers unless throttled or down. */
export interface PlatformRoute {
  /** Model addresses (`sagemaker/<endpoint>`, `bedrock/<model>`) or SageMaker model keys of `sagemakerModels`. */
  readonly targets: string[];
  readonly cacheTtlSeconds?: number;
  readonly hedgeAfterMs?: number;
}

export interface GenAiPlatformProps {
  /** @default - a new VPC: 2 AZs, one NAT gateway, flow logs, an S3 gateway endpoint */
  readonly vpc?: ec2.IVpc;
  /** SageMaker endpoints to create, by construct id. @default - none */
  readonly sagemakerModels?: Record<string, PlatformSageMakerModel>;
  /** Endpoints created elsewhere (`SageMakerGpuEndpoint.fromEndpointName`), as chat models. @default - none */
  readonly importedEndpoints?: ISageMakerGpuEndpoint[];
  /** Bedrock models. @default - none */
  readonly bedrockModels?: (string | PlatformBedrockModel)[];
  /**
   * Routes of the front. @default - `chat`: every chat model, SageMaker first then Bedrock (the fallback);
   * `embeddings`: every embedding model
   */
  readonly routes?: Record<string, PlatformRoute>;
  /** Front options (the platform sets config, VPC, cache and vector store). @default - LambdaFront defaults */
  readonly front?: Omit<LambdaFrontProps, 'config' | 'vpc' | 'cache' | 'vectorStore' | 'embeddingModel'> & {
    readonly limits?: FrontConfigInput['limits'];
    readonly cacheTtlSeconds?: number;
    readonly logPrompts?: boolean;
    readonly corsOrigins?: string[];
  };
  /** Shared answer cache; `false` for none. @default - a Valkey Serverless cache with default limits */
  readonly cache?: false | Omit<RedisCacheProps, 'vpc'>;
  /**
   * Vector store behind the front's `/v1/vector_stores` and grounded chat (2-4 OCUs billed even when idle).
   * @default - none: the front's vector store API is off
   */
  readonly vectorStore?: PlatformVectorStore;
  /**
   * Interface VPC endpoints for bedrock-runtime, sagemaker-runtime and Secrets Manager, so the front's calls stay
   * off the NAT gateway (about $0.01 per endpoint-AZ-hour each, plus data). @default false
   */
  readonly interfaceEndpoints?: boolean;
  /** SSM parameter holding the front's configuration. @default `/genai-deploy/<stack name>/<construct id>/front-config` */
  readonly configParameterName?: string;
}

/**
 * A complete platform: a VPC, GPU endpoints and Bedrock models behind the OpenAI-compatible front, with a shared
 * cache and an optional vector store, wired with least-privilege grants. Outputs the front URL and its routes.
 */
export class GenAiPlatform extends Construct {
  readonly vpc: ec2.IVpc;
  readonly endpoints: Record<string, SageMakerGpuEndpoint> = {};
  readonly front: LambdaFront;
  readonly cache?: RedisCache;
  readonly vectorStore?: VectorStore;
  readonly configParameter: ssm.StringParameter;
  readonly frontConfig: FrontConfig;

  constructor(scope: Construct, id: string, props: GenAiPlatformProps) {
    super(scope, id);
    const sagemakerCount =
      Object.keys(props.sagemakerModels ?? {}).length + (props.importedEndpoints?.length ?? 0);
    if (sagemakerCount === 0 && !props.bedrockModels?.length) throw errors.noModels(this);

    this.vpc = props.vpc ?? this.createVpc();

    const models: NonNullable<FrontConfigInput['models']> = [];
    const aliases = new Map<string, string>();
    for (const [key, modelProps] of Object.entries(props.sagemakerModels ?? {})) {
      const { kind = 'chat', maxOutputTokens, ...endpointProps } = modelProps;
      if (modelProps.asyncInference) throw errors.frontCannotInvoke(this, key);
      const endpoint = new SageMakerGpuEndpoint(this, key, { vpc: this.vpc, ...endpointProps });
      this.endpoints[key] = endpoint;
      const address = `sagemaker/${endpoint.endpointName}`;
      aliases.set(key, address);
      models.push({
        id: address,
        kind,
        adapter: kind === 'embedding' ? 'embeddings' : 'tgi',
        // A scale-to-zero endpoint hosts the model as an inference component: the front names it on every call.
        ...(endpoint.inferenceComponentName ? { inferenceComponent: endpoint.inferenceComponentName } : {}),
        ...(modelProps.maxInputTokens ? { maxInputTokens: modelProps.maxInputTokens } : {}),
        ...(maxOutputTokens ? { maxOutputTokens } : {}),
      });
    }
    for (const endpoint of props.importedEndpoints ?? []) {
      models.push({ id: `sagemaker/${endpoint.endpointName}`, kind: 'chat', adapter: 'tgi' });
    }
    for (const entry of props.bedrockModels ?? []) {
      const m = typeof entry === 'string' ? { modelId: entry } : entry;
      models.push({
        id: `bedrock/${m.modelId}`,
        kind: m.kind ?? 'chat',
        ...(m.maxInputTokens ? { maxInputTokens: m.maxInputTokens } : {}),
        ...(m.maxOutputTokens ? { maxOutputTokens: m.maxOutputTokens } : {}),
        ...(m.region ? { region: m.region } : {}),
      });
    }

    const routes = props.routes
      ? Object.fromEntries(
          Object.entries(props.routes).map(([name, r]) => [
            name,
            {
              ...r,
              targets: r.targets.map((t) =>
                this.resolveTarget(
                  t,
                  aliases,
                  models.map((m) => m.id),
                ),
              ),
            },
          ]),
        )
      : defaultRoutes(models);

    if (props.cache !== false) this.cache = new RedisCache(this, 'Cache', { vpc: this.vpc, ...props.cache });
    let embeddingModel: string | undefined;
    if (props.vectorStore) {
      const { embeddingModel: wanted, dimension, indexName, ...storeProps } = props.vectorStore;
      const chosen = resolveVectorStoreEmbedding(
        { models, routes },
        {
          ...(wanted !== undefined ? { embeddingModel: aliases.get(wanted) ?? wanted } : {}),
          ...(dimension !== undefined ? { dimension } : {}),
        },
      );
      if (!chosen.ok) throw errors.vectorStoreEmbedding(this, chosen.problem);
      embeddingModel = chosen.value.embeddingModel;
      this.vectorStore = new VectorStore(this, 'VectorStore', {
        vpc: this.vpc,
        ...storeProps,
        // The front's client creates the index: faiss HNSW, inner product on unit vectors (cosine).
        index: {
          dimension: chosen.value.dimension,
          indexName: indexName ?? 'genai-chunks',
          engine: 'faiss',
          spaceType: 'innerproduct',
        },
        createIndex: false,
      });
    }

    const { limits, cacheTtlSeconds, logPrompts, corsOrigins, ...frontProps } = props.front ?? {};
    this.front = new LambdaFront(this, 'Front', {
      ...frontProps,
      config: {
        models,
        routes,
        ...(limits ? { limits } : {}),
        ...(cacheTtlSeconds ? { cache: { ttlSeconds: cacheTtlSeconds } } : {}),
        ...(logPrompts !== undefined ? { logPrompts } : {}),
        ...(corsOrigins ? { corsOrigins } : {}),
      },
      vpc: this.vpc,
      ...(this.cache ? { cache: this.cache } : {}),
      ...(this.vectorStore ? { vectorStore: this.vectorStore, embeddingModel } : {}),
      sagemakerEndpoints: [...Object.values(this.endpoints), ...(props.importedEndpoints ?? [])],
    });
    this.frontConfig = this.front.frontConfig;
    if (props.interfaceEndpoints) this.addInterfaceEndpoints();

    const stack = Stack.of(this);
    this.configParameter = new ssm.StringParameter(this, 'FrontConfig', {
      parameterName: props.configParameterName ?? `/genai-deploy/${stack.stackName}/${id}/front-config`,
      description: 'Configuration of the genai-deploy front (models and routes; no secrets)',
      stringValue: stack.toJsonString(this.frontConfig),
    });
    new CfnOutput(this, 'FrontUrl', {
      value: this.front.url,
      description: 'OpenAI-compatible base URL (append v1/)',
    });
    new CfnOutput(this, 'FrontRoutes', {
      value: stack.toJsonString(this.frontConfig.routes),
      description: 'Routes of the front: name -> ordered targets',
    });
    new CfnOutput(this, 'FrontConfigParameter', { value: this.configParameter.parameterName });
    new CfnOutput(this, 'ApiKeysSecretArn', {
      value: this.front.apiKeysSecret.secretArn,
      description: 'Secrets Manager secret holding the API keys (comma-separated)',
    });
  }

  private createVpc(): ec2.Vpc {
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention: logs.RetentionDays.ONE_MONTH });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    return vpc;
  }

  private addInterfaceEndpoints(): void {
    const services = {
      BedrockRuntime: ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME,
      SageMakerRuntime: ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME,
      SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    };
    for (const [name, service] of Object.entries(services)) {
      // Closed by default; HTTPS from the front only (it is the one caller of these APIs).
      const endpoint = new ec2.InterfaceVpcEndpoint(this, `${name}Endpoint`, {
        vpc: this.vpc,
        service,
        privateDnsEnabled: true,
        open: false,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      });
      endpoint.connections.allowDefaultPortFrom(this.front, 'HTTPS from the genai-deploy front');
    }
  }

  private resolveTarget(target: string, aliases: Map<string, string>, known: string[]): string {
    const address = aliases.get(target) ?? target;
    if (!known.includes(address))
      throw errors.unknownModelTarget(this, target, [...aliases.keys(), ...known]);
    return address;
  }
}

function defaultRoutes(
  models: NonNullable<FrontConfigInput['models']>,
): Record<string, { targets: string[] }> {
  const byKind = (kind: ModelKind) =>
    models
      .filter((m) => (m.kind ?? 'chat') === kind)
      .map((m) => m.id)
      // SageMaker first: the dedicated endpoint answers, Bedrock takes over when it is throttled or down.
      .sort((a, b) => Number(a.startsWith('bedrock/')) - Number(b.startsWith('bedrock/')));
  const routes: Record<string, { targets: string[] }> = {};
  const chat = byKind('chat');
  const embedding = byKind('embedding');
  if (chat.length) routes['chat'] = { targets: chat };
  if (embedding.length) routes['embeddings'] = { targets: embedding };
  return routes;
}
