/**
 * Apache ECharts option builders: pure functions from stored results to plain option objects
 * (no echarts import). The renderer passes them to its chart components; the host passes them to
 * ECharts' server-side SVG renderer for export. Every chart has a title, axis names with units
 * and a legend; pass `{ animation: false }` when rendering server-side.
 */
import type { ChartKind, Crossover, RunDetail, RunDiff, RunResult, StrategySummary, SweepDetail } from './contract.ts';
import { metricDef } from './report.ts';

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

/** A stable colour for a strategy text (by its id), so every chart agrees. */
export function strategyColor(strategy: string, fallbackIndex = 0): string {
  const id = strategy.split(':')[0].split(' ')[0];
  const i = STRATEGY_ORDER.indexOf(id);
  return PALETTE[(i >= 0 ? i : STRATEGY_ORDER.length + fallbackIndex) % PALETTE.length];
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
    legend: { bottom: 0, type: 'scroll', textStyle: { color: fg } },
    grid: { left: 70, right: 30, top: 70, bottom: 70, containLabel: true },
  };
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
        data: summary.map((s, i) => ({ value: num4(s.metrics[metric]?.median ?? 0), itemStyle: { color: strategyColor(s.strategy, i) } })),
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

/** Latency histograms of every strategy overlaid (log-scaled latency axis). */
export function latencyHistogramOption(results: RunResult[], opts: ChartOptions = {}): EChartsOption {
  const o = base('IO latency distribution', opts, 'first replication; share of IOs per latency bucket');
  const rs = firstReplication(results);
  return {
    ...o,
    xAxis: { type: 'log', name: 'latency (µs)', nameLocation: 'middle', nameGap: 30, logBase: 10 },
    yAxis: { type: 'value', name: 'share of IOs (%)', nameLocation: 'middle', nameGap: 50 },
    series: rs.map((r, i) => {
      const total = r.latencyHistogram.counts.reduce((a, b) => a + b, 0) || 1;
      return {
        name: r.strategy,
        type: 'line',
        step: 'end',
        showSymbol: false,
        lineStyle: { width: 1.5 },
        areaStyle: { opacity: 0.08 },
        itemStyle: { color: strategyColor(r.strategy, i) },
        data: r.latencyHistogram.edgesUs.map((e, k) => [num(Math.max(e, 1e-3)), num((r.latencyHistogram.counts[k] / total) * 100)]),
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
  return {
    ...o,
    xAxis: { type: 'value', name: 'simulated time (ms)', nameLocation: 'middle', nameGap: 30 },
    yAxis: { type: 'value', name: l.axis, nameLocation: 'middle', nameGap: 55 },
    series: rs.map((r, i) => ({
      name: r.strategy,
      type: 'line',
      showSymbol: false,
      sampling: 'lttb',
      itemStyle: { color: strategyColor(r.strategy, i) },
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

/** A vs B medians per strategy for one metric, grouped bars, with benchstat's delta as labels. */
export function diffOption(diff: RunDiff, metric = 'throughputMiBps', opts: ChartOptions = {}): EChartsOption {
  const t = diff.tables.find((x) => x.metric.key === metric);
  const def = metricDef(metric);
  const rows = t?.rows ?? [];
  const o = base(`${def.label}: A ${diff.a.name || diff.a.id} vs B ${diff.b.name || diff.b.id}`, opts, 'medians; label: change of B vs A (~ = not significant)');
  const cats = rows.map((r) => r.strategy);
  return {
    ...o,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'category', name: 'strategy', nameLocation: 'middle', nameGap: 45, data: cats, axisLabel: { interval: 0, rotate: cats.length > 5 ? 25 : 0 } },
    yAxis: { type: 'value', name: `${def.label} (${def.unit})`, nameLocation: 'middle', nameGap: 55 },
    series: [
      { name: `A ${diff.a.name || diff.a.id}`, type: 'bar', itemStyle: { color: '#BBBBBB' }, data: rows.map((r) => num(r.a?.median ?? 0)) },
      {
        name: `B ${diff.b.name || diff.b.id}`,
        type: 'bar',
        itemStyle: { color: '#0072B2' },
        data: rows.map((r) => ({ value: num(r.b?.median ?? 0), label: { show: true, position: 'top', fontSize: 10, formatter: r.text } })),
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

/**
 * The sweep's metric against the first swept key, one line per strategy (per profile x strategy
 * when several profiles or other keys vary), crossovers marked by vertical lines.
 */
export function sweepLineOption(sweep: SweepDetail, opts: ChartOptions = {}): EChartsOption {
  const def = sweep.metric;
  const key = sweep.config.vary[0]?.key ?? 'point';
  const xValues = sweep.config.vary[0]?.values ?? sweep.points.map((p) => String(p.index));
  const o = base(`${def.label} against ${key}`, opts, sweep.crossovers.length ? 'dashed lines: the best strategy changes' : sweep.config.workload);
  const curves = new Map<string, Map<string, number>>();
  for (const p of sweep.points) {
    const x = sweep.config.vary[0] ? p.values[key] : String(p.index);
    const others = Object.entries(p.values).filter(([k]) => k !== key && k !== 'profile').map(([k, v]) => `${k}=${v}`);
    const prefix = [sweep.config.profileIds.length > 1 ? p.profileId : '', ...others].filter(Boolean).join(' ');
    for (const [st, v] of Object.entries(p.medians)) {
      const name = prefix ? `${prefix} ${st}` : st;
      const c = curves.get(name) ?? new Map<string, number>();
      c.set(x, v);
      curves.set(name, c);
    }
  }
  const strategyOf = (name: string) => name.split(' ').pop()!;
  const profiles = sweep.config.profileIds;
  const dash = (name: string) => ['solid', 'dashed', 'dotted'][Math.max(0, profiles.findIndex((p) => name.startsWith(`${p} `))) % 3];
  const marks = sweep.crossovers.filter((c) => c.key === key);
  return {
    ...o,
    xAxis: { type: 'category', name: `${key}`, nameLocation: 'middle', nameGap: 30, data: xValues, boundaryGap: false },
    yAxis: { type: 'value', name: `${def.label} (${def.unit})`, nameLocation: 'middle', nameGap: 55 },
    series: [...curves.entries()].map(([name, c], i) => ({
      name,
      type: 'line',
      symbolSize: 6,
      itemStyle: { color: strategyColor(strategyOf(name), i) },
      lineStyle: { type: profiles.length > 1 ? dash(name) : 'solid', width: 2 },
      data: xValues.map((x) => (c.has(x) ? num(c.get(x)!) : null)),
      ...(i === 0 && marks.length ? {
        markLine: {
          symbol: 'none',
          silent: true,
          lineStyle: { type: 'dashed', color: '#666' },
          label: { formatter: '{b}', fontSize: 10, textBorderWidth: 0 },
          data: marks.map((m) => ({ xAxis: m.to, name: `${shortName(m.before)} → ${shortName(m.after)}` })),
        },
      } : {}),
    })),
  };
}

function shortName(strategy: string): string {
  return strategy.length > 24 ? `${strategy.slice(0, 22)}…` : strategy;
}

/** Crossovers of a sweep for every profile and combination of the other swept keys (used by sweeps:get). */
export function sweepCrossovers(points: SweepDetail['points'], vary: SweepDetail['config']['vary'], better: 'higher' | 'lower'): Crossover[] {
  if (!vary.length) return [];
  const key = vary[0].key;
  const order = vary[0].values;
  const groups = new Map<string, { profileId: string; fixed: Record<string, string>; byX: Map<string, Record<string, number>> }>();
  for (const p of points) {
    const fixed: Record<string, string> = {};
    for (const [k, v] of Object.entries(p.values)) if (k !== key && k !== 'profile') fixed[k] = v;
    const gk = JSON.stringify([p.profileId, fixed]);
    const g = groups.get(gk) ?? { profileId: p.profileId, fixed, byX: new Map() };
    g.byX.set(p.values[key], p.medians);
    groups.set(gk, g);
  }
  const out: Crossover[] = [];
  for (const g of groups.values()) {
    const curve = order.filter((x) => g.byX.has(x)).map((x) => ({ x, values: g.byX.get(x)! }));
    for (const c of crossovers(curve, better)) out.push({ profileId: g.profileId, key, fixed: g.fixed, ...c });
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
