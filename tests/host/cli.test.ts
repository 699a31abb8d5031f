import { readFileSync, writeFileSync, existsSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../cli-harness.ts';
import { RunStore } from '../../electron/host/store.ts';
import { SMALL_FIO, tempDir } from './helpers.ts';

const t = tempDir();
afterAll(() => t.cleanup());
const db = t.db();

describe('command line', () => {
  let a = '';
  let b = '';

  it('run --save prints the new run id and stores it', async () => {
    const r = await cli('run', '--profile', 'vtd', '--strategy', 'strict,lazy', '--workload', SMALL_FIO, '--save', '--name', 'base', '--tag', 'x', '--replications', '3', '--db', db);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    a = r.out.trim();
    expect(a).toMatch(/^[0-9a-z]{10}$/);
    const r2 = await cli('run', '--profile', 'dart-16k', '--strategy', 'strict,lazy', '--workload', SMALL_FIO, '--save', '--replications', '3', '--db', db);
    b = r2.out.trim();
    const list = await cli('runs', '--db', db);
    expect(list.out).toContain(a);
    expect(list.out).toContain('base');
    const json = JSON.parse((await cli('runs', '--json', '--db', db)).out);
    expect(json.total).toBe(2);
  }, 30_000);

  it('runs show / tag / rm', async () => {
    const show = await cli('runs', 'show', a.slice(0, 6), '--db', db);
    expect(show.code).toBe(0);
    expect(show.out).toContain('Throughput (MiB/s)');
    expect(JSON.parse((await cli('runs', 'show', a, '--json', '--db', db)).out).results).toHaveLength(6);
    expect((await cli('runs', 'tag', a, 'mailing-list', '--db', db)).out).toContain('mailing-list');
    expect((await cli('runs', '--tag', 'mailing-list', '--json', '--db', db)).out).toContain(a);
  });

  it('diff prints benchstat-like text, Markdown or JSON', async () => {
    const text = await cli('diff', a, b, '--db', db);
    expect(text.code).toBe(0);
    expect(text.out).toContain('profile.id');
    expect(text.out).toContain('warning: need >= 5 replications');
    const md = await cli('diff', a, b, '--markdown', '--db', db);
    expect(md.out).toMatch(/^### Diff/);
    expect(JSON.parse((await cli('diff', a, b, '--json', '--db', db)).out).tables.length).toBeGreaterThan(5);
  });

  it('sweep prints plain progress lines when not on a terminal, the table and crossovers', async () => {
    const r = await cli('sweep', '--profile', 'vtd', '--strategy', 'strict,bounce-pool', '--workload', 'fio:rw=read,iodepth=4,number_ios=500', '--vary', 'bs=4k,64k', '--save', '--db', db);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/points done/);
    expect(r.err).not.toContain('\r');
    expect(r.out).toMatch(/bs\s+strict\s+bounce-pool/);
    const unsaved = await cli('sweep', '--profile', 'vtd', '--strategy', 'strict', '--workload', 'fio:rw=read,number_ios=300', '--vary', 'iodepth=1,2', '--db', db);
    expect(unsaved.out).toContain('not saved');
    const s = new RunStore(db);
    expect(s.listSweeps().total).toBe(1);
    s.close();
  }, 30_000);

  it('export writes files and import reads them back into another database', async () => {
    const out = join(t.dir, 'run.json');
    expect((await cli('export', a, '--format', 'json', '--out', out, '--db', db)).code).toBe(0);
    for (const f of ['csv', 'md', 'svg', 'png']) {
      const r = await cli('export', a, '--format', f, '--out', join(t.dir, `x.${f}`), '--db', db);
      expect(r.code, r.err).toBe(0);
    }
    expect(readFileSync(join(t.dir, 'x.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(join(t.dir, 'x.svg'), 'utf8')).toContain('<svg');
    const md = await cli('export', a, b, '--format', 'md', '--out', '-', '--db', db);
    expect(md.out).toContain('### Diff');
    const other = t.db('other.db');
    const imp = await cli('import', out, '--db', other);
    expect(imp.code).toBe(0);
    expect(imp.out).toContain(a);
    expect(JSON.parse((await cli('runs', 'show', a, '--json', '--db', other)).out).results).toHaveLength(6);
  }, 30_000);

  it('errors exit 2 with one line, and a bad import writes nothing', async () => {
    const other = t.db('errors.db');
    const bad = join(t.dir, 'bad.json');
    writeFileSync(bad, '{"format":"iommu-lab-bundle","version":1,"kind":"run","exportedAt":1,"engineVersion":"x","runs":[{"id":"x"}]}');
    for (const argv of [
      ['import', bad, '--db', other],
      ['import', join(t.dir, 'missing.json'), '--db', other],
      ['runs', 'show', 'zzzzzz', '--db', db],
      ['diff', a, '--db', db],
      ['export', a, '--format', 'gif', '--db', db],
      ['sweep', '--profile', 'vtd', '--strategy', 'strict', '--workload', SMALL_FIO, '--vary', 'nope=1', '--db', db],
      ['runs', '--frobnicate', '--db', db],
    ]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.trimEnd().split('\n'), argv.join(' ')).toHaveLength(1);
    }
    if (existsSync(other)) {
      const s = new RunStore(other);
      expect(s.listRuns({ savedOnly: false }).total).toBe(0);
      s.close();
    }
  });

  it('refuses huge files before reading them', async () => {
    const huge = join(t.dir, 'huge.json');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, 300 * 1024 * 1024); // sparse: no disk used
    closeSync(fd);
    const r = await cli('import', huge, '--db', t.db('huge.db'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/at most 256 MiB/);
  });

  it('refuses a database from a newer version with one line, leaving it untouched', async () => {
    const path = t.db('future.db');
    new RunStore(path).close();
    const raw = new Database(path);
    raw.pragma('journal_mode = DELETE');
    raw.pragma('user_version = 99');
    raw.close();
    const before = readFileSync(path);
    const r = await cli('runs', '--db', path);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/schema version 99, newer than this program supports/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});

describe('run table protection columns', () => {
  it('shows each strategy protection class and what the device reaches, so passthrough and pinned never read as exposing nothing', async () => {
    const r = await cli('run', '--profile', 'dart-16k', '--strategy', 'passthrough,strict,lazy,swiotlb,pinned', '--workload', 'fio:rw=randread,bs=4k,iodepth=8,number_ios=500');
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    const head = lines.find((l) => l.startsWith('strategy'))!.split(/\s{2,}/);
    const col = (name: string) => head.indexOf(name);
    const row = (s: string) => lines.find((l) => l.startsWith(`${s} `))!.split(/\s{2,}/);
    expect(row('passthrough')[col('protection')]).toBe('none');
    expect(row('passthrough')[col('reach B')]).toBe('16.00G');
    expect(row('pinned')[col('protection')]).toBe('none');
    expect(row('strict')[col('protection')]).toBe('granule');
    expect(row('strict')[col('beyond B')]).toBe('12.0K');
    expect(row('lazy')[col('protection')]).toBe('deferred');
    expect(row('swiotlb')[col('protection')]).toBe('full');
    expect(row('swiotlb')[col('reach B')]).toBe('0');
  }, 30_000);
});
