/** Shared helpers for the host tests: temp databases, small real runs, fake results. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInProfile, ENGINE_VERSION, parseStrategy, parseWorkload, simulateStrategy, workloadText } from '../../core/index.ts';
import type { RunConfig } from '../../core/contract.ts';
import type { NewResult } from '../../electron/host/store.ts';
import type { TimeSeries } from '../../core/types.ts';

export const SMALL_FIO = 'fio:rw=randread,bs=4k,iodepth=16,number_ios=2000';

export function tempDir(prefix = 'iommu-lab-test-'): { dir: string; db: (name?: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, db: (name = 'runs.db') => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function series(n: number, seed = 1): TimeSeries {
  const s: TimeSeries = { tUs: [], throughputMiBps: [], bounceBytes: [], pinnedBytes: [], iovaBytes: [] };
  for (let i = 0; i < n; i++) {
    s.tUs.push(i * 10 + seed);
    s.throughputMiBps.push(1000 + ((i * 7919 + seed) % 97) / 3);
    s.bounceBytes.push((i % 1024) * 4096);
    s.pinnedBytes.push(64 * 1024 * 1024);
    s.iovaBytes.push((i % 4096) * 4096);
  }
  return s;
}

let cached: { config: RunConfig; result: NewResult } | null = null;

/** A real (simulated) config + result for strict on vtd, reused by store tests. */
export function sampleRun(points = 200): { config: RunConfig; result: NewResult } {
  if (!cached) {
    const profile = builtInProfile('vtd');
    const strategy = parseStrategy('strict');
    const workload = parseWorkload(SMALL_FIO);
    const r = simulateStrategy(profile, strategy, workload, 1);
    cached = {
      config: { profile, strategies: [strategy], workload, workloadText: workloadText(workload), seed: 1, replications: 1, seriesPoints: null, engineVersion: ENGINE_VERSION },
      result: { strategy: strategy.text, strategyIndex: 0, replication: 0, seed: 1, wallMs: 3, metrics: r.metrics, series: r.series, latencyHistogram: r.latencyHistogram },
    };
  }
  return { config: cached.config, result: { ...cached.result, series: points === cached.result.series.tUs.length ? cached.result.series : series(points) } };
}
