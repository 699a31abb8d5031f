/**
 * Charts written to files (SVG, PNG) name every series: the interactive charts use a paged
 * `scroll` legend, which in a file showed its first page only (half a sweep's curves unnamed).
 */
import { describe, expect, it } from 'vitest';
import { renderSvg, staticLegend } from '../../electron/host/render.ts';
import type { EChartsOption } from '../../core/charts.ts';

function lines(n: number): EChartsOption {
  const names = Array.from({ length: n }, (_, i) => `dart-16k iodepth=${i} bounce-pool`);
  return {
    animation: false,
    legend: { bottom: 0, type: 'scroll' },
    grid: { left: 70, right: 30, top: 70, bottom: 70, containLabel: true },
    xAxis: { type: 'category', data: ['4k', '16k', '64k'] },
    yAxis: { type: 'value', name: 'Throughput (MiB/s)' },
    series: names.map((name, i) => ({ name, type: 'line', data: [i, i + 1, i + 2] })),
  } as EChartsOption;
}

describe('legends of exported charts', () => {
  it('lay every entry out on as many rows as needed and move the plot up', () => {
    const o = staticLegend(lines(8), 900);
    expect((o.legend as { type: string }).type).toBe('plain');
    expect((o.grid as { bottom: number }).bottom).toBeGreaterThan(70);
    const one = staticLegend(lines(1), 900);
    expect((one.grid as { bottom: number }).bottom).toBe(70);
  });

  it('leave hidden legends alone', () => {
    const o = { ...lines(2), legend: { show: false } } as EChartsOption;
    expect(staticLegend(o, 900)).toBe(o);
  });

  it('the SVG names all eight series of a sweep chart', () => {
    const svg = renderSvg(lines(8), 900, 500);
    for (let i = 0; i < 8; i++) expect(svg).toContain(`dart-16k iodepth=${i} bounce-pool`);
  });
});
