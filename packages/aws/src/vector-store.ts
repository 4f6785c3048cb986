import { DefaultStackSynthesizer, Fn, Lazy, Names, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as aoss from 'aws-cdk-lib/aws-opensearchserverless';
import type { Construct } from 'constructs';
import { errors } from './errors.js';

export type VectorEngine = 'faiss' | 'nmslib' | 'lucene';
export type VectorSpace = 'l2' | 'innerproduct' | 'cosinesimil' | 'l1' | 'linf';

const SPACES: Record<VectorEngine, readonly VectorSpace[]> = {
  faiss: ['l2', 'innerproduct'],
  nmslib: ['l2', 'innerproduct', 'cosinesimil', 'l1', 'linf'],
  lucene: ['l2', 'innerproduct', 'cosinesimil'],
};
const MAX_DIMENSION = 16_000;
const NAME = /^[a-z][a-z0-9-]{2,31}$/;

/** The k-NN index created at deploy time. */
export interface VectorIndexOptions {
  /** Length of the embeddings (1024 for Titan Text Embeddings v2). */
  readonly dimension: number;
  /** @default 'vectors' */
  readonly indexName?: string;
  /** @default 'faiss' */
  readonly engine?: VectorEngine;
  /** Distance. With normalized embeddings l2 ranks like cosine. @default 'l2' */
  readonly spaceType?: VectorSpace;
  /** @default 'vector' */
  readonly vectorField?: string;
  /** @default 'text' */
  readonly textField?: string;
  /** Stored, not indexed. @default 'metadata' */
  readonly metadataField?: string;
  /** HNSW graph degree. @default 16 */
  readonly m?: number;
  /** HNSW build-time candidate list. @default 512 */
  readonly efConstruction?: number;
  /** HNSW search-time candidate list. @default 512 */
  readonly efSearch?: number;
}

export interface VectorStoreProps {
  /** @default - derived from the construct path (3..32 lowercase characters) */
  readonly collectionName?: string;
  readonly index: VectorIndexOptions;
  /**
   * Standby replicas in a second AZ. On: highly available, at least 4 OCUs idle (2 indexing + 2 search).
   * Off: half that idle cost (2 OCUs), no AZ redundancy — fine for development and re-buildable indexes.
   * @default true
   */
  readonly standbyReplicas?: boolean;
  /** Customer key for the encryption policy. @default - an AWS-owned key */
  readonly encryptionKey?: kms.IKey;
  /** VPC for the private (VPC endpoint) network policy. Required unless publicAccess. */
  readonly vpc?: ec2.IVpc;
  /** @default - the VPC's private subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** Open the collection endpoint to the internet (IAM still applies). @default false */
  readonly publicAccess?: boolean;
  /** AWS services allowed through the network policy, e.g. `bedrock.amazonaws.com`. @default - none */
  readonly allowFromServices?: string[];
  /**
   * Principals that create the index at deploy time (CloudFormation calls the collection as the deploying role).
   * @default - the CDK bootstrap CloudFormation execution role, when the stack uses the default synthesizer
   */
  readonly indexAdminPrincipalArns?: string[];
  /** Create the index with AWS::OpenSearchServerless::Index. @default true */
  readonly createIndex?: boolean;
  /** @default RemovalPolicy.RETAIN (an index can take hours to rebuild) */
  readonly removalPolicy?: RemovalPolicy;
}

interface AccessGrant {
  readonly principal: string;
  readonly write: boolean;
}

/**
 * An OpenSearch Serverless VECTORSEARCH collection with its encryption, network and data-access policies and a
 * k-NN index created at deploy time. Access is what `grantRead`/`grantReadWrite` give, nothing more.
 */
export class VectorStore extends Resource implements ec2.IConnectable {
  readonly collectionName: string;
  readonly collectionArn: string;
  readonly collectionEndpoint: string;
  readonly indexName: string;
  readonly vectorField: string;
  readonly textField: string;
  readonly dimension: number;
  readonly connections: ec2.Connections;
  readonly vpcEndpointId?: string;
  readonly cfnCollection: aoss.CfnCollection;
  readonly cfnIndex?: aoss.CfnIndex;
  private readonly grants: AccessGrant[] = [];

  constructor(scope: Construct, id: string, props: VectorStoreProps) {
    super(scope, id);
    const name =
      props.collectionName ?? Names.uniqueResourceName(this, { maxLength: 32, separator: '-' }).toLowerCase();
    if (!Token.isUnresolved(name) && !NAME.test(name)) {
      throw errors.invalidName(this, 'collectionName', name, NAME.source, 32);
    }
    this.collectionName = name;
    const index = props.index;
    const engine = index.engine ?? 'faiss';
    const space = index.spaceType ?? 'l2';
    if (!Number.isInteger(index.dimension) || index.dimension < 1 || index.dimension > MAX_DIMENSION) {
      throw errors.vectorDimension(this, index.dimension, engine, MAX_DIMENSION);
    }
    if (!SPACES[engine].includes(space)) throw errors.vectorEngineSpace(this, engine, space, SPACES[engine]);
    if (!props.publicAccess && !props.vpc)
      throw errors.vpcRequired(this, 'a private VectorStore (the default)');
    this.indexName = index.indexName ?? 'vectors';
    this.vectorField = index.vectorField ?? 'vector';
    this.textField = index.textField ?? 'text';
    this.dimension = index.dimension;

    const encryption = new aoss.CfnSecurityPolicy(this, 'EncryptionPolicy', {
      name: `${name}-enc`.slice(0, 32),
      type: 'encryption',
      description: `Encryption of collection ${name}`,
      policy: Stack.of(this).toJsonString({
        Rules: [{ ResourceType: 'collection', Resource: [`collection/${name}`] }],
        ...(props.encryptionKey
          ? { AWSOwnedKey: false, KmsARN: props.encryptionKey.keyArn }
          : { AWSOwnedKey: true }),
      }),
    });

    this.connections = new ec2.Connections({ defaultPort: ec2.Port.tcp(443) });
    if (props.vpc) {
      const sg = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: props.vpc,
        description: `OpenSearch Serverless endpoint of ${name}: HTTPS from granted peers only`,
        allowAllOutbound: false,
      });
      this.connections.addSecurityGroup(sg);
      const endpoint = new aoss.CfnVpcEndpoint(this, 'VpcEndpoint', {
        name: `${name}-vpce`.slice(0, 32),
        vpcId: props.vpc.vpcId,
        subnetIds: props.vpc.selectSubnets(
          props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        ).subnetIds,
        securityGroupIds: [sg.securityGroupId],
      });
      this.vpcEndpointId = endpoint.attrId;
    }

    const network = new aoss.CfnSecurityPolicy(this, 'NetworkPolicy', {
      name: `${name}-net`.slice(0, 32),
      type: 'network',
      description: `Network access to collection ${name}`,
      policy: Stack.of(this).toJsonString([
        {
          Rules: [{ ResourceType: 'collection', Resource: [`collection/${name}`] }],
          AllowFromPublic: props.publicAccess === true,
          ...(props.publicAccess || !this.vpcEndpointId ? {} : { SourceVPCEs: [this.vpcEndpointId] }),
          ...(props.allowFromServices?.length && !props.publicAccess
            ? { SourceServices: props.allowFromServices }
            : {}),
        },
      ]),
    });

    this.cfnCollection = new aoss.CfnCollection(this, 'Resource', {
      name,
      type: 'VECTORSEARCH',
      standbyReplicas: props.standbyReplicas === false ? 'DISABLED' : 'ENABLED',
      description: `genai-deploy vector store (${engine}, ${space}, ${index.dimension} dimensions)`,
    });
    this.cfnCollection.addResourceDependency(encryption);
    this.cfnCollection.addResourceDependency(network);
    this.cfnCollection.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    this.collectionArn = this.cfnCollection.attrArn;
    this.collectionEndpoint = this.cfnCollection.attrCollectionEndpoint;

    const admins = props.indexAdminPrincipalArns ?? defaultDeployRole(this);
    const access = new aoss.CfnAccessPolicy(this, 'DataAccessPolicy', {
      name: `${name}-access`.slice(0, 32),
      type: 'data',
      description: `Data access to collection ${name}, built from grants`,
      policy: Lazy.string({ produce: () => this.renderAccessPolicy(admins) }),
    });
    this.cfnCollection.addResourceDependency(access);
    this.node.addValidation({
      validate: () =>
        admins.length > 0 || this.grants.length > 0 ? [] : [errors.emptyAccessPolicy(this).message],
    });

    if (props.createIndex !== false) {
      this.cfnIndex = new aoss.CfnIndex(this, 'Index', {
        collectionEndpoint: this.collectionEndpoint,
        indexName: this.indexName,
        settings: { index: { knn: true, knnAlgoParamEfSearch: index.efSearch ?? 512 } },
        mappings: {
          properties: {
            [this.vectorField]: {
              type: 'knn_vector',
              dimension: index.dimension,
              method: {
                name: 'hnsw',
                engine,
                spaceType: space,
                parameters: { m: index.m ?? 16, efConstruction: index.efConstruction ?? 512 },
              },
            },
            [this.textField]: { type: 'text' },
            [index.metadataField ?? 'metadata']: { type: 'text', index: false },
          },
        },
      });
      this.cfnIndex.addResourceDependency(this.cfnCollection);
      this.cfnIndex.addResourceDependency(access);
    }
  }

  /** Lets `grantee` search the index (data-access policy + aoss:APIAccessAll on this collection). */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, false);
  }

  /** Lets `grantee` search and write documents. */
  grantReadWrite(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, true);
  }

  private grant(grantee: iam.IGrantable, write: boolean): iam.Grant {
    const principal = grantee.grantPrincipal as Partial<iam.IRole & iam.IUser>;
    const arn = principal.roleArn ?? principal.userArn;
    if (!arn) {
      throw errors.grantNeedsArn(this);
    }
    this.grants.push({ principal: arn, write });
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['aoss:APIAccessAll'],
      resourceArns: [this.collectionArn],
    });
  }

  private renderAccessPolicy(admins: readonly string[]): string {
    const name = this.collectionName;
    const collection = `collection/${name}`;
    const index = `index/${name}/*`;
    const readers = this.grants.filter((g) => !g.write).map((g) => g.principal);
    const writers = this.grants.filter((g) => g.write).map((g) => g.principal);
    const statements: unknown[] = [];
    // Every principal may list the collection's indexes; what it may do in them differs.
    const allow = (description: string, principals: string[], indexPermissions: string[]) => {
      if (!principals.length) return;
      statements.push({
        Description: description,
        Principal: principals,
        Rules: [
          {
            ResourceType: 'collection',
            Resource: [collection],
            Permission: ['aoss:DescribeCollectionItems'],
          },
          { ResourceType: 'index', Resource: [index], Permission: indexPermissions },
        ],
      });
    };
    allow(
      'Deploy-time index management',
      [...admins],
      ['aoss:CreateIndex', 'aoss:DescribeIndex', 'aoss:UpdateIndex', 'aoss:DeleteIndex'],
    );
    allow('grantReadWrite', writers, ['aoss:DescribeIndex', 'aoss:ReadDocument', 'aoss:WriteDocument']);
    allow('grantRead', readers, ['aoss:DescribeIndex', 'aoss:ReadDocument']);
    return Stack.of(this).toJsonString(statements);
  }
}

function defaultDeployRole(scope: Construct): string[] {
  const synthesizer = Stack.of(scope).synthesizer;
  // The synthesizer's ARN holds ${AWS::AccountId}-style placeholders meant for Fn::Sub.
  return synthesizer instanceof DefaultStackSynthesizer
    ? [Fn.sub(synthesizer.cloudFormationExecutionRoleArn)]
    : [];
}
