import { SimulationInvariantError } from '../errors.ts';
import type { StrategySpec } from '../types.ts';
import {
  EV_FQ_TIMER, EV_POOL_EVICT, PH_COPY, PH_FAULT, PH_MAP, PH_OTHER, PH_UNMAP,
  type Io, type Machine,
} from './machine.ts';

/**
 * A DMA-mapping strategy: what dma_map_*() and dma_unmap_*() cost and do on the machine.
 * `map` and `unmap` take the CPU time at which the call starts and return when it returns.
 */
export interface MappingStrategy {
  readonly id: string;
  map(io: Io, t: number): number;
  unmap(io: Io, t: number): number;
  /** Device touches the buffer's pages: returns the stall (I/O page faults), in us. */
  deviceAccess(io: Io, t: number): number;
  /** Device touches driver queue memory (accelerator rings); faultable only under VFIO IOPF. */
  touchQueuePages(firstPage: number, pages: number, t: number): number;
  onEvent(kind: number, arg: number, t: number): void;
  /** End of run: drain deferred work (flush queues, cached slots); returns the end time. */
  finish(t: number): number;
  /** The device is protected from foreign memory only through bounce slots. */
  readonly bounces: boolean;
}

/** DMA API call overhead outside the IOMMU driver (dma_map_page_attrs dispatch, checks). */
const DMA_API_NS = 40;
/** Slot lookup in a bounce pool or swiotlb area, under its spinlock. */
const SLOT_FIND_NS = 60;
const SLOT_FREE_NS = 80;

abstract class Base implements MappingStrategy {
  abstract readonly id: string;
  readonly bounces: boolean = false;
  constructor(protected readonly m: Machine) {}
  abstract map(io: Io, t: number): number;
  abstract unmap(io: Io, t: number): number;
  deviceAccess(_io: Io, _t: number): number {
    return 0;
  }
  touchQueuePages(_firstPage: number, _pages: number, _t: number): number {
    return 0;
  }
  onEvent(_kind: number, _arg: number, _t: number): void {}
  finish(t: number): number {
    return t;
  }

  protected spend(phase: number, t: number, us: number): number {
    this.m.phaseUs[phase] += us;
    return t + us;
  }

  /**
   * iommu_dma_map_page/map_sg: IOVA allocation, then the driver's map (PTE writes, table
   * allocations, the map-side flush on hardware that caches invalid PTEs) or, on a virtual
   * IOMMU, one synchronous MAP request per scatter-gather entry.
   */
  protected iommuMap(io: Io, t: number, bytes: number, offset: number, gathered: boolean, phase = PH_MAP): number {
    const m = this.m;
    const g = m.granulesFor(bytes, offset);
    t = m.iovaAlloc(io.cpu, g, t, phase);
    const start = m.allocOut.start;
    if (start < 0) {
      io.failed = true;
      io.iovaPage = -1;
      return t;
    }
    io.iovaPage = start;
    io.iovaPages = g;
    if (m.p.virt.enabled) {
      const pages = m.cpuPagesFor(bytes, offset);
      const entries = Math.min(io.sgEntries, pages);
      t = this.spend(phase, t, (entries * m.p.iommu.mapCallNs) / 1000);
      for (let e = 0; e < entries; e++) {
        const pe = Math.floor(pages / entries) + (e < pages % entries ? 1 : 0);
        t = m.virtRequest(t, 1, pe, m.p.virt.hostMapPerPageUs, phase);
      }
    } else {
      t = this.spend(phase, t, m.pteMapUs(start, g, Math.min(io.sgEntries, g), gathered));
      if (m.p.iommu.cachesInvalidPtes) t = m.invalidateForMap(t, start, g, gathered);
    }
    return t;
  }

