/**
 * Charts to files without a browser: ECharts' server-side SVG renderer, and PNG by rasterising
 * that SVG with @resvg/resvg-js. Options come from the pure builders in core/charts.ts.
 */
import { existsSync } from 'node:fs';
import * as echarts from 'echarts';
import { Resvg } from '@resvg/resvg-js';
import type { EChartsOption } from '../../core/charts.ts';
import { chartText } from '../../core/sanitize.ts';

/** Rough width in px of a legend entry at ECharts' default 12 px font: icon, gap, text, item gap. */
function legendItemWidth(name: string): number {
  return 25 + 5 + name.length * 7 + 10;
}

/**
 * A file cannot page a `scroll` legend: the interactive charts use one (one line, arrows), but in an
 * SVG/PNG it showed the first page only, with the other series unnamed and names cut. For files,
 * every entry is laid out (a plain legend wraps onto more rows) and the plot moves up to make room.
 */
export function staticLegend(option: EChartsOption, width: number): EChartsOption {
  const legend = option.legend as Record<string, unknown> | undefined;
  if (!legend || Array.isArray(legend) || legend.show === false) return option;
  const series = (Array.isArray(option.series) ? option.series : option.series ? [option.series] : []) as Array<{ name?: unknown }>;
  const names = Array.isArray(legend.data)
    ? (legend.data as unknown[]).map((d) => String(typeof d === 'object' && d ? (d as { name?: unknown }).name ?? '' : d))
    : [...new Set(series.map((x) => (typeof x.name === 'string' ? x.name : '')).filter(Boolean))];
  const avail = Math.max(100, width - 40);
  let rows = names.length ? 1 : 0;
  let used = 0;
  for (const n of names) {
    const w = Math.min(legendItemWidth(n), avail);
    if (used > 0 && used + w > avail) {
      rows++;
      used = 0;
    }
    used += w;
  }
  const out: EChartsOption = { ...option, legend: { ...legend, type: 'plain', left: 20, right: 20 } };
  const grid = option.grid as Record<string, unknown> | undefined;
  if (rows > 1 && grid && !Array.isArray(grid) && typeof grid.bottom === 'number') {
    out.grid = { ...grid, bottom: grid.bottom + (rows - 1) * 24 };
  }
  return out;
}

export function renderSvg(option: EChartsOption, width = 900, height = 500): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ ...staticLegend(option, width), animation: false });
    // Names and notes with control characters (typed or imported) would make the SVG invalid XML
    // and the PNG rasteriser fail: characters XML cannot hold become U+FFFD.
    const svg = chartText(chart.renderToSVGString());
    return svg.startsWith('<?xml') ? svg : `<?xml version="1.0" encoding="UTF-8"?>\n${svg}`;
  } finally {
    chart.dispose();
  }
}

/**
 * ECharts lays text out with Arial/Helvetica widths when it renders without a canvas (zrender's
 * built-in width table), so the PNG must be drawn with a font of the same metrics or labels run
 * into each other (legend names overlapping the next entry's icon with DejaVu Sans, ~12% wider).
 * Liberation Sans (and Arimo) are metric-compatible with Arial; DejaVu Sans is the last resort.
 */
function linuxSans(): string {
  const candidates: Array<[string, string[]]> = [
    ['Liberation Sans', ['/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf', '/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf', '/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf', '/usr/share/fonts/liberation/LiberationSans-Regular.ttf', '/usr/share/fonts/TTF/LiberationSans-Regular.ttf']],
    ['Arimo', ['/usr/share/fonts/truetype/croscore/Arimo-Regular.ttf', '/usr/share/fonts/google-croscore/Arimo-Regular.ttf']],
  ];
  for (const [family, files] of candidates) if (files.some((f) => existsSync(f))) return family;
  return 'DejaVu Sans';
}

const SANS = process.platform === 'win32' ? 'Arial' : process.platform === 'darwin' ? 'Helvetica' : linuxSans();

/** PNG bytes, rendered at `scale` times the chart size (2 = crisp on high-DPI screens and in papers). */
export function renderPng(option: EChartsOption, width = 900, height = 500, scale = 2): Buffer {
  const svg = renderSvg(option, width, height);
  const r = new Resvg(svg, {
    fitTo: { mode: 'width', value: Math.round(width * scale) },
    background: '#ffffff',
    font: { loadSystemFonts: true, defaultFontFamily: SANS, sansSerifFamily: SANS },
  });
  return Buffer.from(r.render().asPng());
}
