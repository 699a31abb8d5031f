import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtInProfile, InputError, parseStrategy, parseWorkload, simulateStrategy, workloadText } from '../../core/index.ts';
import { parseTrace } from '../../core/trace.ts';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'traces');
const read = (f: string) => readFileSync(join(DIR, f), 'utf8');

describe('kernel DMA/IOMMU traces', () => {
  it('reads trace-cmd report and /sys/kernel/tracing/trace captures in the kernel formats', () => {
    const a = parseTrace(read('nvme-trace-cmd-report.txt'), { source: 'a' });
    const b = parseTrace(read('nvme-sys-kernel-tracing.txt'), { source: 'b' });
    // map_phys, map_page, map_sg (old form), map_sg (new form), dma_alloc, the NIC's map_phys.
    expect(a.mapUs).toHaveLength(6);
    expect(b.mapUs).toHaveLength(7);
    expect(a.facts.source).toBe('dma');
    expect(a.facts.unparsedLines).toBe(2);
    expect(a.facts.unparsedFirst[0]).toContain('this line is not an event');
    expect(a.facts.unparsedFirst[1]).toContain('dir=SIDEWAYS');
    expect(a.facts.unmatchedUnmaps).toBe(1);
    expect(a.facts.syncs).toBe(2);
    expect(a.facts.pageFaults).toEqual({ '0000:c2:00.0': 1 });
    expect(a.facts.peakLive['0000:c2:00.0']).toBe(3);
    // Old-form map_sg: 128K over two entries; new form: 3 entries, 12K; TRUNCATED: 200 x 4K.
    const sg = a.sg.map((n, i) => [n, a.bytes[i]]).filter(([n]) => n > 1);
    expect(sg).toEqual([[2, 131072], [3, 12288]]);
    expect(b.bytes).toContain(200 * 4096);
    expect(b.facts.truncatedSg).toBe(1);
    expect(a.skipSync[a.bytes.indexOf(65536)]).toBe(1);
    // The same events give the same mappings whatever tool printed them.
    expect(b.bytes.slice(0, 6)).toEqual(a.bytes);
    expect(b.lifeUs.slice(0, 6)).toEqual(a.lifeUs);
  });

  it('filters by device, and a trace with no usable event is an error naming what it saw', () => {
    const nic = parseTrace(read('nvme-trace-cmd-report.txt'), { source: 'a', device: '0000:03:00.0' });
    expect(nic.mapUs).toHaveLength(1);
    expect(nic.bytes).toEqual([1500]);
    expect(() => parseTrace(read('nvme-trace-cmd-report.txt'), { source: 'a', device: '0000:99:00.0' })).toThrow(/devices seen: 0000:c2:00.0, 0000:03:00.0/);
    expect(() => parseTrace('# tracer: nop\nhello\n', { source: 'x' })).toThrow(InputError);
  });

  it('uses iommu:map/unmap (both formats) when the capture has no dma: events', () => {
    const text = [
      '          fio-1 [000] .....   10.000000: map: IOMMU: iova=0x00000000fff00000 paddr=0x0000000100000000 size=8192',
      '          fio-1 [000] .....   10.000010: unmap: IOMMU: iova=0x00000000fff00000 size=8192 unmapped_size=8192',
      '          fio-1 [001] .....   10.000020: map: IOMMU: iova=0x00000000ffe00000 - 0x00000000ffe01000 paddr=0x0000000100002000 size=4096',
      '          fio-1 [001] .....   10.000030: unmap: IOMMU: iova=0x00000000ffe00000 - 0x00000000ffe01000 size=4096 unmapped_size=4096',
    ].join('\n');
    const w = parseTrace(text, { source: 'i' });
    expect(w.facts.source).toBe('iommu');
    expect(w.bytes).toEqual([8192, 4096]);
    expect(w.lifeUs).toEqual([10, 10]);
  });

  it('replays deterministically, and its canonical text reads back to the same workload', () => {
    const w = parseTrace(read('nvme-sys-kernel-tracing.txt'), { source: 'b' });
    expect(parseWorkload(workloadText(w))).toEqual(w);
    const p = builtInProfile('vtd');
    for (const s of ['strict', 'lazy', 'swiotlb', 'iopf', 'pinned']) {
      const x = simulateStrategy(p, parseStrategy(s), w, 7);
      const y = simulateStrategy(p, parseStrategy(s), parseWorkload(workloadText(w)), 7);
      expect(JSON.stringify(x)).toBe(JSON.stringify(y));
      expect(x.metrics.mapCalls).toBe(w.mapUs.length);
    }
  });

  it('replaying the mappings of a fio-like run gives the same DMA-API figures as the fio workload', () => {
    const p = builtInProfile('vtd');
    for (const strategy of ['strict', 'lazy', 'swiotlb']) {
      const fio = simulateStrategy(p, parseStrategy(strategy), parseWorkload('fio:rw=randread,bs=4k,iodepth=1,number_ios=4000'), 3);
      // The capture such a run leaves: one 4K FROM_DEVICE mapping per IO, each held for the IO's
      // latency, the next mapped as the previous one is unmapped, on one CPU.
      const period = fio.metrics.latencyUs.mean;
      const lines: string[] = ['# tracer: nop', '#'];
      for (let i = 0; i < 4000; i++) {
        const t = 100 + (i * period) / 1e6;
        const addr = (0xfffff000 - (i % 2) * 0x1000).toString(16);
        lines.push(`             fio-4127    [000] ..... ${t.toFixed(6).padStart(12)}: dma_map_phys: 0000:c2:00.0 dir=FROM_DEVICE dma_addr=${addr} size=4096 phys_addr=10c5e2000 attrs=`);
        lines.push(`          <idle>-0       [000] d.h1. ${(t + (period * 0.9) / 1e6).toFixed(6).padStart(12)}: dma_unmap_phys: 0000:c2:00.0 dir=FROM_DEVICE dma_addr=${addr} size=4096 attrs=`);
      }
      const replay = simulateStrategy(p, parseStrategy(strategy), parseTrace(lines.join('\n'), { source: 'fio-like' }), 3);
      const near = (a: number, b: number, tol: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(Math.abs(a), Math.abs(b), 1e-9));
      near(replay.metrics.mapUs.mean, fio.metrics.mapUs.mean, 0.1);
      near(replay.metrics.unmapUs.mean, fio.metrics.unmapUs.mean, 0.1);
      near(replay.metrics.invalidations.perPage, fio.metrics.invalidations.perPage, 0.1);
      near(replay.metrics.cpuSecondsPerGiB.map + replay.metrics.cpuSecondsPerGiB.unmap, fio.metrics.cpuSecondsPerGiB.map + fio.metrics.cpuSecondsPerGiB.unmap, 0.1);
      near(replay.metrics.iops, fio.metrics.iops, 0.1);
    }
  });
});
