import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment/index.js';
import { RoleDefinition } from '@cdktf/provider-azurerm/lib/role-definition/index.js';
import { SearchService } from '@cdktf/provider-azurerm/lib/search-service/index.js';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { errors } from './errors.js';
import type { ResourceGroupRef } from './resource-group-ref.js';

export type SearchSku =
  | 'free'
  | 'basic'
  | 'standard'
  | 'standard2'
  | 'standard3'
  | 'storage_optimized_l1'
  | 'storage_optimized_l2';

/** Replica and partition limits per SKU (Azure AI Search service limits). */
export const SEARCH_SKU_LIMITS: Record<SearchSku, { maxReplicas: number; maxPartitions: number }> = {
  free: { maxReplicas: 1, maxPartitions: 1 },
  basic: { maxReplicas: 3, maxPartitions: 1 },
  standard: { maxReplicas: 12, maxPartitions: 12 },
  standard2: { maxReplicas: 12, maxPartitions: 12 },
  standard3: { maxReplicas: 12, maxPartitions: 12 },
  storage_optimized_l1: { maxReplicas: 12, maxPartitions: 12 },
  storage_optimized_l2: { maxReplicas: 12, maxPartitions: 12 },
};

/** Partition counts Azure accepts (they divide the index evenly). */
export const SEARCH_PARTITION_COUNTS = [1, 2, 3, 4, 6, 12] as const;

/** Replicas × partitions may not exceed this many search units. */
export const MAX_SEARCH_UNITS = 36;

export interface AiSearchVectorStoreProps {
  readonly resourceGroup: ResourceGroupRef;
  /** 2-60 characters: lowercase letters, digits and single "-", not at either end; globally unique. */
  readonly name: string;
  /** @default - the resource group's location */
  readonly location?: string;
  /** @default 'basic' */
  readonly sku?: SearchSku;
  /** Two replicas give a read SLA, three a read/write SLA. @default 1 */
  readonly replicaCount?: number;
  /** @default 1 */
  readonly partitionCount?: number;
  /** standard3 only: up to 1,000 indexes per partition (at most 3 partitions). @default false */
  readonly highDensity?: boolean;
  /** Allow API keys. Off by default: callers use Entra roles (grantIndexDataRead/Write). @default false */
  readonly localAuthentication?: boolean;
  /** @default true */
  readonly publicNetworkAccess?: boolean;
  /** Semantic ranker plan: 'free' (limited queries) or 'standard'; not on the free SKU. @default - off */
  readonly semanticSearch?: 'free' | 'standard';
  readonly tags?: Record<string, string>;
}

const NAME = /^[a-z0-9](?:[a-z0-9]|-(?!-)){0,58}[a-z0-9]$/;

/**
 * How a principal may create and read index definitions (a data-plane object with no ARM resource, so no
 * Terraform resource creates it):
 * - 'custom-role': a role of this service's own with `indexes/read` and `indexes/write` only (no deletes, no
 *   indexers or data sources, no service settings or keys); the deployer needs Microsoft.Authorization/roleDefinitions/write
 *   (Owner or User Access Administrator).
 * - 'search-service-contributor': the built-in role, for deployers who may assign roles but not define them;
 *   it manages the whole service (all objects, scaling, network), still without reading or writing documents.
 */
export type SearchIndexManagement = 'custom-role' | 'search-service-contributor';

/** The actions of the 'custom-role' index management: get and create-or-update index definitions. */
export const SEARCH_INDEX_MANAGEMENT_ACTIONS = [
  'Microsoft.Search/searchServices/indexes/read',
  'Microsoft.Search/searchServices/indexes/write',
] as const;

/**
 * Azure AI Search as the vector store (`azurerm_search_service`), with SKU, replica and partition limits checked
 * at synth time and key authentication off by default.
 */
export class AiSearchVectorStore extends Construct {
  readonly service: SearchService;
  /** The service name as given (globally unique). */
  readonly name: string;
  private indexManagerRole?: RoleDefinition;

