import type { HardwareProfile } from '../types.ts';
import { Histogram } from './histogram.ts';
import { Iotlb } from './iotlb.ts';
import { IovaAllocator } from './iova.ts';
import { EventQueue } from './queue.ts';
import { Rng } from './rng.ts';

/** CPU time is accounted per phase; waits on shared locks count as CPU time (the caller spins or is blocked in an exit). */
export const PH_MAP = 0;
export const PH_UNMAP = 1;
export const PH_COPY = 2;
export const PH_INV = 3;
export const PH_FAULT = 4;
export const PH_OTHER = 5;

/** Event kinds (priority orders simultaneous events: completions before new work). */
export const EV_DEV_ARRIVE = 1;
export const EV_DEV_DONE = 2;
export const EV_FQ_TIMER = 4;
export const EV_POOL_EVICT = 5;
export const EV_LOOP = 7;

/**
 * A serialising resource: the invalidation command queue, the VMM big lock, the IOVA rbtree
 * lock. FIFO in the order requests are made. A request is made when the requesting CPU task is
 * processed, which can precede its true arrival by the pre-lock part of that task; with one CPU
 * this is exact, with several it can reorder two contenders by at most that much (docs/model.md).
 */
export class Resource {
  freeAt = 0;

  /** Holds the resource for `holdUs` from the first moment it is free at or after `t`; returns the release time. */
  hold(t: number, holdUs: number): number {
    const start = t > this.freeAt ? t : this.freeAt;
    this.freeAt = start + holdUs;
    return this.freeAt;
  }
}

/** A level gauge integrated over simulated time: peak and time-weighted mean. */
export class Gauge {
  value = 0;
  peak = 0;
  private area = 0;
  private lastT = 0;

  set(t: number, v: number): void {
    this.area += this.value * (t - this.lastT);
    this.lastT = t;
    this.value = v;
    if (v > this.peak) this.peak = v;
  }

  mean(endT: number): number {
    const area = this.area + this.value * (endT - this.lastT);
    return endT > 0 ? area / endT : this.value;
  }
}

/** One DMA buffer in flight, preallocated and reused: no allocation per simulated IO. */
export interface Io {
  index: number;
  job: number;
  cpu: number;
  bytes: number;
  /** The device reads the buffer (DMA_TO_DEVICE or BIDIRECTIONAL). */
  toDevice: boolean;
  /** The device writes the buffer (DMA_FROM_DEVICE or BIDIRECTIONAL). */
  fromDevice: boolean;
  /** Offset of the buffer inside its first IOMMU granule (physical placement). */
  offsetInGranule: number;
  /** CPU-page-aligned id of the buffer's memory (stable per fio buffer), for pinning and faults. */
  bufferPage: number;
  /** Scatter-gather entries the buffer is mapped with (1 = contiguous). */
  sgEntries: number;
  submitT: number;
  mapStartT: number;
  /** Device-visible IOVA page range (-1 when the device uses physical addresses). */
  iovaPage: number;
  iovaPages: number;
  /** Strategy state. */
  kind: number;
  slotClass: number;
  slot: number;
  failed: boolean;
}

export function newIo(index: number): Io {
  return {
    index, job: 0, cpu: 0, bytes: 0, toDevice: false, fromDevice: true, offsetInGranule: 0, bufferPage: 0,
    sgEntries: 1, submitT: 0, mapStartT: 0, iovaPage: -1, iovaPages: 0, kind: 0, slotClass: -1, slot: -1, failed: false,
  };
}

/**
 * The simulated machine: CPUs, the IOMMU (page tables, IOTLB, invalidation queue), the IOVA
 * allocator, the VMM lock and the accounting every strategy shares. Strategies call the cost
 * helpers with a running CPU time `t` and get the new time back.
 */
export class Machine {
  readonly p: HardwareProfile;
  readonly rng: Rng;
  readonly queue = new EventQueue(256);
  readonly cpus: number;
  readonly granule: number;
  readonly granuleShift: number;
  readonly cpuPage: number;
  readonly cpuFreeAt: Float64Array;
  readonly phaseUs = new Float64Array(6);
  readonly invQueue = new Resource();
  readonly vmmLock = new Resource();
  readonly iovaLock = new Resource();
  readonly iova: IovaAllocator;
  readonly iotlb: Iotlb;
  private readonly tables = new Map<number, number>();
  private readonly tableShift: number;
  private readonly topTable: number;
  private readonly tablePresent = new Uint8Array(1 << 16);
  private readonly tableSpan: number;
  private readonly tableAllocUs: number;
  private readonly countTables: boolean;

