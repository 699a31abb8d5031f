import { SimulationInvariantError } from '../errors.ts';
import type { HardwareProfile } from '../types.ts';
import { Histogram } from './histogram.ts';
import { Iotlb } from './iotlb.ts';
import { IovaAllocator, type AllocOut } from './iova.ts';
import { EventQueue } from './queue.ts';
import { Rng } from './rng.ts';
import { doubleFields } from './shape.ts';
import type { MappingStrategy } from './strategies.ts';
import {
  PH_COPY, PH_INV, EV_CPU_WAKE, T_IOVA_ALLOC, T_IOVA_FREE, T_PTE, T_TABLE, T_CACHE, T_INV_CMD, T_SYNC, T_LOCK, T_TRAP, T_HOST, T_COPY, N_TERMS, VIRT_NONE, VIRT_VIRTIO, VIRT_NESTED, VIRT_VCMDQ, VIRT_EMULATED, CMDQ_BATCH_ENTRIES, BLOCK_TAG_BASE, TABLE_WINDOW,
} from './constants.ts';

// The constants live in constants.ts (inlined as literals by the build); re-exported for the engine's modules.
export {
  PH_MAP, PH_UNMAP, PH_COPY, PH_INV, PH_FAULT, PH_OTHER, EV_DEV_ARRIVE, EV_DEV_DONE, EV_FQ_TIMER, EV_POOL_EVICT, EV_LOOP, EV_UNMAP_CALL, EV_SUBMIT, EV_CPU_WAKE, T_API, T_IOVA_ALLOC, T_IOVA_FREE, T_PTE, T_TABLE, T_CACHE, T_INV_CMD, T_SYNC, T_LOCK, T_TRAP, T_HOST, T_COPY, T_SLOT, T_PAGE_ALLOC, T_FAULT, T_OTHER, N_TERMS, VIRT_NONE, VIRT_VIRTIO, VIRT_NESTED, VIRT_VCMDQ, VIRT_EMULATED,
} from './constants.ts';

/**
 * A serialising resource (a lock, or an invalidation queue's consumer) as a calendar of booked
 * busy intervals. A request made at time t takes the first free interval of its length at or
 * after t, so a request reaches the resource when it reaches it: a later-processed call whose
 * request falls before an earlier-processed booking slips into the gap ahead of it. Bookings
 * ending before `now` (no request can be made before the event being processed) are dropped.
 * Two requests can be ordered wrongly only when the second does not fit in the gap before the
 * first, by at most that gap (docs/model.md §2).
 */
export class Resource {
  private s = new Float64Array(16);
  private e = new Float64Array(16);
  private head = 0;
  private n = 0;
  /** End of the last booking made (the release time of the request just served). */
  lastEnd = 0;

  /** Start of the last booking made. */
  lastStart = 0;

  /** Latest end among bookings dropped by pruning. */
  private prunedEnd = 0;

  constructor() {
    doubleFields(this, 'lastEnd', 'lastStart', 'prunedEnd');
  }

  /** How long the resource has been idle at `t` (0 when a booking covers t). */
  idleGapAt(t: number): number {
    let prev = this.prunedEnd;
    for (let i = this.head, end = this.head + this.n; i < end; i++) {
      if (this.s[i] <= t && t < this.e[i]) return 0;
      if (this.e[i] <= t && this.e[i] > prev) prev = this.e[i];
    }
    return t - prev;
  }

  /**
   * Books `holdUs` from the first moment free at or after `t`; the start is left in `lastStart`
   * and the end in `lastEnd` (fields, not a returned double: no boxing on the hot path).
   */
  hold(t: number, holdUs: number, now: number): void {
    const last = this.head + this.n;
    if (last < this.s.length && (this.n === 0 || t >= this.e[last - 1])) {
      // Free from t on (the common case): append without a call.
      this.s[last] = t;
      this.e[last] = t + holdUs;
      this.n++;
      this.lastStart = t;
      this.lastEnd = t + holdUs;
      return;
    }
    this.holdSlow(t, holdUs, now);
  }

  private holdSlow(t: number, holdUs: number, now: number): void {
    // Drop bookings that ended before the frontier: no request can be made before it.
    let h = this.head;
    const end = h + this.n;
    const e = this.e;
    while (h < end && e[h] <= now) {
      if (e[h] > this.prunedEnd) this.prunedEnd = e[h];
      h++;
    }
    this.n = end - h;
    this.head = this.n === 0 ? 0 : h;
    if (this.n === 0 || t >= e[end - 1]) this.append(t, holdUs);
    else this.holdInGap(t, holdUs);
  }

  private append(start: number, holdUs: number): void {
    const i = this.head + this.n;
    if (i >= this.s.length) this.insert(i, start, start + holdUs);
    else {
      this.s[i] = start;
      this.e[i] = start + holdUs;
      this.n++;
    }
    this.lastStart = start;
    this.lastEnd = start + holdUs;
  }

  private holdInGap(t: number, holdUs: number): void {
    const s = this.s;
    const e = this.e;
    const end = this.head + this.n;
    let start = t;
    let i = this.head;
    for (; i < end; i++) {
      if (e[i] <= start) continue;
      if (start + holdUs <= s[i]) break;
      start = e[i];
    }
    this.insert(i, start, start + holdUs);
    this.lastStart = start;
    this.lastEnd = start + holdUs;
  }

  private insert(i: number, start: number, stop: number): void {
    if (this.head + this.n + 1 > this.s.length) {
      // Compact to the front in place; grow only when more than half full.
      if (this.n + 1 > this.s.length / 2) {
        const ns = new Float64Array(this.s.length * 2);
        const ne = new Float64Array(this.s.length * 2);
        ns.set(this.s.subarray(this.head, this.head + this.n));
        ne.set(this.e.subarray(this.head, this.head + this.n));
        this.s = ns;
        this.e = ne;
      } else {
        this.s.copyWithin(0, this.head, this.head + this.n);
        this.e.copyWithin(0, this.head, this.head + this.n);
      }
      i -= this.head;
      this.head = 0;
    }
    const last = this.head + this.n;
    for (let k = last; k > i; k--) {
      this.s[k] = this.s[k - 1];
      this.e[k] = this.e[k - 1];
    }
    this.s[i] = start;
    this.e[i] = stop;
    this.n++;
  }
}

/**
 * A memory gauge: live bytes over simulated time, the one definition every memory metric uses.
 * Changes are applied on a monotone clock (a change stamped before the last one is applied at
 * the last one's time), so the time-weighted mean is an average of values the gauge held and can
 * never exceed the peak.
 */
export class Gauge {
  value = 0;
  peak = 0;
  private area = 0;
  private lastT = 0;