  constructor(scope: Construct, id: string, props: AiSearchVectorStoreProps) {
    super(scope, id);
    const path = this.node.path;
    if (!Token.isUnresolved(props.name) && !NAME.test(props.name)) {
      throw errors.invalidName(
        path,
        'search service name',
        props.name,
        '2-60 characters, lowercase letters, digits and single "-", not at either end',
      );
    }
    const sku = props.sku ?? 'basic';
    if (!Object.hasOwn(SEARCH_SKU_LIMITS, sku)) {
      throw errors.invalidSku(path, 'search SKU', sku, Object.keys(SEARCH_SKU_LIMITS));
    }
    const limits = SEARCH_SKU_LIMITS[sku];
    const replicas = props.replicaCount ?? 1;
    const partitions = props.partitionCount ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > limits.maxReplicas) {
      throw errors.searchCapacity(
        path,
        sku,
        `replicaCount must be from 1 to ${limits.maxReplicas}, received ${replicas}. Pick a larger SKU for more replicas.`,
      );
    }
    const maxPartitions = props.highDensity ? 3 : limits.maxPartitions;
    if (!(SEARCH_PARTITION_COUNTS as readonly number[]).includes(partitions) || partitions > maxPartitions) {
      const allowed = SEARCH_PARTITION_COUNTS.filter((p) => p <= maxPartitions).join(', ');
      throw errors.searchCapacity(
        path,
        sku,
        `partitionCount must be one of ${allowed}, received ${partitions}.`,
      );
    }
    if (replicas * partitions > MAX_SEARCH_UNITS) {
      throw errors.searchCapacity(
        path,
        sku,
        `replicas × partitions is ${replicas * partitions} search units, above the limit of ${MAX_SEARCH_UNITS}. Lower one of them.`,
      );
    }
    if (props.highDensity && sku !== 'standard3') {
      throw errors.searchOption(path, sku, 'highDensity', 'Use sku standard3 or drop highDensity.');
    }
    if (props.semanticSearch && sku === 'free') {
      throw errors.searchOption(
        path,
        sku,
        'semanticSearch',
        'Use sku basic or above, or drop semanticSearch.',
      );
    }
    const localAuth = props.localAuthentication ?? false;
    this.name = props.name;

    this.service = new SearchService(this, 'Resource', {
      name: props.name,
      resourceGroupName: props.resourceGroup.name,
      location: props.location ?? props.resourceGroup.location,
      sku,
      replicaCount: replicas,
      partitionCount: partitions,
      hostingMode: props.highDensity ? 'highDensity' : 'default',
      localAuthenticationEnabled: localAuth,
      // Only meaningful with keys on: answer 401 with a bearer challenge so clients fall back to Entra tokens.
      authenticationFailureMode: localAuth ? 'http401WithBearerChallenge' : undefined,
      publicNetworkAccessEnabled: props.publicNetworkAccess ?? true,
      semanticSearchSku: props.semanticSearch,
      identity: sku === 'free' ? undefined : { type: 'SystemAssigned' },
      tags: props.tags,
    });
  }

  /** `https://<name>.search.windows.net`. */
  get endpoint(): string {
    return `https://${this.service.name}.search.windows.net`;
  }

  /** Query indexes (Search Index Data Reader). */
  grantIndexDataRead(id: string, principalId: string): RoleAssignment {
    return this.grant(id, principalId, 'Search Index Data Reader');
  }

  /** Load and query indexes (Search Index Data Contributor). */
  grantIndexDataWrite(id: string, principalId: string): RoleAssignment {
    return this.grant(id, principalId, 'Search Index Data Contributor');
  }

  /**
   * Read and create index definitions on this service, for a client that creates its index on first use (as
   * @genai-deploy/client's azureSearchIndex does in ensureIndex). No access to documents: pair it with
   * grantIndexDataWrite.
   */
  grantIndexManagement(
    id: string,
    principalId: string,
    how: SearchIndexManagement = 'custom-role',
  ): RoleAssignment {
    if (how === 'search-service-contributor')
      return this.grant(`${id}-Manage`, principalId, 'Search Service Contributor');
    // One definition per service: role definition names are unique in the tenant, and the service name is global.
    this.indexManagerRole ??= new RoleDefinition(this, 'IndexManagerRole', {
      name: `genai-deploy search index manager (${this.name})`,
      scope: this.service.id,
      description: `Reads and creates index definitions on the search service ${this.name}; no documents, no deletes.`,
      permissions: [{ actions: [...SEARCH_INDEX_MANAGEMENT_ACTIONS] }],
      assignableScopes: [this.service.id],
    });
    return new RoleAssignment(this, `Grant-${id}-Manage`, {
      scope: this.service.id,
      roleDefinitionId: this.indexManagerRole.roleDefinitionResourceId,
      principalId,
      principalType: 'ServicePrincipal',
    });
  }

  private grant(id: string, principalId: string, role: string): RoleAssignment {
    return new RoleAssignment(this, `Grant-${id}`, {
      scope: this.service.id,
      roleDefinitionName: role,
      principalId,
      principalType: 'ServicePrincipal',
    });
  }
}
