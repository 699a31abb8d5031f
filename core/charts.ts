/**
 * Apache ECharts option builders: pure functions from stored results to plain option objects
 * (no echarts import). The renderer passes them to its chart components; the host passes them to
 * ECharts' server-side SVG renderer for export. Every chart has a title, axis names with units
 * and a legend; pass `{ animation: false }` when rendering server-side.
 */
import type { ChartKind, Crossover, RunDetail, RunDiff, RunResult, StrategySummary, SweepDetail } from './contract.ts';
import { metricDef } from './report.ts';
import { PROTECTION_ORDER } from './protection.ts';
import { countsAsProtected, fmtBytesShort, fmtDuration, type ProtectionReading } from './verdict.ts';

export interface ChartOptions {
  /** Animation on (interactive) or off (server-side rendering, tests). Default true. */
  animation?: boolean;
  /** Overrides the default title. */
  title?: string;
  subtitle?: string;
  /** Dark background for the renderer's dark theme. */
  dark?: boolean;
}

/** A plain ECharts option object. */
export type EChartsOption = Record<string, any>;

/** Colour-blind-friendly palette (Okabe-Ito without its low-contrast yellow), stable per strategy id. */
export const PALETTE = ['#999999', '#D55E00', '#009E73', '#CC79A7', '#0072B2', '#56B4E9', '#E69F00', '#000000', '#8C564B', '#7F7F00'];
const STRATEGY_ORDER = ['passthrough', 'strict', 'lazy', 'range-flush', 'swiotlb', 'swiotlb-dynamic', 'bounce-pool', 'iopf', 'pinned'];

/** Dark theme: the same hues, black swapped for white so `pinned` stays visible. */
export const PALETTE_DARK = PALETTE.map((c) => (c === '#000000' ? '#E8E8E8' : c));

/** The strategy id of a strategy text or curve name (`lazy:fq=32`, `vtd lazy:fq=32` -> `lazy`). */
export function strategyIdOf(strategy: string): string {
  const last = strategy.trim().split(' ').pop() ?? '';
  return last.split(':')[0];
}

/**
 * One colour per strategy id, everywhere (tables, every chart, Diff, exports, both themes), so a
 * strategy is recognised by colour alone. Variants of one id (`lazy:fq=32`) share the hue and differ
 * by dash (strategyDash) and shade (strategyShade).
 */
export function strategyColor(strategy: string, fallbackIndex = 0, dark = false): string {
  const id = strategyIdOf(strategy);
  const i = STRATEGY_ORDER.indexOf(id);
  const pal = dark ? PALETTE_DARK : PALETTE;
  return pal[(i >= 0 ? i : STRATEGY_ORDER.length + fallbackIndex) % pal.length];
}

const DASHES = ['solid', 'dashed', 'dotted'] as const;

/** Variant number of a strategy text among the texts shown together: 0 for the first of its id. */
export function variantIndex(strategy: string, all: string[]): number {
  const id = strategyIdOf(strategy);
  const same = [...new Set(all.filter((s) => strategyIdOf(s) === id))];
  return Math.max(0, same.indexOf(strategy));
}

export function strategyDash(strategy: string, all: string[]): 'solid' | 'dashed' | 'dotted' {
  return DASHES[variantIndex(strategy, all) % DASHES.length];
}

/** The strategy's colour, lightened for its 2nd, 3rd... variant (bars have no dash). */
export function strategyShade(strategy: string, all: string[], dark = false): string {
  const base = strategyColor(strategy, 0, dark);
  const k = variantIndex(strategy, all);
  if (k === 0) return base;
  const mix = Math.min(0.6, 0.22 * k);
  const n = parseInt(base.slice(1), 16);
  const ch = (sh: number) => Math.round(((n >> sh) & 255) + (255 - ((n >> sh) & 255)) * mix);
  return `#${[16, 8, 0].map((sh) => ch(sh).toString(16).padStart(2, '0')).join('')}`.toUpperCase();
}

const MiB = 1024 * 1024;

function base(title: string, opts: ChartOptions, subtitle?: string): EChartsOption {
  const fg = opts.dark ? '#ddd' : '#222';
  return {
    animation: opts.animation ?? true,
    backgroundColor: opts.dark ? '#1e1e1e' : '#ffffff',
    textStyle: { fontFamily: 'sans-serif', color: fg },
    title: { text: opts.title ?? title, subtext: opts.subtitle ?? subtitle ?? '', left: 'center', textStyle: { fontSize: 15, color: fg } },
    tooltip: { trigger: 'axis' },
    // A plain legend wraps onto more lines instead of paging: no entry is ever hidden, on screen or in exports.
    legend: { bottom: 0, type: 'plain', textStyle: { color: fg } },
    grid: { left: 70, right: 30, top: 70, bottom: 70, containLabel: true },
  };
}

