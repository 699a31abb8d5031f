import type { HardwareProfile } from '../types.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/**
 * Built-in profiles. Every number is either a public fact (cited in `sources`) or a calibration
 * from the visible published figures of BRIEF §2, explained in docs/model.md. None is tuned to a
 * single experiment: each profile is one machine and all its experiments share it.
 */

const linuxIova = {
  rcacheMagazineSize: 127, // IOVA_MAG_SIZE
  rcacheMaxPages: 32, // 1 << (IOVA_RANGE_CACHE_MAX_SIZE - 1)
  rcacheDepotMagazines: 32, // MAX_GLOBAL_MAGS
  rcacheHitNs: 40,
  treeAllocNs: 700,
  treeFreeNs: 450,
  sizeAligned: true,
};

/** The bare-metal hosts' disk (vtd, morello): the same device, so their strategies compare on one NVMe. */
const pcieGen3x4Nvme = {
  name: 'PCIe Gen3 x4 NVMe',
  bandwidthBytesPerSec: 3.2e9,
  readLatencyUs: 80,
  writeLatencyUs: 20,
  parallelism: 256,
  latencyJitterFraction: 0.2,
  sessionSetupUs: 0,
  sendOverheadUs: 2,
  guestSendOverheadUs: 0,
};

const noVirt = {
  enabled: false, mode: 'virtio' as const, trapUs: 0, requestUs: 0, hostMapPerPageUs: 0, hostUnmapPerPageUs: 0,
  hostInvPerCmdUs: 0, hostSyncUs: 0, bigLock: false, wakeUs: 0, wakeIdleUs: 1, wakeMinIdleUs: 0, guestIrqUs: 0,
};

/**
 * Kernel software costs outside the IOMMU driver, the same on every Linux machine of this class
 * (order-of-magnitude figures for a few-GHz core; docs/model.md §6 says which matter where).
 */
const kernelCosts = {
  dmaApiNs: 40, // dma_map_page_attrs dispatch + checks
  copySetupNs: 50, // memcpy call, alignment
  slotFindNs: 60, // swiotlb area / pool slot search under its spinlock
  slotFreeNs: 80,
  dynAllocUs: 1.5, // swiotlb_dyn_map bookkeeping besides alloc_pages
  dynFreeUs: 0.5,
  flushQueueAddNs: 30, // queue_iova
  pinnedPageBytes: 4 * KiB,
  userBufferRunPages: 512,
};

const defaultIopf = {
  faultReportUs: 8,
  faultHandlerUs: 6,
  pinMapPerPageUs: 0.35,
  pageResponseUs: 4,
  svaFaultPerPageUs: 1.2,
};

export const VTD: HardwareProfile = {
  id: 'vtd',
  name: 'Intel VT-d (bare metal, NVMe)',
  description: 'Desktop/server x86 host, Intel VT-d with queued invalidation, a PCIe Gen3 x4 NVMe disk.',
  sources: [
    'VT-d spec: page-selective IOTLB invalidation with address mask, invalidation wait descriptor; IOTLB invalidation usually completes in 0.1-10 us (BRIEF §4).',
    'Linux rcache: IOVA_MAG_SIZE 127, IOVA_RANGE_CACHE_MAX_SIZE 6 (32 pages), MAX_GLOBAL_MAGS 32.',
    'NVMe: 2.5-3.5 GB/s Gen3 x4 class, ~80 us 4k random read latency, 20 us write (cache).',
    'Host IO path ~3 us of CPU per IO (block layer + nvme submit/complete), typical of io_uring/libaio measurements.',
  ],
  cpu: {
    cores: 8,
    pageSizeBytes: 4 * KiB,
    memcpyBytesPerSec: 12 * GiB,
    dmaCoherent: true,
    cacheMaintenanceNsPerByte: 0,
    submitOverheadUs: 1.6,
    completionOverheadUs: 1.4,
    pageAllocUs: 0.25,
    pageFreeUs: 0.125,
    memoryBytes: 32 * GiB,
    costJitterFraction: 0.05,
    cacheLineBytes: 64,
    ...kernelCosts,
  },
  iommu: {
    granuleBytes: 4 * KiB,
    blockSizesBytes: [2 * MiB, 1 * GiB],
    pageTableLevels: 4,
    leafTableSpanBytes: 2 * MiB,
    mapCallNs: 120,
    unmapCallNs: 120,
    pteWriteNs: 25,
    pteClearNs: 20,
    tableAllocUs: 1.0,
    freesEmptyTables: false,
    freesCoveredTables: true,
    pteBytes: 8,
    pteLineTransferNs: 80,
    coherentWalk: true,
    pteCacheCleanNs: 0,
    pteCleanByRange: true,
    cachesInvalidPtes: false,
    iotlbEntries: 256,
    iotlbWays: 8,
    iotlbMissWalkNs: 350,
    invalidation: {
      byAddressNs: 250,
      byRangeNs: 250,
      byRangePerPageNs: 0,
      byRangeMaxPages: 512,
      domainNs: 400,
      streamNs: null,
      walkCacheByAddressNs: null,
      walkCacheAllNs: null,
      syncNs: 1200,
      syncEachPage: false,
      hardwareQueue: true,
      queues: 1,
      insertNs: 100,
      syncLatencyNs: 0,
      contentionNsPerCpu: 30,
      maxPerPageCmds: null,
    },
    iovaBits: 48,
  },
  iova: linuxIova,
  virt: noVirt,
  device: pcieGen3x4Nvme,
  iopf: defaultIopf,
};

