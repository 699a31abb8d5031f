/**
 * The host contract: every operation the desktop app (IPC), the web mode (HTTP) and the command
 * line ask of the host, in one table. Each operation is named `domain:verb`, has a zod schema for
 * its arguments (validated at the boundary by the host's `dispatch`) and a TypeScript result type.
 *
 * Transport (IPC and HTTP alike): send `{ op, args }`, receive an `OpResponse`:
 * `{ ok: true, result }` or `{ ok: false, error: { code, message, issues? } }`. Progress is read by
 * polling `runs:status` / `sweeps:status`, which works the same over every transport.
 *
 * Times are epoch milliseconds. Sizes are bytes. Everything is plain JSON.
 */
import { z } from 'zod';
import type {
  CallBreakdown, FioJobResult, HardwareProfile, Histogram, Metrics, StrategySpec, TimeSeries, Workload,
} from './types.ts';
import type { StrategyDef } from './strategies.ts';
import type { ValidationRow } from './validation.ts';
import type { ResultProtection } from './verdict.ts';

// ---------------------------------------------------------------------------------------------
// Errors

export type ContractErrorCode = 'invalid' | 'not_found' | 'conflict' | 'internal';

export interface ContractIssue {
  /** Dotted path of the offending field (`strategies.1`, `profile.cpu.cores`), `(root)` for the whole. */
  path: string;
  message: string;
}

/** The JSON form of a ContractError, as carried by IPC and HTTP. */
export interface ContractErrorData {
  code: ContractErrorCode;
  message: string;
  issues?: ContractIssue[];
}

export class ContractError extends Error {
  readonly code: ContractErrorCode;
  readonly issues?: ContractIssue[];
  constructor(code: ContractErrorCode, message: string, issues?: ContractIssue[]) {
    super(message);
    this.name = 'ContractError';
    this.code = code;
    if (issues && issues.length) this.issues = issues;
  }
  toJSON(): ContractErrorData {
    return { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) };
  }
  static fromJSON(d: ContractErrorData): ContractError {
    return new ContractError(d.code, d.message, d.issues);
  }
}

export function isContractErrorData(x: unknown): x is ContractErrorData {
  return !!x && typeof x === 'object' && typeof (x as any).message === 'string'
    && ['invalid', 'not_found', 'conflict', 'internal'].includes((x as any).code);
}

/** What a transport returns for one call. */
export type OpResponse<T = unknown> = { ok: true; result: T } | { ok: false; error: ContractErrorData };

/** HTTP status for an error code (the web server's mapping). */
export const HTTP_STATUS: Record<ContractErrorCode, number> = { invalid: 400, not_found: 404, conflict: 409, internal: 500 };

// ---------------------------------------------------------------------------------------------
// Shared pieces of schemas

