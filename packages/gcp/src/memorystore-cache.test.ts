import { TerraformOutput } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { MemorystoreCache, type MemorystoreCacheProps } from './memorystore-cache.js';
import { only, PROVIDER_PROJECT, resources, synth } from './synth.test-utils.js';

const NETWORK = 'projects/net-host/global/networks/vpc';
const SUBNET = 'projects/net-host/regions/us-central1/subnetworks/psc';
const build = (props: Partial<MemorystoreCacheProps> = {}) =>
  synth((s) => {
    const cache = new MemorystoreCache(s, 'Cache', {
      location: 'us-central1',
      network: NETWORK,
      subnetworks: [SUBNET],
      ...props,
    });
    new TerraformOutput(s, 'url', { value: cache.redisUrl });
    new TerraformOutput(s, 'ca', { value: cache.caCertificatePem });
    cache.grantConnect('serviceAccount:front@p.iam.gserviceaccount.com', 'p');
  });

describe('MemorystoreCache (Valkey)', () => {
  it('creates a TLS, IAM-auth, non-cluster Valkey instance with an LRU eviction policy and deletion protection', () => {
    const { tf } = build();
    const scpKey = Object.keys(tf.resource?.google_network_connectivity_service_connection_policy ?? {})[0];
    expect(only(tf, 'google_memorystore_instance')).toEqual({
      instance_id: expect.stringMatching(/^cache-[0-9a-f]{6}$/),
      location: 'us-central1',
      engine_version: 'VALKEY_8_0',
      mode: 'CLUSTER_DISABLED',
      shard_count: 1,
      replica_count: 0,
      node_type: 'STANDARD_SMALL',
      authorization_mode: 'IAM_AUTH',
      transit_encryption_mode: 'SERVER_AUTHENTICATION',
      deletion_protection_enabled: true,
      engine_configs: { 'maxmemory-policy': 'allkeys-lru' },
      desired_auto_created_endpoints: [{ network: NETWORK, project_id: PROVIDER_PROJECT }],
      labels: { 'managed-by': 'genai-deploy' },
      depends_on: [`google_network_connectivity_service_connection_policy.${scpKey}`],
    });
  });

  it('creates the gcp-memorystore service connection policy on the given subnetworks', () => {
    const { tf } = build();
    expect(only(tf, 'google_network_connectivity_service_connection_policy')).toMatchObject({
      location: 'us-central1',
      network: NETWORK,
      service_class: 'gcp-memorystore',
      psc_config: { subnetworks: [SUBNET] },
    });
  });

  it('resolves the primary endpoint and CA through locals, never inline in the URL', () => {
    const { tf } = build();
    const raw = tf as unknown as { locals: Record<string, string> };
    const hostKey = Object.keys(raw.locals).find((k) => k.startsWith('Cache_PrimaryHost'));
    const portKey = Object.keys(raw.locals).find((k) => k.startsWith('Cache_PrimaryPort'));
    expect(tf.output?.url?.value).toBe(`rediss://\${local.${hostKey}}:\${local.${portKey}}`);
    expect(raw.locals[hostKey as string]).toMatch(
      /^\$\{one\(flatten\(\[for e in google_memorystore_instance\.Cache_[0-9A-F]+\.endpoints : .*p\.ip_address if p\.connection_type == "CONNECTION_TYPE_PRIMARY"\]\]\]\)\)\}$/,
    );
    expect(Object.values(raw.locals).some((v) => v.includes('managed_server_ca'))).toBe(true);
  });

  it('grants roles/memorystore.dbConnectionUser conditioned on this instance, once per member', () => {
    const { tf } = synth((s) => {
      const cache = new MemorystoreCache(s, 'Cache', {
        location: 'us-central1',
        network: NETWORK,
        subnetworks: [SUBNET],
        instanceId: 'genai-cache',
      });
      cache.grantConnect('serviceAccount:front@p.iam.gserviceaccount.com', 'p');
      cache.grantConnect('serviceAccount:front@p.iam.gserviceaccount.com', 'p');
    });
    expect(only(tf, 'google_project_iam_member')).toEqual({
      project: 'p',
      role: 'roles/memorystore.dbConnectionUser',
      member: 'serviceAccount:front@p.iam.gserviceaccount.com',
      condition: {
        title: 'genai-deploy genai-cache',
        description: 'Connect to this Memorystore instance only.',
        expression: `resource.name == "projects/${PROVIDER_PROJECT}/locations/us-central1/instances/genai-cache"`,
      },
    });
  });

  it('takes cluster mode, replicas, node type, no auth and an existing policy', () => {
    const { tf } = build({
      mode: 'cluster',
      shardCount: 3,
      replicaCount: 1,
      nodeType: 'HIGHMEM_MEDIUM',
      authorization: 'none',
      createServiceConnectionPolicy: false,
      subnetworks: undefined,
      deletionProtection: false,
      maxmemoryPolicy: 'volatile-lru',
    });
    expect(resources(tf, 'google_network_connectivity_service_connection_policy')).toEqual([]);
    expect(only(tf, 'google_memorystore_instance')).toMatchObject({
      mode: 'CLUSTER',
      shard_count: 3,
      replica_count: 1,
      node_type: 'HIGHMEM_MEDIUM',
      authorization_mode: 'AUTH_DISABLED',
      deletion_protection_enabled: false,
      engine_configs: { 'maxmemory-policy': 'volatile-lru' },
    });
    expect(resources(tf, 'google_project_iam_member')).toEqual([]);
  });
});