export const SMMUV3: HardwareProfile = {
  id: 'smmuv3',
  name: 'Arm SMMUv3 (Kunpeng 920 class)',
  description:
    'HiSilicon Kunpeng 920 host with an SMMUv3 (one command queue shared by all CPUs, stall model for I/O page faults) and the SEC crypto accelerator passed through VFIO to a 1-vCPU 16 GiB guest, as in the IOPF series.',
  sources: [
    'SMMUv3 architecture: TLBI by VA per granule, range TLBI (SMMUv3.2), CMD_SYNC completion; one cmdq per SMMU serialises invalidations from all CPUs (BRIEF §4).',
    'IOPF series (Lu 2021): Kunpeng 920, accelerator in a 1U16G VM, hisi_sec_test; fault costs calibrated from the visible msg_len 1 MB, PREMAP_LEN 1 figures (docs/model.md).',
    'VFIO type1 pinning: pin_user_pages + iommu_map per page (vfio_pin_pages_remote).',
  ],
  cpu: {
    cores: 64,
    pageSizeBytes: 4 * KiB,
    memcpyBytesPerSec: 8 * GiB,
    dmaCoherent: true,
    cacheMaintenanceNsPerByte: 0,
    submitOverheadUs: 2.5,
    completionOverheadUs: 2.0,
    pageAllocUs: 0.3,
    pageFreeUs: 0.15,
    memoryBytes: 16 * GiB,
    costJitterFraction: 0.05,
    cacheLineBytes: 64,
    ...kernelCosts,
  },
  iommu: {
    granuleBytes: 4 * KiB,
    blockSizesBytes: [2 * MiB, 1 * GiB],
    pageTableLevels: 4,
    leafTableSpanBytes: 2 * MiB,
    mapCallNs: 150,
    unmapCallNs: 150,
    pteWriteNs: 30,
    pteClearNs: 25,
    tableAllocUs: 1.2,
    freesEmptyTables: false,
    freesCoveredTables: true,
    pteBytes: 8,
    pteLineTransferNs: 150,
    coherentWalk: true,
    pteCacheCleanNs: 0,
    pteCleanByRange: true,
    cachesInvalidPtes: false,
    iotlbEntries: 2048,
    iotlbWays: 8,
    iotlbMissWalkNs: 500,
    invalidation: {
      byAddressNs: 120,
      byRangeNs: 200,
      byRangePerPageNs: 0,
      byRangeMaxPages: 1 << 20,
      domainNs: 400,
      streamNs: null,
      walkCacheByAddressNs: null,
      walkCacheAllNs: null,
      syncNs: 2500,
      syncEachPage: false,
      hardwareQueue: true,
      queues: 1,
      insertNs: 100,
      syncLatencyNs: 0,
      contentionNsPerCpu: 30,
      maxPerPageCmds: null,
    },
    iovaBits: 48,
  },
  iova: linuxIova,
  virt: noVirt,
  device: {
    name: 'HiSilicon SEC accelerator (hisi_sec2), one queue',
    bandwidthBytesPerSec: 4.2e9,
    readLatencyUs: 20,
    writeLatencyUs: 20,
    parallelism: 1,
    latencyJitterFraction: 0.2,
    sessionSetupUs: 14_300,
    sendOverheadUs: 30,
    guestSendOverheadUs: 406,
  },
  iopf: { ...defaultIopf, svaFaultPerPageUs: 5 },
};