  /** iommu_dma_unmap_*: PTE clears and the invalidation (per page when strict, gathered otherwise), then the IOVA free. */
  protected iommuUnmap(io: Io, t: number, gathered: boolean, phase = PH_UNMAP): number {
    const m = this.m;
    const start = io.iovaPage;
    const g = io.iovaPages;
    if (m.p.virt.enabled) {
      t = this.spend(phase, t, m.p.iommu.unmapCallNs / 1000);
      const pages = Math.max(1, Math.round((g * m.granule) / m.cpuPage));
      t = m.virtRequest(t, 1, pages, m.p.virt.hostUnmapPerPageUs, phase);
      m.invalidations++;
      m.invalidatedPages += g;
      m.iotlb.invalidateRange(start, g);
    } else {
      t = this.spend(phase, t, m.pteUnmapUs(start, g, gathered));
      t = gathered ? m.invalidateGathered(t, start, g) : m.invalidateStrict(t, start, g);
    }
    t = m.iovaFree(io.cpu, start, g, t, phase);
    io.iovaPage = -1;
    return t;
  }

  protected cacheMaint(io: Io, t: number, phase: number, bytes = io.bytes): number {
    const us = this.m.cacheMaintUs(bytes);
    return us > 0 ? this.spend(phase, t, us) : t;
  }
}

/** iommu.passthrough=1 / identity domain: dma-direct, physical addresses, nothing to map. */
class Passthrough extends Base {
  readonly id = 'passthrough';
  map(io: Io, t: number): number {
    io.iovaPage = -1;
    this.m.recordMapping(io.bytes, this.m.p.cpu.memoryBytes);
    return this.cacheMaint(io, this.spend(PH_MAP, t, DMA_API_NS / 1000), PH_MAP);
  }
  unmap(io: Io, t: number): number {
    t = this.spend(PH_UNMAP, t, DMA_API_NS / 1000);
    return io.fromDevice ? this.cacheMaint(io, t, PH_UNMAP) : t;
  }
}

/**
 * iommu.strict=1 (and tegra-smmu before the range-flush RFC): every page is flushed from the
 * IOTLB before dma_unmap returns; hardware that caches invalid PTEs is flushed per page on map.
 */
class Strict extends Base {
  readonly id: string = 'strict';
  protected readonly gathered: boolean = false;
  map(io: Io, t: number): number {
    t = this.spend(PH_MAP, t, DMA_API_NS / 1000);
    t = this.iommuMap(io, t, io.bytes, io.offsetInGranule, this.gathered);
    if (io.failed) return t;
    this.m.recordMapping(io.bytes, io.iovaPages * this.m.granule);
    return this.cacheMaint(io, t, PH_MAP);
  }
  unmap(io: Io, t: number): number {
    if (io.iovaPage < 0) return t;
    t = this.spend(PH_UNMAP, t, DMA_API_NS / 1000);
    t = this.iommuUnmap(io, t, this.gathered);
    return io.fromDevice ? this.cacheMaint(io, t, PH_UNMAP) : t;
  }
}

/** [RFC PATCH 0/3] iommu: Add range flush operation (Figa 2015); today's iotlb_gather + iotlb_sync. */
class RangeFlush extends Strict {
  override readonly id = 'range-flush';
  protected override readonly gathered = true;
}

interface FqEntry {
  start: number;
  pages: number;
  cpu: number;
  unmapT: number;
}

/**
 * iommu.strict=0: drivers/iommu/dma-iommu.c queue_iova() puts the IOVA in a per-CPU flush queue;
 * fq_flush_iotlb() flushes the whole domain when a queue is full or fq_flush_timeout() fires,
 * then the IOVAs are freed. Until then the device can still reach the freed buffers.
 */
class Lazy extends Strict {
  override readonly id = 'lazy';
  private readonly fq: FqEntry[][];
  private readonly fqSize: number;
  private readonly timeoutUs: number;
  private readonly timerArmed: boolean[];
  private readonly single: boolean;

