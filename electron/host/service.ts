/**
 * The host service: implements every operation of core/contract.ts over the domain services
 * (RunStore, JobRunner + WorkerPool, Exporter). Electron IPC handlers, the web server and the CLI
 * all go through `dispatch(op, rawArgs)` (answers an OpResponse envelope, never throws) or, in process,
 * `call(op, rawArgs)` (result or ContractError). Arguments are validated with the contract's schemas here.
 */
import {
  BUILT_IN_PROFILES, defaultAccel, defaultDmaBench, defaultFio, ENGINE_VERSION, InputError, parseStrategy, STRATEGIES, validateProfile,
  workloadText as workloadTextOf,
} from '../../core/index.ts';
import type { HardwareProfile } from '../../core/types.ts';
import {
  ContractError, isOpName, MAX_BUNDLE_CHARS, MAX_REPLICATIONS, MAX_SERIES_POINTS, MAX_SWEEP_POINTS, OP_NAMES, parseOpArgs,
  type EngineCatalog, type HostApi, type OpArgs, type OpName, type OpParsedArgs, type OpResponse, type OpResult,
  type ProfileRecord, type ProfileSummary, type RunConfig, type RunStatusInfo, type SweepConfig, type SweepStatusInfo, type ValidationList,
} from '../../core/contract.ts';
import { METRIC_DEFS } from '../../core/report.ts';
import { estimateWork, overBudget, seriesPointsPerResult, workDetail } from '../../core/budget.ts';
import { isMetricPath, parseMeasurements } from '../../core/calibrate/index.ts';
import { checkMetric, Exporter } from './export.ts';
import { ExportClient } from './export-client.ts';
import { JobRunner } from './jobs.ts';
import { DatabaseTooNewError, DatabaseUnusableError } from './migrate.ts';
import { defaultDbPath } from './paths.ts';
import { WorkerPool } from './pool.ts';
import { RunStore } from './store.ts';
import { buildSweepDetail, parseStrategies, parseWorkloadText, planSweep, strategySweepKeys } from './sweep.ts';

export interface HostServiceOptions {
  /** Database file; default: the per-user application data folder (see paths.ts). */
  dbPath?: string;
  /** Worker threads; default: the number of cores. */
  workers?: number;
  /** The worker entry file (see pool.ts for the default resolution). */
  workerUrl?: URL | string;
  migrationsDir?: string;
  /** The export worker entry (see export-client.ts for the default resolution). */
  exportWorkerUrl?: URL | string;
  /**
   * Exports, imports and charts on their own thread (default true: the app and the web server must
   * stay responsive). The one-shot CLI sets false: it has nothing else to do meanwhile.
   */
  exportsOffThread?: boolean;
  /**
   * Start the workers and run a small simulation in each at once, so the first run after a server
   * or app start does not pay module loading and JIT warm-up (6-9 s cold against ~1 s warm).
   * Long-lived hosts (serve, the desktop app) turn it on; one-shot CLI commands do not.
   */
  warmWorkers?: boolean;
}

export interface RunAndSaveOptions {
  profileId?: string;
  profile?: HardwareProfile;
  strategies: string[];
  workload: string;
  seed?: number;
  replications?: number;
  seriesPoints?: number;
  name?: string;
  tags?: string[];
  notes?: string;
  /** Called about every 200 ms while the run goes on. */
  onProgress?: (s: RunStatusInfo) => void;
}

export type Handlers = { [K in OpName]: (args: OpParsedArgs<K>) => Promise<OpResult<K>> | OpResult<K> };

export interface HostService {
  readonly store: RunStore;
  readonly pool: WorkerPool;
  readonly jobs: JobRunner;
  readonly exporter: Exporter;
  /** The database file in use. */
  readonly dbPath: string;
  /**
   * What IPC handlers and the HTTP server call: validate raw arguments with the op's schema, run it,
   * answer an OpResponse envelope `{ok:true,result}` / `{ok:false,error:{code,message,issues?}}`. Never throws.
   */
  dispatch(op: string, rawArgs: unknown): Promise<OpResponse>;
  /** Same as dispatch but returns the result or throws ContractError (in-process callers). */
  call<K extends OpName>(op: K | string, rawArgs: unknown): Promise<OpResult<K>>;
  /** The contract as typed async methods (in-process callers: CLI, tests). */
  api: HostApi;
  /** Start a saved run and wait for it (the CLI's `run --save`). */
  runAndSave(opts: RunAndSaveOptions): Promise<{ runId: string; status: RunStatusInfo['status']; error: string | null }>;
  waitRun(runId: string, onProgress?: (s: RunStatusInfo) => void, pollMs?: number): Promise<RunStatusInfo>;
  waitSweep(sweepId: string, onProgress?: (s: SweepStatusInfo) => void, pollMs?: number): Promise<SweepStatusInfo>;
  /** Cancel what is running, wait for it to be written, stop the workers, close the database. */
  close(): Promise<void>;
}

