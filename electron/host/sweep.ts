/**
 * Sweep planning: the cartesian product of the profiles and every `vary` dimension. A dimension is a
 * workload key (`bs`, `iodepth`, `numjobs`, `rw`, `size`, `threads`, `granule`, `msg_len`, ...) or a
 * strategy parameter `strategyId.param` (`bounce-pool.slots`, `iopf.premap`), or a profile field path
 * (`iommu.invalidation.syncNs`, `cpu.memcpyBytesPerSec`), validated as a profile file. Every point is one run
 * holding all the sweep's strategies. The first vary key varies fastest (it is the x axis of charts).
 */
import {
  InputError, parseFioJobFile, parseSize, parseStrategy, parseStrategyList, parseWorkload, strategyDef, STRATEGIES, validateProfile, workloadText,
} from '../../core/index.ts';
import type { HardwareProfile, StrategySpec, Workload } from '../../core/types.ts';
import { MAX_SWEEP_POINTS, type SweepConfig } from '../../core/contract.ts';

export interface PlannedPoint {
  index: number;
  profile: HardwareProfile;
  values: Record<string, string>;
  strategies: StrategySpec[];
  workload: Workload;
  workloadText: string;
}

/** `fio:...`, `dmabench:...`, `accel:...`, or the text of a .fio job file (starts with a [section]). */
export function parseWorkloadText(text: string): Workload {
  const first = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l && !l.startsWith('#') && !l.startsWith(';'));
  if (first && first.startsWith('[')) return parseFioJobFile(text);
  return parseWorkload(text);
}

/** Strategy texts as given by users: each may itself be a comma list or `all`; each strategy once. */
export function parseStrategies(texts: string[]): StrategySpec[] {
  const list = texts.flatMap((t) => parseStrategyList(t));
  const seen = new Set<string>();
  for (const s of list) {
    if (seen.has(s.text)) throw new InputError('strategies', s.text, `each strategy once; ${texts.join(',')} names it twice`);
    seen.add(s.text);
  }
  return list;
}

/** Keys usable in `vary` besides workload keys. */
export function strategySweepKeys(): string[] {
  return STRATEGIES.flatMap((s) => s.params.map((p) => `${s.id}.${p.key}`));
}

function applyWorkloadKey(base: Workload, key: string, value: string): Workload {
  if (base.kind === 'trace') throw new InputError('vary', key, 'a profile or strategy parameter (a replayed trace has no workload keys)');
  // Several fio jobs (command-line form): the value goes after each job's own options, as fio
  // applies the last occurrence of an option to the job it follows.
  if (base.kind === 'fio' && base.jobs) return parseWorkload(`${workloadText(base).replace(/ --name=/g, ` --${key}=${value} --name=`)} --${key}=${value}`);
  return parseWorkload(`${workloadText(base)},${key}=${value}`);
}

/** `iommu.invalidation.syncNs`: a dotted path into the profile, not `strategyId.param`. */
export function isProfileFieldKey(key: string): boolean {
  return key.includes('.') && !STRATEGIES.some((st) => key.startsWith(`${st.id}.`));
}

/**
 * A profile with one field set from its text value, validated as a profile file is: the value takes
 * the field's type (number, with size suffixes for `...Bytes`; boolean; `null` for a cost the
 * hardware lacks), and the whole profile must pass the schema.
 */
export function applyProfileField(profile: HardwareProfile, key: string, value: string): HardwareProfile {
  const keys = key.split('.');
  const p = JSON.parse(JSON.stringify(profile)) as Record<string, unknown>;
  let parent: Record<string, unknown> = p;
  for (const k of keys.slice(0, -1)) {
    const next = parent[k];
    if (!next || typeof next !== 'object' || Array.isArray(next)) throw new InputError('vary', key, 'a workload key, strategy.param, or a profile field path such as iommu.invalidation.syncNs (see `profile show ID`)');
    parent = next as Record<string, unknown>;
  }
  const leaf = keys[keys.length - 1];
  if (!(leaf in parent) || (parent[leaf] !== null && typeof parent[leaf] === 'object')) {
    throw new InputError('vary', key, `a profile field path such as iommu.invalidation.syncNs; ${keys.slice(0, -1).join('.')} has ${Object.keys(parent).join(', ')}`);
  }
  const cur = parent[leaf];
  let v: unknown;
  const t = value.trim();
  if (t === 'null') v = null;
  else if (typeof cur === 'boolean') {
    if (!/^(true|false|1|0|yes|no)$/i.test(t)) throw new InputError(`vary ${key}`, value, 'true or false');
    v = /^(true|1|yes)$/i.test(t);
  } else if (/Bytes$/.test(leaf) && /^[\d.]+[kmgt]i?b?$/i.test(t)) v = parseSize(`vary ${key}`, t, 0, 2 ** 50);
  else {
    v = Number(t);
    if (t === '' || !Number.isFinite(v)) throw new InputError(`vary ${key}`, value, 'a number');
  }
  parent[leaf] = v;
  const checked = validateProfile(p);
  if (!checked.ok) {
    const issue = checked.issues[0];
    throw new InputError(`vary ${key}`, value, `a value the profile schema accepts (${issue.path}: ${issue.message})`);
  }
  return checked.profile;
}

