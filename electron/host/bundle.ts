/**
 * JSON bundles: a run, a diff (both runs + the computed diff) or a sweep (the sweep + its runs),
 * self-contained and lossless — importing one into another database gives identical runs.
 *
 *   { "format": "iommu-lab-bundle", "version": 1, "kind": "run" | "diff" | "sweep",
 *     "exportedAt": ms, "engineVersion": "...", "profiles": [...user profiles used...],
 *     "sweeps": [...], "runs": [...], "diff"?: RunDiff }
 *
 * Everything is validated before anything is written: wrong types, out-of-range values,
 * inconsistent results or series give ContractError('invalid') naming the field.
 */
import { z } from 'zod';
import {
  ContractError, MAX_REPLICATIONS, MAX_SERIES_POINTS, RUN_STATUSES, zodIssues, type ContractIssue,
} from '../../core/contract.ts';
import { parseStrategy, validateProfile, WORKLOAD_KINDS } from '../../core/index.ts';
import type { HardwareProfile } from '../../core/types.ts';
import type { StoredRun, StoredSweep } from './store.ts';
import { parseWorkloadText } from './sweep.ts';

export const BUNDLE_FORMAT = 'iommu-lab-bundle';
export const BUNDLE_VERSION = 1;

const finite = z.number().finite();
const numArray = (max: number) => z.array(finite).max(max);
const ms = z.number().int().min(0).max(8.64e15);
const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an id of letters, digits, _ - (1-64 chars)');
const tags = z.array(z.string().min(1).max(64).regex(/^[^\s,]+$/)).max(32);
const status = z.enum(RUN_STATUSES);

/**
 * A JSON tree whose leaves are finite numbers, null or short strings (metrics may grow new fields), at most
 * METRIC_DEPTH levels deep and METRIC_KEYS keys per level: a deeply nested tree used to validate and
 * then fail at insert (SQLite's JSON depth limit, an HTTP 500).
 */
export const METRIC_DEPTH = 6;
const METRIC_KEYS = 200;

/** True when a JSON value nests at most `max` objects/arrays deep (iterative: no stack to overflow). */
export function depthAtMost(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d >= max) return false;
    for (const x of Object.values(v as object)) stack.push([x, d + 1]);
  }
  return true;
}
/** Leaves: numbers, null, and short labels (exposure.protection is a class name such as "full"). */
const metricLeaf = z.union([finite, z.null(), z.string().max(200)]);
const metricTreeAt = (depth: number): z.ZodType<unknown> =>
  depth <= 0 ? metricLeaf : z.union([finite, z.null(), z.string().max(200), z.record(z.string().max(100), metricTreeAt(depth - 1)).refine((o) => Object.keys(o).length <= METRIC_KEYS, `at most ${METRIC_KEYS} keys`)]);
const metricsSchema = z.record(z.string().max(100), metricTreeAt(METRIC_DEPTH - 1)).superRefine((m, ctx) => {
  for (const k of ['throughputMiBps', 'iops', 'ios', 'bytes']) {
    if (typeof m[k] !== 'number') ctx.addIssue({ code: 'custom', path: [k], message: 'a finite number is required' });
  }
  const lat = m.latencyUs as Record<string, unknown> | null | undefined;
  if (!lat || typeof lat !== 'object' || typeof lat.p50 !== 'number' || typeof lat.p99 !== 'number') {
    ctx.addIssue({ code: 'custom', path: ['latencyUs'], message: 'latency percentiles (p50, p99, ...) are required' });
  }
});

const seriesSchema = z.strictObject({
  tUs: numArray(MAX_SERIES_POINTS),
  throughputMiBps: numArray(MAX_SERIES_POINTS),
  bounceBytes: numArray(MAX_SERIES_POINTS),
  pinnedBytes: numArray(MAX_SERIES_POINTS),
  iovaBytes: numArray(MAX_SERIES_POINTS),
}).refine((s) => [s.throughputMiBps, s.bounceBytes, s.pinnedBytes, s.iovaBytes].every((c) => c.length === s.tUs.length), {
  message: 'every series column must have as many points as tUs',
});

const histogramSchema = z.strictObject({
  edgesUs: numArray(100_000),
  counts: z.array(z.number().finite().min(0)).max(100_000),
}).refine((h) => h.edgesUs.length === h.counts.length, { message: 'edgesUs and counts must have the same length' });

const resultSchema = z.strictObject({
  strategy: z.string().min(1).max(1000),
  strategyIndex: z.number().int().min(0).max(63),
  replication: z.number().int().min(0).max(MAX_REPLICATIONS - 1),
  seed: z.number().int().min(0).max(0xffffffff),
  wallMs: z.number().finite().min(0).max(1e10),
  metrics: metricsSchema,
  series: seriesSchema,
  latencyHistogram: histogramSchema,
  /** Per-job / per-group results of multi-job fio workloads and measured fio runs. */
  jobs: z.array(z.record(z.string().max(100), metricTreeAt(METRIC_DEPTH - 1))).max(100_000).optional(),
  explain: z.strictObject({
    map: z.record(z.string().max(40), z.number().finite()),
    unmap: z.record(z.string().max(40), z.number().finite()),
  }).optional(),
});