export const VIRTIO_IOMMU: HardwareProfile = {
  id: 'virtio-iommu',
  name: 'virtio-iommu guest (i5-10210U host, VFIO NVMe)',
  description:
    'A guest on an Intel i5-10210U laptop with a virtio-iommu and an NVMe drive passed through VFIO: every map/unmap request is a VM exit, a trip through the VMM and a VFIO ioctl under a big lock.',
  sources: [
    'Bounce pool series (Stevens 2021): i5-10210U, virtio-iommu, VFIO-passthrough NVMe, fio --direct=1 --rw=read --iodepth=64.',
    'virtio-iommu (5.13): viommu_map sends a synchronous MAP request per call; unmaps are queued and sent by iotlb_sync.',
    'Trap, per-page host and guest IO costs calibrated from the visible 4k and 64k figures (docs/model.md).',
    'NVMe: 2.5 GiB/s-class disk (BRIEF §4).',
  ],
  cpu: {
    cores: 4,
    pageSizeBytes: 4 * KiB,
    memcpyBytesPerSec: 14 * GiB,
    dmaCoherent: true,
    cacheMaintenanceNsPerByte: 0,
    submitOverheadUs: 7,
    completionOverheadUs: 6,
    pageAllocUs: 0.4,
    pageFreeUs: 0.2,
    memoryBytes: 8 * GiB,
    costJitterFraction: 0.05,
    cacheLineBytes: 64,
    ...kernelCosts,
  },
  iommu: {
    granuleBytes: 4 * KiB,
    blockSizesBytes: [2 * MiB],
    pageTableLevels: 4,
    leafTableSpanBytes: 2 * MiB,
    mapCallNs: 300,
    unmapCallNs: 300,
    pteWriteNs: 0,
    pteClearNs: 0,
    tableAllocUs: 0,
    freesEmptyTables: false,
    freesCoveredTables: true,
    pteBytes: 8,
    pteLineTransferNs: 0,
    coherentWalk: true,
    pteCacheCleanNs: 0,
    pteCleanByRange: true,
    cachesInvalidPtes: false,
    iotlbEntries: 256,
    iotlbWays: 8,
    iotlbMissWalkNs: 700,
    invalidation: {
      byAddressNs: null,
      byRangeNs: null,
      byRangePerPageNs: 0,
      byRangeMaxPages: 1,
      domainNs: 0,
      streamNs: null,
      walkCacheByAddressNs: null,
      walkCacheAllNs: null,
      syncNs: 0,
      syncEachPage: false,
      hardwareQueue: false,
      queues: 1,
      insertNs: 0,
      syncLatencyNs: 0,
      contentionNsPerCpu: 0,
      maxPerPageCmds: null,
    },
    iovaBits: 48,
  },
  iova: linuxIova,
  virt: { enabled: true, mode: 'virtio', trapUs: 9, requestUs: 2, hostMapPerPageUs: 1.5, hostUnmapPerPageUs: 1.8, hostInvPerCmdUs: 0, hostSyncUs: 0, bigLock: true, wakeUs: 0, wakeIdleUs: 1, wakeMinIdleUs: 0, guestIrqUs: 0 },
  device: {
    name: 'NVMe (VFIO passthrough)',
    bandwidthBytesPerSec: 2.5 * GiB,
    readLatencyUs: 85,
    writeLatencyUs: 25,
    parallelism: 256,
    latencyJitterFraction: 0.2,
    sessionSetupUs: 0,
    sendOverheadUs: 2,
    guestSendOverheadUs: 0,
  },
  iopf: defaultIopf,
};

/**
 * Brucker 2023 (virtio-iommu, single flush queue thread): the same kind of guest on an Intel
 * desktop. Costs are per request and per page as on the laptop; what differs is the machine:
 * a desktop host whose idle VMM thread sleeps in deep idle states, guest user buffers without
 * huge pages (one scatter-gather entry per page), and interrupts delivered through the host.
 */