  constructor() {
    doubleFields(this, 'value', 'peak', 'area', 'lastT');
  }

  set(t: number, v: number): void {
    if (t > this.lastT) {
      this.area += this.value * (t - this.lastT);
      this.lastT = t;
    }
    this.value = v;
    if (v > this.peak) this.peak = v;
  }

  mean(endT: number): number {
    const T = endT > this.lastT ? endT : this.lastT;
    const area = this.area + this.value * (T - this.lastT);
    return T > 0 ? area / T : this.value;
  }
}

/** A level and its peak: a Gauge without the time-weighted mean, for a level set twice per IO. */
export class PeakLevel {
  value = 0;
  peak = 0;

  constructor() {
    doubleFields(this, 'value', 'peak');
  }

  set(v: number): void {
    this.value = v;
    if (v > this.peak) this.peak = v;
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
  /** Page-table entries the mapping wrote (fewer than iovaPages when blocks were used). */
  mapEntries: number;
  /** log2 of the IOMMU pages one IOTLB entry of this mapping covers (0: pages; >0: blocks). */
  tlbShift: number;
  failed: boolean;
}

export function newIo(index: number): Io {
  // Times, and IOVA pages above 2^30: NaN in the literal makes them doubles from the start (see doubleFields).
  const io = {
    index, job: 0, cpu: 0, bytes: 0, toDevice: false, fromDevice: true, offsetInGranule: 0, bufferPage: 0,
    sgEntries: 1, submitT: NaN, mapStartT: NaN, iovaPage: NaN, iovaPages: 0, kind: 0, slotClass: -1, slot: -1, mapEntries: 0, tlbShift: 0, failed: false,
  };
  io.submitT = 0;
  io.mapStartT = 0;
  io.iovaPage = -1;
  return io;
}

/** Where IovaAllocator.alloc leaves its result: start page (a double: pages pass 2^30), cost, tree path. */
function newAllocOut(): AllocOut {
  const o = { start: NaN, costUs: NaN, tree: false };
  o.start = 0;
  o.costUs = 0;
  return o;
}

/** Running sums of the figures dma_map_benchmark computes (kernel/dma/map_benchmark.c). */
export class ToolStats {
  n = 0;
  sum100ns = 0;
  sumSq100ns = 0;
  constructor() {
    doubleFields(this, 'sum100ns', 'sumSq100ns');
  }
  record(us: number): void {
    // div64_ul(delta_ns, 100): whole 100 ns units per call.
    const u = Math.floor((us * 1000) / 100 + 1e-9);
    this.n++;
    this.sum100ns += u;
    this.sumSq100ns += u * u;
  }
  /** avg = sum / loops (integer division), stddev = int_sqrt(sum_sq / loops - avg^2); printed / 10. */
  stats(): { mean: number; stddev: number } {
    if (this.n === 0) return { mean: 0, stddev: 0 };
    const avg = Math.floor(this.sum100ns / this.n);
    const v = Math.floor(this.sumSq100ns / this.n) - avg * avg;
    return { mean: avg / 10, stddev: Math.floor(Math.sqrt(Math.max(0, v))) / 10 };
  }
}

/**
 * The simulated machine: CPUs, the IOMMU (page tables, IOTLB, invalidation queues), the IOVA
 * allocator, the VMM lock and the accounting every strategy shares. Strategies call the cost
 * helpers, which advance the running CPU cursor `cur` of the call being simulated and book each
 * cost to one phase (CPU seconds per GiB) and one cost term (the call breakdown).
 */
export class Machine {
  declare readonly p: HardwareProfile;
  /** p.iommu and p.iommu.invalidation, one load away on the per-IO path (not three). */
  declare readonly iommu: HardwareProfile['iommu'];
  private declare readonly inv: HardwareProfile['iommu']['invalidation'];
  /** p.cpu.dmaCoherent: cache maintenance is skipped on every call of a coherent machine. */
  private declare readonly dmaCoherent: boolean;
  declare readonly rng: Rng;
  /** Sorted with one CPU, a heap with several (see EventQueue). */
  declare readonly queue: EventQueue;
  declare readonly cpus: number;
  declare readonly granule: number;
  declare readonly granuleShift: number;
  declare readonly cpuPage: number;
  declare readonly cpuFreeAt: Float64Array;
  /** Per CPU: items deferred while it was busy, [kind, arg] pairs from deferredHead on, oldest first. */
  private declare readonly deferred: number[][];
  private declare readonly deferredHead: Int32Array;
  /** Per CPU: 1 while its EV_CPU_WAKE is in the event queue. */
  private declare readonly wakeQueued: Uint8Array;
  /** What nextDeferred hands out (reused: no allocation per item). */
  readonly deferredOut = { kind: 0, arg: 0 };
  /** The CPU whose deferred item nextDeferred just handed out (-1: none). */
  private releasedCpu = -1;
  readonly phaseUs = new Float64Array(6);
  /** Cost terms summed over all map calls, all unmap calls, and work outside any call. */
  readonly mapTerms = new Float64Array(N_TERMS);
  readonly unmapTerms = new Float64Array(N_TERMS);
  readonly otherTerms = new Float64Array(N_TERMS);
  /** Where the current call's terms go (set by the workload driver around each call). */
  terms: Float64Array = this.otherTerms;
  /** The processing frontier: the time of the event being processed; no request is made earlier. */
  now = 0;
  /** Invalidation queues (hardware cmdq consumers) or driver locks: CPU c uses c mod length. */
  declare readonly invQueues: Resource[];
  /** invQueues[0], a field away (most machines have one queue). */
  private declare readonly invQueue0: Resource;
  /** invQueues.length, a field away (the array's length is behind its map check). */
  private declare readonly invQueueCount: number;
  /** Per CPU: when its current invalidation entered and leaves its queue (contention count). */
  private declare readonly cmdqFrom: Float64Array;
  private declare readonly cmdqUntil: Float64Array;
  readonly vmmLock = new Resource();
  /** Host work of virtio-iommu requests queued (viommu_add_req) but not yet kicked. */
  vmmPendingUs = 0;
  /** Running mean of the VMM's idle periods seen by requests (0 when a request found it busy). */
  private vmmIdleEwmaUs = 0;
  readonly iovaLock = new Resource();
  declare readonly iova: IovaAllocator;
  declare readonly iotlb: Iotlb;
  private readonly tables = new Map<number, number>();
  private declare readonly tableShift: number;
  private declare readonly topTable: number;
  private readonly tablePresent = new Uint8Array(TABLE_WINDOW);
  /**
   * Counted tables (freesEmptyTables): live entries per table in the same window from the top as
   * tablePresent, and in `tables` outside it. A Map's get and set on every map and unmap were
   * ~220 of tegra-smmu's ~3,700 instructions per IO (lazy, fio 4k randread QD64).
   */
  private declare readonly tableLive: Int32Array;
  /**
   * A leaf table known present (presence mode, -1: none): a map inside the table the previous map
   * found or allocated needs no lookup. Reset whenever an unmap frees a table.
   */
  private lastTable = -1;
  private declare readonly tableSpan: number;
  /**
   * 1 / granule, 1 / tableSpan, 1 / cpuPage and cpuPage - 1: the sizes are powers of two (the profile schema
   * checks), so a quotient is a product, exactly the same double, and a remainder a mask. A
   * division costs several times a multiplication's latency, and an integer % is a division.
   */
  private declare readonly perGranule: number;
  private declare readonly perTableSpan: number;
  private declare readonly perCpuPage: number;
  private declare readonly cpuPageMask: number;
  private declare readonly tableAllocUs: number;
  private declare readonly countTables: boolean;
  /** Last CPU (+1) to write each page-table cache line (hashed), when line transfers are modelled. */
  private declare readonly lineOwner: Int32Array | null;
  /** Leaf PTEs per data cache line: the unit of line transfers and of gathered cache cleans. */
  private declare readonly ptesPerLine: number;
  /** Block sizes the tables can map, in IOMMU pages, largest first. */
  private declare readonly blockPages: number[];
  /** Smallest block size in IOMMU pages (Infinity without blocks): below it a mapping is all leaf pages. */
  declare readonly smallestBlock: number;
  private declare readonly freesCovered: boolean;
  /** Virtualisation as a small integer for the hot path: VIRT_NONE, VIRT_VIRTIO, VIRT_NESTED, VIRT_VCMDQ, VIRT_EMULATED. */
  declare readonly virtKind: number;
  private declare readonly perPageLimit: number;
  /**
   * The invalidation figures the flushes read (unmap, map side, domain), as double fields with a
   * flag for each optional command: in the profile they are small integers in some profiles and
   * fractions in others, and null where the hardware lacks the command, so each use checked and
   * untagged them and multiplied with overflow checks. The arithmetic gives the same doubles
   * (whole numbers well inside 2^53).
   */
  private declare readonly invHasByAddress: boolean;
  private declare readonly invHasByRange: boolean;
  private declare readonly invHasWhole: boolean;
  private declare readonly invSyncEachPage: boolean;
  private declare readonly invHardwareQueue: boolean;
  private declare readonly invByAddressNs: number;
  private declare readonly invByRangeNs: number;
  private declare readonly invByRangeMaxPages: number;
  private declare readonly invByRangePerPageNs: number;
  private declare readonly invWholeNs: number;
  private declare readonly invSyncNs: number;
  private declare readonly invContentionNsPerCpu: number;
  private declare readonly invSyncLatencyNs: number;
  /** The page-table figures every map and unmap reads, likewise. */
  private declare readonly mapCallNs: number;
  private declare readonly unmapCallNs: number;
  private declare readonly pteWriteNs: number;
  private declare readonly pteClearNs: number;
  private declare readonly coherentWalk: boolean;
  /** Whether a map must flush (invalid PTEs may be cached), and non-coherent DMA's cache maintenance. */
  declare readonly cachesInvalidPtes: boolean;
  private declare readonly cacheMaintenanceNsPerByte: number;