  constructor(m: Machine, params: Record<string, unknown>) {
    super(m);
    this.single = Boolean(params.single);
    const fqDefault = 256;
    const toDefault = 10;
    this.fqSize = this.single && params.fq === fqDefault ? 32768 : (params.fq as number);
    this.timeoutUs = (this.single && params.timeoutMs === toDefault ? 1000 : (params.timeoutMs as number)) * 1000;
    const queues = this.single ? 1 : m.cpus;
    this.fq = Array.from({ length: queues }, () => []);
    this.timerArmed = Array.from({ length: queues }, () => false);
  }

  override unmap(io: Io, t: number): number {
    if (io.iovaPage < 0) return t;
    const m = this.m;
    t = this.spend(PH_UNMAP, t, DMA_API_NS / 1000);
    if (m.p.virt.enabled) {
      // The UNMAP request is queued on the virtqueue; the host acts on it at the next sync.
      t = this.spend(PH_UNMAP, t, m.p.iommu.unmapCallNs / 1000);
    } else {
      t = this.spend(PH_UNMAP, t, m.pteUnmapUs(io.iovaPage, io.iovaPages, false));
    }
    const q = this.single ? 0 : io.cpu;
    const fq = this.fq[q];
    fq.push({ start: io.iovaPage, pages: io.iovaPages, cpu: io.cpu, unmapT: t });
    io.iovaPage = -1;
    t = this.spend(PH_UNMAP, t, 0.03);
    if (fq.length >= this.fqSize) t = this.flush(q, t);
    else if (!this.timerArmed[q]) {
      this.timerArmed[q] = true;
      m.queue.push(t + this.timeoutUs, 2, EV_FQ_TIMER, q);
    }
    return io.fromDevice ? this.cacheMaint(io, t, PH_UNMAP) : t;
  }

  private flush(q: number, t: number): number {
    const m = this.m;
    const fq = this.fq[q];
    if (fq.length === 0) return t;
    let pages = 0;
    for (const e of fq) pages += e.pages;
    if (m.p.virt.enabled) {
      const cpuPages = Math.round((pages * m.granule) / m.cpuPage);
      t = m.virtRequest(t, fq.length, cpuPages, m.p.virt.hostUnmapPerPageUs, 3);
      m.invalidations += fq.length;
      m.invalidatedPages += pages;
      m.iotlb.invalidateAll();
    } else {
      t = m.invalidateAllPages(t, pages);
    }
    for (const e of fq) {
      m.recordStale(t - e.unmapT);
      t = m.iovaFree(e.cpu, e.start, e.pages, t, PH_UNMAP);
    }
    fq.length = 0;
    return t;
  }

  override onEvent(kind: number, q: number, t: number): void {
    if (kind !== EV_FQ_TIMER) return;
    this.timerArmed[q] = false;
    const fq = this.fq[q];
    if (fq.length === 0) return;
    // The timer runs on the queue's CPU (softirq): it takes CPU time but belongs to no DMA call.
    const cpu = this.single ? 0 : q;
    const start = Math.max(t, this.m.cpuFreeAt[cpu]);
    const oldest = fq[0].unmapT;
    if (oldest + this.timeoutUs > t + 1e-9) {
      this.timerArmed[q] = true;
      this.m.queue.push(oldest + this.timeoutUs, 2, EV_FQ_TIMER, q);
      return;
    }
    this.m.cpuFreeAt[cpu] = this.flush(q, start);
  }

  override finish(t: number): number {
    for (let q = 0; q < this.fq.length; q++) t = this.flush(q, t);
    return t;
  }
}

