import { DataGoogleSecretManagerSecretVersionAccess } from '@cdktf/provider-google/lib/data-google-secret-manager-secret-version-access/index.js';
import { VertexAiEndpoint as VertexAiEndpointResource } from '@cdktf/provider-google/lib/vertex-ai-endpoint/index.js';
import {
  VertexAiEndpointWithModelGardenDeployment,
  type VertexAiEndpointWithModelGardenDeploymentDeployConfigDedicatedResources,
  type VertexAiEndpointWithModelGardenDeploymentModelConfigContainerSpec,
} from '@cdktf/provider-google/lib/vertex-ai-endpoint-with-model-garden-deployment/index.js';
import { Annotations, Token } from 'cdktf';
import { Construct, type IConstruct } from 'constructs';
import { type ResolvedMachineSpec, resolveMachineSpec, type VertexGpuType } from './accelerator-catalog.js';
import { errors } from './errors.js';
import { providerProject } from './provider-project.js';
import { parseSecretName, type SecretRef } from './secret-ref.js';
import { stableNumericId } from './stable-id.js';

/** A custom serving container for a Model Garden or Hugging Face deployment (vLLM, TGI, your own image). */
export interface VertexContainerSpec {
  /** Image in Artifact Registry (or a Vertex prebuilt serving image). */
  readonly imageUri: string;
  /** @default - the image's entrypoint */
  readonly command?: readonly string[];
  /** @default - the image's arguments */
  readonly args?: readonly string[];
  /** Environment of the container; never put secrets here (they land in the model resource). @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Port the server listens on. @default 8080 */
  readonly port?: number;
  /** @default - Vertex AI's default, /predict style route of the image */
  readonly predictRoute?: string;
  /** @default - Vertex AI's default health route */
  readonly healthRoute?: string;
  /** /dev/shm size in MB; vLLM with tensor parallelism wants several GB. @default - Vertex AI's default */
  readonly sharedMemorySizeMb?: number;
  /**
   * How long Vertex AI waits for the container to become healthy (large models take long to load),
   * a duration such as "3600s".
   * @default - Vertex AI's default
   */
  readonly deploymentTimeout?: string;
}

/** Autoscaling targets, in percent. Vertex AI scales between minReplicas and maxReplicas on them. */
export interface VertexAutoscaling {
  /** Target GPU duty cycle. @default 60 when the machine has a GPU and maxReplicas > minReplicas */
  readonly acceleratorDutyCycle?: number;
  /** Target CPU utilization. @default - none (60 for CPU-only machines when maxReplicas > minReplicas) */
  readonly cpuUtilization?: number;
}

export interface VertexAiEndpointProps {
  /** Region of the endpoint, e.g. "us-central1". */
  readonly location: string;
  /** @default - the provider's project */
  readonly project?: string;

  /**
   * Model Garden model, `publishers/{publisher}/models/{model}@{version}`
   * (e.g. "publishers/google/models/gemma3@gemma-3-12b-it").
   * @default - none; with neither this nor huggingFaceModelId, an empty endpoint is created (endpoint-only mode)
   */
  readonly publisherModelName?: string;
  /** Hugging Face model id, e.g. "meta-llama/Llama-3.1-8B-Instruct". @default - none */
  readonly huggingFaceModelId?: string;
  /** Accept the model's EULA (Gemma, Llama and other gated models require it). @default false */
  readonly acceptEula?: boolean;
  /**
   * Secret Manager secret holding a Hugging Face read token, for gated Hugging Face models. Read at plan
   * time through a data source: the token never appears in the synthesized JSON, but it is stored
   * (marked sensitive) in Terraform state, like every value a resource receives.
   * @default - no token
   */
  readonly huggingFaceTokenSecret?: SecretRef;
  /** Cache the Hugging Face weights in Vertex AI. @default - Vertex AI's default */
  readonly huggingFaceCacheEnabled?: boolean;

