import { clone } from './params.ts';
import { simulateStrategy } from '../engine/run.ts';
import { metricValue } from '../report.ts';
import { parseStrategy } from '../strategies.ts';
import type { HardwareProfile, Metrics, StrategySpec, Workload } from '../types.ts';
import { workloadText } from '../workload.ts';

/** A (workload, strategy) pair the fitter simulates; several metrics can read one simulation. */
export interface SimPoint {
  workload: Workload;
  strategy: string;
}

export const pointKey = (p: SimPoint): string => `${workloadText(p.workload)}|${p.strategy}`;

/**
 * Loop iterations per thread: a warm-up (the first flush-queue cycle for lazy, whose IOVAs all come
 * from the rbtree before any is freed) and a measured stretch of whole flush-queue cycles.
 */
function iterationsFor(spec: StrategySpec): { warm: number; measured: number } {
  if (spec.id === 'lazy') {
    const fq = typeof spec.params.fq === 'number' ? spec.params.fq : spec.params.single ? 32768 : 256;
    return { warm: Math.min(2000, fq + 64), measured: Math.min(4000, 2 * fq) };
  }
  return { warm: 40, measured: 160 };
}

const PILOT_SECONDS = 0.002;

/**
 * Runs the simulations of a fit. Each point's workload is shortened once, from a pilot run on the
 * base profile, to a length that gives a steady mean (a dma_map_benchmark run of `-s 20` loops
 * millions of times; a few hundred loops give the same mean in the model) and then kept fixed, so
 * the objective does not jump when a cost changes the loop count. One seed for every evaluation.
 */
export class Simulator {
  evaluations = 0;
  private readonly shortened = new Map<string, { workload: Workload; warm: Workload | null; spec: StrategySpec }>();

  constructor(readonly points: SimPoint[], base: HardwareProfile, readonly seed = 1) {
    for (const p of points) {
      const key = pointKey(p);
      if (this.shortened.has(key)) continue;
      const [workload, warm] = this.shorten(p, base);
      this.shortened.set(key, { workload, warm, spec: parseStrategy(p.strategy) });
    }
  }

  private shorten(p: SimPoint, base: HardwareProfile): [Workload, Workload | null] {
    const w = p.workload;
    const spec = parseStrategy(p.strategy);
    if (w.kind === 'dmabench') {
      const pilot = { ...w, seconds: Math.min(w.seconds, PILOT_SECONDS) };
      const r = simulateStrategy(base, spec, pilot, this.seed);
      this.evaluations++;
      const perThread = Math.max(1, r.metrics.unmapCalls / w.threads);
      const iterUs = (r.metrics.simulatedSeconds * 1e6) / perThread;
      const it = iterationsFor(spec);
      const warm = Math.max(PILOT_SECONDS / 8, (it.warm * iterUs) / 1e6);
      const full = Math.max(2 * warm, ((it.warm + it.measured) * iterUs) / 1e6);
      if (full >= w.seconds) return [w, null];
      return [{ ...w, seconds: full }, { ...w, seconds: warm }];
    }
    if (w.kind === 'fio') {
      const avg = w.bssplit ? w.bssplit.reduce((a, [s, pct]) => a + (s * pct) / 100, 0) : w.bsBytes;
      const perJob = w.ios ?? Math.max(1, Math.floor(w.sizeBytes / avg));
      return [{ ...w, ios: Math.min(perJob, Math.max(1500, 16 * w.iodepth)) }, null];
    }
    return [w, null];
  }

  /** Metrics of every point under `profile`. */
  run(profile: HardwareProfile, only?: ReadonlySet<string>): Map<string, Metrics> {
    const out = new Map<string, Metrics>();
    for (const [key, { workload, warm, spec }] of this.shortened) {
      if (only && !only.has(key)) continue;
      const full = simulateStrategy(profile, spec, workload, this.seed, { seriesPoints: 8 }).metrics;
      this.evaluations++;
      if (warm) {
        const w = simulateStrategy(profile, spec, warm, this.seed, { seriesPoints: 8 }).metrics;
        this.evaluations++;
        out.set(key, steadyState(full, w));
      } else out.set(key, full);
    }
    return out;
  }

  shortenedWorkload(p: SimPoint): Workload | undefined {
    return this.shortened.get(pointKey(p))?.workload;
  }
}

export function readMetric(m: Metrics | undefined, path: string): number {
  const v = m ? metricValue(m, path) : null;
  return v === null ? NaN : v;
}

/**
 * The steady-state means of a run, without its warm-up: the same seed makes the first iterations
 * of the full run identical to the warm-up run, so totals over the full run minus totals over the
 * warm-up are the totals of the iterations after it. (A real dma_map_benchmark run loops for
 * seconds: its warm-up is negligible; a short simulation's is not.)
 */
function steadyState(full: Metrics, warm: Metrics): Metrics {
  const m = clone(full);
  const diff = (a: number, na: number, b: number, nb: number) => (na > nb ? (a * na - b * nb) / (na - nb) : a);
  m.mapUs.mean = diff(full.mapUs.mean, full.mapCalls, warm.mapUs.mean, warm.mapCalls);
  m.unmapUs.mean = diff(full.unmapUs.mean, full.unmapCalls, warm.unmapUs.mean, warm.unmapCalls);
  const dt = full.simulatedSeconds - warm.simulatedSeconds;
  if (dt > 0) {
    m.throughputMiBps = (full.bytes - warm.bytes) / 1024 ** 2 / dt;
    m.iops = (full.ios - warm.ios) / dt;
  }
  return m;
}
