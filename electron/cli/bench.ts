import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { builtInProfile, ENGINE_VERSION, parseStrategy, parseWorkload, simulateStrategy, STRATEGIES, workloadText } from '../../core/index.ts';
import { diffRuns, type DiffInput } from '../../core/report.ts';
import { median } from '../../core/stats.ts';
import { bareLoop } from './bare-loop.ts';
import type { CliIo } from './command.ts';
import { table } from './format.ts';
import { ENGINE_INLINING_BUDGET } from '../host/v8-tuning.ts';

export interface EngineFigure {
  strategy: string;
  ios: number;
  wallSeconds: number;
  iosPerSecond: number;
  /** CPU time of the simulating thread (best of the repeats, like the wall time). */
  cpuSeconds: number;
  iosPerCpuSecond: number;
  /**
   * Speed over the bare hand-written loop's (electron/cli/bare-loop.ts): the median over the
   * repeats of the bare loop's CPU time for the same number of IOs, timed in the same thread right
   * after the engine's run, over the engine's. Paired run by run, so the machine's speed, which
   * moves by up to 1.4x within a minute on a shared VM, cancels out of it.
   */
  ratioToBareLoop: number;
  /**
   * The first run in the fresh worker, as each worker of a simulation pool starts: IOs per
   * second of the process's CPU time, compilation included (null on the rows of larger sizes,
   * which are steady-state only).
   */
  coldIosPerCpuSecond: number | null;
  rssPeakMiB: number;
}

interface BareLoopFigure {
  ios: number;
  wallSeconds: number;
  cpuSeconds: number;
  iosPerCpuSecond: number;
}

