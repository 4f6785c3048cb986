import { parseFrontConfig } from '@genai-deploy/config';
import { describe, expect, it } from 'vitest';
import { GcpGenAiPlatform, type GcpGenAiPlatformProps } from './gcp-gen-ai-platform.js';
import { only, PROVIDER_PROJECT, resources, type SynthesizedStack, synth } from './synth.test-utils.js';

const NETWORK = {
  network: 'projects/p/global/networks/vpc',
  subnetwork: 'projects/p/regions/us-central1/subnetworks/run',
};
const BASE: GcpGenAiPlatformProps = {
  location: 'us-central1',
  endpoints: {
    Gemma: {
      publisherModelName: 'publishers/google/models/gemma3@gemma-3-12b-it',
      acceptEula: true,
      machineType: 'g2-standard-12',
      maxReplicas: 2,
      maxOutputTokens: 2048,
    },
  },
  models: [{ id: 'vertex/gemini-2.0-flash' }],
  routes: { chat: { targets: ['Gemma', 'vertex/gemini-2.0-flash'], hedgeAfterMs: 4000 } },
  front: { image: 'us-docker.pkg.dev/p/genai/front:1.0.0' },
};
const EMBEDDING = { id: 'vertex/text-embedding-005', kind: 'embedding' as const };
const WITH_EMBEDDING = [...(BASE.models ?? []), EMBEDDING];
const build = (props: Partial<GcpGenAiPlatformProps> = {}) =>
  synth((s) => new GcpGenAiPlatform(s, 'Platform', { ...BASE, ...props }));

const genaiConfig = (tf: SynthesizedStack) => {
  const run = only(tf, 'google_cloud_run_v2_service') as {
    template: { containers: { env: { name: string; value?: string }[] }[] };
  };
  return run.template.containers[0]?.env.find((e) => e.name === 'GENAI_CONFIG')?.value as string;
};