  /** Machine type, e.g. "g2-standard-12". @default - Model Garden's recommended machine for the model */
  readonly machineType?: string;
  /** GPU type; implied by accelerator-optimized machines (g2, a2, a3, a4). @default - from machineType */
  readonly acceleratorType?: VertexGpuType;
  /** GPUs per replica; fixed by accelerator-optimized machines. @default - from machineType (1 on N1) */
  readonly acceleratorCount?: number;
  /** Replicas always running (Vertex AI cannot scale to zero). @default 1 */
  readonly minReplicas?: number;
  /** Upper bound for autoscaling. @default minReplicas */
  readonly maxReplicas?: number;
  /** @default - GPU duty cycle 60% when maxReplicas > minReplicas */
  readonly autoscaling?: VertexAutoscaling;
  /** Run on Spot VMs (cheaper, preemptible). @default false */
  readonly spot?: boolean;
  /** Allow machine types or accelerators the catalog does not know (new hardware). @default false */
  readonly skipCatalogValidation?: boolean;
  /** A custom serving container instead of Model Garden's. @default - Model Garden's container for the model */
  readonly container?: VertexContainerSpec;
  /** Try the model on Model Garden's fast-tryout path, when the model supports it. @default false */
  readonly fastTryout?: boolean;

  /** Display name of the endpoint. @default - derived from the construct id */
  readonly displayName?: string;
  /** Display name of the deployed model. @default - Model Garden's */
  readonly modelDisplayName?: string;
  /**
   * A dedicated DNS name for the endpoint (better isolation and latency). Once on, the shared
   * `{region}-aiplatform.googleapis.com` host rejects calls: clients must use the dedicated DNS.
   * @default false
   */
  readonly dedicatedEndpoint?: boolean;
  /**
   * Make the endpoint reachable only through Private Service Connect from the listed projects.
   * Endpoint-only mode only: the provider 6.x cannot set it on a Model Garden deployment.
   * @default - public endpoint, IAM-protected
   */
  readonly privateServiceConnect?: { readonly projectAllowlist?: readonly string[] };
  /** Endpoint-only: a VPC (peering) private endpoint, "projects/{number}/global/networks/{name}". @default - none */
  readonly network?: string;
  /** Endpoint-only: id of the endpoint (10 digits, no leading zero). @default - derived from the construct path */
  readonly endpointId?: string;
  /** Endpoint-only: labels. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Endpoint-only: CMEK key for the endpoint. @default - Google-managed encryption */
  readonly encryptionKey?: string;
  /** Endpoint-only: log requests and responses to a BigQuery table ("bq://project.dataset.table"). @default - off */
  readonly requestResponseLogging?: { readonly bigqueryTable: string; readonly samplingRate?: number };

  /** How long Terraform waits for the deployment (weights download + load). @default '2h' */
  readonly deployTimeout?: string;
}

/** A Vertex AI endpoint, created here or imported with `VertexAiEndpoint.fromEndpointAttributes`. */
export interface IVertexAiEndpoint extends IConstruct {
  /** The endpoint's id (the last segment of its resource name). */
  readonly endpointId: string;
  readonly location: string;
  readonly project: string;
  /** `projects/{project}/locations/{location}/endpoints/{id}`. */
  readonly endpointName: string;
  /** Address of this endpoint in the front's configuration: `vertex/endpoints/{id}`. */
  readonly modelAddress: string;
  /** Cloud Monitoring filter for one of the endpoint's metrics, e.g. `prediction/online/error_count`. */
  metricFilter(metric: string): string;
}

export interface VertexAiEndpointAttributes {
  readonly endpointId: string;
  readonly location: string;
  /** @default - the provider's project */
  readonly project?: string;
}

class ImportedVertexAiEndpoint extends Construct implements IVertexAiEndpoint {
  readonly endpointId: string;
  readonly location: string;
  readonly project: string;
  readonly endpointName: string;
  readonly modelAddress: string;
  constructor(scope: Construct, id: string, attrs: VertexAiEndpointAttributes) {
    super(scope, id);
    this.endpointId = attrs.endpointId;
    this.location = attrs.location;
    this.project = providerProject(scope, attrs.project);
    this.endpointName = `projects/${this.project}/locations/${attrs.location}/endpoints/${attrs.endpointId}`;
    this.modelAddress = `vertex/endpoints/${attrs.endpointId}`;
  }
  metricFilter(metric: string): string {
    return endpointMetricFilter(this.endpointId, metric);
  }
}

function endpointMetricFilter(endpointId: string, metric: string): string {
  return (
    `resource.type = "aiplatform.googleapis.com/Endpoint" AND resource.labels.endpoint_id = "${endpointId}" ` +
    `AND metric.type = "aiplatform.googleapis.com/${metric}"`
  );
}

