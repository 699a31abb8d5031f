import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  builtInProfile, BUILT_IN_PROFILES, parseStrategy, parseStrategyList, parseWorkload, runExperiment, simulateStrategy,
  STRATEGIES, type HardwareProfile,
} from '../../core/index.ts';
import { runValidation } from '../../core/validation.ts';

const json = (x: unknown) => JSON.stringify(x);

describe('determinism', () => {
  it('gives byte-identical results for the same inputs and seed', () => {
    const input = { profile: builtInProfile('vtd'), strategies: parseStrategyList('all'), workload: parseWorkload('fio:rw=randrw,bssplit=4k/50:64k/50,iodepth=16,number_ios=3000'), seed: 9 };
    expect(json(runExperiment(input))).toBe(json(runExperiment(structuredClone(input))));
  });
  it('differs between seeds where randomness is involved', () => {
    const w = parseWorkload('fio:rw=randread,bssplit=4k/50:64k/50,iodepth=16,number_ios=3000');
    const a = simulateStrategy(builtInProfile('vtd'), parseStrategy('strict'), w, 1);
    const b = simulateStrategy(builtInProfile('vtd'), parseStrategy('strict'), w, 2);
    expect(a.metrics.bytes).not.toBe(b.metrics.bytes);
    expect(a.metrics.latencyUs.mean).not.toBe(b.metrics.latencyUs.mean);
  });
});

/**
 * Figures a user reads side by side must agree: rates are totals over time, CPU time fits in
 * time x CPUs, a closed loop obeys Little's law, call breakdowns sum to the call mean, the series
 * integrate to the totals, every IO is in the latency histogram, gauges stay within their peaks.
 */
function expectFiguresAgree(r: ReturnType<typeof simulateStrategy>, cpus: number, fio?: { iodepth: number; numjobs: number }): void {
  const m = r.metrics;
  const near = (a: number, b: number, rel: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(Math.abs(a), Math.abs(b)) + 1e-3);
  if (m.simulatedSeconds > 0) {
    near(m.throughputMiBps, m.bytes / 2 ** 20 / m.simulatedSeconds, 0.01);
    near(m.iops, m.ios / m.simulatedSeconds, 0.01);
    expect(m.cpuUtilisation).toBeLessThanOrEqual(cpus + 1e-3);
    expect((m.cpuSecondsPerGiB.total * m.bytes) / 2 ** 30).toBeLessThanOrEqual(m.simulatedSeconds * cpus * 1.01 + 1e-6);
    if (fio) expect((m.iops * m.latencyUs.mean) / 1e6).toBeLessThanOrEqual(fio.iodepth * fio.numjobs * 1.02 + 1e-6);
  }
  expect(m.latencyUs.p90).toBeLessThanOrEqual(m.latencyUs.p99 + 1e-9);
  expect(m.latencyUs.p999).toBeLessThanOrEqual(m.latencyUs.max + 1e-9);
  expect(m.latencyUs.mean).toBeLessThanOrEqual(m.latencyUs.max + 1e-9);
  expect(m.bounceBytes.mean).toBeLessThanOrEqual(m.bounceBytes.peak);
  expect(m.iotlb.misses).toBeLessThanOrEqual(m.iotlb.lookups);
  expect(m.exposure.staleWindowUs.mean).toBeLessThanOrEqual(m.exposure.staleWindowUs.max + 1e-9);
  if (r.explain) {
    for (const [terms, mean] of [[r.explain.map, m.mapUs.mean], [r.explain.unmap, m.unmapUs.mean]] as const) {
      const sum = Object.values(terms).reduce((a, b) => a + (b ?? 0), 0);
      near(sum, mean, 0.01);
    }
  }
  const s = r.series;
  for (let k = 0; k < s.tUs.length; k++) {
    expect(s.bounceBytes[k]).toBeLessThanOrEqual(m.bounceBytes.peak + 1);
    expect(s.iovaBytes[k]).toBeLessThanOrEqual(m.iovaBytes.peak + 1);
    expect(s.pinnedBytes[k]).toBeLessThanOrEqual(m.pinnedBytes.peak + 1);
  }
  let bytes = 0;
  for (let k = 0, prev = 0; k < s.tUs.length; prev = s.tUs[k], k++) bytes += (s.throughputMiBps[k] * 2 ** 20 * (s.tUs[k] - prev)) / 1e6;
  if (m.bytes > 0) near(bytes, m.bytes, 0.03);
}

/**
 * Throughput of a strategy over passthrough's past the start-up transient: the rate of the IOs
 * between ten and twenty times those of `w` (the same seed gives both runs the same start). A
 * rate over a whole run keeps what the start-up gained or lost: a closed loop never makes up a
 * time offset, so a few faults that spread the first burst stay ahead by a fixed few ms
 * (virtio-iommu iopf, read 16k QD32 x 2 jobs: 2.8 ms at 4,000, 40,000 and 200,000 IOs per job).
 */