  readonly latency = new Histogram();
  readonly mapHist = new Histogram();
  readonly unmapHist = new Histogram();
  readonly toolMap = new ToolStats();
  readonly toolUnmap = new ToolStats();
  readonly bounce = new Gauge();
  readonly pinned = new Gauge();
  /** IOVA space in use: its level (time series) and peak; unlike bounce, its mean is not reported. */
  readonly iovaBytes = new PeakLevel();

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
  /** CPU of the call being simulated (queue selection, contention). */
  cpu = 0;
  /** Cost factor of the current call (see begin()). */
  private callFactor = 1;
  private declare readonly jitter: number;
  /** Per-call constants of the profile in µs (each the same division the call made, done once). */
  declare readonly dmaApiUs: number;
  declare readonly unmapCallUs: number;
  declare readonly insertUs: number;
  declare readonly slotFindUs: number;
  declare readonly slotFreeUs: number;
  declare readonly flushQueueAddUs: number;
  private declare readonly syncLatencyUs: number;
  private declare readonly walkUs: number;
  /**
   * xorshift32 state, an int32 in a double field (see doubleFields): unboxed whatever its value,
   * and two loads away where a typed array's element is five (four draws per IO).
   */
  private jitterState = 0;
  private copyBytes = -1;
  private copyUs = 0;
  /** Result of the last iovaAlloc (reused: no allocation per IO). */
  readonly allocOut = newAllocOut();
  /** Result of the last mapChunks: page-table entries written and the largest page used (log2 pages). */
  readonly chunkOut = { entries: 0, shift: 0 };

