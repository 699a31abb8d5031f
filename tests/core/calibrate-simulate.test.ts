import { describe, expect, it } from 'vitest';
import { getPath, spreadFields, withValues } from '../../core/calibrate/params.ts';
import { pointKey, Simulator, toolFigureUs } from '../../core/calibrate/simulate.ts';
import { simulateStrategy } from '../../core/engine/run.ts';
import { builtInProfile } from '../../core/profiles/schema.ts';
import { parseStrategy } from '../../core/strategies.ts';
import type { DmaBenchWorkload, HardwareProfile } from '../../core/types.ts';

const dmab = (threads: number, granulePages: number, seconds = 10): DmaBenchWorkload => ({
  kind: 'dmabench', threads, seconds, granulePages, dir: 'BIDIRECTIONAL', delayNs: 0, sg: false, skipCpuSync: false,
});

function smooth(id: string): HardwareProfile {
  const p = builtInProfile(id);
  for (const f of spreadFields(p)) {
    const keys = f.split('.');
    (getPath(p, keys.slice(0, -1).join('.')) as Record<string, number>)[keys[keys.length - 1]] = 0;
  }
  return p;
}

describe('the fit\'s simulator measures dma_map_benchmark points as a long run sees them', () => {
  it('lazy: the mean over whole flush-queue cycles after the warm-up is the long run\'s mean', () => {
    const base = smooth('vtd');
    const pt = { workload: dmab(1, 8), strategy: 'lazy' };
    const got = new Simulator([pt], base).run(base).get(pointKey(pt))!;
    // A long run's increments between 20 and 40 ms: far past the warm-up, hundreds of flush cycles.
    const run = (s: number) => simulateStrategy(base, parseStrategy('lazy'), dmab(1, 8, s), 1).metrics;
    const [a, b] = [run(0.02), run(0.04)];
    const inc = (ma: number, na: number, mb: number, nb: number) => (mb * nb - ma * na) / (nb - na);
    expect(got.mapUs.mean).toBeCloseTo(inc(a.mapUs.mean, a.mapCalls, b.mapUs.mean, b.mapCalls), 2);
    expect(got.unmapUs.mean).toBeCloseTo(inc(a.unmapUs.mean, a.unmapCalls, b.unmapUs.mean, b.unmapCalls), 2);
  });

  it('lazy: the mean moves smoothly with a cost (no flush gained or lost at a window edge)', () => {
    // The map cost moves every loop's duration, hence where a fixed-time window would cut the
    // flush cycles; the unmap mean does not depend on it at all and must not move.
    const base = smooth('vtd');
    const pt = { workload: dmab(1, 8), strategy: 'lazy' };
    const sim = new Simulator([pt], base);
    const b0 = base.iommu.mapCallNs;
    const unmaps: number[] = [];
    const maps: number[] = [];
    for (let k = 0; k <= 12; k++) {
      const m = sim.run(withValues(base, new Map([['iommu.mapCallNs', b0 * (0.85 + 0.025 * k)]]))).get(pointKey(pt))!;
      unmaps.push(m.unmapUs.mean);
      maps.push(m.mapUs.mean);
    }
    for (const u of unmaps) expect(Math.abs(u - unmaps[0]) / unmaps[0]).toBeLessThan(1e-6);
    // The map mean is linear in the map call's cost: equal steps, to 1e-6 µs.
    for (let k = 2; k < maps.length; k++) expect(Math.abs(maps[k] - 2 * maps[k - 1] + maps[k - 2])).toBeLessThan(1e-6);
  });

  it('the tool\'s printed figure is the engine\'s 100 ns arithmetic to within three quarters of a printed unit', () => {
    // dma_map_benchmark output is fitted as the tool prints it; the fit's smooth version of its
    // truncation must agree with the engine's exact tool arithmetic (with the profiles' jitter).
    for (const [id, g] of [['morello', 1], ['morello', 256], ['vtd', 1], ['smmuv3', 8], ['grace-vcmdq', 1]] as const) {
      const m = simulateStrategy(builtInProfile(id), parseStrategy('strict'), dmab(1, g, 0.01), 1).metrics;
      expect(Math.abs(toolFigureUs(m.mapUs.mean) - m.dmaBenchTool!.map.mean), `${id} -g ${g} map`).toBeLessThanOrEqual(0.075 + 1e-9);
      expect(Math.abs(toolFigureUs(m.unmapUs.mean) - m.dmaBenchTool!.unmap.mean), `${id} -g ${g} unmap`).toBeLessThanOrEqual(0.075 + 1e-9);
    }
  });
});
