/**
 * A store that notices damage: a database deleted or replaced under the running web server,
 * random bytes written into it, a path that cannot exist. Each is refused with one clear line
 * (HTTP 409, CLI exit 2) instead of reporting saves as done and losing them.
 */
import { closeSync, copyFileSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OP_NAMES } from '../../core/contract.ts';
import { createHostService } from '../../electron/host/service.ts';
import { DatabaseUnusableError } from '../../electron/host/migrate.ts';
import { RunStore } from '../../electron/host/store.ts';
import { startWebServer } from '../../electron/server/server.ts';
import { cli } from '../cli-harness.ts';
import { sampleRun, SMALL_FIO, tempDir } from '../host/helpers.ts';

const t = tempDir('iommu-lab-damage-');
afterAll(() => t.cleanup());

function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** 16 KiB of seeded random bytes in the middle of the file. */
function scribble(file: string, seed = 7): void {
  const size = statSync(file).size;
  const rnd = prng(seed);
  const bytes = Buffer.alloc(16 * 1024);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rnd() * 256);
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, Math.max(4096, Math.floor(size / 2 / 4096) * 4096));
  } finally {
    closeSync(fd);
  }
}

function storeWithRuns(file: string, n = 40): void {
  const s = new RunStore(file);
  const { config, result } = sampleRun();
  for (let i = 0; i < n; i++) s.insertCompleteRun({ config, name: `run ${i}`, notes: 'x'.repeat(2000) }, [result]);
  s.db.pragma('wal_checkpoint(TRUNCATE)');
  s.close();
}

describe('a database deleted or replaced under the running web server', () => {
  it('refuses later saves with 409 naming the problem, instead of reporting them done', async () => {
    const db = t.db('served.db');
    const host = createHostService({ dbPath: db, workers: 1 });
    const server = await startWebServer({ host: { ops: OP_NAMES, dispatch: (op, a) => host.dispatch(op, a) }, rendererDir: t.dir, port: 0, token: 'tk' });
    const api = async (op: string, body: unknown) => {
      const r = await fetch(`${server.url}api/${op}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer tk' }, body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as { ok: boolean; result?: any; error?: { code: string; message: string } } };
    };
    try {
      const first = await api('runs:start', { profileId: 'vtd', strategies: ['strict'], workload: SMALL_FIO, saved: true });
      expect(first.status).toBe(200);
      await host.waitRun(first.body.result.runId);
      for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
      const second = await api('runs:start', { profileId: 'vtd', strategies: ['strict'], workload: SMALL_FIO, saved: true });
      expect(second.status).toBe(409);
      expect(second.body.error!.message).toMatch(/was deleted while in use/);
      expect(second.body.error!.message.split('\n')).toHaveLength(1);
      const list = await api('runs:list', {});
      expect(list.status).toBe(409);
      const upd = await api('runs:update', { runId: first.body.result.runId, name: 'renamed' });
      expect(upd.status).toBe(409);
    } finally {
      await server.close();
      await host.close();
    }
  });

  it('notices a file replaced by another one', () => {
    const db = t.db('replaced.db');
    storeWithRuns(db, 2);
    const s = new RunStore(db);
    try {
      const other = t.db('other.db');
      storeWithRuns(other, 1);
      rmSync(db);
      copyFileSync(other, db);
      const { config } = sampleRun();
      expect(() => s.createRun({ config })).toThrow(/replaced by another file/);
    } finally {
      s.close();
    }
  });
});

describe('random bytes in the middle of the database', () => {
  it('are found by quick_check at open: refused, file untouched; the CLI exits 2 with one line', async () => {
    const db = t.db('scribbled.db');
    storeWithRuns(db);
    scribble(db);
    const before = statSync(db).mtimeMs;
    expect(() => new RunStore(db)).toThrow(DatabaseUnusableError);
    expect(statSync(db).mtimeMs).toBe(before);
    const r = await cli('runs', '--all', '--db', db);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/damaged|not a database|malformed/);
  });

  it('written while a store is open: the next write is refused instead of continuing', () => {
    const db = t.db('scribbled-live.db');
    storeWithRuns(db);
    const s = new RunStore(db);
    try {
      scribble(db, 11);
      const { config } = sampleRun();
      expect(() => s.createRun({ config })).toThrow(/damaged/);
      // And stays refused.
      expect(() => s.createRun({ config })).toThrow(/damaged/);
    } finally {
      s.close();
    }
  });
});

describe('database paths that cannot work', () => {
  it('--db under /proc exits 2 with one line at once (it used to spin at 100 % CPU)', async () => {
    const t0 = Date.now();
    const r = await cli('run', '--profile', 'vtd', '--strategy', 'strict', '--workload', 'fio:number_ios=10', '--save', '--db', '/proc/x/y.db');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/cannot create database \/proc\/x\/y\.db/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('--db naming a folder exits 2 with one line', async () => {
    const dir = path.join(t.dir, 'a-folder.db');
    mkdirSync(dir);
    const r = await cli('run', '--profile', 'vtd', '--strategy', 'strict', '--workload', 'fio:number_ios=10', '--save', '--db', dir);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});