const SWIOTLB_SLOT = 2048; // IO_TLB_SIZE
const SWIOTLB_SEG = 128; // IO_TLB_SEGSIZE

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
  override readonly bounces = true;
  protected readonly used: Uint8Array;
  protected readonly slots: number;
  protected readonly poolBytes: number;
  protected readonly viaIommu: boolean;
  private cursor = 0;
  /** Per IO: first slot and slot count (or -1). */
  protected readonly ioSlot: Int32Array;
  protected readonly ioSlots: Int32Array;
  protected readonly alignSlots: number;

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
    m.bounce.set(0, this.poolBytes);
  }

  protected slotsFor(bytes: number): number {
    const n = Math.ceil(bytes / SWIOTLB_SLOT);
    return Math.ceil(n / this.alignSlots) * this.alignSlots;
  }

  /** First fit from a rotating cursor, never crossing a segment, aligned. Returns -1 when full. */
  protected findSlots(n: number): number {
    if (n > SWIOTLB_SEG || this.slots === 0) return -1;
    const a = this.alignSlots;
    const total = this.slots;
    let idx = Math.floor(this.cursor / a) * a;
    for (let scanned = 0; scanned < total; scanned += a) {
      if (idx + n > total) {
        idx = 0;
      }
      const segEnd = (Math.floor(idx / SWIOTLB_SEG) + 1) * SWIOTLB_SEG;
      if (idx + n <= segEnd) {
        let ok = true;
        for (let i = idx; i < idx + n; i++) {
          if (this.used[i]) {
            ok = false;
            break;
          }
        }
        if (ok) {
          for (let i = idx; i < idx + n; i++) this.used[i] = 1;
          this.cursor = idx + n;
          return idx;
        }
      }
      idx += a;
    }
    return -1;
  }

  /** Called when the static pool cannot serve the mapping. Static swiotlb fails it. */
  protected overflow(io: Io, t: number): number {
    io.failed = true;
    return t;
  }

  map(io: Io, t: number): number {
    const m = this.m;
    t = this.spend(PH_MAP, t, DMA_API_NS / 1000);
    const n = this.slotsFor(io.bytes);
    const first = this.findSlots(n);
    t = this.spend(PH_MAP, t, SLOT_FIND_NS / 1000);
    if (first < 0) return this.overflow(io, t);
    this.ioSlot[io.index] = first;
    this.ioSlots[io.index] = n;
    if (io.toDevice) t = this.spend(PH_COPY, t, m.copyUs(io.bytes));
    if (this.viaIommu) {
      t = this.iommuMap(io, t, n * SWIOTLB_SLOT, 0, false);
      if (io.failed) {
        this.release(io);
        return t;
      }
    } else io.iovaPage = -1;
    m.recordMapping(io.bytes, io.bytes);
    return this.cacheMaint(io, t, PH_MAP);
  }

  protected release(io: Io): void {
    const first = this.ioSlot[io.index];
    const n = this.ioSlots[io.index];
    for (let i = first; i < first + n; i++) this.used[i] = 0;
    this.ioSlot[io.index] = -1;
  }

  unmap(io: Io, t: number): number {
    const m = this.m;
    t = this.spend(PH_UNMAP, t, DMA_API_NS / 1000);
    if (this.viaIommu && io.iovaPage >= 0) t = this.iommuUnmap(io, t, false);
    if (io.fromDevice) {
      t = this.cacheMaint(io, t, PH_UNMAP);
      t = this.spend(PH_COPY, t, m.copyUs(io.bytes));
    }
    return this.unmapSlots(io, t);
  }

  protected unmapSlots(io: Io, t: number): number {
    if (this.ioSlot[io.index] >= 0) this.release(io);
    return this.spend(PH_UNMAP, t, SLOT_FREE_NS / 1000);
  }
}

/**
 * [PATCH v2 0/7] Allow dynamic allocation of software IO TLB bounce buffers (Tesarik 2023):
 * when the (small) static pool cannot serve a mapping, a buffer is allocated on demand
 * (alloc_pages, may sleep) and freed at unmap: memory follows load, growth costs allocation.
 */
class SwiotlbDynamic extends Swiotlb {
  override readonly id = 'swiotlb-dynamic';
  private readonly dynBytes: Float64Array;
  private dynamicInUse = 0;

  constructor(m: Machine, params: Record<string, unknown>, maxIos: number) {
    super(m, params, maxIos);
    this.dynBytes = new Float64Array(maxIos);
  }

