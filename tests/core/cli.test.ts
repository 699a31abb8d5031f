import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli-harness.ts';

describe('iommu-lab run', () => {
  it('prints one JSON object with every metric the issue lists', async () => {
    const r = await cli('run', '--profile', 'virtio-iommu', '--strategy', 'strict,bounce-pool', '--workload', 'fio:rw=read,bs=4k,iodepth=64,number_ios=2000', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual(['engineVersion', 'profile', 'workload', 'seed', 'results']);
    const m = j.results[0].metrics;
    for (const k of ['simulatedSeconds', 'ios', 'bytes', 'throughputMiBps', 'iops', 'faults', 'fallbacks', 'failures']) expect(typeof m[k]).toBe('number');
    expect(Object.keys(m.latencyUs)).toEqual(['mean', 'p50', 'p90', 'p99', 'p999', 'max']);
    expect(Object.keys(m.mapUs)).toEqual(['mean', 'p50', 'p99', 'stddev']);
    expect(Object.keys(m.cpuSecondsPerGiB)).toEqual(['map', 'unmap', 'copy', 'invalidate', 'fault', 'other', 'total']);
    expect(m.exposure.staleWindowUs).toHaveProperty('max');
    expect(m.iotlb).toHaveProperty('missesPerPage');
    expect(m).toHaveProperty('slowdownVsPinned');
  });

  it('is deterministic: the same arguments print the same JSON, another seed differs', async () => {
    const args = ['run', '--profile', 'vtd', '--strategy', 'strict,lazy', '--workload', 'fio:rw=randread,bssplit=4k/70:64k/30,iodepth=8,number_ios=1500', '--json'];
    const a = await cli(...args);
    const b = await cli(...args);
    const c = await cli(...args, '--seed', '2');
    expect(a.out).toBe(b.out);
    expect(c.out).not.toBe(a.out);
  });

  it('prints dma_map_benchmark lines for dmabench workloads', async () => {
    const r = await cli('run', '--profile', 'tegra-smmu', '--strategy', 'strict', '--workload', 'dmabench:granule=32,sg=1,delay_ns=1000');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/average map latency\(us\):\d+\.\d standard deviation:\d+\.\d/);
    expect(r.out).toMatch(/average unmap latency\(us\):\d+\.\d standard deviation:\d+\.\d/);
  });

  it('reports the slowdown against pinned for accelerator runs', async () => {
    const r = await cli('run', '--profile', 'smmuv3', '--strategy', 'pinned,iopf:premap=1', '--workload', 'accel:msg_len=1m,times=10', '--json');
    const j = JSON.parse(r.out);
    expect(j.results[0].metrics.slowdownVsPinned).toBe(0);
    expect(j.results[1].metrics.slowdownVsPinned).toBeGreaterThan(0);
  });

  it('takes an edited profile file and a .fio job file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iommu-lab-cli-'));
    const shown = await cli('profile', 'show', 'dart-16k');
    const profile = JSON.parse(shown.out);
    profile.id = 'dart-edited';
    profile.iommu.invalidation.streamNs = 9000;
    writeFileSync(join(dir, 'p.json'), JSON.stringify(profile));
    writeFileSync(join(dir, 'job.fio'), '[global]\nioengine=libaio\ndirect=1\n[read]\nrw=randread\nbs=16k\niodepth=4\nnumber_ios=300\n');
    const r = await cli('run', '--profile', join(dir, 'p.json'), '--strategy', 'strict', '--workload', join(dir, 'job.fio'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).profile).toBe('dart-edited');
    expect(JSON.parse(r.out).workload).toContain('bs=16k');
  });
});

describe('bad input', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['unknown profile', ['run', '--profile', 'm2', '--strategy', 'strict', '--workload', 'fio:bs=4k'], /--profile: invalid value "m2"; allowed: .*dart-16k/],
    ['unknown strategy', ['run', '--profile', 'vtd', '--strategy', 'strict,eager', '--workload', 'fio:bs=4k'], /strategy: invalid value "eager"/],
    ['malformed parameter', ['run', '--profile', 'vtd', '--strategy', 'iopf:premap', '--workload', 'fio:bs=4k'], /strategy iopf: invalid value "premap"/],
    ['out-of-range value', ['run', '--profile', 'vtd', '--strategy', 'strict', '--workload', 'fio:iodepth=100000'], /fio iodepth: invalid value "100000"; allowed: an integer from 1 to 65536/],
    ['unreadable file', ['run', '--profile', '/nonexistent/p.json', '--strategy', 'strict', '--workload', 'fio:bs=4k'], /--profile: invalid value "\/nonexistent\/p.json"; allowed: a readable file/],
    ['missing flag', ['run', '--profile', 'vtd', '--workload', 'fio:bs=4k'], /--strategy: invalid value "\(missing\)"/],
    ['unknown flag', ['run', '--profile', 'vtd', '--strategy', 'strict', '--workload', 'fio:bs=4k', '--sead', '3'], /run flag: invalid value "--sead"/],
    ['unknown command', ['frobnicate'], /command: invalid value "frobnicate"/],
    ['bad seed', ['run', '--profile', 'vtd', '--strategy', 'strict', '--workload', 'fio:bs=4k', '--seed', '-1'], /--seed: invalid value "-1"/],
  ];
  for (const [name, argv, message] of cases) {
    it(`exits 2 with one line naming the field for ${name}`, async () => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/at .*\.ts:\d+/);
    });
  }
});

describe('catalogue commands', () => {
  it('lists profiles and strategies as JSON and shows a profile ready to edit', async () => {
    expect(JSON.parse((await cli('profiles', '--json')).out).map((p: { id: string }) => p.id)).toEqual(['dart-16k', 'tegra-smmu', 'virtio-iommu', 'virtio-desktop', 'smmuv3', 'vtd', 'morello', 'kunpeng920', 'grace-nested', 'grace-vcmdq']);
    expect(JSON.parse((await cli('strategies', '--json')).out)).toHaveLength(9);
    const p = JSON.parse((await cli('profile', 'show', 'tegra-smmu')).out);
    expect(p.iommu.granuleBytes).toBe(4096);
    expect(p.builtIn).toBeUndefined();
  });
  it('validate --json lists experiments with published, simulated and relative error', async () => {
    const r = await cli('validate', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.experiments[0]).toEqual(expect.objectContaining({ id: expect.any(String), source: expect.any(String), metric: expect.any(String), published: expect.any(Number), simulated: expect.any(Number), relError: expect.any(Number) }));
  }, 60_000);
});
