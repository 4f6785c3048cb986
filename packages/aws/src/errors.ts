import {
  ConstructError,
  describeVectorStoreEmbeddingProblem,
  FRONT_ENV,
  type VectorStoreEmbeddingProblem,
} from '@genai-deploy/config';
import type { IConstruct } from 'constructs';

/**
 * Thrown at synth when construct props cannot deploy. Each message says what was received, what is expected
 * and how to fix it, and names the construct path so the failing construct is easy to find in a large app.
 */
export class AwsConstructError extends ConstructError {
  override readonly name = 'AwsConstructError';
  readonly isAwsConstructError = true;
  constructor(
    /** Stable identifier of the failed check, in kebab-case, e.g. `nvme-volume-size`. */
    code: string,
    message: string,
    /** Path of the construct that failed validation. */
    constructPath: string | undefined,
  ) {
    super(code, constructPath ? `[${constructPath}] ${message}` : message, constructPath, pascalCase(code));
  }
}

/** This package spelled its codes in PascalCase (`NvmeVolumeSize`) before codes shared one convention. */
const pascalCase = (code: string) => code.replace(/(?:^|-)([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Type guard that survives two copies of this package in one app. */
export const isAwsConstructError = (e: unknown): e is AwsConstructError =>
  !!e && e instanceof Error && 'isAwsConstructError' in e;

const make = (code: string, scope: IConstruct | undefined, message: string) =>
  new AwsConstructError(code, message, scope?.node.path);

const quote = (v: unknown) => JSON.stringify(v);

export const errors = {
  unknownInstanceType: (scope: IConstruct, received: string, known: readonly string[]) =>
    make(
      'unknown-instance-type',
      scope,
      `instanceType ${quote(received)} is not in the GPU instance catalog. Expected one of: ${known.join(', ')}. ` +
        'Fix: pick a catalog type, or pass `gpu: { count, memoryGib, nvme }` to describe an instance the catalog lacks.',
    ),

  notAnMlInstance: (scope: IConstruct, received: string) =>
    make(
      'not-an-ml-instance',
      scope,
      `instanceType ${quote(received)} is not a SageMaker hosting instance type. Expected the "ml." form, ` +
        `e.g. "ml.g5.2xlarge". Fix: use ${quote(`ml.${received.replace(/^ml\./, '')}`)}.`,
    ),

  nvmeVolumeSize: (scope: IConstruct, instanceType: string, volumeSizeGb: number) =>
    make(
      'nvme-volume-size',
      scope,
      `volumeSizeGb is ${volumeSizeGb}, but ${instanceType} has local NVMe storage and SageMaker rejects ` +
        'VolumeSizeInGB for NVMe-backed instances at deploy time. Expected: no volumeSizeGb for this family. ' +
        'Fix: remove volumeSizeGb (the instance store holds the model), or choose an EBS-backed instance type.',
    ),

  nvmeKmsKey: (scope: IConstruct, instanceType: string) =>
    make(
      'nvme-kms-key',
      scope,
      `encryptionKey is set, but ${instanceType} has local NVMe storage, which SageMaker encrypts with a hardware ` +
        'module and rejects an endpoint-config KmsKeyId for at deploy time. Expected: no encryptionKey for this ' +
        'family. Fix: remove encryptionKey (use dataCapture.encryptionKey / asyncInference.encryptionKey for ' +
        'the S3 outputs), or choose an EBS-backed instance type.',
    ),

  modelTooLarge: (
    scope: IConstruct,
    args: {
      modelSizeGib: number;
      instanceType: string;
      gpus: number;
      usableGib: number;
      quantization?: string;
    },
  ) =>
    make(
      'model-too-large',
      scope,
      `modelSizeGib is ${args.modelSizeGib} GiB${args.quantization ? ` (after ${args.quantization} quantization)` : ''}, ` +
        `but ${args.gpus} GPU(s) of ${args.instanceType} leave about ${args.usableGib.toFixed(1)} GiB for weights ` +
        '(90% of GPU memory, the rest is for the KV cache and activations). Expected: weights that fit. ' +
        'Fix: pick a larger instance (more GPUs or more memory per GPU), use more GPUs (numGpus), or quantize ' +
        '(quantization: "awq" / "gptq" / "fp8").',
    ),

  tooManyGpus: (scope: IConstruct, requested: number, instanceType: string, available: number) =>
    make(
      'too-many-gpus',
      scope,
      `numGpus is ${requested}, but ${instanceType} has ${available} GPU(s). Expected 1..${available}. ` +
        `Fix: set numGpus to at most ${available} or choose a larger instance.`,
    ),

  quantizationUnsupported: (
    scope: IConstruct,
    quantization: string,
    container: string,
    supported: readonly string[],
  ) =>
    make(
      'quantization-unsupported',
      scope,
      `quantization ${quote(quantization)} is not supported by the ${container} container. ` +
        `Expected one of: ${supported.length ? supported.join(', ') : '(none: this container takes no quantization option)'}. ` +
        'Fix: choose a supported method, or set the container-specific variable yourself through `environment`.',
    ),

  fp8NeedsHopperOrAda: (scope: IConstruct, instanceType: string) =>
    make(
      'fp8-unsupported',
      scope,
      `quantization "fp8" needs FP8 tensor cores (Ada L4/L40S or Hopper H100/H200), but ${instanceType} has none. ` +
        'Fix: use ml.g6, ml.g6e, ml.p5 or ml.p5e, or pick "awq"/"gptq" with pre-quantized weights.',
    ),

  invalidRange: (scope: IConstruct, prop: string, received: number, min: number, max: number, hint: string) =>
    make(
      'invalid-range',
      scope,
      `${prop} is ${received}; expected an integer from ${min} to ${max}. Fix: ${hint}`,
    ),

  minAboveMax: (scope: IConstruct, prop: string, min: number, max: number) =>
    make(
      'min-above-max',
      scope,
      `${prop}.minCapacity (${min}) is greater than ${prop}.maxCapacity (${max}). Expected min <= max. ` +
        'Fix: raise maxCapacity or lower minCapacity.',
    ),

  realtimeMinZero: (scope: IConstruct) =>
    make(
      'realtime-min-zero',
      scope,
      'autoScaling.minCapacity is 0 on a real-time endpoint without inference components; SageMaker keeps at least ' +
        'one instance per variant, so the policy would fail at deploy time. Expected minCapacity >= 1. Fix: set ' +
        'minCapacity: 1, or set scaleToZero (inference components) or asyncInference (backlog scaling) to reach zero.',
    ),

  conflictingModes: (scope: IConstruct, a: string, b: string) =>
    make(
      'conflicting-modes',
      scope,
      `${a} and ${b} are both set, but an endpoint is either asynchronous or hosts inference components. ` +
        `Expected at most one of them. Fix: remove ${b} (or ${a}).`,
    ),

  invalidName: (scope: IConstruct, prop: string, received: string, pattern: string, maxLength: number) =>
    make(
      'invalid-name',
      scope,
      `${prop} ${quote(received)} does not match ${pattern} (max ${maxLength} characters). ` +
        `Fix: use letters, digits and hyphens, starting with a letter, at most ${maxLength} characters.`,
    ),

  plaintextSecret: (scope: IConstruct, variable: string) =>
    make(
      'plaintext-secret',
      scope,
      `environment.${variable} looks like a credential passed in plain text; it would be stored in the template. ` +
        'Fix: put it in Secrets Manager and pass the secret (e.g. hfTokenSecret) instead.',
    ),

  invalidFrontConfig: (scope: IConstruct, detail: string) =>
    make(
      'invalid-front-config',
      scope,
      `the front configuration built for ${FRONT_ENV.config.name} is invalid:\n${detail}\n` +
        'Fix: correct the models/routes passed to the construct (they follow @genai-deploy/config).',
    ),

  secretInFrontConfig: (scope: IConstruct, path: string) =>
    make(
      'secret-in-front-config',
      scope,
      `the front configuration holds a credential at ${path}; ${FRONT_ENV.config.name} is a plain environment variable. ` +
        'Expected: no passwords or keys in it. Fix: keep API keys in apiKeysSecret and Redis AUTH in Secrets Manager.',
    ),

  frontBundleMissing: (scope: IConstruct, detail: string) =>
    make(
      'front-bundle-missing',
      scope,
      `cannot find the front's prebuilt Lambda bundle: ${detail}. Expected: lambda/front/index.mjs inside ` +
        '@genai-deploy/aws, put there by its build. Fix: reinstall @genai-deploy/aws from the registry, or in a ' +
        'checkout run `npm run build:lambda -w @genai-deploy/aws`; or pass `code` (a prebuilt lambda.Code) or ' +
        '`entry` (a handler file to bundle) to LambdaFront.',
    ),

  unknownModelTarget: (scope: IConstruct, target: string, known: readonly string[]) =>
    make(
      'unknown-model-target',
      scope,
      `route target ${quote(target)} is not a model of this platform. Expected one of: ${known.join(', ') || '(none)'}. ` +
        'Fix: add the model (sagemakerEndpoints or bedrockModels) or correct the route.',
    ),

  frontCannotInvoke: (scope: IConstruct, key: string) =>
    make(
      'front-cannot-invoke',
      scope,
      `sagemakerModels.${key} sets asyncInference, but the front answers synchronously and an asynchronous endpoint ` +
        'only takes InvokeEndpointAsync with S3 inputs. Expected a real-time endpoint (optionally with autoScaling or ' +
        'scaleToZero). Fix: remove asyncInference, or create the endpoint with SageMakerGpuEndpoint beside the ' +
        'platform and call it from your own code.',
    ),

  noModels: (scope: IConstruct) =>
    make(
      'no-models',
      scope,
      'no model targets were given. Expected at least one SageMaker endpoint or Bedrock model id. ' +
        'Fix: pass sagemakerEndpoints and/or bedrockModels.',
    ),

  invalidBedrockModelId: (scope: IConstruct, received: string) =>
    make(
      'invalid-bedrock-model-id',
      scope,
      `Bedrock model id ${quote(received)} is not a foundation model id ("anthropic.claude-3-5-haiku-20241022-v1:0"), ` +
        'an inference profile id ("us.anthropic.claude-3-5-haiku-20241022-v1:0") or an inference profile ARN. ' +
        'Fix: copy the id from the Bedrock console or `aws bedrock list-foundation-models`.',
    ),

  wafRegion: (scope: IConstruct, region: string) =>
    make(
      'waf-region',
      scope,
      `a CloudFront web ACL must be created in us-east-1, but this stack is in ${region}. ` +
        'Fix: create the web ACL in a us-east-1 stack and pass its ARN as cloudFront.webAclArn, ' +
        'or set cloudFront.waf: false.',
    ),

  vectorDimension: (scope: IConstruct, received: number, engine: string, max: number) =>
    make(
      'vector-dimension',
      scope,
      `dimension is ${received}; the ${engine} engine accepts 1..${max}. ` +
        'Fix: set dimension to your embedding model size (1024 for Titan Text Embeddings v2, 1536 for OpenAI ada-002).',
    ),

  vectorEngineSpace: (scope: IConstruct, engine: string, space: string, supported: readonly string[]) =>
    make(
      'vector-engine-space',
      scope,
      `spaceType ${quote(space)} is not supported by the ${engine} engine. Expected one of: ${supported.join(', ')}. ` +
        'Fix: choose a supported space type or switch engine ("faiss" supports l2 and innerproduct, "nmslib" cosinesimil).',
    ),

  cacheUsageLimits: (scope: IConstruct, what: string, received: number, min: number, max: number) =>
    make(
      'cache-usage-limits',
      scope,
      `${what} is ${received}; ElastiCache Serverless accepts ${min}..${max}. Fix: set it within that range.`,
    ),

  snapshotTime: (scope: IConstruct, received: string) =>
    make(
      'snapshot-time',
      scope,
      `dailySnapshotTime ${quote(received)} is not "HH:MM" (UTC). Fix: e.g. "03:00".`,
    ),

  unknownDlcRegion: (scope: IConstruct, region: string, known: readonly string[]) =>
    make(
      'unknown-dlc-region',
      scope,
      `no Deep Learning Container registry account is known for region ${quote(region)}. Expected one of: ` +
        `${known.join(', ')}. Fix: pass repositoryAccount (listed on the aws/deep-learning-containers ` +
        '"available images" page) to GpuContainerImage.tgi()/lmi().',
    ),

  isolationNeedsS3: (scope: IConstruct) =>
    make(
      'isolation-needs-s3',
      scope,
      'networkIsolation is true, but the model comes from the Hugging Face Hub, which an isolated container cannot ' +
        'reach. Expected: S3 model artifacts with network isolation. Fix: use ModelSource.fromBucket(...) or set ' +
        'networkIsolation: false.',
    ),

  invalidS3Key: (scope: IConstruct, received: string) =>
    make(
      'invalid-s3-key',
      scope,
      `model key ${quote(received)} is neither a prefix ending in "/" (uncompressed weights, recommended for LLMs) ` +
        'nor a ".tar.gz" archive. Fix: pass "models/llama-3-8b/" or "models/llama-3-8b/model.tar.gz".',
    ),

  grantNeedsArn: (scope: IConstruct) =>
    make(
      'grant-needs-arn',
      scope,
      "the grantee's principal has no role or user ARN, which the OpenSearch Serverless data-access policy needs. " +
        'Fix: grant to an IAM role (a Lambda function, an ECS task role) or an IAM user.',
    ),

  emptyAccessPolicy: (scope: IConstruct) =>
    make(
      'empty-access-policy',
      scope,
      'the data-access policy has no principal: no grants were made and no index admin is known (the stack does ' +
        'not use the default synthesizer). Fix: pass indexAdminPrincipalArns or call grantRead/grantReadWrite.',
    ),

  /** The vector store's embedding model or vector length (codes `vector-store-embedding-*`, `vector-store-dimension-*`). */
  vectorStoreEmbedding: (scope: IConstruct, problem: VectorStoreEmbeddingProblem) =>
    make(problem.code, scope, describeVectorStoreEmbeddingProblem(problem)),

  vectorIndexMapping: (scope: IConstruct, indexName: string) =>
    make(
      'vector-index-mapping',
      scope,
      `the VectorStore creates index ${quote(indexName)} at deploy time, but the front keeps its chunks in that ` +
        'index with a mapping CloudFormation cannot express (typed attribute fields through dynamic templates), ' +
        'so its filters would not match there. Expected a store with createIndex: false. Fix: pass createIndex: ' +
        'false to the VectorStore; the front creates the index on first use.',
    ),

  vpcRequired: (scope: IConstruct, what: string) =>
    make(
      'vpc-required',
      scope,
      `${what} needs a VPC, but none was given. Fix: pass vpc (an ec2.IVpc with private subnets).`,
    ),

  tracingOff: (scope: IConstruct) =>
    make(
      'tracing-off',
      scope,
      'tracing was given with xray: false and neither adotLayer nor otlpEndpoint, so it would turn nothing on. ' +
        'Expected X-Ray active tracing, the ADOT layer or an OTLP endpoint. Fix: drop `tracing` to trace nothing, ' +
        'or set xray: true, adotLayer (lambda.AdotLambdaLayerJavaScriptSdkVersion.LATEST) or otlpEndpoint.',
    ),

  tracingEndpoint: (scope: IConstruct, received: string) =>
    make(
      'tracing-endpoint',
      scope,
      `tracing.otlpEndpoint ${quote(received)} is not an http(s) URL. Expected the OTLP/HTTP base URL of a ` +
        'collector, e.g. "https://otel.example.com:4318" (the SDK appends /v1/traces). Fix: pass a full URL.',
    ),

  tracingTwoExporters: (scope: IConstruct) =>
    make(
      'tracing-two-exporters',
      scope,
      "tracing has both adotLayer and otlpEndpoint: the ADOT layer's SDK would export and the front's own would " +
        'never start (one tracer provider per process). Expected one of them. Fix: keep adotLayer to export to ' +
        "X-Ray through the layer, or otlpEndpoint to export to your collector, and set the layer's own OTEL_* " +
        'variables through `environment`.',
    ),
};
