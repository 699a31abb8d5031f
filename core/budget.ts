/**
 * The work budget: what a run will cost before it starts, in "work units" (about one simulated
 * IO of one 4 KiB page; the engine does 1-5 million a second on one core). A pure function shared
 * by the CLI, the host service, the app and every workload kind, so `fio:size=999999g`,
 * `dmabench:seconds=300,threads=1024` or `accel:msg_len=1g,times=1e7` are refused up front instead
 * of holding a worker for days. Callers may go beyond the limit only when asked to (`--force`,
 * the contract's `force: true` after the app's confirmation).
 */
import type { Workload } from './types.ts';

/** A run (or a sweep, all points together) above this many work units needs `force`. ~5-15 min per core. */
export const MAX_WORK_UNITS = 2e9;
/** A single task (one strategy x one replication) above this is "heavy": the pool never gives all workers to heavy tasks. */
export const HEAVY_TASK_UNITS = 5e7;
/**
 * Series points stored per run, all results together (and per sweep, all points together): the
 * contract's largest run (64 strategies x 100 replications, 100k points asked) stays far below the
 * bundle import limit, so whatever is stored can be exported and imported back.
 */
export const MAX_RUN_SERIES_POINTS = 1_000_000;
/** Series points the engine samples when a run does not ask (core/engine/run.ts). */
export const DEFAULT_SERIES_POINTS = 240;

const PAGE = 4096;
/** Upper bound of dma_map_benchmark iterations per simulated thread-second (map+unmap ~0.5 us at best). */
const DMABENCH_ITERATIONS_PER_THREAD_SECOND = 2e6;

export interface WorkEstimate {
  /** Work units of one strategy x one replication. */
  perTask: number;
  tasks: number;
  total: number;
  /** Simulated IOs (or map/unmap iterations, or messages) per task: what a user recognises. */
  iosPerTask: number;
}

/** Work units of one task for a workload: IOs x pages each touches. */
export function taskWork(w: Workload): { units: number; ios: number } {
  if (w.kind === 'fio') {
    const avgBs = w.bssplit ? w.bssplit.reduce((a, [s, pct]) => a + (s * pct) / 100, 0) : w.bsBytes;
    const perJob = w.ios ?? Math.max(1, Math.floor(w.sizeBytes / avgBs));
    const ios = perJob * w.numjobs;
    return { ios, units: ios * Math.max(1, Math.ceil(avgBs / PAGE)) };
  }
  if (w.kind === 'dmabench') {
    // Iterations are bounded by simulated time: each maps granule pages and waits delay_ns.
    const perIterUs = Math.max(1 / DMABENCH_ITERATIONS_PER_THREAD_SECOND * 1e6, w.delayNs / 1000 + 0.05 * w.granulePages);
    const ios = Math.ceil((w.seconds * w.threads * 1e6) / perIterUs);
    return { ios, units: ios * Math.max(1, Math.min(w.granulePages, 64)) };
  }
  if (w.kind === 'accel') {
    const pages = Math.ceil(w.msgLenBytes / PAGE);
    return { ios: w.times, units: w.times * (1 + pages) };
  }
  // A kind added later without an estimate: counted as one unit, so it is never refused by mistake.
  return { ios: 1, units: 1 };
}

export function estimateWork(w: Workload, strategies: number, replications: number): WorkEstimate {
  const t = taskWork(w);
  const tasks = Math.max(1, strategies) * Math.max(1, replications);
  return { perTask: t.units, tasks, total: t.units * tasks, iosPerTask: t.ios };
}

function short(n: number): string {
  if (n >= 1e12) return `${+(n / 1e12).toPrecision(3)}T`;
  if (n >= 1e9) return `${+(n / 1e9).toPrecision(3)}G`;
  if (n >= 1e6) return `${+(n / 1e6).toPrecision(3)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toPrecision(3)}k`;
  return String(Math.round(n));
}

/**
 * Null when within the budget; otherwise the reason, naming the estimate and the limit. `what`
 * is `run` or `sweep`; `forceHint` how to go ahead anyway (`--force`, `force: true`).
 */
export function overBudget(totalUnits: number, detail: string, forceHint: string, limit = MAX_WORK_UNITS): string | null {
  if (!(totalUnits > limit)) return null;
  const minutes = totalUnits / 2e6 / 60;
  const time = minutes >= 90 ? `${Math.round(minutes / 60)} core-hours` : `${Math.max(1, Math.round(minutes))} core-minutes`;
  return `estimated work ${short(totalUnits)} units (${detail}) is over the limit of ${short(limit)} (about ${time} at 2M units/s); make it smaller or pass ${forceHint}`;
}

/** The detail part of a message: `4 strategies x 20 replications x 262k IOs`. */
export function workDetail(e: WorkEstimate, strategies: number, replications: number): string {
  return `${strategies} strateg${strategies === 1 ? 'y' : 'ies'} x ${replications} replication${replications === 1 ? '' : 's'} x ${short(e.iosPerTask)} IOs of ${short(e.perTask / Math.max(1, e.iosPerTask))} page(s)`;
}

/** Series points each result may keep so a run (or a sweep) stays within MAX_RUN_SERIES_POINTS. */
export function seriesPointsPerResult(requested: number | null | undefined, results: number): number {
  const asked = requested ?? DEFAULT_SERIES_POINTS;
  return Math.max(2, Math.min(asked, Math.floor(MAX_RUN_SERIES_POINTS / Math.max(1, results))));
}
