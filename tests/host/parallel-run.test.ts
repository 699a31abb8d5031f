import { afterEach, describe, expect, it } from 'vitest';
import { builtInProfile, parseStrategyList, parseWorkload, runExperiment } from '../../core/index.ts';
import { runJson } from '../../electron/cli/commands/core.ts';
import { cli } from '../cli-harness.ts';

const WORKLOADS = [
  'fio:rw=randrw,bssplit=4k/50:64k/50,iodepth=16,numjobs=2,number_ios=2000',
  'dmabench:threads=2,granule=4,delay_ns=200000',
  'accel:msg_len=256k,times=30',
];

describe('run with several strategies on the worker pool', () => {
  const saved = process.env.IOMMU_LAB_WORKERS;
  afterEach(() => {
    if (saved === undefined) delete process.env.IOMMU_LAB_WORKERS;
    else process.env.IOMMU_LAB_WORKERS = saved;
  });

  it('prints byte-for-byte what the in-process run prints (built CLI and worker)', async () => {
    process.env.IOMMU_LAB_WORKERS = '2';
    for (const w of WORKLOADS) {
      const r = await cli('run', '--profile', 'smmuv3', '--strategy', 'all', '--workload', w, '--seed', '5', '--json');
      expect(r.code, r.err).toBe(0);
      const local = runExperiment({ profile: builtInProfile('smmuv3'), strategies: parseStrategyList('all'), workload: parseWorkload(w), seed: 5 });
      expect(r.out, w).toBe(runJson(local));
    }
  }, 120_000);

  it('stays in-process with one worker and gives the same output', async () => {
    const w = WORKLOADS[0];
    process.env.IOMMU_LAB_WORKERS = '2';
    const pooled = await cli('run', '--profile', 'vtd', '--strategy', 'strict,lazy,bounce-pool', '--workload', w);
    process.env.IOMMU_LAB_WORKERS = '1';
    const single = await cli('run', '--profile', 'vtd', '--strategy', 'strict,lazy,bounce-pool', '--workload', w);
    expect(pooled.code).toBe(0);
    expect(pooled.out).toBe(single.out);
  }, 120_000);
});