/** CPU seconds of the whole process: every thread, the optimising compiler's included. */
function processCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** CPU seconds of this thread (the engine runs on one); the whole process where Node lacks it. */
function cpuSeconds(): number {
  const threadCpu = (process as unknown as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage;
  const u = threadCpu ? threadCpu.call(process) : process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Best wall and best CPU time of `repeats` calls (hyperfine's minimum: other load only slows a run down). */
function timeBest(repeats: number, fn: () => void, minCpuSeconds = 0): { wall: number; cpu: number } {
  let wall = Infinity;
  let cpu = Infinity;
  for (let r = 0; r < repeats; r++) {
    const s = timePerCall(fn, cpuSeconds, minCpuSeconds);
    wall = Math.min(wall, s.wall);
    cpu = Math.min(cpu, s.cpu);
  }
  return { wall, cpu };
}

/**
 * Shortest CPU interval one sample of the engine or the bare loop spans. A thread's CPU clock can
 * tick in scheduler jiffies (4 ms steps on these machines, where the process clock reads to the
 * microsecond), so a run of a few milliseconds reads 0 or one whole tick: a ratio of two such
 * readings was 0 or infinite. Over 100 ms a tick is at most 4 % of the reading.
 */
export const MIN_SAMPLE_CPU_SECONDS = 0.1;

/**
 * Wall and CPU seconds per call of `fn`, called until `clock` has advanced by `minCpuSeconds`
 * (at least once), so a coarse clock's step is a small part of what is read.
 */
export function timePerCall(fn: () => void, clock: () => number, minCpuSeconds: number): { wall: number; cpu: number; calls: number } {
  const c0 = clock();
  const t0 = performance.now();
  let calls = 0;
  let cpu = 0;
  do {
    fn();
    calls++;
    cpu = clock() - c0;
  } while (cpu < minCpuSeconds);
  const wall = (performance.now() - t0) / 1000;
  return { wall: wall / calls, cpu: cpu / calls, calls };
}

const BENCH_FIO = 'fio:rw=randread,bs=4k,iodepth=64';

/** The bare event loop of the same closed loop (fio 4k randread QD64, vtd, strict), same process. */
export function benchBareLoop(ios: number, repeats: number): BareLoopFigure {
  const profile = builtInProfile('vtd');
  bareLoop(profile, 300_000);
  let sink = 0;
  const t = timeBest(repeats, () => {
    const r = bareLoop(profile, ios);
    if (r.ios !== ios) throw new Error(`bench: bare loop completed ${r.ios} IOs, expected ${ios}`);
    sink += r.checksum;
  }, MIN_SAMPLE_CPU_SECONDS);
  if (!(sink > 0)) throw new Error('bench: bare loop did no work');
  return { ios, wallSeconds: round3(t.wall), cpuSeconds: round3(t.cpu), iosPerCpuSecond: Math.round(ios / t.cpu) };
}

/**
 * Engine speed on one core: fio 4k randread iodepth 64 on the vtd profile, every strategy at
 * `sizes[0]` IOs, strict and bounce-pool also at the larger sizes. Each strategy runs in its own
 * worker thread (a fresh V8 isolate, as a `run` of that strategy compiles the engine; see
 * bench-worker.ts), one after the other, in this process. RSS is the process's peak after each
 * strategy; flat RSS across sizes shows memory does not grow with the number of IOs.
 */
export async function benchEngine(sizes: number[], repeats = 3): Promise<EngineFigure[]> {
  const out: EngineFigure[] = [];
  for (const def of STRATEGIES) {
    const figures = await inWorker(def.id, def.id === 'strict' || def.id === 'bounce-pool' ? sizes : sizes.slice(0, 1), repeats);
    for (const f of figures) {
      out.push({
        ...f,
        // Peak resident set of the process so far (getrusage maxrss), not the current RSS.
        rssPeakMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      });
    }
  }
  return out;
}

/** One strategy's figures from a bench worker (out/cli/bench-worker.js, beside the bundle). */
function inWorker(strategy: string, sizes: number[], repeats: number): Promise<EngineFigure[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./bench-worker.js', import.meta.url));
    w.once('message', (m: { figures?: EngineFigure[]; error?: string }) => {
      void w.terminate();
      if (m.figures) resolve(m.figures);
      else reject(new Error(`bench: ${strategy}: ${m.error}`));
    });
    w.once('error', reject);
    w.postMessage({ strategy, sizes, repeats });
  });
}

/** The timed runs of one strategy, in the calling thread (bench-worker.ts calls it in its own isolate). */
export function benchStrategy(strategy: string, sizes: number[], repeats: number): EngineFigure[] {
  const profile = builtInProfile('vtd');
  // The first run in this fresh isolate (compilation and all), then the warm-up.
  const c0 = processCpuSeconds();
  const first = simulateStrategy(profile, parseStrategy(strategy), parseWorkload(`${BENCH_FIO},number_ios=${sizes[0]}`), 1);
  const coldCpu = processCpuSeconds() - c0;
  if (first.metrics.ios !== sizes[0]) throw new Error(`bench: expected ${sizes[0]} IOs, simulated ${first.metrics.ios}`);
  // Warm the JIT first: the figures are steady-state speed, as a long run sees it.
  simulateStrategy(profile, parseStrategy(strategy), parseWorkload(`${BENCH_FIO},number_ios=300000`), 1);
  // The bare loop too: its first call is compiled on stack replacement, its second as a whole, and
  // from then on its runs compile nothing (--trace-opt).
  bareLoop(profile, 200_000);
  bareLoop(profile, 200_000);
  return sizes.map((ios, i) => {
    const workload = parseWorkload(`${BENCH_FIO},number_ios=${ios}`);
    let wall = Infinity;
    let cpu = Infinity;
    const ratios: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t = timePerCall(() => {
        const res = simulateStrategy(profile, parseStrategy(strategy), workload, 1);
        if (res.metrics.ios !== ios) throw new Error(`bench: expected ${ios} IOs, simulated ${res.metrics.ios}`);
      }, cpuSeconds, MIN_SAMPLE_CPU_SECONDS);
      const b = timePerCall(() => {
        if (bareLoop(profile, ios).ios !== ios) throw new Error(`bench: bare loop completed fewer than ${ios} IOs`);
      }, cpuSeconds, MIN_SAMPLE_CPU_SECONDS);
      wall = Math.min(wall, t.wall);
      cpu = Math.min(cpu, t.cpu);
      ratios.push(b.cpu / t.cpu);
    }
    return {
      strategy, ios, wallSeconds: round3(wall), iosPerSecond: Math.round(ios / wall),
      cpuSeconds: round3(cpu), iosPerCpuSecond: Math.round(ios / cpu), ratioToBareLoop: Math.round(median(ratios) * 100) / 100,
      coldIosPerCpuSecond: i === 0 ? Math.round(ios / coldCpu) : null, rssPeakMiB: 0,
    };
  });
}

