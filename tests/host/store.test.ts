import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { builtInProfile } from '../../core/index.ts';
import { ContractError, MAX_SERIES_POINTS } from '../../core/contract.ts';
import { packSeries, RunStore, unpackSeries } from '../../electron/host/store.ts';
import { defaultDbPath, userDataDir } from '../../electron/host/paths.ts';
import { sampleRun, series, tempDir } from './helpers.ts';

let t = tempDir();
afterEach(() => {
  t.cleanup();
  t = tempDir();
});

describe('RunStore', () => {
  it('saves a run as it goes and closes it with its status', () => {
    const s = new RunStore(t.db());
    const { config, result } = sampleRun();
    const id = s.createRun({ config, name: 'n1', tags: ['x', 'y'], saved: true });
    expect(s.runStatus(id)).toMatchObject({ status: 'running', tasksDone: 0, tasksTotal: 1 });
    s.addResult(id, result);
    s.finishRun(id, 'done', { wallMs: 12 });
    const d = s.getRun(id);
    expect(d).toMatchObject({ id, name: 'n1', tags: ['x', 'y'], status: 'done', saved: true, profileId: 'vtd', wallMs: 12 });
    expect(d.results[0].metrics).toEqual(result.metrics);
    expect(d.results[0].series).toEqual(result.series);
    expect(d.summary[0].metrics.throughputMiBps.median).toBe(result.metrics.throughputMiBps);
    expect(d.throughputMiBps).toEqual({ strict: result.metrics.throughputMiBps });
    expect(() => s.addResult(id, result)).toThrow(/not running/);
    s.close();
  });

  it('packs series losslessly and bounds them to the maximum number of points', () => {
    const sr = series(1234);
    sr.throughputMiBps[3] = 0.1 + 0.2;
    sr.tUs[5] = -0;
    const { points, blob } = packSeries(sr);
    expect(points).toBe(1234);
    expect(unpackSeries(blob, points)).toEqual(sr);
    const huge = packSeries(series(MAX_SERIES_POINTS + 5000));
    expect(huge.points).toBe(MAX_SERIES_POINTS);
    const back = unpackSeries(huge.blob, huge.points);
    expect(back.tUs[0]).toBe(1);
    expect(back.tUs[MAX_SERIES_POINTS - 1]).toBe((MAX_SERIES_POINTS + 4999) * 10 + 1);
  });

  it('lists saved runs by default, newest first, with filters and paging', () => {
    const s = new RunStore(t.db());
    const { config, result } = sampleRun();
    const smmu = { ...config, profile: builtInProfile('smmuv3') };
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push(s.insertCompleteRun({ config: i % 2 ? smmu : config, name: `run ${i}`, notes: i === 3 ? 'the 100% case_' : '', tags: i < 2 ? ['first'] : [], saved: i !== 5, createdAt: 1000 + i }, [result]));
    }
    expect(s.listRuns().items.map((r) => r.name)).toEqual(['run 4', 'run 3', 'run 2', 'run 1', 'run 0']);
    expect(s.listRuns({ savedOnly: false }).total).toBe(6);
    expect(s.listRuns({ tag: 'first' }).items.map((r) => r.name)).toEqual(['run 1', 'run 0']);
    expect(s.listRuns({ profileId: 'smmuv3' }).total).toBe(2);
    expect(s.listRuns({ strategy: 'strict' }).total).toBe(5);
    expect(s.listRuns({ strategy: 'lazy' }).total).toBe(0);
    expect(s.listRuns({ search: '100%' }).items.map((r) => r.name)).toEqual(['run 3']);
    expect(s.listRuns({ search: 'case_' }).total).toBe(1);
    expect(s.listRuns({ search: "'; DROP TABLE runs; --" }).total).toBe(0);
    expect(s.listRuns({ from: 1002, to: 1003 }).items.map((r) => r.name)).toEqual(['run 3', 'run 2']);
    const page = s.listRuns({ limit: 2, offset: 2 });
    expect(page.total).toBe(5);
    expect(page.items.map((r) => r.name)).toEqual(['run 2', 'run 1']);
    s.close();
  });

  it('updates names, tags, notes and the saved flag; deletes with its results', () => {
    const s = new RunStore(t.db());
    const { config, result } = sampleRun();
    const id = s.insertCompleteRun({ config }, [result]);
    expect(s.listRuns().total).toBe(0);
    s.updateRun(id, { name: 'kept', notes: 'n', saved: true, tags: ['a'] });
    s.updateRun(id, { addTags: ['b'], removeTags: ['a'] });
    expect(s.getRunSummary(id)).toMatchObject({ name: 'kept', notes: 'n', saved: true, tags: ['b'] });
    s.deleteRun(id);
    expect(() => s.getRun(id)).toThrow(ContractError);
    expect((s.db.prepare('SELECT count(*) AS n FROM results').get() as { n: number }).n).toBe(0);
    s.close();
  });

  it('resolves unique id prefixes and names ambiguous ones', () => {
    const s = new RunStore(t.db());
    const { config, result } = sampleRun();
    s.insertCompleteRun({ id: 'abcd0001xx', config }, [result]);
    s.insertCompleteRun({ id: 'abcd0002xx', config }, [result]);
    expect(s.resolveRunId('abcd0001')).toBe('abcd0001xx');
    expect(() => s.resolveRunId('abcd')).toThrow(/ambiguous/);
    expect(() => s.resolveRunId('zzzz')).toThrow(/no run zzzz/);
    s.close();
  });

  it('refuses to delete a running run', () => {
    const s = new RunStore(t.db());
    const id = s.createRun({ config: sampleRun().config });
    expect(() => s.deleteRun(id)).toThrow(/running; cancel it first/);
    s.close();
  });

  it('marks runs of a dead process interrupted when it next opens, and leaves live owners alone', () => {
    const path = t.db();
    const s = new RunStore(path);
    const mine = s.createRun({ config: sampleRun().config });
    s.addResult(mine, sampleRun().result);
    // A run owned by a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const other = s.createRun({ config: sampleRun().config });
    s.db.prepare('UPDATE runs SET owner_pid = ? WHERE id = ?').run(Number(dead), other);
    s.close();
    const again = new RunStore(path);
    expect(again.getRunSummary(other).status).toBe('interrupted');
    expect(again.getRunSummary(mine).status).toBe('running'); // this process is alive
    expect(again.getRun(mine).results).toHaveLength(1);
    again.close();
  });

  it('keeps user profiles with timestamps and refuses duplicates in create mode', () => {
    const s = new RunStore(t.db());
    const p = { ...builtInProfile('vtd'), id: 'my-vtd', name: 'Mine' };
    const r = s.saveProfile(p);
    expect(r).toMatchObject({ id: 'my-vtd', name: 'Mine', builtIn: false });
    expect(r.createdAt).toBeTypeOf('number');
    expect(() => s.saveProfile(p, 'create')).toThrow(/already exists/);
    s.saveProfile({ ...p, name: 'Renamed' });
    expect(s.listProfiles().map((x) => x.name)).toEqual(['Renamed']);
    expect(s.deleteProfile('my-vtd')).toBe(true);
    expect(s.getProfile('my-vtd')).toBeNull();
    s.close();
  });

  it('only ever binds parameters: hostile names and tags are stored verbatim', () => {
    const s = new RunStore(t.db());
    const evil = `x'); DROP TABLE runs; --`;
    const id = s.insertCompleteRun({ config: sampleRun().config, name: evil, tags: [evil.replace(/\s/g, '')], saved: true }, [sampleRun().result]);
    expect(s.getRunSummary(id).name).toBe(evil);
    expect(s.listRuns({ tag: evil.replace(/\s/g, '') }).total).toBe(1);
    s.close();
  });

  it('puts the database in the per-user application data folder by default', () => {
    expect(userDataDir({ XDG_CONFIG_HOME: '/x/cfg' }, 'linux', '/home/u')).toBe('/x/cfg/IOMMU Lab');
    expect(userDataDir({}, 'linux', '/home/u')).toBe('/home/u/.config/IOMMU Lab');
    expect(userDataDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/IOMMU Lab');
    expect(userDataDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toMatch(/Roaming[\\/]IOMMU Lab$/);
    expect(defaultDbPath({ IOMMU_LAB_DB: '/tmp/x.db' })).toBe('/tmp/x.db');
  });

  it('is a plain SQLite file other tools can read', () => {
    const path = t.db();
    const s = new RunStore(path);
    s.insertCompleteRun({ config: sampleRun().config, saved: true }, [sampleRun().result]);
    s.close();
    const raw = new Database(path, { readonly: true });
    expect((raw.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n).toBe(1);
    raw.close();
  });
});
