/**
 * A strategy that completed no IO at a sweep point (swiotlb cannot map 1 MiB: every mapping fails)
 * has no CPU time per GiB or latency. The engine reports 0 there; the sweep used to mark that 0
 * as the best value and report a crossover to swiotlb.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../electron/cli/main.ts';
import { isPerIoMetric } from '../../electron/host/sweep.ts';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; }, isTTY: false });
  return { code, out, err };
}

describe('sweep points where a strategy moved no data', () => {
  it('leave it out of per-IO metrics: no best mark, no crossover', async () => {
    const r = await cli('sweep', '--profile', 'vtd', '--strategy', 'strict,swiotlb', '--workload', 'fio:rw=read,iodepth=1,number_ios=200',
      '--vary', 'bs=64k,1m', '--metric', 'cpuSecondsPerGiB.total', '--json');
    expect(r.code, r.err).toBe(0);
    const d = JSON.parse(r.out);
    const big = d.points.find((p: { values: Record<string, string> }) => p.values.bs === '1m');
    expect(big.medians.strict).toBeGreaterThan(0);
    expect(big.medians).not.toHaveProperty('swiotlb');
    expect(d.crossovers).toEqual([]);
    const text = await cli('sweep', '--profile', 'vtd', '--strategy', 'strict,swiotlb', '--workload', 'fio:rw=read,iodepth=1,number_ios=200',
      '--vary', 'bs=64k,1m', '--metric', 'cpuSecondsPerGiB.total');
    expect(text.out).toMatch(/1m\s+[\d.]+\*?\s+-/);
    expect(text.out).not.toContain('Crossovers');
  }, 30_000);

  it('keeps throughput and counts, which are meaningful at zero', async () => {
    expect(isPerIoMetric('throughputMiBps')).toBe(false);
    expect(isPerIoMetric('failures')).toBe(false);
    expect(isPerIoMetric('latencyUs.p99')).toBe(true);
    expect(isPerIoMetric('cpuSecondsPerGiB.total')).toBe(true);
    const r = await cli('sweep', '--profile', 'vtd', '--strategy', 'strict,swiotlb', '--workload', 'fio:rw=read,iodepth=1,number_ios=200', '--vary', 'bs=1m', '--json');
    expect(JSON.parse(r.out).points[0].medians.swiotlb).toBe(0);
  }, 30_000);
});

describe('best marks in the sweep table', () => {
  it('star every value that prints as the best, and none where every strategy prints the same', async () => {
    // vtd at 32k and above: every strategy is device-bound at 3051 MiB/s, a few hundredths apart.
    const r = await cli('sweep', '--profile', 'vtd', '--strategy', 'strict,lazy,swiotlb', '--workload', 'fio:rw=randread,iodepth=32,number_ios=2000', '--vary', 'bs=4k,256k');
    expect(r.code, r.err).toBe(0);
    const row = (bs: string) => r.out.split('\n').find((l) => l.startsWith(`${bs} `))!.trim().split(/\s+/).slice(1);
    expect(row('256k').some((c) => c.endsWith('*'))).toBe(false);
    expect(new Set(row('256k')).size).toBe(1);
    const small = row('4k');
    const printed = (c: string) => c.replace('*', '');
    const top = small.map((c) => Number(printed(c))).reduce((a, b) => Math.max(a, b));
    for (const c of small) expect(c.endsWith('*')).toBe(Number(printed(c)) === top);
  }, 30_000);
});
