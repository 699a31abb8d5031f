/**
 * A pool of worker threads running electron/host/sim-worker.ts, sized to the cores. One task is one
 * strategy x one replication. Cancel is cooperative (a shared flag the engine polls); a worker that
 * crashes fails only its task and is replaced; a worker that ignores a cancel is terminated.
 *
 * How the worker file is found (first match):
 *   1. the `workerUrl` option (the Electron main process passes the bundled file, e.g. from
 *      electron-vite's `import workerPath from './sim-worker?modulePath'`),
 *   2. the IOMMU_LAB_WORKER environment variable (a path),
 *   3. `sim-worker.js` next to this module (the electron-vite bundle: out/main/sim-worker.js),
 *   4. `sim-worker.ts` next to this module, loaded through tsx (`--import tsx`), for the CLI and tests.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { HardwareProfile, StrategyResult, StrategySpec, Workload } from '../../core/types.ts';
import type { ValidationRow } from '../../core/validation.ts';
import type { CalibrationResult, Measurement } from '../../core/calibrate/index.ts';

export interface SimTask {
  profile: HardwareProfile;
  strategy: StrategySpec;
  workload: Workload;
  seed: number;
  seriesPoints?: number;
}

/** A calibration (core/calibrate) run in a worker: many short simulations, minutes of CPU at worst. */
export interface CalibrateTask {
  job: 'calibrate';
  base: HardwareProfile;
  measurements: Measurement[];
  seed: number;
  id?: string;
}

export type PoolTask = SimTask | CalibrateTask;

export interface TaskOutcome {
  result: StrategyResult;
  wallMs: number;
}

export class TaskCancelledError extends Error {
  constructor() {
    super('task cancelled');
    this.name = 'TaskCancelledError';
  }
}

export class WorkerCrashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerCrashError';
  }
}

/** An error the engine threw inside the worker (InputError, SimulationInvariantError, ...). */
export class TaskFailedError extends Error {
  readonly engineName: string;
  constructor(name: string, message: string) {
    super(message);
    this.name = 'TaskFailedError';
    this.engineName = name;
  }
}

export interface TaskHandle {
  promise: Promise<TaskOutcome>;
  cancel(): void;
}

/** Who a task belongs to, for fair scheduling. */
export interface TaskOwner {
  /** Tasks of one job (a run, or a whole sweep) share a key; the pool takes turns between keys. */
  job?: string;
  /** Over the heavy-task budget (core/budget.ts): never given every worker at once. */
  heavy?: boolean;
}

interface Pending {
  id: number;
  task: PoolTask;
  job: string;
  heavy: boolean;
  flag: SharedArrayBuffer;
  onProgress?: (fraction: number) => void;
  resolve: (o: TaskOutcome) => void;
  reject: (e: Error) => void;
  cancelled: boolean;
  killTimer?: ReturnType<typeof setTimeout>;
}

interface Slot {
  worker: Worker;
  current: Pending | null;
  lastError: Error | null;
}

export function defaultWorkerCount(): number {
  const env = Number(process.env.IOMMU_LAB_WORKERS);
  if (Number.isInteger(env) && env > 0) return Math.min(env, 64);
  return Math.max(1, availableParallelism());
}

export function defaultWorkerUrl(): URL {
  if (process.env.IOMMU_LAB_WORKER) return pathToFileURL(process.env.IOMMU_LAB_WORKER);
  const js = new URL('./sim-worker.js', import.meta.url);
  if (js.protocol === 'file:' && existsSync(fileURLToPath(js))) return js;
  return new URL('./sim-worker.ts', import.meta.url);
}

/** execArgv that lets a worker load TypeScript: tsx's loader, resolved from this package. */
function tsxExecArgv(url: URL): string[] {
  if (!url.pathname.endsWith('.ts')) return [];
  const loader = createRequire(import.meta.url).resolve('tsx');
  return ['--import', pathToFileURL(loader).href];
}

export interface PoolOptions {
  size?: number;
  workerUrl?: URL | string;
  /** How long a cancelled task may keep running before its worker is terminated. */
  cancelGraceMs?: number;
}

export class WorkerPool {
  readonly size: number;
  readonly workerUrl: URL;
  private readonly execArgv: string[];
  private readonly cancelGraceMs: number;
  private slots: Slot[] = [];
  private queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(opts: PoolOptions = {}) {
    this.size = Math.max(1, opts.size ?? defaultWorkerCount());
    this.workerUrl = opts.workerUrl ? new URL(String(opts.workerUrl), pathToFileURL(process.cwd() + '/')) : defaultWorkerUrl();
    this.execArgv = tsxExecArgv(this.workerUrl);
    this.cancelGraceMs = opts.cancelGraceMs ?? 5000;
  }

  get busy(): number {
    return this.slots.filter((s) => s.current).length + this.queue.length;
  }

  /** A calibration off the main thread; the result is core/calibrate's CalibrationResult. */
  submitCalibration(task: Omit<CalibrateTask, 'job'>, onProgress?: (fraction: number) => void): { promise: Promise<CalibrationResult>; cancel(): void } {
    const h = this.submit({ job: 'calibrate', ...task }, onProgress);
    return { promise: h.promise.then((o) => o.result as unknown as CalibrationResult), cancel: h.cancel };
  }

