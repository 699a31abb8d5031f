/**
 * Pure formatters and derived views of stored runs: the metric catalogue (labels and units),
 * per-strategy summaries over replications, the benchstat-style diff of two runs, and text
 * outputs — CSV (summary and series), Markdown tables that stay aligned in a monospace font
 * (mailing lists), and the diff table.
 */
import type {
  ConfigChange, DiffRow, DiffTable, MetricDef, RunConfig, RunDetail, RunDiff, RunResult, RunSummary,
  StrategySummary, SweepDetail,
} from './contract.ts';
import type { Metrics } from './types.ts';
import { compareSamples, DEFAULT_ALPHA, geomean, MIN_SAMPLES_WARN, summarize } from './stats.ts';

/** Every metric a user reads, by its dotted path in `Metrics`. */
export const METRIC_DEFS: MetricDef[] = [
  { key: 'throughputMiBps', label: 'Throughput', unit: 'MiB/s', better: 'higher' },
  { key: 'iops', label: 'IOPS', unit: 'IO/s', better: 'higher' },
  { key: 'latencyUs.mean', label: 'Latency mean', unit: 'µs', better: 'lower' },
  { key: 'latencyUs.p50', label: 'Latency p50', unit: 'µs', better: 'lower' },
  { key: 'latencyUs.p90', label: 'Latency p90', unit: 'µs', better: 'lower' },
  { key: 'latencyUs.p99', label: 'Latency p99', unit: 'µs', better: 'lower' },
  { key: 'latencyUs.p999', label: 'Latency p99.9', unit: 'µs', better: 'lower' },
  { key: 'latencyUs.max', label: 'Latency max', unit: 'µs', better: 'lower' },
  { key: 'mapUs.mean', label: 'Map latency mean', unit: 'µs', better: 'lower' },
  { key: 'mapUs.p99', label: 'Map latency p99', unit: 'µs', better: 'lower' },
  { key: 'mapUs.stddev', label: 'Map latency stddev', unit: 'µs', better: null },
  { key: 'unmapUs.mean', label: 'Unmap latency mean', unit: 'µs', better: 'lower' },
  { key: 'unmapUs.p99', label: 'Unmap latency p99', unit: 'µs', better: 'lower' },
  { key: 'unmapUs.stddev', label: 'Unmap latency stddev', unit: 'µs', better: null },
  // dma_map_benchmark's own arithmetic (dmabench runs only): what the real tool would print.
  { key: 'dmaBenchTool.map.mean', label: 'Map latency, as the tool prints it', unit: 'µs', better: 'lower' },
  { key: 'dmaBenchTool.map.stddev', label: 'Map standard deviation, as the tool prints it', unit: 'µs', better: null },
  { key: 'dmaBenchTool.unmap.mean', label: 'Unmap latency, as the tool prints it', unit: 'µs', better: 'lower' },
  { key: 'dmaBenchTool.unmap.stddev', label: 'Unmap standard deviation, as the tool prints it', unit: 'µs', better: null },
  { key: 'cpuSecondsPerGiB.total', label: 'CPU total', unit: 's/GiB', better: 'lower' },
  { key: 'cpuSecondsPerGiB.map', label: 'CPU map', unit: 's/GiB', better: 'lower' },
  { key: 'cpuSecondsPerGiB.unmap', label: 'CPU unmap', unit: 's/GiB', better: 'lower' },
  { key: 'cpuSecondsPerGiB.copy', label: 'CPU copy', unit: 's/GiB', better: 'lower' },
  { key: 'cpuSecondsPerGiB.invalidate', label: 'CPU invalidate', unit: 's/GiB', better: 'lower' },
  { key: 'cpuSecondsPerGiB.fault', label: 'CPU fault', unit: 's/GiB', better: 'lower' },
  { key: 'cpuSecondsPerGiB.other', label: 'CPU other', unit: 's/GiB', better: 'lower' },
  { key: 'cpuUtilisation', label: 'CPU utilisation', unit: 'cores', better: 'lower' },
  { key: 'iotlb.missesPerPage', label: 'IOTLB misses/page', unit: '1/page', better: 'lower' },
  { key: 'invalidations.perPage', label: 'Invalidations/page', unit: '1/page', better: 'lower' },
  { key: 'bounceBytes.peak', label: 'Bounce memory peak', unit: 'B', better: 'lower' },
  { key: 'bounceBytes.mean', label: 'Bounce memory mean', unit: 'B', better: 'lower' },
  { key: 'pinnedBytes.peak', label: 'Pinned memory peak', unit: 'B', better: 'lower' },
  { key: 'iovaBytes.peak', label: 'IOVA in use peak', unit: 'B', better: 'lower' },
  { key: 'exposure.bytesBeyondBuffer', label: 'Exposed beyond buffer', unit: 'B', better: 'lower' },
  { key: 'exposure.fractionBeyondBuffer', label: 'Exposed fraction', unit: 'ratio', better: 'lower' },
  { key: 'exposure.staleWindowUs.mean', label: 'Stale window mean', unit: 'µs', better: 'lower' },
  { key: 'exposure.staleWindowUs.max', label: 'Stale window max', unit: 'µs', better: 'lower' },
  { key: 'exposure.standingBytes', label: 'Standing reach', unit: 'B', better: 'lower' },
  { key: 'faults', label: 'Faults', unit: 'count', better: 'lower' },
  { key: 'fallbacks', label: 'Fallbacks', unit: 'count', better: 'lower' },
  { key: 'failures', label: 'Mapping failures', unit: 'count', better: 'lower' },
  { key: 'slowdownVsPinned', label: 'Slowdown vs pinned', unit: 'ratio', better: 'lower' },
  { key: 'mapCalls', label: 'Map calls', unit: 'count', better: null },
  { key: 'unmapCalls', label: 'Unmap calls', unit: 'count', better: null },
  { key: 'ios', label: 'IOs', unit: 'count', better: null },
  { key: 'bytes', label: 'Bytes moved', unit: 'B', better: null },
  { key: 'simulatedSeconds', label: 'Simulated time', unit: 's', better: null },
];

