import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fmtBytes, fmtDeltaPct, fmtEta, fmtInt, fmtNum, fmtUs, slug } from '../../renderer/src/lib/format.ts';
import { bestIndexes, DERIVED_ROW_KEYS, comparisonCsv, comparisonMarkdown, comparisonTable, metricAt, METRIC_ROWS, rowsForWorkload, summariesFromMetrics, toCsv, toMarkdown } from '../../renderer/src/lib/metrics.ts';
import { lttb } from '../../renderer/src/lib/downsample.ts';
import { downsampleOption, screenOption } from '../../renderer/src/lib/chartopts.ts';
import { viewFromHash } from '../../renderer/src/lib/nav.ts';
import { classifyOpened } from '../../renderer/src/lib/opened.ts';
import { detectPaste } from '../../renderer/src/lib/experiment.ts';
import { ciText, configValue, deltaClass, overlayResults, pText } from '../../renderer/src/lib/diff.ts';
import { dateBounds } from '../../renderer/src/stores/history.ts';
import { parseTags } from '../../renderer/src/stores/comparison.ts';
import { METRIC_DEFS, summarizeResults } from '../../core/report.ts';
import { builtInProfile, parseStrategy, parseWorkload, simulateStrategy } from '../../core/index.ts';

describe('format', () => {
  it('formats numbers densely', () => {
    expect(fmtNum(0)).toBe('0');
    expect(fmtNum(null)).toBe('—');
    expect(fmtNum(298.643)).toBe('299');
    expect(fmtNum(12.345)).toBe('12.3');
    expect(fmtNum(0.0105)).toBe('0.0105');
    expect(fmtNum(76452.6)).toBe('76,453');
    expect(fmtNum(1e-5)).toBe('1.00e-5');
    expect(fmtInt(1234567.4)).toBe('1,234,567');
  });
  it('formats bytes in binary units', () => {
    expect(fmtBytes(0)).toBe('0 B');
    expect(fmtBytes(512)).toBe('512 B');
    expect(fmtBytes(4096)).toBe('4 KiB');
    expect(fmtBytes(64 * 1024 * 1024)).toBe('64 MiB');
    expect(fmtBytes(1.5 * 1024 ** 3)).toBe('1.5 GiB');
  });
  it('formats durations, ETAs and deltas', () => {
    expect(fmtUs(0.5)).toBe('500 ns');
    expect(fmtUs(12.3)).toBe('12.3 µs');
    expect(fmtUs(4560)).toBe('4.56 ms');
    expect(fmtEta(500)).toBe('< 1 s');
    expect(fmtEta(80_000)).toBe('1 min 20 s');
    expect(fmtEta(null)).toBe('—');
    expect(fmtDeltaPct(0.123)).toBe('+12.3%');
    expect(fmtDeltaPct(-0.04)).toBe('−4.0%');
    expect(fmtDeltaPct(0.00001)).toBe('0.0%');
  });
  it('slugs file names', () => {
    expect(slug('Run x3n/aa 4k randread!')).toBe('run-x3n-aa-4k-randread');
    expect(slug('***')).toBe('export');
  });
});

