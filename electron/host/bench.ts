/**
 * Run-store benchmark (the `bench` command prints it; the README quotes it): saving one run whose
 * time series hold 100,000 points, reading it back, and listing 10,000 stored runs. Uses a
 * temporary database file that is deleted afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInProfile, ENGINE_VERSION, parseStrategy, parseWorkload, simulateStrategy, workloadText } from '../../core/index.ts';
import type { RunConfig } from '../../core/contract.ts';
import type { TimeSeries } from '../../core/types.ts';
import { RunStore, type NewResult } from './store.ts';

export interface StoreBenchFigures {
  saveRun100kPointsMs: number;
  loadRun100kPointsMs: number;
  insert10kRunsMs: number;
  list10kRunsMs: number;
  listFirstPageOf10kMs: number;
  searchIn10kRunsMs: number;
  dbBytes: number;
}

function series(n: number): TimeSeries {
  const s: TimeSeries = { tUs: [], throughputMiBps: [], bounceBytes: [], pinnedBytes: [], iovaBytes: [] };
  for (let i = 0; i < n; i++) {
    s.tUs.push(i * 10);
    s.throughputMiBps.push(1000 + Math.sin(i / 100) * 50);
    s.bounceBytes.push((i % 1024) * 4096);
    s.pinnedBytes.push(64 * 1024 * 1024);
    s.iovaBytes.push((i % 4096) * 4096);
  }
  return s;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void, reps: number): number {
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return Math.round(median(t) * 10) / 10;
}

export async function benchStore(opts: { quick?: boolean } = {}): Promise<StoreBenchFigures> {
  const reps = opts.quick ? 3 : 7;
  const dir = mkdtempSync(join(tmpdir(), 'iommu-lab-bench-'));
  const store = new RunStore(join(dir, 'bench.db'));
  try {
    const profile = builtInProfile('vtd');
    const strategy = parseStrategy('strict');
    const workload = parseWorkload('fio:rw=randread,bs=4k,iodepth=16,number_ios=2000');
    const sim = simulateStrategy(profile, strategy, workload, 1);
    const config: RunConfig = { profile, strategies: [strategy], workload, workloadText: workloadText(workload), seed: 1, replications: 1, seriesPoints: null, engineVersion: ENGINE_VERSION };
    const big: NewResult = { strategy: strategy.text, strategyIndex: 0, replication: 0, seed: 1, wallMs: 1, metrics: sim.metrics, series: series(100_000), latencyHistogram: sim.latencyHistogram };
    let lastId = '';
    const saveRun100kPointsMs = time(() => {
      lastId = store.insertCompleteRun({ config, saved: true }, [big]);
    }, reps);
    const loadRun100kPointsMs = time(() => {
      store.getRun(lastId, { series: true });
    }, reps);

    const small: NewResult = { ...big, series: series(200) };
    const t0 = performance.now();
    store.db.transaction(() => {
      for (let i = 0; i < 10_000; i++) store.insertCompleteRun({ config, saved: true, name: `bench run ${i}`, tags: i % 10 === 0 ? ['tenth'] : [] }, [small]);
    })();
    const insert10kRunsMs = Math.round(performance.now() - t0);
    let n = 0;
    const list10kRunsMs = time(() => {
      n = store.listRuns({ savedOnly: true, limit: 10_000 }).items.length;
    }, reps);
    if (n < 10_000) throw new Error(`bench: listed ${n} runs, expected 10000`);
    const listFirstPageOf10kMs = time(() => {
      store.listRuns({ savedOnly: true, limit: 50 });
    }, reps);
    const searchIn10kRunsMs = time(() => {
      store.listRuns({ savedOnly: true, search: 'run 999', limit: 50 });
    }, reps);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const dbBytes = (store.db.pragma('page_count', { simple: true }) as number) * (store.db.pragma('page_size', { simple: true }) as number);
    return { saveRun100kPointsMs, loadRun100kPointsMs, insert10kRunsMs, list10kRunsMs, listFirstPageOf10kMs, searchIn10kRunsMs, dbBytes };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
