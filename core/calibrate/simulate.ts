import { simulateStrategy } from '../engine/run.ts';
import { metricValue } from '../report.ts';
import { parseStrategy } from '../strategies.ts';
import type { DmaBenchWorkload, HardwareProfile, Metrics, StrategyResult, StrategySpec, Workload } from '../types.ts';
import { workloadText } from '../workload.ts';

/** A (workload, strategy) pair the fitter simulates; several metrics can read one simulation. */
export interface SimPoint {
  workload: Workload;
  strategy: string;
}

export const pointKey = (p: SimPoint): string => `${workloadText(p.workload)}|${p.strategy}`;

/**
 * Loops per thread: a warm-up, then a measured stretch of whole cycles. For lazy a cycle is one
 * flush queue's worth of unmaps (fq - 1) (one domain flush and the queue's IOVAs back to the rcache); its
 * warm-up spans two cycles (the first cycle's IOVAs all come from the rbtree before any is freed,
 * the second refills the rcache magazines). Measuring whole cycles keeps the once-per-cycle flush
 * in every window exactly as often as in a real run of millions of loops: a window cut in the
 * middle of a cycle would gain or lose a whole flush as a cost moved the cut, a jump of several
 * percent in the mean that no fit can follow.
 */
function loopsFor(spec: StrategySpec, threads: number): { warm: number; cycle: number; cycles: number } {
  // The mean pools every thread's loops, so several threads need fewer cycles each for the same
  // number of flushes (and calls) in the window; the warm-up is per thread and stays.
  if (spec.id === 'lazy') {
    const fq = typeof spec.params.fq === 'number' ? spec.params.fq : spec.params.single ? 32768 : 256;
    // fq_full leaves one slot of the ring empty: a queue flushes every fq - 1 unmaps, and with
    // several CPUs one CPU's flush frees every queue, so each thread's cycle is the same.
    const cycle = Math.max(1, Math.min(fq - 1, 4096));
    const cycles = Math.max(1, Math.min(4, Math.floor(4096 / cycle)));
    return { warm: Math.min(3000, 2 * fq + 64), cycle, cycles: Math.max(1, Math.round(cycles / threads)) };
  }
  return { warm: 64, cycle: 1, cycles: Math.max(64, Math.round(256 / threads)) };
}

const PILOT_SECONDS = 0.002;
/**
 * The run's simulated time is capped at this many times what the loops take on the base profile
 * (the fit moves costs by tens of percent); the run stops as soon as every thread has done them.
 */
const TIME_MARGIN = 4;

interface BenchPoint {
  kind: 'bench';
  workload: DmaBenchWorkload;
  spec: StrategySpec;
  warm: number;
  cycle: number;
  cycles: number;
}
interface PlainPoint {
  kind: 'plain';
  workload: Workload;
  spec: StrategySpec;
}

/**
 * Runs the simulations of a fit. A dma_map_benchmark point is measured as a real run of `-s 20`
 * would see it: the mean over whole cycles of loops after a warm-up (a real run loops millions
 * of times; its warm-up is negligible, a short simulation's is not), counted loop by loop through
 * the engine's per-call hook, so the window is the same loops whatever the costs. Its simulated
 * time is capped from a pilot on the base profile and the run stops once every thread is done.
 * Other workloads are shortened once to a fixed length (fio: a steady number of IOs). One seed
 * for every evaluation.
 */
export class Simulator {
  evaluations = 0;
  private readonly shortened = new Map<string, BenchPoint | PlainPoint>();

  constructor(readonly points: SimPoint[], base: HardwareProfile, readonly seed = 1) {
    for (const p of points) {
      const key = pointKey(p);
      if (this.shortened.has(key)) continue;
      this.shortened.set(key, this.shorten(p, base));
    }
  }

  private shorten(p: SimPoint, base: HardwareProfile): BenchPoint | PlainPoint {
    const w = p.workload;
    const spec = parseStrategy(p.strategy);
    if (w.kind === 'dmabench') {
      const pilot = { ...w, seconds: Math.min(w.seconds, PILOT_SECONDS) };
      const r = simulateStrategy(base, spec, pilot, this.seed);
      this.evaluations++;
      const perThread = Math.max(1, r.metrics.unmapCalls / w.threads);
      const iterUs = (r.metrics.simulatedSeconds * 1e6) / perThread;
      const l = loopsFor(spec, w.threads);
      const loops = l.warm + l.cycle * l.cycles;
      // The pilot's mean loop includes its slow first loops, so the cap errs long.
      const seconds = Math.min(w.seconds, Math.max(PILOT_SECONDS, (TIME_MARGIN * loops * iterUs) / 1e6));
      return { kind: 'bench', workload: { ...w, seconds }, spec, ...l };
    }
    if (w.kind === 'fio') {
      const avg = w.bssplit ? w.bssplit.reduce((a, [s, pct]) => a + (s * pct) / 100, 0) : w.bsBytes;
      const perJob = w.ios ?? Math.max(1, Math.floor(w.sizeBytes / avg));
      return { kind: 'plain', workload: { ...w, ios: Math.min(perJob, Math.max(1500, 16 * w.iodepth)) }, spec };
    }
    return { kind: 'plain', workload: w, spec };
  }

