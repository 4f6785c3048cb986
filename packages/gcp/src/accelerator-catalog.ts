import { errors, type GcpConstructError } from './errors.js';

/**
 * Accelerator types that Vertex AI inference takes for GPUs, spelled as the google provider's
 * `machine_spec.accelerator_type` enum (6.50). K80 is left out: Google retired it.
 */
export const VERTEX_GPU_TYPES = [
  'NVIDIA_TESLA_T4',
  'NVIDIA_TESLA_P4',
  'NVIDIA_TESLA_P100',
  'NVIDIA_TESLA_V100',
  'NVIDIA_TESLA_A100',
  'NVIDIA_A100_80GB',
  'NVIDIA_L4',
  'NVIDIA_H100_80GB',
  'NVIDIA_H100_MEGA_80GB',
  'NVIDIA_H200_141GB',
  'NVIDIA_B200',
] as const;
export type VertexGpuType = (typeof VERTEX_GPU_TYPES)[number];

/** GPUs that exist on Google Cloud but are not in the provider 6.x enum; machine types carrying them fail at synth. */
const NOT_IN_PROVIDER = ['NVIDIA_RTX_PRO_6000'] as const;
type AnyGpu = VertexGpuType | (typeof NOT_IN_PROVIDER)[number];

/** Memory of one GPU, in GiB (for sizing: a model's weights plus KV cache must fit the total). */
export const GPU_MEMORY_GIB: Readonly<Record<VertexGpuType, number>> = {
  NVIDIA_TESLA_T4: 16,
  NVIDIA_TESLA_P4: 8,
  NVIDIA_TESLA_P100: 16,
  NVIDIA_TESLA_V100: 16,
  NVIDIA_TESLA_A100: 40,
  NVIDIA_A100_80GB: 80,
  NVIDIA_L4: 24,
  NVIDIA_H100_80GB: 80,
  NVIDIA_H100_MEGA_80GB: 80,
  NVIDIA_H200_141GB: 141,
  NVIDIA_B200: 180,
};

/** Accelerator-optimized families: every size carries a fixed number of one GPU model. */
interface FixedFamily {
  readonly prefix: string;
  readonly gpu: AnyGpu;
  /** machine type suffix -> GPU count */
  readonly sizes: Readonly<Record<string, number>>;
}

/**
 * From Compute Engine's GPU machine tables (accelerator-optimized machines), restricted to the sizes
 * Vertex AI inference documents. A size missing here fails synth unless `skipCatalogValidation` is set.
 */
const FIXED_FAMILIES: readonly FixedFamily[] = [
  {
    prefix: 'g2-standard-',
    gpu: 'NVIDIA_L4',
    sizes: { '4': 1, '8': 1, '12': 1, '16': 1, '24': 2, '32': 1, '48': 4, '96': 8 },
  },
  { prefix: 'a2-highgpu-', gpu: 'NVIDIA_TESLA_A100', sizes: { '1g': 1, '2g': 2, '4g': 4, '8g': 8 } },
  { prefix: 'a2-megagpu-', gpu: 'NVIDIA_TESLA_A100', sizes: { '16g': 16 } },
  { prefix: 'a2-ultragpu-', gpu: 'NVIDIA_A100_80GB', sizes: { '1g': 1, '2g': 2, '4g': 4, '8g': 8 } },
  { prefix: 'a3-highgpu-', gpu: 'NVIDIA_H100_80GB', sizes: { '1g': 1, '2g': 2, '4g': 4, '8g': 8 } },
  { prefix: 'a3-megagpu-', gpu: 'NVIDIA_H100_MEGA_80GB', sizes: { '8g': 8 } },
  { prefix: 'a3-ultragpu-', gpu: 'NVIDIA_H200_141GB', sizes: { '8g': 8 } },
  { prefix: 'a4-highgpu-', gpu: 'NVIDIA_B200', sizes: { '8g': 8 } },
  { prefix: 'g4-standard-', gpu: 'NVIDIA_RTX_PRO_6000', sizes: { '48': 1, '96': 2, '192': 4, '384': 8 } },
];

/**
 * N1 takes attachable GPUs. Per GPU model: allowed counts, and the most vCPUs an N1 machine may have
 * with that count (Compute Engine's N1 GPU table).
 */
const N1_GPUS: Readonly<Partial<Record<VertexGpuType, Readonly<Record<number, number>>>>> = {
  NVIDIA_TESLA_T4: { 1: 48, 2: 48, 4: 96 },
  NVIDIA_TESLA_P4: { 1: 24, 2: 48, 4: 96 },
  NVIDIA_TESLA_P100: { 1: 16, 2: 32, 4: 96 },
  NVIDIA_TESLA_V100: { 1: 12, 2: 24, 4: 48, 8: 96 },
};

