import { describe, expect, it } from 'vitest';
import { catalogMachineTypes, resolveMachineSpec } from './accelerator-catalog.js';
import { isGcpConstructError } from './errors.js';

const resolve = (machineType: string, acceleratorType?: string, acceleratorCount?: number) =>
  resolveMachineSpec('Stack/Model', {
    machineType,
    ...(acceleratorType !== undefined && { acceleratorType }),
    ...(acceleratorCount !== undefined && { acceleratorCount }),
  });

describe('resolveMachineSpec', () => {
  it.each([
    ['g2-standard-4', 'NVIDIA_L4', 1, 24],
    ['g2-standard-12', 'NVIDIA_L4', 1, 24],
    ['g2-standard-24', 'NVIDIA_L4', 2, 48],
    ['g2-standard-48', 'NVIDIA_L4', 4, 96],
    ['g2-standard-96', 'NVIDIA_L4', 8, 192],
    ['a2-highgpu-1g', 'NVIDIA_TESLA_A100', 1, 40],
    ['a2-highgpu-8g', 'NVIDIA_TESLA_A100', 8, 320],
    ['a2-ultragpu-2g', 'NVIDIA_A100_80GB', 2, 160],
    ['a3-highgpu-1g', 'NVIDIA_H100_80GB', 1, 80],
    ['a3-highgpu-8g', 'NVIDIA_H100_80GB', 8, 640],
    ['a3-megagpu-8g', 'NVIDIA_H100_MEGA_80GB', 8, 640],
    ['a3-ultragpu-8g', 'NVIDIA_H200_141GB', 8, 1128],
    ['a4-highgpu-8g', 'NVIDIA_B200', 8, 1440],
  ])('%s implies %i x %s', (machineType, gpu, count, memory) => {
    expect(resolve(machineType)).toEqual({
      machineType,
      acceleratorType: gpu,
      acceleratorCount: count,
      gpuMemoryGiB: memory,
    });
    // Stating the implied values explicitly is accepted too.
    expect(resolve(machineType, gpu, count).acceleratorCount).toBe(count);
  });

  it('accepts N1 with attachable GPUs within the vCPU limit and CPU-only machines', () => {
    expect(resolve('n1-standard-8', 'NVIDIA_TESLA_T4')).toEqual({
      machineType: 'n1-standard-8',
      acceleratorType: 'NVIDIA_TESLA_T4',
      acceleratorCount: 1,
      gpuMemoryGiB: 16,
    });
    expect(resolve('n1-standard-16', 'NVIDIA_TESLA_V100', 2).acceleratorCount).toBe(2);
    expect(resolve('n1-standard-4')).toEqual({ machineType: 'n1-standard-4' });
    expect(resolve('e2-standard-4')).toEqual({ machineType: 'e2-standard-4' });
  });

  it('rejects a GPU that does not fit the machine family, naming the expected one', () => {
    expect(() => resolve('g2-standard-12', 'NVIDIA_H100_80GB')).toThrow(
      /Stack\/Model: accelerator "NVIDIA_H100_80GB" does not fit machine type "g2-standard-12"\. Expected "NVIDIA_L4"/,
    );
    expect(() => resolve('a2-highgpu-1g', 'NVIDIA_A100_80GB')).toThrow(/Expected "NVIDIA_TESLA_A100"/);
    expect(() => resolve('a3-highgpu-8g', 'NVIDIA_H100_MEGA_80GB')).toThrow(/Expected "NVIDIA_H100_80GB"/);
    expect(() => resolve('n1-standard-8', 'NVIDIA_L4')).toThrow(
      /Expected "NVIDIA_TESLA_T4", "NVIDIA_TESLA_P4", "NVIDIA_TESLA_P100", "NVIDIA_TESLA_V100"/,
    );
  });

  it('rejects a GPU count the machine type does not carry', () => {
    expect(() => resolve('g2-standard-12', 'NVIDIA_L4', 2)).toThrow(
      '2 x NVIDIA_L4 is not allowed on "g2-standard-12". Expected acceleratorCount 1 (the count is fixed by the machine type)',
    );
    expect(() => resolve('a3-highgpu-8g', undefined, 4)).toThrow(/Expected acceleratorCount 8/);
    expect(() => resolve('n1-standard-8', 'NVIDIA_TESLA_T4', 3)).toThrow(
      /Expected acceleratorCount one of "1", "2", "4"/,
    );
  });

  it('rejects N1 machines with more vCPUs than the GPU count allows', () => {
    expect(() => resolve('n1-standard-32', 'NVIDIA_TESLA_V100', 1)).toThrow(
      /"n1-standard-32" has 32 vCPUs, more than the 12 that 1 x NVIDIA_TESLA_V100 allows on N1/,
    );
  });

  it('rejects unknown sizes of a known family, listing the valid ones', () => {
    expect(() => resolve('g2-standard-10')).toThrow(
      /machine type "g2-standard-10" is not a g2-standard size that Vertex AI serves\. Expected one of "g2-standard-4", "g2-standard-8"/,
    );
    expect(() => resolve('a3-megagpu-4g')).toThrow(/Expected one of "a3-megagpu-8g"/);
  });

  it('rejects GPUs on CPU-only families and counts without a type on N1', () => {
    expect(() => resolve('e2-standard-8', 'NVIDIA_L4')).toThrow(/machine type "e2-standard-8" takes no GPU/);
    expect(() => resolve('n1-standard-8', undefined, 2)).toThrow(
      /acceleratorCount 2 was given without acceleratorType/,
    );
  });

  it('rejects G4 (RTX PRO 6000), which provider 6.x cannot express', () => {
    try {
      resolve('g4-standard-48');
      expect.unreachable();
    } catch (e) {
      expect(isGcpConstructError(e) && e.code).toBe('accelerator-not-in-provider');
      expect((e as Error).message).toMatch(/carries NVIDIA_RTX_PRO_6000, which the google provider 6\.x/);
    }
  });

  it('lists the catalog for docs, every entry resolvable or explicitly unsupported', () => {
    const entries = catalogMachineTypes();
    expect(entries.find((e) => e.machineType === 'g2-standard-12')).toEqual({
      machineType: 'g2-standard-12',
      acceleratorType: 'NVIDIA_L4',
      count: 1,
    });
    for (const e of entries.filter((x) => x.acceleratorType !== 'NVIDIA_RTX_PRO_6000')) {
      expect(resolve(e.machineType).acceleratorCount).toBe(e.count);
    }
  });
});
