/**
 * The rows of the comparison table: what each metric is, its unit, how to read it from the
 * core's Metrics, and which direction is better. Pure: unit-tested in tests/renderer.
 */
import { metricValue } from '../../../core/report.ts';
import type { Metrics } from '../../../core/types.ts';
import { fmtBytes, fmtInt, fmtNum, fmtPct } from './format.ts';

export type Better = 'higher' | 'lower' | 'none';
export type MetricKind = 'num' | 'int' | 'bytes' | 'pct';

export interface MetricRow {
  /** Dotted path into the core's Metrics; also the key of the host's per-strategy summaries. */
  key: string;
  group: string;
  label: string;
  unit: string;
  better: Better;
  kind: MetricKind;
  /** Help text shown as a tooltip. */
  help?: string;
  /** The metric shown after the value as "± sd" (dma_map_benchmark's rows print their spread). */
  sdKey?: string;
}

const r = (key: string, group: string, label: string, unit: string, better: Better, kind: MetricKind, help?: string): MetricRow =>
  ({ key, group, label, unit, better, kind, help });

/** What each protection metric measures: shown next to the table, not only as a tooltip. */
export const PROTECTION_METRIC_TEXT: Record<string, string> = {
  'exposure.standingBytes': 'memory the device can reach with no mapping behind it, for the whole run (all RAM for passthrough, all pinned memory, every faulted-in page)',
  'exposure.staleWindowUs.mean': 'how long a freed buffer stays reachable by the device after unmap, until the deferred IOTLB flush (lazy flush queues)',
  'exposure.bytesBeyondBuffer': 'bytes a live mapping exposes beyond the buffer it was made for (rounding to the IOMMU granule)',
};

export const METRIC_ROWS: MetricRow[] = [
  r('throughputMiBps', 'Throughput', 'Throughput', 'MiB/s', 'higher', 'num'),
  r('iops', 'Throughput', 'IOPS', 'IO/s', 'higher', 'int'),
  r('latencyUs.p50', 'Latency', 'Latency p50', 'µs', 'lower', 'num'),
  r('latencyUs.p99', 'Latency', 'Latency p99', 'µs', 'lower', 'num'),
  r('latencyUs.p999', 'Latency', 'Latency p99.9', 'µs', 'lower', 'num'),
  r('mapUs.mean', 'DMA API', 'map (mean)', 'µs', 'lower', 'num', 'mean time of a dma_map call, exact'),
  r('unmapUs.mean', 'DMA API', 'unmap (mean)', 'µs', 'lower', 'num', 'mean time of a dma_unmap call, exact'),
  r('mapUs.p99', 'DMA API', 'map p99', 'µs', 'lower', 'num'),
  r('unmapUs.p99', 'DMA API', 'unmap p99', 'µs', 'lower', 'num'),
  r('cpuSecondsPerGiB.total', 'CPU', 'CPU total', 's/GiB', 'lower', 'num', 'CPU seconds per GiB moved, all phases'),
  r('cpuUtilisation', 'CPU', 'CPU, share of one core', '%', 'lower', 'pct', 'CPU busy time over simulated time, at the rate this run reached: 100 % = one core saturated'),
  r('cpuUsPerIo', 'CPU', 'CPU per IO', 'µs', 'lower', 'num', 'CPU time per IO (CPU per GiB × mean IO size)'),
  r('cpuSecondsPerGiB.map', 'CPU', 'CPU · map', 's/GiB', 'lower', 'num'),
  r('cpuSecondsPerGiB.unmap', 'CPU', 'CPU · unmap', 's/GiB', 'lower', 'num'),
  r('cpuSecondsPerGiB.copy', 'CPU', 'CPU · copy', 's/GiB', 'lower', 'num'),
  r('cpuSecondsPerGiB.invalidate', 'CPU', 'CPU · invalidate', 's/GiB', 'lower', 'num'),
  r('cpuSecondsPerGiB.fault', 'CPU', 'CPU · fault', 's/GiB', 'lower', 'num'),
  r('cpuSecondsPerGiB.other', 'CPU', 'CPU · other', 's/GiB', 'lower', 'num'),
  r('iotlb.missesPerPage', 'IOMMU', 'IOTLB misses / page', '', 'lower', 'num'),
  r('invalidations.perPage', 'IOMMU', 'Invalidations / page', '', 'lower', 'num'),
  r('bounceBytes.peak', 'Memory', 'Bounce memory peak', 'bytes', 'lower', 'bytes'),
  r('bounceBytes.mean', 'Memory', 'Bounce memory mean', 'bytes', 'lower', 'bytes'),
  r('pinnedBytes.peak', 'Memory', 'Pinned memory peak', 'bytes', 'lower', 'bytes'),
  r('iovaBytes.peak', 'Memory', 'IOVA in use peak', 'bytes', 'lower', 'bytes'),
  r('exposure.bytesBeyondBuffer', 'Protection', 'Exposed beyond buffers', 'bytes', 'lower', 'bytes', PROTECTION_METRIC_TEXT['exposure.bytesBeyondBuffer']),
  r('exposure.fractionBeyondBuffer', 'Protection', 'Exposed fraction', '%', 'lower', 'pct'),
  r('exposure.staleWindowUs.mean', 'Protection', 'Stale window mean', 'µs', 'lower', 'num', PROTECTION_METRIC_TEXT['exposure.staleWindowUs.mean']),
  r('exposure.staleWindowUs.max', 'Protection', 'Stale window max', 'µs', 'lower', 'num'),
  r('exposure.standingBytes', 'Protection', 'Standing reach', 'bytes', 'lower', 'bytes', PROTECTION_METRIC_TEXT['exposure.standingBytes']),
  r('faults', 'Events', 'Faults', '', 'lower', 'int'),
  r('fallbacks', 'Events', 'Fallbacks', '', 'lower', 'int'),
  r('failures', 'Events', 'Mapping failures', '', 'lower', 'int'),
  r('slowdownVsPinned', 'Events', 'Slowdown vs pinned', '%', 'lower', 'pct'),
];

