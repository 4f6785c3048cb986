import { parseFrontConfig } from '@genai-deploy/config';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { CloudRunFront, type CloudRunFrontProps } from './cloud-run-front.js';
import { isGcpConstructError } from './errors.js';
import { MemorystoreCache } from './memorystore-cache.js';
import { only, PROVIDER_PROJECT, resources, type SynthesizedStack, synth } from './synth.test-utils.js';

const RUN = 'google_cloud_run_v2_service';
const BASE: CloudRunFrontProps = {
  location: 'us-central1',
  image: 'us-docker.pkg.dev/p/genai/front:1.0.0',
  config: {
    models: [{ id: 'vertex/gemini-2.0-flash' }],
    routes: { chat: { targets: ['vertex/gemini-2.0-flash'] } },
  },
};
const build = (props: Partial<CloudRunFrontProps> = {}) =>
  synth((s) => new CloudRunFront(s, 'Front', { ...BASE, ...props }));

type Env = {
  name: string;
  value?: string;
  value_source?: { secret_key_ref: { secret: string; version: string } };
};
const container = (tf: SynthesizedStack) =>
  ((only(tf, RUN).template as Record<string, unknown>).containers as Record<string, unknown>[])[0] as Record<
    string,
    unknown
  >;
const env = (tf: SynthesizedStack) => container(tf).env as Env[];
const envVar = (tf: SynthesizedStack, name: string) => env(tf).find((e) => e.name === name);

describe('CloudRunFront defaults', () => {
  it('runs the image privately: internal + load balancer ingress, IAM invoker check on, deletion protection on', () => {
    const { json, tf } = build();
    expect(
      Testing.toHaveResourceWithProperties(json, RUN, {
        location: 'us-central1',
        ingress: 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
        invokerIamDisabled: false,
        deletionProtection: true,
      }),
    ).toBe(true);
    expect(resources(tf, 'google_cloud_run_v2_service_iam_member')).toEqual([]);
    expect(json).not.toContain('allUsers');
  });

  it('sizes the service for streaming: CPU always allocated, 80 concurrent requests, 1 h timeout, 0..10 instances', () => {
    const { tf } = build();
    const template = only(tf, RUN).template as Record<string, unknown>;
    expect(template).toMatchObject({
      max_instance_request_concurrency: 80,
      timeout: '3600s',
      execution_environment: 'EXECUTION_ENVIRONMENT_GEN2',
      scaling: { min_instance_count: 0, max_instance_count: 10 },
    });
    expect(container(tf)).toMatchObject({
      image: 'us-docker.pkg.dev/p/genai/front:1.0.0',
      ports: { container_port: 8080, name: 'http1' },
      resources: { cpu_idle: false, startup_cpu_boost: true, limits: { cpu: '1', memory: '512Mi' } },
      startup_probe: { http_get: { path: '/health', port: 8080 } },
      liveness_probe: { http_get: { path: '/health', port: 8080 } },
    });
  });

  it('passes the validated configuration as GENAI_CONFIG, with defaults applied and Vertex pointed at its own project', () => {
    const { tf } = build();
    const value = envVar(tf, 'GENAI_CONFIG')?.value as string;
    const parsed = JSON.parse(value);
    expect(parsed.providers.vertex).toEqual({
      project: PROVIDER_PROJECT,
      location: 'us-central1',
    });
    // What the front will parse is exactly what the schema produces: defaults included, nothing else.
    expect(parseFrontConfig(value)).toEqual(parsed);
    expect(parsed.limits.requestsPerMinute).toBe(600);
    expect(parsed.logPrompts).toBe(false);
  });

  it('creates a dedicated service account with roles/aiplatform.user and secret access on its own secret only', () => {
    const { tf } = build();
    const sa = only(tf, 'google_service_account');
    expect(sa.account_id).toMatch(/^front-[0-9a-f]{6}$/);
    const saKey = Object.keys(tf.resource?.google_service_account ?? {})[0];
    const member = `\${google_service_account.${saKey}.member}`;
    expect(resources(tf, 'google_project_iam_member')).toEqual([
      {
        project: PROVIDER_PROJECT,
        role: 'roles/aiplatform.user',
        member,
      },
    ]);
    const secretKey = Object.keys(tf.resource?.google_secret_manager_secret ?? {})[0];
    expect(resources(tf, 'google_secret_manager_secret_iam_member')).toEqual([
      {
        secret_id: `\${google_secret_manager_secret.${secretKey}.secret_id}`,
        role: 'roles/secretmanager.secretAccessor',
        member,
      },
    ]);
    expect((only(tf, RUN).template as Record<string, unknown>).service_account).toBe(
      `\${google_service_account.${saKey}.email}`,
    );
    // No version is created: key values never pass through Terraform.
    expect(resources(tf, 'google_secret_manager_secret_version')).toEqual([]);
  });

  it('reads GENAI_API_KEYS from Secret Manager and waits for the grants before creating a revision', () => {
    const { tf } = build();
    const secretKey = Object.keys(tf.resource?.google_secret_manager_secret ?? {})[0];
    expect(only(tf, 'google_secret_manager_secret').secret_id).toMatch(/^front-[0-9a-f]{6}-api-keys$/);
    expect(envVar(tf, 'GENAI_API_KEYS')).toEqual({
      name: 'GENAI_API_KEYS',
      value_source: {
        secret_key_ref: {
          secret: `\${google_secret_manager_secret.${secretKey}.secret_id}`,
          version: 'latest',
        },
      },
    });
    const dependsOn = only(tf, RUN).depends_on as string[];
    expect(dependsOn).toHaveLength(2);
    expect(dependsOn.some((d) => d.startsWith('google_secret_manager_secret_iam_member.'))).toBe(true);
    expect(dependsOn.some((d) => d.startsWith('google_project_iam_member.'))).toBe(true);
  });
});