  /** Metrics of every point under `profile`. */
  run(profile: HardwareProfile, only?: ReadonlySet<string>): Map<string, Metrics> {
    const out = new Map<string, Metrics>();
    for (const [key, pt] of this.shortened) {
      if (only && !only.has(key)) continue;
      this.evaluations++;
      if (pt.kind === 'plain') {
        out.set(key, simulateStrategy(profile, pt.spec, pt.workload, this.seed, { seriesPoints: 8 }).metrics);
        continue;
      }
      out.set(key, this.runBench(profile, pt));
    }
    return out;
  }

  private runBench(profile: HardwareProfile, pt: BenchPoint): Metrics {
    const threads = pt.workload.threads;
    const last = pt.warm + pt.cycle * pt.cycles;
    const loops = new Int32Array(threads);
    const mapSum = new Float64Array(threads);
    const unmapSum = new Float64Array(threads);
    const maps = new Int32Array(threads);
    // Per thread, at the warm-up's end and at each whole cycle after it: [loops, map µs, maps, unmap µs, time].
    const marks: number[][][] = Array.from({ length: threads }, () => []);
    let done = 0;
    const r = simulateStrategy(profile, pt.spec, pt.workload, this.seed, {
      seriesPoints: 8,
      onDmaBenchCall: (th, unmap, start, end) => {
        if (!unmap) {
          mapSum[th] += end - start;
          maps[th]++;
          return false;
        }
        unmapSum[th] += end - start;
        const n = ++loops[th];
        if (n >= pt.warm && (n - pt.warm) % pt.cycle === 0 && n <= last) {
          marks[th].push([n, mapSum[th], maps[th], unmapSum[th], end]);
          if (n === last) done++;
        }
        return done === threads;
      },
    });
    const m = r.metrics;
    // Pool every thread's whole cycles after its warm-up (the tool's mean is over all threads' loops).
    let mapUs = 0;
    let mapN = 0;
    let unmapUs = 0;
    let unmapN = 0;
    let rate = 0;
    for (const mk of marks) {
      if (mk.length < 2) continue;
      const [a, z] = [mk[0], mk[mk.length - 1]];
      mapUs += z[1] - a[1];
      mapN += z[2] - a[2];
      unmapUs += z[3] - a[3];
      unmapN += z[0] - a[0];
      if (z[4] > a[4]) rate += (z[0] - a[0]) / (z[4] - a[4]);
    }
    if (unmapN === 0) return withToolMeans(exactMeans(r));
    m.mapUs.mean = mapN > 0 ? mapUs / mapN : m.mapUs.mean;
    m.unmapUs.mean = unmapUs / unmapN;
    withToolMeans(m);
    if (rate > 0) {
      // Loops per µs summed over the threads: IOPS and bytes per second of the steady state.
      const bytesPerLoop = m.ios > 0 ? m.bytes / m.ios : 0;
      m.iops = rate * 1e6;
      m.throughputMiBps = (rate * 1e6 * bytesPerLoop) / 1024 ** 2;
    }
    return m;
  }

  shortenedWorkload(p: SimPoint): Workload | undefined {
    return this.shortened.get(pointKey(p))?.workload;
  }
}

/** dma_map_benchmark's 100 ns unit (kernel/dma/map_benchmark.c: div64_ul(delta_ns, 100)). */
const TOOL_UNIT_US = 0.1;

/**
 * The figure dma_map_benchmark prints for a mean call time, as a smooth function of it. The tool
 * truncates every call to whole 100 ns units (half a unit lost on average, whatever the phase of
 * the call times) and then truncates the average of those units (another half unit on average once
 * the calls spread over more than a unit; nothing when they all truncate alike). The loss is thus
 * between a half and one unit: its middle, three quarters of a unit, is within a quarter unit of
 * either case, inside the half-unit print resolution the fit weighs these figures by. A step
 * function of the costs (the engine's own tool arithmetic) would give the fit nothing to follow.
 */
export function toolFigureUs(meanUs: number): number {
  return Math.max(0, meanUs - 0.75 * TOOL_UNIT_US);
}

function withToolMeans(m: Metrics): Metrics {
  if (m.dmaBenchTool) {
    m.dmaBenchTool = {
      map: { ...m.dmaBenchTool.map, mean: toolFigureUs(m.mapUs.mean) },
      unmap: { ...m.dmaBenchTool.unmap, mean: toolFigureUs(m.unmapUs.mean) },
    };
  }
  return m;
}

/**
 * The metrics with the mean map and unmap times taken from the cost-term breakdown, which sums to
 * them at 1e-6 µs instead of the report's 1e-3 µs.
 */
function exactMeans(r: StrategyResult): Metrics {
  const m = r.metrics;
  const sum = (o: Partial<Record<string, number>> | undefined) => Object.values(o ?? {}).reduce((a: number, b) => a + (b ?? 0), 0);
  if (r.explain && m.mapCalls > 0) m.mapUs.mean = sum(r.explain.map);
  if (r.explain && m.unmapCalls > 0) m.unmapUs.mean = sum(r.explain.unmap);
  return m;
}

export function readMetric(m: Metrics | undefined, path: string): number {
  const v = m ? metricValue(m, path) : null;
  return v === null ? NaN : v;
}
