import { parseFrontConfig } from '@genai-deploy/config';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { addGcpStack } from '../apps/terraform/src/gcp-stack.js';

type Tf = {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  output: Record<string, { value: unknown }>;
  variable: Record<string, unknown>;
  provider: Record<string, unknown[]>;
};

function synthGcp(context?: Record<string, string>): { text: string; tf: Tf } {
  const app = Testing.app({ context });
  const stack = addGcpStack(app);
  const text = Testing.synth(stack);
  return { text, tf: JSON.parse(text) as Tf };
}

/** A Terraform reference as it appears in the synthesized JSON. */
const ref = (expression: string) => `\${${expression}}`;

const one = (tf: Tf, type: string) => {
  const values = Object.values(tf.resource[type] ?? {});
  expect(values).toHaveLength(1);
  return values[0] as Record<string, unknown>;
};

describe('apps/terraform stack "gcp"', () => {
  it('deploys Gemma 3 on one NVIDIA L4 from Model Garden, autoscaling 1-2 replicas on GPU duty cycle', () => {
    const { tf } = synthGcp();
    expect(one(tf, 'google_vertex_ai_endpoint_with_model_garden_deployment')).toMatchObject({
      location: 'us-central1',
      publisher_model_name: 'publishers/google/models/gemma3@gemma-3-4b-it',
      model_config: { accept_eula: true },
      deploy_config: {
        dedicated_resources: {
          machine_spec: {
            machine_type: 'g2-standard-12',
            accelerator_type: 'NVIDIA_L4',
            accelerator_count: 1,
          },
          min_replica_count: 1,
          max_replica_count: 2,
          autoscaling_metric_specs: [
            { metric_name: 'aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle', target: 60 },
          ],
        },
      },
    });
  });

  it('configures the google provider from the project variable and the region context', () => {
    const { tf } = synthGcp({ gcpRegion: 'europe-west4', gcpProject: 'acme-genai' });
    expect(tf.provider.google).toEqual([
      { project: ref('var.project'), region: 'europe-west4', default_labels: { app: 'genai-deploy' } },
    ]);
    expect(tf.variable.project).toMatchObject({ type: 'string', default: 'acme-genai' });
    expect(one(tf, 'google_cloud_run_v2_service').location).toBe('europe-west4');
  });

  it('gives the front a valid configuration routing chat to Gemma with Gemini as fallback', () => {
    const { tf } = synthGcp();
    const run = one(tf, 'google_cloud_run_v2_service') as {
      template: { containers: { env: { name: string; value?: string }[] }[] };
    };
    const config = parseFrontConfig(
      run.template.containers[0]?.env.find((e) => e.name === 'GENAI_CONFIG')?.value,
    );
    expect(config.routes.chat?.targets).toEqual([
      `vertex/endpoints/${ref('google_vertex_ai_endpoint_with_model_garden_deployment.Platform_Gemma_283F0EDA.endpoint')}`,
      'vertex/gemini-2.0-flash',
    ]);
    expect(config.providers.vertex).toEqual({
      project: ref('data.google_client_config.GenAiGoogleClientConfig.project'),
      location: 'us-central1',
    });
    expect(config.cache.redisUrl).toMatch(/^rediss:\/\//);
  });

  it("puts the stream-update Vector Search index in the front's configuration, with chunk text in Redis", () => {
    const { tf } = synthGcp();
    const run = one(tf, 'google_cloud_run_v2_service') as {
      template: { containers: { env: { name: string; value?: string }[] }[] };
    };
    const config = parseFrontConfig(
      run.template.containers[0]?.env.find((e) => e.name === 'GENAI_CONFIG')?.value,
    );
    const index = Object.keys(tf.resource['google_vertex_ai_index'] ?? {})[0];
    const endpoint = Object.keys(tf.resource['google_vertex_ai_index_endpoint'] ?? {})[0];
    expect(config.vectorStore).toEqual({
      engine: 'vertex',
      project: ref('data.google_client_config.GenAiGoogleClientConfig.project'),
      location: 'us-central1',
      indexId: ref(`google_vertex_ai_index.${index}.name`),
      indexEndpointId: ref(`google_vertex_ai_index_endpoint.${endpoint}.name`),
      deployedIndexId: 'genai_docs',
      publicEndpointDomain: ref(`google_vertex_ai_index_endpoint.${endpoint}.public_endpoint_domain_name`),
      embeddingModel: 'embed',
      dimension: 768,
    });
    expect(one(tf, 'google_vertex_ai_index')).toMatchObject({
      index_update_method: 'STREAM_UPDATE',
      metadata: { config: { dimensions: 768, distance_measure_type: 'DOT_PRODUCT_DISTANCE' } },
    });
    expect(one(tf, 'google_redis_instance').redis_configs).toEqual({ 'maxmemory-policy': 'volatile-lru' });
  });

  it('synthesizes the same JSON on every run, with no machine-specific paths (snapshot)', () => {
    const a = synthGcp().text;
    const b = synthGcp().text;
    expect(b).toBe(a);
    expect(a).not.toContain('/work/');
    expect(a).toMatchSnapshot();
  });
});