function applyStrategyParam(specs: StrategySpec[], key: string, value: string): StrategySpec[] {
  const dot = key.indexOf('.');
  const id = key.slice(0, dot);
  const param = key.slice(dot + 1);
  const def = strategyDef(id);
  if (!def.params.some((p) => p.key === param)) throw new InputError(`vary ${key}`, param, def.params.map((p) => `${id}.${p.key}`).join(', ') || `no parameters for ${id}`);
  if (!specs.some((s) => s.id === id)) throw new InputError(`vary ${key}`, id, `a strategy of the sweep (${specs.map((s) => s.text).join(', ')})`);
  return specs.map((s) => (s.id === id ? parseStrategy(`${s.text}:${param}=${value}`) : s));
}

/** One point of a sweep at the given values of its vary keys (what planSweep builds, and refinement reuses). */
export function pointAt(config: SweepConfig, profile: HardwareProfile, values: Record<string, string>, index: number): PlannedPoint {
  let workload = parseWorkloadText(config.workload);
  let strategies = parseStrategies(config.strategies);
  const out: Record<string, string> = {};
  if (config.profileIds.length > 1) out.profile = profile.id;
  for (const d of config.vary) {
    const value = values[d.key];
    out[d.key] = value;
    if (d.key.includes('.')) strategies = applyStrategyParam(strategies, d.key, value);
    else workload = applyWorkloadKey(workload, d.key, value);
  }
  return { index, profile, values: out, strategies, workload, workloadText: workloadText(workload) };
}

export function planSweep(config: SweepConfig, resolveProfile: (id: string) => HardwareProfile): PlannedPoint[] {
  const profiles = config.profileIds.map(resolveProfile);
  const baseStrategies = parseStrategies(config.strategies);
  const baseWorkload = parseWorkloadText(config.workload);
  const seen = new Set<string>();
  for (const v of config.vary) {
    if (v.key === 'profile') throw new InputError('vary', v.key, 'workload keys or strategy.param; list profiles in --profile P1,P2');
    if (v.key === 'strategy') throw new InputError('vary', v.key, 'workload keys or strategy.param; list strategies in --strategy S1,S2 (every point runs all of them)');
    if (seen.has(v.key)) throw new InputError('vary', v.key, 'each key once');
    seen.add(v.key);
  }
  let total = profiles.length;
  for (const v of config.vary) total *= v.values.length;
  if (total > MAX_SWEEP_POINTS) throw new InputError('sweep', `${total} points`, `at most ${MAX_SWEEP_POINTS} points (profiles x vary values)`);

  // Index combinations with vary[0] fastest.
  const dims = config.vary;
  const points: PlannedPoint[] = [];
  const counters = dims.map(() => 0);
  for (const profile of profiles) {
    counters.fill(0);
    for (;;) {
      const values: Record<string, string> = {};
      if (profiles.length > 1) values.profile = profile.id;
      let workload = baseWorkload;
      let strategies = baseStrategies;
      let pointProfile = profile;
      dims.forEach((d, k) => {
        const value = d.values[counters[k]];
        values[d.key] = value;
        if (isProfileFieldKey(d.key)) pointProfile = applyProfileField(pointProfile, d.key, value);
        else if (d.key.includes('.')) strategies = applyStrategyParam(strategies, d.key, value);
        else workload = applyWorkloadKey(workload, d.key, value);
      });
      points.push({ index: points.length, profile: pointProfile, values, strategies, workload, workloadText: workloadText(workload) });
      let k = 0;
      while (k < dims.length) {
        counters[k]++;
        if (counters[k] < dims[k].values.length) break;
        counters[k] = 0;
        k++;
      }
      if (k >= dims.length) break;
    }
  }
  return points;
}

// ---------------------------------------------------------------------------------------------
// Locating steps: extra points between two neighbours

