import { describe, expect, it } from 'vitest';
import { GPU_INSTANCES, gpuInstance } from './gpu-instances.js';

describe('GPU instance catalog', () => {
  it.each([
    ['ml.g5.xlarge', 1, 24, true, false],
    ['ml.g5.12xlarge', 4, 24, true, false],
    ['ml.g5.48xlarge', 8, 24, true, false],
    ['ml.g6.12xlarge', 4, 24, true, true],
    ['ml.g6e.48xlarge', 8, 48, true, true],
    ['ml.p4d.24xlarge', 8, 40, true, false],
    ['ml.p4de.24xlarge', 8, 80, true, false],
    ['ml.p5.48xlarge', 8, 80, true, true],
    ['ml.p5e.48xlarge', 8, 141, true, true],
    ['ml.p3.8xlarge', 4, 16, false, false],
  ])('%s has %i GPU(s) of %i GiB (nvme %s, fp8 %s)', (type, count, memory, nvme, fp8) => {
    expect(gpuInstance(type)).toEqual({
      instanceType: type,
      gpu: expect.any(String),
      gpuCount: count,
      gpuMemoryGib: memory,
      nvme,
      fp8,
    });
  });

  it('knows every size of the common families and nothing that is not a GPU host', () => {
    expect(Object.keys(GPU_INSTANCES).filter((t) => t.startsWith('ml.g5.'))).toHaveLength(8);
    expect(gpuInstance('ml.m5.xlarge')).toBeUndefined();
    expect(Object.isFrozen(GPU_INSTANCES)).toBe(true);
  });
});
