import { Token } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import type { ContainerFamily } from './container-image.js';
import { errors } from './errors.js';
import {
  GPU_INSTANCES,
  type GpuInstanceSpec,
  gpuInstance,
  WEIGHTS_MEMORY_FRACTION,
} from './gpu-instances.js';
import type { Quantization, SageMakerGpuEndpointProps } from './sagemaker-gpu-endpoint-props.js';

// The synth-time checks of SageMakerGpuEndpoint's props, as functions of the props: each throws the first
// problem it finds as an AwsConstructError naming the construct, and skips unresolved tokens.

const SUPPORTED_QUANTIZATION: Record<ContainerFamily, readonly Quantization[]> = {
  tgi: [
    'awq',
    'gptq',
    'marlin',
    'exl2',
    'fp8',
    'eetq',
    'bitsandbytes',
    'bitsandbytes-nf4',
    'bitsandbytes-fp4',
  ],
  lmi: ['awq', 'gptq', 'fp8'],
  custom: [],
};

/** Methods that quantize full-precision weights at load time: they shrink the declared (16-bit) size. */
const ON_THE_FLY_FACTOR: Partial<Record<Quantization, number>> = {
  fp8: 0.5,
  eetq: 0.5,
  bitsandbytes: 0.5,
  'bitsandbytes-nf4': 0.25,
  'bitsandbytes-fp4': 0.25,
};

const ENDPOINT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** The GPU facts of the instance: from `props.gpu` for an instance the catalog lacks, else from the catalog. */
export function resolveInstance(scope: Construct, props: SageMakerGpuEndpointProps): GpuInstanceSpec {
  const { instanceType } = props;
  if (!instanceType.startsWith('ml.')) throw errors.notAnMlInstance(scope, instanceType);
  if (props.gpu) {
    return {
      instanceType,
      gpu: 'custom',
      gpuCount: props.gpu.count,
      gpuMemoryGib: props.gpu.memoryGib,
      nvme: props.gpu.nvme,
      fp8: props.gpu.fp8 ?? false,
    };
  }
  const spec = gpuInstance(instanceType);
  if (!spec) throw errors.unknownInstanceType(scope, instanceType, Object.keys(GPU_INSTANCES));
  return spec;
}

/** Every check of the props, in the order their errors are reported. */
export function validateEndpointProps(
  scope: Construct,
  props: SageMakerGpuEndpointProps,
  instance: GpuInstanceSpec,
  family: ContainerFamily,
): void {
  validateHardware(scope, props, instance);
  validateModel(scope, props, instance, family);
  validateTimeouts(scope, props);
  validateModes(scope, props);
  validateCapacities(scope, props);
  validateEnvironment(scope, props);
}

export function validateEndpointName(scope: Construct, endpointName: string): void {
  if (!Token.isUnresolved(endpointName) && !ENDPOINT_NAME.test(endpointName)) {
    throw errors.invalidName(scope, 'endpointName', endpointName, ENDPOINT_NAME.source, 63);
  }
}

/** Throws unless `value` is an integer in min..max; a token passes (it is checked at deploy time). */
export function checkInt(
  scope: Construct,
  prop: string,
  value: number,
  min: number,
  max: number,
  hint: string,
): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw errors.invalidRange(scope, prop, value, min, max, hint);
  }
}

/** NVMe families reject an EBS size and a KMS key at deploy time; GPUs must exist on the instance. */
function validateHardware(
  scope: Construct,
  props: SageMakerGpuEndpointProps,
  instance: GpuInstanceSpec,
): void {
  const { instanceType } = instance;
  if (instance.nvme && props.volumeSizeGb !== undefined) {
    throw errors.nvmeVolumeSize(scope, instanceType, props.volumeSizeGb);
  }
  if (instance.nvme && props.encryptionKey) throw errors.nvmeKmsKey(scope, instanceType);
  if (props.volumeSizeGb !== undefined) {
    checkInt(scope, 'volumeSizeGb', props.volumeSizeGb, 1, 512, 'SageMaker accepts 1..512 GiB.');
  }
  if (props.numGpus !== undefined) {
    if (!Number.isInteger(props.numGpus) || props.numGpus < 1 || props.numGpus > instance.gpuCount) {
      throw errors.tooManyGpus(scope, props.numGpus, instanceType, instance.gpuCount);
    }
  }
}

