/**
 * Exporter: runs, diffs and sweeps as files (JSON bundle, CSV, Markdown, SVG, PNG), and import of
 * bundles (validated completely, then written in one transaction: all or nothing).
 */
import { defaultGoal, runVerdict, sweepVerdict, verdictMarkdown, verdictStrategies } from '../../core/verdict.ts';
import {
  ContractError, MAX_BUNDLE_CHARS, type ChartKind, type ExportFile, type ExportFormat, type ImportResult, type RunDetail, type RunDiff,
  type SweepDetail,
} from '../../core/contract.ts';
import { BUILT_IN_PROFILES, ENGINE_VERSION } from '../../core/index.ts';
import type { HardwareProfile } from '../../core/types.ts';
import { diffOption, runChartOption, sweepLineOption, type EChartsOption } from '../../core/charts.ts';
import {
  diffCsv, diffMarkdown, diffRuns, isMetricKey, metricDef, runMarkdown, seriesCsv, summaryCsv, sweepCsv, sweepMarkdown,
} from '../../core/report.ts';
import { BUNDLE_FORMAT, BUNDLE_VERSION, parseBundle, type Bundle } from './bundle.ts';
import type { RunStore, StoredRun } from './store.ts';

const MIME: Record<ExportFormat, string> = {
  json: 'application/json',
  csv: 'text/csv',
  md: 'text/markdown',
  svg: 'image/svg+xml',
  png: 'image/png',
};

function isBuiltIn(id: string): boolean {
  return BUILT_IN_PROFILES.some((p) => p.id === id);
}

function text(filename: string, format: ExportFormat, data: string): ExportFile {
  return { filename, mimeType: MIME[format], encoding: 'utf8', data };
}

/**
 * A bundle as text, never larger than import accepts: stored runs are bounded (core/budget.ts:
 * series points per run and per sweep), so this only refuses a sweep forced far past the work budget.
 */
function bundleText(b: Bundle): string {
  const data = JSON.stringify(b, null, 1);
  if (data.length > MAX_BUNDLE_CHARS) {
    throw new ContractError('conflict', `the bundle would be ${(data.length / 1024 / 1024).toFixed(0)} MiB, over the import limit of ${MAX_BUNDLE_CHARS / 1024 / 1024} MiB; export its runs one at a time`);
  }
  return data;
}

/** ECharts and resvg load on the first chart file only: every other command starts without them. */
async function chartFile(base: string, format: 'svg' | 'png', option: EChartsOption, width: number, height: number): Promise<ExportFile> {
  const { renderPng, renderSvg } = await import('./render.ts');
  if (format === 'svg') return text(`${base}.svg`, 'svg', renderSvg(option, width, height));
  return { filename: `${base}.png`, mimeType: MIME.png, encoding: 'base64', data: renderPng(option, width, height).toString('base64') };
}

export function checkMetric(key: string): void {
  if (!isMetricKey(key)) throw new ContractError('invalid', `metric: unknown ${JSON.stringify(key)}`, [{ path: 'metric', message: 'a metric key such as throughputMiBps, latencyUs.p99, cpuSecondsPerGiB.total' }]);
}

export class Exporter {
  constructor(private readonly store: RunStore) {}

  /** The user profiles the runs used (snapshots), so a bundle opens elsewhere with its profiles. */
  private profilesOf(runs: StoredRun[]): HardwareProfile[] {
    const m = new Map<string, HardwareProfile>();
    for (const r of runs) if (!isBuiltIn(r.config.profile.id) && !m.has(r.config.profile.id)) m.set(r.config.profile.id, r.config.profile);
    return [...m.values()];
  }

  bundle(kind: Bundle['kind'], runIds: string[], sweepIds: string[] = [], diff?: RunDiff): Bundle {
    const runs = runIds.map((id) => this.store.exportRun(id));
    return {
      format: BUNDLE_FORMAT,
      version: BUNDLE_VERSION,
      kind,
      exportedAt: Date.now(),
      engineVersion: ENGINE_VERSION,
      profiles: this.profilesOf(runs),
      sweeps: sweepIds.map((id) => this.store.exportSweep(id)),
      runs,
      ...(diff ? { diff } : {}),
    };
  }