/** Value at a dotted path of a Metrics object (core/report's reader); null when absent or not a finite number. */
export function metricAt(m: Metrics | Record<string, unknown> | null | undefined, key: string): number | null {
  return m ? metricValue(m as Metrics, key) : null;
}

export function formatMetric(row: Pick<MetricRow, 'kind'>, v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  switch (row.kind) {
    case 'bytes':
      return fmtBytes(v);
    case 'int':
      return fmtInt(v);
    case 'pct':
      return fmtPct(v);
    default:
      return fmtNum(v);
  }
}

/**
 * Indexes of the best values of one row. Ties are all best. Nothing is marked when the row has
 * no direction, fewer than two comparable values, or every value is the same (nothing to choose).
 * Values within `relTol` of the best count as ties (float noise).
 */
export function bestIndexes(values: Array<number | null | undefined>, better: Better, relTol = 1e-9): number[] {
  if (better === 'none') return [];
  const finite = values
    .map((v, i) => ({ v, i }))
    .filter((x): x is { v: number; i: number } => typeof x.v === 'number' && Number.isFinite(x.v));
  if (finite.length < 2) return [];
  const best = better === 'higher' ? Math.max(...finite.map((x) => x.v)) : Math.min(...finite.map((x) => x.v));
  const worst = better === 'higher' ? Math.min(...finite.map((x) => x.v)) : Math.max(...finite.map((x) => x.v));
  const tol = Math.max(Math.abs(best), Math.abs(worst)) * relTol;
  if (Math.abs(best - worst) <= tol) return [];
  return finite.filter((x) => Math.abs(x.v - best) <= tol).map((x) => x.i);
}

/** Rows whose values are all missing (e.g. slowdown outside accel runs) are hidden. */
export function visibleRows(rows: MetricRow[], value: (row: MetricRow, col: number) => number | null, cols: number): MetricRow[] {
  return rows.filter((row) => {
    for (let c = 0; c < cols; c++) if (value(row, c) !== null) return true;
    return false;
  });
}

export interface CellExtra {
  /** ± relative spread over replications, percent. */
  spreadPct: number | null;
  ci95: [number, number] | null;
  n: number;
}

export interface TableModel {
  columns: string[];
  rows: Array<{ row: MetricRow; values: Array<number | null>; extra: Array<CellExtra | null>; best: number[] }>;
}

/** Median summaries per strategy, as the host's StrategySummary.metrics holds them. */
export type SummaryMetrics = Record<string, { n: number; median: number; spreadPct: number | null; ci95: [number, number] | null } | undefined>;

/**
 * `eligible` limits which columns can be marked best (e.g. leave passthrough out: it wins speed
 * rows by giving up protection); every column is eligible by default.
 */
export function comparisonTable(columns: string[], summaries: SummaryMetrics[], rows: MetricRow[] = METRIC_ROWS, eligible?: boolean[]): TableModel {
  const value = (row: MetricRow, c: number): number | null => {
    const s = summaries[c]?.[row.key];
    return s && Number.isFinite(s.median) ? s.median : null;
  };
  return {
    columns,
    rows: visibleRows(rows, value, columns.length).map((row) => {
      const values = columns.map((_, c) => value(row, c));
      const extra = columns.map((_, c) => {
        const s = summaries[c]?.[row.key];
        return s ? { spreadPct: s.spreadPct, ci95: s.ci95, n: s.n } : null;
      });
      const candidates = eligible ? values.map((v, c) => (eligible[c] === false ? null : v)) : values;
      return { row, values, extra, best: bestIndexes(candidates, row.better) };
    }),
  };
}

