import { InputError } from '../errors.ts';
import { parseStrategy } from '../strategies.ts';
import type { DmaBenchWorkload, DmaDirection, Workload } from '../types.ts';
import { parseWorkload, workloadText } from '../workload.ts';

/**
 * One measured figure: what ran (workload in the CLI's syntax, strategy), which metric (a path
 * into Metrics such as `mapUs.mean`), the value, and how precisely the value is known.
 */
export interface Measurement {
  workload: Workload;
  /** Canonical workload text (parseWorkload(workloadText) round-trips). */
  workloadText: string;
  /** Canonical strategy text (`strict`, `lazy`, `range-flush`, ...). */
  strategy: string;
  metric: string;
  value: number;
  /** Half the print resolution of the figure in the metric's unit (dma_map_benchmark prints %.1f µs: 0.05). */
  resolution: number;
  /** The tool's own standard deviation of the samples behind the figure, when it prints one. */
  stddev?: number;
  /** Where the figure came from: `file:line`. */
  source: string;
}

const DIRS: DmaDirection[] = ['BIDIRECTIONAL', 'TO_DEVICE', 'FROM_DEVICE'];

/** A parse failure naming the file, the line and what was expected there (the CLI exits 2). */
export function measurementError(file: string, line: number, found: string, expected: string): InputError {
  return new InputError(`${file}:${line}`, found.length > 120 ? `${found.slice(0, 117)}...` : found, expected);
}

// Kernels before the granule option (5.11, 5.12) print no `granule:`; their runs map one page.
// The scatter-gather mode series prints `dma mapping mode: M` first (1: one sg list of
// granule/sg_nents pages) and `granule/sg_nents:` in the header.
const HEADER_RE = /^dma mapping benchmark:\s*threads:\s*(-?\d+)\s+seconds:\s*(-?\d+)\s+node:\s*(-?\d+)\s+dir:\s*([A-Z_]+)(?:\s+granule(?:\/sg_nents)?:\s*(-?\d+))?\s*$/;
const MODE_RE = /^dma mapping mode:\s*(\d+)\s*$/;
const LAT_RE = /^average (map|unmap) latency\(us\):\s*(-?[\d.]+)\s+standard deviation:\s*(-?[\d.]+)\s*$/;
const STRATEGY_RE = /^#\s*strategy\s*[:=]\s*(\S+)\s*$/i;

const HEADER_EXPECTED = 'a run header "dma mapping benchmark: threads:T seconds:S node:N dir:DIR granule: G"';

/**
 * The kernel's tools/testing/selftests/dma/dma_map_benchmark output, as it prints it: per run, the
 * header line then `average map latency(us):%.1f standard deviation:%.1f` and the same for unmap.
 * Several runs may follow each other; `# strategy: S` lines set the DMA mode of the runs after them
 * (the tool cannot know whether the kernel booted with iommu.strict=1), else `fallbackStrategy`.
 * Other `#` lines, `$ command` echoes and blank lines are skipped; anything else is an error.
 */
export function parseDmaMapBenchmark(text: string, file: string, fallbackStrategy?: string): Measurement[] {
  const out: Measurement[] = [];
  const lines = text.split(/\r?\n/);
  let strategy: string | undefined = fallbackStrategy === undefined ? undefined : parseStrategy(fallbackStrategy).text;
  let run: { w: DmaBenchWorkload; line: number; seen: Set<string> } | null = null;
  let sgMode = false;
  const finish = (atLine: number) => {
    if (run && run.seen.size < 2) {
      const missing = ['map', 'unmap'].filter((k) => !run!.seen.has(k)).join(' and ');
      throw measurementError(file, atLine, lines[atLine - 1]?.trim() ?? '(end of file)', `the ${missing} latency line of the run that starts at line ${run.line} ("average ${missing.split(' ')[0]} latency(us):X standard deviation:Y")`);
    }
    run = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const line = lines[i].trim();
    if (!line) continue;
    const sm = STRATEGY_RE.exec(line);
    if (sm) {
      try {
        strategy = parseStrategy(sm[1]).text;
      } catch (e) {
        throw measurementError(file, n, line, `# strategy: one of the strategy ids (strict, lazy, ...): ${(e as Error).message}`);
      }
      continue;
    }
    if (line.startsWith('#') || line.startsWith('$')) continue;
    const mm = MODE_RE.exec(line);
    if (mm) {
      if (mm[1] !== '0' && mm[1] !== '1') throw measurementError(file, n, line, 'dma mapping mode: 0 (single) or 1 (sg)');
      sgMode = mm[1] === '1';
      continue;
    }
    const hm = HEADER_RE.exec(line);
    if (hm) {
      if (run) finish(n);
      const [threads, seconds, , dir, granule] = [Number(hm[1]), Number(hm[2]), Number(hm[3]), hm[4], hm[5] === undefined ? 1 : Number(hm[5])];
      if (!DIRS.includes(dir as DmaDirection)) throw measurementError(file, n, dir, `dir:${DIRS.join('|')}`);
      if (threads < 1 || threads > 1024) throw measurementError(file, n, String(threads), 'threads:1..1024');
      if (granule < 1 || granule > 8192) throw measurementError(file, n, String(granule), 'granule: 1..8192 pages');
      if (strategy === undefined) throw measurementError(file, n, line, 'a "# strategy: strict|lazy|..." line before the first run, or --strategy');
      const w: DmaBenchWorkload = {
        kind: 'dmabench', threads, seconds: Math.max(1, seconds), granulePages: granule, dir: dir as DmaDirection,
        delayNs: 0, sg: sgMode, skipCpuSync: false,
      };
      sgMode = false;
      run = { w, line: n, seen: new Set() };
      continue;
    }
    const lm = LAT_RE.exec(line);
    if (lm) {
      if (!run) throw measurementError(file, n, line, HEADER_EXPECTED + ' before the latency lines');
      const kind = lm[1];
      if (run.seen.has(kind)) throw measurementError(file, n, line, `one ${kind} latency line per run (run starts at line ${run.line})`);
      const value = Number(lm[2]);
      const sd = Number(lm[3]);
      if (!Number.isFinite(value) || value < 0) throw measurementError(file, n, lm[2], 'a latency in µs, >= 0');
      run.seen.add(kind);
      const w = run.w;
      out.push({
        // The tool's own figure (whole 100 ns units per call, then an integer average), not the exact mean.
        workload: w, workloadText: workloadText(w), strategy: strategy!, metric: kind === 'map' ? 'dmaBenchTool.map.mean' : 'dmaBenchTool.unmap.mean',
        value, resolution: 0.05, stddev: Number.isFinite(sd) ? sd : undefined, source: `${file}:${n}`,
      });
      if (run.seen.size === 2) run = null;
      continue;
    }
    throw measurementError(file, n, line, run ? 'an "average map|unmap latency(us):X standard deviation:Y" line' : `${HEADER_EXPECTED}, a "# strategy: S" line, or a # comment`);
  }
  if (run) finish(lines.length + 1);
  if (out.length === 0) throw measurementError(file, 1, lines[0] ?? '', `${HEADER_EXPECTED} followed by its map and unmap latency lines`);
  return out;
}

