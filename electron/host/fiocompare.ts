/**
 * fio's JSON result beside the simulation (compare-fio and the fio:compare operation): parse the
 * result, simulate its jobs with one strategy on the worker pool, compare per job; optionally
 * store the fio result as a run of kind `measured` (only what fio measures, DMA-API figures empty)
 * and the simulation as a normal run, so History lists both and runs:diff compares them.
 */
import { ENGINE_VERSION, InputError, parseStrategy, workloadText, type FioJobResult, type HardwareProfile, type Metrics, type StrategyResult, type Workload } from '../../core/index.ts';
import type { FioCompareResult, RunConfig } from '../../core/contract.ts';
import { understoodLines } from '../../core/fio/describe.ts';
import { compareFio, fioJsonWorkload, parseFioJson, type FioMeasured } from '../../core/fio/json.ts';
import type { RunStore } from './store.ts';

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

/** fio's per-job figures in the shape of the simulator's per-job results. */
export function measuredJobs(m: FioMeasured): FioJobResult[] {
  return m.jobs.map((j) => ({
    name: j.name, group: j.groupid, ios: Math.round((j.iops * j.runtimeMs) / 1000), bytes: j.ioBytes, readBytes: j.readBytes, writeBytes: j.writeBytes,
    runtimeUs: j.runtimeMs * 1000, throughputMiBps: Math.round((j.bandwidthBytesPerSec / 1024 ** 2) * 1000) / 1000, iops: j.iops, clatUs: j.clatUs,
    cpuFraction: j.sysCpuPercent / 100,
  }));
}

export interface SaveMeta {
  name?: string;
  tags?: string[];
  notes?: string;
}

/** Stores the measured run and the simulated run; returns their ids. */
export function saveMeasuredAndSimulated(store: RunStore, m: FioMeasured, workload: Workload, profile: HardwareProfile, sim: StrategyResult, seed: number, meta: SaveMeta = {}): { measuredRunId: string; simulatedRunId: string } {
  const name = meta.name ?? `measured: ${m.fioVersion} ${m.jobs.map((j) => j.name).join(', ')}`.slice(0, 200);
  const base: Omit<RunConfig, 'strategies'> = {
    profile, workload, workloadText: workloadText(workload), seed, replications: 1, seriesPoints: null, engineVersion: ENGINE_VERSION,
  };
  const measuredRunId = store.insertCompleteRun(
    { config: { ...base, strategies: [] }, name, tags: meta.tags, notes: meta.notes ?? `measured by ${m.fioVersion}${m.timestamp ? ` at ${new Date(m.timestamp * 1000).toISOString()}` : ''}`, saved: true, kind: 'measured', measured: m },
    [{
      strategy: `measured (${m.fioVersion})`, strategyIndex: 0, replication: 0, seed: 0, wallMs: 0, metrics: measuredMetrics(m),
      series: { tUs: [], throughputMiBps: [], bounceBytes: [], pinnedBytes: [], iovaBytes: [] }, latencyHistogram: { edgesUs: [], counts: [] }, jobs: measuredJobs(m),
    }],
  );
  const simulatedRunId = store.insertCompleteRun(
    { config: { ...base, strategies: [parseStrategy(sim.strategy)] }, name: `simulated: ${name}`.slice(0, 200), tags: meta.tags, saved: true },
    [{ strategy: sim.strategy, strategyIndex: 0, replication: 0, seed, wallMs: 0, metrics: sim.metrics, series: sim.series, latencyHistogram: sim.latencyHistogram, ...(sim.jobs ? { jobs: sim.jobs } : {}) }],
  );
  return { measuredRunId, simulatedRunId };
}

/** Parses a fio JSON result into its measured figures and the workload of its jobs. */
export function fioJsonInput(text: string, what: string): { measured: FioMeasured; workload: Workload; understood: string[] } {
  const measured = parseFioJson(text, what);
  const parsed = fioJsonWorkload(measured);
  if (!parsed.workload) throw new InputError(what, measured.jobs.map((j) => j.name).join(','), `a job that does block IO (${parsed.refusal})`);
  return { measured, workload: parsed.workload, understood: understoodLines(parsed.understood) };
}

export function compareResult(measured: FioMeasured, profile: HardwareProfile, workload: Workload, understood: string[], sim: StrategyResult, ids: { measuredRunId: string; simulatedRunId: string } | null): FioCompareResult {
  return {
    fioVersion: measured.fioVersion, profileId: profile.id, strategy: sim.strategy, workloadText: workloadText(workload), understood,
    rows: compareFio(measured, sim.jobs ?? []), measuredRunId: ids?.measuredRunId ?? null, simulatedRunId: ids?.simulatedRunId ?? null,
  };
}
