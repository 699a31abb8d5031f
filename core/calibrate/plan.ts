import type { DmaBenchWorkload, HardwareProfile } from '../types.ts';
import { workloadText } from '../workload.ts';
import type { SimPoint } from './simulate.ts';

/** The kernel tool accepts -g 1..1024 pages. */
const MAX_TOOL_GRANULE = 1024;

export interface PlanRun extends SimPoint {
  workload: DmaBenchWorkload;
  /** Why this point is in the plan (which costs it separates). */
  why: string;
}

const dmab = (threads: number, granulePages: number): DmaBenchWorkload => ({
  kind: 'dmabench', threads, seconds: 10, granulePages, dir: 'BIDIRECTIONAL', delayNs: 0, sg: false, skipCpuSync: false,
});

/**
 * dma_map_benchmark runs that separate a profile's DMA-API costs: sizes on both sides of the IOVA
 * rcache limit (rcache hit vs rbtree allocation), one page and many (per-call vs per-page costs),
 * a size reaching a new last-level table, 1 thread and several (what is serialised across CPUs:
 * the invalidation queue, the tree lock, a VMM lock), strict and lazy (per-unmap invalidation and
 * sync vs the amortised domain flush).
 */
export function calibrationPlan(profile: HardwareProfile): PlanRun[] {
  const cpuPage = profile.cpu.pageSizeBytes;
  const granule = profile.iommu.granuleBytes;
  const perGranule = Math.max(1, granule / cpuPage);
  const cachedPages = Math.max(1, Math.floor((profile.iova.rcacheMaxPages * granule) / cpuPage));
  const leafPages = Math.max(1, Math.floor(profile.iommu.leafTableSpanBytes / cpuPage));
  const clamp = (g: number) => Math.max(1, Math.min(MAX_TOOL_GRANULE, Math.round(g)));
  const sizes: Array<[number, string]> = [
    [1, 'one page: the fixed cost of a call (API, IOVA, one PTE, one invalidation + sync)'],
    [clamp(Math.max(perGranule * 4, cachedPages / 4)), 'a few pages inside the rcache: the per-page costs'],
    [clamp(cachedPages), 'the largest size the IOVA rcache serves'],
    [clamp(cachedPages * 2), 'just above the rcache limit: the IOVA rbtree allocation and free'],
    [clamp(Math.max(cachedPages * 8, Math.min(leafPages / 2, MAX_TOOL_GRANULE))), 'many pages: per-page costs at scale, range invalidation, table allocation'],
  ];
  const seen = new Set<number>();
  const uniq = sizes.filter(([g]) => (seen.has(g) ? false : (seen.add(g), true)));
  const threads = Math.max(1, Math.min(profile.cpu.cores, 8));
  const out: PlanRun[] = [];
  for (const strategy of ['strict', 'lazy']) {
    for (const [g, why] of uniq) out.push({ workload: dmab(1, g), strategy, why });
    if (threads > 1) {
      for (const [g, why] of [uniq[0], uniq[1] ?? uniq[0]]) {
        out.push({ workload: dmab(threads, g), strategy, why: `${threads} threads: what is serialised across CPUs (${why.split(':')[0]})` });
      }
    }
  }
  return out;
}

/** The plan as a shell script a user runs on the board (strict then lazy, via the group's sysfs type). */
export function planScript(profile: HardwareProfile): string {
  const plan = calibrationPlan(profile);
  const lines = [
    '#!/bin/sh',
    `# Measurements that determine the DMA-API costs of profile "${profile.id}" (iommu-lab calibrate --plan --base ${profile.id}).`,
    '# Needs CONFIG_DMA_MAP_BENCHMARK and the tool from tools/testing/selftests/dma (make -C tools/testing/selftests/dma).',
    '# DEV: a device in an IOMMU group of its own, e.g. DEV=0000:01:00.0 (PCI) — it is unbound from its driver.',
    'set -e',
    'DEV=${DEV:?set DEV to the device to benchmark}',
    'BUS=${BUS:-pci}',
    'BENCH=${BENCH:-./dma_map_benchmark}',
    'GROUP=$(basename "$(readlink /sys/bus/$BUS/devices/$DEV/iommu_group)")',
    'setmode() { # $1: DMA (strict) or DMA-FQ (lazy); the group must have no driver bound to change type',
    '  [ -e /sys/bus/$BUS/devices/$DEV/driver ] && echo "$DEV" > /sys/bus/$BUS/devices/$DEV/driver/unbind',
    '  echo "$1" > /sys/kernel/iommu_groups/$GROUP/type',
    '  echo dma_map_benchmark > /sys/bus/$BUS/devices/$DEV/driver_override',
    '  echo "$DEV" > /sys/bus/$BUS/drivers/dma_map_benchmark/bind',
    '}',
  ];
  for (const [strategy, type] of [['strict', 'DMA'], ['lazy', 'DMA-FQ']] as const) {
    lines.push('', `setmode ${type}`, '{', `echo '# strategy: ${strategy}'`);
    for (const r of plan.filter((p) => p.strategy === strategy)) {
      lines.push(`$BENCH -t ${r.workload.threads} -s ${r.workload.seconds} -g ${r.workload.granulePages}   # ${r.why}`);
    }
    lines.push(`} | tee ${strategy}.txt`);
  }
  lines.push('', `# then: iommu-lab calibrate --base ${profile.id} --measurements strict.txt,lazy.txt --out my-board.json`, '');
  return lines.join('\n');
}

export function planPointsText(profile: HardwareProfile): string[] {
  return calibrationPlan(profile).map((p) => `${workloadText(p.workload)} ${p.strategy}`);
}