const METRIC_BY_KEY = new Map(METRIC_DEFS.map((m) => [m.key, m]));

/** The metrics shown by default in summary tables, Markdown and diff outputs. */
export const HEADLINE_METRICS = [
  'throughputMiBps', 'iops', 'latencyUs.p50', 'latencyUs.p99', 'mapUs.mean', 'unmapUs.mean',
  'cpuSecondsPerGiB.total', 'iotlb.missesPerPage', 'invalidations.perPage', 'bounceBytes.peak',
  'pinnedBytes.peak', 'iovaBytes.peak', 'exposure.bytesBeyondBuffer', 'exposure.staleWindowUs.max',
  'faults', 'fallbacks', 'failures',
];

export function metricDef(key: string): MetricDef {
  const m = METRIC_BY_KEY.get(key);
  if (!m) throw new Error(`unknown metric ${key}; known: ${METRIC_DEFS.map((d) => d.key).join(', ')}`);
  return m;
}

export function isMetricKey(key: string): boolean {
  return METRIC_BY_KEY.has(key);
}

/** The value of a metric, or null when absent/not a finite number (slowdownVsPinned may be null). */
export function metricValue(m: Metrics, key: string): number | null {
  let cur: any = m;
  for (const part of key.split('.')) {
    if (cur == null) return null;
    cur = cur[part];
  }
  return typeof cur === 'number' && Number.isFinite(cur) ? cur : null;
}

// ---------------------------------------------------------------------------------------------
// Summaries over replications

/** Per-strategy summary (median, spread, CI) of every metric over the replications present. */
export function summarizeResults(results: ReadonlyArray<Pick<RunResult, 'strategy' | 'strategyIndex' | 'metrics'>>): StrategySummary[] {
  const groups = new Map<number, { strategy: string; metrics: Metrics[] }>();
  for (const r of results) {
    const g = groups.get(r.strategyIndex) ?? { strategy: r.strategy, metrics: [] };
    g.metrics.push(r.metrics);
    groups.set(r.strategyIndex, g);
  }
  return [...groups.entries()].sort((x, y) => x[0] - y[0]).map(([idx, g]) => {
    const metrics: StrategySummary['metrics'] = {};
    for (const def of METRIC_DEFS) {
      const xs = g.metrics.map((m) => metricValue(m, def.key)).filter((v): v is number => v !== null);
      if (xs.length === 0) continue;
      metrics[def.key] = summarize(xs);
    }
    return { strategy: g.strategy, strategyIndex: idx, replications: g.metrics.length, metrics };
  });
}

