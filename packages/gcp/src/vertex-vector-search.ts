import { ComputeAddress } from '@cdktf/provider-google/lib/compute-address/index.js';
import { ComputeForwardingRule } from '@cdktf/provider-google/lib/compute-forwarding-rule/index.js';
import { VertexAiIndex } from '@cdktf/provider-google/lib/vertex-ai-index/index.js';
import { VertexAiIndexEndpoint } from '@cdktf/provider-google/lib/vertex-ai-index-endpoint/index.js';
import { VertexAiIndexEndpointDeployedIndex } from '@cdktf/provider-google/lib/vertex-ai-index-endpoint-deployed-index/index.js';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { errors } from './errors.js';
import { stableName } from './stable-id.js';

export type VectorDistance = 'dot-product' | 'cosine' | 'squared-l2' | 'l1';

const DISTANCE: Record<VectorDistance, string> = {
  'dot-product': 'DOT_PRODUCT_DISTANCE',
  cosine: 'COSINE_DISTANCE',
  'squared-l2': 'SQUARED_L2_DISTANCE',
  l1: 'L1_DISTANCE',
};

/** Approximate nearest neighbours (tree-AH, the default) or exact search (brute force, for small indexes and recall tests). */
export type VectorAlgorithm =
  | {
      readonly type: 'tree-ah';
      /** Embeddings per leaf node. @default 1000 */
      readonly leafNodeEmbeddingCount?: number;
      /** Share of leaves a query searches, in percent. @default 10 */
      readonly leafNodesToSearchPercent?: number;
    }
  | { readonly type: 'brute-force' };

/** Who can query the index endpoint. */
export type VectorSearchAccess =
  /** A public endpoint: reachable from anywhere, every call IAM-authenticated. */
  | { readonly type: 'public' }
  /**
   * Private Service Connect. With `consumer`, this construct also reserves an address in that subnetwork and
   * creates the forwarding rule to the deployed index's service attachment.
   */
  | {
      readonly type: 'psc';
      readonly projectAllowlist: readonly string[];
      readonly consumer?: { readonly network: string; readonly subnetwork: string };
    }
  /** VPC peering (private services access must be set up on the network), "projects/{number}/global/networks/{name}". */
  | { readonly type: 'vpc-peering'; readonly network: string };

export interface VertexVectorSearchProps {
  /** Region of the index, e.g. "us-central1". */
  readonly location: string;
  /** @default - the provider's project */
  readonly project?: string;
  /** Length of the vectors (e.g. 768 for text-embedding-005). */
  readonly dimensions: number;
  /** @default 'dot-product' (with `normalize`, that is cosine similarity without the extra work) */
  readonly distance?: VectorDistance;
  /** Normalize vectors to unit length (UNIT_L2_NORM). @default true */
  readonly normalize?: boolean;
  /** @default { type: 'tree-ah' } */
  readonly algorithm?: VectorAlgorithm;
  /** Neighbours found before reordering (tree-AH). @default 150 */
  readonly approximateNeighborsCount?: number;
  /** BATCH_UPDATE (rebuild from Cloud Storage) or STREAM_UPDATE (upserts, seconds to visibility, costs more). @default 'batch' */
  readonly updateMethod?: 'batch' | 'stream';
  /** Cloud Storage folder with the initial vectors ("gs://bucket/path"). @default - an empty index */
  readonly contentsDeltaUri?: string;
  /** @default - the service's default (medium, 20 GB per shard) */
  readonly shardSize?: 'small' | 'medium' | 'large';
  /** @default { type: 'public' } */
  readonly access?: VectorSearchAccess;
  /** Id of the deployed index (a letter, then letters, digits, underscores). @default - derived from the construct path */
  readonly deployedIndexId?: string;
  /** Dedicated machine for the deployed index, e.g. "e2-standard-16". @default - automatic resources */
  readonly machineType?: string;
  /** @default 1 */
  readonly minReplicas?: number;
  /** @default minReplicas (automatic resources: the service's default) */
  readonly maxReplicas?: number;
  /** Log queries to Cloud Logging. @default false */
  readonly accessLogging?: boolean;
  /** @default - derived from the construct id */
  readonly displayName?: string;
  /** @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Vertex AI Vector Search: an index, an index endpoint and the index deployed to it
 * (`google_vertex_ai_index`, `_index_endpoint`, `_index_endpoint_deployed_index`).
 */
export class VertexVectorSearch extends Construct {
  readonly index: VertexAiIndex;
  readonly indexEndpoint: VertexAiIndexEndpoint;
  readonly deployedIndex: VertexAiIndexEndpointDeployedIndex;
  readonly deployedIndexId: string;
  /** The index's id (the last part of its resource name), as upsertDatapoints and removeDatapoints name it. */
  readonly indexId: string;
  /** The index endpoint's id, as findNeighbors names it. */
  readonly indexEndpointId: string;
  /** Domain of the public endpoint (public access only). */
  readonly publicEndpointDomainName?: string;
  /** The consumer address of the PSC endpoint (PSC access with `consumer` only). */
  readonly pscAddress?: string;
  /** Length of the index's vectors. */
  readonly dimensions: number;
  readonly location: string;
  /** The project given in the props. @default - the provider's project */
  readonly project?: string;
  readonly updateMethod: 'batch' | 'stream';
  readonly distance: VectorDistance;
  /** Whether vectors are normalized to unit length (UNIT_L2_NORM). */
  readonly normalize: boolean;
  readonly accessType: VectorSearchAccess['type'];

