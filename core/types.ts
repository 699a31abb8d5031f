/**
 * Shapes shared by the engine, the host and the renderer. Plain JSON-able data only:
 * everything here crosses process boundaries (worker messages, IPC, HTTP, SQLite).
 */

/** Invalidation costs in nanoseconds; `null` means the hardware has no such command. */
export interface InvalidationCosts {
  /** One command invalidating one IOMMU page by address (SMMU TLBI VA, VT-d PSI of 1 page). */
  byAddressNs: number | null;
  /** One range command: fixed part plus a per-page part (SMMUv3 range TLBI, VT-d PSI with AM). */
  byRangeNs: number | null;
  byRangePerPageNs: number;
  /** Largest range one command covers, in IOMMU pages; longer ranges take several. */
  byRangeMaxPages: number;
  /** Whole domain / ASID / VMID. */
  domainNs: number | null;
  /** Whole stream (Apple DART: stream bitmap + command + busy poll). */
  streamNs: number | null;
  /** Walk-cache (PTC) flush by address, needed on map when invalid PTEs may be cached. */
  walkCacheByAddressNs: number | null;
  /** Whole walk-cache flush, the gathered alternative on map. */
  walkCacheAllNs: number | null;
  /** Completion wait after a batch of commands (CMD_SYNC, wait descriptor, busy-bit poll). */
  syncNs: number;
  /** The driver waits for completion after every page (tegra-smmu's read-back), not once per call. */
  syncEachPage: boolean;
  /**
   * true: a hardware command queue (SMMUv3 cmdq, VT-d queued invalidation). CPUs insert their
   * commands and a sync (`insertNs`), the IOMMU consumes them in order (the command costs above
   * and `syncNs` are its consumption times) and each CPU waits for its own sync: waits overlap,
   * only the queue's consumption is serialised. false: the CPU writes the commands and polls for
   * completion itself under one lock (tegra-smmu, Apple DART), so the lock is held throughout.
   */
  hardwareQueue: boolean;
  /**
   * Independent queues (or locks): 1 for one SMMUv3 cmdq / VT-d QI / driver lock; several with
   * ECMDQ or Tegra241 CMDQV (CPU c uses queue c mod queues).
   */
  queues: number;
  /** CPU cost to build and insert one batch of commands (cmpxchg on prod, copy, doorbell). */
  insertNs: number;
  /**
   * Hardware queue: time from the IOMMU consuming a CMD_SYNC to its waiter seeing it (MSI write,
   * polling of the cons index with queue_poll's backoff), which occupies no queue: waiters overlap.
   * `syncNs` is the sync's consumption time, which is serialised.
   */
  syncLatencyNs: number;
  /**
   * Extra serialised queue time per batch for each other CPU active on the same queue (the
   * shared prod/cons cache lines bounce, cmpxchg retries, pollers): why a single cmdq's
   * throughput falls as CPUs are added.
   */
  contentionNsPerCpu: number;
  /**
   * Without range commands, a range of more than this many pages is invalidated with one
   * ASID/domain command instead (arm-smmu-v3 CMDQ_MAX_TLBI_OPS); null: no such threshold.
   */
  maxPerPageCmds: number | null;
}