/** Median throughput by strategy text, as RunSummary.throughputMiBps. */
export function throughputByStrategy(summary: StrategySummary[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of summary) {
    const m = s.metrics.throughputMiBps;
    if (m) out[s.strategy] = m.median;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Number formatting

const SI = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const;

function sig(x: number, digits = 4): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 10 ** digits) return x.toFixed(0);
  const s = x.toPrecision(digits);
  return s.includes('e') ? String(Number(s)) : s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Bytes in binary units: 16384 -> "16 KiB", 1.5 GiB -> "1.5 GiB". */
export function formatBytesHuman(b: number): string {
  const a = Math.abs(b);
  for (const [f, u] of [[1024 ** 4, 'TiB'], [1024 ** 3, 'GiB'], [1024 ** 2, 'MiB'], [1024, 'KiB']] as const) {
    if (a >= f) return `${sig(b / f, 4)} ${u}`;
  }
  return `${sig(b, 4)} B`;
}

/** A swept value (e.g. an interpolated crossover): sizes as bytes when the swept values were sizes. */
export function formatSweptValue(x: number, values: readonly string[]): string {
  if (values.some((v) => /^\s*\d+(\.\d+)?\s*[kmgt]/i.test(v))) return formatBytesHuman(x);
  return sig(x, 3);
}

/** A value with its unit, compact and readable. */
export function formatValue(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  switch (unit) {
    case 'B':
      return formatBytesHuman(v);
    case 'count':
    case 'IO/s': {
      const a = Math.abs(v);
      for (const [f, s] of SI) if (a >= f) return `${sig(v / f, 4)}${s}`;
      return sig(v, 4);
    }
    case 'ratio':
      return sig(v, 3);
    default:
      return sig(v, 4);
  }
}

// ---------------------------------------------------------------------------------------------
// Tables

export interface Table {
  header: string[];
  rows: string[][];
  /** Column alignment for Markdown. */
  align: Array<'l' | 'r'>;
}

/** A cell with the median and, with replications, benchstat's ±spread. */
function cell(s: { median: number; spreadPct: number | null; n: number } | undefined, unit: string): string {
  if (!s) return '-';
  const v = formatValue(s.median, unit);
  if (s.n < 2 || s.spreadPct === null) return v;
  const sp = s.spreadPct === 0 ? '0' : s.spreadPct < 1 ? s.spreadPct.toFixed(1) : s.spreadPct.toFixed(0);
  return `${v} ±${sp}%`;
}

/** Summary table of a run: one row per strategy, one column per headline metric (values with units in the header). */
export function summaryTable(summary: StrategySummary[], metrics: string[] = HEADLINE_METRICS): Table {
  const keys = metrics.filter((k) => summary.some((s) => s.metrics[k]));
  const defs = keys.map(metricDef);
  return {
    header: ['strategy', 'n', ...defs.map((d) => `${d.label} (${d.unit})`)],
    rows: summary.map((s) => [s.strategy, String(s.replications), ...defs.map((d) => cell(s.metrics[d.key], d.unit))]),
    align: ['l', 'r', ...defs.map(() => 'r' as const)],
  };
}

function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/**
 * Summary CSV: one row per strategy x metric with raw numbers (machine-readable, unit in its column):
 * run_id, strategy, metric, unit, n, median, mean, min, max, spread_pct.
 */
export function summaryCsv(run: Pick<RunDetail, 'id' | 'summary'>): string {
  const rows: Array<Array<string | number | null>> = [];
  for (const s of run.summary) {
    for (const def of METRIC_DEFS) {
      const m = s.metrics[def.key];
      if (!m) continue;
      rows.push([run.id, s.strategy, def.key, def.unit, m.n, m.median, m.mean, m.min, m.max, m.spreadPct]);
    }
  }
  return toCsv(['run_id', 'strategy', 'metric', 'unit', 'n', 'median', 'mean', 'min', 'max', 'spread_pct'], rows);
}

/** Series CSV: one row per sample point of every strategy x replication. */
export function seriesCsv(run: Pick<RunDetail, 'id' | 'results'>): string {
  const rows: Array<Array<string | number>> = [];
  for (const r of run.results) {
    const s = r.series;
    for (let i = 0; i < s.tUs.length; i++) {
      rows.push([r.strategy, r.replication, s.tUs[i], s.throughputMiBps[i], s.bounceBytes[i], s.pinnedBytes[i], s.iovaBytes[i]]);
    }
  }
  return toCsv(['strategy', 'replication', 't_us', 'throughput_mibps', 'bounce_bytes', 'pinned_bytes', 'iova_bytes'], rows);
}

function width(s: string): number {
  return [...s].length;
}

/** A GitHub-style pipe table padded so it also reads aligned as plain monospace text. */
export function markdownTable(t: Table): string {
  const cols = t.header.length;
  const w = Array.from({ length: cols }, (_, c) => Math.max(3, width(t.header[c]), ...t.rows.map((r) => width(r[c] ?? ''))));
  const pad = (s: string, c: number) => (t.align[c] === 'r' ? ' '.repeat(w[c] - width(s)) + s : s + ' '.repeat(w[c] - width(s)));
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const line = (r: string[]) => `| ${r.map((s, c) => pad(esc(s ?? ''), c)).join(' | ')} |`;
  const sep = `|${w.map((n, c) => (t.align[c] === 'r' ? `${'-'.repeat(n + 1)}:` : `:${'-'.repeat(n + 1)}`)).join('|')}|`;
  return [line(t.header), sep, ...t.rows.map(line)].join('\n') + '\n';
}

function configLines(c: RunConfig): string[] {
  return [
    `profile: ${c.profile.name} (${c.profile.id})`,
    `workload: ${c.workloadText}`,
    `seed: ${c.seed}, replications: ${c.replications}, engine: ${c.engineVersion}`,
  ];
}

/** Markdown report of a run: title, configuration, summary table. */
export function runMarkdown(run: Pick<RunDetail, 'id' | 'name' | 'config' | 'summary' | 'status'>): string {
  const title = run.name ? `${run.name} (run ${run.id})` : `Run ${run.id}`;
  const parts = [`### ${title}`, '', ...configLines(run.config).map((l) => `    ${l}`), ''];
  if (run.status !== 'done') parts.push(`Status: ${run.status}`, '');
  parts.push(markdownTable(summaryTable(run.summary)));
  const n = Math.min(...run.summary.map((s) => s.replications));
  if (run.summary.length && n > 1) parts.push(`Medians over ${n} replications; ±: largest deviation from the median.\n`);
  return parts.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Diff of two runs

function flatten(prefix: string, v: unknown, out: Map<string, unknown>): void {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) flatten(prefix ? `${prefix}.${k}` : k, x, out);
  } else out.set(prefix, v);
}

