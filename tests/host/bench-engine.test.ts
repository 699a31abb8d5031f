/** `bench`'s engine figures: the ratio to the bare loop comes from runs paired in the same thread. */
import { describe, expect, it } from 'vitest';
import { benchStrategy } from '../../electron/cli/bench.ts';

describe('bench engine figures', () => {
  it('reports each size with a ratio to the bare loop from paired runs, and the first run only on the first size', () => {
    const figures = benchStrategy('passthrough', [20_000, 40_000], 3);
    expect(figures.map((f) => f.ios)).toEqual([20_000, 40_000]);
    for (const f of figures) {
      expect(f.iosPerCpuSecond).toBeGreaterThan(0);
      expect(f.cpuSeconds).toBeGreaterThan(0);
      // A ratio of CPU times of two runs of a few milliseconds each: positive and finite, not NaN
      // as when the bare loop was timed apart from the engine.
      expect(Number.isFinite(f.ratioToBareLoop)).toBe(true);
      expect(f.ratioToBareLoop).toBeGreaterThan(0);
    }
    expect(figures[0].coldIosPerCpuSecond).toBeGreaterThan(0);
    expect(figures[1].coldIosPerCpuSecond).toBeNull();
  });
});
