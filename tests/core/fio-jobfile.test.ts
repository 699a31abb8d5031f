import { describe, expect, it } from 'vitest';
import {
  builtInProfile, InputError, parseFioCommandLine, parseFioJobFile, parseFioJobText, parseStrategy, parseWorkload, simulateStrategy, workloadText, type FioWorkload,
} from '../../core/index.ts';
import { fioOptionName } from '../../core/fio/jobfile.ts';

function err(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

const FILE = `[global]
ioengine=libaio
direct=1
size=4m
description=mixed
[a]
rw=randread
bs=4k
iodepth=8
[b]
rw=write
bs=64k,128k
numjobs=2
[c]
stonewall
rw=randrw
bssplit=4k/50:8k/50,16k
rwmixwrite=30
group_reporting
[d]
new_group
rw=trimwrite
`;

describe('fio job files as fio reads them', () => {
  it('runs the sections as jobs, grouped by stonewall and new_group, with [global] under each', () => {
    const w = parseFioJobFile(FILE) as FioWorkload;
    expect(w.jobs?.map((j) => [j.name, j.group, j.rw, j.numjobs, j.ioengine, j.direct])).toEqual([
      ['a', 0, 'randread', 1, 'libaio', true], ['b', 0, 'write', 2, 'libaio', true], ['c', 1, 'randrw', 1, 'libaio', true], ['d', 2, 'write', 1, 'libaio', true],
    ]);
    const b = w.jobs![1];
    expect(b.bsRead).toEqual([[65536, 100]]);
    expect(b.bsWrite).toEqual([[131072, 100]]);
    const c = w.jobs![2];
    expect(c.bsRead).toEqual([[4096, 50], [8192, 50]]);
    expect(c.bsWrite).toEqual([[16384, 100]]);
    expect(c.rwmixread).toBe(70);
    expect(w.groupReporting).toBe(true);
  });

  it('reads its canonical text back to the same workload', () => {
    const w = parseFioJobFile(FILE);
    expect(parseWorkload(workloadText(w))).toEqual(w);
    const single = parseWorkload('fio:rw=randread,bs=4k,iodepth=32,numjobs=2,size=64m');
    expect(single.kind === 'fio' && single.jobs).toBeUndefined();
    expect(workloadText(single)).toBe('fio:rw=randread,bs=4k,iodepth=32,numjobs=2,size=64m');
  });

  it('lists every option it does not model, never drops it, and refuses only what fio refuses', () => {
    const r = parseFioJobText(FILE, { fileName: 'x.fio' });
    expect(r.understood.jobs[0].notModelled.map((o) => `${o.name}=${o.value}@${o.where}`)).toEqual(['description=mixed@x.fio:5']);
    expect(err(() => parseFioJobText(`${FILE}bogus=1\n`, { fileName: 'x.fio' })).message).toBe('x.fio:23: fio option: invalid value "bogus"; allowed: an option fio knows (fio: "Bad option"); see fio --cmdhelp=all');
    expect(err(() => parseFioJobText('[a]\nrw=sideways\n', { fileName: 'y.fio' })).field).toBe('y.fio:2: fio rw');
    expect(err(() => parseFioJobText('[a]\niodepth=0\n', { fileName: 'y.fio' })).allowed).toBe('an integer from 1 to 65536');
    expect(fioOptionName('readwrite')).toBe('rw');
    expect(fioOptionName('blocksize')).toBe('bs');
    expect(fioOptionName('threads')).toBe('threads');
    expect(fioOptionName('no_such_option')).toBeNull();
  });

  it('substitutes ${ENV} (an unset variable by nothing) and reads includes inside a section', () => {
    const w = parseFioJobText('[a]\nrw=${RW}\ninclude common.fio\n', {
      env: { RW: 'randwrite' }, readInclude: (name) => (name === 'common.fio' ? 'bs=16k\niodepth=4\n' : ''),
    }).workload!;
    expect([w.rw, w.bsBytes, w.iodepth]).toEqual(['randwrite', 16384, 4]);
    expect(err(() => parseFioJobText('[a]\nrw=${UNSET_VAR}\n', { env: {} })).value).toBe('');
    expect(err(() => parseFioJobText('[a]\ninclude x.fio\n', {})).allowed).toContain('job file on disk');
  });

  it('refuses a file whose jobs move no data by DMA, naming each reason, and skips such jobs beside others', () => {
    const r = parseFioJobText('[t]\nrw=trim\n[n]\nioengine=net\nrw=write\n');
    expect(r.workload).toBeNull();
    expect(r.refusal).toBe('no job moves data by DMA: rw=trim: trims carry no data, so no DMA; ioengine=net: network sockets, no block IO');
    const mixed = parseFioJobText('[t]\nrw=trim\n[r]\nrw=read\nsize=1m\n');
    expect(mixed.workload?.rw).toBe('read');
    expect(mixed.understood.jobs[0].skipped).toContain('trims carry no data');
  });

  it('reads fio command lines: each --name starts a job, options before it are global', () => {
    const r = parseFioCommandLine('fio --ioengine=libaio --direct=1 --size=1m --name=a --rw=read --bs=128k --name=b --rw=randwrite --bs=4k --iodepth=8 --output-format=json');
    expect(r.workload?.jobs?.map((j) => [j.name, j.rw, j.bsRead[0][0], j.iodepth, j.ioengine])).toEqual([['a', 'read', 131072, 1, 'libaio'], ['b', 'randwrite', 4096, 8, 'libaio']]);
    expect(r.understood.jobs[1].notModelled.map((o) => o.name)).toEqual(['--output-format']);
  });

  it('runs only the job file sections named by --section, with the command-line options applied to them', () => {
    const files: Record<string, string> = { 'x.fio': '[global]\nsize=1m\n[default]\nrw=read\n[override]\nrw=write\n' };
    const r = parseFioCommandLine('fio x.fio --section=override --ioengine=libaio --iodepth=4 --direct=1', { readInclude: (n) => files[n] });
    expect(r.workload?.rw).toBe('write');
    expect([r.workload?.iodepth, r.workload?.ioengine]).toEqual([4, 'libaio']);
    expect(r.understood.jobs.map((j) => j.name)).toEqual(['override']);
    expect(() => parseFioCommandLine('fio x.fio --section=nope', { readInclude: (n) => files[n] })).toThrow(/default, override/);
  });

  it('models the options that change DMA traffic: sync engines, buffered IO, verify, ramp, rate', () => {
    const w = parseFioJobFile('[a]\nioengine=psync\niodepth=32\nsize=1m\nrw=write\nverify=crc32c\nramp_time=1ms\nruntime=10ms\nrate=10m\nthinktime=5\n') as FioWorkload;
    const j = w.jobs![0];
    expect([j.iodepth, j.verify, j.rampUs, j.runtimeUs, j.rateBytesPerSec, j.thinktimeUs, j.direct]).toEqual([32, true, 1000, 10000, [10485760, 10485760], 5, false]);
    expect(parseFioJobText('[a]\nioengine=psync\niodepth=32\nsize=1m\n').understood.jobs[0].notes[0]).toContain('one IO in flight per job');
  });
});

describe('per-job figures of a job file run', () => {
  it('keeps each job within its measured window: CPU busy after ramp_time only, so at most one CPU per thread', () => {
    const text = '[global]\nioengine=libaio\ndirect=1\ntime_based\nruntime=20ms\nramp_time=5ms\n[fast]\nrw=randread\nbs=4k\niodepth=16\n[slow]\nrw=randwrite\nbs=64k\niodepth=2\nrate_iops=2000\n';
    const { workload } = parseFioJobText(text, { fileName: 'ramp.fio' });
    const r = simulateStrategy(builtInProfile('tegra-smmu'), parseStrategy('strict'), workload as FioWorkload, 1);
    const jobs = r.jobs!.filter((j) => !j.name.startsWith('group '));
    // Busy time during the 5 ms ramp was counted over the 20 ms window: 1.25 CPUs.
    for (const j of jobs) expect(j.cpuFraction, j.name).toBeLessThanOrEqual(1);
    expect(jobs.find((j) => j.name === 'fast')!.cpuFraction).toBeGreaterThan(0.9);
    expect(jobs.reduce((a, j) => a + j.ios, 0)).toBe(r.metrics.ios);
    expect(jobs.reduce((a, j) => a + j.bytes, 0)).toBe(r.metrics.bytes);
  });
});