export interface CpuModel {
  cores: number;
  pageSizeBytes: number;
  /** Bandwidth of a bounce copy (cache-cold source). */
  memcpyBytesPerSec: number;
  /** False for non-coherent DMA: a clean/invalidate by VA of every buffer byte on map/unmap. */
  dmaCoherent: boolean;
  cacheMaintenanceNsPerByte: number;
  /** Block layer + driver work per IO outside the DMA API (submission side). */
  submitOverheadUs: number;
  /** Interrupt + completion work per IO outside the DMA API. */
  completionOverheadUs: number;
  /** Allocating and freeing one CPU page in the kernel (buddy allocator), used by dynamic pools. */
  pageAllocUs: number;
  /** Memory the device could reach with no translation (RAM of the host or guest). */
  memoryBytes: number;
  /** DMA-API dispatch outside the IOMMU driver (dma_map_page_attrs, checks, ops), per call. */
  dmaApiNs: number;
  /** Fixed cost of one bounce copy (call, alignment handling), on top of bytes / memcpy bandwidth. */
  copySetupNs: number;
  /** Finding a free slot in a bounce pool or swiotlb area, under its spinlock. */
  slotFindNs: number;
  /** Releasing a bounce slot. */
  slotFreeNs: number;
  /** swiotlb_dyn_map: allocating and tracking one dynamic bounce buffer (besides its pages). */
  dynAllocUs: number;
  /** Freeing one dynamic bounce buffer (besides its pages, freed at half the allocation cost). */
  dynFreeUs: number;
  /** Adding one IOVA to a flush queue (queue_iova: per-CPU ring, counters). */
  flushQueueAddNs: number;
  /**
   * Page size backing memory pinned for a device (VFIO type1 pinning a guest's RAM): 4 KiB, or
   * 2 MiB / 1 GiB when the guest is backed by huge pages, so iommu_map maps it with blocks.
   */
  pinnedPageBytes: number;
  /**
   * Run-to-run spread of CPU work: each DMA call and each IO's driver work costs (1 +/- this)
   * times its nominal cost, uniformly (cache misses, interrupts). 0 makes every call identical.
   */
  costJitterFraction: number;
  /** Data cache line size (64 on most Arm and x86 cores; 128 on Apple M1): PTEs per line = this / pteBytes. */
  cacheLineBytes: number;
  /** Returning one page of a dynamic swiotlb pool to the page allocator (__free_pages). */
  pageFreeUs: number;
  /**
   * Pages per physically contiguous run of a user IO buffer: an O_DIRECT buffer becomes
   * ceil(pages / this) scatter-gather entries (blk_rq_map_sg merges only physically adjacent
   * pages). 512 = backed by 2 MiB transparent huge pages; 1 = every page scattered.
   */
  userBufferRunPages: number;
}

export interface IommuModel {
  granuleBytes: number;
  /** Block (huge page) sizes the page tables can map directly, besides the granule. */
  blockSizesBytes: number[];
  pageTableLevels: number;
  /** Bytes of IOVA one last-level table covers (Tegra: 4 MiB per directory entry). */
  leafTableSpanBytes: number;
  /** Fixed cost of one iommu_map()/iommu_unmap() call into the driver. */
  mapCallNs: number;
  unmapCallNs: number;
  /** Writing one PTE on map (walk, refcount, write). */
  pteWriteNs: number;
  /** Clearing one PTE on unmap. */
  pteClearNs: number;
  /** Allocating + zeroing a last-level table when a map first touches its span. */
  tableAllocUs: number;
  /** The driver frees a last-level table when its last PTE is cleared (tegra-smmu), so it is reallocated. */
  freesEmptyTables: boolean;
  /**
   * An unmap covering a whole last-level table clears the table entry one level up and frees
   * the table (io-pgtable-arm __arm_lpae_unmap, VT-d dma_pte_clear_level): one clear instead of
   * one per page; the next map of that span allocates a table again.
   */
  freesCoveredTables: boolean;
  /** Bytes per page-table entry: 8 for Arm LPAE, VT-d and DART; 4 for tegra-smmu's 32-bit PTEs. */
  pteBytes: number;
  /**
   * Moving a page-table cache line last written by another CPU into this CPU's cache
   * (cpu.cacheLineBytes / pteBytes PTEs per line: neighbouring IOVAs of different CPUs share
   * lines). The source of the spread of sub-microsecond map/unmap times when many threads run.
   * 0 disables it.
   */
  pteLineTransferNs: number;
  /** If false, PTE writes are cleaned from the CPU caches so the walker sees them (per PTE or per line: pteCleanByRange). */
  coherentWalk: boolean;
  /** One cache clean of PTEs for a non-coherent walker: per PTE, or per line when the driver gathers them. */
  pteCacheCleanNs: number;
  /**
   * The driver cleans the PTEs one call writes or clears as one range, once per cache line
   * (io-pgtable-arm: __arm_lpae_sync_pte over num_entries on map, and on unmap since "Optimise
   * non-coherent unmap", 2024; VT-d's domain_flush_cache over the range). false: once per PTE
   * (tegra-smmu's as_set_pte), unless the strategy gathers them (range-flush).
   */
  pteCleanByRange: boolean;
  /** If true, the IOMMU may cache invalid PTEs, so a map also needs an invalidation. */
  cachesInvalidPtes: boolean;
  iotlbEntries: number;
  iotlbWays: number;
  /** Page-table walk on an IOTLB miss, added to the device's transfer. */
  iotlbMissWalkNs: number;
  invalidation: InvalidationCosts;
  iovaBits: number;
}

