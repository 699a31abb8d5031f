/**
 * Golden output: every built-in profile x every strategy x each workload kind, hashed from the full
 * JSON result (metrics, series, latency histogram). Engine optimisations must keep every hash;
 * a change that alters simulated figures on purpose regenerates the file deliberately:
 *
 *   UPDATE_GOLDEN=1 npx vitest run tests/core/golden.test.ts
 *
 * (and bumps ENGINE_VERSION in core/engine/run.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_PROFILES, parseStrategyList, parseWorkload, runExperiment, type Workload } from '../../core/index.ts';

const GOLDEN = fileURLToPath(new URL('./golden.json', import.meta.url));

/** Small but covering: one CPU and several, fixed and split sizes, reads and writes, sg, guest accel. */
function workloads(): Array<[string, Workload]> {
  const short = (text: string, seconds: number): Workload => {
    const w = parseWorkload(text);
    // dma_map_benchmark's -s is whole seconds; a fraction keeps the golden run small.
    if (w.kind === 'dmabench') w.seconds = seconds;
    return w;
  };
  return [
    ['fio-randread-4k-qd64', parseWorkload('fio:rw=randread,bs=4k,iodepth=64,number_ios=2000')],
    ['fio-randrw-bssplit-3jobs', parseWorkload('fio:rw=randrw,bssplit=4k/50:64k/30:256k/20,iodepth=8,numjobs=3,number_ios=300')],
    ['dmabench-1t-sg8', short('dmabench:threads=1,granule=8,sg=1,dir=0,delay_ns=5000', 0.01)],
    ['dmabench-3t-g1', short('dmabench:threads=3,granule=1,dir=2,delay_ns=2000', 0.004)],
    ['accel-guest-256k', parseWorkload('accel:msg_len=256k,times=40,buffers=4,env=guest')],
  ];
}

function sha(x: unknown): string {
  return createHash('sha256').update(JSON.stringify(x)).digest('hex').slice(0, 32);
}

function compute(): Record<string, string> {
  const out: Record<string, string> = {};
  const strategies = parseStrategyList('all');
  for (const profile of BUILT_IN_PROFILES) {
    for (const [wname, workload] of workloads()) {
      let results: Array<{ strategy: string; hash: string }>;
      try {
        results = runExperiment({ profile, strategies, workload, seed: 7 }).results.map((r) => ({ strategy: r.strategy, hash: sha(r) }));
      } catch (e) {
        results = strategies.map((s) => ({ strategy: s.text, hash: `error ${(e as Error).name}: ${(e as Error).message}` }));
      }
      for (const r of results) out[`${profile.id} ${r.strategy} ${wname}`] = r.hash;
    }
  }
  return out;
}

describe('golden output', () => {
  it('every profile x strategy x workload kind gives the committed result, byte for byte', () => {
    const now = compute();
    expect(Object.keys(now).length).toBe(BUILT_IN_PROFILES.length * parseStrategyList('all').length * workloads().length);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(GOLDEN)) {
      writeFileSync(GOLDEN, JSON.stringify(now, null, 1) + '\n');
      if (process.env.UPDATE_GOLDEN !== '1') throw new Error(`${GOLDEN} was missing: written now, commit it`);
    }
    const want = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, string>;
    const changed = Object.keys({ ...want, ...now }).filter((k) => want[k] !== now[k]);
    expect(changed, `cases whose full JSON result changed (UPDATE_GOLDEN=1 regenerates on purpose)`).toEqual([]);
  });
});