/** Room under the plot for a wrapped legend of these names (about 110 px per entry on an 900 px chart). */
function legendRoom(o: EChartsOption, names: string[], widthPx = 900): EChartsOption {
  const perLine = Math.max(1, Math.floor(widthPx / 130));
  const lines = Math.max(1, Math.ceil(names.length / perLine));
  return { ...o, grid: { ...o.grid, bottom: 50 + lines * 22 } };
}

function num(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : 0;
}

/** Four significant digits: what bar labels show. */
function num4(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(4)) : 0;
}

/** Median of one metric per strategy as bars (throughput by default). */
export function metricBarOption(summary: StrategySummary[], metric = 'throughputMiBps', opts: ChartOptions = {}): EChartsOption {
  const def = metricDef(metric);
  const o = base(`${def.label} by strategy`, opts, 'median over replications; whiskers: min-max');
  const cats = summary.map((s) => s.strategy);
  return {
    ...o,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { show: false },
    xAxis: { type: 'category', name: 'strategy', nameLocation: 'middle', nameGap: 45, data: cats, axisLabel: { interval: 0, rotate: cats.length > 5 ? 25 : 0 } },
    yAxis: { type: 'value', name: `${def.label} (${def.unit})`, nameLocation: 'middle', nameGap: 55 },
    series: [
      {
        name: def.label,
        type: 'bar',
        data: summary.map((s) => ({ value: num4(s.metrics[metric]?.median ?? 0), itemStyle: { color: strategyShade(s.strategy, cats, opts.dark) } })),
        label: { show: true, position: 'top', fontSize: 10 },
      },
      {
        name: 'range',
        type: 'scatter',
        symbol: 'rect',
        symbolSize: [10, 2],
        itemStyle: { color: '#444' },
        data: summary.flatMap((s, i) => {
          const m = s.metrics[metric];
          return m && m.n > 1 ? [[i, num(m.min)], [i, num(m.max)]] : [];
        }),
        tooltip: { show: false },
      },
    ],
  };
}

/** Throughput (MiB/s) by strategy. */
export function throughputBarOption(summary: StrategySummary[], opts: ChartOptions = {}): EChartsOption {
  return metricBarOption(summary, 'throughputMiBps', opts);
}

const PHASES = ['map', 'unmap', 'copy', 'invalidate', 'fault', 'other'] as const;

/** CPU seconds per GiB moved, stacked by phase, one bar per strategy. */
export function cpuPhasesOption(summary: StrategySummary[], opts: ChartOptions = {}): EChartsOption {
  const o = base('CPU time per GiB by phase', opts, 'median over replications');
  const cats = summary.map((s) => s.strategy);
  const colors = ['#0072B2', '#56B4E9', '#E69F00', '#D55E00', '#CC79A7', '#999999'];
  return {
    ...o,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'category', name: 'strategy', nameLocation: 'middle', nameGap: 45, data: cats, axisLabel: { interval: 0, rotate: cats.length > 5 ? 25 : 0 } },
    yAxis: { type: 'value', name: 'CPU time (s/GiB)', nameLocation: 'middle', nameGap: 55 },
    series: PHASES.map((ph, i) => ({
      name: ph,
      type: 'bar',
      stack: 'cpu',
      itemStyle: { color: colors[i] },
      data: summary.map((s) => num(s.metrics[`cpuSecondsPerGiB.${ph}`]?.median ?? 0)),
    })),
  };
}

/** First replication of each strategy (what over-time and histogram charts show). */
function firstReplication(results: RunResult[]): RunResult[] {
  const seen = new Map<number, RunResult>();
  for (const r of results) {
    const cur = seen.get(r.strategyIndex);
    if (!cur || r.replication < cur.replication) seen.set(r.strategyIndex, r);
  }
  return [...seen.values()].sort((a, b) => a.strategyIndex - b.strategyIndex);
}