/** `diff` of two stored runs of `strategies` x `replications` each: the statistics only (no database). */
export function benchDiff(strategies: string[], replications: number, repeats: number): { strategies: number; replications: number; ms: number } {
  const profile = builtInProfile('vtd');
  const workload = parseWorkload(`${BENCH_FIO},bssplit=4k/50:64k/50,number_ios=500`);
  const specs = strategies.map((s) => parseStrategy(s));
  const side = (base: number): DiffInput => {
    const results = specs.flatMap((spec, strategyIndex) => Array.from({ length: replications }, (_, replication) => ({
      strategy: spec.text, strategyIndex, replication, seed: base + replication, wallMs: 0,
      metrics: simulateStrategy(profile, spec, workload, base + replication).metrics,
    })));
    const config = { profile, strategies: specs, workload, workloadText: workloadText(workload), seed: base, replications, seriesPoints: null, engineVersion: ENGINE_VERSION };
    return { summary: { id: `bench${base}` }, config, results } as unknown as DiffInput;
  };
  const a = side(1);
  const b = side(1001);
  diffRuns(a, b);
  return { strategies: specs.length, replications, ms: Math.round(timeBest(repeats, () => diffRuns(a, b)).wall * 10000) / 10 };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export interface CalibrationFigure {
  measurements: number;
  cpuSeconds: number;
  wallSeconds: number;
  simulations: number;
  rmsRelErrorAfter: number;
}

/**
 * Calibration speed: 20 measurements (the first 10 dma_map_benchmark runs of smmuv3's plan, map and
 * unmap each) generated from a profile whose costs are 20-30 % off, fitted from smmuv3 with the
 * search for determining measurements included. CPU seconds of this process: the fit is
 * single-threaded, so that is its time on one core.
 */
export async function benchCalibration(): Promise<CalibrationFigure> {
  const { calibrate, calibrationPlan, costParams, predictMeasurements, withValues } = await import('../../core/calibrate/index.ts');
  const { workloadText } = await import('../../core/workload.ts');
  const base = builtInProfile('smmuv3');
  const truth = withValues(base, new Map(costParams(base).map((p, i) => [p.path, p.base * (i % 2 ? 1.2 : 0.7)])));
  truth.cpu.costJitterFraction = 0;
  const plan = calibrationPlan(base).slice(0, 10);
  const ms = plan.flatMap((p) => (['mapUs.mean', 'unmapUs.mean'] as const).map((metric) => ({
    workload: p.workload, workloadText: workloadText(p.workload), strategy: p.strategy, metric, value: 0, resolution: 0.05, source: 'bench',
  })));
  const values = predictMeasurements(truth, ms);
  const measurements = ms.map((m, i) => ({ ...m, value: Math.max(0.1, Math.round(values[i] * 10) / 10) }));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = calibrate(base, measurements);
  const cpu = process.cpuUsage(cpu0);
  return {
    measurements: measurements.length, cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
    wallSeconds: Math.round((performance.now() - t0) / 10) / 100, simulations: r.stats.simulations, rmsRelErrorAfter: r.stats.rmsRelErrorAfter,
  };
}

export async function runBench(io: CliIo, json: boolean, quick: boolean): Promise<number> {
  const repeats = quick ? 1 : 3;
  const bare = benchBareLoop(quick ? 400_000 : 4_000_000, repeats);
  const engine = await benchEngine(quick ? [200_000, 400_000] : [1_000_000, 4_000_000], repeats);
  const diff = [benchDiff(['strict'], 30, quick ? 3 : 5), benchDiff(['strict', 'lazy', 'bounce-pool'], 30, quick ? 3 : 5)];
  const calibration = quick ? null : await benchCalibration();
  let store: unknown = null;
  try {
    const mod = await import('../host/bench.ts');
    store = await mod.benchStore({ quick });
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  }
  // Figures from a shared machine mean little without its load (1-minute load average, cores).
  const machine = { cores: availableParallelism(), loadAverage1m: Math.round(loadavg()[0] * 100) / 100, v8InliningBudget: ENGINE_INLINING_BUDGET };
  if (json) {
    io.out(JSON.stringify({ machine, engine, bareLoop: bare, diff, store, calibration }, null, 2) + '\n');
    return 0;
  }
  io.out(`Machine: ${machine.cores} cores, load average ${machine.loadAverage1m.toFixed(2)} (1 min, at the end)\n`);
  io.out(`Engine: ${BENCH_FIO.slice(4).replaceAll(',', ' ')} on vtd, one core, each strategy in a fresh worker thread, ${quick ? 'one run' : 'best of 3'} after a warm-up`
    + `${quick ? ' (--quick: smaller runs)' : ''}, V8 inlining budget ${ENGINE_INLINING_BUDGET} bytecodes (electron/host/v8-tuning.ts)\n`);
  io.out(table(['strategy', 'IOs', 'wall s', 'IOs/s', 'CPU s', 'IOs/CPU s', 'vs bare loop', 'first run IOs/CPU s', 'peak RSS MiB'], engine.map((e) => [
    e.strategy, String(e.ios), e.wallSeconds.toFixed(3), e.iosPerSecond.toLocaleString('en-US'), e.cpuSeconds.toFixed(3),
    e.iosPerCpuSecond.toLocaleString('en-US'), `${e.ratioToBareLoop.toFixed(2)}x`,
    e.coldIosPerCpuSecond === null ? '' : e.coldIosPerCpuSecond.toLocaleString('en-US'), String(e.rssPeakMiB),
  ])));
  io.out('first run: the first simulation in a fresh worker thread, as each worker of a simulation pool starts, per second of the'
    + ' process\'s CPU time (compilation included); the other columns are steady state on the simulating thread.'
    + ' vs bare loop: the median, over the repeats, of the engine\'s speed over the bare loop\'s on the same IOs, timed in the same'
    + ' thread right after the engine\'s run (the machine\'s speed, which moves between runs, cancels out of it).\n');
  io.out(`\nBare hand-written event loop of the same closed loop (strict): ${bare.ios.toLocaleString('en-US')} IOs in ${bare.cpuSeconds.toFixed(3)} CPU s = ${bare.iosPerCpuSecond.toLocaleString('en-US')} IOs/CPU s\n`);
  io.out(`\nDiff statistics (medians, 95% bootstrap CIs, Mann-Whitney) of two runs, every metric:\n`);
  io.out(table(['strategies', 'replications', 'ms'], diff.map((d) => [String(d.strategies), `${d.replications} x ${d.replications}`, d.ms.toFixed(1)])));
  if (calibration) {
    io.out(`\nCalibration: ${calibration.measurements} dma_map_benchmark figures fitted from smmuv3 (calibrate, one thread): `
      + `${calibration.cpuSeconds.toFixed(2)} s CPU, ${calibration.wallSeconds.toFixed(2)} s wall, ${calibration.simulations} simulations, `
      + `rms error after ${(calibration.rmsRelErrorAfter * 100).toFixed(1)} %\n`);
  }
  if (store) io.out(`\nRun store:\n${storeTable(store as Record<string, unknown>)}`);
  return 0;
}

const STORE_LABELS: Record<string, string> = {
  saveRun100kPointsMs: 'save a run with 100,000 series points',
  loadRun100kPointsMs: 'load it back',
  insert10kRunsMs: 'insert 10,000 runs',
  list10kRunsMs: 'list 10,000 runs',
  listFirstPageOf10kMs: 'first page (50) of 10,000 runs',
  searchIn10kRunsMs: 'search 10,000 runs',
  dbBytes: 'database size',
};

/** The run-store figures as a table (they used to be dumped as raw JSON in the text output). */
export function storeTable(store: Record<string, unknown>): string {
  const rows = Object.entries(store).map(([k, v]) => {
    const n = typeof v === 'number' ? v : NaN;
    const value = k.endsWith('Ms') ? `${n.toLocaleString('en-US', { maximumFractionDigits: 1 })} ms`
      : k.endsWith('Bytes') ? `${(n / 1024 / 1024).toFixed(1)} MiB` : String(v);
    return [STORE_LABELS[k] ?? k, value];
  });
  return table(['operation', 'figure'], rows);
}
