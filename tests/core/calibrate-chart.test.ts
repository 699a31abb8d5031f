import { describe, expect, it } from 'vitest';
import { calibrationChartOption, rowLabel } from '../../core/calibrate/chart.ts';

const row = (granule: number, measured: number, before: number, after: number) => ({
  workload: `dmabench:threads=1,seconds=20,granule=${granule},dir=BIDIRECTIONAL,delay_ns=0,sg=0`, strategy: 'strict', metric: 'unmapUs.mean',
  measured, before, after, relError: (after - measured) / measured, relErrorBefore: (before - measured) / measured, source: 'f:1',
});

describe('calibration chart', () => {
  it('plots every measurement before and after on log axes spanning all values, with the diagonal', () => {
    const o = calibrationChartOption([row(1, 0.6, 2.9, 0.6), row(256, 21.2, 40.3, 21.2)], { animation: false });
    expect(o.xAxis.type).toBe('log');
    expect(o.xAxis.min).toBe(0.1);
    expect(o.xAxis.max).toBe(100);
    const [diag, before, after] = o.series;
    expect(diag.data).toEqual([[0.1, 0.1], [100, 100]]);
    expect(before.data.map((p: { value: number[] }) => p.value)).toEqual([[0.6, 2.9], [21.2, 40.3]]);
    expect(after.data[1].name).toBe('-t 1 -g 256 strict unmap');
    expect(rowLabel(row(4, 1, 1, 1))).toBe('-t 1 -g 4 strict unmap');
  });
});
