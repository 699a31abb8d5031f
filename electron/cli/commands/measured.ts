/**
 * `compare-fio --save`: the fio result as a run of kind `measured` (its figures in the metrics
 * fields fio reports, the rest left empty), and the simulation it was compared with as a normal
 * run, so `diff MEASURED SIMULATED` and History treat both like any run.
 */
import { ENGINE_VERSION, type ExperimentResult, type HardwareProfile, type Metrics, type Workload } from '../../../core/index.ts';
import type { FioMeasured } from '../../../core/fio/json.ts';
import type { RunConfig } from '../../../core/contract.ts';
import type { Args } from '../args.ts';
import { openService, tagsFlag, textFlag } from './store.ts';

/** Metrics of a fio result: only what fio measures; DMA-API figures stay empty (null), never 0. */
export function measuredMetrics(m: FioMeasured): Metrics {
  const ios = m.jobs.reduce((a, j) => a + (j.iops * j.runtimeMs) / 1000, 0);
  const w = (f: (j: FioMeasured['jobs'][number]) => number) => (ios > 0 ? m.jobs.reduce((a, j) => a + (f(j) * j.iops * j.runtimeMs) / 1000, 0) / ios : 0);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const none = null as unknown as number;
  return {
    simulatedSeconds: Math.max(...m.jobs.map((j) => j.runtimeMs)) / 1000,
    ios: Math.round(ios),
    bytes: m.jobs.reduce((a, j) => a + j.ioBytes, 0),
    throughputMiBps: r3(m.jobs.reduce((a, j) => a + j.bandwidthBytesPerSec, 0) / 1024 ** 2),
    iops: r3(m.jobs.reduce((a, j) => a + j.iops, 0)),
    latencyUs: {
      mean: r3(w((j) => j.clatUs.mean)), p50: r3(w((j) => j.clatUs.p50)), p90: r3(w((j) => j.clatUs.p90)), p99: r3(w((j) => j.clatUs.p99)),
      p999: r3(w((j) => j.clatUs.p999)), max: r3(Math.max(...m.jobs.map((j) => j.clatUs.max))),
    },
    mapUs: { mean: none, p50: none, p99: none, stddev: none },
    unmapUs: { mean: none, p50: none, p99: none, stddev: none },
    mapCalls: none,
    unmapCalls: none,
    cpuSecondsPerGiB: { map: none, unmap: none, copy: none, invalidate: none, fault: none, other: none, total: none },
    // fio's sys% per job: kernel CPU, the part the simulator models (usr% is kept in measured_json).
    cpuUtilisation: r3(m.jobs.reduce((a, j) => a + j.sysCpuPercent / 100, 0)),
    iotlb: { lookups: none, misses: none, missesPerPage: none },
    invalidations: { count: none, perPage: none },
    bounceBytes: { peak: none, mean: none },
    pinnedBytes: { peak: none },
    iovaBytes: { peak: none },
    exposure: { bytesBeyondBuffer: none, fractionBeyondBuffer: none, staleWindowUs: { mean: none, max: none } },
    faults: none,
    fallbacks: none,
    failures: m.jobs.reduce((a, j) => a + (j.error ? 1 : 0), 0),
    slowdownVsPinned: null,
  };
}

export async function saveMeasuredRun(args: Args, m: FioMeasured, workload: Workload, profile: HardwareProfile, sim: ExperimentResult): Promise<string> {
  const host = openService(args);
  try {
    const store = host.store;
    const name = textFlag(args, 'name') ?? `measured: ${m.fioVersion} ${m.jobs.map((j) => j.name).join(', ')}`.slice(0, 200);
    const tags = tagsFlag(args);
    const base: Omit<RunConfig, 'strategies'> = {
      profile, workload, workloadText: sim.workloadText, seed: sim.seed, replications: 1, seriesPoints: null, engineVersion: ENGINE_VERSION,
    };
    const measuredId = store.insertCompleteRun(
      { config: { ...base, strategies: [] }, name, tags, notes: textFlag(args, 'notes') ?? `measured by ${m.fioVersion}${m.timestamp ? ` at ${new Date(m.timestamp * 1000).toISOString()}` : ''}`, saved: true, kind: 'measured', measured: m },
      [{
        strategy: `measured (${m.fioVersion})`, strategyIndex: 0, replication: 0, seed: 0, wallMs: 0, metrics: measuredMetrics(m),
        series: { tUs: [], throughputMiBps: [], bounceBytes: [], pinnedBytes: [], iovaBytes: [] }, latencyHistogram: { edgesUs: [], counts: [] },
      }],
    );
    const r = sim.results[0];
    const simId = store.insertCompleteRun(
      { config: { ...base, strategies: [{ id: r.strategy.split(':')[0] as RunConfig['strategies'][number]['id'], params: {}, text: r.strategy }] }, name: `simulated: ${name}`.slice(0, 200), tags, saved: true },
      [{ strategy: r.strategy, strategyIndex: 0, replication: 0, seed: sim.seed, wallMs: 0, metrics: r.metrics, series: r.series, latencyHistogram: r.latencyHistogram }],
    );
    return `${measuredId} (simulated beside it: ${simId}; iommu-lab diff ${measuredId} ${simId})`;
  } finally {
    await host.close();
  }
}