export const VIRTIO_DESKTOP: HardwareProfile = {
  id: 'virtio-desktop',
  name: 'virtio-iommu guest (Intel desktop host, VFIO NVMe 2.5 GiB/s)',
  description:
    'A KVM guest on an Intel desktop with a virtio-iommu (QEMU) and an NVMe disk (2.5 GiB/s) passed through VFIO. Each MAP/UNMAP request kicks the VMM, which must first be woken when idle; the request virtqueue and the VMM thread serialise all vCPUs.',
  sources: [
    'Brucker 2023 (virtio-iommu single flush queue thread): Intel desktop, KVM guest, NVMe passthrough, disk max 2.5 GiB/s; multithread randwrite bandwidth % of host and single-page randrw latency x host.',
    'virtio-iommu.c: viommu_map_pages sends MAP synchronously (viommu_send_req_sync under request_lock) unless the driver has viommu_iotlb_sync_map (2023), which queues MAPs and syncs once per iommu_map call; viommu_unmap_pages queues UNMAP, iotlb_sync (strict) or flush_iotlb_all (lazy, 6.7+) kicks the queue.',
    'The fio parameters were not recoverable; assumed: bandwidth fio --rw=randwrite --bs=64k --iodepth=32 --numjobs=4 --direct=1 --ioengine=libaio; latency fio --rw=randrw --bs=4k --iodepth=1 --numjobs=1 (docs/model.md).',
    'Calibrated (docs/model.md §virtio-desktop): guestIrqUs from the no-vIOMMU latency, wakeUs/wakeIdleUs from the lazy and strict latencies, trapUs (3.6 us, the round trip of one kick under request_lock) from the strict bandwidth; lazy, strict+syncMap and lazy+syncMap bandwidths are predictions. requestUs, hostMapPerPageUs and hostUnmapPerPageUs are assumptions.',
  ],
  cpu: {
    ...VIRTIO_IOMMU.cpu,
    cores: 8,
    submitOverheadUs: 4,
    completionOverheadUs: 4,
    memoryBytes: 16 * GiB,
    userBufferRunPages: 8,
  },
  iommu: VIRTIO_IOMMU.iommu,
  iova: linuxIova,
  virt: { ...VIRTIO_IOMMU.virt, trapUs: 3.6, requestUs: 0.5, hostMapPerPageUs: 0.8, hostUnmapPerPageUs: 0.3, wakeUs: 257, wakeIdleUs: 30, wakeMinIdleUs: 20, guestIrqUs: 10.5 },
  device: {
    ...VIRTIO_IOMMU.device,
    name: 'NVMe 2.5 GiB/s (VFIO passthrough)',
    readLatencyUs: 60,
    writeLatencyUs: 15,
  },
  iopf: defaultIopf,
};

export const TEGRA_SMMU: HardwareProfile = {
  id: 'tegra-smmu',
  name: 'NVIDIA Tegra210 SMMU',
  description:
    'Tegra210 (Cortex-A57) with the Tegra SMMU: 4 KiB pages, two-level tables, non-coherent table walk; the driver syncs every PTE write, flushes the page-table cache and the TLB by address and reads a register back.',
  sources: [
    'drivers/iommu/tegra-smmu.c: 4 KiB pages only, 1024-entry page directory of 4 MiB each, 32-bit IOVA; tegra_smmu_set_pte -> dma_sync + smmu_flush_ptc + smmu_flush_tlb_group + smmu_flush (read-back) (BRIEF §4).',
    'Range flush RFC (Figa 2015): Tegra210 map/unmap timings of 128K and 4M buffers via iommu_map_sg/iommu_unmap; per-page and per-call costs calibrated from them (docs/model.md).',
  ],
  cpu: {
    cores: 4,
    pageSizeBytes: 4 * KiB,
    memcpyBytesPerSec: 3 * GiB,
    dmaCoherent: false,
    cacheMaintenanceNsPerByte: 0.12,
    submitOverheadUs: 6,
    completionOverheadUs: 5,
    pageAllocUs: 1.0,
    pageFreeUs: 0.5,
    memoryBytes: 4 * GiB,
    costJitterFraction: 0.05,
    cacheLineBytes: 64,
    ...kernelCosts,
  },
  iommu: {
    granuleBytes: 4 * KiB,
    blockSizesBytes: [],
    pageTableLevels: 2,
    leafTableSpanBytes: 4 * MiB,
    mapCallNs: 1100,
    unmapCallNs: 580,
    pteWriteNs: 110,
    pteClearNs: 130,
    tableAllocUs: 0.7,
    freesEmptyTables: true,
    freesCoveredTables: false,
    pteBytes: 4,
    pteLineTransferNs: 60,
    coherentWalk: false,
    pteCacheCleanNs: 200,
    pteCleanByRange: false,
    cachesInvalidPtes: true,
    iotlbEntries: 64,
    iotlbWays: 4,
    iotlbMissWalkNs: 600,
    invalidation: {
      byAddressNs: 2910,
      byRangeNs: null,
      byRangePerPageNs: 0,
      byRangeMaxPages: 1,
      domainNs: 3200,
      streamNs: null,
      walkCacheByAddressNs: 1910,
      walkCacheAllNs: 300,
      syncNs: 550,
      syncEachPage: true,
      hardwareQueue: false,
      queues: 1,
      insertNs: 0,
      syncLatencyNs: 0,
      contentionNsPerCpu: 0,
      maxPerPageCmds: null,
    },
    iovaBits: 32,
  },
  iova: linuxIova,
  virt: noVirt,
  device: {
    name: 'Tegra media/display engine (memory client)',
    bandwidthBytesPerSec: 6e9,
    readLatencyUs: 5,
    writeLatencyUs: 5,
    parallelism: 8,
    latencyJitterFraction: 0.2,
    sessionSetupUs: 0,
    sendOverheadUs: 5,
    guestSendOverheadUs: 0,
  },
  iopf: defaultIopf,
};