/** Any error as a ContractError (InputError -> invalid naming its field; unknown -> internal). */
export function toContractError(e: unknown): ContractError {
  if (e instanceof ContractError) return e;
  if (e instanceof InputError) return new ContractError('invalid', e.message, [{ path: e.field, message: `allowed: ${e.allowed}` }]);
  if (e instanceof DatabaseTooNewError || e instanceof DatabaseUnusableError) return new ContractError('conflict', e.message);
  const err = e as Error;
  return new ContractError('internal', err?.message ?? String(e));
}

function isBuiltIn(id: string): boolean {
  return BUILT_IN_PROFILES.some((p) => p.id === id);
}

function catalog(): EngineCatalog {
  return {
    engineVersion: ENGINE_VERSION,
    strategies: STRATEGIES,
    workloadKinds: [
      {
        kind: 'fio', title: 'fio job', example: 'fio:rw=randread,bs=4k,iodepth=64,numjobs=1,size=1g',
        keys: ['rw', 'bs', 'bssplit', 'iodepth', 'numjobs', 'size', 'number_ios', 'rwmixread', 'direct', 'ioengine'], defaults: defaultFio(),
      },
      {
        kind: 'dmabench', title: 'dma_map_benchmark', example: 'dmabench:threads=1,seconds=1,granule=1,dir=BIDIRECTIONAL,delay_ns=0',
        keys: ['threads', 'seconds', 'granule', 'dir', 'delay_ns', 'sg'], defaults: defaultDmaBench(),
      },
      {
        kind: 'accel', title: 'accelerator request loop (hisi_sec_test)', example: 'accel:msg_len=1m,times=100,buffers=2',
        keys: ['msg_len', 'times', 'buffers'], defaults: defaultAccel(),
      },
    ],
    builtInProfiles: BUILT_IN_PROFILES.map((p) => ({ id: p.id, name: p.name, description: p.description })),
    sweepKeys: strategySweepKeys(),
    metrics: METRIC_DEFS,
    limits: { maxReplications: MAX_REPLICATIONS, maxSweepPoints: MAX_SWEEP_POINTS, maxSeriesPoints: MAX_SERIES_POINTS, maxBundleChars: MAX_BUNDLE_CHARS },
  };
}

