import { describe, expect, it } from 'vitest';
import { STRATEGIES } from '../../core/strategies.ts';
import { BUILT_IN_PROFILES } from '../../core/profiles/builtin.ts';
import {
  defaultAccelForm, defaultDmaBenchForm, defaultFioForm, detectPaste, entryText, fioFormOptions, parseForm, parsePasted,
  paramDefaultText, splitValues, workloadErrorField,
} from '../../renderer/src/lib/experiment.ts';
import { ALL_FIELDS, fieldText, getPath, inferField, issuesForForm, parseFieldText, sectionsFor, setPath } from '../../renderer/src/lib/profileFields.ts';
import { checkProfile, duplicateProfile, freshId } from '../../renderer/src/stores/profiles.ts';

const def = (id: string) => STRATEGIES.find((s) => s.id === id)!;

describe('strategy entries', () => {
  it('omits defaults and gives the canonical text', () => {
    expect(entryText({ uid: 1, id: 'strict', params: {} }, def('strict')).text).toBe('strict');
    const bp = def('bounce-pool');
    const slots = bp.params.find((p) => p.key === 'slots')!;
    expect(entryText({ uid: 1, id: 'bounce-pool', params: { slots: paramDefaultText(slots) } }, bp).text).toBe('bounce-pool');
    expect(entryText({ uid: 1, id: 'bounce-pool', params: { slots: '512' } }, bp).text).toBe('bounce-pool:slots=512');
  });
  it('names the bad parameter', () => {
    const r = entryText({ uid: 1, id: 'iopf', params: { premap: 'lots' } }, def('iopf'));
    expect(r.error).toMatch(/premap/);
    expect(Object.keys(r.paramErrors)).toEqual(['premap']);
  });
});

describe('workloads', () => {
  it('builds fio text from the form', () => {
    const f = defaultFioForm();
    expect(fioFormOptions(f)).toContain('rw=randread');
    const p = parseForm('fio', f, defaultDmaBenchForm(), defaultAccelForm());
    expect(p.ok).toBe(true);
    expect(p.text.startsWith('fio:rw=randread,bs=4k,iodepth=64')).toBe(true);
    const bad = parseForm('fio', { ...f, iodepth: '0' }, defaultDmaBenchForm(), defaultAccelForm());
    expect(bad.ok).toBe(false);
    expect(workloadErrorField(bad.error)).toBe('iodepth');
    const split = parseForm('fio', { ...f, bsMode: 'bssplit', bssplit: '4k/50:64k/50' }, defaultDmaBenchForm(), defaultAccelForm());
    expect(split.text).toContain('bssplit=4k/50:64k/50');
  });
  it('builds dmabench and accel text from the forms', () => {
    const d = parseForm('dmabench', defaultFioForm(), { ...defaultDmaBenchForm(), threads: '4', granule: '16', dir: '2' }, defaultAccelForm());
    expect(d.text).toBe('dmabench:threads=4,seconds=1,granule=16,dir=FROM_DEVICE,delay_ns=0,sg=0');
    const a = parseForm('accel', defaultFioForm(), defaultDmaBenchForm(), { msgLen: '10m', times: '1000', buffers: '2' });
    expect(a.text).toBe('accel:msg_len=10m,times=1000,buffers=2');
  });
  it('detects and parses pasted fio options, job files and dma_map_benchmark flags', () => {
    expect(detectPaste('--rw=read --bs=16k --iodepth=64')).toBe('fio');
    expect(detectPaste('[global]\nrw=read\n[job]\nbs=4k')).toBe('fio-file');
    expect(detectPaste('./dma_map_benchmark -t 4 -s 1 -g 16 -d 2')).toBe('dmabench');
    expect(detectPaste('msg_len=1m,times=100')).toBe('accel');
    const f = parsePasted('fio --direct=1 --rw=read --ioengine=libaio --iodepth=64 --bs=128k');
    expect(f.ok).toBe(true);
    expect(f.text).toContain('bs=128k');
    const j = parsePasted('[global]\nioengine=libaio\ndirect=1\n[job1]\nrw=randwrite\nbs=16k\niodepth=8\n');
    expect(j.kind).toBe('fio-file');
    expect(j.text).toContain('rw=randwrite,bs=16k,iodepth=8');
    const d = parsePasted('dma_map_benchmark -t 2 -s 1 -g 4 -d 1 -x 100');
    expect(d.text).toBe('dmabench:threads=2,seconds=1,granule=4,dir=TO_DEVICE,delay_ns=100,sg=0');
    const bad = parsePasted('--bogus=1');
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/bogus/);
    expect(parsePasted('   ').ok).toBe(false);
  });
  it('splits sweep values', () => {
    expect(splitValues('4k, 16k 64k,,128k')).toEqual(['4k', '16k', '64k', '128k']);
  });
});

