import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  crossovers, cpuPhasesOption, diffOption, latencyHistogramOption, numericValue, runChartOption, seriesOverTimeOption,
  strategyColor, sweepCrossovers, sweepLineOption, throughputBarOption,
} from '../../core/charts.ts';
import {
  diffMarkdown, diffRuns, markdownTable, METRIC_DEFS, metricValue, summarizeResults, summaryTable, toCsv, configChanges,
} from '../../core/report.ts';
import type { RunResult, SweepDetail } from '../../core/contract.ts';
import { sampleRun } from './helpers.ts';

function results(strategy: string, index: number, tputs: number[]): RunResult[] {
  const { result } = sampleRun();
  return tputs.map((v, r) => ({ ...result, strategy, strategyIndex: index, replication: r, metrics: { ...result.metrics, throughputMiBps: v } }));
}

describe('crossovers', () => {
  it('finds where the best strategy changes, interpolated on a log scale for sizes', () => {
    const c = crossovers([
      { x: '4k', values: { bounce: 300, strict: 100 } },
      { x: '16k', values: { bounce: 500, strict: 400 } },
      { x: '64k', values: { bounce: 600, strict: 900 } },
    ]);
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ from: '16k', to: '64k', before: 'bounce', after: 'strict' });
    // d0 = 100, d1 = -300: a quarter of the way from 16k to 64k in log2 -> 2^(14 + 0.25*2)
    expect(c[0].at).toBeCloseTo(2 ** 14.5, 6);
  });

  it('treats values within 1% as a tie (converging curves are not a crossover)', () => {
    expect(crossovers([{ x: '1', values: { a: 100, b: 50 } }, { x: '2', values: { a: 100, b: 100.5 } }])).toEqual([]);
    expect(crossovers([{ x: 'a', values: { p: 1 } }])).toEqual([]);
  });

  it('for lower-is-better metrics the smallest value wins', () => {
    const c = crossovers([{ x: '1', values: { a: 1, b: 2 } }, { x: '2', values: { a: 3, b: 2 } }], 'lower');
    expect(c[0]).toMatchObject({ before: 'a', after: 'b' });
    expect(c[0].at).toBeCloseTo(Math.SQRT2, 9); // halfway on the log scale between 1 and 2
  });

  it('every crossover lies between its neighbours and names two different strategies', () => {
    fc.assert(fc.property(fc.array(fc.record({ a: fc.double({ min: 1, max: 1e4, noNaN: true }), b: fc.double({ min: 1, max: 1e4, noNaN: true }) }), { minLength: 2, maxLength: 12 }), (vals) => {
      const pts = vals.map((v, i) => ({ x: `${2 ** i}k`, values: v }));
      for (const c of crossovers(pts)) {
        expect(c.before).not.toBe(c.after);
        const lo = numericValue(c.from)!;
        const hi = numericValue(c.to)!;
        expect(c.at!).toBeGreaterThanOrEqual(lo * (1 - 1e-9));
        expect(c.at!).toBeLessThanOrEqual(hi * (1 + 1e-9));
      }
    }));
  });

  it('reads sizes and plain numbers', () => {
    expect(numericValue('4k')).toBe(4096);
    expect(numericValue('1M')).toBe(1048576);
    expect(numericValue('64')).toBe(64);
    expect(numericValue('randread')).toBeNull();
  });
});

describe('chart options', () => {
  const rs = [...results('strict', 0, [100, 110, 105]), ...results('bounce-pool', 1, [200, 190, 210])];
  const summary = summarizeResults(rs);

  it('are plain labelled objects: title, axis names with units, legend, no animation server-side', () => {
    for (const o of [throughputBarOption(summary, { animation: false }), cpuPhasesOption(summary, { animation: false }), latencyHistogramOption(rs, { animation: false }), seriesOverTimeOption(rs, 'bounceBytes', { animation: false })]) {
      expect(o.animation).toBe(false);
      expect(o.title.text.length).toBeGreaterThan(5);
      expect(o.xAxis.name).toBeTruthy();
      expect(o.yAxis.name).toMatch(/\(.+\)/);
      expect(o.legend).toBeTruthy();
      expect(() => JSON.stringify(o)).not.toThrow();
    }
    expect(throughputBarOption(summary).series[0].data.map((d: any) => d.value)).toEqual([105, 200]);
    expect(cpuPhasesOption(summary).series.map((s: any) => s.name)).toEqual(['map', 'unmap', 'copy', 'invalidate', 'fault', 'other']);
  });

  it('keep one colour per strategy across charts', () => {
    expect(strategyColor('bounce-pool:slots=64')).toBe(strategyColor('bounce-pool'));
    expect(strategyColor('strict')).not.toBe(strategyColor('lazy'));
    expect(runChartOption({ summary, results: rs, name: '', id: 'x' }, 'throughput').series[0].data[1].itemStyle.color).toBe(strategyColor('bounce-pool'));
  });

  it('mark sweep crossovers on the line chart', () => {
    const sweep = {
      id: 's', name: '', tags: [], notes: '', saved: true, status: 'done', createdAt: 0, finishedAt: 0, pointCount: 3, error: null,
      config: { profileIds: ['vtd'], strategies: ['strict,bounce-pool'], workload: 'fio:', vary: [{ key: 'bs', values: ['4k', '16k', '64k'] }], seed: 1, replications: 1, seriesPoints: null },
      metric: METRIC_DEFS[0],
      points: [['4k', 300, 100], ['16k', 500, 400], ['64k', 600, 900]].map(([bs, b, s], i) => ({
        index: i, runId: `r${i}`, status: 'done' as const, profileId: 'vtd', values: { bs: String(bs) }, workloadText: '', strategies: ['strict', 'bounce-pool'],
        medians: { strict: Number(s), 'bounce-pool': Number(b) },
      })),
      crossovers: [],
    } satisfies SweepDetail;
    sweep.crossovers = sweepCrossovers(sweep.points, sweep.config.vary, 'higher') as never;
    expect(sweep.crossovers).toHaveLength(1);
    const o = sweepLineOption(sweep);
    expect(o.xAxis.data).toEqual(['4k', '16k', '64k']);
    expect(o.series.map((s: any) => s.name)).toEqual(['strict', 'bounce-pool']);
    expect(o.series[0].markLine.data[0]).toMatchObject({ xAxis: '64k', name: 'bounce-pool → strict' });
  });
});

