import { describe, expect, it } from 'vitest';
import { builtInProfile, parseStrategy, parseWorkload, simulateStrategy } from '../../core/index.ts';

const run = (profile: string, strategy: string, workload: string, seed = 1) =>
  simulateStrategy(builtInProfile(profile), parseStrategy(strategy), parseWorkload(workload), seed).metrics;

describe('lazy flush queues', () => {
  it('flush the whole domain once per full queue (255 IOVAs: fq_full keeps a slot free), plus every 10 ms timer', () => {
    const m = run('vtd', 'lazy', 'fio:rw=randread,bs=4k,iodepth=64,number_ios=25600');
    const full = Math.floor(25600 / 255);
    const timers = Math.ceil(m.simulatedSeconds / 0.01);
    expect(m.invalidations.count).toBeGreaterThanOrEqual(full);
    expect(m.invalidations.count).toBeLessThanOrEqual(full + timers + 1);
  });
  it('with one shared 32768-entry queue, flush far less often and keep freed IOVAs reachable longer', () => {
    const percpu = run('vtd', 'lazy', 'fio:rw=randread,bs=4k,iodepth=64,number_ios=40000');
    const single = run('vtd', 'lazy:single=1', 'fio:rw=randread,bs=4k,iodepth=64,number_ios=40000');
    expect(single.invalidations.count).toBeLessThan(percpu.invalidations.count / 50);
    expect(single.exposure.staleWindowUs.max).toBeGreaterThan(percpu.exposure.staleWindowUs.max * 10);
  });
  it('flush on the 10 ms timer when IOs are too slow to fill the queue', () => {
    const m = run('vtd', 'lazy', 'fio:rw=randread,bs=4k,iodepth=1,number_ios=2000');
    // One IO every ~80 us: 256 unmaps take ~20 ms, so the 10 ms timer fires first.
    expect(m.exposure.staleWindowUs.max).toBeLessThanOrEqual(10_000 + 200);
    expect(m.exposure.staleWindowUs.max).toBeGreaterThan(9_000);
  });
});

describe('virtual IOMMU', () => {
  it('sends one MAP request per scatter-gather entry and one UNMAP per buffer', () => {
    const p = builtInProfile('virtio-iommu');
    const v = p.virt;
    const contiguous = run('virtio-iommu', 'strict', 'dmabench:granule=4,sg=0,delay_ns=0');
    const sg = run('virtio-iommu', 'strict', 'dmabench:granule=4,sg=1,delay_ns=0');
    const perTrap = v.trapUs + v.requestUs;
    // Four single-page entries cost three more round trips than one contiguous entry.
    expect(sg.mapUs.mean - contiguous.mapUs.mean).toBeGreaterThan(3 * perTrap * 0.9);
    expect(sg.mapUs.mean - contiguous.mapUs.mean).toBeLessThan(3 * perTrap * 1.2);
    expect(Math.abs(sg.unmapUs.mean - contiguous.unmapUs.mean)).toBeLessThan(1);
  });
  it('serialises several vCPUs on the VMM lock: more threads do not map faster', () => {
    const one = run('virtio-iommu', 'strict', 'dmabench:threads=1,granule=1,delay_ns=0');
    const four = run('virtio-iommu', 'strict', 'dmabench:threads=4,granule=1,delay_ns=0');
    expect(four.ios).toBeLessThan(one.ios * 1.1);
  });
});

describe('invalidation hardware', () => {
  it('DART flushes whole streams: one command per unmap whatever its size', () => {
    const small = run('dart-16k', 'strict', 'dmabench:granule=4,delay_ns=0');
    const large = run('dart-16k', 'strict', 'dmabench:granule=256,delay_ns=0');
    expect(small.invalidations.count).toBe(small.ios);
    expect(large.invalidations.count).toBe(large.ios);
  });
  it('Tegra flushes per page under strict and once per range with the range-flush strategy', () => {
    const strict = run('tegra-smmu', 'strict', 'dmabench:granule=32,sg=1,skip_cpu_sync=1');
    const range = run('tegra-smmu', 'range-flush', 'dmabench:granule=32,sg=1,skip_cpu_sync=1');
    // strict: 32 page flushes on map (cached invalid PTEs) and 32 on unmap, per iteration.
    expect(strict.invalidations.count / strict.ios).toBe(64);
    expect(range.invalidations.count / range.ios).toBe(2);
    expect(range.unmapUs.mean).toBeLessThan(strict.unmapUs.mean / 10);
  });
});

