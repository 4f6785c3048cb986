import { MemorystoreInstance } from '@cdktf/provider-google/lib/memorystore-instance/index.js';
import { NetworkConnectivityServiceConnectionPolicy } from '@cdktf/provider-google/lib/network-connectivity-service-connection-policy/index.js';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member/index.js';
import { RedisInstance } from '@cdktf/provider-google/lib/redis-instance/index.js';
import { SecretManagerSecret } from '@cdktf/provider-google/lib/secret-manager-secret/index.js';
import { SecretManagerSecretVersion } from '@cdktf/provider-google/lib/secret-manager-secret-version/index.js';
import { TerraformLocal, Token } from 'cdktf';
import { Construct } from 'constructs';
import type { FrontCacheConnection } from './cache-connection.js';
import { errors } from './errors.js';
import { providerProject } from './provider-project.js';
import { stableName } from './stable-id.js';
import { checkWholeNumber } from './whole-number.js';

export type CacheEngine = 'valkey' | 'redis';

export interface MemorystoreCacheProps {
  /** Region of the cache; the same as the front's. */
  readonly location: string;
  /** @default - the provider's project */
  readonly project?: string;
  /** Memorystore for Valkey (`google_memorystore_instance`) or Memorystore for Redis (`google_redis_instance`). @default 'valkey' */
  readonly engine?: CacheEngine;
  /** The VPC the front egresses into: "projects/{project}/global/networks/{name}". */
  readonly network: string;
  /** Instance id (4-63 lowercase letters, digits, hyphens). @default - derived from the construct path */
  readonly instanceId?: string;
  /** Eviction policy: a cache should evict rather than refuse writes when full. @default 'allkeys-lru' */
  readonly maxmemoryPolicy?: string;
  /** Refuse deletion (Valkey only; Redis instances have no such flag in provider 6.x). @default true */
  readonly deletionProtection?: boolean;
  /** @default {} */
  readonly labels?: Readonly<Record<string, string>>;

  // Valkey
  /**
   * Valkey: subnetworks ("projects/p/regions/r/subnetworks/s") for the service connection policy through which
   * Private Service Connect places the cache's endpoints. Required unless the policy exists already.
   */
  readonly subnetworks?: readonly string[];
  /**
   * Valkey: create the network's `gcp-memorystore` service connection policy for this region. Only one may exist
   * per network, region and service class: turn off when another stack owns it.
   * @default true
   */
  readonly createServiceConnectionPolicy?: boolean;
  /** Valkey: 'cluster-disabled' is what a plain Redis client (the front's) speaks. @default 'cluster-disabled' */
  readonly mode?: 'cluster-disabled' | 'cluster';
  /** Valkey: @default 1 */
  readonly shardCount?: number;
  /** Valkey: replicas per shard (Redis: read replicas, STANDARD_HA only). @default 0 */
  readonly replicaCount?: number;
  /** Valkey: @default 'STANDARD_SMALL' */
  readonly nodeType?: 'SHARED_CORE_NANO' | 'STANDARD_SMALL' | 'HIGHMEM_MEDIUM' | 'HIGHMEM_XLARGE';
  /**
   * Valkey: 'iam' makes clients authenticate with an OAuth access token of a service account holding
   * roles/memorystore.dbConnectionUser (granted to the front, conditioned on this instance); 'none' relies on the
   * network alone.
   * @default 'iam'
   */
  readonly authorization?: 'iam' | 'none';
  /** @default 'VALKEY_8_0' for Valkey, 'REDIS_7_2' for Redis */
  readonly engineVersion?: string;

  // Redis
  /** Redis: capacity in GiB. @default 1 */
  readonly memorySizeGb?: number;
  /** Redis: BASIC (one node, a cache may lose its content) or STANDARD_HA (replicated). @default 'BASIC' */
  readonly tier?: 'BASIC' | 'STANDARD_HA';
  /** Redis: how the instance joins the network. @default 'direct-peering' */
  readonly connectMode?: 'direct-peering' | 'private-service-access';
}

/**
 * The front's shared cache tier: Memorystore for Valkey (PSC endpoints through a service connection policy, TLS,
 * IAM auth) or Memorystore for Redis (AUTH string in Secret Manager, TLS with server authentication). Private
 * addresses only: the front reaches it through Direct VPC egress.
 */