describe('best-value marking', () => {
  it('marks the max for higher-is-better and the min for lower-is-better', () => {
    expect(bestIndexes([1, 3, 2], 'higher')).toEqual([1]);
    expect(bestIndexes([1, 3, 2], 'lower')).toEqual([0]);
  });
  it('marks ties, ignores missing values and rows with nothing to choose', () => {
    expect(bestIndexes([0, 0, 5], 'lower')).toEqual([0, 1]);
    expect(bestIndexes([null, 2, 4], 'higher')).toEqual([2]);
    expect(bestIndexes([3, 3, 3], 'higher')).toEqual([]);
    expect(bestIndexes([3], 'higher')).toEqual([]);
    expect(bestIndexes([1, 2], 'none')).toEqual([]);
    expect(bestIndexes([1, 1 + 1e-12, 2], 'lower')).toEqual([0, 1]);
  });
  it('leaves ineligible columns (passthrough, the unprotected upper bound) unmarked', () => {
    const s = (tp: number) => ({ throughputMiBps: { n: 1, median: tp, spreadPct: null, ci95: null } });
    const t = comparisonTable(['passthrough', 'strict', 'bounce-pool'], [s(900), s(500), s(700)], undefined, [false, true, true]);
    const row = t.rows.find((r) => r.row.key === 'throughputMiBps')!;
    expect(row.best).toEqual([2]);
    expect(row.values).toEqual([900, 500, 700]);
  });
  it('every table row key is a metric the host summarises', () => {
    const keys = new Set(METRIC_DEFS.map((d) => d.key));
    for (const r of METRIC_ROWS) expect(keys.has(r.key) || DERIVED_ROW_KEYS.includes(r.key), r.key).toBe(true);
    for (const r of METRIC_ROWS.filter((x) => !DERIVED_ROW_KEYS.includes(x.key))) {
      const def = METRIC_DEFS.find((d) => d.key === r.key)!;
      if (def.better) expect(r.better).toBe(def.better);
    }
  });
  it('builds the comparison table from summaries, hiding empty rows', () => {
    const s = (tp: number, fails: number) => ({
      throughputMiBps: { n: 3, median: tp, spreadPct: 2, ci95: null },
      failures: { n: 3, median: fails, spreadPct: null, ci95: null },
    });
    const t = comparisonTable(['strict', 'lazy'], [s(100, 0), s(130, 2)]);
    expect(t.rows.map((r) => r.row.key)).toEqual(['throughputMiBps', 'failures']);
    expect(t.rows[0].best).toEqual([1]);
    expect(t.rows[1].best).toEqual([0]);
    expect(t.rows[0].extra[0]).toEqual({ spreadPct: 2, ci95: null, n: 3 });
    const csv = comparisonCsv(t);
    expect(csv.split('\n')[0]).toBe('metric,unit,strict,lazy');
    expect(csv).toContain('Throughput,MiB/s,100,130');
    const md = comparisonMarkdown(t);
    expect(md).toContain('| metric | strict | lazy |');
    expect(md).toContain('**130**');
  });
  it('reads metrics by dotted path', () => {
    const m = { latencyUs: { p50: 7 }, faults: 3 } as unknown as Parameters<typeof metricAt>[0];
    expect(metricAt(m, 'latencyUs.p50')).toBe(7);
    expect(metricAt(m, 'faults')).toBe(3);
    expect(metricAt(m, 'nope.x')).toBeNull();
    const sums = summariesFromMetrics([m as never]);
    expect(sums[0]['latencyUs.p50']?.median).toBe(7);
  });
  it('quotes CSV and escapes Markdown', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"'], [null, 3]])).toBe('a,b\n"x,y","say ""hi"""\n,3\n');
    expect(toMarkdown(['k', 'v'], [['a|b', 1]])).toBe('| k | v |\n| --- | ---: |\n| a\\|b | 1 |\n');
  });
});

describe('dma_map_benchmark rows', () => {
  it('show the exact figures and, beside them, what the tool would print from the same calls', () => {
    const rows = rowsForWorkload('dmabench');
    const keys = rows.map((r) => r.key);
    expect(keys).toEqual(expect.arrayContaining(['mapUs.mean', 'dmaBenchTool.map.mean', 'unmapUs.mean', 'dmaBenchTool.unmap.mean']));
    expect(keys.indexOf('dmaBenchTool.unmap.mean')).toBe(keys.indexOf('unmapUs.mean') + 1);
    expect(rows.find((r) => r.key === 'unmapUs.mean')!.label).toMatch(/exact/);
    // Each shows its own spread: the exact one, and the tool's.
    expect(rows.find((r) => r.key === 'unmapUs.mean')!.sdKey).toBe('unmapUs.stddev');
    expect(rows.find((r) => r.key === 'dmaBenchTool.unmap.mean')!.sdKey).toBe('dmaBenchTool.unmap.stddev');
    // 16 CPUs on one cmdq: unmaps of ~8.9 us vary by tens of ns, but the tool's integer mean drops
    // most of a 100 ns unit, and its standard deviation counts that: it prints a spread 10x the real one.
    const m = simulateStrategy(builtInProfile('kunpeng920'), parseStrategy('strict'), parseWorkload('dmabench:threads=16,granule=1,seconds=1'), 1).metrics;
    const s = summarizeResults([{ strategy: 'strict', strategyIndex: 0, metrics: m }])[0].metrics;
    expect(s['dmaBenchTool.unmap.stddev']!.median).toBe(m.dmaBenchTool!.unmap.stddev);
    expect(m.dmaBenchTool!.unmap.stddev).toBeGreaterThan(10 * m.unmapUs.stddev);
    expect(rowsForWorkload('fio').some((r) => r.key.startsWith('dmaBenchTool'))).toBe(false);
  });
});

describe('charts on screen', () => {
  it('downsamples long line series with LTTB and keeps the ends', () => {
    const xs = Array.from({ length: 10_000 }, (_, i) => i);
    const ys = xs.map((x) => Math.sin(x / 100));
    const d = lttb(xs, ys, 500);
    expect(d.x.length).toBe(500);
    expect(d.x[0]).toBe(0);
    expect(d.x[499]).toBe(9999);
    const opt = downsampleOption({ series: [{ type: 'line', data: xs.map((x, i) => [x, ys[i]]) }, { type: 'bar', data: [1, 2] }] }, 300);
    expect(opt.series[0].data.length).toBe(300);
    expect(opt.series[1].data).toEqual([1, 2]);
  });
  it('hides the in-chart title and makes the background transparent', () => {
    const o = screenOption({ title: { text: 'T' }, backgroundColor: '#fff', grid: { top: 70 }, legend: { bottom: 0 }, xAxis: { type: 'value' }, yAxis: { type: 'value' }, series: [] }, true);
    expect(o.title.show).toBe(false);
    expect(o.backgroundColor).toBe('transparent');
    expect(o.grid.top).toBeLessThan(70);
  });
});

describe('small helpers', () => {
  it('routes hashes to views', () => {
    expect(viewFromHash('#/history')).toBe('history');
    expect(viewFromHash('#/diff/abc')).toBe('diff');
    expect(viewFromHash('')).toBe('experiment');
    expect(viewFromHash('#/nope')).toBe('experiment');
  });
  it('classifies opened files', () => {
    expect(classifyOpened('p.json', JSON.stringify({ id: 'x', cpu: {}, iommu: {} }))).toBe('profile');
    expect(classifyOpened('b.json', JSON.stringify({ format: 'iommu-lab-bundle', runs: [] }))).toBe('bundle');
    expect(classifyOpened('job.fio', '[global]\nrw=read\n')).toBe('fio');
    expect(classifyOpened('job.txt', '[job1]\nbs=4k\n')).toBe('fio');
    expect(classifyOpened('x.json', '{not json')).toBe('unknown');
    // fio --output-format=normal,json: the report's header, the JSON, then the per-job text.
    const normalJson = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'fio-json', 'psync-stonewall.normal-json.txt'), 'utf8');
    expect(classifyOpened('result.txt', normalJson)).toBe('workload');
    expect(detectPaste(normalJson)).toBe('fio-json');
  });
  it('diff helpers colour deltas by direction and significance', () => {
    expect(deltaClass({ deltaPct: 10, significant: true }, 'higher')).toBe('delta-good');
    expect(deltaClass({ deltaPct: 10, significant: true }, 'lower')).toBe('delta-bad');
    expect(deltaClass({ deltaPct: -10, significant: true }, 'lower')).toBe('delta-good');
    expect(deltaClass({ deltaPct: 10, significant: false }, 'higher')).toBe('delta-same');
    expect(deltaClass({ deltaPct: 10, significant: true }, null)).toBe('delta-same');
    expect(ciText([-1.25, 12.5])).toBe('[−1.3%, +13%]');
    expect(pText(0.0001)).toBe('p<0.001');
    expect(pText(0.0234)).toBe('p=0.023');
    expect(configValue(4096)).toBe('4096');
    expect(configValue(undefined)).toBe('(absent)');
    const r = (s: string, i: number) => ({ strategy: s, strategyIndex: i }) as never;
    const o = overlayResults([r('strict', 0), r('lazy', 1)], [r('strict', 0)]);
    expect(o.map((x: { strategy: string }) => x.strategy)).toEqual(['A strict', 'A lazy', 'B strict']);
    expect((o[2] as { strategyIndex: number }).strategyIndex).toBe(2);
  });
  it('turns date filters into epoch bounds and parses tags', () => {
    const b = dateBounds('2025-01-02', '2025-01-02');
    expect(b.to! - b.from!).toBe(24 * 3600 * 1000 - 1);
    expect(dateBounds('', 'garbage')).toEqual({});
    expect(parseTags('a, b  c,a')).toEqual(['a', 'b', 'c']);
  });
});
