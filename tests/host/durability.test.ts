/**
 * Durability across processes: a real `kill -9` in the middle of saving, and two processes writing
 * one database at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RunStore, unpackSeries } from '../../electron/host/store.ts';
import { series, tempDir } from './helpers.ts';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const WRITER = fileURLToPath(new URL('./fixtures/writer.ts', import.meta.url));
const CLI = fileURLToPath(new URL('../../bin/iommu-lab.mjs', import.meta.url));

let t = tempDir();
afterEach(() => {
  t.cleanup();
  t = tempDir();
});

interface Child {
  proc: ChildProcess;
  lines: string[];
  errLines: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitFor(pred: (lines: string[]) => boolean, stream?: 'out' | 'err', timeoutMs?: number): Promise<void>;
}

function start(args: string[]): Child {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, IOMMU_LAB_WORKERS: '2' } });
  const lines: string[] = [];
  const errLines: string[] = [];
  const waiters: Array<() => void> = [];
  const feed = (into: string[]) => {
    let buf = '';
    return (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      into.push(...parts);
      for (const w of [...waiters]) w();
    };
  };
  proc.stdout!.on('data', feed(lines));
  proc.stderr!.on('data', feed(errLines));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  return {
    proc, lines, errLines, exit,
    waitFor(pred, stream = 'out', timeoutMs = 30_000) {
      const src = stream === 'out' ? lines : errLines;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out; stdout: ${lines.slice(-5).join(' | ')} stderr: ${errLines.slice(-5).join(' | ')}`)), timeoutMs);
        const check = () => {
          if (pred(src)) {
            clearTimeout(timer);
            waiters.splice(waiters.indexOf(check), 1);
            resolve();
          }
        };
        waiters.push(check);
        void exit.then(() => setTimeout(check, 10));
        check();
      });
    },
  };
}

function writer(db: string, mode: 'incremental' | 'bulk', runs: number, results: number, points: number): Child {
  return start(['--import', TSX, WRITER, db, mode, String(runs), String(results), String(points)]);
}

describe('a kill -9 while saving', () => {
  it('leaves a sound database: finished runs intact, the cut run interrupted, never half-written', async () => {
    const path = t.db();
    const done: string[] = [];
    for (let round = 0; round < 3; round++) {
      const c = writer(path, 'incremental', 50, 6, 100_000);
      // Let two runs finish, then kill at a different moment inside the third.
      await c.waitFor((l) => l.filter((x) => x.startsWith('done ')).length >= 2 + round * 2);
      const cutAfter = round; // results of the current run already committed
      await c.waitFor((l) => {
        const lastDone = l.map((x, i) => (x.startsWith('done ') ? i : -1)).reduce((a, b) => Math.max(a, b), -1);
        return l.slice(lastDone + 1).filter((x) => x.startsWith('result ')).length >= cutAfter;
      });
      await new Promise((r) => setTimeout(r, 5 + round * 7)); // land inside a write
      c.proc.kill('SIGKILL');
      const { signal } = await c.exit;
      expect(signal).toBe('SIGKILL');

      const store = new RunStore(path);
      expect(store.integrityCheck()).toBe('ok');
      done.push(...c.lines.filter((l) => l.startsWith('done ')).map((l) => l.split(' ')[1]));
      for (const id of done) {
        const d = store.getRun(id, { series: false });
        expect(d.status).toBe('done');
        expect(d.results).toHaveLength(6);
      }
      // Runs of the killed process still marked running would be a lie: none are left.
      expect(store.listRuns({ savedOnly: false, status: 'running', limit: 1000 }).total).toBe(0);
      const cut = store.listRuns({ savedOnly: false, limit: 1000 }).items.filter((r) => !done.includes(r.id));
      // From round 1 on the kill lands after some results of the current run were committed.
      if (round > 0) expect(cut.filter((r) => r.status === 'interrupted').length).toBeGreaterThanOrEqual(round);
      for (const r of cut) {
        // Either it committed its last write before the kill landed (then it is whole), or it is interrupted.
        if (r.status === 'done') expect(store.getRun(r.id, { series: false }).results).toHaveLength(6);
        else expect(r.status).toBe('interrupted');
        // Every stored result of the cut run is whole: its full series, byte for byte.
        const rows = store.db.prepare('SELECT replication, series_points, series FROM results WHERE run_id = ?').all(r.id) as Array<{ replication: number; series_points: number; series: Buffer }>;
        for (const row of rows) {
          expect(row.series_points).toBe(100_000);
          expect(unpackSeries(row.series, row.series_points)).toEqual(series(100_000, row.replication));
        }
      }
      store.close();
    }
  }, 90_000);

  it('a killed CLI sweep keeps the points that finished and shows the rest interrupted', async () => {
    const path = t.db();
    const c = start([CLI, 'sweep', '--profile', 'vtd', '--strategy', 'strict,lazy', '--workload', 'fio:rw=randread,iodepth=16,number_ios=60000',
      '--vary', 'bs=4k,8k,16k,32k,64k,128k,256k,512k', '--save', '--db', path]);
    await c.waitFor((l) => l.some((x) => /: [2-9]\/8 points done/.test(x)), 'err', 60_000);
    c.proc.kill('SIGKILL');
    await c.exit;
    const store = new RunStore(path);
    expect(store.integrityCheck()).toBe('ok');
    const sweeps = store.listSweeps();
    expect(sweeps.items).toHaveLength(1);
    expect(sweeps.items[0].status).toBe('interrupted');
    const runs = store.sweepRuns(sweeps.items[0].id);
    const finished = runs.filter((r) => r.status === 'done');
    expect(finished.length).toBeGreaterThanOrEqual(2);
    for (const r of finished) expect(r.results).toHaveLength(2);
    for (const r of runs.filter((x) => x.status !== 'done')) expect(r.status).toBe('interrupted');
    store.close();
  }, 90_000);
});

describe('two processes writing one database', () => {
  it('both succeed and no run is lost', async () => {
    const path = t.db();
    new RunStore(path).close();
    const a = writer(path, 'incremental', 25, 3, 2000);
    const b = writer(path, 'bulk', 25, 3, 2000);
    const [ea, eb] = await Promise.all([a.exit, b.exit]);
    expect(a.errLines.join('\n')).toBe('');
    expect(b.errLines.join('\n')).toBe('');
    expect(ea.code).toBe(0);
    expect(eb.code).toBe(0);
    const store = new RunStore(path);
    expect(store.integrityCheck()).toBe('ok');
    const all = store.listRuns({ limit: 1000 });
    expect(all.total).toBe(50);
    for (const id of [...a.lines, ...b.lines].filter((l) => l.startsWith('done ')).map((l) => l.split(' ')[1])) {
      const d = store.getRun(id, { series: false });
      expect(d.status).toBe('done');
      expect(d.results).toHaveLength(3);
    }
    expect(store.listRuns({ tag: `pid${a.proc.pid}` }).total).toBe(25);
    expect(store.listRuns({ tag: `pid${b.proc.pid}` }).total).toBe(25);
    store.close();
  }, 90_000);
});