export class MemorystoreCache extends Construct implements FrontCacheConnection {
  readonly engine: CacheEngine;
  readonly instanceId: string;
  readonly location: string;
  /** `rediss://host:port`, no credentials. */
  readonly redisUrl: string;
  readonly host: string;
  readonly port: string;
  readonly caCertificatePem: string;
  readonly iamAuth: boolean;
  readonly passwordSecretId?: string;
  readonly valkey?: MemorystoreInstance;
  readonly redis?: RedisInstance;
  readonly serviceConnectionPolicy?: NetworkConnectivityServiceConnectionPolicy;
  /** Secret holding the Redis AUTH string (Redis engine). */
  readonly passwordSecret?: SecretManagerSecret;

  private readonly project: string;
  private readonly granted = new Set<string>();

  constructor(scope: Construct, id: string, props: MemorystoreCacheProps) {
    super(scope, id);
    const path = this.node.path;
    if (!props.location || (!Token.isUnresolved(props.location) && props.location.trim() === '')) {
      throw errors.locationRequired(path);
    }
    if (!props.network) throw errors.cacheNetwork(path);
    this.engine = props.engine ?? 'valkey';
    if (!['valkey', 'redis'].includes(this.engine))
      throw errors.invalidEnum(path, 'engine', this.engine, ['valkey', 'redis']);
    this.location = props.location;
    this.project = providerProject(this, props.project);
    this.instanceId = props.instanceId ?? stableName(path, { maxLength: 40 });
    if (!Token.isUnresolved(this.instanceId) && !/^[a-z][-a-z0-9]{2,61}[a-z0-9]$/.test(this.instanceId)) {
      throw errors.invalidName(
        path,
        'instanceId',
        this.instanceId,
        '4 to 63 lowercase letters, digits and hyphens, starting with a letter',
      );
    }
    const policy = props.maxmemoryPolicy ?? 'allkeys-lru';
    const labels = { 'managed-by': 'genai-deploy', ...props.labels };

    if (this.engine === 'valkey') {
      const mode = props.mode ?? 'cluster-disabled';
      const shardCount = props.shardCount ?? 1;
      if (!['cluster-disabled', 'cluster'].includes(mode))
        throw errors.invalidEnum(path, 'mode', mode, ['cluster-disabled', 'cluster']);
      if (
        !Token.isUnresolved(shardCount) &&
        (shardCount < 1 || (mode === 'cluster-disabled' && shardCount !== 1))
      ) {
        throw errors.valkeyShards(path, mode === 'cluster' ? 'CLUSTER' : 'CLUSTER_DISABLED', shardCount);
      }
      const authorization = props.authorization ?? 'iam';
      if (!['iam', 'none'].includes(authorization))
        throw errors.invalidEnum(path, 'authorization', authorization, ['iam', 'none']);
      const createPolicy = props.createServiceConnectionPolicy ?? true;
      if (createPolicy && (props.subnetworks ?? []).length === 0) throw errors.valkeySubnets(path);

      if (createPolicy) {
        this.serviceConnectionPolicy = new NetworkConnectivityServiceConnectionPolicy(
          this,
          'ServiceConnectionPolicy',
          {
            name: `${this.instanceId}-scp`,
            location: props.location,
            ...(props.project !== undefined && { project: props.project }),
            network: props.network,
            serviceClass: 'gcp-memorystore',
            description: 'Lets Memorystore place PSC endpoints for the genai-deploy cache.',
            pscConfig: { subnetworks: [...(props.subnetworks ?? [])] },
            labels,
          },
        );
      }
      this.valkey = new MemorystoreInstance(this, 'Resource', {
        instanceId: this.instanceId,
        location: props.location,
        ...(props.project !== undefined && { project: props.project }),
        engineVersion: props.engineVersion ?? 'VALKEY_8_0',
        mode: mode === 'cluster' ? 'CLUSTER' : 'CLUSTER_DISABLED',
        shardCount,
        replicaCount: props.replicaCount ?? 0,
        nodeType: props.nodeType ?? 'STANDARD_SMALL',
        authorizationMode: authorization === 'iam' ? 'IAM_AUTH' : 'AUTH_DISABLED',
        transitEncryptionMode: 'SERVER_AUTHENTICATION',
        deletionProtectionEnabled: props.deletionProtection ?? true,
        engineConfigs: { 'maxmemory-policy': policy },
        desiredAutoCreatedEndpoints: [{ network: props.network, projectId: this.project }],
        labels,
        ...(this.serviceConnectionPolicy && { dependsOn: [this.serviceConnectionPolicy] }),
      });
      const ref = this.valkey.fqn;
      // The primary endpoint (writes go there; reader endpoints reject them). Kept in locals so that the
      // expressions, which contain quotes, never end up inside GENAI_CONFIG's JSON text.
      const primary = (field: string) =>
        `\${one(flatten([for e in ${ref}.endpoints : [for c in e.connections : [for p in c.psc_auto_connection : p.${field} if p.connection_type == "CONNECTION_TYPE_PRIMARY"]]]))}`;
      this.host = new TerraformLocal(this, 'PrimaryHost', primary('ip_address')).asString;
      this.port = new TerraformLocal(this, 'PrimaryPort', primary('port')).asString;
      this.caCertificatePem = new TerraformLocal(
        this,
        'ServerCa',
        `\${join("\\n", flatten([for ca in ${ref}.managed_server_ca : [for c in ca.ca_certs : c.certificates]]))}`,
      ).asString;
      this.iamAuth = authorization === 'iam';
    } else {
      for (const opt of ['subnetworks', 'mode', 'shardCount', 'nodeType', 'authorization'] as const) {
        if (props[opt] !== undefined) {
          throw errors.invalidEnum(path, `${opt} with engine "redis"`, String(props[opt]), [
            '(unset: a Valkey-only option)',
          ]);
        }
      }
      const tier = props.tier ?? 'BASIC';
      if (!['BASIC', 'STANDARD_HA'].includes(tier))
        throw errors.invalidEnum(path, 'tier', tier, ['BASIC', 'STANDARD_HA']);
      const replicas = props.replicaCount;
      if (
        replicas !== undefined &&
        !Token.isUnresolved(replicas) &&
        (tier !== 'STANDARD_HA' || replicas < 1 || replicas > 5)
      ) {
        throw errors.redisTierReplicas(path, tier, replicas);
      }
      const memorySizeGb = props.memorySizeGb ?? 1;
      checkWholeNumber(
        path,
        'memorySizeGb',
        memorySizeGb,
        1,
        300,
        'Memorystore for Redis instances hold 1 to 300 GiB.',
      );
      this.redis = new RedisInstance(this, 'Resource', {
        name: this.instanceId,
        region: props.location,
        ...(props.project !== undefined && { project: props.project }),
        tier,
        memorySizeGb,
        redisVersion: props.engineVersion ?? 'REDIS_7_2',
        authorizedNetwork: props.network,
        connectMode:
          props.connectMode === 'private-service-access' ? 'PRIVATE_SERVICE_ACCESS' : 'DIRECT_PEERING',
        authEnabled: true,
        transitEncryptionMode: 'SERVER_AUTHENTICATION',
        redisConfigs: { 'maxmemory-policy': policy },
        ...(replicas !== undefined && { replicaCount: replicas, readReplicasMode: 'READ_REPLICAS_ENABLED' }),
        labels,
      });
      // The AUTH string lives in Terraform state regardless (an attribute of the instance); copying it into
      // Secret Manager keeps it out of the front's plain environment.
      this.passwordSecret = new SecretManagerSecret(this, 'AuthSecret', {
        secretId: `${this.instanceId}-auth`,
        replication: { auto: {} },
        ...(props.project !== undefined && { project: props.project }),
        labels,
      });
      new SecretManagerSecretVersion(this, 'AuthSecretVersion', {
        secret: this.passwordSecret.id,
        secretData: this.redis.authString,
      });
      this.passwordSecretId = this.passwordSecret.secretId;
      this.host = this.redis.host;
      this.port = Token.asString(this.redis.port);
      this.caCertificatePem = this.redis.serverCaCerts.get(0).cert;
      this.iamAuth = false;
    }
    this.redisUrl = `rediss://${this.host}:${this.port}`;
  }

  /**
   * Valkey with IAM auth: roles/memorystore.dbConnectionUser for the member, conditioned on this instance.
   * Redis: nothing here (the front's construct grants access to the AUTH secret).
   */
  grantConnect(serviceAccountMember: string, project: string): void {
    if (!this.iamAuth || this.granted.has(serviceAccountMember)) return;
    this.granted.add(serviceAccountMember);
    new ProjectIamMember(this, `Connect${this.granted.size}`, {
      project,
      role: 'roles/memorystore.dbConnectionUser',
      member: serviceAccountMember,
      condition: {
        title: `genai-deploy ${this.instanceId}`,
        description: 'Connect to this Memorystore instance only.',
        expression: `resource.name == "projects/${this.project}/locations/${this.location}/instances/${this.instanceId}"`,
      },
    });
  }
}