export const DART_16K: HardwareProfile = {
  id: 'dart-16k',
  name: 'Apple M1 DART (16 KiB IOMMU pages, 4 KiB kernel)',
  description:
    'Apple M1 (t8103) DART in front of a PCIe device, under a distribution kernel with 4 KiB CPU pages: every mapping is rounded out to 16 KiB and invalidation flushes whole streams.',
  sources: [
    'Apple DART series (Peter 2021): DART fixed at 16 KiB pages; 4 KiB kernels see up to 12 KiB of neighbouring memory per 4 KiB buffer; untrusted devices bounce through 16 KiB-aligned swiotlb slots.',
    'drivers/iommu/apple-dart.c: stream bitmap + flush command + busy-bit poll (1 us poll, 100 us timeout); no invalidation by address; 32-bit IOVA.',
    'M1 memory copy ~60 GB/s peak, ~20 GiB/s for cold single-thread copies.',
  ],
  cpu: {
    cores: 8,
    pageSizeBytes: 4 * KiB,
    memcpyBytesPerSec: 20 * GiB,
    dmaCoherent: true,
    cacheMaintenanceNsPerByte: 0,
    submitOverheadUs: 1.5,
    completionOverheadUs: 1.3,
    pageAllocUs: 0.2,
    pageFreeUs: 0.1,
    memoryBytes: 16 * GiB,
    costJitterFraction: 0.05,
    cacheLineBytes: 128,
    ...kernelCosts,
  },
  iommu: {
    granuleBytes: 16 * KiB,
    blockSizesBytes: [32 * MiB],
    pageTableLevels: 2,
    leafTableSpanBytes: 32 * MiB,
    mapCallNs: 100,
    unmapCallNs: 100,
    pteWriteNs: 25,
    pteClearNs: 20,
    tableAllocUs: 1.5,
    freesEmptyTables: false,
    freesCoveredTables: true,
    pteBytes: 8,
    pteLineTransferNs: 60,
    coherentWalk: true,
    pteCacheCleanNs: 0,
    pteCleanByRange: true,
    cachesInvalidPtes: false,
    iotlbEntries: 128,
    iotlbWays: 4,
    iotlbMissWalkNs: 300,
    invalidation: {
      byAddressNs: null,
      byRangeNs: null,
      byRangePerPageNs: 0,
      byRangeMaxPages: 1,
      domainNs: null,
      streamNs: 1500,
      walkCacheByAddressNs: null,
      walkCacheAllNs: null,
      syncNs: 1000,
      syncEachPage: false,
      hardwareQueue: false,
      queues: 1,
      insertNs: 0,
      syncLatencyNs: 0,
      contentionNsPerCpu: 0,
      maxPerPageCmds: null,
    },
    iovaBits: 32,
  },
  iova: linuxIova,
  virt: noVirt,
  device: {
    name: 'PCIe NVMe behind DART (Thunderbolt/PCIe port)',
    bandwidthBytesPerSec: 2.8e9,
    readLatencyUs: 70,
    writeLatencyUs: 20,
    parallelism: 256,
    latencyJitterFraction: 0.2,
    sessionSetupUs: 0,
    sendOverheadUs: 2,
    guestSendOverheadUs: 0,
  },
  iopf: defaultIopf,
};

