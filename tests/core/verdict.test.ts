import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runVerdict, resultProtection, sweepVerdict, verdictMarkdown, type VerdictStrategy } from '../../core/verdict.ts';
import { crossovers, paretoFront, strategyColor, strategyDash, strategyShade, sweepCrossovers } from '../../core/charts.ts';
import { expandRange, parseSweepValues } from '../../core/range.ts';
import { InputError } from '../../core/errors.ts';
import type { Metrics } from '../../core/types.ts';
import type { SweepPoint } from '../../core/contract.ts';

type Exposure = Metrics['exposure'];
const exp = (o: Partial<Exposure> = {}): Exposure => ({ bytesBeyondBuffer: 0, fractionBeyondBuffer: 0, staleWindowUs: { mean: 0, max: 0 }, standingBytes: 0, ...o });
const strat = (strategy: string, tput: number, e: Exposure, extra: Record<string, number> = {}): VerdictStrategy =>
  ({ strategy, medians: { throughputMiBps: tput, ios: 1000, 'cpuSecondsPerGiB.total': 1, iovaBytes: 0, ...extra }, exposures: [e] });

describe('protection read from the measured exposure', () => {
  it('pinned exposing all memory is unprotected, whatever its id says', () => {
    expect(resultProtection([exp({ standingBytes: 8 * 1024 ** 3 })]).protection).toBe('none');
  });
  it('a result stored before standing reach was measured is unknown, not full', () => {
    const { standingBytes: _drop, ...old } = exp();
    expect(resultProtection([old as Exposure]).protection).toBe('unknown');
    // ...but an old lazy result is still at least deferred: unknown is said, never a guess.
    const { standingBytes: _d2, ...oldLazy } = exp({ staleWindowUs: { mean: 1, max: 2 } });
    expect(resultProtection([oldLazy as Exposure]).protection).toBe('unknown');
  });
  it('the worst replication wins', () => {
    expect(resultProtection([exp(), exp({ staleWindowUs: { mean: 1, max: 5 } })]).protection).toBe('deferred');
  });
});

describe('the verdict', () => {
  const strategies = [
    strat('passthrough', 300, exp({ standingBytes: 8 * 1024 ** 3 })),
    strat('strict', 100, exp(), { 'cpuSecondsPerGiB.total': 10 }),
    strat('lazy', 130, exp({ staleWindowUs: { mean: 4000, max: 7800 } }), { 'cpuSecondsPerGiB.total': 8 }),
    strat('bounce-pool', 290, exp(), { 'cpuSecondsPerGiB.total': 3.5, 'iovaBytes.peak': 148 * 1024 * 1024 }),
    strat('pinned', 300, exp({ standingBytes: 8 * 1024 ** 3 })),
  ];
  strategies[1].medians['iovaBytes.peak'] = 0;
  const v = runVerdict({ strategies, goal: 'throughput', profileName: 'virtio-iommu', workloadText: 'fio:rw=randread,bs=4k' });

  it('ranks only protected strategies, with factors against strict', () => {
    expect(v.ranked.map((r) => r.strategy)).toEqual(['bounce-pool', 'lazy', 'strict']);
    expect(v.ranked[0].sentence).toContain('2.9× strict throughput');
    expect(v.ranked[0].sentence).toContain('0.35× CPU per GiB');
    expect(v.ranked[0].sentence).toContain('+148 MiB IOVA');
    expect(v.ranked[0].sentence).toContain('same protection as strict');
  });
  it('says what unprotected options add and give up', () => {
    const pinned = v.tradeOffs.find((t) => t.strategy === 'pinned')!;
    expect(pinned.sentence).toMatch(/\+3\.4 % throughput over bounce-pool; gives up all protection: the device reaches 8 GiB/);
    expect(v.headline).toContain('bounce-pool');
    expect(v.headline).not.toContain('pinned');
  });
  it('says a gain on a lower-is-better goal as the fall it is', () => {
    // Kunpeng, 16 threads: lazy's map + unmap is 0.45 us against strict's 9.2 us.
    const calls = [
      strat('strict', 0, exp(), { 'mapUs.mean': 0.29, 'unmapUs.mean': 8.88 }),
      strat('lazy', 0, exp({ staleWindowUs: { mean: 800, max: 1630 } }), { 'mapUs.mean': 0.27, 'unmapUs.mean': 0.18, 'cpuSecondsPerGiB.total': 0.05 }),
    ];
    const w = runVerdict({ strategies: calls, goal: 'dmacall', profileName: 'kunpeng920', workloadText: 'dmabench:threads=16' });
    const lazy = w.tradeOffs.find((t) => t.strategy === 'lazy')!;
    expect(lazy.sentence).toMatch(/^lazy: −95 % map \+ unmap time over strict; gives up protection after unmap/);
    // Nothing per GiB: the workload moves no data.
    expect(w.sentences.join(' ')).not.toContain('per GiB');
  });
  it('states the stale window of lazy', () => {
    expect(v.ranked[1].sentence).toContain('7.8 ms');
  });
  it('leaves out strategies that completed no IO', () => {
    const w = runVerdict({ strategies: [...strategies, { ...strat('swiotlb', 0, exp()), medians: { throughputMiBps: 0, ios: 0, failures: 200 } }], goal: 'throughput', profileName: 'p', workloadText: 'w' });
    expect(w.ranked.some((r) => r.strategy === 'swiotlb')).toBe(false);
    expect(w.excluded[0]).toMatch(/swiotlb completed no IO \(200 mapping failures\)/);
  });
  it('exports as Markdown', () => {
    const md = verdictMarkdown('Verdict', v.sentences);
    expect(md).toMatch(/^### Verdict\n\nOn virtio-iommu/);
    expect(md).toContain('1. bounce-pool');
  });
  it('the best protected strategy is never an unprotected one (property)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.double({ min: 1, max: 1e4, noNaN: true }), fc.boolean()), { minLength: 1, maxLength: 8 }), (xs) => {
      const ss = xs.map(([t, unprot], i) => strat(`s${i}`, t, exp({ standingBytes: unprot ? 1 : 0 })));
      const r = runVerdict({ strategies: ss, goal: 'throughput', profileName: 'p', workloadText: 'w' });
      for (const x of r.ranked) expect(x.protection.protection).not.toBe('none');
      const prot = ss.filter((_, i) => !xs[i][1]);
      if (prot.length) expect(r.ranked[0].value).toBe(Math.max(...prot.map((s) => s.medians.throughputMiBps!)));
    }));
  });
});