export function createHostService(opts: HostServiceOptions = {}): HostService {
  const dbPath = opts.dbPath ?? defaultDbPath();
  const store = new RunStore(dbPath, { migrationsDir: opts.migrationsDir });
  const pool = new WorkerPool({ size: opts.workers, workerUrl: opts.workerUrl });
  const jobs = new JobRunner(store, pool);
  if (opts.warmWorkers) pool.warm();
  let validation: Promise<ValidationList> | null = null;
  const exporter = new Exporter(store);
  // Exports, imports and chart rendering run on their own thread (export-worker.ts).
  const exports = new ExportClient({ store, dbPath, migrationsDir: opts.migrationsDir, workerUrl: opts.exportWorkerUrl, inThread: opts.exportsOffThread === false });
  let closed = false;

  const resolveProfile = (id: string): HardwareProfile => {
    const b = BUILT_IN_PROFILES.find((p) => p.id === id);
    if (b) return b;
    const u = store.getProfile(id);
    if (u) return u.profile;
    throw new ContractError('not_found', `no profile ${id}; built-in: ${BUILT_IN_PROFILES.map((p) => p.id).join(', ')}`, [{ path: 'profileId', message: 'unknown profile' }]);
  };

  const inlineProfile = (raw: unknown, path = 'profile'): HardwareProfile => {
    const v = validateProfile(raw);
    if (!v.ok) throw new ContractError('invalid', `${path}: ${v.issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`).join('; ')}`, v.issues.map((i) => ({ path: `${path}.${i.path}`, message: i.message })));
    return v.profile;
  };

  const runStatus = (ref: string): RunStatusInfo => {
    const id = store.resolveRunId(ref);
    const live = jobs.runStatus(id);
    if (live) return live;
    let s = store.runStatus(id)!;
    if (s.status === 'running') {
      store.reapInterrupted();
      s = store.runStatus(id)!;
    }
    const fraction = s.status === 'done' ? 1 : s.tasksTotal ? s.tasksDone / s.tasksTotal : 0;
    return { runId: id, status: s.status, fraction, etaSeconds: s.status === 'done' ? 0 : null, tasksDone: s.tasksDone, tasksTotal: s.tasksTotal, current: null, error: s.error };
  };

  const sweepStatus = (ref: string): SweepStatusInfo => {
    const id = store.resolveSweepId(ref);
    const live = jobs.sweepStatus(id);
    if (live) return live;
    store.reapInterrupted();
    const s = store.getSweep(id);
    const runs = store.sweepRuns(id);
    const finished = runs.filter((r) => r.status !== 'running').length;
    return {
      sweepId: id, status: s.status, fraction: s.status === 'done' ? 1 : Math.min(1, finished / s.pointCount), etaSeconds: s.status === 'done' ? 0 : null,
      runsDone: finished, runsTotal: Math.max(s.pointCount, runs.length), error: s.error,
    };
  };

  const handlers: Handlers = {
    'host:info': () => ({ dbPath, schemaVersion: store.schemaVersion, engineVersion: ENGINE_VERSION, workers: pool.size }),
    'engine:catalog': () => catalog(),

    'profiles:list': () => {
      const builtIns: ProfileSummary[] = BUILT_IN_PROFILES.map((p) => ({ id: p.id, name: p.name, description: p.description, builtIn: true, createdAt: null, updatedAt: null }));
      return [...builtIns, ...store.listProfiles().filter((p) => !isBuiltIn(p.id))];
    },
    'profiles:get': ({ id }) => {
      const b = BUILT_IN_PROFILES.find((p) => p.id === id);
      if (b) return { id: b.id, name: b.name, description: b.description, builtIn: true, createdAt: null, updatedAt: null, profile: b } satisfies ProfileRecord;
      const u = store.getProfile(id);
      if (!u) throw new ContractError('not_found', `no profile ${id}`);
      return u;
    },
    'profiles:save': ({ profile, mode }) => {
      const p = inlineProfile(profile);
      if (isBuiltIn(p.id)) throw new ContractError('conflict', `profile ${p.id} is built in and read-only; save a copy under another id`, [{ path: 'profile.id', message: 'built-in id' }]);
      return store.saveProfile(p, mode);
    },
    'profiles:delete': ({ id }) => {
      if (isBuiltIn(id)) throw new ContractError('conflict', `profile ${id} is built in and cannot be deleted`);
      if (!store.deleteProfile(id)) throw new ContractError('not_found', `no profile ${id}`);
      return { deleted: true as const };
    },
    'profiles:validate': ({ profile }) => {
      const v = validateProfile(profile);
      return v.ok ? { ok: true as const, profile: v.profile } : { ok: false as const, issues: v.issues };
    },

    'runs:start': (a) => {
      const profile = a.profileId !== undefined ? resolveProfile(a.profileId) : inlineProfile(a.profile);
      let strategies;
      let workload;
      try {
        strategies = parseStrategies(a.strategies);
      } catch (e) {
        throw withPath(e, 'strategies');
      }
      try {
        workload = parseWorkloadText(a.workload);
      } catch (e) {
        throw withPath(e, 'workload');
      }
      const est = estimateWork(workload, strategies.length, a.replications);
      const why = a.force ? null : overBudget(est.total, workDetail(est, strategies.length, a.replications), 'force: true (--force on the command line)');
      if (why) throw new ContractError('invalid', `runs:start: ${why}`, [{ path: 'force', message: why }]);
      const config: RunConfig = {
        profile, strategies, workload, workloadText: workloadTextOf(workload), seed: a.seed, replications: a.replications,
        seriesPoints: boundedSeriesPoints(a.seriesPoints, est.tasks), engineVersion: ENGINE_VERSION,
      };
      const runId = jobs.startRun(config, { name: a.name, tags: a.tags, notes: a.notes, saved: a.saved });
      return { runId };
    },
    'runs:status': ({ runId }) => runStatus(runId),
    'runs:cancel': ({ runId }) => {
      const id = store.resolveRunId(runId);
      if (!jobs.cancelRun(id)) {
        const s = runStatus(id);
        if (s.status === 'running') throw new ContractError('conflict', `run ${id} is running in another process; cancel it there`);
        return s;
      }
      return runStatus(id);
    },
    'runs:list': (a) => store.listRuns(a),
    'runs:get': ({ runId, series }) => store.getRun(runId, { series }),
    'runs:update': ({ runId, ...patch }) => store.updateRun(runId, patch),
    'runs:delete': ({ runId }) => {
      store.deleteRun(runId);
      return { deleted: true as const };
    },
    'runs:diff': ({ a, b }) => exporter.diff(a, b),

    'sweeps:start': (a) => {
      const config: SweepConfig = {
        profileIds: a.profileIds, strategies: a.strategies, workload: a.workload, vary: a.vary, seed: a.seed,
        replications: a.replications, seriesPoints: a.seriesPoints ?? null,
      };
      let points;
      try {
        points = planSweep(config, resolveProfile);
      } catch (e) {
        throw withPath(e, 'vary');
      }
      let total = 0;
      let tasks = 0;
      for (const p of points) {
        const e = estimateWork(p.workload, p.strategies.length, a.replications);
        total += e.total;
        tasks += e.tasks;
      }
      const why = a.force ? null : overBudget(total, `${points.length} points, ${tasks} strategy x replication tasks`, 'force: true (--force on the command line)');
      if (why) throw new ContractError('invalid', `sweeps:start: ${why}`, [{ path: 'force', message: why }]);
      // The series budget covers the whole sweep, so its bundle imports back like a run's.
      const seriesPoints = boundedSeriesPoints(a.seriesPoints, tasks);
      // Steps are located on the metric a user of this workload reads first (dma_map_benchmark times calls).
      const refineMetric = points[0]?.workload.kind === 'dmabench' ? 'mapUs.mean' : 'throughputMiBps';
      const sweepId = jobs.startSweep(config, points, { name: a.name, tags: a.tags, notes: a.notes, saved: a.saved }, (p) => ({
        profile: p.profile, strategies: p.strategies, workload: p.workload, workloadText: p.workloadText, seed: a.seed,
        replications: a.replications, seriesPoints, engineVersion: ENGINE_VERSION,
      }), (id) => buildSweepDetail(store, id, refineMetric, resolveProfile).crossovers);
      return { sweepId, runs: points.length };
    },
    'sweeps:status': ({ sweepId }) => sweepStatus(sweepId),
    'sweeps:cancel': ({ sweepId }) => {
      const id = store.resolveSweepId(sweepId);
      if (!jobs.cancelSweep(id)) {
        const s = sweepStatus(id);
        if (s.status === 'running') throw new ContractError('conflict', `sweep ${id} is running in another process; cancel it there`);
      }
      return sweepStatus(id);
    },
    'sweeps:get': ({ sweepId, metric }) => {
      checkMetric(metric);
      return buildSweepDetail(store, sweepId, metric, resolveProfile);
    },
    'sweeps:list': (a) => store.listSweeps(a),
    'sweeps:update': ({ sweepId, ...patch }) => store.updateSweep(sweepId, patch),
    'sweeps:delete': ({ sweepId }) => {
      store.deleteSweep(sweepId);
      return { deleted: true as const };
    },

    'validation:list': async ({ profileId }) => {
      // Once per engine version and host: the reference experiments take seconds, in a worker.
      validation ??= pool.validate().then((rows) => ({ engineVersion: ENGINE_VERSION, rows }));
      validation.catch(() => {
        validation = null;
      });
      const v = await validation;
      return profileId ? { ...v, rows: v.rows.filter((r) => r.profile === profileId) } : v;
    },
    'export:run': (a) => exports.run('export:run', a) as Promise<OpResult<'export:run'>>,
    'export:diff': (a) => exports.run('export:diff', a) as Promise<OpResult<'export:diff'>>,
    'export:sweep': (a) => {
      checkMetric(a.metric);
      return exports.run('export:sweep', a) as Promise<OpResult<'export:sweep'>>;
    },
    'export:import': (a) => exports.run('export:import', a) as Promise<OpResult<'export:import'>>,
    'fio:compare': async ({ fioJson, profileId, strategy, seed, save }) => {
      const { fioJsonInput, compareResult, saveMeasuredAndSimulated } = await import('./fiocompare.ts');
      const profile = resolveProfile(profileId);
      const spec = parseStrategy(strategy);
      const { measured, workload, understood } = fioJsonInput(fioJson, 'fio JSON');
      const { result } = await pool.submit({ profile, strategy: spec, workload, seed }).promise;
      const ids = save ? saveMeasuredAndSimulated(store, measured, workload, profile, result, seed) : null;
      return compareResult(measured, profile, workload, understood, result, ids);
    },
    'calibrate:fit': async (a) => {
      if ((a.baseId === undefined) === (a.base === undefined)) {
        throw new ContractError('invalid', 'give exactly one of baseId or base', [{ path: 'baseId', message: 'baseId or base' }]);
      }
      const base = a.baseId !== undefined ? resolveProfile(a.baseId) : inlineProfile(a.base, 'base');
      // Parsing is cheap and its errors (file:line, what was expected) belong to the caller: main thread.
      const measurements = parseMeasurements(a.text, a.fileName, isMetricPath, a.strategy);
      const result = await pool.submitCalibration({ base, measurements, seed: a.seed, id: a.id }).promise;
      return result as OpResult<'calibrate:fit'>;
    },
    'calibrate:save': ({ profile, base, rows }) => {
      const p = inlineProfile(profile);
      if (isBuiltIn(p.id)) throw new ContractError('conflict', `profile ${p.id} is built in and read-only; save the calibration under another id`, [{ path: 'profile.id', message: 'built-in id' }]);
      return store.saveCalibratedProfile(p, base, rows.map((r) => ({ workload: r.workload, strategy: r.strategy, metric: r.metric, measured: r.measured, source: r.source })));
    },
    'calibrate:measurements': ({ profileId }) => ({ rows: store.profileMeasurements(profileId) }),
  };

  async function call<K extends OpName>(op: K | string, rawArgs: unknown): Promise<OpResult<K>> {
    if (closed) throw new ContractError('internal', 'the host service is closed');
    if (!isOpName(op)) throw new ContractError('invalid', `unknown operation ${JSON.stringify(op)}; known: ${OP_NAMES.join(', ')}`, [{ path: 'op', message: 'unknown operation' }]);
    const args = parseOpArgs(op, rawArgs);
    try {
      return (await (handlers[op] as (a: unknown) => unknown)(args)) as OpResult<K>;
    } catch (e) {
      throw toContractError(e);
    }
  }

  async function dispatch(op: string, rawArgs: unknown): Promise<OpResponse> {
    try {
      return { ok: true, result: await call(op, rawArgs) };
    } catch (e) {
      return { ok: false, error: toContractError(e).toJSON() };
    }
  }

  const api = {} as Record<OpName, (a: unknown) => Promise<unknown>>;
  for (const op of OP_NAMES) api[op] = (a: unknown) => call(op, a);

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function waitRun(runId: string, onProgress?: (s: RunStatusInfo) => void, pollMs = 200): Promise<RunStatusInfo> {
    const id = store.resolveRunId(runId);
    const done = jobs.waitRun(id);
    let finished = false;
    void done.then(() => {
      finished = true;
    });
    for (;;) {
      const s = runStatus(id);
      if (s.status !== 'running') return s;
      onProgress?.(s);
      await Promise.race([sleep(pollMs), done]);
      if (finished) return runStatus(id);
    }
  }

  async function waitSweep(sweepId: string, onProgress?: (s: SweepStatusInfo) => void, pollMs = 200): Promise<SweepStatusInfo> {
    const id = store.resolveSweepId(sweepId);
    const done = jobs.waitSweep(id);
    let finished = false;
    void done.then(() => {
      finished = true;
    });
    for (;;) {
      const s = sweepStatus(id);
      if (s.status !== 'running') return s;
      onProgress?.(s);
      await Promise.race([sleep(pollMs), done]);
      if (finished) return sweepStatus(id);
    }
  }

  return {
    store,
    pool,
    jobs,
    exporter,
    dbPath,
    dispatch,
    call,
    api: api as unknown as HostApi,
    async runAndSave(o) {
      const args: OpArgs<'runs:start'> = {
        ...(o.profile ? { profile: o.profile } : { profileId: o.profileId }),
        strategies: o.strategies, workload: o.workload, seed: o.seed, replications: o.replications,
        seriesPoints: o.seriesPoints, name: o.name, tags: o.tags, notes: o.notes, saved: true,
      };
      const { runId } = await call('runs:start', args);
      const s = await waitRun(runId, o.onProgress);
      return { runId, status: s.status, error: s.error };
    },
    waitRun,
    waitSweep,
    async close() {
      if (closed) return;
      closed = true;
      await jobs.shutdown();
      await pool.close();
      await exports.close();
      store.close();
    },
  };
}


/** The series points each result keeps (null: the engine's default, when that already fits). */
function boundedSeriesPoints(asked: number | undefined, results: number): number | null {
  const n = seriesPointsPerResult(asked, results);
  return asked === undefined && n === seriesPointsPerResult(undefined, 1) ? null : n;
}

function withPath(e: unknown, path: string): unknown {
  if (e instanceof InputError) return new ContractError('invalid', e.message, [{ path, message: e.message }]);
  return e;
}
