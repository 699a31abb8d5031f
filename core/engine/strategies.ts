import { SimulationInvariantError } from '../errors.ts';
import type { StrategySpec } from '../types.ts';
import {
  EV_FQ_TIMER, EV_POOL_EVICT, PH_FAULT, PH_INV, PH_MAP, PH_OTHER, PH_UNMAP, T_API, T_INV_CMD, T_IOVA_FREE, T_PAGE_ALLOC, T_SLOT, VIRT_EMULATED, VIRT_VIRTIO,
  type Io, type Machine,
} from './machine.ts';
import { doubleArray } from './shape.ts';
import { PROT_RO, PROT_RW, PROT_WO, SLOT_BUSY, SLOT_CACHED, SLOT_FREE, SWIOTLB_SEG, SWIOTLB_SEG_SHIFT, SWIOTLB_SLOT, SWIOTLB_SLOT_SHIFT } from './constants.ts';

/**
 * A DMA-mapping strategy: what dma_map_*() and dma_unmap_*() cost and do on the machine.
 * `map` and `unmap` take the CPU time at which the call starts and return when it returns;
 * inside, costs advance the machine's cursor (`Machine.cur`).
 */
export interface MappingStrategy {
  readonly id: string;
  /** dma_map_*() from the cursor (Machine.cur, set by the caller), which it leaves at the call's return. */
  map(io: Io): void;
  /** dma_unmap_*(), as map. */
  unmap(io: Io): void;
  /** Device touches the buffer's pages: returns the stall (I/O page faults), in us. */
  deviceAccess(io: Io, t: number): number;
  /** Device touches driver queue memory (accelerator rings); faultable only under VFIO IOPF. */
  touchQueuePages(firstPage: number, pages: number, t: number): number;
  onEvent(kind: number, arg: number, t: number): void;
  /** Peak bytes the device could reach with no live mapping behind them (core/protection.ts). */
  standingBytes(): number;
  /** End of run: drain deferred work (flush queues, cached slots); returns the end time. */
  finish(t: number): number;
}


abstract class Base implements MappingStrategy {
  /** virtio-iommu with viommu_iotlb_sync_map (2023): MAPs of one iommu_map call share a sync. */
  protected syncMap = false;
  abstract readonly id: string;
  /** Declared, not a parameter property (see FioDriver in run.ts). */
  protected declare readonly m: Machine;
  constructor(m: Machine) {
    this.m = m;
  }
  abstract map(io: Io): void;
  abstract unmap(io: Io): void;
  deviceAccess(_io: Io, _t: number): number {
    return 0;
  }
  touchQueuePages(_firstPage: number, _pages: number, _t: number): number {
    return 0;
  }
  onEvent(_kind: number, _arg: number, _t: number): void {}
  standingBytes(): number {
    return 0;
  }
  finish(t: number): number {
    return t;
  }

  /**
   * iommu_dma_map_page/map_sg: IOVA allocation, then the driver's map of the range. Sets
   * io.failed when the IOVA space is exhausted. `entries`: scatter-gather entries (a bounce
   * slot is one contiguous entry whatever the caller's buffer was).
   */
  protected iommuMap(io: Io, bytes: number, offset: number, gathered: boolean, entries = io.sgEntries): void {
    const m = this.m;
    const g = m.granulesFor(bytes, offset);
    m.iovaAlloc(io.cpu, g, PH_MAP);
    const start = m.allocOut.start;
    if (start < 0) {
      io.failed = true;
      io.iovaPage = -1;
      return;
    }
    io.iovaPage = start;
    io.iovaPages = g;
    // A physically contiguous buffer may be mapped with blocks (iommu_pgsize); sg page lists not.
    if (entries === 1 && g >= m.smallestBlock) {
      m.mapChunks(start, Math.floor((io.bufferPage * m.cpuPage) / m.granule), g);
      io.mapEntries = m.chunkOut.entries;
    } else io.mapEntries = g;
    this.mapRange(start, g, m.cpuPagesFor(bytes, offset), entries, gathered, PH_MAP, io.mapEntries);
  }

  /**
   * The driver's map of `g` IOMMU pages at an allocated IOVA: PTE writes, table allocations and
   * the map-side flush on hardware that caches invalid PTEs; or, on a virtual IOMMU, one
   * synchronous MAP request per scatter-gather entry.
   */
  protected mapRange(start: number, g: number, cpuPages: number, entries: number, gathered: boolean, phase: number, ptes = g): void {
    const m = this.m;
    if (m.virtKind === VIRT_VIRTIO) {
      this.virtioMap(cpuPages, entries, phase);
      return;
    }
    // Native tables, or a guest's own stage-1 tables (nested, vcmdq, emulated).
    m.pteMap(start, g, ptes, Math.min(entries, g), gathered, phase);
    if (m.virtKind === VIRT_EMULATED) this.shadowMap(cpuPages, phase);
    else if (m.cachesInvalidPtes) m.invalidateForMap(start, g, gathered);
  }

  /**
   * virtio-iommu: one MAP request per scatter-gather entry. Kept out of mapRange so the native
   * path (every per-IO map on real hardware) stays small enough for V8 to inline.
   */
  private virtioMap(cpuPages: number, entries: number, phase: number): void {
    const m = this.m;
    const v = m.p.virt;
    const requests = Math.min(entries, cpuPages);
    m.spend(phase, T_API, (requests * m.p.iommu.mapCallNs) / 1000);
    if (this.syncMap) {
      // viommu_map_pages queues each MAP (viommu_add_req); iommu_map_sg's one iotlb_sync_map
      // kicks the queue once (viommu_sync_req): one round trip for the whole scatterlist.
      m.virtRequest(requests, cpuPages, v.hostMapPerPageUs, phase);
      return;
    }
    for (let e = 0; e < requests; e++) {
      const pe = Math.floor(cpuPages / requests) + (e < cpuPages % requests ? 1 : 0);
      m.virtRequest(1, pe, v.hostMapPerPageUs, phase);
    }
  }