/**
 * io-pgtable-arm under arm-smmu-v3 with a 4 KiB granule (LPAE, coherent walks that never cache
 * invalid PTEs; covered leaf tables freed on unmap). pteWriteNs is fitted to Morello's 1M map
 * (docs/model.md); Kunpeng 920 and the Grace guest have no public single-thread figure of their
 * own and borrow Morello's page-table costs, overriding only what their hardware changes.
 */
const armLpaeTables = {
  granuleBytes: 4 * KiB,
  blockSizesBytes: [2 * MiB, 1 * GiB],
  pageTableLevels: 4,
  leafTableSpanBytes: 2 * MiB,
  mapCallNs: 60,
  unmapCallNs: 60,
  pteWriteNs: 1.5,
  pteClearNs: 2,
  tableAllocUs: 1.0,
  freesEmptyTables: false,
  freesCoveredTables: true,
  pteBytes: 8,
  pteLineTransferNs: 80,
  coherentWalk: true,
  pteCacheCleanNs: 0,
  pteCleanByRange: true,
  cachesInvalidPtes: false,
};

/** SMMUv3 hardware command-queue costs shared by the Arm server profiles below (docs/model.md §6). */
/**
 * What each other CPU waiting on an SMMUv3 command queue adds to a batch (cmpxchg retries on prod,
 * prod/cons cache-line traffic), fitted to Garry's Kunpeng 920 rows: the only public multi-CPU
 * cmdq figures. Profiles with the same driver algorithm and no multi-CPU figure of their own borrow it.
 */
const KUNPENG_CMDQ_CONTENTION_NS_PER_CPU = 17;

const smmuCmdq = {
  byRangeNs: null,
  byRangePerPageNs: 0,
  byRangeMaxPages: 1,
  streamNs: null,
  walkCacheByAddressNs: null,
  walkCacheAllNs: null,
  syncEachPage: false,
  hardwareQueue: true,
  queues: 1,
  insertNs: 100,
  syncLatencyNs: 0,
  maxPerPageCmds: null,
};

export const MORELLO: HardwareProfile = {
  id: 'morello',
  name: 'Arm Morello SoC (SMMUv3, bare metal)',
  description: 'Arm Morello board: 4 Rainier (Neoverse N1-derived) cores at 2.5 GHz, an MMU-600 class SMMUv3 (v3.1: no range invalidation) with one command queue, 4 KiB pages.',
  sources: [
    'Arm Morello SoC TRM: 4 cores, 2.5 GHz, 16 GiB DDR4; SMMU MMU-600 (SMMUv3.1; RIL is an SMMUv3.2 feature, so the driver issues one CMD_TLBI_NH_VA per page).',
    'drivers/iommu/arm/arm-smmu-v3: arm_smmu_tlb_inv_range_asid per granule without RIL, CMD_SYNC per batch, CMDQ_BATCH_ENTRIES 64.',
    'Saleh 2025-26, IOMMU_DEBUG_PAGEALLOC v5/v6 cover letters: dma_map_benchmark -t 1 on Morello: 4K unmap 0.6 us (calibrates syncNs), 1M unmap 21.2 us (calibrates byAddressNs), 1M map 0.8 us (calibrates pteWriteNs with treeAllocNs).',
    'contentionNsPerCpu (17 ns) from the Kunpeng 920 fit (same SMMUv3 cmdq algorithm); no Morello multi-thread figure exists.',
  ],
  cpu: {
    cores: 4,
    pageSizeBytes: 4 * KiB,
    memcpyBytesPerSec: 10 * GiB,
    dmaCoherent: true,
    cacheMaintenanceNsPerByte: 0,
    submitOverheadUs: 2,
    completionOverheadUs: 1.8,
    pageAllocUs: 0.3,
    pageFreeUs: 0.15,
    memoryBytes: 16 * GiB,
    costJitterFraction: 0.05,
    cacheLineBytes: 64,
    ...kernelCosts,
  },
  iommu: {
    ...armLpaeTables,
    iotlbEntries: 1024,
    iotlbWays: 8,
    iotlbMissWalkNs: 400,
    invalidation: { ...smmuCmdq, byAddressNs: 78, domainNs: 400, syncNs: 330, contentionNsPerCpu: KUNPENG_CMDQ_CONTENTION_NS_PER_CPU },
    iovaBits: 48,
  },
  iova: { ...linuxIova, treeAllocNs: 400, treeFreeNs: 300 },
  virt: noVirt,
  device: pcieGen3x4Nvme,
  iopf: defaultIopf,
};

