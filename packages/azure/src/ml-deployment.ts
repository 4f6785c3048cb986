import { Annotations, Token } from 'cdktf';
import type { Construct } from 'constructs';
import { checkDuration, durationSeconds } from './duration.js';
import { errors } from './errors.js';
import { GPU_INSTANCE_TYPES, gpuInstanceSpec } from './gpu-catalog.js';

/** Liveness/readiness probe of a deployment. Durations are ISO-8601 ("PT10S"). */
export interface ProbeSettings {
  /** Delay before the first probe. Large models need minutes to download and load. */
  readonly initialDelay?: string;
  /** Time between probes. */
  readonly period?: string;
  /** Probe timeout. */
  readonly timeout?: string;
  /** Consecutive failures before the container is restarted (liveness) or taken out of rotation (readiness). */
  readonly failureThreshold?: number;
  /** Consecutive successes to count as healthy. Must be 1 for liveness. */
  readonly successThreshold?: number;
}

/**
 * Probe defaults for large models: the container may spend ten minutes downloading weights and loading them onto
 * the GPU before /health answers, and Azure ML's own defaults (10 s delay, 30 failures 10 s apart) would restart it
 * in a loop.
 */
export const LARGE_MODEL_PROBE: Required<ProbeSettings> = {
  initialDelay: 'PT10M',
  period: 'PT10S',
  timeout: 'PT10S',
  failureThreshold: 30,
  successThreshold: 1,
};

export interface OnlineRequestSettings {
  /**
   * Requests one instance works on at once; Azure ML queues at most 2 × this × instances and answers 429 beyond.
   * LLM servers batch continuously, so this is far above Azure ML's default of 1.
   * @default 32
   */
  readonly maxConcurrentRequestsPerInstance?: number;
  /** Scoring timeout, ISO-8601. Generation is slow: Azure ML's default of 5 s cuts answers off. @default 'PT90S' */
  readonly requestTimeout?: string;
  /** Deprecated by Azure ML for managed endpoints (raise requestTimeout instead). @default - not sent */
  readonly maxQueueWait?: string;
}

/** Inference server routes of a custom container. */
export interface InferenceRoutes {
  /** Port the server listens on. */
  readonly port: number;
  /** @default '/score' */
  readonly scoringPath?: string;
  /** @default '/health' */
  readonly livenessPath?: string;
  /** @default - the liveness path */
  readonly readinessPath?: string;
}

/** A model from an Azure ML registry (e.g. the `azureml` model catalog); its curated environment comes with it. */
export interface RegistryModel {
  /** `azureml://registries/<registry>/models/<name>/versions/<version>`. */
  readonly registryModelId: string;
}

/** Any model asset id (a workspace model's ARM id or `azureml:` reference), for custom containers. */
export interface ModelAsset {
  readonly assetId: string;
}

export interface CustomContainer {
  /** Image reference, e.g. `<registry>.azurecr.io/vllm:0.6`. */
  readonly image: string;
  readonly inferenceRoutes: InferenceRoutes;
}

export type AutoscaleMetric =
  /** Average CPU utilization of the deployment's instances (deployment metric CpuUtilizationPercentage). */
  | { readonly metric: 'cpu'; readonly scaleOutAbove?: number; readonly scaleInBelow?: number }
  /** Average GPU utilization (deployment metric GpuUtilizationPercentage): the signal that tracks LLM load. */
  | { readonly metric: 'gpu'; readonly scaleOutAbove?: number; readonly scaleInBelow?: number }
  /** Requests per minute per instance (endpoint metric RequestsPerMinute, dimension deployment). */
  | { readonly metric: 'requests'; readonly scaleOutAbove: number; readonly scaleInBelow: number };