  /**
   * Caching mode: a non-present to present change needs an invalidation, which traps; the
   * VMM shadows the new PTEs onto the host (VFIO map of the guest pages).
   */
  private shadowMap(cpuPages: number, phase: number): void {
    const m = this.m;
    m.invalidations++;
    m.spend(PH_INV, T_INV_CMD, m.insertUs);
    m.shadowRequest(cpuPages, m.p.virt.hostMapPerPageUs, phase);
  }

  /**
   * The driver's unmap of `g` IOMMU pages: PTE clears and the invalidation (per page when strict,
   * gathered otherwise); on a virtual IOMMU one UNMAP request, whose host side flushes the IOTLB.
   */
  protected unmapRange(start: number, g: number, gathered: boolean, phase: number, ptes = g): void {
    const m = this.m;
    if (m.virtKind === VIRT_VIRTIO) {
      this.virtioUnmap(start, g, phase);
      return;
    }
    m.pteUnmap(start, g, ptes, gathered, phase);
    if (m.virtKind === VIRT_EMULATED) this.shadowUnmap(start, g, phase);
    else if (gathered) m.invalidateGathered(start, g);
    else m.invalidateStrict(start, g, ptes);
  }

  /** virtio-iommu: one UNMAP request, whose host side flushes the IOTLB (out of line, as virtioMap). */
  private virtioUnmap(start: number, g: number, phase: number): void {
    const m = this.m;
    const v = m.p.virt;
    m.spend(phase, T_API, m.unmapCallUs);
    const cpuPages = Math.max(1, Math.round((g * m.granule) / m.cpuPage));
    m.virtRequest(1, cpuPages, v.hostUnmapPerPageUs, phase);
    m.invalidations++;
    m.iotlb.invalidateRange(start, g);
  }

  /** Caching mode: the unmap's invalidation traps and the VMM unmaps the pages on the host. */
  private shadowUnmap(start: number, g: number, phase: number): void {
    const m = this.m;
    const v = m.p.virt;
    m.invalidations++;
    m.iotlb.invalidateRange(start, g);
    m.spend(PH_INV, T_INV_CMD, m.insertUs);
    m.shadowRequest(Math.max(1, Math.round((g * m.granule) / m.cpuPage)), v.hostUnmapPerPageUs, phase);
  }

  /** iommu_dma_unmap_*: the driver's unmap, then the IOVA free. */
  protected iommuUnmap(io: Io, gathered: boolean): void {
    this.unmapRange(io.iovaPage, io.iovaPages, gathered, PH_UNMAP, io.mapEntries || io.iovaPages);
    this.m.iovaFree(io.cpu, io.iovaPage, io.iovaPages, PH_UNMAP);
    io.iovaPage = -1;
  }
}

/**
 * Strategies with no per-IO IOMMU work: the DMA API call is a dma-direct style dispatch (plus
 * cache maintenance on non-coherent hardware). They differ in what the device reaches.
 */
abstract class Direct extends Base {
  /** Whether the device goes through the IOMMU (static or faulted mappings) or uses physical addresses. */
  protected abstract readonly translated: boolean;
  /** Memory the device reaches whatever is mapped: the standing exposure of core/protection.ts. */
  abstract override standingBytes(): number;

  /** log2 IOMMU pages per IOTLB entry of the standing mapping (blocks when pinned on huge pages). */
  protected tlbShift = 0;

  map(io: Io): void {
    const m = this.m;
    m.beginCall();
    io.iovaPage = this.translated ? io.bufferPage : -1;
    io.iovaPages = m.cpuPagesFor(io.bytes, io.offsetInGranule);
    io.tlbShift = this.tlbShift;
    m.recordMapping(io.bytes, io.bytes);
    m.spend(PH_MAP, T_API, m.dmaApiUs);
    m.cacheMaint(io.bytes, PH_MAP);
  }

  unmap(io: Io): void {
    const m = this.m;
    m.beginCall();
    m.spend(PH_UNMAP, T_API, m.dmaApiUs);
    if (io.fromDevice) m.cacheMaint(io.bytes, PH_UNMAP);
  }
}

/** iommu.passthrough=1 / identity domain: dma-direct, physical addresses, nothing to map. */
class Passthrough extends Direct {
  readonly id = 'passthrough';
  protected readonly translated = false;
  override standingBytes(): number {
    return this.m.p.cpu.memoryBytes;
  }
}

/**
 * iommu.strict=1 (and tegra-smmu before the range-flush RFC): every page is flushed from the
 * IOTLB before dma_unmap returns; hardware that caches invalid PTEs is flushed per page on map.
 */
class Strict extends Base {
  readonly id: string = 'strict';
  protected readonly gathered: boolean = false;
  constructor(m: Machine, params: Record<string, unknown> = {}) {
    super(m);
    this.syncMap = Boolean(params.syncMap);
  }
  map(io: Io): void {
    const m = this.m;
    m.beginCall();
    m.spend(PH_MAP, T_API, m.dmaApiUs);
    this.iommuMap(io, io.bytes, io.offsetInGranule, this.gathered);
    if (io.failed) return;
    m.recordMapping(io.bytes, io.iovaPages * m.granule);
    m.cacheMaint(io.bytes, PH_MAP);
  }
  unmap(io: Io): void {
    const m = this.m;
    m.beginCall();
    if (io.iovaPage < 0) return;
    m.spend(PH_UNMAP, T_API, m.dmaApiUs);
    this.iommuUnmap(io, this.gathered);
    if (io.fromDevice) m.cacheMaint(io.bytes, PH_UNMAP);
  }
}

