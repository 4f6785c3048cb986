import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Aws, CfnMapping, Stack, Token } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import { errors } from './errors.js';

/** Which serving stack runs in the container: it decides the environment variables the construct sets. */
export type ContainerFamily = 'tgi' | 'lmi' | 'custom';

/** Default Hugging Face TGI DLC tag (TGI 3.0.1, PyTorch 2.4, CUDA 12.4), as listed by Hugging Face for SageMaker. */
export const DEFAULT_TGI_TAG = '2.4.0-tgi3.0.1-gpu-py311-cu124-ubuntu22.04';
/** Default LMI DLC tag (DJL Serving 0.35.0, LMI v17, vLLM backend, CUDA 12.8). */
export const DEFAULT_LMI_TAG = '0.35.0-lmi17.0.0-cu128';

export const TGI_REPOSITORY = 'huggingface-pytorch-tgi-inference';
export const LMI_REPOSITORY = 'djl-inference';

/**
 * Account that hosts the AWS Deep Learning Containers in each region (from the SageMaker Python SDK's image URI
 * registry). aws-cdk-lib's `FactName.DLC_REPOSITORY_ACCOUNT` lacks some newer regions (il-central-1, ca-west-1),
 * so the construct carries its own table; pass `repositoryAccount` for a region missing here.
 */
export const DLC_ACCOUNTS: Readonly<Record<string, string>> = {
  'af-south-1': '626614931356',
  'ap-east-1': '871362719292',
  'ap-northeast-1': '763104351884',
  'ap-northeast-2': '763104351884',
  'ap-northeast-3': '364406365360',
  'ap-south-1': '763104351884',
  'ap-south-2': '772153158452',
  'ap-southeast-1': '763104351884',
  'ap-southeast-2': '763104351884',
  'ap-southeast-3': '907027046896',
  'ap-southeast-4': '457447274322',
  'ca-central-1': '763104351884',
  'ca-west-1': '204538143572',
  'cn-north-1': '727897471807',
  'cn-northwest-1': '727897471807',
  'eu-central-1': '763104351884',
  'eu-central-2': '380420809688',
  'eu-north-1': '763104351884',
  'eu-south-1': '692866216735',
  'eu-south-2': '503227376785',
  'eu-west-1': '763104351884',
  'eu-west-2': '763104351884',
  'eu-west-3': '763104351884',
  'il-central-1': '780543022126',
  'me-central-1': '914824155844',
  'me-south-1': '217643126080',
  'sa-east-1': '763104351884',
  'us-east-1': '763104351884',
  'us-east-2': '763104351884',
  'us-gov-east-1': '446045086412',
  'us-gov-west-1': '442386744353',
  'us-west-1': '763104351884',
  'us-west-2': '763104351884',
};

/** What a bound image gives the model. */
export interface BoundContainerImage {
  readonly imageUri: string;
}

export interface DlcImageOptions {
  /** Image tag. @default DEFAULT_TGI_TAG / DEFAULT_LMI_TAG */
  readonly tag?: string;
  /** Registry account of the DLCs in this stack's region. @default - looked up per region (a CfnMapping when the region is unknown at synth) */
  readonly repositoryAccount?: string;
}

/** The serving container of a {@link SageMakerGpuEndpoint}. */
export abstract class GpuContainerImage {
  /** Hugging Face Text Generation Inference (TGI) DLC from the region's AWS registry. */
  static tgi(options: DlcImageOptions = {}): GpuContainerImage {
    return new DlcImage('tgi', TGI_REPOSITORY, options.tag ?? DEFAULT_TGI_TAG, options.repositoryAccount);
  }

  /** Large Model Inference (LMI) DLC with the vLLM backend, from the region's AWS registry. */
  static lmi(options: DlcImageOptions = {}): GpuContainerImage {
    return new DlcImage('lmi', LMI_REPOSITORY, options.tag ?? DEFAULT_LMI_TAG, options.repositoryAccount);
  }

  /** Any Deep Learning Container repository of the region's AWS registry. */
  static fromDlc(
    repositoryName: string,
    tag: string,
    family: ContainerFamily = 'custom',
    repositoryAccount?: string,
  ): GpuContainerImage {
    return new DlcImage(family, repositoryName, tag, repositoryAccount);
  }

