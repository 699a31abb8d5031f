/**
 * The answer in sentences: which protected strategy wins on the user's goal, by how much against
 * `strict`, what the strategies that give up protection would add and what they give up, and where
 * (from a sweep) the answer flips. Pure: the Comparison view, the CLI (`run --verdict`, `sweep
 * --verdict`) and Markdown exports all print what this returns, so they never disagree.
 *
 * Protection always comes from the measured exposure through core/protection.ts; a result stored
 * before the engine measured standing reach is "unknown", never guessed from the strategy id.
 */
import type { Crossover, SweepDetail } from './contract.ts';
import { PROTECTION_ORDER, protectionOf } from './protection.ts';
import type { Metrics, ProtectionClass } from './types.ts';

export type Goal = 'throughput' | 'latency' | 'cpu' | 'dmacall';
/** 'unknown': the result has no standing-exposure measurement (stored by an older engine). */
export type ResultProtection = ProtectionClass | 'unknown';

export interface GoalDef {
  goal: Goal;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
}

export const GOALS: Record<Goal, GoalDef> = {
  throughput: { goal: 'throughput', label: 'throughput', unit: 'MiB/s', better: 'higher' },
  latency: { goal: 'latency', label: 'p99 latency', unit: 'µs', better: 'lower' },
  cpu: { goal: 'cpu', label: 'CPU per GiB', unit: 's/GiB', better: 'lower' },
  dmacall: { goal: 'dmacall', label: 'map + unmap time', unit: 'µs', better: 'lower' },
};

/** The goal a workload is judged on by default: dma_map_benchmark times calls, it moves no data. */
export function defaultGoal(workloadKind: string): Goal {
  return workloadKind === 'dmabench' ? 'dmacall' : 'throughput';
}

export interface ProtectionReading {
  protection: ResultProtection;
  /** Worst over replications. */
  staleWindowMaxUs: number;
  bytesBeyondBuffer: number;
  standingBytes: number | null;
}

/** The protection of one strategy's results (all replications): the worst class wins. */
export function resultProtection(exposures: Array<Metrics['exposure'] | undefined>): ProtectionReading {
  let worst = 0;
  let unknown = exposures.length === 0;
  let stale = 0;
  let beyond = 0;
  let standing: number | null = 0;
  for (const e of exposures) {
    if (!e) {
      unknown = true;
      continue;
    }
    if (e.standingBytes === undefined || e.standingBytes === null) unknown = true;
    else standing = Math.max(standing ?? 0, e.standingBytes);
    stale = Math.max(stale, e.staleWindowUs?.max ?? 0);
    beyond = Math.max(beyond, e.bytesBeyondBuffer ?? 0);
    worst = Math.max(worst, PROTECTION_ORDER.indexOf(protectionOf(e)));
  }
  const cls = PROTECTION_ORDER[worst];
  // Without standing reach the class is a lower bound: only 'none' is certain (it cannot get worse).
  return {
    protection: unknown && cls !== 'none' ? 'unknown' : cls,
    staleWindowMaxUs: stale,
    bytesBeyondBuffer: beyond,
    standingBytes: unknown ? null : standing,
  };
}

export const PROTECTION_LABEL: Record<ResultProtection, string> = {
  full: 'full',
  granule: 'granule',
  deferred: 'deferred',
  none: 'none',
  unknown: 'unknown',
};

/** Whether a strategy may take a best mark or a place in the protected ranking. */
export function countsAsProtected(p: ResultProtection): boolean {
  return p === 'full' || p === 'granule' || p === 'deferred';
}

// ---------------------------------------------------------------------------------------------
// Formatting (plain text; the renderer shows the same strings)

export function fmtBytesShort(b: number): string {
  const a = Math.abs(b);
  if (a >= 1024 ** 3) return `${+(b / 1024 ** 3).toPrecision(3)} GiB`;
  if (a >= 1024 ** 2) return `${+(b / 1024 ** 2).toPrecision(3)} MiB`;
  if (a >= 1024) return `${+(b / 1024).toPrecision(3)} KiB`;
  return `${Math.round(b)} B`;
}

export function fmtDuration(us: number): string {
  if (us >= 1e6) return `${+(us / 1e6).toPrecision(3)} s`;
  if (us >= 1e3) return `${+(us / 1e3).toPrecision(3)} ms`;
  return `${+us.toPrecision(3)} µs`;
}