export interface IovaAllocatorModel {
  /** Linux rcache: per-CPU magazines of this many entries. */
  rcacheMagazineSize: number;
  /** Largest allocation the rcache serves, in IOMMU pages (IOVA_RANGE_CACHE_MAX_SIZE). */
  rcacheMaxPages: number;
  /** Full magazines kept in the global depot per size class. */
  rcacheDepotMagazines: number;
  rcacheHitNs: number;
  /** rbtree allocation/free under the global iova_rbtree_lock. */
  treeAllocNs: number;
  treeFreeNs: number;
  /** Allocations are aligned to their power-of-two size (alloc_iova(size_aligned=true)). */
  sizeAligned: boolean;
}

/**
 * How a guest's IOMMU is virtualised. 'virtio': virtio-iommu, every MAP/UNMAP request is a VM
 * exit, a VMM trip and a VFIO ioctl. 'nested': the guest owns its stage-1 tables (map costs no
 * exit) and only its invalidation queue traps to the VMM (an SMMUv3 nested through iommufd).
 * 'vcmdq': as nested, but invalidations go to a hardware virtual command queue (Tegra241 CMDQV):
 * no trap. 'emulated': a fully emulated vIOMMU in caching mode (QEMU intel-iommu, CM=1): map
 * must invalidate too, and both map and unmap invalidations trap so the VMM shadows the tables.
 */
export type VirtMode = 'virtio' | 'nested' | 'vcmdq' | 'emulated';

export interface VirtModel {
  /** The DMA runs in a guest behind a virtual IOMMU (mode says which kind). */
  enabled: boolean;
  mode: VirtMode;
  /** Round trip of one request: exit, VMM, ioctl entry/exit, return to the guest. */
  trapUs: number;
  /** VMM + VFIO ioctl work per request, on top of the trap (several requests can share a trap). */
  requestUs: number;
  /** Host VFIO work per guest page on MAP_DMA (pin_user_pages + host iommu_map). */
  hostMapPerPageUs: number;
  /** Host VFIO work per guest page on UNMAP_DMA (host iommu_unmap + IOTLB flush share + unpin). */
  hostUnmapPerPageUs: number;
  /** Host work per forwarded invalidation command (nested: the VMM's IOMMU_HWPT_INVALIDATE share, host TLBI). */
  hostInvPerCmdUs: number;
  /** Host work per trapped sync (nested: the VMM waits for the host SMMU's CMD_SYNC before completing the guest's). */
  hostSyncUs: number;
  /** The VMM / vfio_iommu_type1 lock serialises requests from all vCPUs. */
  bigLock: boolean;
  /**
   * Wake-up of the idle VMM thread a request kicks (ppoll on the ioeventfd, scheduler wake-up,
   * host CPU idle-state exit). The depth follows the recent idle periods, as the host's cpuidle
   * governor predicts them: nothing when they average below `wakeMinIdleUs`, in full from
   * `wakeIdleUs`, in proportion between; nothing when the VMM is busy with an earlier request.
   */
  wakeUs: number;
  /** Mean recent idle period from which a request that finds the VMM idle pays the full `wakeUs`. */
  wakeIdleUs: number;
  /** Mean recent idle period below which the VMM's CPU stays in its shallowest idle state: no wake-up cost. */
  wakeMinIdleUs: number;
  /** Per completed IO in a guest: the device interrupt through VFIO's eventfd and KVM's irqfd, the vCPU wake and EOI. */
  guestIrqUs: number;
}

export interface DeviceModel {
  name: string;
  bandwidthBytesPerSec: number;
  readLatencyUs: number;
  writeLatencyUs: number;
  /** Requests the device services at once. */
  parallelism: number;
  /** Spread of the per-request latency: uniform in latency x (1 +/- this) (0 = fixed). */
  latencyJitterFraction: number;
  /** Fixed cost of one test session on the device (queue/context setup), paid by every strategy. */
  sessionSetupUs: number;
  /** Per-request software cost on the submitting thread for accelerator sends (user-space driver). */
  sendOverheadUs: number;
  /** Extra per-send cost when the accelerator test runs in the (1-vCPU) guest rather than on the host. */
  guestSendOverheadUs: number;
}