  constructor(profile: HardwareProfile, seed: number, cpus: number, trackIova: boolean) {
    this.p = profile;
    this.iommu = profile.iommu;
    this.inv = profile.iommu.invalidation;
    this.dmaCoherent = profile.cpu.dmaCoherent;
    this.rng = new Rng(seed);
    this.cpus = cpus;
    this.queue = new EventQueue(256, cpus === 1);
    this.cpuFreeAt = new Float64Array(cpus);
    this.deferred = Array.from({ length: cpus }, () => [] as number[]);
    this.deferredHead = new Int32Array(cpus);
    this.wakeQueued = new Uint8Array(cpus);
    // The schema refuses a negative fraction; one built past it costs exactly 1, as none does.
    this.jitter = Math.max(0, profile.cpu.costJitterFraction);
    this.jitterState = this.rng.u32() | 1;
    this.granule = profile.iommu.granuleBytes;
    this.granuleShift = Math.log2(this.granule);
    this.cpuPage = profile.cpu.pageSizeBytes;
    this.iova = new IovaAllocator(profile.iova, cpus, profile.iommu.iovaBits, this.granuleShift, trackIova);
    this.iotlb = new Iotlb(profile.iommu.iotlbEntries, profile.iommu.iotlbWays);
    this.tableShift = Math.log2(profile.iommu.leafTableSpanBytes) - this.granuleShift;
    this.tableSpan = 2 ** this.tableShift;
    this.perGranule = reciprocalOfPow2(this.granule, 'iommu.granuleBytes');
    this.perTableSpan = reciprocalOfPow2(this.tableSpan, 'the leaf table span in granules');
    this.perCpuPage = reciprocalOfPow2(this.cpuPage, 'cpu.pageSizeBytes');
    this.cpuPageMask = this.cpuPage - 1;
    this.tableAllocUs = profile.iommu.tableAllocUs;
    this.countTables = profile.iommu.freesEmptyTables;
    this.tableLive = new Int32Array(this.countTables ? TABLE_WINDOW : 0);
    this.topTable = Math.floor((2 ** (profile.iommu.iovaBits - this.granuleShift) - 1) / 2 ** this.tableShift);
    const nq = Math.max(1, Math.min(profile.iommu.invalidation.queues, cpus));
    this.invQueues = Array.from({ length: nq }, () => new Resource());
    this.invQueue0 = this.invQueues[0];
    this.invQueueCount = nq;
    this.cmdqFrom = new Float64Array(cpus);
    this.cmdqUntil = new Float64Array(cpus);
    this.blockPages = profile.iommu.blockSizesBytes
      .filter((b) => b > this.granule)
      .map((b) => b / this.granule)
      .sort((a, b) => b - a);
    this.smallestBlock = this.blockPages.length ? this.blockPages[this.blockPages.length - 1] : Infinity;
    this.freesCovered = profile.iommu.freesCoveredTables;
    const v = profile.virt;
    this.virtKind = !v.enabled ? VIRT_NONE : v.mode === 'virtio' ? VIRT_VIRTIO : v.mode === 'nested' ? VIRT_NESTED : v.mode === 'vcmdq' ? VIRT_VCMDQ : VIRT_EMULATED;
    const inv = profile.iommu.invalidation;
    this.perPageLimit = inv.maxPerPageCmds ?? Infinity;
    const whole = inv.domainNs ?? inv.streamNs;
    this.invHasByAddress = inv.byAddressNs !== null;
    this.invHasByRange = inv.byRangeNs !== null;
    this.invHasWhole = whole !== null;
    this.invSyncEachPage = inv.syncEachPage;
    this.invByAddressNs = inv.byAddressNs ?? 0;
    this.invByRangeNs = inv.byRangeNs ?? 0;
    this.invByRangeMaxPages = inv.byRangeMaxPages;
    this.invByRangePerPageNs = inv.byRangePerPageNs;
    this.invWholeNs = whole ?? 0;
    this.invSyncNs = inv.syncNs;
    this.invHardwareQueue = inv.hardwareQueue;
    this.mapCallNs = profile.iommu.mapCallNs;
    this.unmapCallNs = profile.iommu.unmapCallNs;
    this.pteWriteNs = profile.iommu.pteWriteNs;
    this.pteClearNs = profile.iommu.pteClearNs;
    this.coherentWalk = profile.iommu.coherentWalk;
    this.cachesInvalidPtes = profile.iommu.cachesInvalidPtes;
    this.cacheMaintenanceNsPerByte = profile.cpu.cacheMaintenanceNsPerByte;
    this.invContentionNsPerCpu = inv.contentionNsPerCpu;
    this.invSyncLatencyNs = inv.syncLatencyNs;
    this.lineOwner = cpus > 1 && profile.iommu.pteLineTransferNs > 0 ? new Int32Array(1 << 16) : null;
    this.ptesPerLine = Math.max(1, profile.cpu.cacheLineBytes / profile.iommu.pteBytes);
    this.dmaApiUs = profile.cpu.dmaApiNs / 1000;
    this.unmapCallUs = profile.iommu.unmapCallNs / 1000;
    this.insertUs = profile.iommu.invalidation.insertNs / 1000;
    this.syncLatencyUs = profile.iommu.invalidation.syncLatencyNs / 1000;
    this.walkUs = profile.iommu.iotlbMissWalkNs / 1000;
    this.slotFindUs = profile.cpu.slotFindNs / 1000;
    this.slotFreeUs = profile.cpu.slotFreeNs / 1000;
    this.flushQueueAddUs = profile.cpu.flushQueueAddNs / 1000;
    doubleFields(this, 'dmaApiUs', 'unmapCallUs', 'insertUs', 'syncLatencyUs', 'walkUs', 'perGranule', 'perTableSpan', 'perCpuPage', 'slotFindUs', 'slotFreeUs',
      'flushQueueAddUs', 'invByAddressNs', 'invByRangeNs', 'invByRangeMaxPages', 'invByRangePerPageNs', 'invWholeNs', 'invSyncNs', 'invContentionNsPerCpu', 'invSyncLatencyNs',
      'mapCallNs', 'unmapCallNs', 'pteWriteNs', 'pteClearNs', 'cacheMaintenanceNsPerByte', 'jitter');
    doubleFields(this, 'now', 'cur', 'vmmPendingUs', 'vmmIdleEwmaUs', 'mappedBufferBytes', 'mappedSpanBytes', 'exposedBeyondBytes',
      'staleSumUs', 'staleMaxUs', 'callFactor', 'copyUs', 'jitterState', 'lastTable', 'invalidations', 'mappings');
  }

  /** IOMMU pages covered by a buffer at its physical offset: the granule rounding of the DART series. */
  granulesFor(bytes: number, offsetInGranule: number): number {
    return Math.ceil((offsetInGranule + bytes) * this.perGranule);
  }

  cpuPagesFor(bytes: number, offsetInGranule: number): number {
    const off = offsetInGranule & this.cpuPageMask;
    return Math.ceil((off + bytes) * this.perCpuPage);
  }

  /**
   * Advances the cursor by `us` (times the call's cost factor), booked to a phase and a term.
   * Keeping the cursor in a field rather than passing and returning times keeps the hot path
   * free of boxed doubles.
   */
  spend(phase: number, term: number, us: number): void {
    const v = us * this.callFactor;
    this.phaseUs[phase] += v;
    this.terms[term] += v;
    this.cur += v;
  }

  /**
   * One dma_map_*() call of a driver loop, on the IO's CPU, from the cursor (where the caller puts
   * the call's start), which it leaves at the call's return (no double argument or result: boxed
   * whenever V8 does not inline the call): everything it spends is booked to the map cost terms
   * (`explain`) and its duration to the map histogram. Every driver (fio, fio job files,
   * dma_map_benchmark, trace replay) goes through here so the books agree across workloads. A
   * method rather than a module function: calling a module function checks which function its
   * (mutable) binding holds, on every call.
   */
  mapCall(strat: MappingStrategy, io: Io): void {
    const t = this.cur;
    this.cpu = io.cpu;
    this.terms = this.mapTerms;
    strat.map(io);
    this.terms = this.otherTerms;
    this.mapHist.record(this.cur - t);
  }

  /** One dma_unmap_*() call: the unmap terms and histogram (see mapCall). */
  unmapCall(strat: MappingStrategy, io: Io): void {
    const t = this.cur;
    this.cpu = io.cpu;
    this.terms = this.unmapTerms;
    strat.unmap(io);
    this.terms = this.otherTerms;
    this.unmapHist.record(this.cur - t);
  }