  protected override overflow(io: Io, t: number): number {
    const m = this.m;
    const align = Math.max(m.granule, m.cpuPage);
    const bytes = Math.ceil(io.bytes / align) * align;
    const pages = bytes / m.cpuPage;
    // swiotlb_dyn_map: allocation of a contiguous buffer (order = log2 pages) and its tracking.
    t = this.spend(PH_MAP, t, 1.5 + pages * m.p.cpu.pageAllocUs);
    this.dynBytes[io.index] = bytes;
    this.dynamicInUse += bytes;
    m.bounce.set(t, this.poolBytes + this.dynamicInUse);
    m.fallbacks++;
    if (io.toDevice) t = this.spend(PH_COPY, t, m.copyUs(io.bytes));
    if (this.viaIommu) {
      t = this.iommuMap(io, t, bytes, 0, false);
      if (io.failed) {
        this.dynamicInUse -= bytes;
        this.dynBytes[io.index] = 0;
        m.bounce.set(t, this.poolBytes + this.dynamicInUse);
        return t;
      }
    } else io.iovaPage = -1;
    m.recordMapping(io.bytes, io.bytes);
    return this.cacheMaint(io, t, PH_MAP);
  }

  protected override unmapSlots(io: Io, t: number): number {
    const dyn = this.dynBytes[io.index];
    if (dyn > 0) {
      const m = this.m;
      t = this.spend(PH_UNMAP, t, 0.5 + (dyn / m.cpuPage) * m.p.cpu.pageAllocUs * 0.5);
      this.dynamicInUse -= dyn;
      this.dynBytes[io.index] = 0;
      m.bounce.set(t, this.poolBytes + this.dynamicInUse);
      return t;
    }
    return super.unmapSlots(io, t);
  }
}

