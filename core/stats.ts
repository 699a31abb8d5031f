/**
 * benchstat-style statistics over replications: medians with their spread, a 95% confidence
 * interval for the change between two sets of samples (seeded bootstrap, reproducible), the
 * two-sided Mann-Whitney U test, geometric means, and the reading rules (`~` when not
 * significant or when there are too few samples). Pure, deterministic, no wall clock.
 */

/** Below this many samples per side a comparison is reported but flagged (benchstat warns too). */
export const MIN_SAMPLES_WARN = 5;
/** Below this many samples per side no p-value or CI is computed and the delta reads `~`. */
export const MIN_SAMPLES_TEST = 3;
export const DEFAULT_ALPHA = 0.05;
const BOOTSTRAP_ITERATIONS = 2000;
const BOOTSTRAP_SEED = 0x1b873593;

/** mulberry32: small, fast, seeded PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  // State kept as int32 (`| 0`, not `>>> 0`): a uint32 above 2^31 is no small integer, so the
  // captured variable would be a heap-allocated double on every draw. Every use below reads it
  // through ToInt32/ToUint32, so the stream is the same.
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function finite(xs: readonly number[]): number[] {
  return xs.filter((x) => Number.isFinite(x));
}

/** Finite values in ascending order, -0 read as 0 so that order statistics do not depend on input order. */
function sorted(xs: readonly number[]): number[] {
  return finite(xs).map((x) => x + 0).sort((a, b) => a - b);
}

/** Median of the finite values; NaN for none. */
export function median(xs: readonly number[]): number {
  const s = sorted(xs);
  return medianSorted(s);
}