  readonly latency = new Histogram();
  readonly mapHist = new Histogram();
  readonly unmapHist = new Histogram();
  readonly bounce = new Gauge();
  readonly pinned = new Gauge();
  readonly iovaBytes = new Gauge();

  invalidations = 0;
  faults = 0;
  fallbacks = 0;
  failures = 0;
  mappedBufferBytes = 0;
  mappedSpanBytes = 0;
  exposedBeyondBytes = 0;
  mappings = 0;
  staleN = 0;
  staleSumUs = 0;
  staleMaxUs = 0;
  /** DMA_ATTR_SKIP_CPU_SYNC for every call. */
  skipCpuSync = false;
  /** The running CPU time of the call being simulated (see spend()). */
  cur = 0;
  /** Cost factor of the current call (see begin()). */
  private callFactor = 1;
  private readonly jitter: number;
  private jitterState: number;
  /** Result of the last iovaAlloc (reused: no allocation per IO). */
  readonly allocOut = { start: 0, costNs: 0, tree: false };

  constructor(profile: HardwareProfile, seed: number, cpus: number, trackIova: boolean) {
    this.p = profile;
    this.rng = new Rng(seed);
    this.cpus = cpus;
    this.cpuFreeAt = new Float64Array(cpus);
    this.jitter = profile.cpu.costJitterFraction;
    this.jitterState = this.rng.u32() | 1;
    this.granule = profile.iommu.granuleBytes;
    this.granuleShift = Math.log2(this.granule);
    this.cpuPage = profile.cpu.pageSizeBytes;
    this.iova = new IovaAllocator(profile.iova, cpus, profile.iommu.iovaBits, this.granuleShift, trackIova);
    this.iotlb = new Iotlb(profile.iommu.iotlbEntries, profile.iommu.iotlbWays);
    this.tableShift = Math.log2(profile.iommu.leafTableSpanBytes) - this.granuleShift;
    this.tableSpan = 2 ** this.tableShift;
    this.tableAllocUs = profile.iommu.tableAllocUs;
    this.countTables = profile.iommu.freesEmptyTables;
    this.topTable = Math.floor((2 ** (profile.iommu.iovaBits - this.granuleShift) - 1) / 2 ** this.tableShift);
  }

  /** IOMMU pages covered by a buffer at its physical offset: the granule rounding of the DART series. */
  granulesFor(bytes: number, offsetInGranule: number): number {
    return Math.ceil((offsetInGranule + bytes) / this.granule);
  }

  cpuPagesFor(bytes: number, offsetInGranule: number): number {
    const off = offsetInGranule % this.cpuPage;
    return Math.ceil((off + bytes) / this.cpuPage);
  }

  /**
   * Cost helpers advance the running CPU cursor `cur` (the time the current call has reached)
   * and account the time to a phase. Keeping the cursor in a field rather than passing and
   * returning times keeps the hot path free of boxed doubles.
   */
  spend(phase: number, us: number): void {
    const v = us * this.callFactor;
    this.phaseUs[phase] += v;
    this.cur += v;
  }

  /** Starts a DMA-API call at `t`: the cursor moves there and the call draws its cost factor. */
  begin(t: number): void {
    this.cur = t;
    this.callFactor = this.jitter > 0 ? this.jitterFactor() : 1;
  }

  /**
   * A cost factor uniform in 1 +/- jitter. Drawn from a xorshift32 stream seeded by the run's
   * PRNG: several draws per IO, so it must cost almost nothing.
   */
  jitterFactor(): number {
    if (this.jitter <= 0) return 1;
    let x = this.jitterState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.jitterState = x;
    return 1 + this.jitter * ((x >>> 0) / 2147483648 - 1);
  }

  /** Holds a shared resource from the cursor on; waiting counts as time in the phase. */
  private holdShared(res: Resource, us: number, phase: number): void {
    const t = this.cur;
    const end = res.hold(t, us);
    this.phaseUs[phase] += end - t;
    this.cur = end;
  }

  copy(bytes: number): void {
    this.spend(PH_COPY, 0.05 + (bytes / this.p.cpu.memcpyBytesPerSec) * 1e6);
  }

  /** Cache maintenance by VA for non-coherent DMA (arch_sync_dma_for_device/cpu). */
  cacheMaint(bytes: number, phase: number): void {
    if (this.p.cpu.dmaCoherent || this.skipCpuSync) return;
    this.spend(phase, (bytes * this.p.cpu.cacheMaintenanceNsPerByte) / 1000);
  }

