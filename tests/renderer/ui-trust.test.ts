import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hashFor, routeFromHash } from '../../renderer/src/lib/nav.ts';
import { rowsForWorkload, withDerived } from '../../renderer/src/lib/metrics.ts';
import { sweepValuesOf } from '../../renderer/src/lib/experiment.ts';

function luminance(hex: string): number {
  const n = parseInt(hex.slice(1), 16);
  const c = [16, 8, 0].map((s) => ((n >> s) & 255) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}
const ratio = (a: string, b: string) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};

describe('muted text contrast', () => {
  const css = readFileSync(new URL('../../renderer/src/styles/app.css', import.meta.url), 'utf8');
  const themes = css.split('@media (prefers-color-scheme: dark)');
  for (const [name, block] of [['light', themes[0]], ['dark', themes[1]]] as const) {
    it(`is at least 4.5:1 on every background in the ${name} theme`, () => {
      const v = (k: string) => new RegExp(`--${k}:\\s*(#[0-9a-fA-F]{6})`).exec(block)![1];
      for (const fg of ['fg-2', 'fg-3']) for (const bg of ['bg', 'bg-2', 'bg-3']) {
        expect(ratio(v(fg), v(bg)), `${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
      }
    });
  }
});

describe('deep links', () => {
  it('name the open run, sweep or diff and survive a round trip', () => {
    for (const r of [{ view: 'comparison', run: 'abcd1234' }, { view: 'comparison', sweep: 'sw12ab' }, { view: 'diff', diff: { a: 'aaaa1', b: 'bbbb2' } }, { view: 'history' }] as const) {
      expect(routeFromHash(hashFor(r))).toEqual(r);
    }
  });
  it('ignore malformed ids', () => {
    expect(routeFromHash('#/comparison/run/../../x')).toEqual({ view: 'comparison' });
  });
});

describe('dma_map_benchmark runs', () => {
  it('show map/unmap µs ± sd, not throughput or IO latency', () => {
    const keys = rowsForWorkload('dmabench').map((r) => r.key);
    expect(keys).toContain('mapUs.mean');
    expect(keys).toContain('unmapUs.mean');
    expect(keys).not.toContain('throughputMiBps');
    expect(keys.some((k) => k.startsWith('latencyUs.'))).toBe(false);
    expect(rowsForWorkload('dmabench').find((r) => r.key === 'mapUs.mean')!.label).toMatch(/± sd/);
  });
});

describe('CPU per IO', () => {
  it('is CPU per GiB times the mean IO size', () => {
    const s = (median: number) => ({ n: 1, median, spreadPct: null, ci95: null });
    const [d] = withDerived([{ 'cpuSecondsPerGiB.total': s(1), bytes: s(4096 * 1000), ios: s(1000) }]);
    expect(d.cpuUsPerIo!.median).toBeCloseTo((4096 / 1024 ** 3) * 1e6, 6);
  });
});

describe('sweep values in the Experiment form', () => {
  it('expand ranges and say what is wrong in words', () => {
    expect(sweepValuesOf('4k..32k').values).toEqual(['4k', '8k', '16k', '32k']);
    expect(sweepValuesOf('32k..4k', 'bs').error).toMatch(/end is above its start/);
  });
});
