import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { errors } from './errors.js';

/** Where the container finds the weights, as a SageMaker model needs it. */
export interface BoundModelSource {
  /** Value for the containers' model id variable (HF_MODEL_ID): a Hub id or the local path of S3 artifacts. */
  readonly modelId: string;
  /** A `.tar.gz` archive. */
  readonly modelDataUrl?: string;
  /** Uncompressed S3 prefix (faster to load for multi-GB checkpoints). */
  readonly s3Prefix?: string;
  /** The weights are fetched by SageMaker, so the container can run without network access. */
  readonly supportsNetworkIsolation: boolean;
  /** Weights come from the Hugging Face Hub at container start. */
  readonly fromHub: boolean;
  /** S3 key prefix the execution role may read (a wildcard for cdk-nag). */
  readonly readPrefix?: string;
}

/** The model a {@link SageMakerGpuEndpoint} serves. */
export abstract class ModelSource {
  /**
   * A Hugging Face Hub model id (e.g. `meta-llama/Llama-3.1-8B-Instruct`), downloaded by the container at start.
   * Gated models need `hfTokenSecret`; the container needs a route to the internet (NAT in a VPC).
   */
  static huggingFace(modelId: string, options: { readonly revision?: string } = {}): ModelSource {
    return new HubSource(modelId, options.revision);
  }

  /**
   * Weights in S3: a key prefix ending in `/` (uncompressed, recommended) or a `.tar.gz` archive. The execution
   * role may read that prefix only.
   */
  static fromBucket(bucket: s3.IBucket, key: string): ModelSource {
    return new S3Source(bucket, key);
  }

  /** Resolves the source and grants the execution role what it needs to read it. */
  abstract bind(scope: Construct, role: iam.IRole): BoundModelSource;

  /** Revision to pin, when the source is the Hub. */
  readonly revision?: string;
}

class HubSource extends ModelSource {
  constructor(
    private readonly modelId: string,
    override readonly revision: string | undefined,
  ) {
    super();
  }
  bind(): BoundModelSource {
    return { modelId: this.modelId, supportsNetworkIsolation: false, fromHub: true };
  }
}

/** Where SageMaker places model artifacts inside the container. */
export const MODEL_DIR = '/opt/ml/model';

class S3Source extends ModelSource {
  constructor(
    private readonly bucket: s3.IBucket,
    private readonly key: string,
  ) {
    super();
  }

  bind(scope: Construct, role: iam.IRole): BoundModelSource {
    const archive = this.key.endsWith('.tar.gz');
    if (!archive && !this.key.endsWith('/')) throw errors.invalidS3Key(scope, this.key);
    const objects = archive ? this.bucket.arnForObjects(this.key) : this.bucket.arnForObjects(`${this.key}*`);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ReadModelArtifacts', actions: ['s3:GetObject'], resources: [objects] }),
    );
    if (!archive) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ListModelPrefix',
          actions: ['s3:ListBucket'],
          resources: [this.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${this.key}*`] } },
        }),
      );
    }
    this.bucket.encryptionKey?.grantDecrypt(role);
    const url = `s3://${this.bucket.bucketName}/${this.key}`;
    return {
      modelId: MODEL_DIR,
      ...(archive ? { modelDataUrl: url } : { s3Prefix: url }),
      supportsNetworkIsolation: true,
      fromHub: false,
      ...(archive ? {} : { readPrefix: this.key }),
    };
  }
}