/** What changed between two run configurations, as dotted paths. */
export function configChanges(a: RunConfig, b: RunConfig): ConfigChange[] {
  const pick = (c: RunConfig) => ({
    profile: { ...c.profile, builtIn: undefined },
    strategies: c.strategies.map((s) => s.text),
    workload: c.workload,
    seed: c.seed,
    replications: c.replications,
    engineVersion: c.engineVersion,
  });
  const fa = new Map<string, unknown>();
  const fb = new Map<string, unknown>();
  flatten('', pick(a), fa);
  flatten('', pick(b), fb);
  const keys = [...new Set([...fa.keys(), ...fb.keys()])];
  const out: ConfigChange[] = [];
  for (const k of keys) {
    const va = fa.get(k);
    const vb = fb.get(k);
    if (JSON.stringify(va) !== JSON.stringify(vb)) out.push({ path: k, a: va ?? null, b: vb ?? null });
  }
  return out;
}

type ResultsLike = ReadonlyArray<Pick<RunResult, 'strategy' | 'strategyIndex' | 'metrics'>>;

function groupByStrategy(results: ResultsLike): Array<{ strategy: string; index: number; metrics: Metrics[] }> {
  const m = new Map<number, { strategy: string; index: number; metrics: Metrics[] }>();
  for (const r of results) {
    const g = m.get(r.strategyIndex) ?? { strategy: r.strategy, index: r.strategyIndex, metrics: [] };
    g.metrics.push(r.metrics);
    m.set(r.strategyIndex, g);
  }
  return [...m.values()].sort((x, y) => x.index - y.index);
}

export interface DiffInput {
  summary: RunSummary;
  config: RunConfig;
  results: ResultsLike;
}

/**
 * benchstat's reading of two runs: strategies paired by their text (then, if both runs have leftover
 * strategies in equal number, by position), one table per metric with medians, the delta, its 95% CI,
 * the Mann-Whitney p-value, `~` where not significant, and a geometric-mean row.
 */