/** I/O page fault path (SMMU stall / PCIe PRI) and host pinning (VFIO type1). */
export interface IopfModel {
  /** Event queue, interrupt and fault report to the handler. */
  faultReportUs: number;
  /** Handler entry, lookup of the vfio_dma, bitmap checks. */
  faultHandlerUs: number;
  /** pin_user_pages + iommu_map per page pre-mapped by one fault. */
  pinMapPerPageUs: number;
  /** Page response (CMD_RESUME / PRG response) and the device's retry. */
  pageResponseUs: number;
  /** Fault handled by the host mm for SVA (handle_mm_fault), per page. */
  svaFaultPerPageUs: number;
}

export interface HardwareProfile {
  id: string;
  name: string;
  description: string;
  /** Where the numbers come from: public sources and calibrations, one line each. */
  sources: string[];
  builtIn?: boolean;
  cpu: CpuModel;
  iommu: IommuModel;
  iova: IovaAllocatorModel;
  virt: VirtModel;
  device: DeviceModel;
  iopf: IopfModel;
}

export type StrategyId =
  | 'passthrough'
  | 'strict'
  | 'lazy'
  | 'range-flush'
  | 'swiotlb'
  | 'swiotlb-dynamic'
  | 'bounce-pool'
  | 'iopf'
  | 'pinned';

export type StrategyParamValue = number | string | boolean | number[];

export interface StrategySpec {
  id: StrategyId;
  params: Record<string, StrategyParamValue>;
  /** Canonical text form, `id:key=value:...`, parameters sorted, defaults omitted. */
  text: string;
}

export type FioRw = 'read' | 'write' | 'randread' | 'randwrite' | 'rw' | 'randrw';

export interface FioWorkload {
  kind: 'fio';
  rw: FioRw;
  /** Block size, or a bssplit of [sizeBytes, percent] pairs. */
  bsBytes: number;
  bssplit: Array<[number, number]> | null;
  iodepth: number;
  numjobs: number;
  /** Bytes per job; the run ends when every job has moved this much (or after `ios`). */
  sizeBytes: number;
  /** Number of IOs per job (overrides size when set). */
  ios: number | null;
  rwmixread: number;
  direct: boolean;
  ioengine: string;
  /**
   * Several fio jobs (job sections, each with its own options), run as fio runs them: the jobs of
   * a group concurrently, groups one after another. Absent for a single job that needs nothing
   * beyond the fields above (those runs keep their results byte for byte).
   */
  jobs?: FioJob[];
  groupReporting?: boolean;
}

/** One fio job section with the options that change DMA traffic (core/fio/jobfile.ts). */
export interface FioJob {
  name: string;
  /** Reporting group; groups run one after another (stonewall), jobs of a group at once. */
  group: number;
  stonewall: boolean;
  newGroup: boolean;
  groupReporting: boolean;
  /** Data directions of the IOs; trims are not DMA (trimwrite -> write). */
  rw: FioRw;
  /** fio's rw value as written (read, randtrimwrite, ...). */
  rwText: string;
  /** [sizeBytes, percent] per direction (bs=r,w / bssplit=r,w). */
  bsRead: Array<[number, number]>;
  bsWrite: Array<[number, number]>;
  /** bsrange=min-max per direction: sizes uniform in the range, in steps of the minimum. */
  bsRangeRead: [number, number] | null;
  bsRangeWrite: [number, number] | null;
  iodepth: number;
  batchSubmit: number;
  batchComplete: number;
  numjobs: number;
  sizeBytes: number;
  /** io_size: bytes of IO per job when it differs from size. */
  ioBytes: number | null;
  ios: number | null;
  runtimeUs: number | null;
  timeBased: boolean;
  rampUs: number;
  rateBytesPerSec: [number, number];
  rateIops: [number, number];
  thinktimeUs: number;
  rwmixread: number;
  direct: boolean;
  ioengine: string;
  /** Read back every written block after the write phase. */
  verify: boolean;
}