function medianSorted(s: readonly number[]): number {
  const n = s.length;
  if (n === 0) return NaN;
  const h = n >> 1;
  return n % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

export function mean(xs: readonly number[]): number {
  const f = finite(xs);
  if (f.length === 0) return NaN;
  let sum = 0;
  for (const x of f) sum += x;
  return sum / f.length;
}

/** Linear-interpolated quantile (type 7) of the finite values, q in [0, 1]. */
export function quantile(xs: readonly number[], q: number): number {
  return quantileSorted(sorted(xs), q);
}

function quantileSorted(s: ArrayLike<number>, q: number): number {
  if (s.length === 0) return NaN;
  const pos = Math.min(1, Math.max(0, q)) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Geometric mean of positive finite values; null when there are none. */
export function geomean(xs: readonly number[]): number | null {
  const f = xs.filter((x) => Number.isFinite(x) && x > 0);
  if (f.length === 0) return null;
  let s = 0;
  for (const x of f) s += Math.log(x);
  return Math.exp(s / f.length);
}

function binomCdfHalf(k: number, n: number): number {
  // P(X <= k), X ~ Binomial(n, 1/2), computed in log space for stability.
  if (k < 0) return 0;
  if (k >= n) return 1;
  let logC = 0; // log C(n, 0)
  let total = 0;
  const logHalfN = n * Math.log(0.5);
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log((n - i + 1) / i);
    total += Math.exp(logC + logHalfN);
  }
  return Math.min(1, total);
}

/**
 * Distribution-free 95% confidence interval of the median from order statistics:
 * [x_(k), x_(n-k+1)] with the largest k such that the coverage is at least 95%. Null below 6 samples.
 */
export function medianCI(xs: readonly number[], confidence = 0.95): [number, number] | null {
  const s = sorted(xs);
  const n = s.length;
  const tail = (1 - confidence) / 2;
  let k = 0;
  while (k + 1 <= n && binomCdfHalf(k, n) <= tail) k++;
  // k is now the count of order statistics we may drop on each side + 1 (1-based index of the lower bound).
  if (k < 1) return null;
  return [s[k - 1], s[n - k]];
}

export interface SampleSummary {
  n: number;
  median: number;
  mean: number;
  min: number;
  max: number;
  /** Largest deviation from the median relative to the median, in percent (benchstat's ±). */
  spreadPct: number | null;
  ci95: [number, number] | null;
}

export function summarize(xs: readonly number[]): SampleSummary {
  const s = sorted(xs);
  const n = s.length;
  if (n === 0) return { n: 0, median: NaN, mean: NaN, min: NaN, max: NaN, spreadPct: null, ci95: null };
  const med = medianSorted(s);
  const spread = n >= 2 && med !== 0 ? (Math.max(med - s[0], s[n - 1] - med) / Math.abs(med)) * 100 : null;
  return { n, median: med, mean: mean(s), min: s[0], max: s[n - 1], spreadPct: spread, ci95: medianCI(s) };
}

// ---------------------------------------------------------------------------------------------
// Mann-Whitney U

function normalSf(z: number): number {
  // Upper tail of the standard normal, via erfc (Abramowitz-Stegun 7.1.26 is too coarse for small p,
  // so use a continued-fraction-free rational approximation with ~1e-7 relative accuracy).
  return 0.5 * erfc(z / Math.SQRT2);
}

function erfc(x: number): number {
  // W. J. Cody-style approximation via the complementary error function of Numerical Recipes (erfcc).
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
    + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
    + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

const exactUCache = new Map<number, Float64Array>();

/** Number of arrangements giving each U value for sizes (n1, n2), no ties: exact null distribution (memoised: pure in n1, n2). */
function exactUCounts(n1: number, n2: number): Float64Array {
  const key = n1 * 1024 + n2;
  let counts = exactUCache.get(key);
  if (!counts) {
    counts = computeExactUCounts(n1, n2);
    exactUCache.set(key, counts);
  }
  return counts;
}

function computeExactUCounts(n1: number, n2: number): Float64Array {
  // f(i, j, u): counts for sizes i, j. Recurrence f(i,j,u) = f(i-1,j,u-j) + f(i,j-1,u).
  const max = n1 * n2;
  let prev: Float64Array[] = [];
  for (let j = 0; j <= n2; j++) {
    const a = new Float64Array(max + 1);
    a[0] = 1;
    prev.push(a);
  }
  for (let i = 1; i <= n1; i++) {
    const cur: Float64Array[] = [];
    const a0 = new Float64Array(max + 1);
    a0[0] = 1;
    cur.push(a0);
    for (let j = 1; j <= n2; j++) {
      const a = new Float64Array(max + 1);
      const left = prev[j];
      const down = cur[j - 1];
      for (let u = 0; u <= i * j; u++) a[u] = (u >= j ? left[u - j] : 0) + down[u];
      cur.push(a);
    }
    prev = cur;
  }
  return prev[n2];
}

/** Largest n1 + n2 for the exact test with ties (the count table is N x n1 x 2N^2 at most). */
const EXACT_TIES_MAX_N = 40;

/**
 * Exact two-sided p-value of the Mann-Whitney test with ties: among all C(N, n1) ways to choose
 * which sorted values belong to sample A, the share whose midrank sum lies at least as far from
 * its mean as the observed one. Counted by dynamic programming over (size, doubled rank sum).
 */
function exactTiedP(sortedValues: number[], n1: number, rankSumA: number): number {
  const N = sortedValues.length;
  // Doubled midranks are integers.
  const ranks2: number[] = [];
  for (let i = 0; i < N;) {
    let j = i;
    while (j + 1 < N && sortedValues[j + 1] === sortedValues[i]) j++;
    for (let k = i; k <= j; k++) ranks2.push(i + j + 2);
    i = j + 1;
  }
  const maxSum = ranks2.reduce((a, b) => a + b, 0);
  // counts[k][s]: subsets of size k with doubled rank sum s.
  const counts: Float64Array[] = Array.from({ length: n1 + 1 }, () => new Float64Array(maxSum + 1));
  counts[0][0] = 1;
  for (const r of ranks2) {
    for (let k = n1; k >= 1; k--) {
      const dst = counts[k];
      const src = counts[k - 1];
      for (let s2 = maxSum; s2 >= r; s2--) if (src[s2 - r] !== 0) dst[s2] += src[s2 - r];
    }
  }
  const mean2 = n1 * (N + 1);
  const obs = Math.abs(2 * rankSumA - mean2);
  let total = 0;
  let tail = 0;
  const row = counts[n1];
  for (let s2 = 0; s2 <= maxSum; s2++) {
    const c = row[s2];
    if (c === 0) continue;
    total += c;
    if (Math.abs(s2 - mean2) >= obs - 1e-9) tail += c;
  }
  return Math.min(1, tail / total);
}

export interface MannWhitney {
  u: number;
  p: number;
  exact: boolean;
}

/**
 * Two-sided Mann-Whitney U test. Exact when both samples are small (as benchstat does; with ties,
 * the exact permutation distribution of midranks), otherwise the normal approximation with tie
 * and continuity corrections.
 * Null when either sample is empty.
 */
export function mannWhitneyU(aIn: readonly number[], bIn: readonly number[]): MannWhitney | null {
  const a = finite(aIn);
  const b = finite(bIn);
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return null;
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const N = n1 + n2;
  let rankSumA = 0;
  let tieTerm = 0;
  let ties = false;
  for (let i = 0; i < N;) {
    let j = i;
    while (j + 1 < N && all[j + 1].v === all[i].v) j++;
    const t = j - i + 1;
    const avg = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) if (all[k].g === 0) rankSumA += avg;
    if (t > 1) {
      ties = true;
      tieTerm += t * t * t - t;
    }
    i = j + 1;
  }
  const uA = rankSumA - (n1 * (n1 + 1)) / 2;
  const uMin = Math.min(uA, n1 * n2 - uA);
  if (ties && N <= EXACT_TIES_MAX_N) {
    // Small samples with ties (typical of a deterministic simulator: replications that give the
    // same value): the exact permutation distribution of the midrank sum, as benchstat does. The
    // normal approximation gave p=0.047 for 3 vs 3 fully separated tied samples, below the exact
    // minimum of 0.1, so such a change read as significant with as few samples as that.
    return { u: uA, p: exactTiedP(all.map((x) => x.v), n1, rankSumA), exact: true };
  }
  if (!ties && n1 <= 50 && n2 <= 50) {
    const counts = exactUCounts(n1, n2);
    let total = 0;
    for (const c of counts) total += c;
    let tail = 0;
    for (let u = 0; u <= Math.floor(uMin + 1e-9); u++) tail += counts[u];
    return { u: uA, p: Math.min(1, (2 * tail) / total), exact: true };
  }
  const mu = (n1 * n2) / 2;
  const sigma2 = ((n1 * n2) / 12) * (N + 1 - tieTerm / (N * (N - 1)));
  if (!(sigma2 > 0)) return { u: uA, p: 1, exact: false };
  const z = (Math.abs(uA - mu) - 0.5) / Math.sqrt(sigma2);
  return { u: uA, p: Math.min(1, Math.max(0, 2 * normalSf(Math.max(0, z)))), exact: false };
}

// ---------------------------------------------------------------------------------------------
// Comparison of two sample sets

/**
 * Percentile bootstrap 95% CI of the relative change of the median, (median(b)/median(a) - 1) * 100.
 * Deterministic (fixed seed). Null with fewer than MIN_SAMPLES_TEST samples on a side or a zero median.
 *
 * A resample's median is an order statistic of the sorted sample: each side is sorted once, a
 * resample only counts how often each rank was drawn (the same draws, in the same order, as
 * copying values out), and its median is read off the cumulative counts. O(n) per resample instead
 * of a comparator sort; the interval is the same number for the same seed.
 */
export function bootstrapDeltaCI(aIn: readonly number[], bIn: readonly number[], iterations = BOOTSTRAP_ITERATIONS, seed = BOOTSTRAP_SEED): [number, number] | null {
  const a = finite(aIn);
  const b = finite(bIn);
  if (a.length < MIN_SAMPLES_TEST || b.length < MIN_SAMPLES_TEST) return null;
  const A = new RankedSample(a);
  const B = new RankedSample(b);
  // mulberry32's state, advanced in place by the resamples (the same stream as mulberry32(seed)).
  const state = new Int32Array([seed | 0]);
  const deltas = new Float64Array(iterations);
  let n = 0;
  let k = 0;
  for (let it = 0; it < iterations; it++) {
    const ma = A.resampleMedian(state);
    const mb = B.resampleMedian(state);
    if (ma === 0) continue;
    n++;
    const d = (mb / ma - 1) * 100 * Math.sign(ma);
    // As sorted(): finite values only, -0 read as 0; a typed array sorts numerically without a comparator.
    if (Number.isFinite(d)) deltas[k++] = d + 0;
  }
  if (n < iterations / 2) return null;
  const s = deltas.subarray(0, k).sort();
  return [quantileSorted(s, 0.025), quantileSorted(s, 0.975)];
}

const MULBERRY_STEP = 0x6d2b79f5;

/** A sample sorted once, with the rank of each original position, for resampled order statistics. */
class RankedSample {
  private readonly n: number;
  private readonly values: Float64Array;
  private readonly rankOf: Int32Array;
  private readonly counts: Int32Array;
  /** Every value equal: any resample's median is that value. */
  private readonly constant: boolean;

  constructor(xs: readonly number[]) {
    const n = xs.length;
    this.n = n;
    // -0 reads as 0, as median() does.
    const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (xs[i] + 0) - (xs[j] + 0) || i - j);
    this.values = new Float64Array(n);
    this.rankOf = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      this.values[r] = xs[order[r]] + 0;
      this.rankOf[order[r]] = r;
    }
    this.counts = new Int32Array(n);
    this.constant = this.values[0] === this.values[n - 1];
  }

  /**
   * Median of n draws with replacement: draw i picks position floor(u * n) with u the next
   * mulberry32 output, as copying the values out would. mulberry32's state is a counter (the
   * output is a hash of it), so a constant sample skips its n draws in one addition.
   */
  resampleMedian(state: Int32Array): number {
    const n = this.n;
    if (this.constant) {
      state[0] = (state[0] + Math.imul(n, MULBERRY_STEP)) | 0;
      return this.values[0];
    }
    const counts = this.counts;
    const rankOf = this.rankOf;
    counts.fill(0);
    let a = state[0];
    for (let i = 0; i < n; i++) {
      a = (a + MULBERRY_STEP) | 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      counts[rankOf[Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n)]]++;
    }
    state[0] = a;
    const h = n >> 1;
    // Order statistics h (and h - 1 for even n), 0-based, of the resample.
    let acc = 0;
    let r = 0;
    while (acc + counts[r] <= h - 1) acc += counts[r++];
    const lo = this.values[r];
    if (n % 2) {
      while (acc + counts[r] <= h) acc += counts[r++];
      return this.values[r];
    }
    while (acc + counts[r] <= h) acc += counts[r++];
    return (lo + this.values[r]) / 2;
  }
}