/** [RFC PATCH 0/3] iommu: Add range flush operation (Figa 2015); today's iotlb_gather + iotlb_sync. */
class RangeFlush extends Strict {
  override readonly id = 'range-flush';
  protected override readonly gathered = true;
}

/**
 * iommu.strict=0, drivers/iommu/dma-iommu.c as of 6.x: queue_iova() puts the IOVA in this CPU's
 * flush queue (or the one shared queue of shadowing vIOMMUs, IOMMU_DMA_OPTS_SINGLE_QUEUE). Every
 * entry carries the domain's fq_flush_start_cnt; fq_ring_free_locked() hands back, to the calling
 * CPU's rcache, every entry whose counter is below fq_flush_finish_cnt, so one CPU's flush frees
 * the other CPUs' entries at their next unmap. A full queue (fq_full: size - 1 entries) flushes
 * the whole domain (fq_flush_iotlb) under its queue lock. One timer per domain (fq_timer, armed by
 * the first unmap that finds it off, on that CPU) flushes and frees every queue into the timer
 * CPU's rcache. Until the flush completes the device can still reach the freed buffers.
 */
class Lazy extends Strict {
  override readonly id = 'lazy';
  private declare readonly single: boolean;
  /** Entries a queue holds before it counts as full (fq_full: one slot of the ring stays empty). */
  private declare readonly capacity: number;
  private declare readonly timeoutUs: number;
  /**
   * Every queue's ring of entries, struct-of-arrays (IOVA start page, pages, flush counter, unmap
   * time), queue q's entry i at q * capacity + i: no allocation per unmap, and one array per field
   * rather than an array of arrays (~140 machine instructions an unmap spent on the four stores).
   */
  private declare readonly ringStart: Float64Array;
  private declare readonly ringPages: Float64Array;
  private declare readonly ringCounter: Float64Array;
  private declare readonly ringUnmapT: Float64Array;
  private declare readonly head: Int32Array;
  private declare readonly len: Int32Array;
  private flushStartCnt = 0;
  private flushFinishCnt = 0;
  /** Completion time of flush k (k = 1, 2, ...): when an entry with counter k - 1 stopped being reachable. */
  private readonly flushDoneUs: number[] = doubleArray([0]);
  private timerOn = false;
  /** The single queue's spinlock is held across its flush: other CPUs' unmaps wait. */
  private singleLockFreeUs = 0;

  constructor(m: Machine, params: Record<string, unknown>) {
    super(m, params);
    this.single = Boolean(params.single);
    const fqDefault = 256;
    const toDefault = 10;
    const fqSize = this.single && params.fq === fqDefault ? 32768 : (params.fq as number);
    this.capacity = Math.max(1, fqSize - 1);
    this.timeoutUs = (this.single && params.timeoutMs === toDefault ? 1000 : (params.timeoutMs as number)) * 1000;
    const queues = this.single ? 1 : m.cpus;
    this.ringStart = new Float64Array(queues * this.capacity);
    this.ringPages = new Float64Array(queues * this.capacity);
    this.ringCounter = new Float64Array(queues * this.capacity);
    this.ringUnmapT = new Float64Array(queues * this.capacity);
    this.head = new Int32Array(queues);
    this.len = new Int32Array(queues);
  }

  override unmap(io: Io): void {
    const m = this.m;
    m.beginCall(io.cpu);
    if (io.iovaPage < 0) return;
    m.spend(PH_UNMAP, T_API, m.dmaApiUs);
    if (m.virtKind === VIRT_VIRTIO) this.virtioQueueUnmap(io);
    else m.pteUnmap(io.iovaPage, io.iovaPages, io.mapEntries || io.iovaPages, false, PH_UNMAP);
    const q = this.single ? 0 : io.cpu;
    if (this.single) m.waitUntil(this.singleLockFreeUs, PH_UNMAP);
    this.ringFree(q, io.cpu);
    if (this.len[q] >= this.capacity) {
      this.flushIotlb();
      this.ringFree(q, io.cpu);
    }
    const cap = this.capacity;
    const len = this.len[q];
    let i = this.head[q] + len;
    if (i >= cap) i -= cap;
    const e = q * cap + i;
    this.ringStart[e] = io.iovaPage;
    this.ringPages[e] = io.iovaPages;
    this.ringCounter[e] = this.flushStartCnt;
    this.ringUnmapT[e] = m.cur;
    this.len[q] = len + 1;
    io.iovaPage = -1;
    m.spend(PH_UNMAP, T_IOVA_FREE, m.flushQueueAddUs);
    if (this.single) this.singleLockFreeUs = m.cur;
    if (!this.timerOn) this.armTimer(io.cpu);
    if (io.fromDevice) m.cacheMaint(io.bytes, PH_UNMAP);
  }

  // The unmap's rare branches live apart from it, out of the inlining budget of the per-IO path.

