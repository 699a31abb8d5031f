import { describe, expect, it } from 'vitest';
import {
  InputError, parseDmaBench, parseFioJobFile, parseProfile, parseStrategy, parseStrategyList, parseWorkload,
  BUILT_IN_PROFILES, validateProfile, workloadText,
} from '../../core/index.ts';

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('strategy specs', () => {
  it('parses parameters with units and prints a canonical form', () => {
    const s = parseStrategy('bounce-pool:classes=4k+16k+128k:slots=512');
    expect(s.params.classes).toEqual([4096, 16384, 131072]);
    expect(s.params.slots).toBe(512);
    expect(s.text).toBe('bounce-pool:slots=512');
    expect(parseStrategy('iopf:premap=1').text).toBe('iopf:premap=1');
    expect(parseStrategy('swiotlb:pool=64m').text).toBe('swiotlb');
  });
  it('separates strategies by commas and expands all', () => {
    expect(parseStrategyList('strict, lazy ,iopf:premap=8').map((s) => s.id)).toEqual(['strict', 'lazy', 'iopf']);
    expect(parseStrategyList('all')).toHaveLength(9);
  });
  it('names the field, the value and what is allowed', () => {
    const e = inputError(() => parseStrategy('stricter'));
    expect(e.field).toBe('strategy');
    expect(e.value).toBe('stricter');
    expect(e.allowed).toContain('bounce-pool');
    expect(inputError(() => parseStrategy('iopf:premap=0')).field).toContain('premap');
    expect(inputError(() => parseStrategy('lazy:flush=1')).allowed).toContain('fq');
    expect(inputError(() => parseStrategy('bounce-pool:classes=3k')).allowed).toContain('power-of-two');
  });
});

describe('workloads', () => {
  it('reads fio options in fio notation', () => {
    const w = parseWorkload('fio:rw=randrw,bssplit=4k/60:64k/40,iodepth=32,numjobs=2,size=1g,rwmixread=70');
    expect(w).toMatchObject({ kind: 'fio', rw: 'randrw', iodepth: 32, numjobs: 2, rwmixread: 70, sizeBytes: 1024 ** 3 });
    expect(w.kind === 'fio' && w.bssplit).toEqual([[4096, 60], [65536, 40]]);
  });
  it('reads a .fio job file with a global section', () => {
    const w = parseFioJobFile('[global]\nioengine=libaio\ndirect=1\n; comment\n[job1]\nrw=read\nbs=64k\niodepth=64\n');
    expect(w).toMatchObject({ rw: 'read', bsBytes: 65536, iodepth: 64, direct: true });
  });
  it('reads dma_map_benchmark flags', () => {
    const w = parseDmaBench('-t 4 -s 2 -g 16 -d 2 -x 100');
    expect(w).toMatchObject({ threads: 4, seconds: 2, granulePages: 16, dir: 'FROM_DEVICE', delayNs: 100 });
    expect(parseWorkload('dmabench:granule=8192').kind).toBe('dmabench');
  });
  it('round-trips through its canonical text', () => {
    for (const t of ['fio:rw=read,bs=128k,iodepth=64', 'dmabench:threads=2,granule=32,sg=1', 'accel:msg_len=10m,times=1000,env=host']) {
      const w = parseWorkload(t);
      expect(parseWorkload(workloadText(w))).toEqual(w);
    }
  });
  it('refuses what fio itself refuses: a size below the block size; runs several jobs in one file', () => {
    expect(inputError(() => parseWorkload('fio:size=1k,bs=4k')).field).toBe('fio size');
    expect(parseWorkload('fio:size=1k,bs=4k,number_ios=10').kind).toBe('fio');
    const two = parseFioJobFile('[a]\nrw=read\n[b]\nrw=write\n');
    expect(two.kind === 'fio' && two.jobs?.map((j) => j.name)).toEqual(['a', 'b']);
  });
  it('knows fio\'s ioengines and refuses others', () => {
    expect(parseWorkload('fio:ioengine=io_uring').kind).toBe('fio');
    expect(inputError(() => parseWorkload('fio:ioengine=bogus')).allowed).toContain('libaio');
  });
  it('refuses a strategy parameter given twice', () => {
    expect(inputError(() => parseStrategy('bounce-pool:slots=1024:slots=3')).allowed).toBe('each parameter once');
  });
  it('rejects out-of-range and unknown options with the field named', () => {
    expect(inputError(() => parseWorkload('fio:iodepth=0')).field).toBe('fio iodepth');
    expect(inputError(() => parseWorkload('fio:bs=4q')).field).toBe('fio bs');
    expect(inputError(() => parseWorkload('fio:rw=sideways')).allowed).toContain('randread');
    expect(inputError(() => parseWorkload('dmabench:granule=9000')).field).toBe('dmabench granule');
    expect(inputError(() => parseWorkload('nvme:rw=read')).field).toBe('workload');
    expect(inputError(() => parseWorkload('fio:bssplit=4k/50:8k/40')).allowed).toContain('100');
  });
});

describe('profiles', () => {
  it('validates every built-in profile', () => {
    for (const p of BUILT_IN_PROFILES) expect(validateProfile(p).ok).toBe(true);
  });
  it('reports each bad field with its path', () => {
    const p = JSON.parse(JSON.stringify(BUILT_IN_PROFILES[0]));
    p.cpu.cores = 0;
    p.iommu.granuleBytes = 5000;
    p.device.bandwidthBytesPerSec = 'fast';
    const v = validateProfile(p);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.issues.map((i) => i.path).sort()).toEqual(['cpu.cores', 'device.bandwidthBytesPerSec', 'iommu.granuleBytes']);
    expect(inputError(() => parseProfile(p)).field).toMatch(/^profile /);
  });
  it('refuses unknown fields so typos do not pass silently', () => {
    const p = JSON.parse(JSON.stringify(BUILT_IN_PROFILES[1]));
    p.iommu.granuleBtyes = 4096;
    expect(validateProfile(p).ok).toBe(false);
  });
});