  /** Starts work at `t` on `cpu`: the cursor moves there and the work draws its cost factor. */
  begin(t: number, cpu = this.cpu): void {
    this.cur = t;
    this.beginCall(cpu);
  }

  /**
   * Starts a DMA-API call at the cursor, where the caller put it (a strategy's map or unmap takes
   * no time argument: a double passed to a call V8 does not inline is boxed, as is one returned).
   */
  beginCall(cpu = this.cpu): void {
    this.cpu = cpu;
    this.callFactor = this.drawJitter();
  }

  /**
   * A cost factor uniform in 1 +/- jitter, from a xorshift32 stream seeded by the run's PRNG:
   * several draws per IO, so it must cost almost nothing. Returned: every caller on the per-IO
   * path inlines it (a caller that did not would box the double; a field written here and read
   * by the caller cost 3-4 instructions more per draw). Drawing a batch ahead in a loop cost more
   * per draw, ~41 against ~37. Without jitter the factor is exactly 1 (1 + 0 * (u - 1)) and the
   * stream feeds nothing else, so there is no branch for it.
   */
  drawJitter(): number {
    let x = this.jitterState | 0;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.jitterState = x;
    // (x >>> 0) / 2^31 - 1, exactly: flipping the top bit of x as an int32 is (x >>> 0) - 2^31,
    // without the unsigned conversion and the subtraction.
    return 1 + this.jitter * ((x ^ -2147483648) / 2147483648);
  }

  /**
   * A CPU still busy at `t` (or with older deferred items) gets to an event's work when it is
   * free: the item joins the CPU's list (returns true) rather than running ahead of the CPU's
   * other work. At EV_CPU_WAKE the driver calls cpuWoke, then runs what nextDeferred hands out.
   */
  deferWhileBusy(cpu: number, t: number, kind: number, arg: number): boolean {
    const free = this.cpuFreeAt[cpu];
    const w = this.deferred[cpu];
    // The item nextDeferred just handed out runs; any other waits behind the older items.
    const released = cpu === this.releasedCpu;
    if (released) this.releasedCpu = -1;
    if (free <= t && (released || this.deferredHead[cpu] >= w.length)) return false;
    // First come, first served: one wake-up event per CPU, not one event per waiting item. Each
    // waiting item used to be its own event, put back after every call the CPU made: a 4-job
    // run spent two thirds of its time re-queuing, and an item deferred to a later free time
    // could be overtaken by a newer one.
    w.push(kind, arg);
    this.armWake(cpu, free > t ? free : t);
    return true;
  }

  /** One EV_CPU_WAKE per CPU in the event queue, at `at`. */
  private armWake(cpu: number, at: number): void {
    if (this.wakeQueued[cpu] !== 0) return;
    this.wakeQueued[cpu] = 1;
    this.queue.push(at, 0, EV_CPU_WAKE, cpu);
  }

  /** EV_CPU_WAKE of `cpu` was popped: its deferred items may run (nextDeferred). */
  cpuWoke(cpu: number): void {
    this.wakeQueued[cpu] = 0;
  }

  /**
   * At a CPU's wake-up, in a loop: the oldest item it deferred, in `deferredOut`, when the CPU is
   * free at `t` (true); when it is busy again the wake-up moves to its free time (false).
   */
  nextDeferred(cpu: number, t: number): boolean {
    this.releasedCpu = -1;
    const w = this.deferred[cpu];
    const h = this.deferredHead[cpu];
    if (h >= w.length) return false;
    const free = this.cpuFreeAt[cpu];
    if (free > t) {
      this.armWake(cpu, free);
      return false;
    }
    this.deferredOut.kind = w[h];
    this.deferredOut.arg = w[h + 1];
    if (h + 2 >= w.length) {
      w.length = 0;
      this.deferredHead[cpu] = 0;
    } else this.deferredHead[cpu] = h + 2;
    this.releasedCpu = cpu;
    return true;
  }

  /** Waits (lockWait) until `t` if the cursor is earlier: a lock another CPU holds until then. */
  waitUntil(t: number, phase: number): void {
    const wait = t - this.cur;
    if (wait <= 0) return;
    this.phaseUs[phase] += wait;
    this.terms[T_LOCK] += wait;
    this.cur = t;
  }

  /** Holds a shared resource from the cursor on: the wait is lockWait, the hold its own term. */
  private holdShared(res: Resource, us: number, phase: number, term: number): void {
    const v = us * this.callFactor;
    const t = this.cur;
    res.hold(t, v, this.now);
    const start = res.lastStart;
    const wait = start - t;
    this.phaseUs[phase] += wait + v;
    this.terms[T_LOCK] += wait;
    this.terms[term] += v;
    this.cur = start + v;
  }

  copy(bytes: number): void {
    // The last size's copy time is kept: bounce buffers copy the same sizes over and over.
    if (bytes !== this.copyBytes) {
      this.copyBytes = bytes;
      this.copyUs = (this.p.cpu.copySetupNs + (bytes / this.p.cpu.memcpyBytesPerSec) * 1e9) / 1000;
    }
    this.spend(PH_COPY, T_COPY, this.copyUs);
  }

  /** Cache maintenance by VA for non-coherent DMA (arch_sync_dma_for_device/cpu). */
  cacheMaint(bytes: number, phase: number): void {
    if (this.dmaCoherent || this.skipCpuSync) return;
    this.spend(phase, T_CACHE, (bytes * this.cacheMaintenanceNsPerByte) / 1000);
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
    if (o.tree) this.holdShared(this.iovaLock, o.costUs, phase, T_IOVA_ALLOC);
    else this.spend(phase, T_IOVA_ALLOC, o.costUs);
    if (o.start >= 0) this.iovaBytes.set(this.iova.livePages * this.granule);
  }

  iovaFree(cpu: number, start: number, pages: number, phase: number): void {
    const treeBefore = this.iova.treeFrees;
    const us = this.iova.free(cpu, start, pages) / 1000;
    if (this.iova.treeFrees > treeBefore) this.holdShared(this.iovaLock, us, phase, T_IOVA_FREE);
    else this.spend(phase, T_IOVA_FREE, us);
    this.iovaBytes.set(this.iova.livePages * this.granule);
  }

