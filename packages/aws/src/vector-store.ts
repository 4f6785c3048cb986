import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as aoss from 'aws-cdk-lib/aws-opensearchserverless';
import {
  DefaultStackSynthesizer,
  Fn,
  Lazy,
  Names,
  RemovalPolicy,
  Resource,
  Stack,
  Token,
} from 'aws-cdk-lib/core';
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
   * @default - with createIndex, the CDK bootstrap CloudFormation execution role when the stack uses the default
   * synthesizer; without, none
   */
  readonly indexAdminPrincipalArns?: string[];
  /**
   * Create the index with AWS::OpenSearchServerless::Index. Turn off when the index's client creates it with a
   * mapping CloudFormation cannot express (dynamic templates, disabled objects), as the genai-deploy front does.
   * @default true
   */
  readonly createIndex?: boolean;
  /** @default RemovalPolicy.RETAIN (an index can take hours to rebuild) */
  readonly removalPolicy?: RemovalPolicy;
}

/** Names of indexes in a grant: lowercase, not starting with `_` or `-`, no wildcards. */
const INDEX_NAME = /^[a-z0-9][a-z0-9._-]{0,254}$/;

/** One statement of the data-access policy, before principals with the same rights are merged. */
interface AccessGrant {
  readonly principal: string;
  readonly description: string;
  /** `*` for every index of the collection. */
  readonly index: string;
  readonly permissions: readonly string[];
  /** Whether the principal may list the collection's indexes (aoss:DescribeCollectionItems). */
  readonly collectionItems: boolean;
}

export interface GrantIndexOptions {
  /**
   * Also allow creating the index (aoss:CreateIndex on that index only), for clients that create it on first use
   * with a mapping of their own, as @genai-deploy/client's openSearchIndex does.
   * @default false
   */
  readonly createIndex?: boolean;
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

    const admins =
      props.indexAdminPrincipalArns ?? (props.createIndex === false ? [] : defaultDeployRole(this));
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

  /** Lets `grantee` search every index (data-access policy + aoss:APIAccessAll on this collection). */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, {
      description: 'grantRead',
      index: '*',
      permissions: ['aoss:DescribeIndex', 'aoss:ReadDocument'],
      collectionItems: true,
    });
  }

  /** Lets `grantee` search and write documents in every index. */
  grantReadWrite(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, {
      description: 'grantReadWrite',
      index: '*',
      permissions: ['aoss:DescribeIndex', 'aoss:ReadDocument', 'aoss:WriteDocument'],
      collectionItems: true,
    });
  }

  /**
   * Lets `grantee` use one index and nothing else in the collection: describe it (HEAD and GET of the index and
   * its mapping), search it, write and delete its documents (`_bulk`) and, with `createIndex`, create it. No
   * aoss:UpdateIndex: explicit mapping and settings changes stay with the index's owner (new attribute fields come
   * from the mapping's dynamic templates as documents are written).
   */
  grantIndexReadWrite(
    grantee: iam.IGrantable,
    indexName: string,
    options: GrantIndexOptions = {},
  ): iam.Grant {
    if (!Token.isUnresolved(indexName) && !INDEX_NAME.test(indexName)) {
      throw errors.invalidName(this, 'indexName', indexName, INDEX_NAME.source, 255);
    }
    return this.grant(grantee, {
      description: `grantIndexReadWrite ${indexName}`,
      index: indexName,
      permissions: [
        ...(options.createIndex ? ['aoss:CreateIndex'] : []),
        'aoss:DescribeIndex',
        'aoss:ReadDocument',
        'aoss:WriteDocument',
      ],
      collectionItems: false,
    });
  }

  private grant(grantee: iam.IGrantable, rights: Omit<AccessGrant, 'principal'>): iam.Grant {
    const principal = grantee.grantPrincipal as Partial<iam.IRole & iam.IUser>;
    const arn = principal.roleArn ?? principal.userArn;
    if (!arn) {
      throw errors.grantNeedsArn(this);
    }
    this.grants.push({ principal: arn, ...rights });
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['aoss:APIAccessAll'],
      resourceArns: [this.collectionArn],
    });
  }

  private renderAccessPolicy(admins: readonly string[]): string {
    const name = this.collectionName;
    const adminGrants: AccessGrant[] = admins.map((principal) => ({
      principal,
      description: 'Deploy-time index management',
      index: '*',
      permissions: ['aoss:CreateIndex', 'aoss:DescribeIndex', 'aoss:UpdateIndex', 'aoss:DeleteIndex'],
      collectionItems: true,
    }));
    // Principals with the same rights share one statement; the order is the order of the first grant of each.
    const order = (g: AccessGrant) => (g.description === 'grantRead' ? 1 : 0);
    const byRights = new Map<string, { grant: AccessGrant; principals: string[] }>();
    for (const g of [...adminGrants, ...[...this.grants].sort((a, b) => order(a) - order(b))]) {
      const key = JSON.stringify([g.description, g.index, g.permissions, g.collectionItems]);
      const entry = byRights.get(key) ?? { grant: g, principals: [] };
      entry.principals.push(g.principal);
      byRights.set(key, entry);
    }
    const statements = [...byRights.values()].map(({ grant, principals }) => ({
      Description: grant.description,
      Principal: principals,
      Rules: [
        ...(grant.collectionItems
          ? [
              {
                ResourceType: 'collection',
                Resource: [`collection/${name}`],
                Permission: ['aoss:DescribeCollectionItems'],
              },
            ]
          : []),
        { ResourceType: 'index', Resource: [`index/${name}/${grant.index}`], Permission: grant.permissions },
      ],
    }));
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