/** Per fio job (numjobs clones together) or per group, as fio's report gives them. */
export interface FioJobResult {
  name: string;
  group: number;
  ios: number;
  bytes: number;
  readBytes: number;
  writeBytes: number;
  /** The job's measured window (after ramp_time), µs. */
  runtimeUs: number;
  throughputMiBps: number;
  iops: number;
  clatUs: Percentiles;
  /** CPU busy time of the job's threads over its window, per thread (fio's sys%/100). */
  cpuFraction: number;
}

export type DmaDirection = 'BIDIRECTIONAL' | 'TO_DEVICE' | 'FROM_DEVICE';

export interface DmaBenchWorkload {
  kind: 'dmabench';
  threads: number;
  seconds: number;
  /** Buffer size in CPU pages (-g). */
  granulePages: number;
  dir: DmaDirection;
  /** Simulated device transfer delay between map and unmap (-x), ns. */
  delayNs: number;
  /** Map as one scatter-gather list of pages instead of one contiguous buffer. */
  sg: boolean;
  /** DMA_ATTR_SKIP_CPU_SYNC: no cache maintenance in map/unmap (times the IOMMU work alone). */
  skipCpuSync: boolean;
}

export interface AccelWorkload {
  kind: 'accel';
  /** Bytes of one message (input and output buffers each). */
  msgLenBytes: number;
  /** Number of sends. */
  times: number;
  /** Buffer sets (input + output) the test cycles through. */
  buffers: number;
  /** Where the test process runs: a guest with the device passed through VFIO, or the host. */
  env: 'guest' | 'host';
}

/** What a captured trace shows by itself (core/trace.ts). */
export interface TraceFacts {
  mappings: number;
  bytes: number;
  durationUs: number;
  mappingsPerSecond: number;
  /** Mappings by size, power-of-two buckets labelled by their upper bound (`4K`, `64K`, `1M`). */
  sizeHistogram: Record<string, number>;
  peakLive: Record<string, number>;
  /** Events by name (used or counted); `other:NAME` for events of other kinds. */
  events: Record<string, number>;
  unparsedLines: number;
  unparsedFirst: string[];
  unmatchedUnmaps: number;
  neverUnmapped: number;
  truncatedSg: number;
  syncs: number;
  pageFaults: Record<string, number>;
  /** Which events the mappings came from: dma: (with devices) or iommu:map/unmap. */
  source: 'dma' | 'iommu';
}

/**
 * Mappings replayed from a kernel trace, columnar (one entry per mapping, in map-time order):
 * map time and lifetime (µs from the first event), bytes, direction (0 BIDIRECTIONAL,
 * 1 TO_DEVICE, 2 FROM_DEVICE), CPU, scatter-gather entries, device index, DMA_ATTR_SKIP_CPU_SYNC.
 */
export interface TraceWorkload {
  kind: 'trace';
  source: string;
  device: string | null;
  devices: string[];
  mapUs: number[];
  lifeUs: number[];
  bytes: number[];
  dir: number[];
  cpu: number[];
  sg: number[];
  dev: number[];
  skipSync: number[];
  facts: TraceFacts;
}

export type Workload = FioWorkload | DmaBenchWorkload | AccelWorkload | TraceWorkload;