function steadyRatio(profile: HardwareProfile, strategyId: string, w: ReturnType<typeof parseWorkload>, seed: number): number {
  if (w.kind !== 'fio') throw new Error('fio only');
  const rate = (id: string) => {
    const [a, b] = [10, 20].map((k) => simulateStrategy(profile, parseStrategy(id), { ...w, ios: (w.ios ?? 400) * k }, seed).metrics);
    return (b.bytes - a.bytes) / (b.simulatedSeconds - a.simulatedSeconds);
  };
  return rate(strategyId) / rate('passthrough');
}

const workloads = fc.oneof(
  fc.record({
    rw: fc.constantFrom('read', 'write', 'randread', 'randwrite', 'randrw'),
    bs: fc.constantFrom('512', '4k', '16k', '64k', '128k', '512k'),
    iodepth: fc.integer({ min: 1, max: 64 }),
    numjobs: fc.integer({ min: 1, max: 4 }),
  }).map((o) => `fio:rw=${o.rw},bs=${o.bs},iodepth=${o.iodepth},numjobs=${o.numjobs},number_ios=400`),
  fc.record({ threads: fc.integer({ min: 1, max: 3 }), g: fc.integer({ min: 1, max: 64 }), sg: fc.boolean() })
    .map((o) => `dmabench:threads=${o.threads},granule=${o.g},sg=${o.sg ? 1 : 0},seconds=1,delay_ns=20000`),
);