describe('MemorystoreCache (Redis)', () => {
  it('turns AUTH and TLS on and copies the AUTH string into Secret Manager', () => {
    const { tf } = build({ engine: 'redis', subnetworks: undefined });
    const redisKey = Object.keys(tf.resource?.google_redis_instance ?? {})[0];
    expect(only(tf, 'google_redis_instance')).toEqual({
      name: expect.stringMatching(/^cache-[0-9a-f]{6}$/),
      region: 'us-central1',
      tier: 'BASIC',
      memory_size_gb: 1,
      redis_version: 'REDIS_7_2',
      authorized_network: NETWORK,
      connect_mode: 'DIRECT_PEERING',
      auth_enabled: true,
      transit_encryption_mode: 'SERVER_AUTHENTICATION',
      redis_configs: { 'maxmemory-policy': 'allkeys-lru' },
      labels: { 'managed-by': 'genai-deploy' },
    });
    const secretKey = Object.keys(tf.resource?.google_secret_manager_secret ?? {})[0];
    expect(only(tf, 'google_secret_manager_secret_version')).toEqual({
      secret: `\${google_secret_manager_secret.${secretKey}.id}`,
      secret_data: `\${google_redis_instance.${redisKey}.auth_string}`,
    });
    expect(tf.output?.url?.value).toBe(
      `rediss://\${google_redis_instance.${redisKey}.host}:\${google_redis_instance.${redisKey}.port}`,
    );
    expect(tf.output?.ca?.value).toBe(`\${google_redis_instance.${redisKey}.server_ca_certs[0].cert}`);
    // No IAM auth on Redis: access is the AUTH secret, granted by the front.
    expect(resources(tf, 'google_project_iam_member')).toEqual([]);
  });

  it('takes STANDARD_HA with read replicas, size and private service access', () => {
    const { tf } = build({
      engine: 'redis',
      subnetworks: undefined,
      tier: 'STANDARD_HA',
      replicaCount: 2,
      memorySizeGb: 5,
      connectMode: 'private-service-access',
    });
    expect(only(tf, 'google_redis_instance')).toMatchObject({
      tier: 'STANDARD_HA',
      replica_count: 2,
      read_replicas_mode: 'READ_REPLICAS_ENABLED',
      memory_size_gb: 5,
      connect_mode: 'PRIVATE_SERVICE_ACCESS',
    });
  });
});

describe('MemorystoreCache validation', () => {
  const fails = (props: Partial<MemorystoreCacheProps>) => () => build(props);
  it('reports each misconfiguration with a fix', () => {
    expect(fails({ subnetworks: [] })).toThrow(
      /stack\/Cache: Memorystore for Valkey places its endpoints through a service connection policy, which needs at least one subnetwork/,
    );
    expect(fails({ shardCount: 3 })).toThrow(/shardCount 3 does not fit mode CLUSTER_DISABLED/);
    expect(fails({ network: '' })).toThrow(/a cache needs the VPC it serves/);
    expect(fails({ engine: 'redis', subnetworks: undefined, replicaCount: 1 })).toThrow(
      /replicaCount 1 with tier BASIC\. Read replicas need tier STANDARD_HA and 1 to 5 replicas/,
    );
    expect(fails({ engine: 'redis', subnetworks: undefined, memorySizeGb: 0 })).toThrow(
      /memorySizeGb is 0\. Expected a whole number from 1 to 300/,
    );
    expect(fails({ engine: 'redis' })).toThrow(/subnetworks with engine "redis"/);
    expect(fails({ engine: 'memcached' as never })).toThrow(/engine "memcached" is not allowed/);
    expect(fails({ instanceId: 'Cache_1' })).toThrow(/instanceId "Cache_1" is not valid/);
    expect(fails({ location: '' })).toThrow(/no location given/);
  });
});