describe('sweep crossovers among protected strategies', () => {
  const pt = (i: number, bs: string, m: Record<string, number>, refined = false): SweepPoint => ({
    index: i, runId: `r${i}`, status: 'done', profileId: 'virtio-iommu', values: { bs }, workloadText: '', strategies: Object.keys(m), medians: m,
    protection: { strict: 'full', lazy: 'deferred', 'bounce-pool': 'full', passthrough: 'none' }, ...(refined ? { refined } : {}),
  });
  const points = [
    pt(0, '64k', { strict: 700, lazy: 790, 'bounce-pool': 2490, passthrough: 2560 }),
    pt(1, '128k', { strict: 880, lazy: 944, 'bounce-pool': 2540, passthrough: 2560 }),
    pt(2, '256k', { strict: 1008, lazy: 1053, 'bounce-pool': 1008, passthrough: 2560 }),
    pt(3, '132k', { strict: 885, lazy: 951, 'bounce-pool': 884, passthrough: 2560 }, true),
  ];
  const vary = [{ key: 'bs', values: ['64k', '128k', '256k'] }];
  const eligible = (st: string, p: SweepPoint) => p.protection![st] !== 'none';

  it('finds the bounce-pool → lazy step that passthrough hides', () => {
    expect(sweepCrossovers(points, vary, 'higher')).toEqual([]);
    const cs = sweepCrossovers(points, vary, 'higher', { eligible });
    expect(cs).toHaveLength(1);
    expect(cs[0]).toMatchObject({ before: 'bounce-pool', after: 'lazy', from: '128k', to: '132k', kind: 'step', at: null });
  });
  it('gradual crossings are still interpolated, steps never', () => {
    const c = crossovers([{ x: '4k', values: { a: 10, b: 8 } }, { x: '16k', values: { a: 10, b: 12 } }]);
    expect(c[0].at).not.toBeNull();
  });
  it('the sweep verdict names the best protected strategy per span', () => {
    const v = sweepVerdict({ metric: { key: 'throughputMiBps', label: 'Throughput', unit: 'MiB/s', better: 'higher' }, points, config: { profileIds: ['virtio-iommu'], strategies: [], workload: '', vary, seed: 1, replications: 1, seriesPoints: null }, crossovers: sweepCrossovers(points, vary, 'higher', { eligible }) });
    expect(v.spans[0]).toMatch(/bounce-pool for bs 64k … 128k .*; lazy for bs 132k … 256k/);
    expect(v.flips[0].sentence).toMatch(/lazy takes over from bounce-pool between bs 128k and 132k \(a step/);
  });
});

describe('range syntax for swept values', () => {
  it('doubles, or spaces N points on a log scale', () => {
    expect(expandRange('bs', '4k..128k')).toEqual(['4k', '8k', '16k', '32k', '64k', '128k']);
    expect(expandRange('bs', '4k..128k:8')).toHaveLength(8);
    expect(expandRange('bs', '4k..128k:8')[0]).toBe('4k');
    expect(expandRange('bs', '4k..128k:8')[7]).toBe('128k');
    expect(expandRange('iodepth', '1..64')).toEqual(['1', '2', '4', '8', '16', '32', '64']);
    expect(parseSweepValues('bs', '4k..16k, 1m')).toEqual(['4k', '8k', '16k', '1m']);
  });
  it('refuses malformed ranges with one clear message', () => {
    expect(() => expandRange('bs', '128k..4k')).toThrow(InputError);
    expect(() => expandRange('bs', '4k..128k:1')).toThrow(/point count/);
    expect(() => parseSweepValues('bs', '4k..x')).toThrow(/a number or a size/);
  });
});

describe('one colour per strategy', () => {
  it('variants share the hue and differ by dash and shade', () => {
    const all = ['lazy', 'lazy:fq=32', 'strict'];
    expect(strategyColor('lazy:fq=32')).toBe(strategyColor('lazy'));
    expect(strategyColor('vtd lazy:fq=32')).toBe(strategyColor('lazy'));
    expect(strategyDash('lazy', all)).toBe('solid');
    expect(strategyDash('lazy:fq=32', all)).toBe('dashed');
    expect(strategyShade('lazy:fq=32', all)).not.toBe(strategyShade('lazy', all));
  });
});

describe('Pareto front of goal against protection', () => {
  it('keeps what nothing beats on both', () => {
    const r = (protection: 'full' | 'deferred' | 'none') => ({ protection, staleWindowMaxUs: 0, bytesBeyondBuffer: 0, standingBytes: 0 });
    const front = paretoFront([
      { strategy: 'strict', value: 100, protection: r('full') },
      { strategy: 'bounce-pool', value: 290, protection: r('full') },
      { strategy: 'lazy', value: 130, protection: r('deferred') },
      { strategy: 'passthrough', value: 300, protection: r('none') },
    ], 'higher');
    expect(front.sort()).toEqual(['bounce-pool', 'passthrough']);
  });
});