describe('CloudRunFront options', () => {
  it('uses an existing API keys secret and extra secret env vars, granting access to each once', () => {
    const { tf } = build({
      apiKeysSecret: { secret: 'projects/security/secrets/genai-keys', version: '7' },
      secretEnvironment: { OTEL_EXPORTER_OTLP_HEADERS: { secret: 'otel-headers' } },
      environment: { LOG_LEVEL: 'info' },
    });
    expect(resources(tf, 'google_secret_manager_secret')).toEqual([]);
    expect(
      resources(tf, 'google_secret_manager_secret_iam_member').map((g) => [g.project, g.secret_id]),
    ).toEqual([
      ['security', 'genai-keys'],
      [undefined, 'otel-headers'],
    ]);
    expect(envVar(tf, 'GENAI_API_KEYS')?.value_source?.secret_key_ref).toEqual({
      secret: 'projects/security/secrets/genai-keys',
      version: '7',
    });
    expect(envVar(tf, 'OTEL_EXPORTER_OTLP_HEADERS')?.value_source?.secret_key_ref.secret).toBe(
      'otel-headers',
    );
    expect(envVar(tf, 'LOG_LEVEL')).toEqual({ name: 'LOG_LEVEL', value: 'info' });
  });

  it('can be public, with named invokers, request-based billing, Direct VPC egress and no deletion protection', () => {
    const { tf } = build({
      allowUnauthenticated: true,
      ingress: 'all',
      invokers: ['serviceAccount:app@p.iam.gserviceaccount.com'],
      cpuAlwaysAllocated: false,
      minInstances: 1,
      maxInstances: 50,
      concurrency: 200,
      cpu: '2',
      memory: '1Gi',
      timeoutSeconds: 900,
      deletionProtection: false,
      serviceName: 'genai-front',
      labels: { env: 'prod' },
      vpc: {
        network: 'projects/p/global/networks/vpc',
        subnetwork: 'projects/p/regions/us-central1/subnetworks/run',
        tags: ['genai-front'],
        egress: 'all-traffic',
      },
    });
    const run = only(tf, RUN);
    expect(run).toMatchObject({
      name: 'genai-front',
      ingress: 'INGRESS_TRAFFIC_ALL',
      invoker_iam_disabled: true,
      deletion_protection: false,
      labels: { 'managed-by': 'genai-deploy', env: 'prod' },
      template: {
        max_instance_request_concurrency: 200,
        timeout: '900s',
        scaling: { min_instance_count: 1, max_instance_count: 50 },
        vpc_access: {
          egress: 'ALL_TRAFFIC',
          network_interfaces: [
            {
              network: 'projects/p/global/networks/vpc',
              subnetwork: 'projects/p/regions/us-central1/subnetworks/run',
              tags: ['genai-front'],
            },
          ],
        },
      },
    });
    expect(container(tf).resources).toEqual({
      cpu_idle: true,
      startup_cpu_boost: true,
      limits: { cpu: '2', memory: '1Gi' },
    });
    expect(only(tf, 'google_cloud_run_v2_service_iam_member')).toMatchObject({
      role: 'roles/run.invoker',
      member: 'serviceAccount:app@p.iam.gserviceaccount.com',
      location: 'us-central1',
    });
  });

  it('grants roles/run.invoker to more members after construction', () => {
    const { tf } = synth((s) => {
      const front = new CloudRunFront(s, 'Front', BASE);
      front.grantInvoke('group:ml-apps@acme.com');
      front.grantInvoke('serviceAccount:batch@acme.iam.gserviceaccount.com');
    });
    const runKey = Object.keys(tf.resource?.google_cloud_run_v2_service ?? {})[0];
    expect(resources(tf, 'google_cloud_run_v2_service_iam_member')).toEqual([
      expect.objectContaining({
        name: `\${google_cloud_run_v2_service.${runKey}.name}`,
        role: 'roles/run.invoker',
        member: 'group:ml-apps@acme.com',
      }),
      expect.objectContaining({ member: 'serviceAccount:batch@acme.iam.gserviceaccount.com' }),
    ]);
  });

  it('can narrow Vertex access to a predict-only custom role, or drop it', () => {
    const narrow = build({ vertexAccess: 'predict-only' }).tf;
    const role = only(narrow, 'google_project_iam_custom_role');
    expect(role.permissions).toEqual(['aiplatform.endpoints.predict']);
    expect(role.role_id).toMatch(/^genai_front_[0-9a-f]{6}$/);
    const roleKey = Object.keys(narrow.resource?.google_project_iam_custom_role ?? {})[0];
    expect(only(narrow, 'google_project_iam_member').role).toBe(
      `\${google_project_iam_custom_role.${roleKey}.name}`,
    );

    const none = build({
      vertexAccess: 'none',
      config: { models: [{ id: 'bedrock/amazon.titan-embed-text-v2:0', kind: 'embedding' }] },
    }).tf;
    expect(resources(none, 'google_project_iam_member')).toEqual([]);
    expect(JSON.parse(envVar(none, 'GENAI_CONFIG')?.value as string).providers).toEqual({});
  });

  it('gives a front without Vertex access a custom role for its Vector Search store only', () => {
    // GIVEN a front that calls Bedrock only, with a Vertex AI Vector Search store and a cache for its chunk text
    const vectorStore = {
      engine: 'vertex' as const,
      project: 'p',
      location: 'us-central1',
      indexId: '123',
      indexEndpointId: '456',
      deployedIndexId: 'docs',
      embeddingModel: 'bedrock/amazon.titan-embed-text-v2:0',
      dimension: 512,
    };
    const { tf } = build({
      vertexAccess: 'none',
      config: {
        models: [{ id: 'bedrock/amazon.titan-embed-text-v2:0', kind: 'embedding' }],
        cache: { redisUrl: 'rediss://10.0.0.3:6378' },
        vectorStore,
      },
    });
    // THEN its role holds the two permissions the store's calls need, nothing else
    const role = only(tf, 'google_project_iam_custom_role');
    expect(role.permissions).toEqual(['aiplatform.indexes.update', 'aiplatform.indexEndpoints.queryVectors']);
    expect(role.role_id).toMatch(/^genai_vs_front_[0-9a-f]{6}$/);
    expect(JSON.parse(envVar(tf, 'GENAI_CONFIG')?.value as string).vectorStore).toEqual(vectorStore);
    // AND the store's embedding model and dimension are checked as on every cloud
    expect(() =>
      build({
        config: {
          models: [{ id: 'bedrock/amazon.titan-embed-text-v2:0', kind: 'embedding' }],
          cache: { redisUrl: 'rediss://10.0.0.3:6378' },
          vectorStore: { ...vectorStore, dimension: 768 },
        },
      }),
    ).toThrow(
      /stack\/Front: dimension 768 does not match the embedding model "bedrock\/amazon\.titan-embed-text-v2:0"/,
    );
  });

  it('wires a cache: URL into GENAI_CONFIG, credentials only through Secret Manager', () => {
    const { tf } = synth((s) => {
      const cache = new MemorystoreCache(s, 'Cache', {
        location: 'us-central1',
        engine: 'redis',
        network: 'projects/p/global/networks/vpc',
      });
      new CloudRunFront(s, 'Front', { ...BASE, cache, vpc: { network: 'vpc', subnetwork: 'run' } });
    });
    const config = JSON.parse(envVar(tf, 'GENAI_CONFIG')?.value as string);
    const redisKey = Object.keys(tf.resource?.google_redis_instance ?? {})[0];
    expect(config.cache.redisUrl).toBe(
      `rediss://\${google_redis_instance.${redisKey}.host}:\${google_redis_instance.${redisKey}.port}`,
    );
    const authKey = Object.keys(tf.resource?.google_secret_manager_secret ?? {}).find((k) =>
      k.startsWith('Cache_'),
    );
    expect(envVar(tf, 'GENAI_REDIS_PASSWORD')?.value_source?.secret_key_ref).toEqual({
      secret: `\${google_secret_manager_secret.${authKey}.secret_id}`,
      version: 'latest',
    });
    expect(envVar(tf, 'GENAI_REDIS_CA_PEM')?.value).toBe(
      `\${google_redis_instance.${redisKey}.server_ca_certs[0].cert}`,
    );
    expect(envVar(tf, 'GENAI_REDIS_IAM_AUTH')).toBeUndefined();
    expect(JSON.stringify(env(tf))).not.toContain('auth_string');
    expect(resources(tf, 'google_secret_manager_secret_iam_member').map((g) => g.secret_id)).toContain(
      `\${google_secret_manager_secret.${authKey}.secret_id}`,
    );
  });
});

