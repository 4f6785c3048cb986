import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { only, resources, synth } from './synth.test-utils.js';
import { VertexVectorSearch, type VertexVectorSearchProps } from './vertex-vector-search.js';

const build = (props: Partial<VertexVectorSearchProps> = {}) =>
  synth((s) => new VertexVectorSearch(s, 'Docs', { location: 'us-central1', dimensions: 768, ...props }));

describe('VertexVectorSearch', () => {
  it('defaults to a normalized dot-product tree-AH index, batch updates, deployed on a public IAM-checked endpoint', () => {
    const { tf, json } = build();
    expect(only(tf, 'google_vertex_ai_index')).toEqual({
      display_name: 'Docs',
      region: 'us-central1',
      index_update_method: 'BATCH_UPDATE',
      labels: { 'managed-by': 'genai-deploy' },
      metadata: {
        config: {
          dimensions: 768,
          distance_measure_type: 'DOT_PRODUCT_DISTANCE',
          feature_norm_type: 'UNIT_L2_NORM',
          approximate_neighbors_count: 150,
          algorithm_config: {
            tree_ah_config: { leaf_node_embedding_count: 1000, leaf_nodes_to_search_percent: 10 },
          },
        },
      },
    });
    expect(
      Testing.toHaveResourceWithProperties(json, 'google_vertex_ai_index_endpoint', {
        displayName: 'Docs-endpoint',
        region: 'us-central1',
        publicEndpointEnabled: true,
      }),
    ).toBe(true);
    const indexKey = Object.keys(tf.resource?.google_vertex_ai_index ?? {})[0];
    const endpointKey = Object.keys(tf.resource?.google_vertex_ai_index_endpoint ?? {})[0];
    expect(only(tf, 'google_vertex_ai_index_endpoint_deployed_index')).toEqual({
      deployed_index_id: expect.stringMatching(/^docs_[0-9a-f]{6}$/),
      display_name: 'Docs',
      index: `\${google_vertex_ai_index.${indexKey}.id}`,
      index_endpoint: `\${google_vertex_ai_index_endpoint.${endpointKey}.id}`,
      region: 'us-central1',
      enable_access_logging: false,
      automatic_resources: { min_replica_count: 1 },
    });
  });

  it('takes brute force, cosine without normalization, streaming updates, initial contents and a dedicated machine', () => {
    const { tf } = build({
      algorithm: { type: 'brute-force' },
      distance: 'cosine',
      normalize: false,
      updateMethod: 'stream',
      contentsDeltaUri: 'gs://bucket/vectors',
      shardSize: 'small',
      machineType: 'e2-standard-2',
      minReplicas: 1,
      maxReplicas: 3,
      deployedIndexId: 'docs_v1',
      accessLogging: true,
    });
    expect(only(tf, 'google_vertex_ai_index')).toMatchObject({
      index_update_method: 'STREAM_UPDATE',
      metadata: {
        contents_delta_uri: 'gs://bucket/vectors',
        config: {
          distance_measure_type: 'COSINE_DISTANCE',
          feature_norm_type: 'NONE',
          shard_size: 'SHARD_SIZE_SMALL',
          algorithm_config: { brute_force_config: {} },
        },
      },
    });
    expect((only(tf, 'google_vertex_ai_index').metadata as { config: object }).config).not.toHaveProperty(
      'approximate_neighbors_count',
    );
    expect(only(tf, 'google_vertex_ai_index_endpoint_deployed_index')).toMatchObject({
      deployed_index_id: 'docs_v1',
      enable_access_logging: true,
      dedicated_resources: {
        machine_spec: { machine_type: 'e2-standard-2' },
        min_replica_count: 1,
        max_replica_count: 3,
      },
    });
  });

  it('makes the endpoint private through Private Service Connect, with the consumer forwarding rule', () => {
    const { tf } = build({
      access: {
        type: 'psc',
        projectAllowlist: ['app-project'],
        consumer: {
          network: 'projects/p/global/networks/vpc',
          subnetwork: 'projects/p/regions/us-central1/subnetworks/psc',
        },
      },
    });
    const endpoint = only(tf, 'google_vertex_ai_index_endpoint');
    expect(endpoint.private_service_connect_config).toEqual({
      enable_private_service_connect: true,
      project_allowlist: ['app-project'],
    });
    expect(endpoint).not.toHaveProperty('public_endpoint_enabled');
    const deployedKey = Object.keys(tf.resource?.google_vertex_ai_index_endpoint_deployed_index ?? {})[0];
    const addressKey = Object.keys(tf.resource?.google_compute_address ?? {})[0];
    expect(only(tf, 'google_compute_address')).toMatchObject({
      address_type: 'INTERNAL',
      subnetwork: 'projects/p/regions/us-central1/subnetworks/psc',
    });
    expect(only(tf, 'google_compute_forwarding_rule')).toMatchObject({
      network: 'projects/p/global/networks/vpc',
      ip_address: `\${google_compute_address.${addressKey}.id}`,
      load_balancing_scheme: '',
      target: `\${google_vertex_ai_index_endpoint_deployed_index.${deployedKey}.private_endpoints[0].service_attachment}`,
    });
  });

  it('makes the endpoint private through VPC peering', () => {
    const { tf } = build({ access: { type: 'vpc-peering', network: 'projects/123/global/networks/vpc' } });
    expect(only(tf, 'google_vertex_ai_index_endpoint')).toMatchObject({
      network: 'projects/123/global/networks/vpc',
    });
    expect(resources(tf, 'google_compute_forwarding_rule')).toEqual([]);
  });

  it('reports bad input with what was received and how to fix it', () => {
    expect(() => build({ dimensions: 0 })).toThrow(
      /stack\/Docs: dimensions is 0\. Expected a positive whole number matching your embedding model/,
    );
    expect(() => build({ dimensions: 76.8 })).toThrow(/dimensions is 76\.8/);
    expect(() => build({ distance: 'hamming' as never })).toThrow(
      /distance "hamming" is not allowed\. Expected one of "dot-product", "cosine"/,
    );
    expect(() => build({ algorithm: { type: 'tree-ah', leafNodesToSearchPercent: 0 } })).toThrow(
      /leafNodesToSearchPercent is 0\. Expected 1 to 100/,
    );
    expect(() => build({ updateMethod: 'realtime' as never })).toThrow(
      /updateMethod "realtime" is not allowed/,
    );
    expect(() => build({ access: { type: 'vpc-peering', network: '' } })).toThrow(
      /a private index endpoint needs either/,
    );
    expect(() => build({ minReplicas: 3, maxReplicas: 1 })).toThrow(
      /minReplicas \(3\) is greater than maxReplicas \(1\)/,
    );
    expect(() => build({ deployedIndexId: '1-docs' })).toThrow(/deployedIndexId "1-docs" is not valid/);
    expect(() => build({ location: '' })).toThrow(/no location given/);
  });
});