/** What a machine type resolves to once the catalog has checked it. */
export interface ResolvedMachineSpec {
  readonly machineType: string;
  readonly acceleratorType?: VertexGpuType;
  readonly acceleratorCount?: number;
  /** Total GPU memory of one replica in GiB, when the GPU is known. */
  readonly gpuMemoryGiB?: number;
}

export interface MachineSpecInput {
  readonly machineType: string;
  readonly acceleratorType?: string;
  readonly acceleratorCount?: number;
}

/** Machine types the catalog knows, with their GPU: for docs, tests and error messages. */
export function catalogMachineTypes(): readonly {
  machineType: string;
  acceleratorType: string;
  count: number;
}[] {
  return FIXED_FAMILIES.flatMap((f) =>
    Object.entries(f.sizes).map(([size, count]) => ({
      machineType: f.prefix + size,
      acceleratorType: f.gpu,
      count,
    })),
  );
}

function n1Vcpus(machineType: string): number | undefined {
  const m = /^n1-(standard|highmem|highcpu)-(\d+)$/.exec(machineType);
  return m ? Number(m[2]) : undefined;
}

/**
 * Checks a machine type, accelerator type and count against the catalog and fills in the accelerator that
 * an accelerator-optimized machine implies (g2-standard-12 -> 1 x NVIDIA_L4). Throws a GcpConstructError
 * naming `path` when the combination cannot be deployed.
 */
export function resolveMachineSpec(path: string, input: MachineSpecInput): ResolvedMachineSpec {
  const { machineType, acceleratorType, acceleratorCount } = input;
  const fail = (e: GcpConstructError): never => {
    throw e;
  };

  const family = FIXED_FAMILIES.find((f) => machineType.startsWith(f.prefix));
  if (family) {
    const size = machineType.slice(family.prefix.length);
    const count = family.sizes[size];
    if (count === undefined) {
      return fail(
        errors.unknownMachineType(
          path,
          machineType,
          family.prefix.slice(0, -1),
          Object.keys(family.sizes).map((s) => family.prefix + s),
        ),
      );
    }
    if (acceleratorType !== undefined && acceleratorType !== family.gpu) {
      fail(errors.acceleratorMismatch(path, machineType, acceleratorType, [family.gpu]));
    }
    if ((NOT_IN_PROVIDER as readonly string[]).includes(family.gpu)) {
      fail(errors.acceleratorNotInProvider(path, machineType, family.gpu));
    }
    if (acceleratorCount !== undefined && acceleratorCount !== count) {
      fail(errors.acceleratorCount(path, machineType, family.gpu, acceleratorCount, [count]));
    }
    const gpu = family.gpu as VertexGpuType;
    return {
      machineType,
      acceleratorType: gpu,
      acceleratorCount: count,
      gpuMemoryGiB: GPU_MEMORY_GIB[gpu] * count,
    };
  }

  if (machineType.startsWith('n1-')) {
    if (acceleratorType === undefined) {
      if (acceleratorCount !== undefined && acceleratorCount > 0)
        fail(errors.acceleratorCountWithoutType(path, acceleratorCount));
      return { machineType };
    }
    const limits = N1_GPUS[acceleratorType as VertexGpuType];
    if (!limits) fail(errors.acceleratorMismatch(path, machineType, acceleratorType, Object.keys(N1_GPUS)));
    const allowed = Object.keys(limits ?? {}).map(Number);
    const count = acceleratorCount ?? 1;
    const maxVcpus = limits?.[count];
    if (maxVcpus === undefined)
      fail(errors.acceleratorCount(path, machineType, acceleratorType, count, allowed));
    const vcpus = n1Vcpus(machineType);
    if (vcpus !== undefined && maxVcpus !== undefined && vcpus > maxVcpus) {
      fail(errors.n1TooManyVcpus(path, machineType, acceleratorType, count, vcpus, maxVcpus));
    }
    const gpu = acceleratorType as VertexGpuType;
    return {
      machineType,
      acceleratorType: gpu,
      acceleratorCount: count,
      gpuMemoryGiB: GPU_MEMORY_GIB[gpu] * count,
    };
  }

  // Any other family (e2, n2, c2, ...) serves on CPU only.
  if (acceleratorType !== undefined)
    fail(errors.acceleratorWithoutGpuFamily(path, machineType, acceleratorType));
  if (acceleratorCount !== undefined && acceleratorCount > 0) {
    fail(errors.acceleratorWithoutGpuFamily(path, machineType, `${acceleratorCount} accelerator(s)`));
  }
  return { machineType };
}
