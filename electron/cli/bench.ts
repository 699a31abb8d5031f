import { builtInProfile, parseStrategy, parseWorkload, simulateStrategy } from '../../core/index.ts';
import type { CliIo } from './command.ts';
import { table } from './commands/core.ts';

interface EngineFigure {
  strategy: string;
  ios: number;
  wallSeconds: number;
  iosPerSecond: number;
  rssPeakMiB: number;
}

/**
 * Engine speed on one core: fio 4k randread iodepth 64 on the vtd profile under strict and
 * bounce-pool, at 1M and 4M IOs. RSS is sampled after each run; flat RSS across the two sizes
 * shows memory does not grow with the number of IOs.
 */
export function benchEngine(sizes: number[], repeats = 3): EngineFigure[] {
  const out: EngineFigure[] = [];
  const profile = builtInProfile('vtd');
  for (const strategy of ['strict', 'bounce-pool']) {
    // Warm the JIT first: the figures are steady-state speed, as a long run sees it.
    simulateStrategy(profile, parseStrategy(strategy), parseWorkload('fio:rw=randread,bs=4k,iodepth=64,number_ios=300000'), 1);
    for (const ios of sizes) {
      const workload = parseWorkload(`fio:rw=randread,bs=4k,iodepth=64,number_ios=${ios}`);
      // Best of `repeats`, as hyperfine's minimum: other processes on the machine only ever slow a run down.
      let best = Infinity;
      for (let r = 0; r < repeats; r++) {
        const t0 = performance.now();
        const res = simulateStrategy(profile, parseStrategy(strategy), workload, 1);
        const wall = (performance.now() - t0) / 1000;
        if (res.metrics.ios !== ios) throw new Error(`bench: expected ${ios} IOs, simulated ${res.metrics.ios}`);
        best = Math.min(best, wall);
      }
      out.push({
        strategy, ios, wallSeconds: Math.round(best * 1000) / 1000, iosPerSecond: Math.round(ios / best),
        // Peak resident set of the process so far (getrusage maxrss), not the current RSS.
        rssPeakMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      });
    }
  }
  return out;
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
  const engine = benchEngine(quick ? [100_000, 400_000] : [1_000_000, 4_000_000], quick ? 1 : 3);
  const calibration = quick ? null : await benchCalibration();
  let store: unknown = null;
  try {
    const mod = await import('../host/bench.ts');
    store = await mod.benchStore({ quick });
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  }
  if (json) {
    io.out(JSON.stringify({ engine, store, calibration }, null, 2) + '\n');
    return 0;
  }
  io.out(`Engine: fio rw=randread bs=4k iodepth=64 on vtd, one core, ${quick ? 'one run' : 'best of 3'} after a warm-up${quick ? ' (--quick: smaller runs)' : ''}\n`);
  io.out(table(['strategy', 'IOs', 'wall s', 'IOs/s', 'peak RSS MiB'], engine.map((e) => [e.strategy, String(e.ios), e.wallSeconds.toFixed(3), e.iosPerSecond.toLocaleString('en-US'), String(e.rssPeakMiB)])));
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