  constructor(scope: Construct, id: string, props: VertexVectorSearchProps) {
    super(scope, id);
    const path = this.node.path;
    if (!props.location || (!Token.isUnresolved(props.location) && props.location.trim() === '')) {
      throw errors.locationRequired(path);
    }
    const dims = props.dimensions;
    if (!Token.isUnresolved(dims) && (!Number.isInteger(dims) || dims < 1))
      throw errors.vectorDimensions(path, dims);
    const distance = props.distance ?? 'dot-product';
    if (!(distance in DISTANCE)) throw errors.invalidEnum(path, 'distance', distance, Object.keys(DISTANCE));
    const algorithm = props.algorithm ?? { type: 'tree-ah' };
    if (algorithm.type !== 'tree-ah' && algorithm.type !== 'brute-force') {
      throw errors.invalidEnum(path, 'algorithm.type', (algorithm as { type: string }).type, [
        'tree-ah',
        'brute-force',
      ]);
    }
    if (algorithm.type === 'tree-ah' && algorithm.leafNodesToSearchPercent !== undefined) {
      const p = algorithm.leafNodesToSearchPercent;
      if (!Number.isInteger(p) || p < 1 || p > 100) throw errors.treeAhLeafPercent(path, p);
    }
    const updateMethod = props.updateMethod ?? 'batch';
    if (!['batch', 'stream'].includes(updateMethod))
      throw errors.invalidEnum(path, 'updateMethod', updateMethod, ['batch', 'stream']);
    const access = props.access ?? { type: 'public' };
    if (!['public', 'psc', 'vpc-peering'].includes(access.type)) throw errors.vectorEndpointMode(path);
    if (access.type === 'vpc-peering' && !access.network) throw errors.vectorEndpointMode(path);
    const minReplicas = props.minReplicas ?? 1;
    const maxReplicas = props.maxReplicas ?? minReplicas;
    if (!Token.isUnresolved(minReplicas) && !Token.isUnresolved(maxReplicas)) {
      if (minReplicas < 1) throw errors.minReplicasBelowOne(path, minReplicas);
      if (minReplicas > maxReplicas) throw errors.replicas(path, minReplicas, maxReplicas);
    }
    this.deployedIndexId = props.deployedIndexId ?? stableName(path, { maxLength: 64, separator: '_' });
    if (
      !Token.isUnresolved(this.deployedIndexId) &&
      !/^[A-Za-z][A-Za-z0-9_]{0,127}$/.test(this.deployedIndexId)
    ) {
      throw errors.deployedIndexId(path, this.deployedIndexId);
    }

    this.dimensions = dims;
    this.location = props.location;
    if (props.project !== undefined) this.project = props.project;
    this.updateMethod = updateMethod;
    this.distance = distance;
    this.normalize = props.normalize ?? true;
    this.accessType = access.type;

    const displayName = props.displayName ?? this.node.id;
    const labels = { 'managed-by': 'genai-deploy', ...props.labels };
    const project = props.project !== undefined ? { project: props.project } : {};

    this.index = new VertexAiIndex(this, 'Index', {
      displayName,
      region: props.location,
      ...project,
      indexUpdateMethod: updateMethod === 'stream' ? 'STREAM_UPDATE' : 'BATCH_UPDATE',
      labels,
      metadata: {
        ...(props.contentsDeltaUri !== undefined && { contentsDeltaUri: props.contentsDeltaUri }),
        config: {
          dimensions: dims,
          distanceMeasureType: DISTANCE[distance],
          featureNormType: this.normalize ? 'UNIT_L2_NORM' : 'NONE',
          ...(props.shardSize && { shardSize: `SHARD_SIZE_${props.shardSize.toUpperCase()}` }),
          ...(algorithm.type === 'tree-ah'
            ? {
                approximateNeighborsCount: props.approximateNeighborsCount ?? 150,
                algorithmConfig: {
                  treeAhConfig: {
                    leafNodeEmbeddingCount: algorithm.leafNodeEmbeddingCount ?? 1000,
                    leafNodesToSearchPercent: algorithm.leafNodesToSearchPercent ?? 10,
                  },
                },
              }
            : { algorithmConfig: { bruteForceConfig: {} } }),
        },
      },
    });

    this.indexEndpoint = new VertexAiIndexEndpoint(this, 'Endpoint', {
      displayName: `${displayName}-endpoint`,
      region: props.location,
      ...project,
      labels,
      ...(access.type === 'public' && { publicEndpointEnabled: true }),
      ...(access.type === 'vpc-peering' && { network: access.network }),
      ...(access.type === 'psc' && {
        privateServiceConnectConfig: {
          enablePrivateServiceConnect: true,
          projectAllowlist: [...access.projectAllowlist],
        },
      }),
    });

    this.deployedIndex = new VertexAiIndexEndpointDeployedIndex(this, 'Deployment', {
      deployedIndexId: this.deployedIndexId,
      displayName,
      index: this.index.id,
      indexEndpoint: this.indexEndpoint.id,
      region: props.location,
      enableAccessLogging: props.accessLogging ?? false,
      ...(props.machineType !== undefined
        ? {
            dedicatedResources: {
              machineSpec: { machineType: props.machineType },
              minReplicaCount: minReplicas,
              maxReplicaCount: maxReplicas,
            },
          }
        : {
            automaticResources: {
              minReplicaCount: minReplicas,
              ...(props.maxReplicas !== undefined && { maxReplicaCount: maxReplicas }),
            },
          }),
    });

    if (access.type === 'public') this.publicEndpointDomainName = this.indexEndpoint.publicEndpointDomainName;
    this.indexId = this.index.name;
    this.indexEndpointId = this.indexEndpoint.name;
    if (access.type === 'psc' && access.consumer) {
      const name = stableName(path, { maxLength: 55 });
      const address = new ComputeAddress(this, 'PscAddress', {
        name: `${name}-ip`,
        region: props.location,
        ...project,
        addressType: 'INTERNAL',
        subnetwork: access.consumer.subnetwork,
      });
      new ComputeForwardingRule(this, 'PscForwardingRule', {
        name: `${name}-fr`,
        region: props.location,
        ...project,
        network: access.consumer.network,
        ipAddress: address.id,
        loadBalancingScheme: '',
        target: this.deployedIndex.privateEndpoints.get(0).serviceAttachment,
      });
      this.pscAddress = address.address;
    }
  }
}