function fmtFactor(f: number): string {
  return `${f >= 10 ? f.toFixed(0) : f >= 2 ? f.toFixed(1) : f.toFixed(2)}×`;
}

function fmtValue(v: number, g: GoalDef): string {
  return `${+v.toPrecision(3)} ${g.unit}`;
}

function fmtPctChange(p: number): string {
  const r = Math.abs(p) >= 10 ? Math.round(p) : +p.toFixed(1);
  return `${r >= 0 ? '+' : '−'}${Math.abs(r)} %`;
}

/** What a protection class gives up, with the measured figure. */
export function givesUp(p: ProtectionReading): string {
  switch (p.protection) {
    case 'full':
      return 'nothing: the device reaches only the buffers handed to it, only while mapped';
    case 'granule':
      return `exact protection: the device also reaches up to ${fmtBytesShort(p.bytesBeyondBuffer)} beyond each buffer (granule rounding)`;
    case 'deferred':
      return `protection after unmap: the device may reach freed buffers for up to ${fmtDuration(p.staleWindowMaxUs)}`;
    case 'none':
      return `all protection: the device reaches ${p.standingBytes ? fmtBytesShort(p.standingBytes) : 'memory'} never handed to it, for the whole run`;
    default:
      return 'possibly everything: this result was stored before the engine measured standing exposure (protection unknown); run it again to know';
  }
}

// ---------------------------------------------------------------------------------------------
// A run's verdict

export interface VerdictStrategy {
  strategy: string;
  /** Medians per metric key (the host's StrategySummary.metrics). */
  medians: Record<string, number | undefined>;
  exposures: Array<Metrics['exposure'] | undefined>;
}

export interface RankedStrategy {
  strategy: string;
  value: number;
  protection: ProtectionReading;
  /** value / strict's value on the goal; null without strict. */
  factorVsStrict: number | null;
  sentence: string;
}

export interface TradeOff {
  strategy: string;
  /** Relative change on the goal against the best fully protected strategy, percent (positive = better). */
  gainPct: number | null;
  protection: ProtectionReading;
  sentence: string;
}

export interface Flip {
  sentence: string;
  crossover: Crossover;
}

export interface Verdict {
  goal: GoalDef;
  headline: string;
  ranked: RankedStrategy[];
  tradeOffs: TradeOff[];
  excluded: string[];
  flips: Flip[];
  /** Every sentence, in reading order. */
  sentences: string[];
}

export function goalValue(medians: Record<string, number | undefined>, goal: Goal): number | null {
  const v = (k: string) => {
    const x = medians[k];
    return typeof x === 'number' && Number.isFinite(x) ? x : null;
  };
  switch (goal) {
    case 'throughput':
      return v('throughputMiBps');
    case 'latency':
      return v('latencyUs.p99');
    case 'cpu':
      return v('cpuSecondsPerGiB.total');
    case 'dmacall': {
      const m = v('mapUs.mean');
      const u = v('unmapUs.mean');
      return m === null || u === null ? null : m + u;
    }
  }
}

const isStrict = (s: string) => s === 'strict';

/** Positive when `v` is better than `ref` on the goal. */
function gainPct(g: GoalDef, v: number, ref: number): number | null {
  if (ref === 0) return null;
  return g.better === 'higher' ? ((v - ref) / ref) * 100 : ((ref - v) / ref) * 100;
}

function sideEffects(s: VerdictStrategy, strict: VerdictStrategy | undefined, goal: Goal): string[] {
  const out: string[] = [];
  if (!strict) return out;
  // dma_map_benchmark moves no data (its tables hide per-GiB rows), and its calls are the CPU time.
  if (goal !== 'cpu' && goal !== 'dmacall') {
    const c = s.medians['cpuSecondsPerGiB.total'];
    const cs = strict.medians['cpuSecondsPerGiB.total'];
    if (c !== undefined && cs !== undefined && cs > 0 && Math.abs(c / cs - 1) >= 0.05) out.push(`${fmtFactor(c / cs)} CPU per GiB`);
  }
  for (const [key, label] of [['iovaBytes.peak', 'IOVA'], ['bounceBytes.peak', 'bounce memory'], ['pinnedBytes.peak', 'pinned memory']] as const) {
    const a = s.medians[key];
    const b = strict.medians[key];
    if (a === undefined || b === undefined) continue;
    const d = a - b;
    if (Math.abs(d) >= 1024 * 1024) out.push(`${d > 0 ? '+' : '−'}${fmtBytesShort(Math.abs(d))} ${label}`);
  }
  return out;
}