const PROT_RO = 0; // device reads (DMA_TO_DEVICE)
const PROT_WO = 1; // device writes (DMA_FROM_DEVICE)
const PROT_RW = 2;
const SLOT_FREE = 0;
const SLOT_CACHED = 1;
const SLOT_BUSY = 2;

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
  override readonly bounces = true;
  private readonly classes: PoolClass[];
  private readonly evictUs: number;
  private readonly fallback: Strict;
  private readonly ioFallback: Uint8Array;
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
      const t0 = m.iovaAlloc(0, pagesPerSlot * slots, 0, PH_OTHER);
      void t0;
      const base = m.allocOut.start;
      if (base < 0) throw new SimulationInvariantError(`bounce-pool: no IOVA space for ${slots} slots of ${slotBytes} bytes`);
      return {
        bytes, slotBytes, iovaBase: base, pagesPerSlot,
        state: new Uint8Array(slots), prot: new Uint8Array(slots), lastUsed: new Float64Array(slots),
        unmappedFree: Array.from({ length: slots }, (_, i) => slots - 1 - i),
        cached: [[], [], []],
      };
    });
    m.phaseUs[PH_OTHER] = 0;
  }

  private protOf(io: Io): number {
    return io.toDevice && io.fromDevice ? PROT_RW : io.toDevice ? PROT_RO : PROT_WO;
  }

  private mapSlot(c: PoolClass, slot: number, t: number, io: Io): number {
    const m = this.m;
    const page = c.iovaBase + slot * c.pagesPerSlot;
    if (m.p.virt.enabled) {
      t = this.spend(PH_MAP, t, m.p.iommu.mapCallNs / 1000);
      t = m.virtRequest(t, 1, c.slotBytes / m.cpuPage, m.p.virt.hostMapPerPageUs, PH_MAP);
    } else {
      t = this.spend(PH_MAP, t, m.pteMapUs(page, c.pagesPerSlot, 1, false));
      if (m.p.iommu.cachesInvalidPtes) t = m.invalidateForMap(t, page, c.pagesPerSlot, false);
    }
    // Slot memory is allocated when the slot is first mapped.
    t = this.spend(PH_MAP, t, (c.slotBytes / m.cpuPage) * m.p.cpu.pageAllocUs);
    this.mappedSlotBytes += c.slotBytes;
    m.bounce.set(t, this.mappedSlotBytes);
    void io;
    return t;
  }

  private unmapSlot(c: PoolClass, slot: number, t: number, phase: number): number {
    const m = this.m;
    const page = c.iovaBase + slot * c.pagesPerSlot;
    if (m.p.virt.enabled) {
      t = this.spend(phase, t, m.p.iommu.unmapCallNs / 1000);
      t = m.virtRequest(t, 1, c.slotBytes / m.cpuPage, m.p.virt.hostUnmapPerPageUs, phase);
      m.invalidations++;
      m.invalidatedPages += c.pagesPerSlot;
      m.iotlb.invalidateRange(page, c.pagesPerSlot);
    } else {
      t = this.spend(phase, t, m.pteUnmapUs(page, c.pagesPerSlot, false));
      t = m.invalidateStrict(t, page, c.pagesPerSlot);
    }
    this.mappedSlotBytes -= c.slotBytes;
    m.bounce.set(t, this.mappedSlotBytes);
    return t;
  }

  map(io: Io, t: number): number {
    const m = this.m;
    t = this.spend(PH_MAP, t, DMA_API_NS / 1000);
    const c = this.classes.find((k) => k.bytes >= io.bytes && k.slotBytes >= io.bytes);
    const prot = this.protOf(io);
    let slot = -1;
    if (c) {
      t = this.spend(PH_MAP, t, SLOT_FIND_NS / 1000);
      const cached = c.cached[prot];
      if (cached.length > 0) slot = cached.pop()!;
      else if (c.unmappedFree.length > 0) {
        slot = c.unmappedFree.pop()!;
        t = this.mapSlot(c, slot, t, io);
      } else {
        // Only slots cached with another protection: remap one.
        for (let p = 0; p < 3 && slot < 0; p++) {
          if (p !== prot && c.cached[p].length > 0) {
            slot = c.cached[p].shift()!;
            t = this.unmapSlot(c, slot, t, PH_MAP);
            t = this.mapSlot(c, slot, t, io);
          }
        }
      }
    }
    if (!c || slot < 0) {
      m.fallbacks++;
      this.ioFallback[io.index] = 1;
      return this.fallback.map(io, t);
    }
    this.ioFallback[io.index] = 0;
    c.state[slot] = SLOT_BUSY;
    c.prot[slot] = prot;
    io.slotClass = this.classes.indexOf(c);
    io.slot = slot;
    io.iovaPage = c.iovaBase + slot * c.pagesPerSlot;
    io.iovaPages = Math.ceil(io.bytes / m.granule);
    if (io.toDevice) t = this.spend(PH_COPY, t, m.copyUs(io.bytes));
    m.recordMapping(io.bytes, io.bytes);
    return this.cacheMaint(io, t, PH_MAP);
  }

  unmap(io: Io, t: number): number {
    const m = this.m;
    if (this.ioFallback[io.index]) return this.fallback.unmap(io, t);
    t = this.spend(PH_UNMAP, t, DMA_API_NS / 1000);
    const c = this.classes[io.slotClass];
    const slot = io.slot;
    if (io.fromDevice) {
      t = this.cacheMaint(io, t, PH_UNMAP);
      t = this.spend(PH_COPY, t, m.copyUs(io.bytes));
    }
    t = this.spend(PH_UNMAP, t, SLOT_FREE_NS / 1000);
    c.state[slot] = SLOT_CACHED;
    c.lastUsed[slot] = t;
    c.cached[c.prot[slot]].push(slot);
    io.slot = -1;
    io.iovaPage = -1;
    if (!this.evictArmed) {
      this.evictArmed = true;
      m.queue.push(t + this.evictUs, 2, EV_POOL_EVICT, 0);
    }
    return t;
  }

  /** Eviction pass (a delayed work item): unmap cached slots idle for a whole period. */
  override onEvent(kind: number, _arg: number, t: number): void {
    if (kind !== EV_POOL_EVICT) return;
    this.evictArmed = false;
    let any = false;
    let end = Math.max(t, this.m.cpuFreeAt[0]);
    for (const c of this.classes) {
      for (let p = 0; p < 3; p++) {
        const keep: number[] = [];
        for (const slot of c.cached[p]) {
          if (c.lastUsed[slot] + this.evictUs <= t) {
            end = this.unmapSlot(c, slot, end, PH_UNMAP);
            c.state[slot] = SLOT_FREE;
            c.unmappedFree.push(slot);
          } else keep.push(slot);
        }
        c.cached[p] = keep;
        if (keep.length > 0) any = true;
      }
    }
    this.m.cpuFreeAt[0] = end;
    if (any) {
      this.evictArmed = true;
      this.m.queue.push(t + this.evictUs, 2, EV_POOL_EVICT, 0);
    }
  }

  override finish(t: number): number {
    for (const c of this.classes) {
      for (let p = 0; p < 3; p++) {
        for (const slot of c.cached[p]) {
          t = this.unmapSlot(c, slot, t, PH_UNMAP);
          c.state[slot] = SLOT_FREE;
          c.unmappedFree.push(slot);
        }
        c.cached[p] = [];
      }
      for (let s = 0; s < c.state.length; s++) {
        if (c.state[s] === SLOT_BUSY) throw new SimulationInvariantError(`bounce-pool: slot ${s} still busy at the end of the run`);
      }
    }
    return this.fallback.finish(t);
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
 * mode=sva: host shared virtual addressing, the fault is served by handle_mm_fault and the
 * driver's queue memory is kernel-pinned.
 */
class Iopf extends Base {
  readonly id = 'iopf';
  private readonly mapped = new Map<number, Uint8Array>();
  private readonly premap: number;
  private readonly sva: boolean;
  private pinnedPages = 0;

  constructor(m: Machine, params: Record<string, unknown>) {
    super(m);
    this.premap = params.premap as number;
    this.sva = params.mode === 'sva';
  }

  map(io: Io, t: number): number {
    io.iovaPage = io.bufferPage;
    io.iovaPages = this.m.cpuPagesFor(io.bytes, io.offsetInGranule);
    this.m.recordMapping(io.bytes, Math.max(io.bytes, this.pinnedPages * this.m.cpuPage));
    return this.cacheMaint(io, this.spend(PH_MAP, t, DMA_API_NS / 1000), PH_MAP);
  }

  unmap(io: Io, t: number): number {
    t = this.spend(PH_UNMAP, t, DMA_API_NS / 1000);
    return io.fromDevice ? this.cacheMaint(io, t, PH_UNMAP) : t;
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
      const handlerUs = f.faultHandlerUs + n * perPageUs;
      m.phaseUs[PH_FAULT] += f.faultReportUs + handlerUs;
      stall += f.faultReportUs + handlerUs + f.pageResponseUs;
      m.pinned.set(t + stall, this.pinnedPages * m.cpuPage);
    }
    return stall;
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
class Pinned extends Base {
  readonly id = 'pinned';
  constructor(m: Machine) {
    super(m);
    m.pinned.set(0, m.p.cpu.memoryBytes);
    m.iovaBytes.set(0, m.p.cpu.memoryBytes);
  }
  map(io: Io, t: number): number {
    io.iovaPage = io.bufferPage;
    io.iovaPages = this.m.cpuPagesFor(io.bytes, io.offsetInGranule);
    this.m.recordMapping(io.bytes, this.m.p.cpu.memoryBytes);
    return this.cacheMaint(io, this.spend(PH_MAP, t, DMA_API_NS / 1000), PH_MAP);
  }
  unmap(io: Io, t: number): number {
    t = this.spend(PH_UNMAP, t, DMA_API_NS / 1000);
    return io.fromDevice ? this.cacheMaint(io, t, PH_UNMAP) : t;
  }
}

export function createStrategy(m: Machine, spec: StrategySpec, maxIos: number): MappingStrategy {
  const params = spec.params as Record<string, unknown>;
  switch (spec.id) {
    case 'passthrough':
      return new Passthrough(m);
    case 'strict':
      return new Strict(m);
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