/** Per-strategy summaries computed from raw Metrics (one sample each), for results without host summaries. */
export function summariesFromMetrics(ms: Metrics[], rows: MetricRow[] = METRIC_ROWS): SummaryMetrics[] {
  return ms.map((m) => {
    const out: SummaryMetrics = {};
    for (const row of rows) {
      const v = metricAt(m, row.key);
      if (v !== null) out[row.key] = { n: 1, median: v, spreadPct: null, ci95: null };
    }
    return out;
  });
}

/** A table as CSV (RFC 4180 quoting). */
export function toCsv(header: string[], body: Array<Array<string | number | null>>): string {
  const q = (c: string | number | null) => {
    const s = c === null ? '' : String(c);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...body].map((line) => line.map(q).join(',')).join('\n') + '\n';
}

/** A table as GitHub-flavoured Markdown (pipes escaped), numbers right-aligned. */
export function toMarkdown(header: string[], body: Array<Array<string | number | null>>, numericFrom = 1): string {
  const esc = (c: string | number | null) => (c === null ? '' : String(c)).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const lines = [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map((_, i) => (i >= numericFrom ? '---:' : '---')).join(' | ')} |`,
    ...body.map((row) => `| ${row.map(esc).join(' | ')} |`),
  ];
  return lines.join('\n') + '\n';
}

/** The comparison table as raw CSV (machine-readable values) and Markdown (formatted, best in bold). */
export function comparisonCsv(t: TableModel): string {
  return toCsv(['metric', 'unit', ...t.columns], t.rows.map((x) => [x.row.label, x.row.unit, ...x.values]));
}

export function comparisonMarkdown(t: TableModel): string {
  return toMarkdown(
    ['metric', ...t.columns],
    t.rows.map((x) => [
      `${x.row.label}${x.row.unit && x.row.kind !== 'bytes' && x.row.kind !== 'pct' ? ` (${x.row.unit})` : ''}`,
      ...x.values.map((v, i) => (x.best.includes(i) ? `**${formatMetric(x.row, v)}**` : formatMetric(x.row, v))),
    ]),
  );
}

/** Rows computed here from other medians (withDerived), not summarised by the host. */
export const DERIVED_ROW_KEYS = ['cpuUsPerIo'];

/** Rows a dma_map_benchmark run shows: it maps and unmaps, it moves no data (no throughput, no IO latency). */
const DMABENCH_HIDDEN = /^(throughputMiBps|iops|latencyUs\.|cpuSecondsPerGiB\.|cpuUsPerIo|bounceBytes\.mean)/;

/** Why the tool's figures differ from the exact ones (kernel/dma/map_benchmark.c). */
const TOOL_ARITHMETIC_HELP = "as dma_map_benchmark would print it: its own arithmetic (whole 100 ns units, an integer mean); its variance, mean of squares minus the integer mean squared, also holds about twice the mean times the fraction the integer mean dropped, so its standard deviation reads above the exact one";

/** The table's rows for a workload kind. */
export function rowsForWorkload(kind: string | undefined): MetricRow[] {
  if (kind !== 'dmabench') return METRIC_ROWS;
  return METRIC_ROWS.filter((row) => !DMABENCH_HIDDEN.test(row.key)).flatMap((row) => {
    if (row.key !== 'mapUs.mean' && row.key !== 'unmapUs.mean') return [row];
    const call = row.key.startsWith('map') ? 'map' : 'unmap';
    return [
      { ...row, group: 'dma_map_benchmark', label: `${call} latency ± sd, exact`, help: `mean and standard deviation of the simulated ${call} calls`, sdKey: `${call}Us.stddev` },
      { ...r(`dmaBenchTool.${call}.mean`, 'dma_map_benchmark', `${call} latency ± sd, as the tool prints`, 'µs', 'lower', 'num', TOOL_ARITHMETIC_HELP), sdKey: `dmaBenchTool.${call}.stddev` },
    ];
  });
}

/** Summaries with the derived rows (CPU µs per IO) filled in from their medians. */
export function withDerived(summaries: SummaryMetrics[]): SummaryMetrics[] {
  return summaries.map((s) => {
    const cpu = s['cpuSecondsPerGiB.total']?.median;
    const bytes = s.bytes?.median;
    const ios = s.ios?.median;
    if (cpu === undefined || !bytes || !ios) return s;
    return { ...s, cpuUsPerIo: { n: s['cpuSecondsPerGiB.total']!.n, median: cpu * (bytes / ios / 1024 ** 3) * 1e6, spreadPct: null, ci95: null } };
  });
}