  /**
   * virtio-iommu: viommu_unmap_pages queues the UNMAP (viommu_add_req); with no iotlb_sync the
   * host acts on it at the next kick: another vCPU's MAP sync, or the flush queue's flush_iotlb_all.
   */
  private virtioQueueUnmap(io: Io): void {
    const m = this.m;
    m.spend(PH_UNMAP, T_API, m.unmapCallUs);
    m.virtPost(1, Math.max(1, Math.round((io.iovaPages * m.granule) / m.cpuPage)), m.p.virt.hostUnmapPerPageUs);
  }

  /** fq_timer armed by the first unmap that finds it off, on that CPU. */
  private armTimer(cpu: number): void {
    this.timerOn = true;
    this.m.queue.push(this.m.cur + this.timeoutUs, 2, EV_FQ_TIMER, cpu);
  }

  /** fq_flush_iotlb: one domain-wide invalidation from the cursor on; the finish count moves after it. */
  private flushIotlb(): void {
    const m = this.m;
    this.flushStartCnt++;
    const v = m.p.virt;
    if (m.virtKind === VIRT_VIRTIO) {
      // viommu_flush_iotlb_all: one sync; the queued UNMAPs not yet processed are done now.
      m.virtRequest(0, 0, v.hostUnmapPerPageUs, PH_INV);
      for (let q = 0; q < this.len.length; q++) m.invalidations += this.len[q];
      m.iotlb.invalidateAll();
    } else if (m.virtKind === VIRT_EMULATED) {
      // One domain-wide invalidation traps; the VMM unmaps every queued page on the host.
      let pages = 0;
      for (let q = 0; q < this.len.length; q++) {
        const cap = this.capacity;
        for (let k = 0, i = this.head[q]; k < this.len[q]; k++, i = i + 1 === cap ? 0 : i + 1) pages += this.ringPages[q * cap + i];
      }
      m.invalidations++;
      m.iotlb.invalidateAll();
      m.spend(PH_INV, T_INV_CMD, m.insertUs);
      m.shadowRequest(Math.round((pages * m.granule) / m.cpuPage), v.hostUnmapPerPageUs, PH_INV);
    } else {
      m.invalidateDomain();
    }
    this.flushFinishCnt++;
    this.flushDoneUs.push(m.cur);
  }

  /** fq_ring_free_locked: entries a finished flush covers go back to `cpu`'s rcache. */
  private ringFree(q: number, cpu: number): void {
    const m = this.m;
    const cap = this.capacity;
    const base = q * cap;
    const done = this.flushDoneUs;
    const finish = this.flushFinishCnt;
    // The ring's head and length in locals, stored once after the loop (iovaFree touches neither).
    let len = this.len[q];
    let i = this.head[q];
    while (len > 0) {
      const e = base + i;
      const c = this.ringCounter[e];
      if (c >= finish) break;
      // The first flush started after this entry was queued is flush c + 1.
      m.recordStale(done[c + 1] - this.ringUnmapT[e]);
      m.iovaFree(cpu, this.ringStart[e], this.ringPages[e], PH_UNMAP);
      i = i + 1 === cap ? 0 : i + 1;
      len--;
    }
    this.head[q] = i;
    this.len[q] = len;
  }

  override onEvent(kind: number, cpu: number, t: number): void {
    if (kind !== EV_FQ_TIMER) return;
    // fq_flush_timeout runs in softirq on the CPU that armed the timer: CPU time of no DMA call.
    const m = this.m;
    this.timerOn = false;
    m.begin(Math.max(t, m.cpuFreeAt[cpu]), cpu);
    if (this.single) m.waitUntil(this.singleLockFreeUs, PH_INV);
    this.flushIotlb();
    for (let q = 0; q < this.len.length; q++) this.ringFree(q, cpu);
    if (this.single) this.singleLockFreeUs = m.cur;
    m.cpuFreeAt[cpu] = m.cur;
  }

  override finish(t: number): number {
    const m = this.m;
    m.begin(t);
    let queued = 0;
    for (let q = 0; q < this.len.length; q++) queued += this.len[q];
    if (queued === 0) return m.cur;
    this.flushIotlb();
    for (let q = 0; q < this.len.length; q++) this.ringFree(q, this.single ? m.cpu : q);
    return m.cur;
  }
}

/**
 * kernel/dma/swiotlb.c: a boot-time pool of 2 KiB slots in 128-slot segments; a mapping takes
 * contiguous slots inside one segment, aligned to the IOMMU granule when it is larger than the
 * CPU page (the DART series), copies in the needed direction, and fails when the pool is full
 * or the mapping exceeds one segment (256 KiB). With an IOMMU (`iommu=1`, dma-iommu's path for
 * untrusted devices) the slot is then mapped and unmapped strictly; `iommu=0` is dma-direct
 * (swiotlb=force, confidential guests).
 */
class Swiotlb extends Base {
  readonly id: string = 'swiotlb';
  protected declare readonly used: Uint8Array;
  protected declare readonly slots: number;
  protected declare readonly poolBytes: number;
  protected declare readonly viaIommu: boolean;
  private cursor = 0;
  /** Per IO: first slot and slot count (or -1). */
  protected declare readonly ioSlot: Int32Array;
  protected declare readonly ioSlots: Int32Array;
  protected declare readonly alignSlots: number;

  constructor(m: Machine, params: Record<string, unknown>, maxIos: number) {
    super(m);
    this.poolBytes = params.pool as number;
    this.slots = Math.floor(this.poolBytes / SWIOTLB_SLOT);
    this.used = new Uint8Array(this.slots);
    this.viaIommu = params.iommu !== false;
    this.ioSlot = new Int32Array(maxIos).fill(-1);
    this.ioSlots = new Int32Array(maxIos);
    const align = Math.max(m.granule, m.cpuPage);
    this.alignSlots = Math.max(1, align / SWIOTLB_SLOT);
    if ((this.alignSlots & (this.alignSlots - 1)) !== 0) throw new SimulationInvariantError(`swiotlb: slot alignment ${this.alignSlots} is not a power of two`);
    m.bounce.set(0, this.poolBytes);
  }