/** Histograms of every replication of each strategy, merged (same edges: the engine's fixed log buckets). */
function mergedHistograms(results: RunResult[]): Array<{ strategy: string; edgesUs: number[]; counts: number[]; replications: number }> {
  const by = new Map<number, { strategy: string; edgesUs: number[]; counts: number[]; replications: number }>();
  for (const r of [...results].sort((a, b) => a.strategyIndex - b.strategyIndex || a.replication - b.replication)) {
    const h = r.latencyHistogram;
    if (!h || !h.edgesUs.length) continue;
    const cur = by.get(r.strategyIndex);
    if (!cur) by.set(r.strategyIndex, { strategy: r.strategy, edgesUs: [...h.edgesUs], counts: [...h.counts], replications: 1 });
    else if (cur.edgesUs.length === h.edgesUs.length && cur.edgesUs.every((e, k) => e === h.edgesUs[k])) {
      h.counts.forEach((c, k) => (cur.counts[k] += c));
      cur.replications++;
    }
  }
  return [...by.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
}

export type LatencyView = 'cdf' | 'histogram';

/**
 * IO latency of every strategy on a log latency axis, over all replications: the cumulative share
 * of IOs at or below each latency (CDF, default) or the share per bucket (histogram).
 */
export function latencyHistogramOption(results: RunResult[], opts: ChartOptions = {}, view: LatencyView = 'cdf'): EChartsOption {
  const hs = mergedHistograms(results);
  const reps = Math.max(0, ...hs.map((h) => h.replications));
  const names = hs.map((h) => h.strategy);
  const o = legendRoom(base(view === 'cdf' ? 'IO latency, cumulative' : 'IO latency distribution', opts,
    `log latency axis; ${reps > 1 ? `all ${reps} replications` : 'one replication'}; ${view === 'cdf' ? 'share of IOs at or below each latency' : 'share of IOs per latency bucket'}`), names);
  return {
    ...o,
    xAxis: { type: 'log', name: 'latency (µs)', nameLocation: 'middle', nameGap: 30, logBase: 10 },
    yAxis: { type: 'value', name: view === 'cdf' ? 'IOs at or below (%)' : 'share of IOs (%)', nameLocation: 'middle', nameGap: 50, ...(view === 'cdf' ? { max: 100 } : {}) },
    series: hs.map((h) => {
      const total = h.counts.reduce((a, b) => a + b, 0) || 1;
      let acc = 0;
      const data = h.edgesUs.map((e, k) => {
        acc += h.counts[k];
        return [num(Math.max(e, 1e-3)), num(((view === 'cdf' ? acc : h.counts[k]) / total) * 100)];
      });
      return {
        name: h.strategy,
        type: 'line',
        step: view === 'cdf' ? false : 'end',
        showSymbol: false,
        // Diff overlays name curves `A x` / `B x`: A dashed, B solid, as the diff's bars.
        lineStyle: { width: 1.8, type: /^A /.test(h.strategy) ? 'dashed' : /^B /.test(h.strategy) ? 'solid' : strategyDash(h.strategy, names) },
        ...(view === 'histogram' ? { areaStyle: { opacity: 0.08 } } : {}),
        itemStyle: { color: strategyColor(h.strategy, 0, opts.dark) },
        data,
      };
    }),
  };
}

export type SeriesField = 'throughputMiBps' | 'bounceBytes' | 'pinnedBytes' | 'iovaBytes';

const SERIES_LABEL: Record<SeriesField, { title: string; axis: string; scale: number }> = {
  throughputMiBps: { title: 'Throughput over simulated time', axis: 'throughput (MiB/s)', scale: 1 },
  bounceBytes: { title: 'Bounce memory over simulated time', axis: 'bounce memory (MiB)', scale: 1 / MiB },
  pinnedBytes: { title: 'Pinned memory over simulated time', axis: 'pinned memory (MiB)', scale: 1 / MiB },
  iovaBytes: { title: 'IOVA space in use over simulated time', axis: 'IOVA in use (MiB)', scale: 1 / MiB },
};

/** One sampled time series (memory, IOVA or throughput) per strategy over simulated time. */
export function seriesOverTimeOption(results: RunResult[], field: SeriesField, opts: ChartOptions = {}): EChartsOption {
  const l = SERIES_LABEL[field];
  const o = base(l.title, opts, 'first replication');
  const rs = firstReplication(results);
  const names = rs.map((r) => r.strategy);
  return {
    ...legendRoom(o, names),
    xAxis: { type: 'value', name: 'simulated time (ms)', nameLocation: 'middle', nameGap: 30 },
    yAxis: { type: 'value', name: l.axis, nameLocation: 'middle', nameGap: 55 },
    series: rs.map((r, i) => ({
      name: r.strategy,
      type: 'line',
      showSymbol: false,
      sampling: 'lttb',
      lineStyle: { type: strategyDash(r.strategy, names) },
      itemStyle: { color: strategyColor(r.strategy, i, opts.dark) },
      data: r.series.tUs.map((t, k) => [num(t / 1000), num((r.series[field][k] ?? 0) * l.scale)]),
    })),
  };
}

/** Bounce, pinned memory and IOVA over time for one strategy result: three lines on one chart. */
export function memoryOverTimeOption(result: RunResult, opts: ChartOptions = {}): EChartsOption {
  const o = base(`Memory over simulated time: ${result.strategy}`, opts);
  const s = result.series;
  const line = (name: string, v: number[], color: string) => ({
    name, type: 'line', showSymbol: false, itemStyle: { color }, data: s.tUs.map((t, k) => [num(t / 1000), num((v[k] ?? 0) / MiB)]),
  });
  return {
    ...o,
    xAxis: { type: 'value', name: 'simulated time (ms)', nameLocation: 'middle', nameGap: 30 },
    yAxis: { type: 'value', name: 'memory (MiB)', nameLocation: 'middle', nameGap: 55 },
    series: [line('bounce', s.bounceBytes, '#E69F00'), line('pinned', s.pinnedBytes, '#0072B2'), line('IOVA in use', s.iovaBytes, '#009E73')],
  };
}

/**
 * A vs B medians per strategy for one metric, grouped bars, with benchstat's delta as labels.
 * Each bar has its strategy's colour; A is drawn as a dashed outline, B filled: A and B differ by
 * line style, never by a colour that could be mistaken for another strategy.
 */
export function diffOption(diff: RunDiff, metric = 'throughputMiBps', opts: ChartOptions = {}): EChartsOption {
  const t = diff.tables.find((x) => x.metric.key === metric);
  const def = metricDef(metric);
  const rows = t?.rows ?? [];
  const o = base(`${def.label}: A ${diff.a.name || diff.a.id} vs B ${diff.b.name || diff.b.id}`, opts, 'medians; A dashed outline, B filled; label: change of B vs A (~ = not significant)');
  const cats = rows.map((r) => r.strategy);
  const colour = (label: string) => strategyShade(label.split(' vs ').pop()!, cats.map((c) => c.split(' vs ').pop()!), opts.dark);
  const neutral = opts.dark ? '#bbbbbb' : '#555555';
  return {
    ...o,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'category', name: 'strategy', nameLocation: 'middle', nameGap: 45, data: cats, axisLabel: { interval: 0, rotate: cats.length > 5 ? 25 : 0 } },
    yAxis: { type: 'value', name: `${def.label} (${def.unit})`, nameLocation: 'middle', nameGap: 55 },
    series: [
      {
        name: `A ${diff.a.name || diff.a.id}`,
        type: 'bar',
        itemStyle: { color: 'transparent', borderColor: neutral, borderType: 'dashed', borderWidth: 1.5 },
        data: rows.map((r) => ({ value: num(r.a?.median ?? 0), itemStyle: { color: 'transparent', borderColor: colour(r.strategy), borderType: 'dashed', borderWidth: 2 } })),
      },
      {
        name: `B ${diff.b.name || diff.b.id}`,
        type: 'bar',
        itemStyle: { color: neutral },
        data: rows.map((r) => ({ value: num(r.b?.median ?? 0), itemStyle: { color: colour(r.strategy) }, label: { show: true, position: 'top', fontSize: 10, formatter: r.text } })),
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Trade-off: the goal against protection, with the Pareto front

export interface TradeOffPoint {
  strategy: string;
  value: number;
  protection: ProtectionReading;
}

/** Strategies no other strategy beats on both the goal and protection (ties kept). */
export function paretoFront(points: TradeOffPoint[], better: 'higher' | 'lower'): string[] {
  const rank = (p: TradeOffPoint) => (p.protection.protection === 'unknown' ? PROTECTION_ORDER.length : PROTECTION_ORDER.indexOf(p.protection.protection));
  const goalAtLeast = (a: number, b: number) => (better === 'higher' ? a >= b : a <= b);
  return points.filter((p) => !points.some((q) => q !== p
    && rank(q) <= rank(p) && goalAtLeast(q.value, p.value)
    && (rank(q) < rank(p) || q.value !== p.value))).map((p) => p.strategy);
}

/**
 * The goal (throughput, latency, CPU) against protection class, worst to the right; the measured
 * exposure in the tooltip and label. The Pareto front (nothing both better protected and faster) is
 * joined by a line: every strategy off it is beaten on both counts by one on it.
 */
export function tradeOffOption(points: TradeOffPoint[], goal: { label: string; unit: string; better: 'higher' | 'lower' }, opts: ChartOptions = {}): EChartsOption {
  const classes = [...PROTECTION_ORDER, 'unknown'] as const;
  const front = new Set(paretoFront(points, goal.better));
  const names = points.map((p) => p.strategy);
  const o = legendRoom(base(`${goal.label[0].toUpperCase()}${goal.label.slice(1)} against protection`, opts, 'right: the device reaches more; joined: the Pareto front'), names);
  const xOf = (p: TradeOffPoint) => classes.indexOf(p.protection.protection);
  const detail = (p: TradeOffPoint) => {
    const r = p.protection;
    if (r.protection === 'deferred') return `stale ≤ ${fmtDuration(r.staleWindowMaxUs)}`;
    if (r.protection === 'granule') return `+${fmtBytesShort(r.bytesBeyondBuffer)}/buffer`;
    if (r.protection === 'none') return r.standingBytes ? `${fmtBytesShort(r.standingBytes)} reachable` : 'all reachable';
    if (r.protection === 'unknown') return 'standing reach not measured';
    return 'buffers only';
  };
  const sameAs = (p: TradeOffPoint) => points.filter((q) => xOf(q) === xOf(p) && num(q.value) === num(p.value));
  const frontPts = points.filter((p) => front.has(p.strategy)).sort((a, b) => xOf(a) - xOf(b) || (goal.better === 'higher' ? a.value - b.value : b.value - a.value));
  return {
    ...o,
    tooltip: { trigger: 'item' },
    xAxis: { type: 'category', name: 'protection (measured exposure)', nameLocation: 'middle', nameGap: 30, data: classes.filter((c) => c !== 'unknown' || points.some((p) => p.protection.protection === 'unknown')) },
    yAxis: { type: 'value', name: `${goal.label} (${goal.unit})`, nameLocation: 'middle', nameGap: 55, inverse: false },
    series: [
      ...points.map((p) => ({
        name: p.strategy,
        type: 'scatter',
        symbolSize: front.has(p.strategy) ? 16 : 11,
        symbol: countsAsProtected(p.protection.protection) ? 'circle' : 'diamond',
        itemStyle: { color: strategyShade(p.strategy, names, opts.dark), borderColor: opts.dark ? '#fff' : '#222', borderWidth: front.has(p.strategy) ? 1.5 : 0 },
        // Strategies at the same point share one label; labels at the right edge go left.
        label: {
          show: sameAs(p)[0] === p, position: xOf(p) >= classes.length - 2 ? 'left' : 'right', fontSize: 10, lineHeight: 13,
          formatter: `${sameAs(p).map((q) => q.strategy).join(', ')}\n${detail(p)}`, color: opts.dark ? '#ddd' : '#222',
        },
        tooltip: { formatter: `${p.strategy}: ${+p.value.toPrecision(4)} ${goal.unit}; protection ${p.protection.protection} (${detail(p)})${front.has(p.strategy) ? '; on the Pareto front' : ''}` },
        data: [[xOf(p), num(p.value)]],
      })),
      {
        name: 'Pareto front',
        type: 'line',
        step: 'end',
        symbol: 'none',
        silent: true,
        lineStyle: { type: 'dashed', width: 1.5, color: opts.dark ? '#aaa' : '#444' },
        itemStyle: { color: opts.dark ? '#aaa' : '#444' },
        data: frontPts.map((p) => [xOf(p), num(p.value)]),
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Sweeps and crossovers

/** Numeric reading of a swept value: sizes (`4k`, `1m`), integers, decimals; null otherwise. */
export function numericValue(v: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(v);
  if (!m) return null;
  const f = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase() as '' | 'k'];
  return Number(m[1]) * f;
}

export interface CurveAt {
  /** The swept value as given (`4k`). */
  x: string;
  /** Value of the metric per strategy at x. */
  values: Record<string, number>;
}

export interface CrossoverPoint {
  from: string;
  to: string;
  /** Where the two curves cross, interpolated (in log2 space when every x is positive), or null. */
  at: number | null;
  before: string;
  after: string;
}

function bestOf(values: Record<string, number>, better: 'higher' | 'lower'): string | null {
  let best: string | null = null;
  for (const [k, v] of Object.entries(values)) {
    if (!Number.isFinite(v)) continue;
    if (best === null || (better === 'higher' ? v > values[best] : v < values[best])) best = k;
  }
  return best;
}

/** Values within this relative distance of each other are a tie (1%). */
export const DEFAULT_TIE_TOLERANCE = 0.01;

/**
 * The swept values where the best strategy changes (a new best must beat the previous one by more
 * than `tolerance`, relative), in x order as given. With numeric x the
 * crossing is interpolated between the two neighbouring points (log2 scale when all x > 0).
 */
export function crossovers(points: CurveAt[], better: 'higher' | 'lower' = 'higher', tolerance = DEFAULT_TIE_TOLERANCE): CrossoverPoint[] {
  const out: CrossoverPoint[] = [];
  const xs = points.map((p) => numericValue(p.x));
  const logScale = xs.every((x) => x !== null && x > 0);
  let prevBest: string | null = null;
  let prevIdx = -1;
  for (let i = 0; i < points.length; i++) {
    let b = bestOf(points[i].values, better);
    if (b === null) continue;
    // A tie (within tolerance) keeps the previous best: converging curves are not a crossover.
    if (prevBest !== null && b !== prevBest && Number.isFinite(points[i].values[prevBest])) {
      const vb = points[i].values[b];
      const vp = points[i].values[prevBest];
      if (Math.abs(vb - vp) <= tolerance * Math.max(Math.abs(vb), Math.abs(vp))) b = prevBest;
    }
    if (prevBest !== null && b !== prevBest) {
      const p0 = points[prevIdx];
      const p1 = points[i];
      let at: number | null = null;
      const x0 = xs[prevIdx];
      const x1 = xs[i];
      const d0 = (p0.values[prevBest] ?? NaN) - (p0.values[b] ?? NaN);
      const d1 = (p1.values[prevBest] ?? NaN) - (p1.values[b] ?? NaN);
      if (x0 !== null && x1 !== null && Number.isFinite(d0) && Number.isFinite(d1) && d0 !== d1) {
        const f = Math.min(1, Math.max(0, d0 / (d0 - d1)));
        at = logScale ? 2 ** (Math.log2(x0) + f * (Math.log2(x1) - Math.log2(x0))) : x0 + f * (x1 - x0);
      }
      out.push({ from: p0.x, to: p1.x, at, before: prevBest, after: b });
    }
    prevBest = b;
    prevIdx = i;
  }
  return out;
}

/** The x values of a sweep in axis order: planned values plus refined points, numerically when numeric. */
export function sweepXValues(sweep: Pick<SweepDetail, 'config' | 'points'>): string[] {
  const key = sweep.config.vary[0]?.key;
  if (!key) return sweep.points.map((p) => String(p.index));
  const xs = [...new Set(sweep.points.map((p) => p.values[key]).filter((x): x is string => x !== undefined))];
  return curveOrder([...new Set([...sweep.config.vary[0].values, ...xs])], sweep.config.vary[0].values);
}

interface SweepCurve {
  name: string;
  strategy: string;
  profileId: string;
  /** Values of the other swept keys (not the x key). */
  others: string;
  byX: Map<string, number>;
}

function sweepCurves(sweep: Pick<SweepDetail, 'config' | 'points'>, key: string): SweepCurve[] {
  const curves = new Map<string, SweepCurve>();
  for (const p of sweep.points) {
    const x = sweep.config.vary[0] ? p.values[key] : String(p.index);
    const others = Object.entries(p.values).filter(([k]) => k !== key && k !== 'profile').map(([k, v]) => `${k}=${v}`).join(' ');
    const prefix = [sweep.config.profileIds.length > 1 ? p.profileId : '', others].filter(Boolean).join(' ');
    for (const [st, v] of Object.entries(p.medians)) {
      const name = prefix ? `${prefix} ${st}` : st;
      const c = curves.get(name) ?? { name, strategy: st, profileId: p.profileId, others, byX: new Map<string, number>() };
      c.byX.set(x, v);
      curves.set(name, c);
    }
  }
  return [...curves.values()];
}

/**
 * The sweep's metric against the first swept key, one line per strategy (per profile x strategy
 * when several profiles or other keys vary), crossovers marked by vertical lines. A strategy keeps
 * its colour; variants differ by shade, profiles by dash.
 */
export function sweepLineOption(sweep: SweepDetail, opts: ChartOptions = {}): EChartsOption {
  const def = sweep.metric;
  const key = sweep.config.vary[0]?.key ?? 'point';
  const xValues = sweepXValues(sweep);
  const o = base(`${def.label} against ${key}`, opts, sweep.crossovers.length ? 'dashed lines: the best protected strategy changes' : sweep.config.workload);
  const curves = sweepCurves(sweep, key);
  const strategies = [...new Set(curves.map((c) => c.strategy))];
  const profiles = sweep.config.profileIds;
  const dash = (c: SweepCurve) => DASHES[Math.max(0, profiles.indexOf(c.profileId)) % 3];
  const marks = sweep.crossovers.filter((c) => c.key === key);
  return {
    ...legendRoom(o, curves.map((c) => c.name)),
    xAxis: { type: 'category', name: `${key}`, nameLocation: 'middle', nameGap: 30, data: xValues, boundaryGap: false },
    yAxis: { type: 'value', name: `${def.label} (${def.unit})`, nameLocation: 'middle', nameGap: 55 },
    series: curves.map((c, i) => ({
      name: c.name,
      type: 'line',
      symbolSize: 6,
      connectNulls: true,
      itemStyle: { color: strategyShade(c.strategy, strategies, opts.dark) },
      lineStyle: { type: profiles.length > 1 ? dash(c) : 'solid', width: 2 },
      data: xValues.map((x) => (c.byX.has(x) ? num(c.byX.get(x)!) : null)),
      ...(i === 0 && marks.length ? {
        markLine: {
          symbol: 'none',
          silent: true,
          lineStyle: { type: 'dashed', color: opts.dark ? '#aaa' : '#666' },
          label: { formatter: '{b}', fontSize: 10, textBorderWidth: 0 },
          data: marks.map((m) => ({ xAxis: m.to, name: `${shortName(m.before)} → ${shortName(m.after)}` })),
        },
      } : {}),
    })),
  };
}

/**
 * Small multiples of a sweep: one row per metric (each its own y axis), one column per value of the
 * second swept key (or per profile), all sharing the x axis and one crosshair. `sweeps` holds the
 * same sweep read with each metric (sweeps:get per metric).
 */
export function sweepMultiplesOption(sweeps: SweepDetail[], opts: ChartOptions = {}): EChartsOption {
  if (!sweeps.length) return base('No sweep', opts);
  const first = sweeps[0];
  const key = first.config.vary[0]?.key ?? 'point';
  const xValues = sweepXValues(first);
  const colKey = first.config.vary[1]?.key ?? (first.config.profileIds.length > 1 ? 'profile' : null);
  const colValues = colKey === 'profile' ? first.config.profileIds : colKey ? first.config.vary[1].values : [''];
  const rows = sweeps.length;
  const cols = colValues.length;
  const o = base(`${first.name || 'Sweep'}: ${sweeps.map((s) => s.metric.label.toLowerCase()).join(', ')} against ${key}`, opts, colKey ? `one column per ${colKey}` : first.config.workload);
  const strategies = [...new Set(first.points.flatMap((p) => Object.keys(p.medians)))];
  const grids: EChartsOption[] = [];
  const xAxes: EChartsOption[] = [];
  const yAxes: EChartsOption[] = [];
  const series: EChartsOption[] = [];
  const top = 70;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const gi = r * cols + c;
      grids.push({
        left: `${(c / cols) * 100 + 7}%`, width: `${100 / cols - 9}%`,
        top: top + r * 170, height: 120, containLabel: false,
      });
      xAxes.push({ type: 'category', gridIndex: gi, data: xValues, boundaryGap: false, name: r === rows - 1 ? key : '', nameLocation: 'middle', nameGap: 24, axisLabel: { show: r === rows - 1, fontSize: 10 } });
      yAxes.push({ type: 'value', gridIndex: gi, name: c === 0 ? `${sweeps[r].metric.label} (${sweeps[r].metric.unit})` : '', nameTextStyle: { fontSize: 10, align: 'left' }, axisLabel: { fontSize: 10 }, scale: true });
      const colVal = colValues[c];
      const pts = sweeps[r].points.filter((p) => !colKey || (colKey === 'profile' ? p.profileId === colVal : p.values[colKey] === colVal));
      for (const st of strategies) {
        const byX = new Map<string, number>();
        for (const p of pts) if (Number.isFinite(p.medians[st])) byX.set(p.values[key] ?? String(p.index), p.medians[st]);
        series.push({
          name: st, type: 'line', xAxisIndex: gi, yAxisIndex: gi, symbolSize: 4, connectNulls: true,
          itemStyle: { color: strategyShade(st, strategies, opts.dark) }, lineStyle: { width: 1.6 },
          data: xValues.map((x) => (byX.has(x) ? num(byX.get(x)!) : null)),
        });
      }
    }
  }
  const titles = colKey ? colValues.map((v, c) => ({ text: `${colKey} = ${v}`, left: `${(c / cols) * 100 + 7}%`, top: 46, textStyle: { fontSize: 11, fontWeight: 'normal', color: opts.dark ? '#ddd' : '#222' } })) : [];
  return {
    ...o,
    title: [o.title, ...titles],
    tooltip: { trigger: 'axis' },
    axisPointer: { link: [{ xAxisIndex: 'all' }] },
    legend: { ...o.legend, data: strategies },
    grid: grids,
    xAxis: xAxes,
    yAxis: yAxes,
    series,
  };
}

/** Pixel height the small multiples need (rows of 170 px plus title and legend). */
export function sweepMultiplesHeight(metrics: number, strategies: number): number {
  return 70 + metrics * 170 + 50 + Math.ceil(strategies / 6) * 22;
}

function shortName(strategy: string): string {
  return strategy.length > 24 ? `${strategy.slice(0, 22)}…` : strategy;
}

/** A jump of this relative size between two neighbouring points of one curve is a step, not a slope. */
export const STEP_FRACTION = 0.15;

export interface SweepCrossoverOptions {
  /** Strategies that may win at a point: by default only those whose measured protection is not 'none' or unknown. */
  eligible?: (strategy: string, point: SweepDetail['points'][number]) => boolean;
}

/** Points of one curve in x order: numeric x by value (refined points fall between planned ones), else as planned. */
function curveOrder(xs: string[], planned: string[]): string[] {
  const nums = xs.map(numericValue);
  if (nums.every((n) => n !== null)) return xs.map((x, i) => ({ x, n: nums[i]! })).sort((a, b) => a.n - b.n).map((e) => e.x);
  return planned.filter((x) => xs.includes(x)).concat(xs.filter((x) => !planned.includes(x)));
}

/**
 * Crossovers of a sweep for every profile and combination of the other swept keys (used by
 * sweeps:get). Only eligible strategies compete (protected ones by default). A change of winner
 * where either curve jumps by more than STEP_FRACTION between the two neighbours is a 'step':
 * it is reported as the bracket, never interpolated.
 */
export function sweepCrossovers(points: SweepDetail['points'], vary: SweepDetail['config']['vary'], better: 'higher' | 'lower', opts: SweepCrossoverOptions = {}): Crossover[] {
  if (!vary.length) return [];
  const key = vary[0].key;
  const groups = new Map<string, { profileId: string; fixed: Record<string, string>; byX: Map<string, Record<string, number>> }>();
  for (const p of points) {
    const fixed: Record<string, string> = {};
    for (const [k, v] of Object.entries(p.values)) if (k !== key && k !== 'profile') fixed[k] = v;
    const gk = JSON.stringify([p.profileId, fixed]);
    const g = groups.get(gk) ?? { profileId: p.profileId, fixed, byX: new Map() };
    const values: Record<string, number> = {};
    for (const [st, v] of Object.entries(p.medians)) if (!opts.eligible || opts.eligible(st, p)) values[st] = v;
    g.byX.set(p.values[key], values);
    groups.set(gk, g);
  }
  const out: Crossover[] = [];
  for (const g of groups.values()) {
    const order = curveOrder([...g.byX.keys()], vary[0].values);
    const curve = order.map((x) => ({ x, values: g.byX.get(x)! }));
    for (const c of crossovers(curve, better)) {
      const a = g.byX.get(c.from)!;
      const b = g.byX.get(c.to)!;
      const jump = (st: string) => {
        const v0 = a[st];
        const v1 = b[st];
        return Number.isFinite(v0) && Number.isFinite(v1) ? Math.abs(v1 - v0) / Math.max(Math.abs(v0), Math.abs(v1), 1e-12) : 0;
      };
      const step = Math.max(jump(c.before), jump(c.after)) > STEP_FRACTION;
      out.push({ profileId: g.profileId, key, fixed: g.fixed, ...c, at: step ? null : c.at, kind: step ? 'step' : 'crossing' });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// One entry point for exports

/** The option of a chart kind for a run (kinds `diff` and `sweep` need diffOption / sweepLineOption). */
export function runChartOption(run: Pick<RunDetail, 'summary' | 'results' | 'name' | 'id'>, kind: ChartKind, opts: ChartOptions = {}): EChartsOption {
  const sub = opts.subtitle;
  const o = { ...opts, subtitle: sub };
  switch (kind) {
    case 'throughput':
      return throughputBarOption(run.summary, o);
    case 'latency':
      return latencyHistogramOption(run.results, o);
    case 'cpu':
      return cpuPhasesOption(run.summary, o);
    case 'memory':
      return seriesOverTimeOption(run.results, 'bounceBytes', o);
    case 'pinned':
      return seriesOverTimeOption(run.results, 'pinnedBytes', o);
    case 'iova':
      return seriesOverTimeOption(run.results, 'iovaBytes', o);
    case 'series-throughput':
      return seriesOverTimeOption(run.results, 'throughputMiBps', o);
    default:
      throw new Error(`chart ${kind} is not a run chart; use diffOption or sweepLineOption`);
  }
}