describe('CloudRunFront validation', () => {
  const fails = (props: Partial<CloudRunFrontProps>) => () => build(props);

  it('validates the front configuration with @genai-deploy/config and lists every problem', () => {
    expect(fails({ config: { routes: { chat: { targets: ['vertex/missing'] } } } })).toThrow(
      /stack\/Front: the front's configuration does not match @genai-deploy\/config's schema\.\n.*routes\.chat\.targets\.0: route "chat" targets "vertex\/missing", which is not in models/s,
    );
    expect(fails({ config: { models: [{ id: 'openai/gpt-4o' }] } as never })).toThrow(
      /models\.0\.id: expected "<provider>\/<model-or-endpoint>"/,
    );
  });

  it('refuses credentials in the configuration and reserved environment names', () => {
    expect(fails({ config: { cache: { redisUrl: 'rediss://:hunter2@10.0.0.3:6379' } } })).toThrow(
      /config\.cache\.redisUrl holds a credential in plain text/,
    );
    expect(fails({ environment: { GENAI_CONFIG: '{}' } })).toThrow(
      /environment variable "GENAI_CONFIG" is set by this construct/,
    );
    expect(fails({ secretEnvironment: { GENAI_API_KEYS: { secret: 'x' } } })).toThrow(
      /"GENAI_API_KEYS" is set by this construct/,
    );
  });

  it('checks instances, concurrency, timeout, ingress and names', () => {
    expect(fails({ minInstances: 5, maxInstances: 2 })).toThrow(
      'stack/Front: minInstances (5) is greater than maxInstances (2). Expected minInstances <= maxInstances. Fix: raise maxInstances or lower minInstances.',
    );
    expect(fails({ concurrency: 0 })).toThrow(/concurrency is 0\. Expected a whole number from 1 to 1000/);
    expect(fails({ timeoutSeconds: 7200 })).toThrow(
      /timeoutSeconds is 7200\. Expected a whole number from 1 to 3600/,
    );
    expect(fails({ ingress: 'public' as never })).toThrow(
      /ingress "public" is not allowed\. Expected one of "all", "internal", "internal-and-load-balancer"/,
    );
    expect(fails({ serviceName: 'Front_Service' })).toThrow(/serviceName "Front_Service" is not valid/);
    expect(fails({ location: '' })).toThrow(/no location given/);
  });

  it('needs VPC access when a cache is attached', () => {
    try {
      synth((s) => {
        const cache = new MemorystoreCache(s, 'Cache', {
          location: 'us-central1',
          engine: 'redis',
          network: 'projects/p/global/networks/vpc',
        });
        new CloudRunFront(s, 'Front', { ...BASE, cache });
      });
      expect.unreachable();
    } catch (e) {
      expect(isGcpConstructError(e) && e.code).toBe('cache-without-vpc');
    }
  });
});