export interface Comparison {
  nA: number;
  nB: number;
  medianA: number;
  medianB: number;
  deltaPct: number | null;
  ci95Pct: [number, number] | null;
  p: number | null;
  significant: boolean;
  /** benchstat's delta column: `+1.23%`, `-4.00%`, or `~`. */
  text: string;
  /** True when either side has fewer than MIN_SAMPLES_WARN samples. */
  fewSamples: boolean;
}

export function formatPct(x: number): string {
  const s = Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
  return `${x > 0 ? '+' : ''}${s}%`;
}

/** Compare b against a, benchstat's way. */
export function compareSamples(a: readonly number[], b: readonly number[], alpha = DEFAULT_ALPHA): Comparison {
  const fa = finite(a);
  const fb = finite(b);
  const ma = median(fa);
  const mb = median(fb);
  const deltaPct = fa.length && fb.length && ma !== 0 ? ((mb - ma) / Math.abs(ma)) * 100 : (fa.length && fb.length && ma === 0 && mb === 0 ? 0 : null);
  const enough = fa.length >= MIN_SAMPLES_TEST && fb.length >= MIN_SAMPLES_TEST;
  const mw = enough ? mannWhitneyU(fa, fb) : null;
  const p = mw ? mw.p : null;
  const significant = p !== null && p < alpha && deltaPct !== null && deltaPct !== 0;
  return {
    nA: fa.length,
    nB: fb.length,
    medianA: ma,
    medianB: mb,
    deltaPct,
    ci95Pct: enough ? bootstrapDeltaCI(fa, fb) : null,
    p,
    significant,
    text: significant ? formatPct(deltaPct!) : '~',
    fewSamples: fa.length < MIN_SAMPLES_WARN || fb.length < MIN_SAMPLES_WARN,
  };
}