export const KUNPENG920: HardwareProfile = {
  id: 'kunpeng920',
  name: 'HiSilicon Kunpeng 920 (SMMUv3, bare metal, 96 cores)',
  description: 'Two-socket Kunpeng 920 (2 x 48 TaiShan v110 cores) with one SMMUv3 command queue shared by every CPU: the unmap bottleneck as CPUs are added.',
  sources: [
    'Kunpeng 920: 48 cores per socket, 2.6 GHz; SMMUv3 without range invalidation (one TLBI per page) and without ECMDQ.',
    'drivers/iommu/arm/arm-smmu-v3: lock-free cmdq insertion (arm_smmu_cmdq_issue_cmdlist: cmpxchg on prod, shared/exclusive cmdq lock, owner publishes prod), CMD_SYNC per call, each CPU polls its own sync.',
    'Song 2020, "support per-numa CMA for ARM server" (HiSilicon, Kunpeng 920): a CMD_SYNC in an empty command queue completes in 240 ns with the queue in local memory (560 ns with it on another node): syncNs 240 ns.',
    'Garry 2020, "iommu/arm-smmu-v3: Improve cmdq lock efficiency" v2: map+unmap per CPU per second on one page, 8 CPUs 282K and 16 CPUs 115K. Both rows calibrate, together, the one cost no public figure gives: what each other CPU on the queue adds to a batch (contentionNsPerCpu 17 ns: cmpxchg retries and prod/cons cache-line traffic; the value that balances the two rows\' errors, +5.5 % and -5.2 %). Other CPU counts are predictions of that linear contention.',
    'byAddressNs (78 ns per TLBI) taken from the Morello calibration: no Kunpeng single-thread figure is public. pteLineTransferNs 150 ns: a typical cross-die cache-line transfer (assumption).',
  ],
  cpu: {
    cores: 96,
    pageSizeBytes: 4 * KiB,
    memcpyBytesPerSec: 8 * GiB,
    dmaCoherent: true,
    cacheMaintenanceNsPerByte: 0,
    submitOverheadUs: 2.5,
    completionOverheadUs: 2.0,
    pageAllocUs: 0.3,
    pageFreeUs: 0.15,
    memoryBytes: 256 * GiB,
    costJitterFraction: 0.05,
    cacheLineBytes: 64,
    ...kernelCosts,
  },
  iommu: {
    ...armLpaeTables,
    tableAllocUs: 1.2,
    pteLineTransferNs: 150,
    iotlbEntries: 2048,
    iotlbWays: 8,
    iotlbMissWalkNs: 500,
    invalidation: { ...smmuCmdq, byAddressNs: 78, domainNs: 400, syncNs: 240, contentionNsPerCpu: KUNPENG_CMDQ_CONTENTION_NS_PER_CPU },
    iovaBits: 48,
  },
  iova: { ...linuxIova, treeAllocNs: 400, treeFreeNs: 300 },
  virt: noVirt,
  // The same NVMe latencies as the Gen3 hosts' disk, on a Gen4 link.
  device: { ...pcieGen3x4Nvme, name: 'PCIe Gen4 NVMe', bandwidthBytesPerSec: 6e9 },
  iopf: { ...defaultIopf, svaFaultPerPageUs: 5 },
};

/** The Grace guest both virtualisation profiles share: only how its invalidations reach the SMMU differs. */
const graceGuest = {
  cpu: {
    cores: 72,
    pageSizeBytes: 4 * KiB,
    memcpyBytesPerSec: 20 * GiB,
    dmaCoherent: true,
    cacheMaintenanceNsPerByte: 0,
    submitOverheadUs: 2,
    completionOverheadUs: 1.8,
    pageAllocUs: 0.3,
    pageFreeUs: 0.15,
    memoryBytes: 64 * GiB,
    costJitterFraction: 0.05,
    cacheLineBytes: 64,
    ...kernelCosts,
    pinnedPageBytes: 2 * MiB,
  },
  iommuBase: {
    ...armLpaeTables,
    iotlbEntries: 2048,
    iotlbWays: 8,
    iotlbMissWalkNs: 600,
    iovaBits: 48,
  },
  device: {
    name: 'PCIe Gen5 NVMe (VFIO passthrough)',
    bandwidthBytesPerSec: 12e9,
    readLatencyUs: 70,
    writeLatencyUs: 15,
    parallelism: 256,
    latencyJitterFraction: 0.2,
    sessionSetupUs: 0,
    sendOverheadUs: 2,
    guestSendOverheadUs: 0,
  },
};