const strategySpecSchema = z.strictObject({
  id: z.string().min(1).max(64),
  params: z.record(z.string().max(64), z.union([finite, z.string().max(200), z.boolean(), z.array(finite).max(64)])),
  text: z.string().min(1).max(1000),
});

const runConfigSchema = z.strictObject({
  profile: z.unknown(),
  // A measured run (compare-fio --save) ran no strategy.
  strategies: z.array(strategySpecSchema).max(64),
  workload: z.looseObject({ kind: z.enum(WORKLOAD_KINDS) }).refine((w) => depthAtMost(w, METRIC_DEPTH), `nested at most ${METRIC_DEPTH} levels`),
  // A replayed trace's canonical text holds one line per mapping.
  workloadText: z.string().min(1).max(16 * 1024 * 1024),
  seed: z.number().int().min(0).max(0xffffffff),
  replications: z.number().int().min(1).max(MAX_REPLICATIONS),
  seriesPoints: z.number().int().min(2).max(MAX_SERIES_POINTS).nullable(),
  engineVersion: z.string().min(1).max(100),
});

/** What a stored run and a stored sweep both carry: identity, user labels, lifecycle. */
const recordFields = {
  id,
  name: z.string().max(200),
  tags,
  notes: z.string().max(20_000),
  saved: z.boolean(),
  status,
  createdAt: ms,
  finishedAt: ms.nullable(),
  error: z.string().max(10_000).nullable(),
};

const runSchema = z.strictObject({
  ...recordFields,
  wallMs: z.number().finite().min(0).max(1e12).nullable(),
  config: runConfigSchema,
  sweepId: id.nullable(),
  sweepIndex: z.number().int().min(0).max(1e6).nullable(),
  sweepPoint: z.record(z.string().max(80), z.string().max(200)).nullable(),
  results: z.array(resultSchema).max(64 * MAX_REPLICATIONS),
  kind: z.literal('measured').optional(),
  measured: z.unknown().optional(),
});

const sweepConfigSchema = z.strictObject({
  profileIds: z.array(z.string().min(1).max(64)).min(1).max(32),
  strategies: z.array(z.string().min(1).max(1000)).min(1).max(64),
  workload: z.string().min(1).max(100_000),
  vary: z.array(z.strictObject({ key: z.string().min(1).max(80), values: z.array(z.string().min(1).max(200)).min(1).max(200) })).max(6),
  seed: z.number().int().min(0).max(0xffffffff),
  replications: z.number().int().min(1).max(MAX_REPLICATIONS),
  seriesPoints: z.number().int().min(2).max(MAX_SERIES_POINTS).nullable(),
});

const sweepSchema = z.strictObject({
  ...recordFields,
  config: sweepConfigSchema,
  pointCount: z.number().int().min(1).max(100_000),
});

export const bundleSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  version: z.number().int(),
  kind: z.enum(['run', 'diff', 'sweep']),
  exportedAt: ms,
  engineVersion: z.string().max(100),
  profiles: z.array(z.unknown()).max(1000).default([]),
  sweeps: z.array(sweepSchema).max(1000).default([]),
  runs: z.array(runSchema).max(100_000),
  diff: z.unknown().optional(),
});

export interface Bundle {
  format: typeof BUNDLE_FORMAT;
  version: number;
  kind: 'run' | 'diff' | 'sweep';
  exportedAt: number;
  engineVersion: string;
  profiles: HardwareProfile[];
  sweeps: StoredSweep[];
  runs: StoredRun[];
  diff?: unknown;
}

function valueAt(root: unknown, path: string): unknown {
  if (path === '(root)') return root;
  return path.split('.').reduce<any>((o, k) => (o == null ? undefined : o[k]), root);
}

/**
 * A profile snapshot stored with a run: valid for the current schema, or valid but for fields the
 * schema added or removed since it was written (missing or unknown keys). Wrong types and
 * out-of-range values are errors. Returns the issues that make it unacceptable.
 */
export function snapshotIssues(profile: unknown): ContractIssue[] {
  if (!profile || typeof profile !== 'object' || Array.isArray(profile)) return [{ path: '(root)', message: 'a profile object' }];
  const v = validateProfile(profile);
  if (v.ok) return [];
  return v.issues.filter((i) => {
    if (/unrecognized key/i.test(i.message)) return false;
    return valueAt(profile, i.path) !== undefined || i.path === '(root)' || i.path === 'id' || i.path === 'name';
  });
}