  /** An image in one of your ECR repositories; the execution role may pull from that repository only. */
  static fromEcrRepository(
    repository: ecr.IRepository,
    tag = 'latest',
    family: ContainerFamily = 'custom',
  ): GpuContainerImage {
    return new EcrImage(family, repository, tag);
  }

  /** A local Dockerfile directory, built and pushed to the CDK assets repository at deploy time. */
  static fromAsset(
    directory: string,
    options: ecrAssets.DockerImageAssetOptions & { readonly family?: ContainerFamily } = {},
  ): GpuContainerImage {
    return new AssetImage(options.family ?? 'custom', directory, options);
  }

  /** Which serving stack runs in the image. */
  abstract readonly family: ContainerFamily;

  /** Resolves the image URI and grants the execution role pull access to exactly that repository. */
  abstract bind(scope: Construct, role: iam.IRole): BoundContainerImage;
}

function grantEcrPull(role: iam.IRole, repositoryArn: string): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'PullServingImage',
      actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
      resources: [repositoryArn],
    }),
  );
  // GetAuthorizationToken has no resource-level permission: it only returns a registry login token.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: 'EcrLogin', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
  );
}

const MAPPING_ID = 'GenAiDeployDlcAccounts';

/** The DLC registry account of the stack's region: a literal when the region is known, else Fn::FindInMap. */
export function dlcAccount(scope: Construct, override?: string): string {
  if (override) return override;
  const stack = Stack.of(scope);
  if (!Token.isUnresolved(stack.region)) {
    const account = DLC_ACCOUNTS[stack.region];
    if (!account) {
      throw errors.unknownDlcRegion(scope, stack.region, Object.keys(DLC_ACCOUNTS));
    }
    return account;
  }
  const existing = stack.node.tryFindChild(MAPPING_ID) as CfnMapping | undefined;
  const mapping =
    existing ??
    new CfnMapping(stack, MAPPING_ID, {
      mapping: Object.fromEntries(Object.entries(DLC_ACCOUNTS).map(([r, a]) => [r, { account: a }])),
    });
  return mapping.findInMap(Aws.REGION, 'account');
}

class DlcImage extends GpuContainerImage {
  constructor(
    readonly family: ContainerFamily,
    private readonly repositoryName: string,
    private readonly tag: string,
    private readonly repositoryAccount: string | undefined,
  ) {
    super();
  }

  bind(scope: Construct, role: iam.IRole): BoundContainerImage {
    const account = dlcAccount(scope, this.repositoryAccount);
    const stack = Stack.of(scope);
    grantEcrPull(
      role,
      stack.formatArn({ service: 'ecr', account, resource: 'repository', resourceName: this.repositoryName }),
    );
    return {
      imageUri: `${account}.dkr.ecr.${stack.region}.${stack.urlSuffix}/${this.repositoryName}:${this.tag}`,
    };
  }
}

class EcrImage extends GpuContainerImage {
  constructor(
    readonly family: ContainerFamily,
    private readonly repository: ecr.IRepository,
    private readonly tag: string,
  ) {
    super();
  }

  bind(_scope: Construct, role: iam.IRole): BoundContainerImage {
    grantEcrPull(role, this.repository.repositoryArn);
    return { imageUri: this.repository.repositoryUriForTagOrDigest(this.tag) };
  }
}

class AssetImage extends GpuContainerImage {
  private asset?: ecrAssets.DockerImageAsset;
  constructor(
    readonly family: ContainerFamily,
    private readonly directory: string,
    private readonly options: ecrAssets.DockerImageAssetOptions,
  ) {
    super();
  }

  bind(scope: Construct, role: iam.IRole): BoundContainerImage {
    this.asset ??= new ecrAssets.DockerImageAsset(scope, 'ImageAsset', {
      directory: this.directory,
      ...this.options,
    });
    grantEcrPull(role, this.asset.repository.repositoryArn);
    return { imageUri: this.asset.imageUri };
  }
}