  recordMapping(bufferBytes: number, exposedSpanBytes: number): void {
    this.mappings++;
    this.mappedBufferBytes += bufferBytes;
    this.mappedSpanBytes += exposedSpanBytes;
    this.exposedBeyondBytes += Math.max(0, exposedSpanBytes - bufferBytes);
  }

  recordStale(us: number): void {
    this.staleN++;
    this.staleSumUs += us;
    if (us > this.staleMaxUs) this.staleMaxUs = us;
  }

  /** IOVA allocation (rcache, or the rbtree under its lock); allocOut.start is -1 when the space is exhausted. */
  iovaAlloc(cpu: number, pages: number, phase: number): void {
    const o = this.allocOut;
    this.iova.alloc(cpu, pages, o);
    const t = this.cur;
    if (o.tree) this.holdShared(this.iovaLock, o.costNs / 1000, phase);
    else this.spend(phase, o.costNs / 1000);
    if (o.start >= 0) this.iovaBytes.set(t, this.iova.livePages * this.granule);
  }

  iovaFree(cpu: number, start: number, pages: number, phase: number): void {
    const treeBefore = this.iova.treeFrees;
    const us = this.iova.free(cpu, start, pages) / 1000;
    const t = this.cur;
    if (this.iova.treeFrees > treeBefore) this.holdShared(this.iovaLock, us, phase);
    else this.spend(phase, us);
    this.iovaBytes.set(t, this.iova.livePages * this.granule);
  }

  /** Last-level tables a map touches: allocation cost when a table is absent. */
  tablesMap(firstPage: number, pages: number): number {
    const tableAllocUs = this.tableAllocUs;
    if (tableAllocUs <= 0) return 0;
    const span = this.tableSpan;
    const first = Math.floor(firstPage / span);
    const last = Math.floor((firstPage + pages - 1) / span);
    let us = 0;
    if (!this.countTables) {
      // Tables are never freed: only presence matters. IOVAs are allocated top-down, so a
      // bitmap indexed from the top of the space covers the tables in use.
      for (let tb = first; tb <= last; tb++) {
        const rel = this.topTable - tb;
        if (rel >= 0 && rel < 65536) {
          if (this.tablePresent[rel] === 0) {
            this.tablePresent[rel] = 1;
            us += tableAllocUs;
          }
        } else if (!this.tables.has(tb)) {
          this.tables.set(tb, 1);
          us += tableAllocUs;
        }
      }
      return us;
    }
    for (let tb = first; tb <= last; tb++) {
      const lo = Math.max(firstPage, tb * span);
      const hi = Math.min(firstPage + pages, (tb + 1) * span);
      const prev = this.tables.get(tb) ?? 0;
      if (prev === 0) us += tableAllocUs;
      this.tables.set(tb, prev + (hi - lo));
    }
    return us;
  }

  tablesUnmap(firstPage: number, pages: number): void {
    if (this.tableAllocUs <= 0 || !this.countTables) return;
    const span = this.tableSpan;
    const first = Math.floor(firstPage / span);
    const last = Math.floor((firstPage + pages - 1) / span);
    for (let tb = first; tb <= last; tb++) {
      const lo = Math.max(firstPage, tb * span);
      const hi = Math.min(firstPage + pages, (tb + 1) * span);
      const left = (this.tables.get(tb) ?? 0) - (hi - lo);
      if (left <= 0) this.tables.delete(tb);
      else this.tables.set(tb, left);
    }
  }

  /**
   * PTE work of one iommu_map over `pages` IOMMU pages in `calls` driver calls.
   * `batchedClean`: the PTE cache maintenance is done once per cache line instead of per PTE.
   */
  pteMap(firstPage: number, pages: number, calls: number, batchedClean: boolean, phase: number): void {
    const m = this.p.iommu;
    let ns = calls * m.mapCallNs + pages * m.pteWriteNs;
    if (!m.coherentWalk) ns += (batchedClean ? Math.ceil(pages / 16) : pages) * m.pteCacheCleanNs;
    this.spend(phase, ns / 1000 + this.tablesMap(firstPage, pages));
  }

  pteUnmap(firstPage: number, pages: number, batchedClean: boolean, phase: number): void {
    const m = this.p.iommu;
    let ns = m.unmapCallNs + pages * m.pteClearNs;
    if (!m.coherentWalk) ns += (batchedClean ? Math.ceil(pages / 16) : pages) * m.pteCacheCleanNs;
    this.tablesUnmap(firstPage, pages);
    this.spend(phase, ns / 1000);
  }

