// TEMPORARY placeholder while the lead writes the engine: same signatures, zeroed metrics.
import type { ExperimentInput, ExperimentResult, HardwareProfile, Metrics, Progress, StrategyResult, StrategySpec, Workload } from '../types.ts';
import { workloadText } from '../workload.ts';

export const ENGINE_VERSION = '0.0.0-placeholder';

export interface RunOptions {
  onProgress?: (p: Progress) => void;
  isCancelled?: () => boolean;
  /** Called after each strategy finishes, so a cancelled run keeps what finished. */
  onStrategyDone?: (r: StrategyResult, index: number) => void;
  seriesPoints?: number;
}

const z = { mean: 0, p50: 0, p99: 0, stddev: 0 };
export function simulateStrategy(_p: HardwareProfile, s: StrategySpec, _w: Workload, _seed: number, _o: RunOptions = {}): StrategyResult {
  const metrics: Metrics = {
    simulatedSeconds: 1, ios: 1000, bytes: 4096000, throughputMiBps: 3.9, iops: 1000,
    latencyUs: { mean: 10, p50: 10, p90: 10, p99: 10, p999: 10, max: 10 }, mapUs: z, unmapUs: z, mapCalls: 0, unmapCalls: 0,
    cpuSecondsPerGiB: { map: 0, unmap: 0, copy: 0, invalidate: 0, fault: 0, other: 0, total: 0 }, cpuUtilisation: 0,
    iotlb: { lookups: 0, misses: 0, missesPerPage: 0 }, invalidations: { count: 0, perPage: 0 },
    bounceBytes: { peak: 0, mean: 0 }, pinnedBytes: { peak: 0 }, iovaBytes: { peak: 0 },
    exposure: { bytesBeyondBuffer: 0, fractionBeyondBuffer: 0, staleWindowUs: { mean: 0, max: 0 } },
    faults: 0, fallbacks: 0, failures: 0, slowdownVsPinned: null,
  };
  return { strategy: s.text, metrics, series: { tUs: [0], throughputMiBps: [0], bounceBytes: [0], pinnedBytes: [0], iovaBytes: [0] }, latencyHistogram: { edgesUs: [10], counts: [1000] } };
}

export function runExperiment(input: ExperimentInput, opts: RunOptions = {}): ExperimentResult {
  const results = input.strategies.map((s, i) => {
    const r = simulateStrategy(input.profile, s, input.workload, input.seed, opts);
    opts.onStrategyDone?.(r, i);
    return r;
  });
  return { engineVersion: ENGINE_VERSION, profile: input.profile.id, workload: input.workload, workloadText: workloadText(input.workload), seed: input.seed, results };
}