export interface Percentiles {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface CallStats {
  mean: number;
  p50: number;
  p99: number;
  stddev: number;
}

export interface CpuSecondsPerGiB {
  map: number;
  unmap: number;
  copy: number;
  invalidate: number;
  fault: number;
  other: number;
  total: number;
}

export interface Metrics {
  simulatedSeconds: number;
  ios: number;
  bytes: number;
  throughputMiBps: number;
  iops: number;
  latencyUs: Percentiles;
  mapUs: CallStats;
  unmapUs: CallStats;
  mapCalls: number;
  unmapCalls: number;
  cpuSecondsPerGiB: CpuSecondsPerGiB;
  /** Fraction of simulated time the CPUs were busy, summed over CPUs (1 = one core saturated). */
  cpuUtilisation: number;
  iotlb: { lookups: number; misses: number; missesPerPage: number };
  invalidations: { count: number; perPage: number };
  bounceBytes: { peak: number; mean: number };
  pinnedBytes: { peak: number };
  iovaBytes: { peak: number };
  /** What the device can reach that the driver did not hand it, and for how long (core/protection.ts). */
  exposure: {
    /** Mean per mapping: bytes of a live mapping beyond its buffer (granule rounding). */
    bytesBeyondBuffer: number;
    fractionBeyondBuffer: number;
    /** Freed buffers still reachable until the IOTLB flush (lazy flush queues): per unmap. */
    staleWindowUs: { mean: number; max: number };
    /**
     * Peak bytes reachable with no live mapping behind them for the whole run: all RAM for
     * passthrough, all pinned memory for pinned, every faulted-in page for iopf; 0 otherwise.
     * Absent in runs stored before this field existed.
     */
    standingBytes?: number;
    /** Derived from the three fields above by protectionOf(); never set independently. */
    protection?: ProtectionClass;
  };
  faults: number;
  fallbacks: number;
  failures: number;
  /**
   * dmabench runs: the figures dma_map_benchmark itself prints. The kernel sums each call in whole
   * 100 ns units (div64_ul(delta, 100)), so its mean is floored per call and its standard
   * deviation includes the quantisation; these are what to compare with published tool output.
   */
  dmaBenchTool?: { map: { mean: number; stddev: number }; unmap: { mean: number; stddev: number } };
  /** For accel runs beside `pinned`: (time - pinnedTime) / pinnedTime. */
  slowdownVsPinned: number | null;
}

/** Sampled over simulated time, at most `maxPoints` points. */
export interface TimeSeries {
  tUs: number[];
  throughputMiBps: number[];
  bounceBytes: number[];
  pinnedBytes: number[];
  iovaBytes: number[];
}

/** Log-bucketed latency histogram: bucket i counts latencies in (edgesUs[i-1], edgesUs[i]]. */
export interface Histogram {
  edgesUs: number[];
  counts: number[];
}

/**
 * Where the time of a DMA-API call goes, in the engine's cost vocabulary. Every engine cost is
 * booked to exactly one term, so a call's terms sum to its duration.
 */
export type CostTerm =
  | 'api' | 'iovaAlloc' | 'iovaFree' | 'pte' | 'tableAlloc' | 'cacheMaint' | 'invalidateCmd' | 'syncWait'
  | 'lockWait' | 'trap' | 'hostWork' | 'copy' | 'slot' | 'pageAlloc' | 'fault' | 'other';

export const COST_TERMS: readonly CostTerm[] = [
  'api', 'iovaAlloc', 'iovaFree', 'pte', 'tableAlloc', 'cacheMaint', 'invalidateCmd', 'syncWait',
  'lockWait', 'trap', 'hostWork', 'copy', 'slot', 'pageAlloc', 'fault', 'other',
];

/** Mean µs per map call and per unmap call, split by cost term (terms sum to mapUs.mean / unmapUs.mean). */
export interface CallBreakdown {
  map: Partial<Record<CostTerm, number>>;
  unmap: Partial<Record<CostTerm, number>>;
}

/**
 * Protection classes, worst last. 'full': the device reaches only the buffers handed to it, only
 * while mapped. 'granule': also the rest of each IOMMU granule around a buffer while it is mapped.
 * 'deferred': freed buffers stay reachable until a deferred flush (bounded window). 'none': memory
 * never handed to the device is reachable all the time (passthrough, pinned, faulted-in pages).
 */
export type ProtectionClass = 'full' | 'granule' | 'deferred' | 'none';

export interface StrategyResult {
  strategy: string;
  metrics: Metrics;
  /** Cost-term breakdown of the mean map and unmap call (engine versions that book terms). */
  explain?: CallBreakdown;
  series: TimeSeries;
  latencyHistogram: Histogram;
  /** fio workloads with several jobs: per job, then per group (name `group N`). */
  jobs?: FioJobResult[];
}

export interface ExperimentInput {
  profile: HardwareProfile;
  strategies: StrategySpec[];
  workload: Workload;
  seed: number;
}

export interface ExperimentResult {
  engineVersion: string;
  profile: string;
  workload: Workload;
  workloadText: string;
  seed: number;
  results: StrategyResult[];
}

export interface Progress {
  /** 0..1 over the whole experiment. */
  fraction: number;
  strategy: string;
}
