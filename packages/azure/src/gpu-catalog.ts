/** A GPU VM size that Azure ML managed online deployments can run on. */
export interface GpuInstanceSpec {
  /** GPUs per instance. */
  readonly gpus: number;
  readonly gpuModel: 'T4' | 'V100' | 'A100' | 'H100' | 'H100 NVL';
  /** Memory of one GPU, in GiB. */
  readonly gpuMemoryGiB: number;
  readonly vcpus: number;
  /** Host memory, in GiB. */
  readonly memoryGiB: number;
}

/**
 * GPU sizes for managed online deployments, from the Azure VM size pages (NCv3, NCasT4_v3, NC A100 v4,
 * NC H100 v5, NDasrA100_v4, NDm A100 v4, ND H100 v5). Quota is per family and region: a size being listed
 * here does not mean the subscription can get it.
 */
export const GPU_INSTANCE_TYPES = {
  Standard_NC4as_T4_v3: { gpus: 1, gpuModel: 'T4', gpuMemoryGiB: 16, vcpus: 4, memoryGiB: 28 },
  Standard_NC8as_T4_v3: { gpus: 1, gpuModel: 'T4', gpuMemoryGiB: 16, vcpus: 8, memoryGiB: 56 },
  Standard_NC16as_T4_v3: { gpus: 1, gpuModel: 'T4', gpuMemoryGiB: 16, vcpus: 16, memoryGiB: 110 },
  Standard_NC64as_T4_v3: { gpus: 4, gpuModel: 'T4', gpuMemoryGiB: 16, vcpus: 64, memoryGiB: 440 },
  Standard_NC6s_v3: { gpus: 1, gpuModel: 'V100', gpuMemoryGiB: 16, vcpus: 6, memoryGiB: 112 },
  Standard_NC12s_v3: { gpus: 2, gpuModel: 'V100', gpuMemoryGiB: 16, vcpus: 12, memoryGiB: 224 },
  Standard_NC24s_v3: { gpus: 4, gpuModel: 'V100', gpuMemoryGiB: 16, vcpus: 24, memoryGiB: 448 },
  Standard_NC24ads_A100_v4: { gpus: 1, gpuModel: 'A100', gpuMemoryGiB: 80, vcpus: 24, memoryGiB: 220 },
  Standard_NC48ads_A100_v4: { gpus: 2, gpuModel: 'A100', gpuMemoryGiB: 80, vcpus: 48, memoryGiB: 440 },
  Standard_NC96ads_A100_v4: { gpus: 4, gpuModel: 'A100', gpuMemoryGiB: 80, vcpus: 96, memoryGiB: 880 },
  Standard_NC40ads_H100_v5: { gpus: 1, gpuModel: 'H100 NVL', gpuMemoryGiB: 94, vcpus: 40, memoryGiB: 320 },
  Standard_NC80adis_H100_v5: { gpus: 2, gpuModel: 'H100 NVL', gpuMemoryGiB: 94, vcpus: 80, memoryGiB: 640 },
  Standard_ND96asr_v4: { gpus: 8, gpuModel: 'A100', gpuMemoryGiB: 40, vcpus: 96, memoryGiB: 900 },
  Standard_ND96amsr_A100_v4: { gpus: 8, gpuModel: 'A100', gpuMemoryGiB: 80, vcpus: 96, memoryGiB: 1900 },
  Standard_ND96isr_H100_v5: { gpus: 8, gpuModel: 'H100', gpuMemoryGiB: 80, vcpus: 96, memoryGiB: 1900 },
} as const satisfies Record<string, GpuInstanceSpec>;

export type GpuInstanceType = keyof typeof GPU_INSTANCE_TYPES;

/** The catalog entry for an instance type, or undefined when it is not a cataloged GPU size. */
export function gpuInstanceSpec(instanceType: string): GpuInstanceSpec | undefined {
  return Object.hasOwn(GPU_INSTANCE_TYPES, instanceType)
    ? GPU_INSTANCE_TYPES[instanceType as GpuInstanceType]
    : undefined;
}

/** Total GPU memory of one instance, in GiB. */
export function totalGpuMemoryGiB(spec: GpuInstanceSpec): number {
  return spec.gpus * spec.gpuMemoryGiB;
}