  /**
   * iommu_map's page-size choice (iommu_pgsize): each chunk takes the largest supported page
   * size to which both the IOVA and the physical address are aligned and which the remaining
   * length covers. Sets chunkOut.entries (PTEs or block entries written) and chunkOut.shift.
   */
  mapChunks(iovaPage: number, physPage: number, pages: number): void {
    const o = this.chunkOut;
    const bp = this.blockPages;
    if (pages < this.smallestBlock) {
      o.entries = pages;
      o.shift = 0;
      return;
    }
    let entries = 0;
    let largest = 1;
    let iv = iovaPage;
    let ph = physPage;
    let left = pages;
    while (left > 0) {
      let step = 1;
      for (let k = 0; k < bp.length; k++) {
        const b = bp[k];
        if (left >= b && iv % b === 0 && ph % b === 0) {
          step = b;
          break;
        }
      }
      if (step === 1) {
        // Leaf pages up to the next block boundary of the smallest block (or the end).
        const b = bp[bp.length - 1];
        const toBoundary = b - (iv % b);
        const n = Math.min(left, toBoundary);
        entries += n;
        iv += n;
        ph += n;
        left -= n;
        continue;
      }
      if (step > largest) largest = step;
      entries++;
      iv += step;
      ph += step;
      left -= step;
    }
    o.entries = entries;
    o.shift = largest > 1 ? Math.log2(largest) : 0;
  }

