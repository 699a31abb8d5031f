/** `bench`'s engine figures: the ratio to the bare loop comes from runs paired in the same thread. */
import { describe, expect, it } from 'vitest';
import { benchStrategy, MIN_SAMPLE_CPU_SECONDS, timePerCall } from '../../electron/cli/bench.ts';

describe('bench engine figures', () => {
  it('reports each size with a ratio to the bare loop from paired runs, and the first run only on the first size', () => {
    const figures = benchStrategy('passthrough', [20_000, 40_000], 3);
    expect(figures.map((f) => f.ios)).toEqual([20_000, 40_000]);
    for (const f of figures) {
      expect(f.iosPerCpuSecond).toBeGreaterThan(0);
      expect(Number.isFinite(f.iosPerCpuSecond)).toBe(true);
      expect(f.cpuSeconds).toBeGreaterThan(0);
      // A ratio of CPU times of two runs of a few milliseconds each: positive and finite, not NaN
      // as when the bare loop was timed apart from the engine, nor 0 or infinite as when a 4 ms
      // thread clock read one of them as 0.
      expect(Number.isFinite(f.ratioToBareLoop)).toBe(true);
      expect(f.ratioToBareLoop).toBeGreaterThan(0);
    }
    expect(figures[0].coldIosPerCpuSecond).toBeGreaterThan(0);
    expect(figures[1].coldIosPerCpuSecond).toBeNull();
  });

  it('reads a call much shorter than the CPU clock tick to within one tick over the sample', () => {
    // A thread clock that steps in 4 ms jiffies, and calls of 1.3 ms: one call reads 0 or 4 ms.
    const tickSeconds = 0.004;
    let virtualSeconds = 0.0017;
    const clock = () => Math.floor(virtualSeconds / tickSeconds) * tickSeconds;
    const call = () => { virtualSeconds += 0.0013; };
    const one = timePerCall(call, clock, 0);
    expect(one.calls).toBe(1);
    expect([0, tickSeconds]).toContain(Math.round(one.cpu * 1e6) / 1e6);
    const sampled = timePerCall(call, clock, MIN_SAMPLE_CPU_SECONDS);
    expect(sampled.calls).toBeGreaterThan(70);
    expect(Math.abs(sampled.cpu - 0.0013) * sampled.calls).toBeLessThanOrEqual(tickSeconds + 1e-12);
  });
});