/** The quantization must suit the container and the GPU, and the weights must fit in GPU memory. */
function validateModel(
  scope: Construct,
  props: SageMakerGpuEndpointProps,
  instance: GpuInstanceSpec,
  family: ContainerFamily,
): void {
  const { instanceType } = instance;
  if (props.quantization) {
    if (!SUPPORTED_QUANTIZATION[family].includes(props.quantization)) {
      throw errors.quantizationUnsupported(scope, props.quantization, family, SUPPORTED_QUANTIZATION[family]);
    }
    if (props.quantization === 'fp8' && !instance.fp8) throw errors.fp8NeedsHopperOrAda(scope, instanceType);
  }
  if (props.modelSizeGib !== undefined) {
    const factor = (props.quantization && ON_THE_FLY_FACTOR[props.quantization]) ?? 1;
    const weights = props.modelSizeGib * factor;
    const gpus = props.numGpus ?? instance.gpuCount;
    const usable = gpus * instance.gpuMemoryGib * WEIGHTS_MEMORY_FRACTION;
    if (weights > usable) {
      throw errors.modelTooLarge(scope, {
        modelSizeGib: weights,
        instanceType,
        gpus,
        usableGib: usable,
        ...(props.quantization && ON_THE_FLY_FACTOR[props.quantization]
          ? { quantization: props.quantization }
          : {}),
      });
    }
  }
}

function validateTimeouts(scope: Construct, props: SageMakerGpuEndpointProps): void {
  const startup = props.startupHealthCheckTimeout?.toSeconds();
  if (startup !== undefined) {
    checkInt(
      scope,
      'startupHealthCheckTimeout (s)',
      startup,
      60,
      3600,
      'SageMaker accepts 60..3600 seconds.',
    );
  }
  const download = props.modelDataDownloadTimeout?.toSeconds();
  if (download !== undefined) {
    checkInt(
      scope,
      'modelDataDownloadTimeout (s)',
      download,
      60,
      3600,
      'SageMaker accepts 60..3600 seconds.',
    );
  }
}

/** An endpoint is real-time (optionally autoscaled), asynchronous, or hosts an inference component. */
function validateModes(scope: Construct, props: SageMakerGpuEndpointProps): void {
  if (props.scaleToZero && props.asyncInference)
    throw errors.conflictingModes(scope, 'asyncInference', 'scaleToZero');
  if (props.autoScaling && props.asyncInference) {
    throw errors.conflictingModes(scope, 'asyncInference', 'autoScaling (use asyncInference.scaling)');
  }
  if (props.autoScaling && props.scaleToZero)
    throw errors.conflictingModes(scope, 'scaleToZero', 'autoScaling');
}

function validateCapacities(scope: Construct, props: SageMakerGpuEndpointProps): void {
  if (props.autoScaling) {
    const min = props.autoScaling.minCapacity ?? 1;
    if (min === 0) throw errors.realtimeMinZero(scope);
    checkInt(
      scope,
      'autoScaling.maxCapacity',
      props.autoScaling.maxCapacity,
      1,
      100,
      'use 1..100 instances.',
    );
    if (min > props.autoScaling.maxCapacity) {
      throw errors.minAboveMax(scope, 'autoScaling', min, props.autoScaling.maxCapacity);
    }
  }
  const asyncScaling = props.asyncInference?.scaling;
  if (asyncScaling) {
    checkInt(
      scope,
      'asyncInference.scaling.maxCapacity',
      asyncScaling.maxCapacity,
      1,
      100,
      'use 1..100 instances.',
    );
    if ((asyncScaling.minCapacity ?? 0) > asyncScaling.maxCapacity) {
      throw errors.minAboveMax(
        scope,
        'asyncInference.scaling',
        asyncScaling.minCapacity ?? 0,
        asyncScaling.maxCapacity,
      );
    }
  }
  if (props.scaleToZero?.maxCopies !== undefined) {
    checkInt(scope, 'scaleToZero.maxCopies', props.scaleToZero.maxCopies, 1, 100, 'use 1..100 copies.');
  }
  if (props.instanceCount !== undefined) {
    checkInt(scope, 'instanceCount', props.instanceCount, 1, 100, 'use 1..100 instances.');
  }
}

/** A credential in `environment` would be stored in the template in plain text. */
function validateEnvironment(scope: Construct, props: SageMakerGpuEndpointProps): void {
  for (const [name, value] of Object.entries(props.environment ?? {})) {
    if (/TOKEN|SECRET|PASSWORD|API_KEY/i.test(name) && !Token.isUnresolved(value) && value.length > 0) {
      throw errors.plaintextSecret(scope, name);
    }
  }
}