/** Keys whose values are byte sizes: refined to whole pages (4 KiB). */
const SIZE_KEYS = new Set(['bs', 'size', 'msg_len', 'pool', 'swiotlb.pool', 'swiotlb-dynamic.pool']);
/** At most this many extra points per sweep. */
export const MAX_REFINE_POINTS = 40;

/**
 * The value between two neighbouring swept values that halves the bracket, or null when they are
 * already adjacent at the key's resolution (4 KiB for sizes, 1 for counts) or not numeric.
 */
export function midValue(key: string, from: string, to: string): string | null {
  const a = numericValue(from);
  const b = numericValue(to);
  if (a === null || b === null) return null;
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const size = SIZE_KEYS.has(key) || /[kmg]$/i.test(from.trim()) || /[kmg]$/i.test(to.trim());
  const step = size ? 4096 : 1;
  if (!Number.isInteger(lo / step) || !Number.isInteger(hi / step)) return null;
  const units = (hi - lo) / step;
  if (units < 2) return null;
  const mid = lo + Math.floor(units / 2) * step;
  return size ? formatRangeValue(mid, true) : String(mid);
}

/** Crossovers of the sweep so far, among protected strategies, on the metric the sweep is read with. */
export type CrossoverReader = () => Crossover[];

/**
 * Where the winner changes between two planned neighbours, simulate the value halfway, and again,
 * until the change sits between two values one resolution step apart (or the budget runs out). The
 * crossover is then located by simulation, not by drawing a line between two distant points.
 */