  /** swiotlb=force without an IOMMU (iommu=0): the device uses physical addresses and reaches all RAM. */
  override standingBytes(): number {
    return this.viaIommu ? 0 : this.m.p.cpu.memoryBytes;
  }

  protected slotsFor(bytes: number): number {
    // Integer forms of ceil(bytes / SWIOTLB_SLOT) and of rounding up to alignSlots, both powers
    // of two (the granule and the CPU page are): no division on the per-IO path.
    const a = this.alignSlots;
    if (bytes > 0x3fffffff) return Math.ceil(Math.ceil(bytes / SWIOTLB_SLOT) / a) * a;
    const n = (bytes + SWIOTLB_SLOT - 1) >> SWIOTLB_SLOT_SHIFT;
    return (n + a - 1) & -a;
  }

  /** First fit from a rotating cursor, never crossing a segment, aligned. Returns -1 when full. */
  protected findSlots(n: number): number {
    if (n > SWIOTLB_SEG || this.slots === 0) return -1;
    const a = this.alignSlots;
    const total = this.slots;
    const used = this.used;
    // a is a power of two and the cursor a slot index: a mask, not a division.
    let idx = this.cursor & -a;
    for (let scanned = 0; scanned < total; scanned += a) {
      if (idx + n > total) {
        idx = 0;
      }
      const segEnd = ((idx >> SWIOTLB_SEG_SHIFT) + 1) << SWIOTLB_SEG_SHIFT;
      if (idx + n <= segEnd) {
        let ok = true;
        for (let i = idx; i < idx + n; i++) {
          if (used[i]) {
            ok = false;
            break;
          }
        }
        if (ok) {
          for (let i = idx; i < idx + n; i++) used[i] = 1;
          this.cursor = idx + n;
          return idx;
        }
      }
      idx += a;
    }
    return -1;
  }

  /** Called when the static pool cannot serve the mapping. Static swiotlb fails it. */
  protected overflow(io: Io): void {
    io.failed = true;
  }

  map(io: Io): void {
    const m = this.m;
    m.beginCall();
    m.spend(PH_MAP, T_API, m.dmaApiUs);
    const n = this.slotsFor(io.bytes);
    const first = this.findSlots(n);
    m.spend(PH_MAP, T_SLOT, m.slotFindUs);
    if (first < 0) {
      this.overflow(io);
      return;
    }
    this.ioSlot[io.index] = first;
    this.ioSlots[io.index] = n;
    if (io.toDevice) m.copy(io.bytes);
    if (this.viaIommu) {
      // The slot is granule-aligned and padded: map it whole, one contiguous entry.
      this.iommuMap(io, n * SWIOTLB_SLOT, 0, false, 1);
      if (io.failed) {
        this.release(io);
        return;
      }
    } else io.iovaPage = -1;
    m.recordMapping(io.bytes, io.bytes);
    m.cacheMaint(io.bytes, PH_MAP);
  }

  protected release(io: Io): void {
    const first = this.ioSlot[io.index];
    const n = this.ioSlots[io.index];
    const used = this.used;
    for (let i = first; i < first + n; i++) used[i] = 0;
    this.ioSlot[io.index] = -1;
  }

  unmap(io: Io): void {
    const m = this.m;
    m.beginCall();
    m.spend(PH_UNMAP, T_API, m.dmaApiUs);
    if (this.viaIommu && io.iovaPage >= 0) this.iommuUnmap(io, false);
    if (io.fromDevice) {
      m.cacheMaint(io.bytes, PH_UNMAP);
      m.copy(io.bytes);
    }
    this.unmapSlots(io);
  }

  protected unmapSlots(io: Io): void {
    if (this.ioSlot[io.index] >= 0) this.release(io);
    this.m.spend(PH_UNMAP, T_SLOT, this.m.slotFreeUs);
  }
}

/**
 * [PATCH v2 0/7] Allow dynamic allocation of software IO TLB bounce buffers (Tesarik 2023):
 * when the (small) static pool cannot serve a mapping, a buffer is allocated on demand
 * (alloc_pages, may sleep) and freed at unmap: memory follows load, growth costs allocation.
 */
class SwiotlbDynamic extends Swiotlb {
  override readonly id = 'swiotlb-dynamic';
  private declare readonly dynBytes: Float64Array;
  private dynamicInUse = 0;

  constructor(m: Machine, params: Record<string, unknown>, maxIos: number) {
    super(m, params, maxIos);
    this.dynBytes = new Float64Array(maxIos);
  }

  protected override overflow(io: Io): void {
    const m = this.m;
    const align = Math.max(m.granule, m.cpuPage);
    const bytes = Math.ceil(io.bytes / align) * align;
    const pages = bytes / m.cpuPage;
    // swiotlb_dyn_map: allocation of a contiguous buffer (order = log2 pages) and its tracking.
    m.spend(PH_MAP, T_PAGE_ALLOC, m.p.cpu.dynAllocUs + pages * m.p.cpu.pageAllocUs);
    this.dynBytes[io.index] = bytes;
    this.dynamicInUse += bytes;
    m.bounce.set(m.cur, this.poolBytes + this.dynamicInUse);
    m.fallbacks++;
    if (io.toDevice) m.copy(io.bytes);
    if (this.viaIommu) {
      this.iommuMap(io, bytes, 0, false, 1);
      if (io.failed) {
        this.dynamicInUse -= bytes;
        this.dynBytes[io.index] = 0;
        m.bounce.set(m.cur, this.poolBytes + this.dynamicInUse);
        return;
      }
    } else io.iovaPage = -1;
    m.recordMapping(io.bytes, io.bytes);
    m.cacheMaint(io.bytes, PH_MAP);
  }

