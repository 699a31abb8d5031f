import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.ts';
import { boundsOf, costParams, isCostField, isMetricPath, parseMeasurements, planScript } from '../../core/calibrate/index.ts';
import { BUILT_IN_PROFILES } from '../../core/profiles/builtin.ts';

const DMA_OUT = `# strategy: strict
dma mapping benchmark: threads:1 seconds:20 node:-1 dir:BIDIRECTIONAL granule: 1
average map latency(us):0.3 standard deviation:0.1
average unmap latency(us):2.6 standard deviation:0.4
# strategy: lazy
dma mapping benchmark: threads:4 seconds:20 node:-1 dir:FROM_DEVICE granule: 64
average map latency(us):3.6 standard deviation:0.5
average unmap latency(us):2.2 standard deviation:1.1
`;

function errorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('measurement files', () => {
  it('read the headers of older and newer tools: no granule (5.11-5.12), the sg mode line and granule/sg_nents', () => {
    const text = [
      '# strategy: strict',
      'dma mapping benchmark: threads:1 seconds:10 node:-1 dir:BIDIRECTIONAL',
      'average map latency(us):0.3 standard deviation:0.1',
      'average unmap latency(us):2.6 standard deviation:0.4',
      'dma mapping mode: 1',
      'dma mapping benchmark: threads:2 seconds:10 node:-1 dir:TO_DEVICE granule/sg_nents: 8',
      'average map latency(us):1.3 standard deviation:0.1',
      'average unmap latency(us):3.6 standard deviation:0.4',
    ].join('\n');
    const ms = parseMeasurements(text, 'old-new.txt', isMetricPath);
    expect(ms[0].workload).toMatchObject({ threads: 1, granulePages: 1, sg: false });
    expect(ms[2].workload).toMatchObject({ threads: 2, granulePages: 8, dir: 'TO_DEVICE', sg: true });
  });

  it('read dma_map_benchmark output as the kernel tool prints it, several runs, mode from # strategy lines', () => {
    const ms = parseMeasurements(DMA_OUT, 'board.txt', isMetricPath);
    expect(ms.map((m) => [m.strategy, m.metric, m.value, m.source])).toEqual([
      ['strict', 'dmaBenchTool.map.mean', 0.3, 'board.txt:3'], ['strict', 'dmaBenchTool.unmap.mean', 2.6, 'board.txt:4'],
      ['lazy', 'dmaBenchTool.map.mean', 3.6, 'board.txt:7'], ['lazy', 'dmaBenchTool.unmap.mean', 2.2, 'board.txt:8'],
    ]);
    expect(ms[2].workload).toMatchObject({ kind: 'dmabench', threads: 4, granulePages: 64, dir: 'FROM_DEVICE' });
    expect(ms[0].resolution).toBe(0.05);
  });

  it('take the mode from --strategy when the file has no # strategy line, and refuse a file with neither', () => {
    const body = DMA_OUT.split('\n').filter((l) => !l.startsWith('# strategy')).join('\n');
    expect(parseMeasurements(body, 'b.txt', isMetricPath, 'lazy').every((m) => m.strategy === 'lazy')).toBe(true);
    const e = errorOf(() => parseMeasurements(body, 'b.txt', isMetricPath));
    expect(e.field).toBe('b.txt:1');
    expect(e.allowed).toMatch(/# strategy/);
  });

  it('name the file, line and what was expected for a bad line', () => {
    const bad = DMA_OUT.replace('average unmap latency(us):2.6', 'average unmap latncy(us):2.6');
    const e = errorOf(() => parseMeasurements(bad, 'board.txt', isMetricPath));
    expect(e.field).toBe('board.txt:4');
    expect(e.allowed).toMatch(/average map\|unmap latency/);
    const missing = DMA_OUT.split('\n').filter((l) => !l.includes('unmap latency(us):2.6')).join('\n');
    expect(errorOf(() => parseMeasurements(missing, 'm.txt', isMetricPath)).allowed).toMatch(/unmap latency line of the run that starts at line 2/);
  });

  it('read the CSV form, quoted or ;-separated workloads, and refuse unknown metrics and bad values with file:line', () => {
    const csv = 'workload,strategy,metric,value\n"dmabench:threads=1,granule=16",strict,unmapUs.mean,12.5\ndmabench:threads=2;granule=1,lazy,mapUs.mean,0.4\nfio:rw=randread;bs=4k;iodepth=32,strict,throughputMiBps,1800\n';
    const ms = parseMeasurements(csv, 'm.csv', isMetricPath);
    expect(ms.map((m) => [m.workloadText.split(',')[0], m.strategy, m.metric, m.value])).toEqual([
      ['dmabench:threads=1', 'strict', 'unmapUs.mean', 12.5], ['dmabench:threads=2', 'lazy', 'mapUs.mean', 0.4], ['fio:rw=randread', 'strict', 'throughputMiBps', 1800],
    ]);
    expect(errorOf(() => parseMeasurements(csv.replace('throughputMiBps', 'throughput'), 'm.csv', isMetricPath)).field).toBe('m.csv:4');
    expect(errorOf(() => parseMeasurements(csv.replace('12.5', 'x'), 'm.csv', isMetricPath)).field).toBe('m.csv:2');
    expect(errorOf(() => parseMeasurements(csv.replace('strict,unmap', 'stric,unmap'), 'm.csv', isMetricPath)).field).toBe('m.csv:2');
  });
});

describe('fittable parameters', () => {
  it('are the cost fields by rule: unit suffixes in, structure out, for every built-in profile', () => {
    expect(isCostField('syncNs')).toBe(true);
    expect(isCostField('memcpyBytesPerSec')).toBe(true);
    expect(isCostField('cacheMaintenanceNsPerByte')).toBe(true);
    for (const k of ['granuleBytes', 'pageTableLevels', 'cores', 'iotlbEntries', 'iotlbWays', 'byRangeMaxPages', 'costJitterFraction', 'flushTimeoutMs', 'serialised', 'queues']) {
      expect(isCostField(k), k).toBe(false);
    }
    for (const p of BUILT_IN_PROFILES) {
      const params = costParams(p);
      expect(params.length, p.id).toBeGreaterThan(5);
      // A null cost is "the hardware has no such command": structure, never fitted.
      for (const q of params) expect(typeof q.base).toBe('number');
      for (const q of params) expect(q.min <= q.base && q.base <= q.max, `${p.id} ${q.path}`).toBe(true);
    }
  });

  it('take their bounds from the profile schema', () => {
    expect(boundsOf('iommu.invalidation.syncNs')).toEqual({ min: 0, max: 1e9 });
    expect(boundsOf('cpu.memcpyBytesPerSec').min).toBeGreaterThan(0);
  });
});

describe('calibrate --plan', () => {
  it('runs the tool on both sides of the IOVA rcache limit, 1 and several threads, strict and lazy', () => {
    const smmu = BUILT_IN_PROFILES.find((p) => p.id === 'smmuv3')!;
    const script = planScript(smmu);
    const runs = script.split('\n').filter((l) => l.startsWith('$BENCH'));
    const g = runs.map((l) => Number(/-g (\d+)/.exec(l)![1]));
    expect(g).toContain(32);
    expect(g.some((x) => x > 32)).toBe(true);
    expect(runs.some((l) => /-t 1 /.test(l)) && runs.some((l) => !/-t 1 /.test(l))).toBe(true);
    expect(script).toContain("echo '# strategy: strict'");
    expect(script).toContain("echo '# strategy: lazy'");
    expect(script).toMatch(/iommu_groups\/\$GROUP\/type/);
  });
});
