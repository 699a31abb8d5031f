import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareFio, fioJsonWorkload, parseFioJson } from '../../core/fio/json.ts';
import { cli } from '../cli-harness.ts';
import { tempDir } from './helpers.ts';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'fio-json');
const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('compare-fio on fio 3.33 JSON from real runs (tmpfs file, psync and libaio)', () => {
  it('reads the job options and figures fio wrote, and simulates the same jobs', () => {
    const m = parseFioJson(readFileSync(join(DIR, 'libaio-two-jobs.json'), 'utf8'));
    expect(m.fioVersion).toBe('fio-3.33');
    expect(m.jobs.map((j) => j.name)).toEqual(['seqread', 'randwrite']);
    expect(m.jobs[0].options).toEqual({ rw: 'read', bs: '128k', io_size: '256m' });
    expect(m.globalOptions.ioengine).toBe('libaio');
    expect(m.jobs[1].clatDirection).toBe('write');
    const w = fioJsonWorkload(m).workload;
    expect(w?.jobs?.map((j) => [j.name, j.rw, j.iodepth, j.ioengine])).toEqual([['seqread', 'read', 16, 'libaio'], ['randwrite', 'randwrite', 16, 'libaio']]);
  });

  it("reads fio's JSON out of --output-format=normal,json, and a new groupid as the stonewall fio's JSON leaves out", () => {
    // fio 3.33 wrote the normal report's header, then the JSON, then the per-job text.
    const text = readFileSync(join(DIR, 'psync-stonewall.normal-json.txt'), 'utf8');
    expect(text.startsWith('write: (g=0)')).toBe(true);
    const m = parseFioJson(text);
    expect(m.jobs.map((j) => [j.name, j.groupid])).toEqual([['write', 0], ['read', 1]]);
    // Neither "stonewall" nor "new_group" is among the job options fio wrote.
    expect(Object.keys(m.jobs[1].options)).not.toContain('stonewall');
    const parsed = fioJsonWorkload(m);
    expect(parsed.workload?.jobs?.map((j) => [j.name, j.group, j.stonewall])).toEqual([['write', 0, false], ['read', 1, true]]);
  });

  it('relative error is (simulated - measured) / measured, and usr CPU is shown as not modelled', () => {
    const m = parseFioJson(readFileSync(join(DIR, 'psync-randread.json'), 'utf8'));
    const rows = compareFio(m, [{ name: 'randread-psync', group: 0, ios: 1, bytes: 1, readBytes: 1, writeBytes: 0, runtimeUs: 1, throughputMiBps: 2 * m.jobs[0].bandwidthBytesPerSec / 1024 ** 2, iops: 1, clatUs: { mean: 1, p50: 1, p90: 1, p99: 1, p999: 1, max: 1 }, cpuFraction: 0 }]);
    expect(rows.find((r) => r.metric === 'bandwidth MiB/s')?.relError).toBeCloseTo(1, 9);
    expect(rows.find((r) => r.metric === 'usr CPU %')?.simulated).toBeNull();
  });

  it('prints measured vs simulated per job, and --save stores a measured run that diff compares with the simulated one', async () => {
    const r = await cli('compare-fio', join(DIR, 'libaio-two-jobs.json'), '--profile', 'vtd', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.strategy).toBe('lazy');
    expect(out.rows.filter((x: { job: string }) => x.job === 'seqread')).toHaveLength(8);
    const db = tmp.db();
    const s = await cli('compare-fio', join(DIR, 'psync-randread.json'), '--profile', 'vtd', '--strategy', 'strict', '--save', '--db', db);
    expect(s.code).toBe(0);
    const [, measuredId, simId] = /measured run saved: (\w+) \(simulated beside it: (\w+)/.exec(s.out) ?? [];
    expect(measuredId).toBeTruthy();
    const runs = JSON.parse((await cli('runs', '--db', db, '--json')).out);
    const items = runs.items ?? runs;
    expect(items.find((x: { id: string }) => x.id === measuredId).kind).toBe('measured');
    expect(items.find((x: { id: string }) => x.id === simId).kind).toBeUndefined();
    const d = await cli('diff', measuredId, simId, '--db', db);
    expect(d.code).toBe(0);
    expect(d.out).toContain('measured (fio-3.33) vs strict');
    // A bundle carries the measured kind, fio's figures and the per-job results, and imports again.
    const bundle = join(tmp.dir, 'measured.json');
    expect((await cli('export', measuredId, '--format', 'json', '--out', bundle, '--db', db)).code).toBe(0);
    const db2 = tmp.db('other.db');
    const imp = await cli('import', bundle, '--db', db2);
    expect(imp.code, imp.err).toBe(0);
    const again = JSON.parse((await cli('runs', '--db', db2, '--json')).out);
    expect((again.items ?? again)[0].kind).toBe('measured');
  });

  it('refuses a file that is not fio JSON with exit 2 and one line', async () => {
    const r = await cli('compare-fio', join(DIR, 'psync-randread.fio'), '--profile', 'vtd');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('fio --output-format=json');
  });
});