export const RUN_STATUSES = ['running', 'done', 'failed', 'cancelled', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const RUN_SORTS = ['created', 'name', 'profile', 'status', 'strategies', 'workload', 'wall', 'throughput'] as const;

export const EXPORT_FORMATS = ['json', 'csv', 'md', 'svg', 'png'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Charts a run, diff or sweep can be exported as (svg/png). See core/charts.ts. */
export const CHART_KINDS = [
  'throughput', 'latency', 'cpu', 'memory', 'pinned', 'iova', 'series-throughput', 'diff', 'sweep',
] as const;
export type ChartKind = (typeof CHART_KINDS)[number];

/** Largest bundle text accepted by export:import (characters). */
export const MAX_BUNDLE_CHARS = 256 * 1024 * 1024;
export const MAX_REPLICATIONS = 100;
export const MAX_SWEEP_POINTS = 2000;
export const MAX_SERIES_POINTS = 100_000;

const idSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, . _ - (1-64 chars)');
/** Full run/sweep id, or a unique prefix of at least 4 characters. */
const refSchema = z.string().min(4).max(64).regex(/^[A-Za-z0-9_-]+$/, 'a run/sweep id or a unique prefix of it (letters, digits, _ -)');
const nameSchema = z.string().max(200);
const notesSchema = z.string().max(20_000);
const tagSchema = z.string().min(1).max(64).regex(/^[^\s,]+$/, 'no spaces or commas');
const tagsSchema = z.array(tagSchema).max(32);
const seedSchema = z.number().int().min(0).max(0xffffffff);
const strategyTextSchema = z.string().min(1).max(1000);
/** Large enough for a replayed trace's canonical text (one short line per mapping). */
const workloadTextSchema = z.string().min(1).max(16 * 1024 * 1024);
const epochMs = z.number().int().min(0).max(8.64e15);
const chartSchema = z.enum(CHART_KINDS);
const widthSchema = z.number().int().min(200).max(4000);
const heightSchema = z.number().int().min(150).max(4000);
const empty = z.strictObject({});

/** One swept dimension: a workload key (`bs`, `iodepth`, `numjobs`, `rw`, ...), `profile`, or a
 * strategy parameter as `strategyId.param` (`bounce-pool.slots`, `iopf.premap`, `lazy.fq`). */
const varySchema = z.strictObject({
  key: z.string().min(1).max(80).regex(/^[A-Za-z0-9_.-]+$/, 'a workload key, profile, or strategy.param'),
  values: z.array(z.string().min(1).max(200)).min(1).max(200),
});

// ---------------------------------------------------------------------------------------------
// Argument schemas, one per operation

export const CONTRACT = {
  'host:info': { doc: 'Database path and version, engine version, worker count.', args: empty },

  'engine:catalog': { doc: 'Strategies with their parameters, workload kinds, built-in profiles, sweep keys (for forms).', args: empty },

  'profiles:list': { doc: 'Built-in and user profiles, built-ins first.', args: empty },
  'profiles:get': { doc: 'One profile by id (built-in or user).', args: z.strictObject({ id: idSchema }) },
  'profiles:save': {
    doc: 'Create or replace a user profile; validated; built-in ids are read-only (conflict). mode "create" refuses an existing id.',
    args: z.strictObject({ profile: z.unknown(), mode: z.enum(['upsert', 'create']).default('upsert') }),
  },
  'profiles:delete': { doc: 'Delete a user profile (built-ins: conflict).', args: z.strictObject({ id: idSchema }) },
  'profiles:validate': {
    doc: 'Validate a profile without saving; never fails with invalid, returns the issues.',
    args: z.strictObject({ profile: z.unknown() }),
  },

  'fio:compare': {
    doc: "fio's --output-format=json result beside the simulation of the same jobs on a profile: per job measured vs simulated bandwidth, IOPS, clat percentiles and CPU with relative errors; save stores the fio result as a run of kind measured and the simulation as a run.",
    args: z.strictObject({
      fioJson: z.string().min(2).max(16 * 1024 * 1024),
      profileId: idSchema,
      strategy: strategyTextSchema.default('lazy'),
      seed: seedSchema.default(1),
      save: z.boolean().default(false),
    }),
  },

  'runs:start': {
    doc: 'Start a run (stored immediately as running); poll runs:status. Strategies in `id:key=value` form; workload as `fio:...`, `dmabench:...`, `accel:...` or a .fio job file text.',
    args: z.strictObject({
      profileId: idSchema.optional(),
      profile: z.unknown().optional(),
      strategies: z.array(strategyTextSchema).min(1).max(64),
      workload: workloadTextSchema,
      seed: seedSchema.default(1),
      replications: z.number().int().min(1).max(MAX_REPLICATIONS).default(1),
      seriesPoints: z.number().int().min(2).max(MAX_SERIES_POINTS).optional(),
      name: nameSchema.optional(),
      tags: tagsSchema.optional(),
      notes: notesSchema.optional(),
      saved: z.boolean().default(false),
      /** Go beyond the work budget (core/budget.ts); the app sets it after the user confirms. */
      force: z.boolean().default(false),
    }).refine((a) => (a.profileId === undefined) !== (a.profile === undefined), {
      message: 'give exactly one of profileId or profile', path: ['profileId'],
    }),
  },
  'runs:status': { doc: 'Status, fraction done (0..1) and ETA of a run.', args: z.strictObject({ runId: refSchema }) },
  'runs:cancel': { doc: 'Cooperative cancel; finished strategy results are kept.', args: z.strictObject({ runId: refSchema }) },
  'runs:list': {
    doc: 'Stored runs, newest first. Saved runs only unless savedOnly is false (ignored with sweepId).',
    args: z.strictObject({
      search: z.string().max(200).optional(),
      profileId: z.string().max(64).optional(),
      strategy: z.string().max(200).optional(),
      tag: tagSchema.optional(),
      status: z.enum(RUN_STATUSES).optional(),
      sweepId: refSchema.optional(),
      /** Runs that belong to a sweep are left out unless this is true or sweepId is given. */
      includeSweepRuns: z.boolean().default(false),
      from: epochMs.optional(),
      to: epochMs.optional(),
      savedOnly: z.boolean().default(true),
      limit: z.number().int().min(1).max(10_000).default(50),
      offset: z.number().int().min(0).max(1e9).default(0),
      /** Column to sort by (server-side, so paging stays right at any size); newest first by default. */
      sort: z.enum(RUN_SORTS).default('created'),
      order: z.enum(['asc', 'desc']).default('desc'),
    }),
  },
  'runs:get': {
    doc: 'Full detail: configuration snapshot, per-strategy per-replication results (metrics, series, histogram), per-strategy summary.',
    args: z.strictObject({ runId: refSchema, series: z.boolean().default(true) }),
  },
  'runs:update': {
    doc: 'Rename, tag, annotate, save/unsave. "Save" in the UI is runs:update with saved=true.',
    args: z.strictObject({
      runId: refSchema,
      name: nameSchema.optional(),
      tags: tagsSchema.optional(),
      addTags: tagsSchema.optional(),
      removeTags: tagsSchema.optional(),
      notes: notesSchema.optional(),
      saved: z.boolean().optional(),
    }),
  },
  'runs:delete': { doc: 'Delete a run and its results (a running run: conflict, cancel first).', args: z.strictObject({ runId: refSchema }) },
  'runs:diff': {
    doc: 'benchstat-style diff of two runs: configuration changes and per-metric deltas with 95% CI and p-values.',
    args: z.strictObject({ a: refSchema, b: refSchema }),
  },

  'sweeps:start': {
    doc: 'Start a sweep: one run per point of the cartesian product of profiles and vary values; every run holds all strategies.',
    args: z.strictObject({
      profileIds: z.array(idSchema).min(1).max(32),
      strategies: z.array(strategyTextSchema).min(1).max(64),
      workload: workloadTextSchema,
      vary: z.array(varySchema).max(6).default([]),
      seed: seedSchema.default(1),
      replications: z.number().int().min(1).max(MAX_REPLICATIONS).default(1),
      seriesPoints: z.number().int().min(2).max(MAX_SERIES_POINTS).optional(),
      name: nameSchema.optional(),
      tags: tagsSchema.optional(),
      notes: notesSchema.optional(),
      saved: z.boolean().default(false),
      /** Go beyond the work budget (all points together); see runs:start. */
      force: z.boolean().default(false),
    }),
  },
  'sweeps:status': { doc: 'Status, fraction and ETA of a sweep.', args: z.strictObject({ sweepId: refSchema }) },
  'sweeps:cancel': { doc: 'Cancel a sweep; finished points are kept.', args: z.strictObject({ sweepId: refSchema }) },
  'sweeps:get': {
    doc: 'A sweep: its points (runs) with per-strategy medians and the crossover points per profile.',
    args: z.strictObject({ sweepId: refSchema, metric: z.string().max(80).default('throughputMiBps') }),
  },
  'sweeps:list': {
    doc: 'Stored sweeps, newest first.',
    args: z.strictObject({
      savedOnly: z.boolean().default(false),
      limit: z.number().int().min(1).max(10_000).default(50),
      offset: z.number().int().min(0).max(1e9).default(0),
    }),
  },
  'sweeps:update': {
    doc: 'Rename, tag, annotate or save a sweep.',
    args: z.strictObject({ sweepId: refSchema, name: nameSchema.optional(), tags: tagsSchema.optional(), notes: notesSchema.optional(), saved: z.boolean().optional() }),
  },
  'sweeps:delete': { doc: 'Delete a sweep and its runs (running: conflict).', args: z.strictObject({ sweepId: refSchema }) },

  'validation:list': {
    doc: 'The reference rows of `iommu-lab validate` (published vs simulated), computed once per engine version off the main thread; optionally only those of one profile.',
    args: z.strictObject({ profileId: idSchema.optional() }),
  },

  'export:run': {
    doc: 'A run as a JSON bundle, CSV (table "summary" or "series"), Markdown, or a chart as SVG/PNG.',
    args: z.strictObject({
      runId: refSchema,
      format: z.enum(EXPORT_FORMATS),
      table: z.enum(['summary', 'series']).default('summary'),
      chart: chartSchema.default('throughput'),
      width: widthSchema.default(900),
      height: heightSchema.default(500),
    }),
  },
  'export:diff': {
    doc: 'A diff as a JSON bundle (both runs + the diff), CSV, Markdown (benchstat-like) or a chart.',
    args: z.strictObject({
      a: refSchema,
      b: refSchema,
      format: z.enum(EXPORT_FORMATS),
      metric: z.string().max(80).default('throughputMiBps'),
      width: widthSchema.default(900),
      height: heightSchema.default(500),
    }),
  },
  'export:sweep': {
    doc: 'A sweep as a JSON bundle (sweep + its runs), CSV, Markdown, or its crossover chart.',
    args: z.strictObject({
      sweepId: refSchema,
      format: z.enum(EXPORT_FORMATS),
      metric: z.string().max(80).default('throughputMiBps'),
      width: widthSchema.default(900),
      height: heightSchema.default(500),
    }),
  },
  'export:import': {
    doc: 'Import a JSON bundle (run, diff or sweep). All or nothing; runs keep their ids (already present: skipped).',
    args: z.strictObject({ bundle: z.string().min(1).max(MAX_BUNDLE_CHARS) }),
  },

  'calibrate:fit': {
    doc: 'Fit a base profile\'s cost parameters to measurements (dma_map_benchmark output or a workload,strategy,metric,value CSV), in a worker. Bad text: invalid with file:line.',
    args: z.strictObject({
      baseId: idSchema.optional(),
      base: z.unknown().optional(),
      text: z.string().min(1).max(4 * 1024 * 1024),
      fileName: z.string().min(1).max(200).default('measurements'),
      strategy: strategyTextSchema.optional(),
      seed: seedSchema.default(1),
      id: idSchema.optional(),
    }),
  },
  'calibrate:save': {
    doc: 'Save a calibrated profile as a user profile with the measurements it was fitted to (replaces both).',
    args: z.strictObject({
      profile: z.unknown(),
      base: z.string().max(64).default(''),
      rows: z.array(z.strictObject({
        workload: z.string().min(1).max(2000), strategy: z.string().min(1).max(200), metric: z.string().min(1).max(80),
        measured: z.number().finite(), source: z.string().max(300).default(''),
      }).loose()).max(10_000),
    }),
  },
  'calibrate:measurements': {
    doc: 'The measurements a user profile was calibrated from (empty for other profiles).',
    args: z.strictObject({ profileId: idSchema }),
  },
} as const;

export type OpName = keyof typeof CONTRACT;
/** Plain list of operation names (usable without zod, e.g. by the Electron preload). */
export const OP_NAMES = Object.keys(CONTRACT) as OpName[];
/** What a caller may send (defaults optional). */
export type OpArgs<K extends OpName> = z.input<(typeof CONTRACT)[K]['args']>;
/** What the host sees after validation (defaults filled in). */
export type OpParsedArgs<K extends OpName> = z.output<(typeof CONTRACT)[K]['args']>;

export function isOpName(x: unknown): x is OpName {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(CONTRACT, x);
}

/** zod issues as contract issues. */
export function zodIssues(err: z.ZodError): ContractIssue[] {
  return err.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

/** Validate the arguments of an operation; throws ContractError('invalid') naming each bad field. */
export function parseOpArgs<K extends OpName>(op: K, raw: unknown): OpParsedArgs<K> {
  if (!isOpName(op)) throw new ContractError('invalid', `unknown operation ${JSON.stringify(op)}`);
  const r = (CONTRACT[op].args as z.ZodType).safeParse(raw === undefined || raw === null ? {} : raw);
  if (!r.success) {
    const issues = zodIssues(r.error);
    throw new ContractError('invalid', `${op}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  return r.data as OpParsedArgs<K>;
}

// ---------------------------------------------------------------------------------------------
// Result types

export interface HostInfo {
  dbPath: string;
  schemaVersion: number;
  engineVersion: string;
  workers: number;
}

export interface WorkloadKindInfo {
  kind: 'fio' | 'dmabench' | 'accel';
  title: string;
  /** Example text accepted by runs:start. */
  example: string;
  /** Keys usable in the text (and in sweeps' vary). */
  keys: string[];
  defaults: Workload;
}

export interface ProfileSummary {
  id: string;
  name: string;
  description: string;
  builtIn: boolean;
  createdAt: number | null;
  updatedAt: number | null;
}

export interface ProfileRecord extends ProfileSummary {
  profile: HardwareProfile;
}

export interface EngineCatalog {
  engineVersion: string;
  strategies: StrategyDef[];
  workloadKinds: WorkloadKindInfo[];
  builtInProfiles: Array<{ id: string; name: string; description: string }>;
  /** Keys sweeps:start accepts in `vary` besides workload keys: `profile`, `strategyId.param`. */
  sweepKeys: string[];
  metrics: MetricDef[];
  limits: { maxReplications: number; maxSweepPoints: number; maxSeriesPoints: number; maxBundleChars: number };
}

/** A metric a user reads, addressed by its dotted path in `Metrics`. */
export interface MetricDef {
  key: string;
  label: string;
  unit: string;
  /** Direction of "better", for colouring deltas; null = neutral. */
  better: 'higher' | 'lower' | null;
}

export type ProfileValidationResult = { ok: true; profile: HardwareProfile } | { ok: false; issues: ContractIssue[] };

export interface RunStatusInfo {
  runId: string;
  status: RunStatus;
  /** 0..1 over all strategy x replication tasks. */
  fraction: number;
  etaSeconds: number | null;
  tasksDone: number;
  tasksTotal: number;
  /** Strategy currently simulated (best effort). */
  current: string | null;
  error: string | null;
}

/** Spread of one metric over replications. */
export interface MetricSummary {
  n: number;
  median: number;
  mean: number;
  min: number;
  max: number;
  /** Relative spread ±% (benchstat: max deviation from the median / median), null if n < 2 or median 0. */
  spreadPct: number | null;
  /** 95% confidence interval of the median (order statistics), null if n < 6. */
  ci95: [number, number] | null;
}

export interface StrategySummary {
  strategy: string;
  strategyIndex: number;
  replications: number;
  /** Keyed by MetricDef.key. */
  metrics: Record<string, MetricSummary>;
}

export interface RunSummary {
  id: string;
  name: string;
  tags: string[];
  notes: string;
  saved: boolean;
  status: RunStatus;
  profileId: string;
  profileName: string;
  /** Canonical strategy texts. */
  strategies: string[];
  workloadText: string;
  seed: number;
  replications: number;
  engineVersion: string;
  createdAt: number;
  finishedAt: number | null;
  wallMs: number | null;
  error: string | null;
  sweepId: string | null;
  /** Median throughput (MiB/s) per strategy text, when finished results exist. */
  throughputMiBps: Record<string, number>;
  /** Present for a real tool's result stored as a run (compare-fio --save); absent = simulated. */
  kind?: 'measured';
}

export interface RunConfig {
  profile: HardwareProfile;
  strategies: StrategySpec[];
  workload: Workload;
  workloadText: string;
  seed: number;
  replications: number;
  seriesPoints: number | null;
  engineVersion: string;
}

/** One strategy x one replication, as simulated. */
export interface RunResult {
  strategy: string;
  strategyIndex: number;
  replication: number;
  seed: number;
  wallMs: number;
  metrics: Metrics;
  /** Empty arrays when runs:get was asked with series=false. */
  series: TimeSeries;
  latencyHistogram: Histogram;
  /** fio workloads with several jobs (and measured fio runs): per job, then per group. */
  jobs?: FioJobResult[];
  /** Cost-term breakdown of the mean map and unmap call, from engines that book one. */
  explain?: CallBreakdown;
}

export interface RunDetail extends RunSummary {
  config: RunConfig;
  results: RunResult[];
  summary: StrategySummary[];
  /** When part of a sweep: the values of the swept keys at this point. */
  sweepPoint: Record<string, string> | null;
}

export interface RunList {
  total: number;
  items: RunSummary[];
}

export interface ConfigChange {
  /** Dotted path: `profile.iommu.granuleBytes`, `workload.bsBytes`, `seed`, `strategies`. */
  path: string;
  a: unknown;
  b: unknown;
}

/** One side of a comparison. */
export interface DiffSide {
  n: number;
  median: number;
  spreadPct: number | null;
}

/** One row of a benchstat-style table: one strategy, one metric. */
export interface DiffRow {
  /** Strategy label; `a-text vs b-text` when paired by position. */
  strategy: string;
  a: DiffSide | null;
  b: DiffSide | null;
  /** (b - a) / a in percent; null if a side is missing or a's median is 0. */
  deltaPct: number | null;
  /** 95% CI of deltaPct (bootstrap), null with too few samples. */
  ci95Pct: [number, number] | null;
  /** Two-sided Mann-Whitney U p-value, null with too few samples. */
  p: number | null;
  significant: boolean;
  /** What benchstat would print in the delta column: `+12.34%`, `-3.10%`, `~`. */
  text: string;
}

export interface DiffTable {
  metric: MetricDef;
  rows: DiffRow[];
  /** Geometric mean over strategies (positive medians on both sides), null if none. */
  geomean: { a: number; b: number; deltaPct: number } | null;
}

export interface RunDiff {
  a: RunSummary;
  b: RunSummary;
  configChanges: ConfigChange[];
  /** Strategies present in only one run. */
  unmatched: { a: string[]; b: string[] };
  tables: DiffTable[];
  warnings: string[];
  alpha: number;
}

export interface SweepConfig {
  profileIds: string[];
  strategies: string[];
  workload: string;
  vary: Array<{ key: string; values: string[] }>;
  seed: number;
  replications: number;
  seriesPoints: number | null;
}

export interface SweepStatusInfo {
  sweepId: string;
  status: RunStatus;
  fraction: number;
  etaSeconds: number | null;
  runsDone: number;
  runsTotal: number;
  error: string | null;
}

export interface SweepSummary {
  id: string;
  name: string;
  tags: string[];
  notes: string;
  saved: boolean;
  status: RunStatus;
  createdAt: number;
  finishedAt: number | null;
  pointCount: number;
  config: SweepConfig;
  error: string | null;
}

export interface SweepPoint {
  index: number;
  runId: string | null;
  status: RunStatus | 'pending';
  profileId: string;
  /** Swept key -> value at this point (`profile` included when several profiles). */
  values: Record<string, string>;
  workloadText: string;
  strategies: string[];
  /** Median of the requested metric per strategy text. */
  medians: Record<string, number>;
  /** Protection class per strategy text at this point, from the measured exposure (core/verdict.ts). */
  protection?: Record<string, ResultProtection>;
  /** Added by the sweep itself between two planned neighbours to locate a step (not in the plan). */
  refined?: boolean;
}

export interface Crossover {
  profileId: string;
  /** The swept key on the x axis (the first vary key). */
  key: string;
  /** Other swept keys held at these values for this curve. */
  fixed: Record<string, string>;
  /** Between which x values the best strategy changes. */
  from: string;
  to: string;
  /** Interpolated x where the two curves cross, when x is numeric. */
  at: number | null;
  before: string;
  after: string;
  /** 'step': the value jumps between two neighbouring points (not interpolated); 'crossing': the curves cross. */
  kind?: 'step' | 'crossing';
  /** The bracket was narrowed by extra simulated points. */
  refined?: boolean;
  /** What changed at the step, read from the results (fallbacks, failures). */
  reason?: string;
}

export interface SweepDetail extends SweepSummary {
  metric: MetricDef;
  points: SweepPoint[];
  /** Where the best protected strategy changes (unprotected strategies are bounds, not choices). */
  crossovers: Crossover[];
  /** The same with unprotected strategies included. */
  crossoversAll?: Crossover[];
}

export interface SweepList {
  total: number;
  items: SweepSummary[];
}

export interface ValidationList {
  engineVersion: string;
  rows: ValidationRow[];
}

export interface ExportFile {
  filename: string;
  mimeType: string;
  encoding: 'utf8' | 'base64';
  data: string;
}

export interface ImportResult {
  runIds: string[];
  sweepIds: string[];
  /** Ids already present (identical content or not): left as they were. */
  skipped: string[];
  profilesImported: string[];
}

/** Result type of each operation. */
export interface OpResults {
  'host:info': HostInfo;
  'engine:catalog': EngineCatalog;
  'profiles:list': ProfileSummary[];
  'profiles:get': ProfileRecord;
  'profiles:save': ProfileRecord;
  'profiles:delete': { deleted: true };
  'profiles:validate': ProfileValidationResult;
  'runs:start': { runId: string };
  'runs:status': RunStatusInfo;
  'runs:cancel': RunStatusInfo;
  'runs:list': RunList;
  'runs:get': RunDetail;
  'runs:update': RunSummary;
  'runs:delete': { deleted: true };
  'runs:diff': RunDiff;
  'sweeps:start': { sweepId: string; runs: number };
  'sweeps:status': SweepStatusInfo;
  'sweeps:cancel': SweepStatusInfo;
  'sweeps:get': SweepDetail;
  'sweeps:list': SweepList;
  'sweeps:update': SweepSummary;
  'sweeps:delete': { deleted: true };
  'validation:list': ValidationList;
  'export:run': ExportFile;
  'export:diff': ExportFile;
  'export:sweep': ExportFile;
  'export:import': ImportResult;
  'calibrate:fit': CalibrationResultData;
  'calibrate:save': ProfileRecord;
  'calibrate:measurements': { rows: CalibrationMeasurementRow[] };
  'fio:compare': FioCompareResult;
}

/** One figure of compare-fio: measured by fio, simulated, and (simulated - measured) / measured. */
export interface FioCompareRow {
  job: string;
  metric: string;
  measured: number | null;
  simulated: number | null;
  relError: number | null;
}

export interface FioCompareResult {
  fioVersion: string;
  profileId: string;
  strategy: string;
  /** The simulated workload's canonical text. */
  workloadText: string;
  /** What was understood of the jobs (as the CLI prints it). */
  understood: string[];
  rows: FioCompareRow[];
  /** With save: the measured run and the simulated run, ready for runs:diff. */
  measuredRunId: string | null;
  simulatedRunId: string | null;
}

/** One stored measurement of a calibrated user profile. */
export interface CalibrationMeasurementRow {
  workload: string;
  strategy: string;
  metric: string;
  measured: number;
  source: string;
  /** The profile the calibration started from. */
  base: string;
  createdAt: number;
}

/** core/calibrate's CalibrationResult, as JSON (re-declared here so the contract stays a leaf module). */
export interface CalibrationResultData {
  profile: HardwareProfile;
  base: string;
  fitted: Array<{ path: string; unit: string; before: number; after: number; low: number; high: number; confoundedWith: string[] }>;
  undetermined: Array<{ path: string; unit: string; value: number; reason: string; measure: string | null }>;
  rows: Array<{ workload: string; strategy: string; metric: string; measured: number; before: number; after: number; relError: number; relErrorBefore: number; source: string }>;
  stats: { measurements: number; parameters: number; iterations: number; simulations: number; rmsRelErrorBefore: number; rmsRelErrorAfter: number; residualVariance: number };
}

export type OpResult<K extends OpName> = OpResults[K];

/** The whole contract as async methods: what the host service implements and the renderer's bridge exposes. */
export type HostApi = { [K in OpName]: (args: OpArgs<K>) => Promise<OpResult<K>> };

/** A generic caller over any transport. */
export type Invoke = <K extends OpName>(op: K, args: OpArgs<K>) => Promise<OpResult<K>>;

/** Build a HostApi from a transport function that returns OpResponse envelopes. */
export function apiFromTransport(send: (op: OpName, args: unknown) => Promise<OpResponse>): HostApi {
  const api = {} as Record<OpName, (args: unknown) => Promise<unknown>>;
  for (const op of OP_NAMES) {
    api[op] = async (args: unknown) => {
      const r = await send(op, args ?? {});
      if (r.ok) return r.result;
      throw ContractError.fromJSON(r.error);
    };
  }
  return api as unknown as HostApi;
}