export interface DeploymentAutoscale {
  /** Fewest instances. Managed online deployments cannot scale to zero. @default 1 */
  readonly minInstances?: number;
  readonly maxInstances: number;
  /** Instances when metrics are missing. @default minInstances */
  readonly defaultInstances?: number;
  /** @default { metric: 'gpu', scaleOutAbove: 70, scaleInBelow: 30 } */
  readonly rule?: AutoscaleMetric;
  /** Window the metric is averaged over, ISO-8601 (5 min to 12 h). @default 'PT5M' */
  readonly timeWindow?: string;
  /** Wait after a scale out before the next action. New GPU instances take minutes to load. @default 'PT15M' */
  readonly scaleOutCooldown?: string;
  /** Wait after a scale in. @default 'PT30M' */
  readonly scaleInCooldown?: string;
}

export interface OnlineDeploymentProps {
  /** Deployment name, 3-32 characters (letters, digits, "-"), e.g. "blue". */
  readonly name: string;
  /** GPU VM size, from GPU_INSTANCE_TYPES unless allowUncatalogedInstanceType is set. */
  readonly instanceType: string;
  /** Accept an instance type missing from the catalog (check quota and support yourself). @default false */
  readonly allowUncatalogedInstanceType?: boolean;
  /** Instances, written as `sku.capacity`. With autoscale, the starting count. @default 1 */
  readonly instanceCount?: number;
  /** The model: from a registry, or an asset for a custom container. @default - none (container only) */
  readonly model?: RegistryModel | ModelAsset;
  /** A custom inference container; creates an environment version with its routes. @default - the model's curated environment */
  readonly container?: CustomContainer;
  /** Where a custom container finds the model files. @default - Azure ML's default */
  readonly modelMountPath?: string;
  readonly requestSettings?: OnlineRequestSettings;
  /** @default LARGE_MODEL_PROBE */
  readonly livenessProbe?: ProbeSettings;
  /** @default LARGE_MODEL_PROBE */
  readonly readinessProbe?: ProbeSettings;
  /**
   * Startup probe: liveness and readiness checks wait until it succeeds, so they can stay tight once the model is
   * loaded. Unset fields take LARGE_MODEL_PROBE values. @default - none
   */
  readonly startupProbe?: ProbeSettings;
  /** Plain environment variables. Secrets do not belong here: they show in the portal and the template. @default {} */
  readonly environmentVariables?: Record<string, string>;
  /** Let names that look like secrets through environmentVariables (e.g. a non-secret *_TOKEN_LIMIT). @default false */
  readonly allowSecretLikeEnvironmentVariables?: boolean;
  /** Send request logs and metrics to Application Insights. @default true */
  readonly appInsightsEnabled?: boolean;
  /** Allow the deployment to reach the internet (off needs registry and storage over private links). @default true */
  readonly egressPublicNetworkAccess?: boolean;
  readonly autoscale?: DeploymentAutoscale;
  readonly description?: string;
  readonly tags?: Record<string, string>;
}

const DEPLOYMENT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;
const REGISTRY_MODEL_ID = /^azureml:\/\/registries\/[^/\s]+\/models\/[^/\s]+\/(versions|labels)\/[^/\s]+$/;
const SECRET_LIKE = /(^|_)(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CONNECTION_STRING)(_|$)/i;

/** Documented Azure ML limit on the request timeout of managed online endpoints. */
export const MAX_REQUEST_TIMEOUT_SECONDS = 180;

const intIn = (path: string, what: string, value: number, min: number, max: number, fix: string) => {
  if (Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max)
    throw errors.outOfRange(path, what, value, min, max, fix);
};

function validateProbe(
  path: string,
  kind: 'livenessProbe' | 'readinessProbe' | 'startupProbe',
  probe: Required<ProbeSettings>,
) {
  checkDuration(path, `${kind}.initialDelay`, probe.initialDelay, 0, 3600);
  checkDuration(path, `${kind}.period`, probe.period, 1, 600);
  checkDuration(path, `${kind}.timeout`, probe.timeout, 1, 600);
  intIn(
    path,
    `${kind}.failureThreshold`,
    probe.failureThreshold,
    1,
    1000,
    'Raise it to tolerate slow starts.',
  );
  if (kind !== 'readinessProbe') {
    intIn(
      path,
      `${kind}.successThreshold`,
      probe.successThreshold,
      1,
      1,
      'Liveness and startup probes count one success.',
    );
  } else {
    intIn(
      path,
      'readinessProbe.successThreshold',
      probe.successThreshold,
      1,
      1000,
      'Use 1 unless the server flaps.',
    );
  }
}