  async exportRun(a: { runId: string; format: ExportFormat; table: 'summary' | 'series'; chart: ChartKind; width: number; height: number }): Promise<ExportFile> {
    const id = this.store.resolveRunId(a.runId);
    const base = `iommu-lab-run-${id}`;
    switch (a.format) {
      case 'json':
        return text(`${base}.json`, 'json', bundleText(this.bundle('run', [id])));
      case 'csv': {
        const d = this.store.getRun(id, { series: a.table === 'series' });
        return text(`${base}-${a.table}.csv`, 'csv', a.table === 'series' ? seriesCsv(d) : summaryCsv(d));
      }
      case 'md':
        return text(`${base}.md`, 'md', runMarkdownWithVerdict(this.store.getRun(id, { series: false })));
      case 'svg':
      case 'png': {
        if (a.chart === 'diff' || a.chart === 'sweep') throw new ContractError('invalid', `chart: ${a.chart} is not a run chart; use export:diff or export:sweep`, [{ path: 'chart', message: 'throughput, latency, cpu, memory, pinned, iova or series-throughput' }]);
        const needsSeries = ['memory', 'pinned', 'iova', 'series-throughput'].includes(a.chart);
        const d: RunDetail = this.store.getRun(id, { series: needsSeries });
        const subtitle = `${d.config.profile.name} · ${d.config.workloadText}${d.name ? ` · ${d.name}` : ''}`;
        return chartFile(`${base}-${a.chart}`, a.format, runChartOption(d, a.chart, { animation: false, subtitle }), a.width, a.height);
      }
    }
  }

  diff(aRef: string, bRef: string): RunDiff {
    const a = this.store.getRun(aRef, { series: false });
    const b = this.store.getRun(bRef, { series: false });
    return diffRuns({ summary: a, config: a.config, results: a.results }, { summary: b, config: b.config, results: b.results });
  }

  async exportDiff(a: { a: string; b: string; format: ExportFormat; metric: string; width: number; height: number }): Promise<ExportFile> {
    checkMetric(a.metric);
    const diff = this.diff(a.a, a.b);
    const base = `iommu-lab-diff-${diff.a.id}-${diff.b.id}`;
    switch (a.format) {
      case 'json':
        return text(`${base}.json`, 'json', bundleText(this.bundle('diff', [diff.a.id, diff.b.id], [], diff)));
      case 'csv':
        return text(`${base}.csv`, 'csv', diffCsv(diff));
      case 'md':
        return text(`${base}.md`, 'md', diffMarkdown(diff));
      case 'svg':
      case 'png':
        return chartFile(`${base}-${metricDef(a.metric).key}`, a.format, diffOption(diff, a.metric, { animation: false }), a.width, a.height);
    }
  }

  async exportSweep(detail: SweepDetail, a: { format: ExportFormat; width: number; height: number }): Promise<ExportFile> {
    const base = `iommu-lab-sweep-${detail.id}`;
    switch (a.format) {
      case 'json': {
        const runIds = detail.points.map((p) => p.runId).filter((x): x is string => !!x);
        return text(`${base}.json`, 'json', bundleText(this.bundle('sweep', runIds, [detail.id])));
      }
      case 'csv':
        return text(`${base}.csv`, 'csv', sweepCsv(detail));
      case 'md':
        return text(`${base}.md`, 'md', `${verdictMarkdown('Verdict', sweepVerdict(detail).sentences)}\n${sweepMarkdown(detail)}`);
      case 'svg':
      case 'png':
        return chartFile(`${base}-${detail.metric.key}`, a.format, sweepLineOption(detail, { animation: false }), a.width, a.height);
    }
  }

  /** Validate everything, then write in one transaction. A bad bundle writes nothing. */
  importBundle(textIn: string): ImportResult {
    const b = parseBundle(textIn);
    const profiles = b.profiles.filter((p) => !isBuiltIn(p.id));
    return this.store.importAll({ profiles, sweeps: b.sweeps, runs: b.runs });
  }
}

/** The run's Markdown report with the verdict first: what a mailing-list reply quotes. */
export function runMarkdownWithVerdict(run: RunDetail): string {
  if (!run.results.length) return runMarkdown(run);
  const v = runVerdict({
    strategies: verdictStrategies(run.results, run.summary),
    goal: defaultGoal(run.config.workload.kind),
    profileName: run.config.profile.name || run.profileId,
    workloadText: run.workloadText,
  });
  return `${runMarkdown(run)}\n${verdictMarkdown('Verdict', v.sentences)}`;
}
