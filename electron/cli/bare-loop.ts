/**
 * The bench's yardstick: the closed loop the engine runs for fio 4k randread iodepth 64 on vtd
 * under strict, written by hand as one flat function. It does the same per-IO work in kind —
 * event heap ordered by (time, sequence), seeded PRNG with per-call cost jitter, IOVA from a
 * per-CPU cache, PTE write and clear, IOTLB lookup on the device side, per-page invalidation
 * and sync on the serialised queue, device latency with jitter behind a bandwidth pipe,
 * streaming latency histogram — with nothing else: no strategy objects, no phase accounting
 * by call, no time series, no metrics. The engine's IOs per CPU second divided by this loop's
 * is the cost of its structure; it is not meant to give the same figures.
 */
import type { HardwareProfile } from '../../core/types.ts';

export interface BareLoopResult {
  ios: number;
  simulatedUs: number;
  /** Consumed so the JIT cannot drop the work. */
  checksum: number;
}

export function bareLoop(p: HardwareProfile, ios: number, depth = 64, seed = 1): BareLoopResult {
  // Heap of (time, seq) -> io, typed arrays.
  const cap = depth + 1;
  const hT = new Float64Array(cap);
  const hS = new Float64Array(cap);
  const hI = new Int32Array(cap);
  let hn = 0;
  let seq = 0;
  const push = (t: number, io: number): void => {
    const s = seq++;
    let i = hn++;
    while (i > 0) {
      const q = (i - 1) >> 1;
      if (hT[q] < t || (hT[q] === t && hS[q] < s)) break;
      hT[i] = hT[q]; hS[i] = hS[q]; hI[i] = hI[q];
      i = q;
    }
    hT[i] = t; hS[i] = s; hI[i] = io;
  };

  // xorshift32 for jitter, as cheap as it gets.
  let x = (seed | 0) || 1;
  const jitter = p.cpu.costJitterFraction;
  const devJitter = p.device.latencyJitterFraction;

  // Per-CPU IOVA cache: a stack of free page numbers (IOVAs allocated top-down on a miss).
  const freeIova = new Float64Array(depth + 1);
  let freeN = 0;
  let nextIova = 2 ** (p.iommu.iovaBits - Math.log2(p.iommu.granuleBytes));

  // Set-associative IOTLB, generation-free: tag per way, round-robin victim.
  const ways = p.iommu.iotlbWays;
  const sets = Math.max(1, Math.floor(p.iommu.iotlbEntries / ways));
  const tlb = new Float64Array(sets * ways);
  const victimOf = new Int32Array(sets);

  // Latency histogram: 64 sub-buckets per power of two from the double's bits.
  const hist = new Float64Array(40 * 64 + 1);
  const f64 = new Float64Array(1);
  const u32 = new Uint32Array(f64.buffer);
  const hi = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

  const inv = p.iommu.invalidation;
  const mapUs = (p.iommu.mapCallNs + p.iommu.pteWriteNs + p.iova.rcacheHitNs + 40) / 1000;
  const unmapUs = (p.iommu.unmapCallNs + p.iommu.pteClearNs + p.iova.rcacheHitNs + 40) / 1000;
  const invUs = ((inv.byAddressNs ?? 0) + inv.syncNs) / 1000;
  const xferUs = (4096 / p.device.bandwidthBytesPerSec) * 1e6;
  const walkUs = p.iommu.iotlbMissWalkNs / 1000;
  const submitT = new Float64Array(depth);
  const iova = new Float64Array(depth);

  let cpuFree = 0;
  let invFree = 0;
  let pipeFree = 0;
  let issued = 0;
  let done = 0;
  let endT = 0;

  const submit = (io: number, t: number): void => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    const f = 1 + jitter * ((x >>> 0) / 2147483648 - 1);
    let tc = (t > cpuFree ? t : cpuFree);
    submitT[io] = tc;
    tc += (p.cpu.submitOverheadUs + mapUs) * f;
    const page = freeN > 0 ? freeIova[--freeN] : --nextIova;
    iova[io] = page;
    cpuFree = tc;
    issued++;
    // Device: IOTLB lookup of the page, latency with jitter behind the bandwidth pipe.
    const set = Math.imul(page ^ (page / 4096), 0x9e3779b1) & (sets - 1);
    const base = set * ways;
    let walk = walkUs;
    for (let w = 0; w < ways; w++) if (tlb[base + w] === page + 1) { walk = 0; break; }
    if (walk > 0) {
      tlb[base + victimOf[set]] = page + 1;
      victimOf[set] = (victimOf[set] + 1) % ways;
    }
    const start = tc > pipeFree ? tc : pipeFree;
    pipeFree = start + xferUs;
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    const lat = p.device.readLatencyUs * (1 - devJitter + 2 * devJitter * ((x >>> 0) / 4294967296));
    const doneT = Math.max(tc + lat + walk, pipeFree + walk);
    push(doneT, io);
  };

  for (let i = 0; i < depth && issued < ios; i++) submit(i, 0);
  while (hn > 0) {
    // Pop.
    const t = hT[0];
    const io = hI[0];
    const last = --hn;
    if (last > 0) {
      const lt = hT[last], ls = hS[last], li = hI[last];
      let i = 0;
      const half = last >> 1;
      while (i < half) {
        let c = 2 * i + 1;
        const r = c + 1;
        if (r < last && (hT[r] < hT[c] || (hT[r] === hT[c] && hS[r] < hS[c]))) c = r;
        if (lt < hT[c] || (lt === hT[c] && ls < hS[c])) break;
        hT[i] = hT[c]; hS[i] = hS[c]; hI[i] = hI[c];
        i = c;
      }
      hT[i] = lt; hS[i] = ls; hI[i] = li;
    }
    // Completion: unmap, strict per-page invalidation on the serialised queue, IOVA back to the cache.
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    const f = 1 + jitter * ((x >>> 0) / 2147483648 - 1);
    let tc = t > cpuFree ? t : cpuFree;
    tc += (p.cpu.completionOverheadUs + unmapUs) * f;
    const page = iova[io];
    const set = Math.imul(page ^ (page / 4096), 0x9e3779b1) & (sets - 1);
    for (let w = 0; w < ways; w++) if (tlb[set * ways + w] === page + 1) tlb[set * ways + w] = 0;
    const invStart = tc > invFree ? tc : invFree;
    invFree = invStart + invUs;
    tc = invFree;
    freeIova[freeN++] = page;
    const latency = tc - submitT[io];
    f64[0] = latency;
    const e = ((u32[hi] >>> 20) & 0x7ff) - 1023;
    hist[e < -6 ? 0 : e >= 34 ? hist.length - 1 : (e + 6) * 64 + ((u32[hi] >>> 14) & 63) + 1]++;
    cpuFree = tc;
    done++;
    if (tc > endT) endT = tc;
    if (issued < ios) submit(io, tc);
  }
  let checksum = 0;
  for (let i = 0; i < hist.length; i++) checksum += hist[i] * i;
  return { ios: done, simulatedUs: endT, checksum };
}