const graceSources = [
  'NVIDIA Grace: 72 Neoverse V2 cores; SMMUv3 with the Tegra241 CMDQV extension (drivers/iommu/arm/arm-smmu-v3/tegra241-cmdqv.c).',
  'Chen 2025, iommufd vQUEUE series cover letter: guest dma_map_benchmark -t 1 -g N unmap us at 4K/16K/64K/128K/256K, trapped 35.7/41.8/68.9/109.0/187.1, VCMDQ 5.3/6.8/9.9/12.6/18.0; linear growth in pages in both: the guest issues one TLBI per page (no range invalidation in the guest view).',
];

export const GRACE_NESTED: HardwareProfile = {
  id: 'grace-nested',
  name: 'NVIDIA Grace guest, nested SMMUv3 (invalidations trapped)',
  description: 'A KVM guest on Grace with a nested SMMUv3 through iommufd: the guest owns its stage-1 tables (map costs no exit), its command queue is emulated, so every batch of invalidation commands traps to the VMM, which forwards them to the host SMMU and completes the guest CMD_SYNC after the host sync.',
  sources: [
    ...graceSources,
    'QEMU arm-smmuv3 (accel / iommufd nesting): a CMDQ_PROD write exits to the VMM, which forwards TLBIs with IOMMU_HWPT_INVALIDATE and completes CMD_SYNC; the vSMMU model is serialised by the VMM lock.',
    'Calibrated: hostSyncUs from the 4K figure, hostInvPerCmdUs from the 128K figure; 16K/64K/256K are predictions. trapUs (8 us, exit + VMM dispatch) is an assumption: single-thread figures only fix trapUs + hostSyncUs.',
  ],
  cpu: graceGuest.cpu,
  iommu: {
    ...graceGuest.iommuBase,
    invalidation: { ...smmuCmdq, byAddressNs: 200, domainNs: 400, syncNs: 4800, contentionNsPerCpu: KUNPENG_CMDQ_CONTENTION_NS_PER_CPU },
  },
  iova: linuxIova,
  virt: { enabled: true, mode: 'nested', trapUs: 8, requestUs: 0, hostMapPerPageUs: 0, hostUnmapPerPageUs: 0, hostInvPerCmdUs: 2.37, hostSyncUs: 25, bigLock: true, wakeUs: 0, wakeIdleUs: 1, wakeMinIdleUs: 0, guestIrqUs: 0 },
  device: graceGuest.device,
  iopf: defaultIopf,
};

export const GRACE_VCMDQ: HardwareProfile = {
  id: 'grace-vcmdq',
  name: 'NVIDIA Grace guest, SMMUv3 with Tegra241 CMDQV virtual queues',
  description: 'The same Grace guest with hardware-accelerated virtual command queues (iommufd vQUEUE + Tegra241 CMDQV): the guest writes TLBIs and CMD_SYNC straight into its VCMDQs, no trap; each VM gets its own queues.',
  sources: [
    ...graceSources,
    'tegra241-cmdqv.c: 128 VCMDQs shared by 64 VINTFs, so 2 logical VCMDQs per VM by default; tegra241_cmdqv_get_cmdq picks smp_processor_id() % num_lvcmdqs_per_vintf.',
    'Calibrated: syncLatencyNs (the waiter seeing its CMD_SYNC: polling the VCMDQ with queue_poll backoff) from the 4K figure, byAddressNs (command consumption) from the 128K figure; 16K/64K/256K are predictions. syncNs (consumption, 330 ns) from Morello.',
  ],
  cpu: graceGuest.cpu,
  iommu: {
    ...graceGuest.iommuBase,
    invalidation: { ...smmuCmdq, queues: 2, byAddressNs: 236, domainNs: 400, syncNs: 330, syncLatencyNs: 4470, contentionNsPerCpu: KUNPENG_CMDQ_CONTENTION_NS_PER_CPU },
  },
  iova: linuxIova,
  virt: { ...noVirt, enabled: true, mode: 'vcmdq' },
  device: graceGuest.device,
  iopf: defaultIopf,
};

export const BUILT_IN_PROFILES: readonly HardwareProfile[] = [
  DART_16K, TEGRA_SMMU, VIRTIO_IOMMU, VIRTIO_DESKTOP, SMMUV3, VTD, MORELLO, KUNPENG920, GRACE_NESTED, GRACE_VCMDQ,
].map((p) => Object.freeze({ ...p, builtIn: true }));