  /** Last-level tables a map touches: allocation cost when a table is absent. */
  tablesMap(firstPage: number, pages: number): number {
    const tableAllocUs = this.tableAllocUs;
    if (tableAllocUs <= 0) return 0;
    const first = Math.floor(firstPage * this.perTableSpan);
    const last = Math.floor((firstPage + pages - 1) * this.perTableSpan);
    let us = 0;
    if (!this.countTables) {
      if (first === last && first === this.lastTable) return 0;
      this.lastTable = last;
      // Only presence matters. IOVAs are allocated top-down, so a bitmap indexed from the top
      // of the space covers the tables in use.
      for (let tb = first; tb <= last; tb++) {
        const rel = this.topTable - tb;
        if (rel >= 0 && rel < TABLE_WINDOW) {
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
    return this.countedTablesMap(firstPage, pages, first, last);
  }

  /** Tables freed when empty (freesEmptyTables): live entries are counted per table. */
  private countedTablesMap(firstPage: number, pages: number, first: number, last: number): number {
    const span = this.tableSpan;
    let us = 0;
    const live = this.tableLive;
    for (let tb = first; tb <= last; tb++) {
      const lo = Math.max(firstPage, tb * span);
      const hi = Math.min(firstPage + pages, (tb + 1) * span);
      const rel = this.topTable - tb;
      let prev: number;
      if (rel >= 0 && rel < TABLE_WINDOW) {
        prev = live[rel];
        live[rel] = prev + (hi - lo);
      } else {
        prev = this.tables.get(tb) ?? 0;
        this.tables.set(tb, prev + (hi - lo));
      }
      if (prev === 0) us += this.tableAllocUs;
    }
    return us;
  }

  /**
   * Cache-line transfers of a PTE write or clear: each line of leaf PTEs (ptesPerLine entries) the
   * call touches costs pteLineTransferNs when another CPU wrote it last. Only the lines at the
   * ends of a long range can be shared; its interior lines are this mapping's alone.
   */
  private pteLines(firstPage: number, entries: number): number {
    const owner = this.lineOwner!;
    const mask = owner.length - 1;
    const me = this.cpu + 1;
    const per = this.ptesPerLine;
    const first = Math.floor(firstPage / per);
    const last = Math.floor((firstPage + entries - 1) / per);
    let transfers = 0;
    for (let l = first; l <= last; l = l === first && last - first > 2 ? last : l + 1) {
      const k = l & mask;
      if (owner[k] !== me) {
        if (owner[k] !== 0) transfers++;
        owner[k] = me;
      }
    }
    return transfers * this.p.iommu.pteLineTransferNs;
  }

  /** Unmap's table bookkeeping; returns the number of whole last-level tables freed (covered spans). */
  tablesUnmap(firstPage: number, pages: number): number {
    if (this.tableAllocUs <= 0) return 0;
    const span = this.tableSpan;
    if (!this.countTables) {
      if (!this.freesCovered || pages < span) return 0;
      // Tables wholly inside the range: the entry one level up is cleared and the table freed.
      const first = Math.ceil(firstPage / span);
      const end = Math.floor((firstPage + pages) / span);
      if (end > first) this.lastTable = -1;
      for (let tb = first; tb < end; tb++) {
        const rel = this.topTable - tb;
        if (rel >= 0 && rel < TABLE_WINDOW) this.tablePresent[rel] = 0;
        else this.tables.delete(tb);
      }
      return Math.max(0, end - first);
    }
    this.countedTablesUnmap(firstPage, pages);
    return 0;
  }

  private countedTablesUnmap(firstPage: number, pages: number): void {
    const span = this.tableSpan;
    const first = Math.floor(firstPage / span);
    const last = Math.floor((firstPage + pages - 1) / span);
    const live = this.tableLive;
    for (let tb = first; tb <= last; tb++) {
      const lo = Math.max(firstPage, tb * span);
      const hi = Math.min(firstPage + pages, (tb + 1) * span);
      const rel = this.topTable - tb;
      if (rel >= 0 && rel < TABLE_WINDOW) {
        const left = live[rel] - (hi - lo);
        live[rel] = left > 0 ? left : 0;
        continue;
      }
      const left = (this.tables.get(tb) ?? 0) - (hi - lo);
      if (left <= 0) this.tables.delete(tb);
      else this.tables.set(tb, left);
    }
  }

  /**
   * PTE work of one iommu_map over `pages` IOMMU pages written as `entries` entries in `calls`
   * driver calls. `batchedClean`: a gathering strategy (see pteCleansNs).
   */
  pteMap(firstPage: number, pages: number, entries: number, calls: number, batchedClean: boolean, phase: number): void {
    let ns = calls * this.mapCallNs + entries * this.pteWriteNs;
    if (this.lineOwner !== null) ns += this.pteLines(firstPage, entries);
    if (!this.coherentWalk) ns += this.pteCleansNs(entries, batchedClean);
    this.spend(phase, T_PTE, ns / 1000);
    // Block entries live one level up: no leaf table to allocate for them.
    const tableUs = entries === pages ? this.tablesMap(firstPage, pages) : 0;
    if (tableUs > 0) this.spend(phase, T_TABLE, tableUs);
  }

  /** PTE clears of one unmap; a wholly covered leaf table costs one clear one level up. */
  pteUnmap(firstPage: number, pages: number, entries: number, batchedClean: boolean, phase: number): void {
    const freed = entries === pages ? this.tablesUnmap(firstPage, pages) : 0;
    const clears = entries - freed * this.tableSpan + freed;
    let ns = this.unmapCallNs + clears * this.pteClearNs;
    if (this.lineOwner !== null) ns += this.pteLines(firstPage, entries);
    if (!this.coherentWalk) ns += this.pteCleansNs(clears, batchedClean);
    this.spend(phase, T_PTE, ns / 1000);
  }

  /**
   * Cache cleans of `entries` PTEs for a non-coherent walker: once per cache line when the
   * strategy gathers them or the driver cleans a call's PTEs as one range, else once per PTE.
   */
  private pteCleansNs(entries: number, batchedClean: boolean): number {
    const m = this.iommu;
    return (batchedClean || m.pteCleanByRange ? Math.ceil(entries / this.ptesPerLine) : entries) * m.pteCacheCleanNs;
  }

  /**
   * Runs a batch of invalidation commands and its completion wait through the CPU's queue.
   * Hardware queue: the CPU inserts (insertNs + contention from the other CPUs on the queue,
   * which lengthens the queue's serialised consumption), the IOMMU consumes the batch after
   * whatever is ahead of it, and the CPU waits for its sync: the wait behind other CPUs' batches
   * is lockWait, its own batch's consumption syncWait. Driver lock: the CPU holds the lock for
   * its commands and its completion poll.
   */
  invalidate(cmdNs: number, syncNs: number, commands: number, phase = PH_INV): void {
    this.invalidations += commands;
    if (this.virtKind === VIRT_NESTED) {
      this.trappedInvalidation(commands, phase);
      return;
    }
    const nq = this.invQueueCount;
    const qi = nq === 1 ? 0 : this.cpu % nq;
    const q = nq === 1 ? this.invQueue0 : this.invQueues[qi];
    if (!this.invHardwareQueue) {
      this.lockedInvalidation(q, cmdNs, syncNs, phase);
      return;
    }
    this.spend(phase, T_INV_CMD, this.insertUs);
    const t = this.cur;
    const contention = this.invContentionNsPerCpu;
    const others = contention > 0 && this.cpus > 1 ? this.cpusOnQueue(qi, t) : 0;
    const service = (cmdNs + syncNs + others * contention) / 1000;
    q.hold(t, service, this.now);
    const start = q.lastStart;
    const consumed = start + service;
    const done = consumed + this.syncLatencyUs;
    const wait = start - t;
    this.phaseUs[phase] += done - t;
    this.terms[T_LOCK] += wait + (others * contention) / 1000;
    this.terms[T_SYNC] += (cmdNs + syncNs + this.invSyncLatencyNs) / 1000;
    // Read only by cpusOnQueue, with several CPUs.
    if (this.cpus > 1) {
      this.cmdqFrom[this.cpu] = t;
      this.cmdqUntil[this.cpu] = done;
    }
    this.cur = done;
  }

  /** Other CPUs whose invalidation is in queue `qi` at `t` (they lengthen its consumption). */
  private cpusOnQueue(qi: number, t: number): number {
    const nq = this.invQueueCount;
    let others = 0;
    for (let c = 0; c < this.cpus; c++) {
      if (c !== this.cpu && c % nq === qi && this.cmdqFrom[c] <= t && this.cmdqUntil[c] > t) others++;
    }
    return others;
  }

  /** Driver lock instead of a hardware queue: the CPU holds the lock for its commands and its completion poll. */
  private lockedInvalidation(q: Resource, cmdNs: number, syncNs: number, phase: number): void {
    const f = this.callFactor;
    const t = this.cur;
    const hold = (cmdNs + syncNs) / 1000;
    q.hold(t, hold * f, this.now);
    const start = q.lastStart;
    const wait = start - t;
    this.phaseUs[phase] += wait + hold * f;
    this.terms[T_LOCK] += wait;
    this.terms[T_INV_CMD] += (cmdNs / 1000) * f;
    this.terms[T_SYNC] += (syncNs / 1000) * f;
    this.cur = start + hold * f;
  }

  /**
   * A guest whose invalidation queue is emulated: writing the queue's producer index traps; the
   * VMM forwards each command (hostInvPerCmdUs) and completes the sync once the host's own
   * invalidation finished (hostSyncUs), under the VMM lock. The guest vCPU only waits.
   */
  private trappedInvalidation(commands: number, phase: number): void {
    const v = this.p.virt;
    // arm_smmu_cmdq_batch_add issues a full batch of CMDQ_BATCH_ENTRIES without a sync before it
    // adds the next command: each issue writes the producer index, so each batch traps.
    const batches = Math.max(1, Math.ceil(commands / CMDQ_BATCH_ENTRIES));
    for (let b = 0; b < batches; b++) {
      const last = b === batches - 1;
      const inBatch = last ? commands - b * CMDQ_BATCH_ENTRIES : CMDQ_BATCH_ENTRIES;
      this.spend(phase, T_INV_CMD, this.insertUs);
      this.spend(phase, T_TRAP, v.trapUs);
      const host = inBatch * v.hostInvPerCmdUs + (last ? v.hostSyncUs : 0);
      if (v.bigLock) this.holdShared(this.vmmLock, host, phase, T_HOST);
      else this.spend(phase, T_HOST, host);
    }
  }

  /**
   * The invalidation an unmap (or a gathered map) issues as today's drivers do after
   * iommu_iotlb_gather: range commands where the hardware has them (SMMUv3 RIL, VT-d PSI with an
   * address mask), else one command per entry (per page, or per block for block mappings) up to
   * the driver's threshold, else the whole domain or stream; then one sync. tegra-smmu
   * (`syncEachPage`) flushes and reads back every page as it clears it.
   */
  invalidateStrict(firstPage: number, pages: number, entries = pages): void {
    if (this.invSyncEachPage && this.invHasByAddress) {
      this.iotlb.invalidateRange(firstPage, pages);
      this.invalidate(entries * this.invByAddressNs, entries * this.invSyncNs, entries);
      return;
    }
    const limit = this.invHasWhole ? this.perPageLimit : Infinity;
    if (this.invHasByRange) {
      const n = Math.ceil(pages / this.invByRangeMaxPages);
      if (n <= limit) {
        this.iotlb.invalidateRange(firstPage, pages);
        this.invalidate(n * this.invByRangeNs + pages * this.invByRangePerPageNs, this.invSyncNs, n);
        return;
      }
    } else if (this.invHasByAddress && entries < limit) {
      this.iotlb.invalidateRange(firstPage, pages);
      this.invalidate(entries * this.invByAddressNs, this.invSyncNs, entries);
      return;
    }
    this.iotlb.invalidateAll();
    this.invalidate(this.invWholeNs, this.invSyncNs, 1);
  }

  /** One gathered flush for a range: the cheapest command sequence the hardware offers, one sync (range-flush RFC). */
  invalidateGathered(firstPage: number, pages: number): void {
    let best = Infinity;
    let kind = 0;
    let commands = 1;
    if (this.invHasByAddress && pages * this.invByAddressNs < best) {
      best = pages * this.invByAddressNs;
      kind = 1;
      commands = pages;
    }
    if (this.invHasByRange) {
      const n = Math.ceil(pages / this.invByRangeMaxPages);
      const c = n * this.invByRangeNs + pages * this.invByRangePerPageNs;
      if (c < best) {
        best = c;
        kind = 2;
        commands = n;
      }
    }
    if (this.invHasWhole && this.invWholeNs < best) {
      best = this.invWholeNs;
      kind = 3;
      commands = 1;
    }
    if (!Number.isFinite(best)) best = 0;
    if (kind === 3) this.iotlb.invalidateAll();
    else this.iotlb.invalidateRange(firstPage, pages);
    this.invalidate(best, this.invSyncNs, commands);
  }

  /** Whole-domain flush (flush queue drain): domain or stream command + sync. */
  invalidateDomain(phase = PH_INV): void {
    const inv = this.inv;
    const cmd = inv.domainNs ?? inv.streamNs ?? inv.byRangeNs ?? inv.byAddressNs ?? 0;
    this.iotlb.invalidateAll();
    this.invalidate(cmd, this.invSyncNs, 1, phase);
  }

  /**
   * Map-side flush on hardware that may cache invalid PTEs (and on an emulated vIOMMU in caching
   * mode): per page (strict) or once for the range (gathered), using the walk-cache flush when
   * the hardware has one.
   */
  invalidateForMap(firstPage: number, pages: number, gathered: boolean): void {
    const inv = this.inv;
    const wc = inv.walkCacheByAddressNs;
    if (wc === null) {
      if (gathered) this.invalidateGathered(firstPage, pages);
      else this.invalidateStrict(firstPage, pages);
      return;
    }
    if (!gathered) {
      const syncs = this.invSyncEachPage ? pages : 1;
      this.invalidate(pages * wc, syncs * this.invSyncNs, pages);
      return;
    }
    // Gathered: one walk-cache flush covering the range (the whole cache if cheaper), one sync.
    const once = inv.walkCacheAllNs !== null ? Math.min(wc, inv.walkCacheAllNs) : wc;
    this.invalidate(once, this.invSyncNs, 1);
  }

  /**
   * One virtio-iommu request round trip: the exit and return (trap), then the VMM and the VFIO
   * ioctl with per-page host work under the VMM lock while the guest vCPU waits.
   */
  virtRequest(requests: number, pages: number, perPageUs: number, phase: number): void {
    const v = this.p.virt;
    // The kick makes the device process every request queued so far (virtio_iommu_handle_command
    // pops the whole virtqueue), including UNMAPs added without a sync.
    const pending = this.vmmPendingUs;
    this.vmmPendingUs = 0;
    const hostUs = requests * v.requestUs + pages * perPageUs + pending / this.callFactor;
    if (!v.bigLock) {
      this.spend(phase, T_TRAP, v.trapUs);
      this.spend(phase, T_HOST, hostUs);
      return;
    }
    // viommu_send_req_sync holds the guest's request_lock from the kick to the used-ring
    // completion, so the whole round trip (exit, VMM, ioctl, return) is serialised.
    const f = this.callFactor;
    const t = this.cur;
    // An idle VMM thread must be woken first; a busy one picks the request up when it gets to it.
    let wake = 0;
    if (v.wakeUs > 0) {
      // The host's cpuidle governor chose the VMM CPU's idle state from the recent idle periods
      // (menu.c: the last INTERVALS = 8), not from this one; a busy VMM is not idle at all.
      const gap = this.vmmLock.idleGapAt(t);
      const deep = this.vmmIdleEwmaUs - v.wakeMinIdleUs;
      if (gap > 0 && deep > 0) wake = v.wakeUs * Math.min(1, deep / Math.max(1e-9, v.wakeIdleUs - v.wakeMinIdleUs));
      this.vmmIdleEwmaUs += (gap - this.vmmIdleEwmaUs) / 8;
    }
    const hold = (wake + v.trapUs + hostUs) * f;
    this.vmmLock.hold(t, hold, this.now);
    const start = this.vmmLock.lastStart;
    this.phaseUs[phase] += start - t + hold;
    this.terms[T_LOCK] += start - t;
    this.terms[T_TRAP] += (wake + v.trapUs) * f;
    this.terms[T_HOST] += hostUs * f;
    this.cur = start + hold;
  }

  /**
   * viommu_add_req without a sync: the request waits in the virtqueue, and its host work is done
   * at the next kick, by whichever vCPU syncs next.
   */
  virtPost(requests: number, pages: number, perPageUs: number): void {
    this.vmmPendingUs += (requests * this.p.virt.requestUs + pages * perPageUs) * this.callFactor;
  }

  /**
   * Host side of an emulated vIOMMU's trapped invalidation in caching mode: the VMM walks the
   * guest's tables and maps (or unmaps) the pages on the host through VFIO.
   */
  shadowRequest(pages: number, perPageUs: number, phase: number): void {
    this.virtRequest(1, pages, perPageUs, phase);
  }

  /** Device accesses to a mapped IOVA range: IOTLB lookups per page, walk time on misses. */
  deviceTranslate(iovaPage: number, pages: number): number {
    if (iovaPage < 0) return 0;
    let misses = 0;
    for (let i = 0; i < pages; i++) if (this.iotlb.access(iovaPage + i)) misses++;
    return this.walksUs(misses);
  }

  /** As deviceTranslate for a mapping made of blocks of 2^tlbShift pages: one IOTLB entry per block. */
  deviceTranslateBlocks(iovaPage: number, pages: number, tlbShift: number): number {
    if (iovaPage < 0) return 0;
    let misses = 0;
    const first = Math.floor(iovaPage / 2 ** tlbShift);
    const last = Math.floor((iovaPage + pages - 1) / 2 ** tlbShift);
    for (let b = first; b <= last; b++) if (this.iotlb.access(BLOCK_TAG_BASE + b)) misses++;
    return this.walksUs(misses);
  }

  /** Walk time of `misses` IOTLB misses: (misses * ns) / 1000, with the one-miss quotient precomputed. */
  private walksUs(misses: number): number {
    if (misses === 0) return 0;
    if (misses === 1) return this.walkUs;
    return (misses * this.iommu.iotlbMissWalkNs) / 1000;
  }
}

/** 1 / x for a power of two x (exact); anything else is a profile the schema should have refused. */
function reciprocalOfPow2(x: number, what: string): number {
  if (!(x > 0 && 2 ** Math.round(Math.log2(x)) === x)) throw new SimulationInvariantError(`${what} must be a power of two, got ${x}`);
  return 1 / x;
}