describe('profile form', () => {
  const dart = BUILT_IN_PROFILES.find((p) => p.id === 'dart-16k')!;
  it('shows a field the form does not know yet in its section, kind and unit from the name', () => {
    const grown = setPath(setPath(dart, 'iommu.invalidation.fooAllNs', null), 'device.warmupUs', 3);
    const secs = sectionsFor(grown);
    expect(secs.find((s) => s.id === 'invalidation')!.fields.some((f) => f.path === 'iommu.invalidation.fooAllNs' && f.kind === 'nullableNumber' && f.unit === 'ns')).toBe(true);
    expect(secs.find((s) => s.id === 'device')!.fields.some((f) => f.path === 'device.warmupUs' && f.unit === 'µs')).toBe(true);
    expect(inferField('cpu.cacheBytes', 4096)).toMatchObject({ kind: 'bytes', unit: 'bytes', label: 'Cache' });
  });
  it('has a field for every leaf of a profile', () => {
    const leaves: string[] = [];
    const walk = (o: unknown, prefix: string) => {
      if (o && typeof o === 'object' && !Array.isArray(o)) for (const [k, v] of Object.entries(o)) walk(v, prefix ? `${prefix}.${k}` : k);
      else leaves.push(prefix);
    };
    const { builtIn: _b, ...rest } = dart;
    walk(rest, '');
    const fields = new Set(ALL_FIELDS.map((f) => f.path));
    for (const l of leaves) expect(fields.has(l), l).toBe(true);
  });
  it('round-trips every built-in value through its field text', () => {
    for (const p of BUILT_IN_PROFILES) {
      for (const f of ALL_FIELDS) {
        const v = getPath(p, f.path);
        if (f.kind === 'bool' || f.kind === 'lines' || f.kind === 'textarea') continue;
        const r = parseFieldText(f.kind, fieldText(f.kind, v));
        expect(r.ok, `${p.id} ${f.path}`).toBe(true);
        if (r.ok) expect(r.value, `${p.id} ${f.path}`).toEqual(v);
      }
    }
  });
  it('parses typed text with clear errors', () => {
    expect(parseFieldText('bytes', '16k')).toEqual({ ok: true, value: 16384 });
    expect(parseFieldText('bytes', 'big').ok).toBe(false);
    expect(parseFieldText('int', '2.5').ok).toBe(false);
    expect(parseFieldText('number', '')).toEqual({ ok: false, error: 'must be a number' });
    expect(parseFieldText('nullableNumber', '')).toEqual({ ok: true, value: null });
    expect(parseFieldText('bytesPerSec', '12g')).toEqual({ ok: true, value: 12 * 1024 ** 3 });
    expect(parseFieldText('bytesPerSec', '3.2e9')).toEqual({ ok: true, value: 3.2e9 });
    expect(parseFieldText('bytesList', '2m, 1g')).toEqual({ ok: true, value: [2 * 1024 ** 2, 1024 ** 3] });
  });
  it('sets paths immutably', () => {
    const copy = setPath(dart, 'cpu.cores', 2);
    expect(copy.cpu.cores).toBe(2);
    expect(dart.cpu.cores).not.toBe(2);
    expect(copy.iommu).toBe(dart.iommu);
  });
  it('refuses a bad value with an issue on its field', () => {
    const bad = setPath(dart, 'cpu.cores', 0);
    const issues = checkProfile(bad);
    expect(issues.length).toBeGreaterThan(0);
    const { byField } = issuesForForm(issues);
    expect(byField['cpu.cores']).toBeTruthy();
    const list = issuesForForm([{ path: 'iommu.blockSizesBytes.1', message: 'must be a power of two' }, { path: '(root)', message: 'x' }]);
    expect(list.byField['iommu.blockSizesBytes']).toBe('must be a power of two');
    expect(list.other).toEqual(['(root): x']);
  });
  it('duplicates a built-in under a free id', () => {
    const taken = new Set(['dart-16k', 'dart-16k-copy']);
    expect(freshId('dart-16k', taken)).toBe('dart-16k-copy-2');
    const d = duplicateProfile(dart, taken);
    expect(d.builtIn).toBeUndefined();
    expect(d.name).toMatch(/\(copy\)$/);
    expect(checkProfile(d)).toEqual([]);
  });
});

describe('rates', () => {
  it('shows decimal bandwidths compactly and parses them back', async () => {
    const { compactRate } = await import('../../renderer/src/lib/profileFields.ts');
    expect(compactRate(12 * 1024 ** 3)).toBe('12g');
    expect(compactRate(2.8e9)).toBe('2.8e9');
    expect(compactRate(2734375000)).toBe('2.734375e9');
    expect(parseFieldText('bytesPerSec', compactRate(2734375000))).toEqual({ ok: true, value: 2734375000 });
  });
});