  /** Runs `cmdUs` of invalidation work through the (possibly shared) invalidation queue. */
  private invalidate(cmdUs: number, commands: number): void {
    if (this.p.iommu.invalidation.serialised) this.holdShared(this.invQueue, cmdUs, PH_INV);
    else this.spend(PH_INV, cmdUs);
    this.invalidations += commands;
  }

  /**
   * Strict per-page invalidation as the driver does it on every unmap: one command per IOMMU
   * page when the hardware invalidates by address (a sync per page where the driver reads back
   * each time), else one range command, else the whole domain or stream.
   */
  invalidateStrict(firstPage: number, pages: number): void {
    const inv = this.p.iommu.invalidation;
    if (inv.byAddressNs !== null) {
      const syncs = inv.syncEachPage ? pages : 1;
      this.iotlb.invalidateRange(firstPage, pages);
      this.invalidate((pages * inv.byAddressNs + syncs * inv.syncNs) / 1000, pages);
      return;
    }
    this.invalidateGathered(firstPage, pages);
  }

  /** One gathered flush for a range: the cheapest command sequence the hardware offers, one sync. */
  invalidateGathered(firstPage: number, pages: number): void {
    const inv = this.p.iommu.invalidation;
    let best = Infinity;
    let kind = 0;
    let commands = 1;
    if (inv.byAddressNs !== null && pages * inv.byAddressNs < best) {
      best = pages * inv.byAddressNs;
      kind = 1;
      commands = pages;
    }
    if (inv.byRangeNs !== null) {
      const n = Math.ceil(pages / inv.byRangeMaxPages);
      const c = n * inv.byRangeNs + pages * inv.byRangePerPageNs;
      if (c < best) {
        best = c;
        kind = 2;
        commands = n;
      }
    }
    const all = inv.domainNs ?? inv.streamNs;
    if (all !== null && all < best) {
      best = all;
      kind = 3;
      commands = 1;
    }
    if (!Number.isFinite(best)) best = 0;
    if (kind === 3) this.iotlb.invalidateAll();
    else this.iotlb.invalidateRange(firstPage, pages);
    this.invalidate((best + inv.syncNs) / 1000, commands);
  }

  /** Whole-domain flush (flush queue drain): domain or stream command + sync. */
  invalidateDomain(): void {
    const inv = this.p.iommu.invalidation;
    const cmd = inv.domainNs ?? inv.streamNs ?? inv.byRangeNs ?? inv.byAddressNs ?? 0;
    this.iotlb.invalidateAll();
    this.invalidate((cmd + inv.syncNs) / 1000, 1);
  }

  /**
   * Map-side flush on hardware that may cache invalid PTEs: per page (strict) or once for the
   * range (gathered), using the walk-cache flush when the hardware has one.
   */
  invalidateForMap(firstPage: number, pages: number, gathered: boolean): void {
    const inv = this.p.iommu.invalidation;
    const wc = inv.walkCacheByAddressNs;
    if (wc === null) {
      if (gathered) this.invalidateGathered(firstPage, pages);
      else this.invalidateStrict(firstPage, pages);
      return;
    }
    if (!gathered) {
      const syncs = inv.syncEachPage ? pages : 1;
      this.invalidate((pages * wc + syncs * inv.syncNs) / 1000, pages);
      return;
    }
    // Gathered: one walk-cache flush covering the range (the whole cache if cheaper), one sync.
    const once = inv.walkCacheAllNs !== null ? Math.min(wc, inv.walkCacheAllNs) : wc;
    this.invalidate((once + inv.syncNs) / 1000, 1);
  }

  /** One virtual-IOMMU request round trip: exit, VMM, VFIO ioctl with per-page host work, under the big lock. */
  virtRequest(requests: number, pages: number, perPageUs: number, phase: number): void {
    const v = this.p.virt;
    const holdUs = v.trapUs + requests * v.requestUs + pages * perPageUs;
    if (v.bigLock) this.holdShared(this.vmmLock, holdUs, phase);
    else this.spend(phase, holdUs);
  }

  /** Device accesses to a mapped IOVA range: IOTLB lookups, walk time on misses. */
  deviceTranslate(iovaPage: number, pages: number): number {
    if (iovaPage < 0) return 0;
    let misses = 0;
    for (let i = 0; i < pages; i++) if (this.iotlb.access(iovaPage + i)) misses++;
    const us = (misses * this.p.iommu.iotlbMissWalkNs) / 1000;
    return us;
  }
}