  submit(task: PoolTask, onProgress?: (fraction: number) => void, owner: TaskOwner = {}): TaskHandle {
    if (this.closed) throw new Error('worker pool is closed');
    let p!: Pending;
    const id = this.nextId++;
    const promise = new Promise<TaskOutcome>((resolve, reject) => {
      p = { id, task, job: owner.job ?? `task-${id}`, heavy: owner.heavy ?? false, flag: new SharedArrayBuffer(4), onProgress, resolve, reject, cancelled: false };
    });
    this.queue.push(p);
    this.pump();
    return { promise, cancel: () => this.cancel(p) };
  }

  private cancel(p: Pending): void {
    if (p.cancelled) return;
    p.cancelled = true;
    const qi = this.queue.indexOf(p);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      p.reject(new TaskCancelledError());
      return;
    }
    Atomics.store(new Int32Array(p.flag), 0, 1);
    const slot = this.slots.find((s) => s.current === p);
    if (slot) {
      p.killTimer = setTimeout(() => {
        if (slot.current === p) {
          slot.lastError = new TaskCancelledError();
          void slot.worker.terminate();
        }
      }, this.cancelGraceMs);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerUrl, { execArgv: this.execArgv });
    const slot: Slot = { worker, current: null, lastError: null };
    worker.on('message', (m: any) => this.onMessage(slot, m));
    worker.on('error', (e) => {
      slot.lastError = e;
    });
    worker.on('exit', (code) => {
      this.slots = this.slots.filter((s) => s !== slot);
      const p = slot.current;
      slot.current = null;
      if (p) {
        if (p.killTimer) clearTimeout(p.killTimer);
        if (p.cancelled) p.reject(new TaskCancelledError());
        else p.reject(new WorkerCrashError(`simulation worker crashed (exit code ${code})${slot.lastError ? `: ${slot.lastError.message}` : ''}`));
      }
      if (!this.closed) this.pump();
    });
    worker.unref();
    this.slots.push(slot);
    return slot;
  }

  private onMessage(slot: Slot, m: any): void {
    const p = slot.current;
    if (!p || m?.taskId !== p.id) return;
    if (m.type === 'progress') {
      p.onProgress?.(Number(m.fraction) || 0);
      return;
    }
    slot.current = null;
    if (p.killTimer) clearTimeout(p.killTimer);
    slot.worker.unref();
    if (m.type === 'done') p.resolve({ result: m.result, wallMs: m.wallMs });
    else if (m.type === 'cancelled') p.reject(new TaskCancelledError());
    else p.reject(new TaskFailedError(m.name ?? 'Error', m.message ?? 'simulation failed'));
    this.pump();
  }

  private pump(): void {
    while (this.queue.length && !this.closed) {
      let slot = this.slots.find((s) => !s.current);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
      }
      const qi = this.pickNext();
      if (qi < 0) return;
      const [p] = this.queue.splice(qi, 1);
      slot.current = p;
      slot.lastError = null;
      slot.worker.ref();
      slot.worker.postMessage({ type: 'task', taskId: p.id, ...p.task, cancel: p.flag });
    }
  }

  /**
   * Fair scheduling: the next task is the oldest one of the job with the fewest tasks running, so
   * a run of 6400 tasks queued first does not make a later small run wait for all of them; and
   * heavy tasks may hold at most size - 1 workers, so one lane stays free for small jobs. Returns
   * -1 when only heavy tasks wait and their share is used.
   */
  private pickNext(): number {
    const running = new Map<string, number>();
    let heavyRunning = 0;
    for (const s of this.slots) {
      if (!s.current) continue;
      running.set(s.current.job, (running.get(s.current.job) ?? 0) + 1);
      if (s.current.heavy) heavyRunning++;
    }
    const heavyBlocked = this.size > 1 && heavyRunning >= this.size - 1;
    let best = -1;
    let bestRunning = Infinity;
    for (let i = 0; i < this.queue.length; i++) {
      const p = this.queue[i];
      if (p.heavy && heavyBlocked) continue;
      const r = running.get(p.job) ?? 0;
      if (r < bestRunning) {
        best = i;
        bestRunning = r;
        if (r === 0) break;
      }
    }
    return best;
  }

  /**
   * Spawn every worker now and let each simulate a little: a task sent meanwhile waits behind the
   * warm-up in that worker's queue (well under a second), never behind module loading at first use.
   */
  warm(): void {
    if (this.closed) return;
    while (this.slots.length < this.size) {
      const slot = this.spawn();
      slot.worker.postMessage({ type: 'warm' });
    }
  }

  /** The reference experiments of `iommu-lab validate`, in a worker of their own (they take seconds). */
  validate(): Promise<ValidationRow[]> {
    return new Promise((resolve, reject) => {
      const w = new Worker(this.workerUrl, { execArgv: this.execArgv });
      w.on('message', (m: any) => {
        if (m?.type !== 'validated') return;
        void w.terminate();
        if (m.error) reject(new Error(m.error));
        else resolve(m.rows as ValidationRow[]);
      });
      w.on('error', (e) => reject(e));
      w.on('exit', (code) => reject(new WorkerCrashError(`validation worker exited (code ${code})`)));
      w.postMessage({ type: 'validate' });
    });
  }

  /** Cancel everything and stop the workers. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new TaskCancelledError());
    const slots = this.slots.splice(0);
    for (const s of slots) {
      if (!s.current) continue;
      s.current.cancelled = true;
      Atomics.store(new Int32Array(s.current.flag), 0, 1);
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