export async function refineSweep(config: SweepConfig, planned: PlannedPoint[], read: CrossoverReader,
  runPoint: (p: PlannedPoint) => Promise<boolean>, isCancelled: () => boolean, budget = MAX_REFINE_POINTS): Promise<number> {
  if (!config.vary.length) return 0;
  const key = config.vary[0].key;
  const tried = new Set<string>();
  let added = 0;
  let next = planned.length;
  for (;;) {
    if (isCancelled() || added >= budget) return added;
    const todo: PlannedPoint[] = [];
    for (const c of read()) {
      const mid = midValue(key, c.from, c.to);
      if (mid === null) continue;
      const base = planned.find((p) => p.profile.id === c.profileId && p.values[key] === c.from
        && Object.entries(c.fixed).every(([k, v]) => p.values[k] === v)) ?? planned.find((p) => p.profile.id === c.profileId);
      if (!base) continue;
      const values = { ...base.values, [key]: mid };
      const id = JSON.stringify([c.profileId, values]);
      if (tried.has(id)) continue;
      tried.add(id);
      todo.push(pointAt(config, base.profile, values, next++));
    }
    if (!todo.length) return added;
    for (const p of todo) {
      if (isCancelled() || added >= budget) return added;
      added++;
      if (!(await runPoint(p))) return added;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// A stored sweep as the contract's SweepDetail

import type { SweepDetail, SweepPoint } from '../../core/contract.ts';
import { numericValue, sweepCrossovers } from '../../core/charts.ts';
import { formatRangeValue } from '../../core/range.ts';
import { countsAsProtected, orderPoints, resultProtection, type ResultProtection } from '../../core/verdict.ts';
import type { Crossover } from '../../core/contract.ts';
import type { Metrics } from '../../core/types.ts';
import { median } from '../../core/stats.ts';
import { metricDef, metricValue } from '../../core/report.ts';
import type { RunStore } from './store.ts';

/** Metrics that are rates per IO, per byte or per page: undefined when no IO completed. */
export function isPerIoMetric(key: string): boolean {
  return /^(latencyUs|mapUs|unmapUs|cpuSecondsPerGiB)\./.test(key)
    || ['iotlb.missesPerPage', 'invalidations.perPage', 'exposure.fractionBeyondBuffer', 'cpuUtilisation', 'slowdownVsPinned'].includes(key);
}

/** What changed at a step, from the counters of the strategy that loses there. */
function stepReason(before: { fallbacks: number; failures: number; ios: number } | null, after: { fallbacks: number; failures: number; ios: number } | null, strategy: string, x: string): string | undefined {
  if (!before || !after) return undefined;
  const rate = (c: number, ios: number) => (ios > 0 ? c / ios : c > 0 ? 1 : 0);
  if (rate(after.fallbacks, after.ios) - rate(before.fallbacks, before.ios) > 0.5) return `${strategy} falls back to the normal mapping path from ${x} (no slot class that large)`;
  if (rate(after.failures, after.ios) - rate(before.failures, before.ios) > 0.5 || (after.ios === 0 && before.ios > 0)) return `${strategy} fails its mappings from ${x}`;
  return undefined;
}

export function buildSweepDetail(store: RunStore, ref: string, metricKey: string, resolveProfile: (id: string) => HardwareProfile): SweepDetail {
  const s = store.getSweep(ref);
  const def = metricDef(metricKey);
  const runs = new Map(store.sweepRuns(s.id).map((r) => [r.index, r]));
  let plan: PlannedPoint[] | null = null;
  try {
    plan = planSweep(s.config, resolveProfile);
  } catch {
    plan = null; // a profile was deleted since: show the stored points only
  }
  // Curves are named by the sweep's own strategy texts, so a swept strategy parameter stays one curve.
  let labels: string[] = [];
  try {
    labels = parseStrategies(s.config.strategies).map((x) => x.text);
  } catch {
    labels = [];
  }
  const points: SweepPoint[] = [];
  const counters = new Map<string, { fallbacks: number; failures: number; ios: number }>();
  const indexes = [...new Set([...Array.from({ length: s.pointCount }, (_, i) => i), ...runs.keys()])].sort((a, b) => a - b);
  for (const i of indexes) {
    const run = runs.get(i);
    const planned = plan?.[i];
    if (!run && !planned) continue;
    const medians: Record<string, number> = {};
    const protection: Record<string, ResultProtection> = {};
    if (run) {
      const by = new Map<string, number[]>();
      const exposures = new Map<string, Array<Metrics['exposure']>>();
      for (const r of run.results) {
        const lbl = labels[r.strategyIndex] ?? r.strategy;
        exposures.set(lbl, [...(exposures.get(lbl) ?? []), r.metrics.exposure]);
        const cnt = counters.get(`${i}|${lbl}`) ?? { fallbacks: 0, failures: 0, ios: 0 };
        cnt.fallbacks += r.metrics.fallbacks ?? 0;
        cnt.failures += r.metrics.failures ?? 0;
        cnt.ios += r.metrics.ios ?? 0;
        counters.set(`${i}|${lbl}`, cnt);
        // A strategy that completed no IO (every mapping failed: swiotlb above 256 KiB) has no
        // latency, no CPU per GiB, no per-page rate: the engine reports 0 there, which would make
        // it the "best" strategy and invent crossovers. Leave such points out of those metrics.
        if (r.metrics.ios === 0 && isPerIoMetric(def.key)) continue;
        const v = metricValue(r.metrics, def.key);
        if (v === null) continue;
        const label = labels[r.strategyIndex] ?? r.strategy;
        const list = by.get(label) ?? [];
        list.push(v);
        by.set(label, list);
      }
      for (const [k, v] of by) medians[k] = median(v);
      for (const [k, e] of exposures) protection[k] = resultProtection(e).protection;
    }
    points.push({
      index: i,
      runId: run?.runId ?? null,
      status: run?.status ?? 'pending',
      profileId: run?.config.profile.id ?? planned!.profile.id,
      values: run?.point ?? planned!.values,
      workloadText: run?.config.workloadText ?? planned!.workloadText,
      strategies: labels.length ? labels : (run?.config.strategies ?? planned!.strategies).map((x) => x.text),
      medians,
      protection,
      ...(i >= s.pointCount ? { refined: true } : {}),
    });
  }
  const better = def.better ?? 'higher';
  const key = s.config.vary[0]?.key;
  const annotate = (cs: Crossover[]): Crossover[] => cs.map((c) => {
    const at = (x: string) => points.find((p) => p.profileId === c.profileId && p.values[key!] === x && Object.entries(c.fixed).every(([k, v]) => p.values[k] === v));
    const pa = at(c.from);
    const pb = at(c.to);
    const refined = !!(pa?.refined || pb?.refined);
    const reason = pa && pb ? stepReason(counters.get(`${pa.index}|${c.before}`) ?? null, counters.get(`${pb.index}|${c.before}`) ?? null, c.before, c.to) : undefined;
    return { ...c, ...(refined ? { refined } : {}), ...(reason ? { reason } : {}) };
  });
  const crossovers = annotate(sweepCrossovers(points, s.config.vary, better, { eligible: (st, p) => countsAsProtected(p.protection?.[st] ?? 'unknown') }));
  const crossoversAll = annotate(sweepCrossovers(points, s.config.vary, better));
  return { ...s, metric: def, points: orderPoints(points, key ?? null), crossovers, crossoversAll };
}