/** Splits one CSV line (RFC 4180 quotes, so workloads with commas can be quoted). */
function csvCells(line: string): string[] | null {
  const cells: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') q = false; else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') { cells.push(cur); cur = ''; } else cur += c;
  }
  if (q) return null;
  cells.push(cur);
  return cells.map((s) => s.trim());
}

export const CSV_HEADER = 'workload,strategy,metric,value';

/**
 * `workload,strategy,metric,value`: the workload in the CLI's syntax (quoted when it holds commas,
 * or with `;`/spaces between its options), a strategy, a metric path such as `mapUs.mean`,
 * `throughputMiBps` or `latencyUs.p99`, and the measured value in that metric's unit.
 */
export function parseMeasurementCsv(text: string, file: string, isMetric: (path: string) => boolean): Measurement[] {
  const lines = text.split(/\r?\n/);
  const out: Measurement[] = [];
  let header = false;
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const line = lines[i].trim();
    if (!line || line.startsWith('#')) continue;
    if (!header) {
      if (line.replace(/\s+/g, '').toLowerCase() !== CSV_HEADER) throw measurementError(file, n, line, `the header "${CSV_HEADER}"`);
      header = true;
      continue;
    }
    const cells = csvCells(line);
    if (!cells || cells.length !== 4) {
      throw measurementError(file, n, line, '4 fields: workload,strategy,metric,value (quote a workload that contains commas, or separate its options with ";")');
    }
    const [wText, sText, metric, vText] = cells;
    let workload: Workload;
    try {
      workload = parseWorkload(wText.replace(/;/g, ','));
    } catch (e) {
      throw measurementError(file, n, wText, `a workload in the CLI's syntax (dmabench:threads=1,granule=16 ...): ${(e as Error).message}`);
    }
    let strategy: string;
    try {
      strategy = parseStrategy(sText).text;
    } catch (e) {
      throw measurementError(file, n, sText, `a strategy: ${(e as Error).message}`);
    }
    if (!isMetric(metric)) throw measurementError(file, n, metric, 'a metric path such as mapUs.mean, unmapUs.mean, dmaBenchTool.map.mean (as dma_map_benchmark prints it), throughputMiBps, iops, latencyUs.p99');
    const value = Number(vText);
    if (vText === '' || !Number.isFinite(value) || value <= 0) throw measurementError(file, n, vText, 'a positive number in the metric\'s unit');
    const decimals = /\.(\d+)$/.exec(vText)?.[1].length ?? 0;
    out.push({ workload, workloadText: workloadText(workload), strategy, metric, value, resolution: 0.5 * 10 ** -decimals, source: `${file}:${n}` });
  }
  if (!header) throw measurementError(file, 1, lines[0] ?? '', `the header "${CSV_HEADER}"`);
  if (out.length === 0) throw measurementError(file, lines.length, '(end of file)', 'at least one measurement row after the header');
  return out;
}

/** A CSV when its first meaningful line is the CSV header, else dma_map_benchmark output. */
export function parseMeasurements(text: string, file: string, isMetric: (path: string) => boolean, fallbackStrategy?: string): Measurement[] {
  const first = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
  if (first && first.replace(/\s+/g, '').toLowerCase().startsWith('workload,')) return parseMeasurementCsv(text, file, isMetric);
  return parseDmaMapBenchmark(text, file, fallbackStrategy);
}
