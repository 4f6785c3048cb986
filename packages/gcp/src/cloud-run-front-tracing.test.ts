import { FRONT_ENV } from '@genai-deploy/config';
import { describe, expect, it } from 'vitest';
import { CloudRunFront, type CloudRunFrontProps } from './cloud-run-front.js';
import { COLLECTOR_ENDPOINT } from './cloud-run-front-tracing.js';
import { isGcpConstructError } from './errors.js';
import { only, resources, type SynthesizedStack, synth } from './synth.test-utils.js';

const RUN = 'google_cloud_run_v2_service';
const COLLECTOR =
  'us-docker.pkg.dev/cloud-ops-agents-artifacts/google-cloud-opentelemetry-collector/otelcol-google:0.131.0';
const BASE: CloudRunFrontProps = {
  location: 'us-central1',
  project: 'p',
  image: 'us-docker.pkg.dev/p/genai/front:1.0.0',
  serviceName: 'genai-front',
  config: { models: [{ id: 'vertex/gemini-2.0-flash' }] },
};
const build = (props: Partial<CloudRunFrontProps> = {}) =>
  synth((s) => new CloudRunFront(s, 'Front', { ...BASE, ...props })).tf;

type Container = { name: string; image: string; args?: string[]; env?: { name: string; value?: string }[] };
const containers = (tf: SynthesizedStack) =>
  (only(tf, RUN).template as { containers: Container[] }).containers;
const frontEnv = (tf: SynthesizedStack) =>
  Object.fromEntries((containers(tf)[0]?.env ?? []).map((e) => [e.name, e.value]));
const traceAgents = (tf: SynthesizedStack) =>
  resources(tf, 'google_project_iam_member').filter((m) => m.role === 'roles/cloudtrace.agent');

describe('CloudRunFront tracing', () => {
  it('is off by default: one container, no OTEL_* variables, no Cloud Trace role', () => {
    const tf = build();
    expect(containers(tf).map((c) => c.name)).toEqual(['front']);
    expect(Object.keys(frontEnv(tf)).filter((n) => n.startsWith('OTEL_'))).toEqual([]);
    expect(traceAgents(tf)).toEqual([]);
  });

  it('with a collector image: the sidecar, the front pointed at it on localhost, roles/cloudtrace.agent', () => {
    const tf = build({
      tracing: { collectorImage: COLLECTOR, collectorArgs: ['--config=/etc/otelcol-google/config.yaml'] },
    });
    const [front, sidecar] = containers(tf);
    expect(front?.name).toBe('front');
    expect(sidecar).toMatchObject({
      name: 'otel-collector',
      image: COLLECTOR,
      args: ['--config=/etc/otelcol-google/config.yaml'],
    });
    // Only the front takes traffic: the sidecar has no port.
    expect(sidecar).not.toHaveProperty('ports');
    expect(frontEnv(tf)).toMatchObject({
      [FRONT_ENV.otelEndpoint.name]: COLLECTOR_ENDPOINT,
      [FRONT_ENV.otelServiceName.name]: 'genai-front',
    });
    expect(traceAgents(tf)).toEqual([
      expect.objectContaining({ project: 'p', role: 'roles/cloudtrace.agent', member: expect.any(String) }),
    ]);
    expect(String(traceAgents(tf)[0]?.member)).toContain('google_service_account.');
  });

  it('with a collector elsewhere: only the endpoint, and no role for a collector that writes as itself', () => {
    const tf = build({ tracing: { otlpEndpoint: 'http://otel.internal:4318' } });
    expect(containers(tf)).toHaveLength(1);
    expect(frontEnv(tf)[FRONT_ENV.otelEndpoint.name]).toBe('http://otel.internal:4318');
    expect(traceAgents(tf)).toEqual([]);
  });

  it.each([
    ['tracing-collector', { tracing: {} }, /neither collectorImage nor otlpEndpoint/],
    [
      'tracing-collector',
      { tracing: { collectorImage: COLLECTOR, otlpEndpoint: 'http://x:4318' } },
      /both collectorImage and otlpEndpoint/,
    ],
    ['tracing-endpoint', { tracing: { otlpEndpoint: 'otel.internal:4318' } }, /not an http\(s\) URL/],
    [
      'reserved-env',
      { tracing: { collectorImage: COLLECTOR }, environment: { OTEL_SERVICE_NAME: 'mine' } },
      /OTEL_SERVICE_NAME/,
    ],
  ] as const)('refuses %s: %s', (code, props, message) => {
    let caught: unknown;
    try {
      build(props as Partial<CloudRunFrontProps>);
    } catch (e) {
      caught = e;
    }
    expect(isGcpConstructError(caught)).toBe(true);
    expect(caught).toMatchObject({ code, message: expect.stringMatching(message) });
    expect((caught as Error).message).toContain('Fix:');
  });
});
