import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bootstrapDeltaCI, median, mulberry32, quantile } from '../../core/stats.ts';

/** The bootstrap as it was written first: copy each resample out and sort it for its median. */
function copyAndSortCI(a: number[], b: number[], iterations: number, seed: number): [number, number] | null {
  if (a.length < 3 || b.length < 3) return null;
  const rnd = mulberry32(seed);
  const ra = new Array<number>(a.length);
  const rb = new Array<number>(b.length);
  const deltas: number[] = [];
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < a.length; i++) ra[i] = a[Math.floor(rnd() * a.length)];
    for (let i = 0; i < b.length; i++) rb[i] = b[Math.floor(rnd() * b.length)];
    const ma = median(ra);
    const mb = median(rb);
    if (ma === 0) continue;
    deltas.push((mb / ma - 1) * 100 * Math.sign(ma));
  }
  if (deltas.length < iterations / 2) return null;
  return [quantile(deltas, 0.025), quantile(deltas, 0.975)];
}

const sample = fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constantFrom(0, -0, 1, 2, 100)), { minLength: 3, maxLength: 40 });

describe('bootstrap CI from resampled order statistics', () => {
  it('gives exactly the interval of copying and sorting every resample (ties, -0, constant sides, odd and even sizes)', () => {
    fc.assert(
      fc.property(sample, sample, fc.integer({ min: 0, max: 0xffffffff }), (a, b, seed) => {
        expect(bootstrapDeltaCI(a, b, 300, seed)).toEqual(copyAndSortCI(a, b, 300, seed));
      }),
      { numRuns: 300 },
    );
  });

  it('matches at the default iterations on a 30 x 30 comparison', () => {
    const r = mulberry32(9);
    const a = Array.from({ length: 30 }, () => 100 + r() * 10);
    const b = Array.from({ length: 30 }, () => 104 + r() * 10);
    expect(bootstrapDeltaCI(a, b)).toEqual(copyAndSortCI(a, b, 2000, 0x1b873593));
  });

  it('mulberry32 with seeds above 2^31 gives the same stream as a uint32 state', () => {
    const ref = (seed: number) => {
      let s = seed >>> 0;
      return () => {
        s = (s + 0x6d2b79f5) >>> 0;
        let t = s;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    };
    for (const seed of [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x1b873593]) {
      const x = mulberry32(seed);
      const y = ref(seed);
      for (let i = 0; i < 1000; i++) expect(x()).toBe(y());
    }
  });
});