/**
 * A Vertex AI endpoint serving a self-deployed model.
 *
 * - With `publisherModelName` or `huggingFaceModelId`: one
 *   `google_vertex_ai_endpoint_with_model_garden_deployment`, which creates the endpoint and deploys the
 *   model in one step. That resource is immutable in provider 6.x (every change replaces it: a new
 *   endpoint id, minutes to hours of redeploy), cannot be imported, and does not detect drift.
 * - With neither: an empty `google_vertex_ai_endpoint` that a pipeline deploys models to; the provider
 *   has no resource to upload or deploy a custom model (terraform-provider-google #15303), so the
 *   pipeline also owns the traffic split.
 */
export class VertexAiEndpoint extends Construct implements IVertexAiEndpoint {
  /** An endpoint deployed elsewhere (a pipeline, the console), for routes and alerts. */
  static fromEndpointAttributes(
    scope: Construct,
    id: string,
    attrs: VertexAiEndpointAttributes,
  ): IVertexAiEndpoint {
    if (!attrs.location || (!Token.isUnresolved(attrs.location) && attrs.location.trim() === '')) {
      throw errors.locationRequired(`${scope.node.path}/${id}`);
    }
    return new ImportedVertexAiEndpoint(scope, id, attrs);
  }

  readonly mode: 'model-garden' | 'endpoint-only';
  /** The endpoint's id (the last segment of its resource name). */
  readonly endpointId: string;
  /** `projects/{project}/locations/{location}/endpoints/{id}`. */
  readonly endpointName: string;
  readonly location: string;
  /** The project of the endpoint (a token resolving to the provider's project when not given). */
  readonly project: string;
  /** Address of this endpoint in the front's configuration: `vertex/endpoints/{id}`. */
  readonly modelAddress: string;
  /** The hardware after catalog checks, when a machine type was given. */
  readonly machineSpec?: ResolvedMachineSpec;
  /** Id of the deployed model (Model Garden mode). */
  readonly deployedModelId?: string;
  readonly deployment?: VertexAiEndpointWithModelGardenDeployment;
  readonly endpoint?: VertexAiEndpointResource;

  constructor(scope: Construct, id: string, props: VertexAiEndpointProps) {
    super(scope, id);
    const path = this.node.path;
    const known = (v: unknown) => v !== undefined && !Token.isUnresolved(v);

    if (!props.location || (known(props.location) && props.location.trim() === ''))
      throw errors.locationRequired(path);
    this.location = props.location;

    const { publisherModelName, huggingFaceModelId } = props;
    if (publisherModelName && huggingFaceModelId) {
      throw errors.modelSourceConflict(path, publisherModelName, huggingFaceModelId);
    }
    if (
      known(publisherModelName) &&
      !/^publishers\/[^/]+\/models\/[^/@]+@[^/@]+$/.test(publisherModelName as string)
    ) {
      throw errors.publisherModelNameFormat(path, publisherModelName as string);
    }
    if (known(huggingFaceModelId) && !/^[\w.-]+\/[\w.-]+$/.test(huggingFaceModelId as string)) {
      throw errors.huggingFaceModelIdFormat(path, huggingFaceModelId as string);
    }
    this.mode = publisherModelName || huggingFaceModelId ? 'model-garden' : 'endpoint-only';

    if (props.dedicatedEndpoint && (props.privateServiceConnect || props.network))
      throw errors.dedicatedAndPrivate(path);

    if (this.mode === 'model-garden') {
      if (props.privateServiceConnect) throw errors.pscNotSupportedForModelGarden(path);
      for (const opt of [
        'network',
        'endpointId',
        'labels',
        'encryptionKey',
        'requestResponseLogging',
      ] as const) {
        if (props[opt] !== undefined) throw errors.modelGardenOnlyOption(path, opt);
      }
      if (props.huggingFaceTokenSecret && !huggingFaceModelId) throw errors.hfTokenWithoutHfModel(path);
      const built = this.buildModelGarden(path, props);
      this.deployment = built.deployment;
      this.machineSpec = built.machineSpec;
      this.endpointId = built.deployment.endpoint;
      this.project = built.deployment.project;
      this.deployedModelId = built.deployment.deployedModelId;
    } else {
      const hardware = [
        'machineType',
        'acceleratorType',
        'acceleratorCount',
        'minReplicas',
        'maxReplicas',
        'autoscaling',
        'spot',
        'container',
        'acceptEula',
        'huggingFaceTokenSecret',
        'huggingFaceCacheEnabled',
        'fastTryout',
        'modelDisplayName',
      ] as const;
      for (const opt of hardware) if (props[opt] !== undefined) throw errors.endpointOnlyOption(path, opt);
      if (props.privateServiceConnect && props.network) throw errors.pscAndNetwork(path);
      this.endpoint = this.buildEndpointOnly(props);
      this.endpointId = this.endpoint.name;
      this.project = this.endpoint.project;
    }
    this.endpointName = `projects/${this.project}/locations/${this.location}/endpoints/${this.endpointId}`;
    this.modelAddress = `vertex/endpoints/${this.endpointId}`;
  }

