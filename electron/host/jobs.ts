/**
 * JobRunner: runs and sweeps in progress. A run is split into strategy x replication tasks on the
 * worker pool (replication 0 of every strategy first, so a cancelled run keeps a full comparison when
 * it can); each finished task is committed to the store at once; the run ends `done`, `cancelled`
 * (what finished is kept) or `failed` (an engine error or a crashed worker; the host lives on).
 * Progress (fraction, ETA) is kept in memory and read by polling.
 */
import type { Crossover, RunConfig, RunStatus, RunStatusInfo, SweepConfig, SweepStatusInfo } from '../../core/contract.ts';
import { HEAVY_TASK_UNITS, taskWork } from '../../core/budget.ts';
import { refineSweep, type PlannedPoint } from './sweep.ts';
import { TaskCancelledError, type TaskHandle, type WorkerPool } from './pool.ts';
import type { RunStore } from './store.ts';

export interface RunMeta {
  name?: string;
  tags?: string[];
  notes?: string;
  saved?: boolean;
}

interface ActiveRun {
  runId: string;
  total: number;
  done: number;
  inflight: Map<number, number>;
  startedAt: number;
  current: string | null;
  cancelled: boolean;
  error: string | null;
  handles: TaskHandle[];
  finished: Promise<RunStatus>;
  status: RunStatus;
}

interface ActiveSweep {
  sweepId: string;
  total: number;
  completed: number;
  runs: Set<string>;
  startedAt: number;
  cancelled: boolean;
  error: string | null;
  finished: Promise<RunStatus>;
  status: RunStatus;
}

/** Seed of replication r: seed + r, wrapped to 32 bits. Every strategy of a replication shares it. */
export function replicationSeed(seed: number, replication: number): number {
  return (seed + replication) >>> 0;
}

function eta(startedAt: number, fraction: number): number | null {
  if (fraction <= 0.01 || fraction >= 1) return fraction >= 1 ? 0 : null;
  const elapsed = (Date.now() - startedAt) / 1000;
  return Math.max(0, (elapsed * (1 - fraction)) / fraction);
}

export class JobRunner {
  private runs = new Map<string, ActiveRun>();
  private sweeps = new Map<string, ActiveSweep>();

  constructor(private readonly store: RunStore, private readonly pool: WorkerPool) {}

  get activeCount(): number {
    return this.runs.size + this.sweeps.size;
  }

  /** Insert the run as running and start its tasks. Returns at once. */
  startRun(config: RunConfig, meta: RunMeta = {}, sweep?: { sweepId: string; index: number; values: Record<string, string> }): string {
    const runId = this.store.createRun({
      config, name: meta.name, tags: meta.tags, notes: meta.notes, saved: meta.saved,
      sweepId: sweep?.sweepId ?? null, sweepIndex: sweep?.index ?? null, sweepPoint: sweep?.values ?? null,
    });
    const a: ActiveRun = {
      runId, total: config.strategies.length * config.replications, done: 0, inflight: new Map(), startedAt: Date.now(),
      current: null, cancelled: false, error: null, handles: [], finished: Promise.resolve('running'), status: 'running',
    };
    this.runs.set(runId, a);
    a.finished = this.execute(a, config, sweep?.sweepId ?? runId);
    return runId;
  }

  private async execute(a: ActiveRun, config: RunConfig, job: string): Promise<RunStatus> {
    const jobs: Promise<void>[] = [];
    const owner = { job, heavy: taskWork(config.workload).units > HEAVY_TASK_UNITS };
    let key = 0;
    for (let rep = 0; rep < config.replications; rep++) {
      config.strategies.forEach((strategy, strategyIndex) => {
        const k = key++;
        const seed = replicationSeed(config.seed, rep);
        const h = this.pool.submit(
          { profile: config.profile, strategy, workload: config.workload, seed, ...(config.seriesPoints ? { seriesPoints: config.seriesPoints } : {}) },
          (f) => {
            a.inflight.set(k, Math.min(1, Math.max(0, f)));
            a.current = strategy.text;
          },
          owner,
        );
        a.handles.push(h);
        jobs.push(h.promise.then(
          ({ result, wallMs }) => {
            a.inflight.delete(k);
            if (a.error) return;
            try {
              this.store.addResult(a.runId, {
                strategy: strategy.text, strategyIndex, replication: rep, seed, wallMs,
                metrics: result.metrics, series: result.series, latencyHistogram: result.latencyHistogram,
                ...(result.jobs ? { jobs: result.jobs } : {}),
                ...(result.explain ? { explain: result.explain } : {}),
              });
              a.done++;
            } catch (e) {
              this.fail(a, `saving a result failed: ${(e as Error).message}`);
            }
          },
          (e: Error) => {
            a.inflight.delete(k);
            if (e instanceof TaskCancelledError) return;
            this.fail(a, `${strategy.text} (replication ${rep}): ${e.message}`);
          },
        ));
      });
    }
    await Promise.all(jobs);
    const status: RunStatus = a.error ? 'failed' : a.cancelled ? 'cancelled' : 'done';
    try {
      this.store.finishRun(a.runId, status as Exclude<RunStatus, 'running'>, { wallMs: Date.now() - a.startedAt, error: a.error });
    } catch {
      // The store is closed or unwritable: the next open marks the run interrupted.
    }
    a.status = status;
    this.runs.delete(a.runId);
    return status;
  }

  private fail(a: ActiveRun, message: string): void {
    if (a.error) return;
    a.error = message;
    for (const h of a.handles) h.cancel();
  }

