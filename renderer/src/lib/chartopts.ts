/**
 * Adapting the pure option builders of core/charts.ts for the screen: no in-chart title (the panel
 * header shows it), transparent background, the current colour scheme, long series downsampled.
 * Pure: unit-tested.
 */
import type { EChartsOption } from '../../../core/charts.ts';
import { lttb } from './downsample.ts';

export const MAX_POINTS_PER_SERIES = 1500;

/** Downsamples every line series whose data are [x, y] pairs longer than `max`. */
export function downsampleOption(opt: EChartsOption, max = MAX_POINTS_PER_SERIES): EChartsOption {
  if (!Array.isArray(opt.series)) return opt;
  let changed = false;
  const series = opt.series.map((s: Record<string, unknown>) => {
    const data = s.data as unknown[];
    if (s.type !== 'line' || !Array.isArray(data) || data.length <= max || !Array.isArray(data[0])) return s;
    const xs = (data as number[][]).map((p) => p[0]);
    const ys = (data as number[][]).map((p) => p[1]);
    const d = lttb(xs, ys, max);
    changed = true;
    return { ...s, data: d.x.map((x, i) => [x, d.y[i]]) };
  });
  return changed ? { ...opt, series } : opt;
}

/** The on-screen variant of an export option. */
export function screenOption(opt: EChartsOption, dark: boolean): EChartsOption {
  const fg = dark ? '#c9d1d9' : '#24292f';
  const o: EChartsOption = { ...downsampleOption(opt) };
  o.backgroundColor = 'transparent';
  o.title = { ...(o.title ?? {}), show: false };
  o.textStyle = { ...(o.textStyle ?? {}), color: fg, fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', fontSize: 11 };
  if (o.legend && typeof o.legend === 'object' && !Array.isArray(o.legend)) o.legend = { ...o.legend, textStyle: { ...(o.legend.textStyle ?? {}), color: fg, fontSize: 10.5 }, itemHeight: 8, itemWidth: 14 };
  if (o.grid && typeof o.grid === 'object' && !Array.isArray(o.grid)) {
    const hasLegend = !(o.legend && o.legend.show === false);
    // A wrapped legend (several lines) keeps the room the builder made for it.
    o.grid = { ...o.grid, top: 26, left: 56, right: 18, bottom: hasLegend ? Math.max(44, (Number(o.grid.bottom) || 70) - 26) : 18 };
  }
  for (const ax of ['xAxis', 'yAxis'] as const) {
    const a = o[ax];
    if (a && typeof a === 'object' && !Array.isArray(a)) {
      o[ax] = {
        ...a,
        nameTextStyle: { color: dark ? '#8b949e' : '#57606a', fontSize: 10.5 },
        axisLabel: { ...(a.axisLabel ?? {}), color: dark ? '#8b949e' : '#57606a', fontSize: 10.5 },
        axisLine: { lineStyle: { color: dark ? '#30363d' : '#d0d7de' } },
        splitLine: { lineStyle: { color: dark ? '#21262d' : '#eaeef2' } },
      };
    }
  }
  if (Array.isArray(o.series)) {
    o.series = o.series.map((s: Record<string, unknown>) => {
      if (s.type === 'scatter' && s.name === 'range') return { ...s, itemStyle: { color: dark ? '#c9d1d9' : '#444' } };
      let out = s;
      if (s.label && typeof s.label === 'object') out = { ...out, label: { ...(s.label as object), color: fg } };
      const ml = s.markLine as { label?: object } | undefined;
      if (ml?.label) out = { ...out, markLine: { ...ml, label: { ...ml.label, color: fg } } };
      return out;
    });
  }
  return o;
}

/**
 * The colour each strategy has in a chart: per series (lines, scatter) or per bar of a category axis.
 * Shown as a data attribute on the chart panel, so "same strategy, same colour" can be checked.
 */
export function seriesColors(opt: EChartsOption): Record<string, string> {
  const out: Record<string, string> = {};
  const cats = !Array.isArray(opt.xAxis) && Array.isArray(opt.xAxis?.data) ? (opt.xAxis.data as string[]) : null;
  for (const s of (Array.isArray(opt.series) ? opt.series : []) as Array<Record<string, any>>) {
    const data = Array.isArray(s.data) ? s.data : [];
    if (s.type === 'bar' && cats && data.some((d: any) => d && typeof d === 'object' && d.itemStyle)) {
      data.forEach((d: any, i: number) => {
        const c = d?.itemStyle?.borderColor && d?.itemStyle?.color === 'transparent' ? d.itemStyle.borderColor : d?.itemStyle?.color;
        if (c && cats[i] !== undefined) out[`${s.name}|${cats[i]}`] = c;
      });
    } else if (typeof s.name === 'string' && s.itemStyle?.color) out[s.name] = s.itemStyle.color;
  }
  return out;
}