  /** Cloud Monitoring filter for one of this endpoint's metrics, e.g. `prediction/online/error_count`. */
  metricFilter(metric: string): string {
    return endpointMetricFilter(this.endpointId, metric);
  }

  private buildModelGarden(
    path: string,
    props: VertexAiEndpointProps,
  ): { deployment: VertexAiEndpointWithModelGardenDeployment; machineSpec?: ResolvedMachineSpec } {
    const minReplicas = props.minReplicas ?? 1;
    const maxReplicas = props.maxReplicas ?? minReplicas;
    if (!Token.isUnresolved(minReplicas) && minReplicas < 1)
      throw errors.minReplicasBelowOne(path, minReplicas);
    if (!Token.isUnresolved(minReplicas) && !Token.isUnresolved(maxReplicas) && minReplicas > maxReplicas) {
      throw errors.replicas(path, minReplicas, maxReplicas);
    }
    for (const [field, value] of Object.entries(props.autoscaling ?? {})) {
      if (typeof value === 'number' && (!Number.isInteger(value) || value < 1 || value > 100)) {
        throw errors.percentTarget(path, `autoscaling.${field}`, value);
      }
    }

    const wantsHardware =
      props.acceleratorType !== undefined ||
      props.acceleratorCount !== undefined ||
      props.minReplicas !== undefined ||
      props.maxReplicas !== undefined ||
      props.autoscaling !== undefined ||
      props.spot !== undefined;
    let machineSpec: ResolvedMachineSpec | undefined;
    if (props.machineType === undefined) {
      if (wantsHardware) throw errors.machineTypeRequired(path);
    } else if (props.skipCatalogValidation || Token.isUnresolved(props.machineType)) {
      machineSpec = {
        machineType: props.machineType,
        ...(props.acceleratorType !== undefined && { acceleratorType: props.acceleratorType }),
        ...(props.acceleratorCount !== undefined && { acceleratorCount: props.acceleratorCount }),
      };
    } else {
      machineSpec = resolveMachineSpec(path, {
        machineType: props.machineType,
        ...(props.acceleratorType !== undefined && { acceleratorType: props.acceleratorType }),
        ...(props.acceleratorCount !== undefined && { acceleratorCount: props.acceleratorCount }),
      });
    }

    let dedicatedResources:
      | VertexAiEndpointWithModelGardenDeploymentDeployConfigDedicatedResources
      | undefined;
    if (machineSpec) {
      const hasGpu = machineSpec.acceleratorType !== undefined;
      const scales = Token.isUnresolved(maxReplicas) || maxReplicas > minReplicas;
      const autoscaling =
        props.autoscaling ?? (scales ? (hasGpu ? { acceleratorDutyCycle: 60 } : { cpuUtilization: 60 }) : {});
      const metricSpecs = [
        ...(autoscaling.acceleratorDutyCycle !== undefined
          ? [
              {
                metricName: 'aiplatform.googleapis.com/prediction/online/accelerator/duty_cycle',
                target: autoscaling.acceleratorDutyCycle,
              },
            ]
          : []),
        ...(autoscaling.cpuUtilization !== undefined
          ? [
              {
                metricName: 'aiplatform.googleapis.com/prediction/online/cpu/utilization',
                target: autoscaling.cpuUtilization,
              },
            ]
          : []),
      ];
      dedicatedResources = {
        machineSpec: {
          machineType: machineSpec.machineType,
          ...(machineSpec.acceleratorType !== undefined && { acceleratorType: machineSpec.acceleratorType }),
          ...(machineSpec.acceleratorCount !== undefined && {
            acceleratorCount: machineSpec.acceleratorCount,
          }),
        },
        minReplicaCount: minReplicas,
        maxReplicaCount: maxReplicas,
        ...(metricSpecs.length > 0 && { autoscalingMetricSpecs: metricSpecs }),
        ...(props.spot !== undefined && { spot: props.spot }),
      };
    }

    const model = `${props.publisherModelName ?? ''} ${props.huggingFaceModelId ?? ''}`;
    if (props.acceptEula !== true && /gemma|llama|meta-llama|publishers\/meta\//i.test(model)) {
      Annotations.of(this).addWarning(
        `${model.trim()} is a gated model: Model Garden refuses to deploy it unless acceptEula is true. ` +
          'Read the model card, then set acceptEula: true.',
      );
    }

    let hfToken: string | undefined;
    if (props.huggingFaceTokenSecret) {
      const { project, secretId } = parseSecretName(props.huggingFaceTokenSecret.secret);
      hfToken = new DataGoogleSecretManagerSecretVersionAccess(this, 'HuggingFaceToken', {
        secret: secretId,
        version: props.huggingFaceTokenSecret.version ?? 'latest',
        ...(project !== undefined && { project }),
      }).secretData;
    }

    const deployment = new VertexAiEndpointWithModelGardenDeployment(this, 'Resource', {
      location: props.location,
      ...(props.project !== undefined && { project: props.project }),
      ...(props.publisherModelName !== undefined && { publisherModelName: props.publisherModelName }),
      ...(props.huggingFaceModelId !== undefined && { huggingFaceModelId: props.huggingFaceModelId }),
      modelConfig: {
        acceptEula: props.acceptEula ?? false,
        ...(hfToken !== undefined && { huggingFaceAccessToken: hfToken }),
        ...(props.huggingFaceCacheEnabled !== undefined && {
          huggingFaceCacheEnabled: props.huggingFaceCacheEnabled,
        }),
        ...(props.modelDisplayName !== undefined && { modelDisplayName: props.modelDisplayName }),
        ...(props.container && { containerSpec: containerSpec(props.container) }),
      },
      endpointConfig: {
        endpointDisplayName: props.displayName ?? this.node.id,
        dedicatedEndpointEnabled: props.dedicatedEndpoint ?? false,
      },
      ...((dedicatedResources || props.fastTryout !== undefined) && {
        deployConfig: {
          ...(dedicatedResources && { dedicatedResources }),
          ...(props.fastTryout !== undefined && { fastTryoutEnabled: props.fastTryout }),
        },
      }),
      timeouts: { create: props.deployTimeout ?? '2h', delete: '30m' },
    });
    return { deployment, ...(machineSpec && { machineSpec }) };
  }

