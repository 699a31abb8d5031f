import type { ChartOptions, EChartsOption } from '../charts.ts';
import type { CalibrationRow } from './fit.ts';

/** Short label of a measurement row: `-t 1 -g 16 strict unmap`. */
export function rowLabel(r: Pick<CalibrationRow, 'workload' | 'strategy' | 'metric'>): string {
  const m = /^dmabench:threads=(\d+),seconds=\d+,granule=(\d+)/.exec(r.workload);
  const metric = ({ 'mapUs.mean': 'map', 'unmapUs.mean': 'unmap', 'dmaBenchTool.map.mean': 'map (tool)', 'dmaBenchTool.unmap.mean': 'unmap (tool)' } as Record<string, string>)[r.metric] ?? r.metric;
  return m ? `-t ${m[1]} -g ${m[2]} ${r.strategy} ${metric}` : `${r.workload.split(',')[0]} ${r.strategy} ${metric}`;
}

/**
 * Measured vs simulated on log-log axes (figures from 0.1 µs to milliseconds share one chart): the
 * base profile before the fit and the calibrated one after, one point per measurement; on the
 * diagonal the model reproduces the figure exactly.
 */
export function calibrationChartOption(rows: CalibrationRow[], opts: ChartOptions = {}): EChartsOption {
  const fg = opts.dark ? '#ddd' : '#222';
  const ok = (v: number) => Number.isFinite(v) && v > 0;
  const all = rows.flatMap((r) => [r.measured, r.before, r.after]).filter(ok);
  const lo = all.length ? 10 ** Math.floor(Math.log10(Math.min(...all))) : 0.1;
  const hi = all.length ? 10 ** Math.ceil(Math.log10(Math.max(...all))) : 10;
  const pts = (key: 'before' | 'after') => rows.filter((r) => ok(r.measured) && ok(r[key])).map((r) => ({
    value: [Number(r.measured.toPrecision(4)), Number(r[key].toPrecision(4))], name: rowLabel(r),
  }));
  return {
    animation: opts.animation ?? true,
    backgroundColor: opts.dark ? '#1e1e1e' : '#ffffff',
    textStyle: { fontFamily: 'sans-serif', color: fg },
    title: { text: opts.title ?? 'Measured vs simulated', subtext: opts.subtitle ?? 'each measurement, base profile before the fit and calibrated profile after; diagonal = exact', left: 'center', textStyle: { fontSize: 15, color: fg } },
    tooltip: { trigger: 'item', formatter: '{b}: {c}' },
    legend: { bottom: 0, textStyle: { color: fg }, data: ['simulated before', 'simulated after'] },
    grid: { left: 70, right: 40, top: 70, bottom: 70, containLabel: true },
    xAxis: { type: 'log', min: lo, max: hi, name: 'measured', nameLocation: 'middle', nameGap: 30 },
    yAxis: { type: 'log', min: lo, max: hi, name: 'simulated', nameLocation: 'middle', nameGap: 45 },
    series: [
      { name: 'exact', type: 'line', data: [[lo, lo], [hi, hi]], showSymbol: false, silent: true, lineStyle: { type: 'dashed', color: opts.dark ? '#777' : '#aaa', width: 1 } },
      { name: 'simulated before', type: 'scatter', symbolSize: 10, data: pts('before'), itemStyle: { color: '#bab0ac' } },
      { name: 'simulated after', type: 'scatter', symbolSize: 10, data: pts('after'), itemStyle: { color: '#4e79a7' } },
    ],
  };
}
