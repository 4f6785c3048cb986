import { createRequire } from 'node:module';
import {
  FRONT_ENV,
  type FrontConfig,
  type FrontConfigInput,
  parseFrontConfig,
  parseModelAddress,
  resolveVectorStoreEmbedding,
} from '@genai-deploy/config';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Annotations, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { bedrockInvokeResources } from './bedrock-models.js';
import { errors } from './errors.js';
import { type LambdaFrontTracing, lambdaTracing } from './lambda-front-tracing.js';

export type { LambdaFrontTracing } from './lambda-front-tracing.js';

import { frontBundle } from './front-bundle.js';
import { acknowledge, acknowledgeWildcards, type WildcardAllowance } from './nag.js';
import type { RedisCache } from './redis-cache.js';
import {
  endpointArnFor,
  type ISageMakerGpuEndpoint,
  inferenceComponentArnFor,
} from './sagemaker-gpu-endpoint-base.js';
import type { VectorStore } from './vector-store.js';

/** Lambda caps the environment of a function at 4 KB in total. */
const LAMBDA_ENV_LIMIT = 4096;

export interface LambdaFrontCloudFrontOptions {
  /** Create a WAF web ACL with a per-IP rate-based rule (CloudFront web ACLs live in us-east-1). @default true */
  readonly waf?: boolean;
  /** Use this web ACL instead of creating one. @default - one is created when waf is on */
  readonly webAclArn?: string;
  /** Requests per IP per 5 minutes before WAF blocks it. @default 1000 */
  readonly rateLimitPer5Minutes?: number;
  /** @default PriceClass.PRICE_CLASS_100 */
  readonly priceClass?: cloudfront.PriceClass;
  /** @default - no restriction */
  readonly geoRestriction?: cloudfront.GeoRestriction;
  /** Bucket for CloudFront standard logs (must allow ACLs). @default - no CloudFront logs (the front logs requests) */
  readonly accessLogBucket?: s3.IBucket;
  /**
   * How long CloudFront waits for the first byte and between bytes. Streams send tokens often; a long prompt can
   * delay the first token. Above 60 s needs a CloudFront quota increase.
   * @default Duration.seconds(60)
   */
  readonly originReadTimeout?: Duration;
}

export interface LambdaFrontProps {
  /**
   * The front's configuration (models, routes, limits). The construct fills in the provider regions and the
   * cache URL, validates it with @genai-deploy/config at synth and passes it as GENAI_CONFIG. No secrets.
   */
  readonly config: FrontConfigInput;
  /** Secret whose string holds the API keys (comma-separated). @default - a new secret holding one generated key */
  readonly apiKeysSecret?: secretsmanager.ISecret;
  /**
   * Function URL auth. NONE: the front checks API keys (OpenAI SDKs cannot sign requests). AWS_IAM: callers sign
   * with SigV4; behind CloudFront an origin access control signs (clients must then send x-amz-content-sha256 on
   * POST bodies).
   * @default lambda.FunctionUrlAuthType.NONE
   */
  readonly authType?: lambda.FunctionUrlAuthType;
  /** Put CloudFront (and WAF) in front of the Function URL. @default - no CloudFront */
  readonly cloudFront?: LambdaFrontCloudFrontOptions;
  /**
   * A handler file of your own to bundle with esbuild at synth (NodejsFunction: needs esbuild installed, or
   * Docker). @default - the front's bundle prebuilt in this package (no bundling at synth)
   */
  readonly entry?: string;
  /** Code of your own (see `handler`); skips bundling. @default - the front's prebuilt bundle */
  readonly code?: lambda.Code;
  /** Handler of `code`. @default 'index.handler' */
  readonly handler?: string;
  /**
   * Node.js runtime. The front supports Node 20 and newer; AWS deprecated the Node 20 runtime on 2026-04-30 and
   * blocks creating Node 20 functions from 2027-02-01, so the default is the current LTS.
   * @default lambda.Runtime.NODEJS_24_X
   */
  readonly runtime?: lambda.Runtime;
  /** @default 1024 */
  readonly memorySize?: number;
  /** Long enough for long generations (streams end with the function). @default Duration.minutes(15) */
  readonly timeout?: Duration;
  /** @default - unreserved (shares the account pool) */
  readonly reservedConcurrentExecutions?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** pino level. @default 'info' */
  readonly logLevel?: string;
  /** VPC to run in (needed to reach a cache). @default - no VPC */
  readonly vpc?: ec2.IVpc;
  /** @default - private subnets with egress */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @default - a new security group */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /** Shared answer cache; the function gets network access to it and its URL goes in the config. @default - none */
  readonly cache?: RedisCache;
  /**
   * Endpoints objects the front invokes: granted through their own `grantInvoke`. Any other `sagemaker/<name>`
   * model of the config is granted on its endpoint ARN derived from the name. @default - none
   */
  readonly sagemakerEndpoints?: ISageMakerGpuEndpoint[];
  /**
   * The store behind the front's vector store API (`/v1/vector_stores`) and grounded chat. The construct puts its
   * collection endpoint, region, index (`indexName` of the store, created by the front on first use, so the store
   * needs `createIndex: false`) and dimension in the config's `vectorStore`, and grants the function exactly that
   * index (create, describe, read and write documents) with aoss:APIAccessAll on the collection.
   * @default - none
   */
  readonly vectorStore?: VectorStore;
  /**
   * The model address or route that embeds chunks and queries for `vectorStore`; it must return vectors of the
   * store's dimension. @default - the configuration's only embedding model
   */
  readonly embeddingModel?: string;
  /** Extra environment. @default - none */
  readonly environment?: Record<string, string>;
  /** Traces: X-Ray active tracing, the ADOT layer or an OTLP endpoint (see LambdaFrontTracing). @default - none */
  readonly tracing?: LambdaFrontTracing;
}