describe('GcpGenAiPlatform', () => {
  it('wires endpoints into the front: endpoint names in routes become vertex/endpoints/<id> addresses', () => {
    const { tf } = build();
    const mgKey = Object.keys(tf.resource?.google_vertex_ai_endpoint_with_model_garden_deployment ?? {})[0];
    const address = `vertex/endpoints/\${google_vertex_ai_endpoint_with_model_garden_deployment.${mgKey}.endpoint}`;
    const config = parseFrontConfig(genaiConfig(tf));
    expect(config.models).toEqual([
      { id: address, kind: 'chat', maxOutputTokens: 2048, region: 'us-central1' },
      { id: 'vertex/gemini-2.0-flash', kind: 'chat', maxOutputTokens: 4096 },
    ]);
    expect(config.routes).toEqual({
      chat: { targets: [address, 'vertex/gemini-2.0-flash'], hedgeAfterMs: 4000 },
    });
  });

  it('outputs the front URL and the route configuration', () => {
    const { tf } = build();
    const outputs = Object.values(tf.output ?? {});
    const runKey = Object.keys(tf.resource?.google_cloud_run_v2_service ?? {})[0];
    expect(outputs.find((o) => o.value === `\${google_cloud_run_v2_service.${runKey}.uri}`)).toBeDefined();
    const routes = outputs.find((o) => typeof o.value === 'string' && o.value.startsWith('{"models"'));
    expect(JSON.parse(routes?.value as string).routes.chat.targets[1]).toBe('vertex/gemini-2.0-flash');
  });

  it('defaults to one route per endpoint and no cache without a network', () => {
    const { tf } = build({ routes: undefined, models: undefined });
    expect(Object.keys(parseFrontConfig(genaiConfig(tf)).routes)).toEqual(['Gemma']);
    expect(resources(tf, 'google_memorystore_instance')).toEqual([]);
    expect(resources(tf, 'google_redis_instance')).toEqual([]);
  });

  it('adds a Redis cache (AUTH + TLS) on the network by default, reachable through Direct VPC egress', () => {
    const { tf } = build({ network: { ...NETWORK, tags: ['genai'] } });
    expect(only(tf, 'google_redis_instance')).toMatchObject({
      authorized_network: NETWORK.network,
      auth_enabled: true,
      transit_encryption_mode: 'SERVER_AUTHENTICATION',
    });
    expect(resources(tf, 'google_memorystore_instance')).toEqual([]);
    const run = only(tf, 'google_cloud_run_v2_service') as {
      template: { vpc_access: unknown; containers: { env: { name: string }[] }[] };
    };
    expect(run.template.vpc_access).toEqual({
      egress: 'PRIVATE_RANGES_ONLY',
      network_interfaces: [{ network: NETWORK.network, subnetwork: NETWORK.subnetwork, tags: ['genai'] }],
    });
    expect(run.template.containers[0]?.env.map((e) => e.name)).toEqual(
      expect.arrayContaining(['GENAI_REDIS_PASSWORD', 'GENAI_REDIS_CA_PEM']),
    );
    expect(parseFrontConfig(genaiConfig(tf)).cache.redisUrl).toMatch(
      /^rediss:\/\/\$\{google_redis_instance\./,
    );
  });

  it('takes Valkey with its service connection policy on the PSC subnetworks, and warns about IAM auth', () => {
    let platform!: GcpGenAiPlatform;
    const { tf } = synth((s) => {
      platform = new GcpGenAiPlatform(s, 'Platform', {
        ...BASE,
        network: { ...NETWORK, pscSubnetworks: ['projects/p/regions/us-central1/subnetworks/psc'] },
        cache: { engine: 'valkey' },
      });
    });
    expect(only(tf, 'google_network_connectivity_service_connection_policy').psc_config).toEqual({
      subnetworks: ['projects/p/regions/us-central1/subnetworks/psc'],
    });
    expect(parseFrontConfig(genaiConfig(tf)).cache.redisUrl).toMatch(
      /^rediss:\/\/\$\{local\.Platform_Cache_PrimaryHost_/,
    );
    const warnings = platform.front.node.metadata
      .filter((m) => m.type === '@cdktf/warn')
      .map((m) => String(m.data));
    expect(warnings).toEqual([expect.stringContaining('The cache uses IAM authentication')]);
  });

  it('takes a Redis cache, vector search and alert policies', () => {
    const { tf } = build({
      models: WITH_EMBEDDING,
      network: NETWORK,
      cache: { tier: 'STANDARD_HA' },
      vectorSearch: { dimensions: 768 },
      alerts: { notificationChannels: ['projects/p/notificationChannels/1'] },
    });
    expect(only(tf, 'google_redis_instance').tier).toBe('STANDARD_HA');
    expect(resources(tf, 'google_network_connectivity_service_connection_policy')).toEqual([]);
    expect(only(tf, 'google_vertex_ai_index').region).toBe('us-central1');
    const policies = resources(tf, 'google_monitoring_alert_policy');
    expect(policies.map((p) => p.display_name).sort()).toEqual([
      'genai-deploy: Gemma p99 latency',
      'genai-deploy: Gemma prediction errors',
      'genai-deploy: front Front 5xx ratio',
    ]);
    for (const p of policies) expect(p.notification_channels).toEqual(['projects/p/notificationChannels/1']);
  });

  it("wires Vector Search into the front's config, with a stream-update cosine index and the IAM to use it", () => {
    // GIVEN a platform with Vertex embeddings, a network (so a cache) and Vector Search
    const { tf } = build({
      models: WITH_EMBEDDING,
      network: NETWORK,
      vectorSearch: { deployedIndexId: 'docs' },
    });
    // THEN the front's configuration names the index, its endpoint and deployment, the model and its dimension
    const key = (type: string) => Object.keys(tf.resource?.[type] ?? {})[0];
    const index = key('google_vertex_ai_index');
    const endpoint = key('google_vertex_ai_index_endpoint');
    expect(parseFrontConfig(genaiConfig(tf)).vectorStore).toEqual({
      engine: 'vertex',
      project: PROVIDER_PROJECT,
      location: 'us-central1',
      indexId: `\${google_vertex_ai_index.${index}.name}`,
      indexEndpointId: `\${google_vertex_ai_index_endpoint.${endpoint}.name}`,
      deployedIndexId: 'docs',
      publicEndpointDomain: `\${google_vertex_ai_index_endpoint.${endpoint}.public_endpoint_domain_name}`,
      embeddingModel: 'vertex/text-embedding-005',
      dimension: 768,
    });
    // AND the index is what the front's client assumes: streaming upserts, dot product of unit vectors (cosine)
    expect(only(tf, 'google_vertex_ai_index')).toMatchObject({
      index_update_method: 'STREAM_UPDATE',
      metadata: {
        config: {
          dimensions: 768,
          distance_measure_type: 'DOT_PRODUCT_DISTANCE',
          feature_norm_type: 'UNIT_L2_NORM',
        },
      },
    });
    expect(only(tf, 'google_vertex_ai_index_endpoint').public_endpoint_enabled).toBe(true);
    // AND the front's service account holds roles/aiplatform.user on the project (Vector Search has no finer IAM)
    const account = key('google_service_account');
    expect(resources(tf, 'google_project_iam_member')).toContainEqual(
      expect.objectContaining({
        role: 'roles/aiplatform.user',
        project: PROVIDER_PROJECT,
        member: `\${google_service_account.${account}.member}`,
      }),
    );
    // AND the cache that keeps chunk text evicts only keys with a TTL
    expect(only(tf, 'google_redis_instance').redis_configs).toEqual({ 'maxmemory-policy': 'volatile-lru' });
  });

  it('gives a predict-only front exactly the Vector Search permissions it uses', () => {
    const { tf } = build({
      models: WITH_EMBEDDING,
      network: NETWORK,
      vectorSearch: {},
      front: { ...BASE.front, vertexAccess: 'predict-only' },
    });
    expect(only(tf, 'google_project_iam_custom_role').permissions).toEqual([
      'aiplatform.endpoints.predict',
      'aiplatform.indexes.update',
      'aiplatform.indexEndpoints.queryVectors',
    ]);
    expect(resources(tf, 'google_project_iam_member').map((m) => m.role)).not.toContain(
      'roles/aiplatform.user',
    );
  });

  it.each<[string, Partial<GcpGenAiPlatformProps>, RegExp]>([
    [
      'no embedding model',
      { network: NETWORK, vectorSearch: {} },
      /stack\/Platform\/VectorSearch: the vector store needs one embedding model/,
    ],
    [
      'a dimension the embedding model cannot return',
      { models: WITH_EMBEDDING, network: NETWORK, vectorSearch: { dimensions: 1024 } },
      /dimension 1024 does not match the embedding model "vertex\/text-embedding-005", which returns vectors of 1 to 768 dimensions/,
    ],
    [
      'no cache for the chunk text',
      { models: WITH_EMBEDDING, vectorSearch: {} },
      /stack\/Platform\/Front: the front keeps the chunk text .* no cache\.redisUrl/,
    ],
    [
      'a private endpoint',
      {
        models: WITH_EMBEDDING,
        network: NETWORK,
        vectorSearch: { access: { type: 'psc', projectAllowlist: ['p'] } },
      },
      /vectorSearch\.access\.type is "psc", but the front needs "public": the front calls findNeighbors over REST/,
    ],
    [
      'a distance other than the dot product',
      { models: WITH_EMBEDDING, network: NETWORK, vectorSearch: { distance: 'squared-l2' } },
      /vectorSearch\.distance is "squared-l2", but the front needs "dot-product"/,
    ],
    [
      'a cache that evicts chunk text',
      {
        models: WITH_EMBEDDING,
        network: NETWORK,
        cache: { maxmemoryPolicy: 'allkeys-lru' },
        vectorSearch: {},
      },
      /stack\/Platform\/Cache: the cache also holds the vector store's chunk text.*maxmemoryPolicy is "allkeys-lru"/,
    ],
    [
      'a Valkey cluster',
      {
        models: WITH_EMBEDDING,
        network: NETWORK,
        cache: { engine: 'valkey', mode: 'cluster', shardCount: 3 },
        vectorSearch: {},
      },
      /mode is "cluster", but a chunk is written with its file and store sets in one MULTI/,
    ],
  ])('refuses vector search with %s', (_name, props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  it('refuses a cache without a network', () => {
    expect(() => build({ cache: {} })).toThrow(/stack\/Platform\/Cache: a cache needs the VPC it serves/);
  });

  it('rejects routes to unknown targets through the front configuration schema', () => {
    expect(() => build({ routes: { chat: { targets: ['Llama'] } } })).toThrow(/routes\.chat\.targets\.0/);
  });
});
