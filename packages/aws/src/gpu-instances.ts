/**
 * GPU hosting instances SageMaker offers, with what a deployment needs to know at synth: how many GPUs (the
 * tensor-parallel degree), memory per GPU (does the model fit), whether the instance has local NVMe storage
 * (SageMaker then rejects VolumeSizeInGB and an endpoint KMS key) and whether the GPUs do FP8.
 *
 * GPU counts and memory follow the SageMaker Python SDK's instance_gpu_info.json and the EC2 instance pages.
 */
export interface GpuInstanceSpec {
  /** SageMaker instance type, e.g. `ml.g5.2xlarge`. */
  readonly instanceType: string;
  /** GPU model. */
  readonly gpu: string;
  /** Number of GPUs. */
  readonly gpuCount: number;
  /** Memory of one GPU in GiB. */
  readonly gpuMemoryGib: number;
  /** Local NVMe instance storage (SageMaker rejects VolumeSizeInGB and KmsKeyId on these). */
  readonly nvme: boolean;
  /** The GPUs have FP8 tensor cores (Ada, Hopper). */
  readonly fp8: boolean;
}

interface Family {
  gpu: string;
  gpuMemoryGib: number;
  nvme: boolean;
  fp8: boolean;
  sizes: Record<string, number>;
}

/** Sizes and GPU counts of G5, G6 and G6e (one lineup: 1 GPU up to 16xlarge, 4 on 12xlarge/24xlarge, 8 on 48xlarge). */
const G_SIZES: Record<string, number> = {
  xlarge: 1,
  '2xlarge': 1,
  '4xlarge': 1,
  '8xlarge': 1,
  '16xlarge': 1,
  '12xlarge': 4,
  '24xlarge': 4,
  '48xlarge': 8,
};

const FAMILIES: Record<string, Family> = {
  g4dn: {
    gpu: 'NVIDIA T4',
    gpuMemoryGib: 16,
    nvme: true,
    fp8: false,
    sizes: { xlarge: 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '16xlarge': 1, '12xlarge': 4 },
  },
  g5: {
    gpu: 'NVIDIA A10G',
    gpuMemoryGib: 24,
    nvme: true,
    fp8: false,
    sizes: G_SIZES,
  },
  g6: {
    gpu: 'NVIDIA L4',
    gpuMemoryGib: 24,
    nvme: true,
    fp8: true,
    sizes: G_SIZES,
  },
  g6e: {
    gpu: 'NVIDIA L40S',
    gpuMemoryGib: 48,
    nvme: true,
    fp8: true,
    sizes: G_SIZES,
  },
  p3: {
    gpu: 'NVIDIA V100',
    gpuMemoryGib: 16,
    nvme: false,
    fp8: false,
    sizes: { '2xlarge': 1, '8xlarge': 4, '16xlarge': 8 },
  },
  p4d: { gpu: 'NVIDIA A100 40GB', gpuMemoryGib: 40, nvme: true, fp8: false, sizes: { '24xlarge': 8 } },
  p4de: { gpu: 'NVIDIA A100 80GB', gpuMemoryGib: 80, nvme: true, fp8: false, sizes: { '24xlarge': 8 } },
  p5: { gpu: 'NVIDIA H100', gpuMemoryGib: 80, nvme: true, fp8: true, sizes: { '48xlarge': 8 } },
  p5e: { gpu: 'NVIDIA H200', gpuMemoryGib: 141, nvme: true, fp8: true, sizes: { '48xlarge': 8 } },
  p5en: { gpu: 'NVIDIA H200', gpuMemoryGib: 141, nvme: true, fp8: true, sizes: { '48xlarge': 8 } },
};

/** Every GPU instance type of the catalog, keyed by SageMaker instance type. */
export const GPU_INSTANCES: Readonly<Record<string, GpuInstanceSpec>> = Object.freeze(
  Object.fromEntries(
    Object.entries(FAMILIES).flatMap(([family, f]) =>
      Object.entries(f.sizes).map(([size, gpuCount]) => {
        const instanceType = `ml.${family}.${size}`;
        const spec: GpuInstanceSpec = {
          instanceType,
          gpu: f.gpu,
          gpuCount,
          gpuMemoryGib: f.gpuMemoryGib,
          nvme: f.nvme,
          fp8: f.fp8,
        };
        return [instanceType, Object.freeze(spec)] as const;
      }),
    ),
  ),
);

/** The catalog entry of a SageMaker instance type, or undefined when the catalog does not know it. */
export function gpuInstance(instanceType: string): GpuInstanceSpec | undefined {
  return GPU_INSTANCES[instanceType];
}

/**
 * Share of GPU memory that the weights may take; the rest holds the KV cache, activations and CUDA context.
 * TGI and vLLM default to using ~90% of GPU memory in total, and a model that fills all of it serves nothing.
 */
export const WEIGHTS_MEMORY_FRACTION = 0.9;