  protected override unmapSlots(io: Io): void {
    const dyn = this.dynBytes[io.index];
    if (dyn > 0) this.freeDynamic(io, dyn);
    else super.unmapSlots(io);
  }

  /**
   * swiotlb_dyn_unmap. Out of line: the unmap path is inlined into the event loop, and a branch
   * the loop rarely takes there spends the inlining budget the per-IO calls need (the cost
   * jitter's draw and the device's completion stayed calls).
   */
  private freeDynamic(io: Io, dyn: number): void {
    const m = this.m;
    m.spend(PH_UNMAP, T_PAGE_ALLOC, m.p.cpu.dynFreeUs + (dyn / m.cpuPage) * m.p.cpu.pageFreeUs);
    this.dynamicInUse -= dyn;
    this.dynBytes[io.index] = 0;
    m.bounce.set(m.cur, this.poolBytes + this.dynamicInUse);
  }
}

interface PoolClass {
  bytes: number;
  slotBytes: number;
  iovaBase: number;
  pagesPerSlot: number;
  state: Uint8Array;
  prot: Uint8Array;
  lastUsed: Float64Array;
  unmappedFree: number[];
  cached: number[][];
}

/**
 * [PATCH 0/4] Add dynamic iommu backed bounce buffers (Stevens 2021), io-buffer-pool.c: per
 * domain, power-of-two classes of slots, each class a contiguous IOVA range. A slot is mapped
 * on first use and stays mapped after unmap, cached by protection; a cached slot unused for a
 * whole eviction period is unmapped. No slot, or a buffer larger than the largest class, falls
 * back to the normal (strict) path. Copies happen only in the direction needed.
 */
class BouncePool extends Base {
  readonly id = 'bounce-pool';
  private declare readonly classes: PoolClass[];
  private declare readonly evictUs: number;
  private declare readonly fallback: Strict;
  private declare readonly ioFallback: Uint8Array;
  private mappedSlotBytes = 0;
  private evictArmed = false;

  constructor(m: Machine, params: Record<string, unknown>, maxIos: number) {
    super(m);
    const sizes = params.classes as number[];
    const slots = params.slots as number;
    this.evictUs = (params.evictMs as number) * 1000;
    this.fallback = new Strict(m);
    this.ioFallback = new Uint8Array(maxIos);
    // Each class reserves a contiguous IOVA range up front (io_buffer_pool_init).
    this.classes = sizes.map((bytes) => {
      const slotBytes = Math.max(bytes, m.granule);
      const pagesPerSlot = slotBytes / m.granule;
      m.iovaAlloc(0, pagesPerSlot * slots, PH_OTHER);
      const base = m.allocOut.start;
      if (base < 0) throw new SimulationInvariantError(`bounce-pool: no IOVA space for ${slots} slots of ${slotBytes} bytes`);
      return {
        bytes, slotBytes, iovaBase: base, pagesPerSlot,
        state: new Uint8Array(slots), prot: new Uint8Array(slots), lastUsed: new Float64Array(slots),
        unmappedFree: Array.from({ length: slots }, (_, i) => slots - 1 - i),
        cached: [[], [], []],
      };
    });
    // The reservation happens at pool creation, before the workload: not part of the run.
    m.phaseUs[PH_OTHER] = 0;
    m.cur = 0;
  }

  private protOf(io: Io): number {
    return io.toDevice && io.fromDevice ? PROT_RW : io.toDevice ? PROT_RO : PROT_WO;
  }

  private mapSlot(c: PoolClass, slot: number): void {
    const m = this.m;
    this.mapRange(c.iovaBase + slot * c.pagesPerSlot, c.pagesPerSlot, c.slotBytes / m.cpuPage, 1, false, PH_MAP);
    // Slot memory is allocated when the slot is first mapped.
    m.spend(PH_MAP, T_PAGE_ALLOC, (c.slotBytes / m.cpuPage) * m.p.cpu.pageAllocUs);
    this.mappedSlotBytes += c.slotBytes;
    m.bounce.set(m.cur, this.mappedSlotBytes);
  }

  private unmapSlot(c: PoolClass, slot: number, phase: number): void {
    const m = this.m;
    this.unmapRange(c.iovaBase + slot * c.pagesPerSlot, c.pagesPerSlot, false, phase);
    this.mappedSlotBytes -= c.slotBytes;
    m.bounce.set(m.cur, this.mappedSlotBytes);
  }

