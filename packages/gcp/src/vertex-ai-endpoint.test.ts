import { TerraformOutput, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { only, resources, synth } from './synth.test-utils.js';
import { VertexAiEndpoint, type VertexAiEndpointProps } from './vertex-ai-endpoint.js';

const MG = 'google_vertex_ai_endpoint_with_model_garden_deployment';
const GEMMA = 'publishers/google/models/gemma3@gemma-3-12b-it';

const build = (props: VertexAiEndpointProps) => synth((s) => new VertexAiEndpoint(s, 'Model', props));

describe('VertexAiEndpoint (Model Garden)', () => {
  it('deploys a Model Garden model with defaults: no hardware block, shared endpoint, EULA not accepted', () => {
    const { tf } = build({ location: 'us-central1', publisherModelName: GEMMA });
    expect(only(tf, MG)).toEqual({
      location: 'us-central1',
      publisher_model_name: GEMMA,
      model_config: { accept_eula: false },
      endpoint_config: { endpoint_display_name: 'Model', dedicated_endpoint_enabled: false },
      timeouts: { create: '2h', delete: '30m' },
    });
  });

  it('fills the GPU from the machine type and autoscales on GPU duty cycle when max > min', () => {
    // GIVEN an L4 machine with room to scale
    const { json } = build({
      location: 'us-central1',
      publisherModelName: GEMMA,
      acceptEula: true,
      machineType: 'g2-standard-12',
      minReplicas: 1,
      maxReplicas: 4,
    });
    // THEN the accelerator is implied and the scaling metric is the GPU duty cycle at 60%
    expect(
      Testing.toHaveResourceWithProperties(json, MG, {
        deployConfig: {
          dedicatedResources: {
            machineSpec: { machineType: 'g2-standard-12', acceleratorType: 'NVIDIA_L4', acceleratorCount: 1 },
            minReplicaCount: 1,
            maxReplicaCount: 4,
            autoscalingMetricSpecs: [
              {
                metricName: 'aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle',
                target: 60,
              },
            ],
          },
        },
        modelConfig: { acceptEula: true },
      }),
    ).toBe(true);
  });

  it('does not autoscale a fixed-size deployment, and maxReplicas defaults to minReplicas', () => {
    const { tf } = build({
      location: 'us-central1',
      publisherModelName: GEMMA,
      machineType: 'a3-highgpu-1g',
      minReplicas: 2,
    });
    const dr = (only(tf, MG).deploy_config as Record<string, Record<string, unknown>>).dedicated_resources;
    expect(dr).toEqual({
      machine_spec: {
        machine_type: 'a3-highgpu-1g',
        accelerator_type: 'NVIDIA_H100_80GB',
        accelerator_count: 1,
      },
      min_replica_count: 2,
      max_replica_count: 2,
    });
  });

  it('takes explicit autoscaling targets, spot VMs, a custom container and a dedicated endpoint', () => {
    const { tf } = build({
      location: 'europe-west4',
      huggingFaceModelId: 'meta-llama/Llama-3.1-8B-Instruct',
      machineType: 'g2-standard-24',
      maxReplicas: 3,
      autoscaling: { acceleratorDutyCycle: 70, cpuUtilization: 80 },
      spot: true,
      dedicatedEndpoint: true,
      fastTryout: false,
      deployTimeout: '3h',
      container: {
        imageUri: 'us-docker.pkg.dev/vertex-ai/vertex-vision-model-garden-dockers/pytorch-vllm-serve:latest',
        args: ['--tensor-parallel-size=2'],
        env: { MODEL_ID: 'meta-llama/Llama-3.1-8B-Instruct' },
        predictRoute: '/generate',
        healthRoute: '/ping',
        sharedMemorySizeMb: 16384,
        deploymentTimeout: '7200s',
      },
    });
    const r = only(tf, MG);
    expect(r.hugging_face_model_id).toBe('meta-llama/Llama-3.1-8B-Instruct');
    expect(r.endpoint_config).toEqual({ endpoint_display_name: 'Model', dedicated_endpoint_enabled: true });
    expect(r.timeouts).toEqual({ create: '3h', delete: '30m' });
    expect(r.deploy_config).toMatchObject({
      fast_tryout_enabled: false,
      dedicated_resources: {
        spot: true,
        machine_spec: { accelerator_type: 'NVIDIA_L4', accelerator_count: 2 },
        autoscaling_metric_specs: [
          { metric_name: 'aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle', target: 70 },
          { metric_name: 'aiplatform.googleapis.com/prediction/online/cpu/utilization', target: 80 },
        ],
      },
    });
    expect((r.model_config as Record<string, unknown>).container_spec).toEqual({
      image_uri: 'us-docker.pkg.dev/vertex-ai/vertex-vision-model-garden-dockers/pytorch-vllm-serve:latest',
      args: ['--tensor-parallel-size=2'],
      env: [{ name: 'MODEL_ID', value: 'meta-llama/Llama-3.1-8B-Instruct' }],
      ports: [{ container_port: 8080 }],
      predict_route: '/generate',
      health_route: '/ping',
      shared_memory_size_mb: '16384',
      deployment_timeout: '7200s',
    });
  });

  it('reads the Hugging Face token from Secret Manager at plan time, never as plain text', () => {
    const { tf, json } = build({
      location: 'us-central1',
      huggingFaceModelId: 'google/gemma-2-9b-it',
      huggingFaceTokenSecret: { secret: 'projects/shared-secrets/secrets/hf-token', version: '3' },
    });
    const data = Object.entries(tf.data?.google_secret_manager_secret_version_access ?? {});
    expect(data).toHaveLength(1);
    const [dataId, config] = data[0] as [string, Record<string, unknown>];
    expect(config).toEqual({ project: 'shared-secrets', secret: 'hf-token', version: '3' });
    expect((only(tf, MG).model_config as Record<string, unknown>).hugging_face_access_token).toBe(
      `\${data.google_secret_manager_secret_version_access.${dataId}.secret_data}`,
    );
    expect(json).not.toMatch(/hf_[A-Za-z0-9]{10,}/);
  });

  it('exposes the endpoint id, resource name and front address as references', () => {
    const { tf } = synth((s) => {
      const ep = new VertexAiEndpoint(s, 'Model', { location: 'us-central1', publisherModelName: GEMMA });
      expect(ep.mode).toBe('model-garden');
      new TerraformOutput(s, 'name', { value: ep.endpointName });
      new TerraformOutput(s, 'address', { value: ep.modelAddress });
      new TerraformOutput(s, 'filter', { value: ep.metricFilter('prediction/online/error_count') });
    });
    const key = Object.keys(tf.resource?.[MG] ?? {})[0];
    const ref = `${MG}.${key}`;
    expect(tf.output?.name?.value).toBe(
      `projects/\${${ref}.project}/locations/us-central1/endpoints/\${${ref}.endpoint}`,
    );
    expect(tf.output?.address?.value).toBe(`vertex/endpoints/\${${ref}.endpoint}`);
    expect(tf.output?.filter?.value).toBe(
      `resource.type = "aiplatform.googleapis.com/Endpoint" AND resource.labels.endpoint_id = "\${${ref}.endpoint}" AND metric.type = "aiplatform.googleapis.com/prediction/online/error_count"`,
    );
  });
});

describe('VertexAiEndpoint (endpoint-only)', () => {
  it('creates an empty endpoint with a stable numeric id for a pipeline to deploy to', () => {
    const a = build({ location: 'us-central1' });
    const b = build({ location: 'us-central1' });
    const r = only(a.tf, 'google_vertex_ai_endpoint');
    expect(r.name).toMatch(/^[1-9]\d{9}$/);
    expect(only(b.tf, 'google_vertex_ai_endpoint').name).toBe(r.name);
    expect(r).toEqual({ name: r.name, display_name: 'Model', location: 'us-central1' });
    expect(resources(a.tf, MG)).toHaveLength(0);
  });

  it('supports Private Service Connect, CMEK, labels and request logging', () => {
    const { tf } = build({
      location: 'us-central1',
      endpointId: '1234567890',
      privateServiceConnect: { projectAllowlist: ['consumer-project'] },
      encryptionKey: 'projects/p/locations/us-central1/keyRings/r/cryptoKeys/k',
      labels: { team: 'ml' },
      requestResponseLogging: { bigqueryTable: 'bq://p.logs.predictions', samplingRate: 0.1 },
    });
    expect(only(tf, 'google_vertex_ai_endpoint')).toEqual({
      name: '1234567890',
      display_name: 'Model',
      location: 'us-central1',
      labels: { team: 'ml' },
      private_service_connect_config: {
        enable_private_service_connect: true,
        project_allowlist: ['consumer-project'],
      },
      encryption_spec: { kms_key_name: 'projects/p/locations/us-central1/keyRings/r/cryptoKeys/k' },
      predict_request_response_logging_config: {
        enabled: true,
        sampling_rate: 0.1,
        bigquery_destination: { output_uri: 'bq://p.logs.predictions' },
      },
    });
  });
});

describe('VertexAiEndpoint validation', () => {
  const err = (props: Partial<VertexAiEndpointProps>) => () =>
    build({ location: 'us-central1', publisherModelName: GEMMA, ...props } as VertexAiEndpointProps);

  it('requires a location', () => {
    expect(err({ location: '' })).toThrow(
      'stack/Model: no location given. Received an empty location; expected a Google Cloud region such as "us-central1". Fix: pass `location`',
    );
    expect(err({ location: '  ' })).toThrow(/no location given/);
  });

  it('checks the accelerator against the machine family and its count', () => {
    expect(err({ machineType: 'g2-standard-12', acceleratorType: 'NVIDIA_TESLA_A100' })).toThrow(
      /stack\/Model: accelerator "NVIDIA_TESLA_A100" does not fit machine type "g2-standard-12"\. Expected "NVIDIA_L4"/,
    );
    expect(err({ machineType: 'a2-highgpu-2g', acceleratorCount: 1 })).toThrow(
      /1 x NVIDIA_TESLA_A100 is not allowed on "a2-highgpu-2g"\. Expected acceleratorCount 2/,
    );
  });

  it('lets new hardware through with skipCatalogValidation', () => {
    const { tf } = build({
      location: 'us-central1',
      publisherModelName: GEMMA,
      machineType: 'g2-standard-10',
      acceleratorType: 'NVIDIA_L4',
      acceleratorCount: 1,
      skipCatalogValidation: true,
    });
    expect(only(tf, MG).deploy_config).toMatchObject({
      dedicated_resources: {
        machine_spec: { machine_type: 'g2-standard-10', accelerator_type: 'NVIDIA_L4' },
      },
    });
  });

  it('checks replicas and autoscaling targets', () => {
    expect(err({ machineType: 'g2-standard-8', minReplicas: 3, maxReplicas: 2 })).toThrow(
      'stack/Model: minReplicas (3) is greater than maxReplicas (2). Expected 1 <= minReplicas <= maxReplicas. Fix: raise maxReplicas or lower minReplicas.',
    );
    expect(err({ machineType: 'g2-standard-8', minReplicas: 0 })).toThrow(
      /minReplicas is 0\. Vertex AI dedicated resources need at least 1 replica/,
    );
    expect(
      err({ machineType: 'g2-standard-8', maxReplicas: 2, autoscaling: { acceleratorDutyCycle: 150 } }),
    ).toThrow(/autoscaling\.acceleratorDutyCycle is 150\. Expected a whole percentage from 1 to 100/);
    expect(err({ maxReplicas: 2 })).toThrow(/needs a machineType/);
  });

  it('checks model sources', () => {
    expect(err({ huggingFaceModelId: 'google/gemma-2-9b-it' })).toThrow(
      /both publisherModelName \("publishers\/google\/models\/gemma3@gemma-3-12b-it"\) and huggingFaceModelId \("google\/gemma-2-9b-it"\) are set/,
    );
    expect(err({ publisherModelName: 'gemma3' })).toThrow(
      /publisherModelName "gemma3" is not a Model Garden model name/,
    );
    expect(err({ publisherModelName: undefined, huggingFaceModelId: 'https://huggingface.co/x/y' })).toThrow(
      /huggingFaceModelId "https:\/\/huggingface.co\/x\/y" is not a Hugging Face model id/,
    );
    expect(err({ huggingFaceTokenSecret: { secret: 'hf' } })).toThrow(
      /huggingFaceTokenSecret was given, but the model is not a Hugging Face model/,
    );
  });

  it('refuses options the chosen mode cannot take', () => {
    expect(err({ privateServiceConnect: {} })).toThrow(
      /privateServiceConnect was requested for a Model Garden deployment/,
    );
    expect(err({ network: 'projects/1/global/networks/n' })).toThrow(
      /"network" applies to an endpoint-only deployment/,
    );
    expect(err({ publisherModelName: undefined, machineType: 'g2-standard-8' })).toThrow(
      /"machineType" applies to a Model Garden deployment, but no publisherModelName or huggingFaceModelId was given/,
    );
    expect(
      err({
        publisherModelName: undefined,
        privateServiceConnect: {},
        network: 'projects/1/global/networks/n',
      }),
    ).toThrow(/both privateServiceConnect and network were given/);
    expect(
      err({ publisherModelName: undefined, dedicatedEndpoint: true, privateServiceConnect: {} }),
    ).toThrow(/dedicatedEndpoint cannot be combined with privateServiceConnect or network/);
  });
});

describe('VertexAiEndpoint extras', () => {
  it('imports an endpoint deployed elsewhere, for routes and alerts', () => {
    const { tf } = synth((s) => {
      const ep = VertexAiEndpoint.fromEndpointAttributes(s, 'Pipeline', {
        endpointId: '1234567890',
        location: 'europe-west4',
        project: 'ml',
      });
      new TerraformOutput(s, 'name', { value: ep.endpointName });
      new TerraformOutput(s, 'address', { value: ep.modelAddress });
      new TerraformOutput(s, 'filter', { value: ep.metricFilter('prediction/online/error_count') });
    });
    expect(tf.resource ?? {}).toEqual({});
    expect(tf.output?.name?.value).toBe('projects/ml/locations/europe-west4/endpoints/1234567890');
    expect(tf.output?.address?.value).toBe('vertex/endpoints/1234567890');
    expect(tf.output?.filter?.value).toContain('resource.labels.endpoint_id = "1234567890"');
    expect(() =>
      synth((s) => VertexAiEndpoint.fromEndpointAttributes(s, 'X', { endpointId: '1', location: '' })),
    ).toThrow(/stack\/X: no location given/);
  });

  it('warns at synth when a gated model is deployed without accepting its EULA', () => {
    const warnings = (props: VertexAiEndpointProps) => {
      let ep!: VertexAiEndpoint;
      synth((s) => {
        ep = new VertexAiEndpoint(s, 'Model', props);
      });
      return ep.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data));
    };
    expect(warnings({ location: 'us-central1', publisherModelName: GEMMA })).toEqual([
      `${GEMMA} is a gated model: Model Garden refuses to deploy it unless acceptEula is true. Read the model card, then set acceptEula: true.`,
    ]);
    expect(warnings({ location: 'us-central1', publisherModelName: GEMMA, acceptEula: true })).toEqual([]);
    expect(
      warnings({ location: 'us-central1', huggingFaceModelId: 'meta-llama/Llama-3.1-8B-Instruct' }),
    ).toHaveLength(1);
    expect(
      warnings({ location: 'us-central1', huggingFaceModelId: 'intfloat/multilingual-e5-small' }),
    ).toEqual([]);
  });
});