export function diffRuns(a: DiffInput, b: DiffInput, opts: { metrics?: string[]; alpha?: number } = {}): RunDiff {
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  const ga = groupByStrategy(a.results);
  const gb = groupByStrategy(b.results);
  const pairs: Array<{ label: string; a: Metrics[]; b: Metrics[] }> = [];
  const usedB = new Set<number>();
  const leftA: typeof ga = [];
  for (const x of ga) {
    const j = gb.findIndex((y, i) => !usedB.has(i) && y.strategy === x.strategy);
    if (j >= 0) {
      usedB.add(j);
      pairs.push({ label: x.strategy, a: x.metrics, b: gb[j].metrics });
    } else leftA.push(x);
  }
  const leftB = gb.filter((_, i) => !usedB.has(i));
  const unmatched = { a: [] as string[], b: [] as string[] };
  if (leftA.length && leftA.length === leftB.length) {
    leftA.forEach((x, i) => pairs.push({ label: `${x.strategy} vs ${leftB[i].strategy}`, a: x.metrics, b: leftB[i].metrics }));
  } else {
    unmatched.a = leftA.map((x) => x.strategy);
    unmatched.b = leftB.map((x) => x.strategy);
  }

  const keys = opts.metrics ?? METRIC_DEFS.map((d) => d.key);
  const tables: DiffTable[] = [];
  let few = false;
  for (const key of keys) {
    const def = metricDef(key);
    const rows: DiffRow[] = [];
    const gA: number[] = [];
    const gB: number[] = [];
    let any = false;
    for (const p of pairs) {
      const xa = p.a.map((m) => metricValue(m, key)).filter((v): v is number => v !== null);
      const xb = p.b.map((m) => metricValue(m, key)).filter((v): v is number => v !== null);
      if (xa.length === 0 && xb.length === 0) continue;
      any = true;
      const sa = xa.length ? summarize(xa) : null;
      const sb = xb.length ? summarize(xb) : null;
      const c = compareSamples(xa, xb, alpha);
      if (c.fewSamples) few = true;
      if (sa && sb && sa.median > 0 && sb.median > 0) {
        gA.push(sa.median);
        gB.push(sb.median);
      }
      rows.push({
        strategy: p.label,
        a: sa ? { n: sa.n, median: sa.median, spreadPct: sa.spreadPct } : null,
        b: sb ? { n: sb.n, median: sb.median, spreadPct: sb.spreadPct } : null,
        deltaPct: c.deltaPct,
        ci95Pct: c.ci95Pct,
        p: c.p,
        significant: c.significant,
        text: c.text,
      });
    }
    if (!any) continue;
    const ma = geomean(gA);
    const mb = geomean(gB);
    tables.push({ metric: def, rows, geomean: ma !== null && mb !== null && gA.length >= 1 ? { a: ma, b: mb, deltaPct: (mb / ma - 1) * 100 } : null });
  }
  const warnings: string[] = [];
  if (few) {
    const nA = Math.min(...ga.map((g) => g.metrics.length), Infinity);
    const nB = Math.min(...gb.map((g) => g.metrics.length), Infinity);
    warnings.push(`need >= ${MIN_SAMPLES_WARN} replications per side for a confident comparison (have ${Number.isFinite(nA) ? nA : 0} and ${Number.isFinite(nB) ? nB : 0}); rerun with --replications ${MIN_SAMPLES_WARN} or more`);
  }
  if (unmatched.a.length || unmatched.b.length) {
    warnings.push(`strategies only in one run: ${[...unmatched.a.map((s) => `A:${s}`), ...unmatched.b.map((s) => `B:${s}`)].join(', ')}`);
  }
  if (a.config.engineVersion !== b.config.engineVersion) {
    warnings.push(`runs come from different engine versions (${a.config.engineVersion} vs ${b.config.engineVersion})`);
  }
  return { a: a.summary, b: b.summary, configChanges: configChanges(a.config, b.config), unmatched, tables, warnings, alpha };
}

function pValueText(r: DiffRow): string {
  const n = `n=${r.a?.n ?? 0}+${r.b?.n ?? 0}`;
  return r.p === null ? `(${n})` : `(p=${r.p.toFixed(3)} ${n})`;
}