  map(io: Io): void {
    const m = this.m;
    m.beginCall();
    m.spend(PH_MAP, T_API, m.dmaApiUs);
    let ci = -1;
    for (let k = 0; k < this.classes.length; k++) {
      if (this.classes[k].slotBytes >= io.bytes && this.classes[k].bytes >= io.bytes) {
        ci = k;
        break;
      }
    }
    const prot = this.protOf(io);
    let slot = -1;
    if (ci >= 0) {
      const c = this.classes[ci];
      m.spend(PH_MAP, T_SLOT, m.slotFindUs);
      const cached = c.cached[prot];
      if (cached.length > 0) slot = cached.pop()!;
      else if (c.unmappedFree.length > 0) {
        slot = c.unmappedFree.pop()!;
        this.mapSlot(c, slot);
      } else {
        // Only slots cached with another protection: remap one.
        for (let p = 0; p < 3 && slot < 0; p++) {
          if (p !== prot && c.cached[p].length > 0) {
            slot = c.cached[p].shift()!;
            this.unmapSlot(c, slot, PH_MAP);
            this.mapSlot(c, slot);
          }
        }
      }
    }
    if (slot < 0) {
      m.fallbacks++;
      this.ioFallback[io.index] = 1;
      this.fallback.map(io);
      return;
    }
    const c = this.classes[ci];
    this.ioFallback[io.index] = 0;
    c.state[slot] = SLOT_BUSY;
    c.prot[slot] = prot;
    io.slotClass = ci;
    io.slot = slot;
    io.iovaPage = c.iovaBase + slot * c.pagesPerSlot;
    io.iovaPages = Math.ceil(io.bytes / m.granule);
    if (io.toDevice) m.copy(io.bytes);
    m.recordMapping(io.bytes, io.bytes);
    m.cacheMaint(io.bytes, PH_MAP);
  }

  unmap(io: Io): void {
    const m = this.m;
    if (this.ioFallback[io.index]) {
      this.fallback.unmap(io);
      return;
    }
    m.beginCall();
    m.spend(PH_UNMAP, T_API, m.dmaApiUs);
    const c = this.classes[io.slotClass];
    const slot = io.slot;
    if (io.fromDevice) {
      m.cacheMaint(io.bytes, PH_UNMAP);
      m.copy(io.bytes);
    }
    m.spend(PH_UNMAP, T_SLOT, m.slotFreeUs);
    c.state[slot] = SLOT_CACHED;
    c.lastUsed[slot] = m.cur;
    c.cached[c.prot[slot]].push(slot);
    io.slot = -1;
    io.iovaPage = -1;
    if (!this.evictArmed) {
      this.evictArmed = true;
      m.queue.push(m.cur + this.evictUs, 2, EV_POOL_EVICT, 0);
    }
  }

  /** Eviction pass (a delayed work item): unmap cached slots idle for a whole period. */
  override onEvent(kind: number, _arg: number, t: number): void {
    if (kind !== EV_POOL_EVICT) return;
    const m = this.m;
    this.evictArmed = false;
    let any = false;
    m.cpu = 0;
    m.cur = Math.max(t, m.cpuFreeAt[0]);
    for (const c of this.classes) {
      for (let p = 0; p < 3; p++) {
        const keep: number[] = [];
        for (const slot of c.cached[p]) {
          if (c.lastUsed[slot] + this.evictUs <= t) {
            this.unmapSlot(c, slot, PH_UNMAP);
            c.state[slot] = SLOT_FREE;
            c.unmappedFree.push(slot);
          } else keep.push(slot);
        }
        c.cached[p] = keep;
        if (keep.length > 0) any = true;
      }
    }
    m.cpuFreeAt[0] = m.cur;
    if (any) {
      this.evictArmed = true;
      m.queue.push(t + this.evictUs, 2, EV_POOL_EVICT, 0);
    }
  }

  override finish(t: number): number {
    const m = this.m;
    m.begin(t);
    for (const c of this.classes) {
      for (let p = 0; p < 3; p++) {
        for (const slot of c.cached[p]) {
          this.unmapSlot(c, slot, PH_UNMAP);
          c.state[slot] = SLOT_FREE;
          c.unmappedFree.push(slot);
        }
        c.cached[p] = [];
      }
      for (let s = 0; s < c.state.length; s++) {
        if (c.state[s] === SLOT_BUSY) throw new SimulationInvariantError(`bounce-pool: slot ${s} still busy at the end of the run`);
      }
    }
    return this.fallback.finish(m.cur);
  }

  /** For the property tests: every slot accounted for, none both busy and cached. */
  checkInvariants(): void {
    for (const c of this.classes) {
      const seen = new Uint8Array(c.state.length);
      for (const s of c.unmappedFree) {
        if (c.state[s] !== SLOT_FREE || seen[s]++) throw new SimulationInvariantError('bounce-pool: free list corrupt');
      }
      for (const list of c.cached) {
        for (const s of list) if (c.state[s] !== SLOT_CACHED || seen[s]++) throw new SimulationInvariantError('bounce-pool: cache corrupt');
      }
    }
  }
}

/**
 * [RFC PATCH v3 0/8] Add IOPF support for VFIO passthrough (Lu 2021): nothing is pinned up
 * front; the device's first access to an unmapped page stalls, the fault is reported
 * (SMMU event queue / PRI), vfio_iommu_type1_dma_map_iopf pins and maps it and up to
 * premap-1 following unmapped pages, and the page response lets the device retry.
 * mode=sva: host shared virtual addressing, iommu_sva_handle_iopf serves each fault with
 * handle_mm_fault on the one faulting page (no premap), and the driver's queue memory is
 * kernel-pinned.
 */
class Iopf extends Direct {
  readonly id = 'iopf';
  private readonly mapped = new Map<number, Uint8Array>();
  private declare readonly premap: number;
  private declare readonly sva: boolean;
  private pinnedPages = 0;
  /**
   * When each core the workload does not run on is free: the fault's report (the event-queue
   * IRQ) and handler (iopf_queue's WQ_UNBOUND work) run on whichever core the scheduler finds
   * first, and only on a core. Booked as CPU time with no core, they let CPU use pass the
   * machine's cores (tegra-smmu, 4 jobs on its 4 cores: 4.006 cores busy).
   */
  private declare readonly spareCoreFreeAt: Float64Array;