  private buildEndpointOnly(props: VertexAiEndpointProps): VertexAiEndpointResource {
    const psc = props.privateServiceConnect;
    return new VertexAiEndpointResource(this, 'Resource', {
      name: props.endpointId ?? stableNumericId(this.node.path),
      displayName: props.displayName ?? this.node.id,
      location: props.location,
      ...(props.project !== undefined && { project: props.project }),
      ...(props.labels && { labels: { ...props.labels } }),
      ...(props.network !== undefined && { network: props.network }),
      ...(props.dedicatedEndpoint !== undefined && { dedicatedEndpointEnabled: props.dedicatedEndpoint }),
      ...(psc && {
        privateServiceConnectConfig: {
          enablePrivateServiceConnect: true,
          ...(psc.projectAllowlist && { projectAllowlist: [...psc.projectAllowlist] }),
        },
      }),
      ...(props.encryptionKey !== undefined && { encryptionSpec: { kmsKeyName: props.encryptionKey } }),
      ...(props.requestResponseLogging && {
        predictRequestResponseLoggingConfig: {
          enabled: true,
          samplingRate: props.requestResponseLogging.samplingRate ?? 1,
          bigqueryDestination: { outputUri: props.requestResponseLogging.bigqueryTable },
        },
      }),
    });
  }
}

function containerSpec(
  c: VertexContainerSpec,
): VertexAiEndpointWithModelGardenDeploymentModelConfigContainerSpec {
  return {
    imageUri: c.imageUri,
    ...(c.command && { command: [...c.command] }),
    ...(c.args && { args: [...c.args] }),
    ...(c.env && { env: Object.entries(c.env).map(([name, value]) => ({ name, value })) }),
    ports: [{ containerPort: c.port ?? 8080 }],
    ...(c.predictRoute !== undefined && { predictRoute: c.predictRoute }),
    ...(c.healthRoute !== undefined && { healthRoute: c.healthRoute }),
    ...(c.sharedMemorySizeMb !== undefined && { sharedMemorySizeMb: String(c.sharedMemorySizeMb) }),
    ...(c.deploymentTimeout !== undefined && { deploymentTimeout: c.deploymentTimeout }),
  };
}