/** One benchstat-like table per metric: strategy | A | B | vs A | CI | p. Tables of all-zero metrics are skipped. */
export function diffTables(diff: RunDiff, metrics: string[] = HEADLINE_METRICS): Table[] {
  const out: Table[] = [];
  for (const t of diff.tables) {
    if (!metrics.includes(t.metric.key)) continue;
    if (t.rows.every((r) => (r.a?.median ?? 0) === 0 && (r.b?.median ?? 0) === 0)) continue;
    const u = t.metric.unit;
    const rows = t.rows.map((r) => [
      r.strategy,
      cell(r.a ?? undefined, u),
      cell(r.b ?? undefined, u),
      r.text,
      r.ci95Pct ? `[${r.ci95Pct[0].toFixed(1)}%, ${r.ci95Pct[1].toFixed(1)}%]` : '',
      pValueText(r),
    ]);
    if (t.geomean && t.rows.length > 1) rows.push(['geomean', formatValue(t.geomean.a, u), formatValue(t.geomean.b, u), `${t.geomean.deltaPct >= 0 ? '+' : ''}${t.geomean.deltaPct.toFixed(2)}%`, '', '']);
    out.push({
      header: [`${t.metric.label} (${u})`, `A ${diff.a.id}`, `B ${diff.b.id}`, 'vs A', '95% CI', ''],
      rows,
      align: ['l', 'r', 'r', 'r', 'r', 'l'],
    });
  }
  return out;
}