  constructor(m: Machine, params: Record<string, unknown>) {
    super(m);
    this.sva = params.mode === 'sva';
    // handle_mm_fault serves the faulting page; premap-ahead is VFIO's (IOPF_PREMAP_LEN).
    this.premap = this.sva ? 1 : (params.premap as number);
    this.spareCoreFreeAt = new Float64Array(Math.max(0, m.p.cpu.cores - m.cpus));
  }

  protected readonly translated = true;
  /** Faulted-in pages stay mapped until the vfio_dma is unmapped: the peak of the pinned set. */
  override standingBytes(): number {
    return this.m.pinned.peak;
  }

  private isMapped(page: number): boolean {
    const chunk = this.mapped.get(Math.floor(page / 65536));
    return chunk !== undefined && chunk[page % 65536] === 1;
  }

  private setMapped(page: number): void {
    const key = Math.floor(page / 65536);
    let chunk = this.mapped.get(key);
    if (!chunk) {
      chunk = new Uint8Array(65536);
      this.mapped.set(key, chunk);
    }
    chunk[page % 65536] = 1;
  }

  /** Walks the pages in device order, faulting on each unmapped one; returns the total stall. */
  private touch(firstPage: number, pages: number, t: number, perPageUs: number): number {
    const m = this.m;
    const f = m.p.iopf;
    let stall = 0;
    for (let p = firstPage; p < firstPage + pages; p++) {
      if (this.isMapped(p)) continue;
      m.faults++;
      let n = 0;
      for (let q = p; n < this.premap && !this.isMapped(q); q++, n++) this.setMapped(q);
      this.pinnedPages += n;
      const cpuUs = f.faultReportUs + f.faultHandlerUs + n * perPageUs;
      m.phaseUs[PH_FAULT] += cpuUs;
      const reported = t + stall;
      const start = this.bookFaultCore(reported, cpuUs);
      stall += start - reported + cpuUs + f.pageResponseUs;
      m.pinned.set(t + stall, this.pinnedPages * m.cpuPage);
    }
    return stall;
  }

  /**
   * Runs `cpuUs` of fault work on the first core free at `readyUs` (spare cores first, then the
   * workload's, lowest index on a tie), or else on the one free soonest; returns its start. A
   * workload core's later work waits behind it, as a fio thread waits behind the worker.
   */
  private bookFaultCore(readyUs: number, cpuUs: number): number {
    const spare = this.spareCoreFreeAt;
    const busy = this.m.cpuFreeAt;
    let best = -1;
    let bestFreeUs = Infinity;
    for (let c = 0; c < spare.length; c++) {
      if (spare[c] < bestFreeUs) { best = c; bestFreeUs = spare[c]; }
      if (bestFreeUs <= readyUs) break;
    }
    if (bestFreeUs > readyUs) {
      for (let c = 0; c < busy.length; c++) {
        if (busy[c] < bestFreeUs) { best = spare.length + c; bestFreeUs = busy[c]; }
        if (bestFreeUs <= readyUs) break;
      }
    }
    const start = bestFreeUs > readyUs ? bestFreeUs : readyUs;
    if (best < spare.length) spare[best] = start + cpuUs;
    else busy[best - spare.length] = start + cpuUs;
    return start;
  }

  override deviceAccess(io: Io, t: number): number {
    const per = this.sva ? this.m.p.iopf.svaFaultPerPageUs : this.m.p.iopf.pinMapPerPageUs;
    return this.touch(io.bufferPage, this.m.cpuPagesFor(io.bytes, io.offsetInGranule), t, per);
  }

  override touchQueuePages(firstPage: number, pages: number, t: number): number {
    if (this.sva) return 0;
    return this.touch(firstPage, pages, t, this.m.p.iopf.pinMapPerPageUs);
  }
}

/** VFIO type1 default: all memory pinned and mapped once (VFIO_IOMMU_MAP_DMA at start). */
class Pinned extends Direct {
  readonly id = 'pinned';
  protected readonly translated = true;
  constructor(m: Machine) {
    super(m);
    m.pinned.set(0, m.p.cpu.memoryBytes);
    m.iovaBytes.set(m.p.cpu.memoryBytes);
    // VFIO_IOMMU_MAP_DMA of memory backed by huge pages: iommu_map uses the largest block the
    // tables support within the backing page, so one IOTLB entry reaches a whole block.
    let best = m.granule;
    for (const b of m.p.iommu.blockSizesBytes) if (b <= m.p.cpu.pinnedPageBytes && b > best) best = b;
    this.tlbShift = Math.log2(best / m.granule);
  }
  override standingBytes(): number {
    return this.m.p.cpu.memoryBytes;
  }
}

export function createStrategy(m: Machine, spec: StrategySpec, maxIos: number): MappingStrategy {
  const params = spec.params as Record<string, unknown>;
  switch (spec.id) {
    case 'passthrough':
      return new Passthrough(m);
    case 'strict':
      return new Strict(m, params);
    case 'range-flush':
      return new RangeFlush(m);
    case 'lazy':
      return new Lazy(m, params);
    case 'swiotlb':
      return new Swiotlb(m, params, maxIos);
    case 'swiotlb-dynamic':
      return new SwiotlbDynamic(m, params, maxIos);
    case 'bounce-pool':
      return new BouncePool(m, params, maxIos);
    case 'iopf':
      return new Iopf(m, params);
    case 'pinned':
      return new Pinned(m);
  }
}

export { BouncePool };