export interface VerdictInput {
  strategies: VerdictStrategy[];
  goal: Goal;
  profileName: string;
  workloadText: string;
  /** Crossovers of a sweep this run belongs to (or the shown sweep's), to say where the answer flips. */
  crossovers?: Crossover[];
  /** Units for sentences about the swept key (`bs` is a size). */
  metricLabel?: string;
}

export function runVerdict(input: VerdictInput): Verdict {
  const g = GOALS[input.goal];
  const readings = new Map(input.strategies.map((s) => [s.strategy, resultProtection(s.exposures)]));
  const excluded: string[] = [];
  const usable = input.strategies.filter((s) => {
    const ios = s.medians.ios;
    const v = goalValue(s.medians, input.goal);
    if (ios === 0 || v === null) {
      excluded.push(`${s.strategy} completed no IO${(s.medians.failures ?? 0) > 0 ? ` (${Math.round(s.medians.failures!)} mapping failures)` : ''}: it has nothing to rank.`);
      return false;
    }
    return true;
  });
  const strict = usable.find((s) => isStrict(s.strategy));
  const strictV = strict ? goalValue(strict.medians, input.goal) : null;
  const strictP = strict ? readings.get(strict.strategy)! : null;
  const sorted = [...usable].sort((a, b) => {
    const va = goalValue(a.medians, input.goal)!;
    const vb = goalValue(b.medians, input.goal)!;
    return g.better === 'higher' ? vb - va : va - vb;
  });

  const ranked: RankedStrategy[] = [];
  for (const s of sorted) {
    const p = readings.get(s.strategy)!;
    if (!countsAsProtected(p.protection)) continue;
    const v = goalValue(s.medians, input.goal)!;
    const factor = strictV ? v / strictV : null;
    const parts: string[] = [];
    if (isStrict(s.strategy)) parts.push(`${fmtValue(v, g)} ${g.label}, the reference`);
    else if (factor !== null) parts.push(`${fmtFactor(factor)} strict ${g.label} (${fmtValue(v, g)})`);
    else parts.push(`${fmtValue(v, g)} ${g.label}`);
    if (!isStrict(s.strategy)) parts.push(...sideEffects(s, strict, input.goal));
    if (!isStrict(s.strategy) && strictP && strictP.protection === p.protection) parts.push('same protection as strict');
    else parts.push(`protection ${p.protection}: ${p.protection === 'full' ? 'the device reaches only the buffers handed to it' : `gives up ${givesUp(p)}`}`);
    ranked.push({ strategy: s.strategy, value: v, protection: p, factorVsStrict: factor, sentence: `${s.strategy}: ${parts.join(', ')}.` });
  }

  const bestFull = ranked.find((r) => r.protection.protection === 'full') ?? null;
  const tradeOffs: TradeOff[] = [];
  for (const s of sorted) {
    const p = readings.get(s.strategy)!;
    if (p.protection === 'full') continue;
    const v = goalValue(s.medians, input.goal)!;
    const gain = bestFull ? gainPct(g, v, bestFull.value) : null;
    // A protected-but-weaker strategy that gains nothing is already in the ranking: no second line.
    if (countsAsProtected(p.protection) && (gain === null || gain <= 0.5)) continue;
    // The metric's own change, signed: a gain on a lower-is-better goal is a fall ("−95 % p99 latency").
    const change = gain === null ? null : g.better === 'higher' ? gain : -gain;
    const gainText = change === null ? `${fmtValue(v, g)} ${g.label}` : gain! > 0.5
      ? `${fmtPctChange(change)} ${g.label} over ${bestFull!.strategy}`
      : `no gain over ${bestFull!.strategy} (${fmtPctChange(change)} ${g.label})`;
    tradeOffs.push({ strategy: s.strategy, gainPct: gain, protection: p, sentence: `${s.strategy}: ${gainText}; gives up ${givesUp(p)}.` });
  }

  const top = ranked[0];
  let headline: string;
  if (!top) headline = `No protected strategy completed this workload on ${input.profileName}: every result ${usable.length ? 'gives up protection or has unknown protection' : 'failed'}.`;
  else {
    const f = top.factorVsStrict !== null && !isStrict(top.strategy) ? `, ${fmtFactor(top.factorVsStrict)} strict` : '';
    headline = `On ${input.profileName}, for ${input.workloadText}, the best protected strategy on ${g.label} is ${top.strategy} (${fmtValue(top.value, g)}${f}; protection ${top.protection.protection}).`;
    if (bestFull && bestFull !== top) headline += ` The best with full protection is ${bestFull.strategy}.`;
  }

  const flips = (input.crossovers ?? []).map((c) => ({ crossover: c, sentence: flipSentence(c) }));
  const sentences = [headline, ...ranked.map((r, i) => `${i + 1}. ${r.sentence}`), ...tradeOffs.map((t) => t.sentence), ...excluded, ...flips.map((f) => f.sentence)];
  return { goal: g, headline, ranked, tradeOffs, excluded, flips, sentences };
}