describe('reports', () => {
  it('summaries carry medians and spread per metric', () => {
    const s = summarizeResults(results('strict', 0, [100, 110, 105]));
    expect(s[0].replications).toBe(3);
    expect(s[0].metrics.throughputMiBps).toMatchObject({ n: 3, median: 105, min: 100, max: 110 });
    expect(metricValue(sampleRun().result.metrics, 'latencyUs.p99')).toBeTypeOf('number');
    expect(metricValue(sampleRun().result.metrics, 'slowdownVsPinned')).toBeNull();
  });

  it('Markdown tables stay aligned in a monospace font and escape pipes', () => {
    const md = markdownTable({ header: ['a', 'value (µs)'], rows: [['x|y', '1'], ['long name', '12345']], align: ['l', 'r'] });
    const lines = md.trimEnd().split('\n');
    expect(new Set(lines.map((l) => [...l].length)).size).toBe(1);
    expect(md).toContain('x\\|y');
    expect(lines[1]).toMatch(/^\|:-+\|-+:\|$/);
  });

  it('CSV quotes what needs quoting', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"'], [1.5, null]])).toBe('a,b\r\n"x,y","say ""hi"""\r\n1.5,\r\n');
  });

  it('the summary table has units in its header', () => {
    const t = summaryTable(summarizeResults(results('strict', 0, [1, 2])));
    expect(t.header).toContain('Throughput (MiB/s)');
  });

  it('diffs pair strategies by name, read ~ without enough samples, and add a geomean row', () => {
    const { config } = sampleRun();
    const summary = (id: string) => ({ id, name: '', tags: [], notes: '', saved: true, status: 'done' as const, profileId: 'vtd', profileName: 'VT-d', strategies: [], workloadText: 'fio:', seed: 1, replications: 6, engineVersion: config.engineVersion, createdAt: 0, finishedAt: 0, wallMs: 0, error: null, sweepId: null, throughputMiBps: {} });
    const a = { summary: summary('a'), config, results: [...results('strict', 0, [100, 101, 99, 100, 102, 98]), ...results('lazy', 1, [200, 201, 199, 200, 202, 198])] };
    const b = { summary: summary('b'), config: { ...config, seed: 2 }, results: [...results('lazy', 0, [300, 301, 299, 300, 302, 298]), ...results('strict', 1, [100, 102, 98, 101, 99, 100])] };
    const d = diffRuns(a, b);
    expect(d.configChanges).toEqual([{ path: 'seed', a: 1, b: 2 }]);
    const tput = d.tables.find((x) => x.metric.key === 'throughputMiBps')!;
    expect(tput.rows.map((r) => r.strategy)).toEqual(['strict', 'lazy']);
    expect(tput.rows[0].text).toBe('~');
    expect(tput.rows[1].text).toBe('+50.0%');
    expect(tput.rows[1].significant).toBe(true);
    expect(tput.geomean!.deltaPct).toBeCloseTo((Math.sqrt(100 * 300) / Math.sqrt(100 * 200) - 1) * 100, 6);
    expect(d.warnings).toEqual([]);
    const md = diffMarkdown(d);
    expect(md).toContain('geomean');
    expect(md).toContain('+50.0%');

    const few = diffRuns({ ...a, results: results('strict', 0, [100]) }, { ...b, results: results('strict', 0, [150]) });
    expect(few.tables[0].rows[0]).toMatchObject({ text: '~', p: null, deltaPct: 50 });
    expect(few.warnings[0]).toMatch(/need >= 5 replications/);
  });

  it('config changes name the changed profile fields', () => {
    const { config } = sampleRun();
    const c = configChanges(config, { ...config, profile: { ...config.profile, iommu: { ...config.profile.iommu, granuleBytes: 16384 } } });
    expect(c).toEqual([{ path: 'profile.iommu.granuleBytes', a: config.profile.iommu.granuleBytes, b: 16384 }]);
  });

  it('the diff chart labels B with the benchstat delta', () => {
    const { config } = sampleRun();
    const s = { id: 'a', name: '', tags: [], notes: '', saved: true, status: 'done' as const, profileId: 'vtd', profileName: '', strategies: [], workloadText: '', seed: 1, replications: 1, engineVersion: '', createdAt: 0, finishedAt: 0, wallMs: 0, error: null, sweepId: null, throughputMiBps: {} };
    const d = diffRuns({ summary: s, config, results: results('strict', 0, [1]) }, { summary: { ...s, id: 'b' }, config, results: results('strict', 0, [2]) });
    const o = diffOption(d, 'throughputMiBps');
    expect(o.series[1].data[0].label.formatter).toBe('~');
  });
});
