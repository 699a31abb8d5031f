/**
 * The Mann-Whitney test on small samples with ties (replications of a deterministic simulator
 * often give identical values) uses the exact permutation distribution, as benchstat does. The
 * normal approximation said p=0.047 for 3 vs 3 fully separated samples, below the exact minimum
 * of 0.1, so `diff` read such a change as significant while the same change without ties read `~`.
 */
import { describe, expect, it } from 'vitest';
import { compareSamples, mannWhitneyU } from '../../core/stats.ts';

describe('Mann-Whitney with ties', () => {
  it('gives the same p for 3 vs 3 separated samples with or without ties', () => {
    const tied = mannWhitneyU([797.8, 797.8, 797.8], [684.6, 684.6, 684.6])!;
    const untied = mannWhitneyU([797.7, 797.8, 797.9], [684.5, 684.6, 684.7])!;
    expect(untied.p).toBeCloseTo(0.1, 9);
    expect(tied.p).toBeCloseTo(0.1, 9);
    expect(compareSamples([797.8, 797.8, 797.8], [684.6, 684.6, 684.6]).text).toBe('~');
  });

  it('reaches 2/252 for 5 vs 5 separated samples with ties, and 1 for identical samples', () => {
    expect(mannWhitneyU([1, 1, 1, 1, 1], [2, 2, 2, 2, 2])!.p).toBeCloseTo(2 / 252, 9);
    expect(compareSamples([1, 1, 1, 1, 1], [2, 2, 2, 2, 2]).text).toBe('+100%');
    expect(mannWhitneyU([5, 5, 5], [5, 5, 5])!.p).toBe(1);
  });

  it('matches a brute-force permutation count with partial ties', () => {
    const a = [1, 2, 2, 3, 4];
    const b = [2, 3, 5, 6, 7];
    const all = [...a, ...b];
    const rank = (v: number) => {
      const below = all.filter((x) => x < v).length;
      const eq = all.filter((x) => x === v).length;
      return below + (eq + 1) / 2;
    };
    const ranks = all.map(rank);
    const mean = (a.length * (all.length + 1)) / 2;
    const obs = Math.abs(a.reduce((s, v) => s + rank(v), 0) - mean);
    let tail = 0;
    let total = 0;
    for (let m = 0; m < 1 << all.length; m++) {
      let bits = 0;
      let sum = 0;
      for (let i = 0; i < all.length; i++) if (m & (1 << i)) { bits++; sum += ranks[i]; }
      if (bits !== a.length) continue;
      total++;
      if (Math.abs(sum - mean) >= obs - 1e-9) tail++;
    }
    expect(mannWhitneyU(a, b)!.p).toBeCloseTo(tail / total, 12);
  });
});