const SIZE_KEYS = ['bs', 'size', 'msg_len', 'pool', 'granule'];

/** `above 128k (step between 128k and 132k) lazy wins over bounce-pool`. */
export function flipSentence(c: Crossover): string {
  const fixed = Object.entries(c.fixed).map(([k, v]) => `${k}=${v}`).join(' ');
  const where = c.kind === 'step' || c.at === null || c.at === undefined
    ? `between ${c.key} ${c.from} and ${c.to}`
    : `near ${c.key} ≈ ${SIZE_KEYS.some((k) => c.key.endsWith(k)) ? fmtBytesShort(c.at) : +c.at.toPrecision(3)}`;
  const how = c.kind === 'step' ? 'a step' : 'the curves cross';
  return `${c.profileId}${fixed ? ` (${fixed})` : ''}: ${c.after} takes over from ${c.before} ${where} (${how}${c.refined ? ', located by extra points' : ''})${c.reason ? `: ${c.reason}` : ''}.`;
}

// ---------------------------------------------------------------------------------------------
// A sweep's verdict

export interface SweepVerdict {
  headline: string;
  /** Per curve (profile + held-fixed keys): which protected strategy is best over which x span. */
  spans: string[];
  flips: Flip[];
  sentences: string[];
}

export function sweepVerdict(s: Pick<SweepDetail, 'metric' | 'points' | 'config' | 'crossovers'>, includeUnprotected = false): SweepVerdict {
  const key = s.config.vary[0]?.key ?? null;
  const better = s.metric.better ?? 'higher';
  const groups = new Map<string, { label: string; rows: Array<{ x: string; best: string; factor: number | null }> }>();
  for (const p of orderPoints(s.points, key)) {
    const fixed = Object.entries(p.values).filter(([k]) => k !== key && k !== 'profile').map(([k, v]) => `${k}=${v}`).join(' ');
    const label = `${p.profileId}${fixed ? ` (${fixed})` : ''}`;
    let best: string | null = null;
    for (const [st, v] of Object.entries(p.medians)) {
      const prot = p.protection?.[st] ?? 'unknown';
      if (!includeUnprotected && !countsAsProtected(prot)) continue;
      if (!Number.isFinite(v)) continue;
      if (best === null || (better === 'higher' ? v > p.medians[best] : v < p.medians[best])) best = st;
    }
    if (best === null) continue;
    const strictV = p.medians.strict;
    const factor = strictV && best !== 'strict' ? p.medians[best] / strictV : null;
    const g = groups.get(label) ?? { label, rows: [] };
    g.rows.push({ x: key ? p.values[key] : String(p.index), best, factor });
    groups.set(label, g);
  }
  const spans: string[] = [];
  for (const g of groups.values()) {
    const parts: string[] = [];
    let i = 0;
    while (i < g.rows.length) {
      let j = i;
      while (j + 1 < g.rows.length && g.rows[j + 1].best === g.rows[i].best) j++;
      const fs = g.rows.slice(i, j + 1).map((r) => r.factor).filter((f): f is number => f !== null);
      const fText = fs.length ? ` (${fmtFactor(Math.min(...fs))}${fs.length > 1 && Math.max(...fs) / Math.min(...fs) > 1.05 ? `–${fmtFactor(Math.max(...fs))}` : ''} strict)` : '';
      const span = i === j ? `${key ?? 'point'} ${g.rows[i].x}` : `${key ?? 'point'} ${g.rows[i].x} … ${g.rows[j].x}`;
      parts.push(`${g.rows[i].best} for ${span}${fText}`);
      i = j + 1;
    }
    spans.push(`${g.label}: ${parts.join('; ')}.`);
  }
  const scope = includeUnprotected ? 'strategy (unprotected included)' : 'protected strategy';
  const headline = `Best ${scope} on ${s.metric.label.toLowerCase()} (${better} is better) at each swept value:`;
  const flips = s.crossovers.map((c) => ({ crossover: c, sentence: flipSentence(c) }));
  return { headline, spans, flips, sentences: [headline, ...spans, ...flips.map((f) => f.sentence)] };
}