/** A configuration value for a table cell, shortened to `max` characters. */
function showValue(v: unknown, max = 60): string {
  const s = typeof v === 'string' ? v : v === undefined ? '-' : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The whole diff in Markdown: configuration changes, warnings, then the tables. */
export function diffMarkdown(diff: RunDiff, metrics: string[] = HEADLINE_METRICS): string {
  const parts: string[] = [];
  const label = (s: RunSummary) => (s.name ? `${s.name} (${s.id})` : s.id);
  parts.push(`### Diff: A = ${label(diff.a)}, B = ${label(diff.b)}`, '');
  parts.push(`    A: ${diff.a.profileName}, ${diff.a.workloadText}, ${diff.a.replications} replication(s)`);
  parts.push(`    B: ${diff.b.profileName}, ${diff.b.workloadText}, ${diff.b.replications} replication(s)`, '');
  if (diff.configChanges.length) {
    parts.push(markdownTable({
      header: ['configuration', 'A', 'B'],
      rows: diff.configChanges.map((c) => [c.path, showValue(c.a), showValue(c.b)]),
      align: ['l', 'l', 'l'],
    }));
  } else parts.push('Same configuration.', '');
  for (const w of diff.warnings) parts.push(`Warning: ${w}`);
  if (diff.warnings.length) parts.push('');
  for (const t of diffTables(diff, metrics)) parts.push(markdownTable(t));
  parts.push(`Medians; "~": no significant difference (Mann-Whitney U, p >= ${diff.alpha}) or too few samples; CI: 95% bootstrap interval of the change.\n`);
  return parts.join('\n');
}

/** Diff CSV: one row per metric x strategy. */
export function diffCsv(diff: RunDiff): string {
  const rows: Array<Array<string | number | null>> = [];
  for (const t of diff.tables) {
    for (const r of t.rows) {
      rows.push([t.metric.key, t.metric.unit, r.strategy, r.a?.n ?? 0, r.a?.median ?? null, r.b?.n ?? 0, r.b?.median ?? null, r.deltaPct, r.ci95Pct?.[0] ?? null, r.ci95Pct?.[1] ?? null, r.p, r.significant ? 1 : 0]);
    }
    if (t.geomean) rows.push([t.metric.key, t.metric.unit, 'geomean', null, t.geomean.a, null, t.geomean.b, t.geomean.deltaPct, null, null, null, null]);
  }
  return toCsv(['metric', 'unit', 'strategy', 'n_a', 'median_a', 'n_b', 'median_b', 'delta_pct', 'ci_lo_pct', 'ci_hi_pct', 'p', 'significant'], rows);
}

// ---------------------------------------------------------------------------------------------
// Sweeps

/** Sweep CSV: one row per point x strategy with the median of the sweep's metric. */
export function sweepCsv(s: SweepDetail): string {
  const keys = [...new Set(s.points.flatMap((p) => Object.keys(p.values)))].filter((k) => k !== 'profile');
  const rows: Array<Array<string | number | null>> = [];
  for (const p of s.points) {
    for (const st of p.strategies) {
      rows.push([p.index, p.runId ?? '', p.status, p.profileId, ...keys.map((k) => p.values[k] ?? ''), st, p.medians[st] ?? null]);
    }
  }
  return toCsv(['point', 'run_id', 'status', 'profile', ...keys, 'strategy', `${s.metric.key} (${s.metric.unit})`], rows);
}

/** Sweep Markdown: one row per point, one column per strategy, best value per row marked with *. */
export function sweepMarkdown(s: SweepDetail): string {
  const strategies = [...new Set(s.points.flatMap((p) => p.strategies))];
  const keys = [...new Set(s.points.flatMap((p) => Object.keys(p.values)))].filter((k) => k !== 'profile');
  const better = s.metric.better;
  const rows = s.points.map((p) => {
    const vals = strategies.map((st) => p.medians[st]);
    const finiteVals = vals.filter((v): v is number => typeof v === 'number');
    const best = finiteVals.length && better ? (better === 'higher' ? Math.max(...finiteVals) : Math.min(...finiteVals)) : null;
    return [
      p.profileId, ...keys.map((k) => p.values[k] ?? ''),
      ...vals.map((v) => (typeof v === 'number' ? `${formatValue(v, s.metric.unit)}${v === best && finiteVals.length > 1 ? '*' : ''}` : '-')),
    ];
  });
  const parts = [
    `### Sweep ${s.name ? `${s.name} (${s.id})` : s.id}: ${s.metric.label} (${s.metric.unit})`, '',
    `    workload: ${s.config.workload}; vary: ${s.config.vary.map((v) => `${v.key}=${v.values.join(',')}`).join(' ') || '(none)'}`, '',
    markdownTable({ header: ['profile', ...keys, ...strategies], rows, align: ['l', ...keys.map(() => 'l' as const), ...strategies.map(() => 'r' as const)] }),
  ];
  if (s.crossovers.length) {
    parts.push('Crossovers (best strategy changes):', '');
    for (const c of s.crossovers) {
      const fixed = Object.entries(c.fixed).map(([k, v]) => `${k}=${v}`).join(' ');
      const values = s.config.vary.find((v) => v.key === c.key)?.values ?? [];
      parts.push(`- ${c.profileId}${fixed ? ` ${fixed}` : ''}: ${c.before} -> ${c.after} between ${c.key}=${c.from} and ${c.to}${c.at !== null ? ` (crossing near ${formatSweptValue(c.at, values)})` : ''}`);
    }
    parts.push('');
  }
  return parts.join('\n');
}

/** The same table as plain text (terminal output): columns padded, two spaces apart. */
export function textTable(t: Table): string {
  const cols = t.header.length;
  const w = Array.from({ length: cols }, (_, c) => Math.max(width(t.header[c]), ...t.rows.map((r) => width(r[c] ?? ''))));
  const pad = (s: string, c: number) => (t.align[c] === 'r' ? ' '.repeat(w[c] - width(s)) + s : s + ' '.repeat(w[c] - width(s)));
  return [t.header, ...t.rows].map((r) => r.map((s, c) => pad(s ?? '', c)).join('  ').trimEnd()).join('\n') + '\n';
}

/** The diff as plain text, benchstat's layout: one table per metric. */
export function diffText(diff: RunDiff, metrics: string[] = HEADLINE_METRICS): string {
  const parts: string[] = [];
  const label = (s: RunSummary) => (s.name ? `${s.name} (${s.id})` : s.id);
  parts.push(`A: ${label(diff.a)}  ${diff.a.profileName}  ${diff.a.workloadText}  n=${diff.a.replications}`);
  parts.push(`B: ${label(diff.b)}  ${diff.b.profileName}  ${diff.b.workloadText}  n=${diff.b.replications}`, '');
  if (diff.configChanges.length) {
    parts.push(textTable({ header: ['changed', 'A', 'B'], rows: diff.configChanges.map((c) => [c.path, showValue(c.a), showValue(c.b)]), align: ['l', 'l', 'l'] }));
  }
  for (const w of diff.warnings) parts.push(`warning: ${w}`);
  if (diff.warnings.length) parts.push('');
  for (const t of diffTables(diff, metrics)) parts.push(textTable(t));
  return parts.join('\n');
}