/** Validates one deployment's props; throws the first problem as an AzureConstructError. */
export function validateDeployment(scope: Construct, d: OnlineDeploymentProps): void {
  const path = `${scope.node.path}/deployments/${d.name}`;
  if (!Token.isUnresolved(d.name) && !DEPLOYMENT_NAME.test(d.name)) {
    throw errors.invalidName(
      scope.node.path,
      'deployment name',
      d.name,
      '3-32 characters, letters, digits and "-", a letter first, not ending with "-"',
    );
  }
  if (
    !Token.isUnresolved(d.instanceType) &&
    !d.allowUncatalogedInstanceType &&
    !gpuInstanceSpec(d.instanceType)
  ) {
    throw errors.unknownInstanceType(path, d.instanceType, Object.keys(GPU_INSTANCE_TYPES));
  }
  intIn(
    path,
    'instanceCount',
    d.instanceCount ?? 1,
    1,
    100,
    'Managed deployments run 1 or more instances (no scale to zero).',
  );

  if (!d.model && !d.container) throw errors.modelAndEnvironmentMissing(path, d.name);
  if (d.model && 'registryModelId' in d.model) {
    const id = d.model.registryModelId;
    if (!Token.isUnresolved(id) && !REGISTRY_MODEL_ID.test(id))
      throw errors.invalidRegistryModelId(path, d.name, id);
  }
  if (d.container) {
    const r = d.container.inferenceRoutes;
    if (!Token.isUnresolved(r.port) && (!Number.isInteger(r.port) || r.port < 1 || r.port > 65535)) {
      throw errors.invalidPort(path, 'container.inferenceRoutes.port', r.port);
    }
    for (const [field, value] of [
      ['scoringPath', r.scoringPath],
      ['livenessPath', r.livenessPath],
      ['readinessPath', r.readinessPath],
    ] as const) {
      if (value !== undefined && !Token.isUnresolved(value) && !value.startsWith('/')) {
        throw errors.invalidRoutePath(path, `container.inferenceRoutes.${field}`, value);
      }
    }
  }

  const rs = d.requestSettings ?? {};
  intIn(
    path,
    'requestSettings.maxConcurrentRequestsPerInstance',
    rs.maxConcurrentRequestsPerInstance ?? 32,
    1,
    1000,
    'Match the concurrency the model server handles.',
  );
  if (rs.requestTimeout !== undefined) {
    checkDuration(path, 'requestSettings.requestTimeout', rs.requestTimeout, 0.001, 3600);
    const seconds = durationSeconds(path, 'requestSettings.requestTimeout', rs.requestTimeout);
    if (seconds !== undefined && seconds > MAX_REQUEST_TIMEOUT_SECONDS) {
      Annotations.of(scope).addWarning(
        `${path}: requestTimeout ${rs.requestTimeout} exceeds the ${MAX_REQUEST_TIMEOUT_SECONDS} s that Azure ML ` +
          'documents for managed online endpoints; stream long generations instead.',
      );
    }
  }
  if (rs.maxQueueWait !== undefined) {
    checkDuration(path, 'requestSettings.maxQueueWait', rs.maxQueueWait, 0.001, 600);
    Annotations.of(scope).addWarning(
      `${path}: maxQueueWait is deprecated for managed online endpoints; raise requestTimeout instead.`,
    );
  }
  validateProbe(path, 'livenessProbe', { ...LARGE_MODEL_PROBE, ...d.livenessProbe });
  validateProbe(path, 'readinessProbe', { ...LARGE_MODEL_PROBE, ...d.readinessProbe });
  if (d.startupProbe) validateProbe(path, 'startupProbe', { ...LARGE_MODEL_PROBE, ...d.startupProbe });

  if (!d.allowSecretLikeEnvironmentVariables) {
    for (const name of Object.keys(d.environmentVariables ?? {})) {
      if (SECRET_LIKE.test(name)) throw errors.secretLikeEnvironmentValue(path, name);
    }
  }
  if (d.autoscale) validateAutoscale(path, d);
}