describe('invariants over random configurations', () => {
  it('frees every IOVA, keeps pools consistent, never beats the device or passthrough, and bounce strategies expose nothing', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...BUILT_IN_PROFILES.map((p) => p.id)),
        fc.constantFrom(...STRATEGIES.map((s) => s.id)),
        workloads,
        fc.integer({ min: 0, max: 1000 }),
        (profileId, strategyId, workloadText, seed) => {
          const profile = builtInProfile(profileId);
          const w = parseWorkload(workloadText);
          if (w.kind === 'dmabench') {
            // Keep dmabench runs short: one simulated second of a slow path is many iterations.
            w.seconds = 1;
          }
          const opts = { checkInvariants: true };
          const r = simulateStrategy(profile, parseStrategy(strategyId), w, seed, opts);
          const m = r.metrics;
          if (w.kind === 'fio') {
            const deviceMiBps = profile.device.bandwidthBytesPerSec / 1024 ** 2;
            expect(m.throughputMiBps).toBeLessThanOrEqual(deviceMiBps * 1.0001);
            const pt = simulateStrategy(profile, parseStrategy('passthrough'), w, seed).metrics;
            if (m.ios === pt.ios && m.bytes === pt.bytes) {
              // Same device and CPUs with no mapping work: no strategy spends less CPU per byte.
              expect(m.cpuSecondsPerGiB.total).toBeGreaterThanOrEqual(pt.cpuSecondsPerGiB.total * 0.99);
              // Nor is any faster once past its start-up: a few hundred IOs can be a transient in
              // which a delay (an I/O page fault) splits the completion bursts that all IOs issued
              // at t=0 form, and the loop pipelines better for a while (dart-16k iopf, 400 IOs:
              // +3.0 %; 4,000 IOs: +0.5 %; 40,000: -0.2 %).
              if (m.throughputMiBps > pt.throughputMiBps * 1.02) expect(steadyRatio(profile, strategyId, w, seed)).toBeLessThanOrEqual(1.02);
            }
          }
          if (strategyId === 'swiotlb' || strategyId === 'swiotlb-dynamic' || (strategyId === 'bounce-pool' && m.fallbacks === 0)) {
            expect(m.exposure.bytesBeyondBuffer).toBe(0);
          }
          if (strategyId !== 'lazy') expect(m.exposure.staleWindowUs.max).toBe(0);
          expect(m.bounceBytes.peak).toBeGreaterThanOrEqual(0);
          expect(m.latencyUs.p50).toBeLessThanOrEqual(m.latencyUs.p99 + 1e-9);
          expect(m.latencyUs.p99).toBeLessThanOrEqual(m.latencyUs.max + 1e-9);
          // Work off the workload's CPUs (an I/O page fault's handler) may run on any of the machine's cores.
          expectFiguresAgree(r, profile.cpu.cores, w.kind === 'fio' ? w : undefined);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('lets a short run beat passthrough only in its start-up transient (the counterexamples fast-check found)', () => {
    // Until engine 2.4 all three beat passthrough by more than 2 % (dart-16k +7.0 %, grace-nested
    // +2.3 %, virtio-iommu +16 %): reads took the device link in the order they started, which
    // kept a job's completions in bursts. Taking it as their data is ready left dart-16k's +3.0 %.
    for (const [profileId, workload, seed, transient] of [
      ['dart-16k', 'fio:rw=read,bs=4k,iodepth=29,numjobs=2,number_ios=400', 0, true],
      ['grace-nested', 'fio:rw=read,bs=16k,iodepth=62,numjobs=2,number_ios=400', 230, false],
      ['virtio-iommu', 'fio:rw=read,bs=16k,iodepth=32,numjobs=2,number_ios=400', 7, false],
    ] as const) {
      const profile = builtInProfile(profileId);
      const w = parseWorkload(workload);
      const short = simulateStrategy(profile, parseStrategy('iopf'), w, seed).metrics;
      const pt = simulateStrategy(profile, parseStrategy('passthrough'), w, seed).metrics;
      if (transient) expect(short.throughputMiBps / pt.throughputMiBps).toBeGreaterThan(1.02);
      else expect(short.throughputMiBps / pt.throughputMiBps).toBeLessThanOrEqual(1.02);
      expect(short.cpuSecondsPerGiB.total).toBeGreaterThan(pt.cpuSecondsPerGiB.total);
      expect(steadyRatio(profile, 'iopf', w, seed)).toBeLessThanOrEqual(1.02);
    }
  });

  it('books no CPU work after the workload ends: a short run with pool slots left to evict keeps its CPU within its time', () => {
    // 128 slots of 64 KiB are mapped for 300 IOs; their eviction pass comes 5 s after the run.
    // Before, that pass was booked to the run: 1.5 CPUs busy on one CPU's run.
    const r = simulateStrategy(builtInProfile('tegra-smmu'), parseStrategy('bounce-pool'), parseWorkload('fio:rw=randread,bs=64k,iodepth=128,number_ios=300'), 1);
    expect(r.metrics.cpuUtilisation).toBeLessThanOrEqual(1 + 1e-9);
    expectFiguresAgree(r, 1, { iodepth: 128, numjobs: 1 });
  });

  it('issues exactly number_ios per job when several jobs defer their next submission', () => {
    // A job's next IO is decided at a completion and submitted later as an event: counted at
    // submission, IOs completing in between each saw room for one more (801 of 800).
    const r = simulateStrategy(builtInProfile('dart-16k'), parseStrategy('strict'), parseWorkload('fio:rw=read,bs=512,iodepth=7,numjobs=2,number_ios=400'), 420);
    expect(r.metrics.ios).toBe(800);
    expect(r.metrics.bytes).toBe(800 * 512);
  });

  it('still measures the stale window a flush queue keeps open after the last unmap, up to its timeout', () => {
    const r = simulateStrategy(builtInProfile('vtd'), parseStrategy('lazy'), parseWorkload('fio:rw=randread,bs=4k,iodepth=4,number_ios=100'), 1);
    // 100 unmaps never fill a 256-entry queue: only the 10 ms timer, after the run, flushes them.
    expect(r.metrics.exposure.staleWindowUs.max).toBeGreaterThan(9000);
    expect(r.metrics.exposure.staleWindowUs.max).toBeLessThanOrEqual(10_010);
    expect(r.metrics.cpuUtilisation).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('keeps the bounce pool within its slot count and falls back when it is full', () => {
    const r = simulateStrategy(builtInProfile('vtd'), parseStrategy('bounce-pool:slots=8'), parseWorkload('fio:rw=randread,bs=4k,iodepth=32,number_ios=2000'), 1, { checkInvariants: true });
    expect(r.metrics.bounceBytes.peak).toBeLessThanOrEqual(8 * 4096 + 8 * 16384 + 8 * 131072);
    expect(r.metrics.fallbacks).toBeGreaterThan(0);
  });

  it('fails swiotlb mappings above 256 KiB and when the pool is exhausted', () => {
    const big = simulateStrategy(builtInProfile('vtd'), parseStrategy('swiotlb'), parseWorkload('fio:rw=read,bs=512k,iodepth=2,number_ios=50'), 1);
    expect(big.metrics.failures).toBe(50);
    const full = simulateStrategy(builtInProfile('vtd'), parseStrategy('swiotlb:pool=256k'), parseWorkload('fio:rw=read,bs=128k,iodepth=8,number_ios=200'), 1);
    expect(full.metrics.failures).toBeGreaterThan(0);
    const dyn = simulateStrategy(builtInProfile('vtd'), parseStrategy('swiotlb-dynamic:pool=256k'), parseWorkload('fio:rw=read,bs=128k,iodepth=8,number_ios=200'), 1);
    expect(dyn.metrics.failures).toBe(0);
    expect(dyn.metrics.bounceBytes.peak).toBeGreaterThan(256 * 1024);
  });

  it('opens a stale window under lazy flushing and none under strict', () => {
    const w = parseWorkload('fio:rw=randread,bs=4k,iodepth=64,number_ios=5000');
    const lazy = simulateStrategy(builtInProfile('vtd'), parseStrategy('lazy'), w, 1);
    const strict = simulateStrategy(builtInProfile('vtd'), parseStrategy('strict'), w, 1);
    expect(lazy.metrics.exposure.staleWindowUs.mean).toBeGreaterThan(0);
    expect(strict.metrics.exposure.staleWindowUs.max).toBe(0);
    expect(lazy.metrics.invalidations.perPage).toBeLessThan(strict.metrics.invalidations.perPage / 50);
  });

  it('rounds DART mappings out to 16 KiB', () => {
    const w = parseWorkload('fio:rw=randread,bs=4k,iodepth=8,number_ios=500');
    const r = simulateStrategy(builtInProfile('dart-16k'), parseStrategy('strict'), w, 1);
    expect(r.metrics.exposure.bytesBeyondBuffer).toBe(12288);
    expect(r.metrics.exposure.fractionBeyondBuffer).toBeCloseTo(0.75, 6);
  });
});

function fixedProfile(): HardwareProfile {
  const p = builtInProfile('vtd');
  p.cpu.cores = 1;
  p.cpu.costJitterFraction = 0;
  p.device.latencyJitterFraction = 0;
  p.iommu.tableAllocUs = 0;
  return p;
}

describe('closed forms on degenerate configurations', () => {
  it('passthrough at iodepth 1 moves one buffer per (CPU work + device latency + transfer)', () => {
    const p = fixedProfile();
    const r = simulateStrategy(p, parseStrategy('passthrough'), parseWorkload('fio:rw=read,bs=4k,iodepth=1,number_ios=1000'), 1);
    const perIoUs = p.cpu.submitOverheadUs + 0.04 + p.device.readLatencyUs + p.cpu.completionOverheadUs + 0.04;
    const expected = 4096 / (perIoUs / 1e6) / 1024 ** 2;
    expect(r.metrics.throughputMiBps).toBeCloseTo(expected, 1);
  });
  it('a CPU-bound passthrough run does one IO per CPU cost', () => {
    const p = fixedProfile();
    p.device.readLatencyUs = 0;
    p.device.bandwidthBytesPerSec = 1e13;
    const r = simulateStrategy(p, parseStrategy('passthrough'), parseWorkload('fio:rw=read,bs=4k,iodepth=8,number_ios=20000'), 1);
    const cpuUs = p.cpu.submitOverheadUs + p.cpu.completionOverheadUs + 0.08;
    expect(r.metrics.iops).toBeCloseTo(1e6 / cpuUs, -1);
  });
  it('a device-bound run moves exactly the device bandwidth', () => {
    const p = fixedProfile();
    const r = simulateStrategy(p, parseStrategy('passthrough'), parseWorkload('fio:rw=read,bs=1m,iodepth=32,number_ios=2000'), 1);
    expect(r.metrics.throughputMiBps).toBeCloseTo(p.device.bandwidthBytesPerSec / 1024 ** 2, -1);
  });
  it('strict map and unmap cost exactly their parts in dma_map_benchmark', () => {
    const p = fixedProfile();
    const r = simulateStrategy(p, parseStrategy('strict'), parseWorkload('dmabench:threads=1,granule=4,seconds=1'), 1);
    const i = p.iommu;
    const mapUs = (40 + p.iova.rcacheHitNs + i.mapCallNs + 4 * i.pteWriteNs) / 1000;
    // Today's strict: the gathered 4 pages go out as one page-selective-with-mask (range) command, then one wait.
    const unmapUs = (40 + i.unmapCallNs + 4 * i.pteClearNs + i.invalidation.insertNs + i.invalidation.byRangeNs! + i.invalidation.syncNs + p.iova.rcacheHitNs) / 1000;
    expect(r.metrics.mapUs.p50).toBeCloseTo(mapUs, 1);
    expect(r.metrics.unmapUs.p50).toBeCloseTo(unmapUs, 1);
    expect(Math.abs(r.metrics.ios - 1e6 / (mapUs + unmapUs))).toBeLessThanOrEqual(1);
  });
});

describe('reference experiments', () => {
  it('reproduces every visible published figure within 15% and the qualitative facts', () => {
    const rows = runValidation(1);
    const failed = rows.filter((r) => !r.pass);
    expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
    expect(rows.length).toBeGreaterThanOrEqual(30);
    // Honest split: at least as many rows nothing was fitted to as rows a parameter was fitted to.
    const calibrations = rows.filter((r) => r.basis === 'calibration').length;
    expect(rows.length - calibrations).toBeGreaterThanOrEqual(calibrations);
  }, 120_000);
});
