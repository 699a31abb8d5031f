import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bootstrapDeltaCI, compareSamples, geomean, mannWhitneyU, median, medianCI, MIN_SAMPLES_WARN, quantile, summarize,
} from '../../core/stats.ts';

const sample = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 30 });
const positive = fc.array(fc.double({ min: 0.001, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 20 });

describe('median and summaries', () => {
  it('median lies between min and max and ignores order', () => {
    fc.assert(fc.property(sample, (xs) => {
      const m = median(xs);
      expect(m).toBeGreaterThanOrEqual(Math.min(...xs));
      expect(m).toBeLessThanOrEqual(Math.max(...xs));
      expect(median([...xs].reverse())).toBe(m);
    }));
  });

  it('median does not depend on the order of 0 and -0', () => {
    expect(median([0, -0, -5e-324])).toBe(median([-5e-324, -0, 0]));
    expect(Object.is(median([-0, 0, 1]), 0)).toBe(true);
  });

  it('median of known samples', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(Number.isNaN(median([]))).toBe(true);
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
  });

  it('the order-statistics CI of the median contains the median and needs 6 samples', () => {
    expect(medianCI([1, 2, 3, 4, 5])).toBeNull();
    fc.assert(fc.property(fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 6, maxLength: 40 }), (xs) => {
      const ci = medianCI(xs)!;
      const m = median(xs);
      expect(ci[0]).toBeLessThanOrEqual(m);
      expect(ci[1]).toBeGreaterThanOrEqual(m);
    }));
  });

  it('spread is benchstat\'s largest deviation from the median in percent', () => {
    const s = summarize([100, 102, 98, 101, 99]);
    expect(s.median).toBe(100);
    expect(s.spreadPct).toBeCloseTo(2);
    expect(summarize([5]).spreadPct).toBeNull();
  });

  it('geometric mean of positive values; null without any', () => {
    expect(geomean([1, 4, 16])).toBeCloseTo(4);
    expect(geomean([0, -1])).toBeNull();
    fc.assert(fc.property(positive, (xs) => {
      const g = geomean(xs)!;
      expect(g).toBeGreaterThanOrEqual(Math.min(...xs) * (1 - 1e-9));
      expect(g).toBeLessThanOrEqual(Math.max(...xs) * (1 + 1e-9));
    }));
  });
});

describe('Mann-Whitney U', () => {
  it('matches the exact two-sided p-value of separated samples (benchstat: p=0.008 for 5 vs 5)', () => {
    const r = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])!;
    expect(r.exact).toBe(true);
    expect(r.p).toBeCloseTo(2 / 252, 6);
    expect(mannWhitneyU([1, 2, 3, 4], [5, 6, 7, 8])!.p).toBeCloseTo(2 / 70, 6);
  });

  it('p is in [0, 1] and symmetric in its arguments', () => {
    fc.assert(fc.property(sample, sample, (a, b) => {
      const x = mannWhitneyU(a, b)!;
      const y = mannWhitneyU(b, a)!;
      expect(x.p).toBeGreaterThanOrEqual(0);
      expect(x.p).toBeLessThanOrEqual(1);
      expect(x.p).toBeCloseTo(y.p, 9);
    }));
  });

  it('identical samples are never significant', () => {
    fc.assert(fc.property(sample, (a) => {
      expect(mannWhitneyU(a, [...a])!.p).toBeGreaterThan(0.05);
    }));
  });

  it('depends only on ranks: exact scaling or mirroring both samples keeps p', () => {
    fc.assert(fc.property(positive, positive, (a, b) => {
      const p1 = mannWhitneyU(a, b)!.p;
      expect(mannWhitneyU(a.map((x) => x * 4), b.map((x) => x * 4))!.p).toBeCloseTo(p1, 9);
      expect(mannWhitneyU(a.map((x) => -x), b.map((x) => -x))!.p).toBeCloseTo(p1, 9);
    }));
  });
});

describe('comparisons, benchstat style', () => {
  it('reads ~ with too few samples and warns', () => {
    const c = compareSamples([100], [150]);
    expect(c.text).toBe('~');
    expect(c.p).toBeNull();
    expect(c.deltaPct).toBeCloseTo(50);
    expect(c.fewSamples).toBe(true);
  });

  it('reports a clear shift as significant with a CI around the change', () => {
    const a = [100, 101, 99, 100.5, 99.5, 100.2];
    const b = a.map((x) => x * 1.2);
    const c = compareSamples(a, b);
    expect(c.significant).toBe(true);
    expect(c.text).toMatch(/^\+20\.0%$/);
    expect(c.ci95Pct![0]).toBeLessThanOrEqual(20.0001);
    expect(c.ci95Pct![1]).toBeGreaterThanOrEqual(19.9999);
    expect(c.fewSamples).toBe(a.length < MIN_SAMPLES_WARN);
  });

  it('reads ~ when the samples overlap', () => {
    const c = compareSamples([10, 12, 11, 13, 9], [11, 10, 12, 13, 9.5]);
    expect(c.significant).toBe(false);
    expect(c.text).toBe('~');
  });

  it('the bootstrap CI is ordered, deterministic and scale-free', () => {
    fc.assert(fc.property(
      fc.array(fc.double({ min: 1, max: 1e4, noNaN: true }), { minLength: 3, maxLength: 12 }),
      fc.array(fc.double({ min: 1, max: 1e4, noNaN: true }), { minLength: 3, maxLength: 12 }),
      fc.double({ min: 0.5, max: 1000, noNaN: true }),
      (a, b, k) => {
        const ci = bootstrapDeltaCI(a, b)!;
        expect(ci[0]).toBeLessThanOrEqual(ci[1]);
        expect(bootstrapDeltaCI(a, b)).toEqual(ci);
        const scaled = bootstrapDeltaCI(a.map((x) => x * k), b.map((x) => x * k))!;
        expect(scaled[0]).toBeCloseTo(ci[0], 6);
        expect(scaled[1]).toBeCloseTo(ci[1], 6);
      },
    ), { numRuns: 50 });
  });
});
