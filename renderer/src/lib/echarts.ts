/** Tree-shaken ECharts: only the charts and components the views use. */
import { use, init, registerTheme, type EChartsType } from 'echarts/core';
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import {
  GridComponent, TooltipComponent, LegendComponent, TitleComponent, MarkLineComponent,
  MarkPointComponent, MarkAreaComponent, DataZoomComponent, DatasetComponent, AriaComponent,
} from 'echarts/components';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';

use([
  BarChart, LineChart, ScatterChart,
  GridComponent, TooltipComponent, LegendComponent, TitleComponent, MarkLineComponent,
  MarkPointComponent, MarkAreaComponent, DataZoomComponent, DatasetComponent, AriaComponent,
  CanvasRenderer, SVGRenderer,
]);

export type Scheme = 'light' | 'dark';

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const PALETTE_DARK = ['#6fa8dc', '#f6a04d', '#7bc96f', '#f2777a', '#8fd3cf', '#f2d95c', '#c39bd3', '#ffb3bb', '#c09a7f', '#cfc8c3'];

function theme(s: Scheme) {
  const fg = s === 'dark' ? '#c9d1d9' : '#24292f';
  const muted = s === 'dark' ? '#8b949e' : '#57606a';
  const line = s === 'dark' ? '#30363d' : '#d0d7de';
  const split = s === 'dark' ? '#21262d' : '#eaeef2';
  const axis = {
    axisLine: { lineStyle: { color: line } },
    axisTick: { lineStyle: { color: line } },
    axisLabel: { color: muted },
    splitLine: { lineStyle: { color: split } },
    nameTextStyle: { color: muted },
  };
  return {
    color: s === 'dark' ? PALETTE_DARK : PALETTE,
    backgroundColor: 'transparent',
    textStyle: { color: fg, fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', fontSize: 11 },
    title: { textStyle: { color: fg, fontSize: 12, fontWeight: 600 }, subtextStyle: { color: muted } },
    legend: { textStyle: { color: fg } },
    tooltip: {
      backgroundColor: s === 'dark' ? '#161b22' : '#ffffff',
      borderColor: line,
      textStyle: { color: fg, fontSize: 11 },
    },
    categoryAxis: axis,
    valueAxis: axis,
    logAxis: axis,
    timeAxis: axis,
  };
}

registerTheme('iommu-light', theme('light'));
registerTheme('iommu-dark', theme('dark'));

export function currentScheme(): Scheme {
  return typeof window !== 'undefined' && window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function themeName(s: Scheme): string {
  return s === 'dark' ? 'iommu-dark' : 'iommu-light';
}

export function background(s: Scheme): string {
  return s === 'dark' ? '#0d1117' : '#ffffff';
}

export function createChart(el: HTMLElement, s: Scheme): EChartsType {
  return init(el, themeName(s), { renderer: 'canvas' });
}

/** Renders an option to an SVG string with a throw-away server-side-rendering instance. */
export function renderSvg(option: object, width: number, height: number): string {
  const chart = init(null as unknown as HTMLElement, undefined, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ ...option, animation: false });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/**
 * PNG of an option at 2x pixel ratio (base64, no data: prefix), rendered off screen with the canvas
 * renderer so the export has its title and a light background whatever the screen shows.
 */
export function renderPngBase64(option: object, width: number, height: number): string {
  const el = document.createElement('div');
  el.style.cssText = `position:fixed;left:-20000px;top:0;width:${width}px;height:${height}px;`;
  document.body.appendChild(el);
  const chart = init(el, undefined, { renderer: 'canvas', width, height });
  try {
    chart.setOption({ ...option, animation: false });
    const url = chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: (option as { backgroundColor?: string }).backgroundColor ?? '#ffffff' });
    return url.slice(url.indexOf(',') + 1);
  } finally {
    chart.dispose();
    el.remove();
  }
}