function invalid(message: string, issues?: ContractIssue[]): ContractError {
  return new ContractError('invalid', `bundle: ${message}`, issues);
}

/** Parse and fully validate bundle text. Throws ContractError('invalid'); never writes. */
export function parseBundle(text: string): Bundle {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw invalid(`not valid JSON (${(e as Error).message})`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalid('expected a JSON object');
  const o = raw as Record<string, unknown>;
  if (o.format !== BUNDLE_FORMAT) throw invalid(`format must be "${BUNDLE_FORMAT}"`, [{ path: 'format', message: `must be "${BUNDLE_FORMAT}"` }]);
  if (typeof o.version === 'number' && o.version > BUNDLE_VERSION) throw invalid(`version ${o.version} is newer than this program reads (${BUNDLE_VERSION}); upgrade IOMMU Lab`);
  const r = bundleSchema.safeParse(raw);
  if (!r.success) {
    const issues = zodIssues(r.error).slice(0, 20);
    throw invalid(issues.map((i) => `${i.path}: ${i.message}`).slice(0, 3).join('; '), issues);
  }
  const b = r.data;
  if (b.version !== BUNDLE_VERSION) throw invalid(`version must be ${BUNDLE_VERSION}`);
  const issues: ContractIssue[] = [];
  // User profiles: imported when valid for this version; an older/newer field set is skipped, wrong values are errors.
  const profiles: HardwareProfile[] = [];
  b.profiles.forEach((p, i) => {
    const v = validateProfile(p);
    if (v.ok) profiles.push(v.profile);
    else issues.push(...snapshotIssues(p).map((x) => ({ path: `profiles.${i}.${x.path}`, message: x.message })));
  });
  const runIds = new Set<string>();
  b.runs.forEach((run, i) => {
    const at = `runs.${i}`;
    if (runIds.has(run.id)) issues.push({ path: `${at}.id`, message: `duplicate run id ${run.id}` });
    runIds.add(run.id);
    issues.push(...snapshotIssues(run.config.profile).map((x) => ({ path: `${at}.config.profile.${x.path}`, message: x.message })));
    run.config.strategies.forEach((s, k) => {
      try {
        const parsed = parseStrategy(s.text);
        if (parsed.id !== s.id) issues.push({ path: `${at}.config.strategies.${k}.id`, message: `does not match its text ${s.text}` });
      } catch (e) {
        issues.push({ path: `${at}.config.strategies.${k}.text`, message: (e as Error).message });
      }
    });
    try {
      const w = parseWorkloadText(run.config.workloadText);
      if (w.kind !== run.config.workload.kind) issues.push({ path: `${at}.config.workload.kind`, message: 'does not match workloadText' });
    } catch (e) {
      issues.push({ path: `${at}.config.workloadText`, message: (e as Error).message });
    }
    const seen = new Set<string>();
    // A measured run holds the tool's one result and no strategy.
    if (run.kind === 'measured') {
      if (run.results.length !== 1 || run.results[0].strategyIndex !== 0) issues.push({ path: `${at}.results`, message: 'a measured run holds exactly one result (strategy index 0)' });
      return;
    }
    if (run.config.strategies.length === 0) issues.push({ path: `${at}.config.strategies`, message: 'at least one strategy (only a measured run has none)' });
    run.results.forEach((res, k) => {
      const rp = `${at}.results.${k}`;
      if (res.strategyIndex >= run.config.strategies.length) issues.push({ path: `${rp}.strategyIndex`, message: `must be below ${run.config.strategies.length}` });
      else if (res.strategy !== run.config.strategies[res.strategyIndex].text) issues.push({ path: `${rp}.strategy`, message: 'does not match config.strategies' });
      if (res.replication >= run.config.replications) issues.push({ path: `${rp}.replication`, message: `must be below ${run.config.replications}` });
      const key = `${res.strategyIndex}/${res.replication}`;
      if (seen.has(key)) issues.push({ path: rp, message: `duplicate result for strategy ${res.strategyIndex} replication ${res.replication}` });
      seen.add(key);
    });
    // A finished run holds one result per strategy and replication; fewer means a truncated or
    // edited bundle (cancelled, failed and interrupted runs legitimately keep what had finished).
    const expected = run.config.strategies.length * run.config.replications;
    if (run.status === 'done' && seen.size !== expected) {
      issues.push({ path: `${at}.results`, message: `a done run needs ${expected} results (${run.config.strategies.length} strategies x ${run.config.replications} replications), found ${seen.size}` });
    }
  });
  if (issues.length) throw invalid(issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`).join('; '), issues.slice(0, 50));
  return {
    ...b,
    profiles,
    // Profiles were validated above; they are kept exactly as given (lossless).
    runs: b.runs as unknown as StoredRun[],
    sweeps: b.sweeps as StoredSweep[],
  };
}
