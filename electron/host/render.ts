/**
 * Charts to files without a browser: ECharts' server-side SVG renderer, and PNG by rasterising
 * that SVG with @resvg/resvg-js. Options come from the pure builders in core/charts.ts.
 */
import * as echarts from 'echarts';
import { Resvg } from '@resvg/resvg-js';
import type { EChartsOption } from '../../core/charts.ts';

export function renderSvg(option: EChartsOption, width = 900, height = 500): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ ...option, animation: false });
    const svg = chart.renderToSVGString();
    return svg.startsWith('<?xml') ? svg : `<?xml version="1.0" encoding="UTF-8"?>\n${svg}`;
  } finally {
    chart.dispose();
  }
}

const SANS = process.platform === 'win32' ? 'Arial' : process.platform === 'darwin' ? 'Helvetica' : 'DejaVu Sans';

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