function validateAutoscale(path: string, d: OnlineDeploymentProps): void {
  const a = d.autoscale!;
  const min = a.minInstances ?? 1;
  const max = a.maxInstances;
  const def = a.defaultInstances ?? min;
  const bad = (detail: string) => errors.invalidAutoscale(path, d.name, detail);
  if (!Number.isInteger(min) || min < 1) {
    throw bad(
      `minInstances must be an integer of at least 1 (managed deployments cannot scale to zero), received ${min}.`,
    );
  }
  if (!Number.isInteger(max) || max < min) {
    throw bad(
      `maxInstances must be an integer of at least minInstances (${min}), received ${max}. Raise maxInstances.`,
    );
  }
  if (!Number.isInteger(def) || def < min || def > max) {
    throw bad(`defaultInstances must be from ${min} to ${max}, received ${def}. Set it within the range.`);
  }
  const rule = a.rule ?? { metric: 'gpu' };
  const out = rule.scaleOutAbove ?? 70;
  const inn = rule.scaleInBelow ?? 30;
  if (rule.metric !== 'requests' && (out <= 0 || out > 100 || inn < 0 || inn >= 100)) {
    throw bad(
      `${rule.metric} thresholds are percentages (0-100), received scaleOutAbove ${out}, scaleInBelow ${inn}.`,
    );
  }
  if (inn >= out) {
    throw bad(
      `scaleInBelow (${inn}) must be lower than scaleOutAbove (${out}), or instances flap in and out. Leave a gap between them.`,
    );
  }
  checkDuration(path, 'autoscale.timeWindow', a.timeWindow, 300, 43_200);
  checkDuration(path, 'autoscale.scaleOutCooldown', a.scaleOutCooldown, 60, 604_800);
  checkDuration(path, 'autoscale.scaleInCooldown', a.scaleInCooldown, 60, 604_800);
}

/** The `properties` of a managed online deployment, as ARM expects them. */
export function deploymentProperties(
  d: OnlineDeploymentProps,
  environmentId: string | undefined,
): Record<string, unknown> {
  const rs = d.requestSettings ?? {};
  const probe = (p: ProbeSettings | undefined) => ({ ...LARGE_MODEL_PROBE, ...p });
  const model = d.model && ('registryModelId' in d.model ? d.model.registryModelId : d.model.assetId);
  return {
    endpointComputeType: 'Managed',
    description: d.description,
    instanceType: d.instanceType,
    model,
    modelMountPath: d.modelMountPath,
    environmentId,
    environmentVariables: d.environmentVariables ?? {},
    appInsightsEnabled: d.appInsightsEnabled ?? true,
    egressPublicNetworkAccess: (d.egressPublicNetworkAccess ?? true) ? 'Enabled' : 'Disabled',
    requestSettings: {
      maxConcurrentRequestsPerInstance: rs.maxConcurrentRequestsPerInstance ?? 32,
      requestTimeout: rs.requestTimeout ?? 'PT90S',
      maxQueueWait: rs.maxQueueWait,
    },
    livenessProbe: probe(d.livenessProbe),
    readinessProbe: probe(d.readinessProbe),
    startupProbe: d.startupProbe && probe(d.startupProbe),
    scaleSettings: { scaleType: 'Default' },
  };
}

/** Removes undefined values so the body holds only fields ARM knows (azapi rejects unknown ones). */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map(compact) as T;
  if (
    value &&
    typeof value === 'object' &&
    !Token.isUnresolved(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, compact(v)]),
    ) as T;
  }
  return value;
}