describe('I/O page faults', () => {
  it('fault once per premap window on a fresh buffer, then never again', () => {
    // VFIO IOPF in a guest: the 1 MiB input and output buffers (512 pages) fault in 64-page
    // windows, and the hisi_qm queue memory (guest memory too) in one more.
    const one = run('smmuv3', 'iopf:premap=1', 'accel:msg_len=1m,times=1,buffers=1,env=guest');
    const wide = run('smmuv3', 'iopf:premap=64', 'accel:msg_len=1m,times=1,buffers=1,env=guest');
    expect(one.faults).toBe(516);
    expect(wide.faults).toBe(9);
    const again = run('smmuv3', 'iopf:premap=64', 'accel:msg_len=1m,times=50,buffers=1,env=guest');
    expect(again.faults).toBe(9);
    expect(again.pinnedBytes.peak).toBe(9 * 64 * 4096);
  });

  it('host SVA faults each page on its own: IOPF_PREMAP_LEN is the VFIO series\' knob', () => {
    // iommu_sva_handle_iopf -> handle_mm_fault on the faulting address; the queue memory is kernel-pinned.
    const sva = run('smmuv3', 'iopf:mode=sva', 'accel:msg_len=1m,times=1,buffers=1,env=host');
    expect(sva.faults).toBe(512);
    expect(() => parseStrategy('iopf:premap=64:mode=sva')).toThrow(/premap.*mode=sva/);
    expect(parseStrategy('iopf:premap=1:mode=sva').params.premap).toBe(1);
  });
});

describe('bounce buffers', () => {
  it('copy only in the direction the DMA needs', () => {
    const read = run('vtd', 'bounce-pool', 'fio:rw=read,bs=16k,iodepth=8,number_ios=5000');
    const write = run('vtd', 'bounce-pool', 'fio:rw=write,bs=16k,iodepth=8,number_ios=5000');
    // Reads copy at unmap (device -> buffer), writes at map (buffer -> device): the map of a read copies nothing.
    expect(read.mapUs.mean).toBeLessThan(write.mapUs.mean);
    expect(read.unmapUs.mean).toBeGreaterThan(write.unmapUs.mean);
  });
  it('align swiotlb slots to the 16 KiB DART granule, so a 4 KiB buffer takes 8 slots of 2 KiB', () => {
    // 256 KiB = 128 slots: room for 16 granule-aligned 4 KiB mappings (64 on a 4 KiB granule).
    const dartFull = run('dart-16k', 'swiotlb:pool=256k', 'fio:rw=randread,bs=4k,iodepth=24,number_ios=500');
    expect(dartFull.failures).toBeGreaterThan(0);
    const dartOk = run('dart-16k', 'swiotlb:pool=256k', 'fio:rw=randread,bs=4k,iodepth=16,number_ios=500');
    expect(dartOk.failures).toBe(0);
    const vtdOk = run('vtd', 'swiotlb:pool=256k', 'fio:rw=randread,bs=4k,iodepth=24,number_ios=500');
    expect(vtdOk.failures).toBe(0);
  });
});

describe('page-table geometry', () => {
  const noncoherent = (pteBytes: number, cacheLineBytes: number, byRange = false) => {
    const p = structuredClone(builtInProfile('smmuv3'));
    p.iommu.pteCleanByRange = byRange;
    p.cpu.costJitterFraction = 0;
    p.cpu.cacheLineBytes = cacheLineBytes;
    p.iommu.coherentWalk = false;
    p.iommu.pteCacheCleanNs = 100;
    p.iommu.pteBytes = pteBytes;
    return p;
  };
  const mapUs = (pteBytes: number, cacheLineBytes: number, strategy: string) =>
    simulateStrategy(noncoherent(pteBytes, cacheLineBytes), parseStrategy(strategy), parseWorkload('dmabench:granule=64,delay_ns=0'), 1).metrics.mapUs.mean;

  it('a gathered cache clean covers one line of PTEs: cacheLineBytes / pteBytes entries', () => {
    // 64 PTEs: 8 lines of 8-byte PTEs in 64-byte lines, 4 lines of 4-byte PTEs, 4 lines of 8-byte PTEs in 128-byte lines.
    const lpae = mapUs(8, 64, 'range-flush');
    expect(lpae - mapUs(4, 64, 'range-flush')).toBeCloseTo(0.4, 6);
    expect(lpae - mapUs(8, 128, 'range-flush')).toBeCloseTo(0.4, 6);
  });
  it('a clean per PTE does not depend on the line size', () => {
    expect(mapUs(8, 64, 'strict')).toBeCloseTo(mapUs(4, 128, 'strict'), 9);
  });
  it('a driver that cleans a call\'s PTEs as one range (io-pgtable-arm) cleans per line under strict too', () => {
    const strict = (byRange: boolean) => simulateStrategy(noncoherent(8, 64, byRange), parseStrategy('strict'), parseWorkload('dmabench:granule=64,delay_ns=0'), 1).metrics;
    const perPte = strict(false);
    const byRange = strict(true);
    // 64 cleans against 8, on map and on unmap.
    expect(perPte.mapUs.mean - byRange.mapUs.mean).toBeCloseTo(5.6, 6);
    expect(perPte.unmapUs.mean - byRange.unmapUs.mean).toBeCloseTo(5.6, 6);
  });
});