/**
 * The OpenAI-compatible front on Lambda: arm64, Node 24, a Function URL that streams responses, the
 * configuration in its environment, API keys in Secrets Manager and IAM limited to the models it routes to.
 */
export class LambdaFront extends Construct implements ec2.IConnectable, iam.IGrantable {
  readonly function: lambda.Function;
  readonly functionUrl: lambda.FunctionUrl;
  /** The URL clients use: CloudFront's when there is a distribution, else the Function URL. */
  readonly url: string;
  readonly apiKeysSecret: secretsmanager.ISecret;
  /** The validated configuration passed as GENAI_CONFIG. */
  readonly frontConfig: FrontConfig;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly distribution?: cloudfront.Distribution;
  readonly webAcl?: wafv2.CfnWebACL;
  readonly grantPrincipal: iam.IPrincipal;
  private readonly _connections?: ec2.Connections;
  private readonly wildcards: WildcardAllowance[] = [];

  constructor(scope: Construct, id: string, props: LambdaFrontProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (props.cache && !props.vpc) throw errors.vpcRequired(this, 'a LambdaFront with a cache');

    this.frontConfig = this.buildConfig(props);
    const configJson = stack.toJsonString(this.frontConfig);

    this.apiKeysSecret =
      props.apiKeysSecret ??
      new secretsmanager.Secret(this, 'ApiKeys', {
        description: 'API keys of the genai-deploy front (comma-separated)',
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
      });
    if (!props.apiKeysSecret) {
      acknowledge(
        this.apiKeysSecret,
        'AwsSolutions-SMG4',
        'API keys are handed to callers out of band; automatic rotation would lock them out. Rotate by adding a ' +
          'key to the comma-separated list, moving callers, then removing the old key.',
      );
    }

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'genai-deploy front: its log group, its API-key secret and the models it routes to',
    });
    this.grantPrincipal = this.role;
    this.logGroup.grantWrite(this.role);
    this.wildcards.push({
      finding: /^Resource::<.*LogGroup[0-9A-F]{8}\.Arn>:\*$/,
      reason: 'log streams are created per Lambda instance; the role may write to its own log group only',
    });
    this.apiKeysSecret.grantRead(this.role);
    this.grantModels(this.frontConfig, props.sagemakerEndpoints ?? []);

    let securityGroups: ec2.ISecurityGroup[] | undefined;
    if (props.vpc) {
      securityGroups = props.securityGroups ?? [
        new ec2.SecurityGroup(this, 'SecurityGroup', {
          vpc: props.vpc,
          description: 'genai-deploy front (egress to AWS APIs and the cache)',
          allowAllOutbound: true,
        }),
      ];
      this._connections = new ec2.Connections({ securityGroups });
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'LambdaVpcEnis',
          // Lambda manages the function's ENIs with these; they have no resource-level scoping.
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
      this.wildcards.push({
        finding: /^Resource::\*$/,
        reason:
          'Lambda creates and deletes the function ENIs with ec2 network-interface actions that accept no resource ARN',
      });
    }

    const tracing = lambdaTracing(this, props.tracing);
    this.wildcards.push(...tracing.wildcards);
    const environment: Record<string, string> = {
      ...tracing.environment,
      [FRONT_ENV.config.name]: configJson,
      [FRONT_ENV.apiKeysSecretArn.name]: this.apiKeysSecret.secretArn,
      [FRONT_ENV.logLevel.name]: props.logLevel ?? 'info',
      [FRONT_ENV.nodeOptions.name]: '--enable-source-maps',
      ...props.environment,
    };
    // The JSON rendered by toJsonString is a token at this point: measure the plain rendering instead.
    this.checkEnvironmentSize({ ...environment, [FRONT_ENV.config.name]: JSON.stringify(this.frontConfig) });

    const common = {
      runtime: props.runtime ?? lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.minutes(15),
      role: this.role,
      logGroup: this.logGroup,
      environment,
      description: 'genai-deploy OpenAI-compatible front',
      ...tracing.functionProps,
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      ...(props.vpc
        ? {
            vpc: props.vpc,
            vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
            ...(securityGroups ? { securityGroups } : {}),
          }
        : {}),
    };

    if (props.code) {
      this.function = new lambda.Function(this, 'Function', {
        ...common,
        code: props.code,
        handler: props.handler ?? 'index.handler',
      });
    } else if (props.entry) {
      this.function = this.bundleEntry(props.entry, common);
    } else {
      // The front prebuilt by this package's build: synth needs neither esbuild nor Docker.
      const bundle = frontBundle();
      if ('missing' in bundle) throw errors.frontBundleMissing(this, bundle.missing);
      this.function = new lambda.Function(this, 'Function', {
        ...common,
        code: lambda.Code.fromAsset(bundle.dir),
        handler: 'index.handler',
      });
    }
    if (props.runtime && props.runtime.name !== lambda.Runtime.NODEJS_24_X.name) {
      acknowledge(
        this.function,
        'AwsSolutions-L1',
        `the runtime ${props.runtime.name} was chosen explicitly through the runtime prop of this LambdaFront`,
      );
    } else if (!props.runtime) {
      // aws-cdk-lib releases after 2.276 know runtimes newer than the current LTS, and cdk-nag's L1 asks for those.
      acknowledge(
        this.function,
        'AwsSolutions-L1',
        'the default runtime is Node 24, the current LTS, which the prebuilt front bundle targets and is tested on; ' +
          'pass the runtime prop of this LambdaFront to choose a newer one',
      );
    }

    this.functionUrl = this.function.addFunctionUrl({
      authType: props.authType ?? lambda.FunctionUrlAuthType.NONE,
      invokeMode: lambda.InvokeMode.RESPONSE_STREAM,
    });

    if (props.cache) props.cache.grantConnect(this);
    if (props.vectorStore) {
      props.vectorStore.grantIndexReadWrite(this.role, props.vectorStore.indexName, { createIndex: true });
      if (this._connections) props.vectorStore.connections.allowDefaultPortFrom(this, 'HTTPS from the front');
    }

    if (props.cloudFront) {
      const { distribution, webAcl } = this.createDistribution(props.cloudFront, props.authType);
      this.distribution = distribution;
      this.webAcl = webAcl;
      this.url = `https://${distribution.distributionDomainName}/`;
    } else {
      this.url = this.functionUrl.url;
    }

    acknowledgeWildcards(this, this.wildcards);
  }

  /** A user's own handler file, bundled at synth by NodejsFunction as the front was before it shipped prebuilt. */
  private bundleEntry(entry: string, common: lambda.FunctionOptions & { runtime: lambda.Runtime }) {
    // Loaded only here: importing aws-lambda-nodejs costs every other user of this package at start-up.
    const { NodejsFunction, OutputFormat } = createRequire(import.meta.url)(
      'aws-cdk-lib/aws-lambda-nodejs',
    ) as typeof nodejs;
    return new NodejsFunction(this, 'Function', {
      ...common,
      entry,
      handler: 'handler',
      bundling: {
        format: OutputFormat.ESM,
        target: `node${common.runtime.name.replace(/^nodejs|\.x$/g, '')}`,
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // CommonJS dependencies (ioredis, pino) call require() inside the ESM bundle.
        banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        externalModules: [],
      },
    });
  }

  get connections(): ec2.Connections {
    if (!this._connections) throw errors.vpcRequired(this, 'network access to the LambdaFront');
    return this._connections;
  }

  private buildConfig(props: LambdaFrontProps): FrontConfig {
    const region = Stack.of(this).region;
    const input: FrontConfigInput = {
      ...props.config,
      providers: {
        ...(props.config.models?.some((m) => m.id.startsWith('bedrock/')) ? { bedrock: { region } } : {}),
        ...(props.config.models?.some((m) => m.id.startsWith('sagemaker/')) ? { sagemaker: { region } } : {}),
        ...props.config.providers,
      },
      ...(props.cache
        ? { cache: { ...props.config.cache, redisUrl: props.cache.redisUrl } }
        : props.config.cache
          ? { cache: props.config.cache }
          : {}),
    };
    const store = props.vectorStore ? this.vectorStoreConfig(props, input) : undefined;
    // The collection endpoint is only known after deploy: the schema checks a placeholder URL in its place.
    const endpoint = store?.endpoint;
    const deferred = endpoint !== undefined && Token.isUnresolved(endpoint);
    let config: FrontConfig;
    try {
      config = parseFrontConfig(
        store
          ? { ...input, vectorStore: deferred ? { ...store, endpoint: 'https://collection.invalid' } : store }
          : input,
        FRONT_ENV.config.name,
      );
      if (deferred && config.vectorStore?.engine === 'opensearch') {
        config = { ...config, vectorStore: { ...config.vectorStore, endpoint } };
      }
    } catch (e) {
      throw errors.invalidFrontConfig(this, (e as Error).message);
    }
    const redisUrl = config.cache.redisUrl;
    if (redisUrl && !Token.isUnresolved(redisUrl) && /^rediss?:\/\/[^/]*@/.test(redisUrl)) {
      throw errors.secretInFrontConfig(this, 'cache.redisUrl');
    }
    if (config.vectorStore) {
      const { embeddingModel, dimension } = config.vectorStore;
      const checked = resolveVectorStoreEmbedding(config, { embeddingModel, dimension });
      if (!checked.ok) throw errors.vectorStoreEmbedding(this, checked.problem);
    }
    return config;
  }

  /** The config's `vectorStore` for the VectorStore construct, keeping the chunking settings of a given one. */
  private vectorStoreConfig(props: LambdaFrontProps, input: FrontConfigInput) {
    const store = props.vectorStore as VectorStore;
    if (store.cfnIndex) throw errors.vectorIndexMapping(this, store.indexName);
    const chosen = resolveVectorStoreEmbedding(input, {
      ...(props.embeddingModel !== undefined ? { embeddingModel: props.embeddingModel } : {}),
      dimension: store.dimension,
    });
    if (!chosen.ok) throw errors.vectorStoreEmbedding(this, chosen.problem);
    const given = input.vectorStore;
    return {
      engine: 'opensearch' as const,
      endpoint: store.collectionEndpoint,
      region: Stack.of(this).region,
      index: store.indexName,
      embeddingModel: chosen.value.embeddingModel,
      dimension: chosen.value.dimension,
      ...(given?.chunking ? { chunking: given.chunking } : {}),
      ...(given?.maxFileBytes !== undefined ? { maxFileBytes: given.maxFileBytes } : {}),
    };
  }

  private grantModels(config: FrontConfig, endpointObjects: readonly ISageMakerGpuEndpoint[]): void {
    const granted = new Set<string>();
    for (const endpoint of endpointObjects) {
      endpoint.grantInvoke(this.role);
      granted.add(endpoint.endpointName);
    }
    const exact = new Set<string>();
    const anyRegion = new Set<string>();
    const endpoints = new Set<string>();
    for (const model of config.models) {
      const address = parseModelAddress(model.id);
      if (!address) continue;
      if (address.provider === 'bedrock') {
        const r = bedrockInvokeResources(this, address.model, model.region);
        for (const a of r.exact) exact.add(a);
        for (const a of r.anyRegion) anyRegion.add(a);
      } else if (address.provider === 'sagemaker' && !granted.has(address.model)) {
        endpoints.add(endpointArnFor(this, address.model, model.region));
        if (model.inferenceComponent)
          endpoints.add(inferenceComponentArnFor(this, model.inferenceComponent, model.region));
      }
    }
    const invoke = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
    if (exact.size) {
      this.role.addToPolicy(
        new iam.PolicyStatement({ sid: 'InvokeBedrockModels', actions: invoke, resources: [...exact] }),
      );
    }
    if (anyRegion.size) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'InvokeProfileDestinations',
          actions: invoke,
          resources: [...anyRegion],
        }),
      );
      this.wildcards.push({
        finding: /^Resource::arn:(<AWS::Partition>|aws[a-z-]*):bedrock:\*::foundation-model\/[^*]+$/,
        reason:
          'a cross-region inference profile sends the request to a region Bedrock chooses; the caller needs the same ' +
          'foundation model (named exactly) in each destination region',
      });
    }
    if (endpoints.size) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'InvokeSageMakerEndpoints',
          actions: [
            'sagemaker:InvokeEndpoint',
            'sagemaker:InvokeEndpointWithResponseStream',
            'sagemaker:InvokeEndpointAsync',
          ],
          resources: [...endpoints],
        }),
      );
    }
  }

  private checkEnvironmentSize(environment: Record<string, string>): void {
    const size = Object.entries(environment).reduce((n, [k, v]) => n + k.length + v.length, 0);
    if (size > LAMBDA_ENV_LIMIT - 512) {
      throw errors.invalidFrontConfig(
        this,
        `the environment is about ${size} bytes (${FRONT_ENV.config.name} included); Lambda allows 4096 in total. ` +
          'Shorten the configuration (fewer models/routes, defaults instead of explicit values)',
      );
    }
  }

  private createDistribution(
    options: LambdaFrontCloudFrontOptions,
    authType: lambda.FunctionUrlAuthType | undefined,
  ): { distribution: cloudfront.Distribution; webAcl?: wafv2.CfnWebACL } {
    const stack = Stack.of(this);
    let webAclArn = options.webAclArn;
    let webAcl: wafv2.CfnWebACL | undefined;
    if (!webAclArn && options.waf !== false) {
      if (!Token.isUnresolved(stack.region) && stack.region !== 'us-east-1')
        throw errors.wafRegion(this, stack.region);
      if (Token.isUnresolved(stack.region)) {
        Annotations.of(this).addWarningV2(
          '@genai-deploy/aws:wafRegion',
          'CloudFront web ACLs can only be created in us-east-1; deploy this stack there or pass cloudFront.webAclArn',
        );
      }
      webAcl = this.createWebAcl(options.rateLimitPer5Minutes ?? 1000);
      webAclArn = webAcl.attrArn;
    }
    const readTimeout = options.originReadTimeout ?? Duration.seconds(60);
    const origin =
      authType === lambda.FunctionUrlAuthType.AWS_IAM
        ? origins.FunctionUrlOrigin.withOriginAccessControl(this.functionUrl, { readTimeout })
        : new origins.FunctionUrlOrigin(this.functionUrl, { readTimeout });
    const distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'genai-deploy front',
      defaultBehavior: {
        origin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        // The Function URL routes on its own Host header: forward everything else.
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
      priceClass: options.priceClass ?? cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      ...(webAclArn ? { webAclId: webAclArn } : {}),
      ...(options.geoRestriction ? { geoRestriction: options.geoRestriction } : {}),
      ...(options.accessLogBucket
        ? { enableLogging: true, logBucket: options.accessLogBucket, logFilePrefix: 'front/' }
        : {}),
    });
    if (!options.geoRestriction) {
      acknowledge(
        distribution,
        'AwsSolutions-CFR1',
        'an API for callers anywhere; set cloudFront.geoRestriction to limit countries',
      );
    }
    if (!options.accessLogBucket) {
      acknowledge(
        distribution,
        'AwsSolutions-CFR3',
        'requests are logged by the front (structured, prompts off) and sampled by WAF; pass cloudFront.accessLogBucket for CloudFront standard logs',
      );
    }
    // With the default *.cloudfront.net certificate CloudFront negotiates TLS 1.0+ whatever is configured.
    acknowledge(
      distribution,
      'AwsSolutions-CFR4',
      'the default cloudfront.net certificate cannot enforce TLS 1.2; attach a custom domain and certificate to do so',
    );
    if (!webAclArn) {
      acknowledge(distribution, 'AwsSolutions-CFR2', 'WAF turned off explicitly with cloudFront.waf: false');
    }
    return webAcl ? { distribution, webAcl } : { distribution };
  }

  private createWebAcl(limit: number): wafv2.CfnWebACL {
    const visibility = (name: string) => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: name,
    });
    const managed = (name: string, priority: number) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: visibility(name),
    });
    return new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('genai-front'),
      rules: [
        {
          name: 'RateLimitPerIp',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit, aggregateKeyType: 'IP' } },
          visibilityConfig: visibility('genai-front-rate'),
        },
        // Not the Common Rule Set: its 8 KB body-size rule would block long prompts.
        managed('AWSManagedRulesAmazonIpReputationList', 1),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 2),
      ],
    });
  }
}
