import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../cli-harness.ts';
import { tempDir } from './helpers.ts';

const t = tempDir();
afterAll(() => t.cleanup());

const BOARD = join(process.cwd(), 'examples/calibration/example-board.txt');

describe('iommu-lab calibrate', () => {
  it('fits, writes an ordinary profile file that run --profile uses, stores it with its rows, and validate --profile lists them', async () => {
    const out = join(t.dir, 'fitted.json');
    const db = t.db();
    const r = await cli('calibrate', '--base', 'smmuv3', '--measurements', BOARD, '--out', out, '--json', '--db', db, '--save-as', 'my-board');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    // Exactly the shape: { profile, fitted: [{ path, before, after, low, high }], undetermined: [path], rows: [...] }.
    expect(Object.keys(j)).toEqual(['profile', 'fitted', 'undetermined', 'rows']);
    expect(j.rows).toHaveLength(4);
    for (const row of j.rows) expect(Object.keys(row)).toEqual(['workload', 'strategy', 'metric', 'measured', 'before', 'after', 'relError']);
    for (const f of j.fitted) expect(Object.keys(f)).toEqual(['path', 'before', 'after', 'low', 'high']);
    for (const f of j.fitted) expect(f.low <= f.after && f.after <= f.high).toBe(true);
    expect(j.undetermined.every((p: unknown) => typeof p === 'string')).toBe(true);
    expect(j.profile.id).toBe('my-board');
    expect(JSON.parse(readFileSync(out, 'utf8')).id).toBe('my-board');

    const run = await cli('run', '--profile', out, '--strategy', 'strict', '--workload', 'dmabench:threads=1,granule=64', '--json');
    expect(run.code, run.err).toBe(0);

    const v = await cli('validate', '--profile', 'my-board', '--db', db, '--json');
    const rows = JSON.parse(v.out).experiments as Array<{ id: string; basis?: string }>;
    const mine = rows.filter((x) => x.id.startsWith('my-board:'));
    expect(mine).toHaveLength(4);
    expect(mine.every((x) => x.basis === 'calibration')).toBe(true);
    expect(rows.length).toBeGreaterThan(mine.length);
  }, 300_000);

  it('refuses a bad measurement file with exit 2 naming file:line and what was expected', async () => {
    const bad = join(t.dir, 'bad.txt');
    writeFileSync(bad, '# strategy: strict\ndma mapping benchmark: threads:1 seconds:20 node:-1 dir:BIDIRECTIONAL granule: 1\naverage map latency(us):zero standard deviation:0.1\n');
    const r = await cli('calibrate', '--base', 'smmuv3', '--measurements', bad);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}:3`);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('--plan prints a dma_map_benchmark script for the base profile', async () => {
    const r = await cli('calibrate', '--plan', '--base', 'vtd');
    expect(r.code, r.err).toBe(0);
    expect(r.out.startsWith('#!/bin/sh')).toBe(true);
    expect(r.out).toMatch(/\$BENCH -t 1 -s \d+ -g 1 /);
  });

  it('sweep --vary takes profile fields, validated as profile files', async () => {
    const ok = await cli('sweep', '--profile', 'smmuv3', '--strategy', 'strict', '--workload', 'dmabench:granule=1', '--vary', 'iommu.invalidation.syncNs=500,2000', '--metric', 'unmapUs.mean', '--json', '--db', t.db('sweep.db'));
    expect(ok.code, ok.err).toBe(0);
    const j = JSON.parse(ok.out);
    const text = JSON.stringify(j);
    expect(text).toContain('iommu.invalidation.syncNs');
    const neg = await cli('sweep', '--profile', 'smmuv3', '--strategy', 'strict', '--workload', 'dmabench:granule=1', '--vary', 'iommu.invalidation.syncNs=-5', '--db', t.db('sweep.db'));
    expect(neg.code).toBe(2);
    expect(neg.err).toMatch(/vary iommu\.invalidation\.syncNs.*-5.*iommu\.invalidation\.syncNs/);
    const typo = await cli('sweep', '--profile', 'smmuv3', '--strategy', 'strict', '--workload', 'dmabench:granule=1', '--vary', 'iommu.invalidation.synNs=5', '--db', t.db('sweep.db'));
    expect(typo.code).toBe(2);
    expect(typo.err).toContain('syncNs');
  }, 120_000);
});