  /** In-memory status of an active run (null when not running in this process). */
  runStatus(runId: string): RunStatusInfo | null {
    const a = this.runs.get(runId);
    if (!a) return null;
    let partial = 0;
    for (const f of a.inflight.values()) partial += f;
    const fraction = a.total ? Math.min(1, (a.done + partial) / a.total) : 1;
    return {
      runId, status: 'running', fraction, etaSeconds: eta(a.startedAt, fraction), tasksDone: a.done, tasksTotal: a.total,
      current: a.current, error: a.error,
    };
  }

  cancelRun(runId: string): boolean {
    const a = this.runs.get(runId);
    if (!a) return false;
    a.cancelled = true;
    for (const h of a.handles) h.cancel();
    return true;
  }

  /** Resolves with the final status once the run has ended (immediately if not active here). */
  async waitRun(runId: string): Promise<RunStatus | null> {
    const a = this.runs.get(runId);
    return a ? a.finished : null;
  }

  // -------------------------------------------------------------------------------------------
  // Sweeps

  /**
   * `readCrossovers` (the sweep's protected crossovers so far) turns on refinement: after the planned
   * points, extra points are simulated between the neighbours of every crossover (electron/host/sweep.ts).
   */
  startSweep(config: SweepConfig, points: PlannedPoint[], meta: RunMeta, makeRunConfig: (p: PlannedPoint) => RunConfig, readCrossovers?: (sweepId: string) => Crossover[]): string {
    const sweepId = this.store.createSweep({ config, pointCount: points.length, name: meta.name, tags: meta.tags, notes: meta.notes, saved: meta.saved });
    const s: ActiveSweep = {
      sweepId, total: points.length, completed: 0, runs: new Set(), startedAt: Date.now(), cancelled: false, error: null,
      finished: Promise.resolve('running'), status: 'running',
    };
    this.sweeps.set(sweepId, s);
    s.finished = this.executeSweep(s, points, meta, makeRunConfig, readCrossovers ? { config, read: () => readCrossovers(sweepId) } : undefined);
    return sweepId;
  }

  private async executeSweep(s: ActiveSweep, points: PlannedPoint[], meta: RunMeta, makeRunConfig: (p: PlannedPoint) => RunConfig,
    refine?: { config: SweepConfig; read: () => Crossover[] }): Promise<RunStatus> {
    // Keep about one point per worker in flight so the pool stays busy across points.
    const concurrency = Math.max(1, this.pool.size);
    let next = 0;
    const worker = async () => {
      while (next < points.length && !s.cancelled) {
        const p = points[next++];
        let runId: string;
        try {
          runId = this.startRun(makeRunConfig(p), { saved: meta.saved, name: meta.name ? `${meta.name} #${p.index}` : '', tags: meta.tags }, { sweepId: s.sweepId, index: p.index, values: p.values });
        } catch (e) {
          s.error ??= `point ${p.index}: ${(e as Error).message}`;
          s.cancelled = true;
          break;
        }
        s.runs.add(runId);
        const status = await this.waitRun(runId);
        s.runs.delete(runId);
        s.completed++;
        if (status === 'failed' && !s.error) s.error = `point ${p.index} (run ${runId}) failed`;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    if (refine && !s.cancelled && !s.error) {
      try {
        await refineSweep(refine.config, points, refine.read, async (p) => {
          s.total++;
          const runId = this.startRun(makeRunConfig(p), { saved: meta.saved, name: meta.name ? `${meta.name} #${p.index}` : '', tags: meta.tags }, { sweepId: s.sweepId, index: p.index, values: p.values });
          s.runs.add(runId);
          const st = await this.waitRun(runId);
          s.runs.delete(runId);
          s.completed++;
          return st === 'done';
        }, () => s.cancelled);
      } catch (e) {
        s.error ??= `refining the crossovers: ${(e as Error).message}`;
      }
    }
    const status: RunStatus = s.cancelled && !s.error ? 'cancelled' : s.error ? 'failed' : 'done';
    try {
      this.store.finishSweep(s.sweepId, status as Exclude<RunStatus, 'running'>, s.error);
    } catch {
      // store closed: the next open marks it interrupted
    }
    s.status = status;
    this.sweeps.delete(s.sweepId);
    return status;
  }

  sweepStatus(sweepId: string): SweepStatusInfo | null {
    const s = this.sweeps.get(sweepId);
    if (!s) return null;
    let partial = 0;
    for (const id of s.runs) partial += this.runStatus(id)?.fraction ?? 0;
    const fraction = s.total ? Math.min(1, (s.completed + partial) / s.total) : 1;
    return { sweepId, status: 'running', fraction, etaSeconds: eta(s.startedAt, fraction), runsDone: s.completed, runsTotal: s.total, error: s.error };
  }

  cancelSweep(sweepId: string): boolean {
    const s = this.sweeps.get(sweepId);
    if (!s) return false;
    s.cancelled = true;
    for (const id of s.runs) this.cancelRun(id);
    return true;
  }

  async waitSweep(sweepId: string): Promise<RunStatus | null> {
    const s = this.sweeps.get(sweepId);
    return s ? s.finished : null;
  }

  /** Cancel everything active and wait until it has been written. */
  async shutdown(): Promise<void> {
    const waits = [...this.sweeps.values()].map((s) => s.finished).concat([...this.runs.values()].map((a) => a.finished));
    for (const id of [...this.sweeps.keys()]) this.cancelSweep(id);
    for (const id of [...this.runs.keys()]) this.cancelRun(id);
    await Promise.allSettled(waits);
  }
}