/** Points in x order: numeric keys by value (refined points fall in between), others as planned. */
export function orderPoints<T extends { values: Record<string, string>; index: number; profileId?: string }>(points: T[], key: string | null): T[] {
  if (!key) return points;
  // Curves (profile + the other swept keys) keep their first-appearance order; x is sorted within each.
  const curveOf = (p: T) => JSON.stringify([p.profileId ?? '', Object.entries(p.values).filter(([k]) => k !== key).sort()]);
  const curveRank = new Map<string, number>();
  for (const p of points) if (!curveRank.has(curveOf(p))) curveRank.set(curveOf(p), curveRank.size);
  const num = (v: string | undefined) => {
    const m = v === undefined ? null : /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(v);
    return m ? Number(m[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase() as ''] : null;
  };
  if (!points.every((p) => num(p.values[key]) !== null)) return points;
  return [...points].sort((a, b) => curveRank.get(curveOf(a))! - curveRank.get(curveOf(b))! || num(a.values[key])! - num(b.values[key])! || a.index - b.index);
}

export function verdictMarkdown(title: string, sentences: string[]): string {
  const [head, ...rest] = sentences;
  const lines = [`### ${title}`, '', head ?? '', ''];
  for (const s of rest) lines.push(/^\d+\. /.test(s) ? s : `- ${s}`);
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Adapters from stored runs and raw results

/** Per-strategy medians and exposures from per-replication results (grouped by strategy text, in order). */
export function verdictStrategies(results: ReadonlyArray<{ strategy: string; metrics: Metrics }>, summary?: ReadonlyArray<{ strategy: string; metrics: Record<string, { median: number } | undefined> }>): VerdictStrategy[] {
  const by = new Map<string, VerdictStrategy>();
  for (const r of results) {
    const v = by.get(r.strategy) ?? { strategy: r.strategy, medians: {}, exposures: [] };
    v.exposures.push(r.metrics.exposure);
    by.set(r.strategy, v);
  }
  for (const v of by.values()) {
    const s = summary?.find((x) => x.strategy === v.strategy);
    if (s) for (const [k, m] of Object.entries(s.metrics)) v.medians[k] = m?.median;
    else {
      const ms = results.filter((r) => r.strategy === v.strategy).map((r) => r.metrics);
      for (const k of VERDICT_KEYS) {
        const xs = ms.map((m) => readPath(m, k)).filter((x): x is number => x !== null).sort((a, b) => a - b);
        if (xs.length) v.medians[k] = xs.length % 2 ? xs[(xs.length - 1) / 2] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2;
      }
    }
  }
  return [...by.values()];
}

const VERDICT_KEYS = [
  'throughputMiBps', 'latencyUs.p99', 'cpuSecondsPerGiB.total', 'mapUs.mean', 'unmapUs.mean', 'iovaBytes.peak',
  'bounceBytes.peak', 'pinnedBytes.peak', 'ios', 'failures', 'fallbacks',
];

function readPath(m: Metrics, key: string): number | null {
  let cur: unknown = m;
  for (const p of key.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  return typeof cur === 'number' && Number.isFinite(cur) ? cur : null;
}

export function parseGoal(text: string | undefined, workloadKind: string): Goal {
  if (text === undefined || text === '') return defaultGoal(workloadKind);
  if (!(text in GOALS)) throw new Error(`goal ${text}: allowed ${Object.keys(GOALS).join(', ')}`);
  return text as Goal;
}
