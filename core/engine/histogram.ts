/**
 * Streaming log-linear histogram (HdrHistogram-like): 64 sub-buckets per power of two from
 * 1/64 us up, so any quantile is within 1.6% of the exact value, memory is fixed whatever the
 * number of samples, and merging is adding counts. Mean, stddev and max are kept exactly.
 */
import { doubleFields } from './shape.ts';

import { HIST_BUCKETS as NBUCKETS, HIST_MAX_EXP as MAX_EXP, HIST_MIN_EXP as MIN_EXP, HIST_SUB as SUB } from './constants.ts';

export class Histogram {
  readonly counts = new Float64Array(NBUCKETS);
  sum = 0;
  sumSq = 0;
  max = 0;
  min = Infinity;

  constructor() {
    doubleFields(this, 'sum', 'sumSq', 'max');
  }

  /**
   * Samples recorded: the sum of the counts (each record adds 1 to one bucket; exact in doubles
   * up to 2^53). Worked out when read, at the end of a run, rather than counted by every record:
   * three records per simulated IO.
   */
  get n(): number {
    let n = 0;
    for (let i = 0; i < NBUCKETS; i++) n += this.counts[i];
    return n;
  }

  record(v: number): void {
    this.sum += v;
    this.sumSq += v * v;
    if (v > this.max) this.max = v;
    if (v < this.min) this.min = v;
    // The bucket is the exponent and the top 6 mantissa bits of v. From 2^MIN_EXP us to 2^19 us
    // (every latency and call time of a normal run) integer arithmetic gives them: x = v * 2^12
    // is at least 2^6, so its integer part holds the exponent (Math.clz32) and the 6 bits below
    // the leading one. Written here rather than in a helper: three records per simulated IO.
    let b: number;
    const x = v * 4096;
    if (x >= 64 && x < 2147483648) {
      const i = x | 0;
      const k = 31 - Math.clz32(i);
      b = (k - 6) * SUB + ((i >>> (k - 6)) & (SUB - 1)) + 1;
    } else b = bucketOfBits(v);
    this.counts[b]++;
  }

  mean(): number {
    const n = this.n;
    return n ? this.sum / n : 0;
  }

  stddev(): number {
    const n = this.n;
    if (n < 2) return 0;
    const m = this.sum / n;
    return Math.sqrt(Math.max(0, this.sumSq / n - m * m));
  }

  /** Value at quantile q (0..1): the upper edge of the bucket holding it, clamped to [min, max]. */
  quantile(q: number): number {
    const n = this.n;
    if (n === 0) return 0;
    const target = Math.max(1, Math.ceil(q * n));
    let acc = 0;
    for (let i = 0; i < NBUCKETS; i++) {
      acc += this.counts[i];
      if (acc >= target) return Math.min(this.max, Math.max(this.min, upperEdge(i)));
    }
    return this.max;
  }

  /** Non-empty buckets merged to at most `maxBuckets` log-spaced bins, for charts and storage. */
  export(maxBuckets = 120): { edgesUs: number[]; counts: number[] } {
    if (this.n === 0) return { edgesUs: [], counts: [] };
    let first = 0;
    while (this.counts[first] === 0) first++;
    let last = NBUCKETS - 1;
    while (this.counts[last] === 0) last--;
    const span = last - first + 1;
    const group = Math.max(1, Math.ceil(span / maxBuckets));
    const edgesUs: number[] = [];
    const counts: number[] = [];
    for (let i = first; i <= last; i += group) {
      let c = 0;
      const end = Math.min(last, i + group - 1);
      for (let j = i; j <= end; j++) c += this.counts[j];
      edgesUs.push(round4(upperEdge(end)));
      counts.push(c);
    }
    return { edgesUs, counts };
  }
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
/** Index of the 32-bit word holding the sign, exponent and top of the mantissa. */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** The bucket from the IEEE-754 bits of v (exponent and the top 6 mantissa bits), for any double. */
export function bucketOfBits(v: number): number {
  if (!(v > 0)) return 0;
  F64[0] = v;
  const hi = U32[HI];
  const e = ((hi >>> 20) & 0x7ff) - 1023;
  return e < MIN_EXP ? 0 : e >= MAX_EXP ? NBUCKETS - 1 : (e - MIN_EXP) * SUB + ((hi >>> 14) & (SUB - 1)) + 1;
}

function upperEdge(i: number): number {
  if (i === 0) return 2 ** MIN_EXP;
  const k = i - 1;
  const e = Math.floor(k / SUB) + MIN_EXP;
  const sub = k % SUB;
  return 2 ** e * (1 + (sub + 1) / SUB);
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
