/**
 * One regression test per defect of the hardening issue that the fuzz suite does not pin down by
 * name: bounded reads of size-0 files, the work budget over the contract, fair scheduling, nested
 * metrics, profile ranges that are the engine's, control characters in names.
 */
import { describe, expect, it } from 'vitest';
import { builtInProfile, parseStrategy, parseWorkload, validateProfile } from '../../core/index.ts';
import { estimateWork, MAX_WORK_UNITS } from '../../core/budget.ts';
import { escapeForTerminal } from '../../core/sanitize.ts';
import { parseBundle } from '../../electron/host/bundle.ts';
import { WorkerPool } from '../../electron/host/pool.ts';
import { readUserText } from '../../electron/host/read-input.ts';
import { createHostService } from '../../electron/host/service.ts';
import { cli } from '../cli-harness.ts';
import { sampleRun, tempDir } from '../host/helpers.ts';

describe('bounded reads', () => {
  it('a file whose stat size is 0 (/proc) is read only up to the limit', () => {
    expect(() => readUserText('/proc/self/status', { what: '--profile', maxBytes: 64 })).toThrow(/at most 64 bytes \(reading stopped there\)/);
    expect(readUserText('/proc/self/status', { what: '--profile', maxBytes: 1 << 20 })).toMatch(/^Name:/);
  });
  it('devices and directories are refused before reading', () => {
    expect(() => readUserText('/dev/zero', { what: 'import' })).toThrow(/not a character device/);
    expect(() => readUserText('/', { what: 'import' })).toThrow(/not a directory/);
  });
});

describe('work budget', () => {
  it('estimates the reported runs of days far over the limit, and ordinary runs under it', () => {
    for (const w of ['fio:size=999999g', 'fio:number_ios=10000000000', 'dmabench:seconds=300,threads=1024', 'accel:msg_len=1g,times=10000000']) {
      expect(estimateWork(parseWorkload(w), 1, 1).total, w).toBeGreaterThan(MAX_WORK_UNITS);
    }
    for (const w of ['fio:rw=randread,bs=4k', 'dmabench:threads=1,seconds=1', 'accel:msg_len=1m,times=1000']) {
      expect(estimateWork(parseWorkload(w), 9, 5).total, w).toBeLessThan(MAX_WORK_UNITS);
    }
  });

  it('runs:start refuses over the budget with a 400-class error naming force, and writes nothing', async () => {
    const t = tempDir();
    const host = createHostService({ dbPath: t.db(), workers: 1 });
    try {
      const r = await host.dispatch('runs:start', { profileId: 'vtd', strategies: ['strict'], workload: 'dmabench:seconds=300,threads=1024' });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('invalid');
        expect(r.error.message).toMatch(/over the limit .* force: true/);
      }
      expect(host.store.listRuns({ savedOnly: false }).total).toBe(0);
      const s = await host.dispatch('sweeps:start', { profileIds: ['vtd'], strategies: ['strict'], workload: 'fio:number_ios=1000000000', vary: [{ key: 'bs', values: ['4k', '8k', '16k', '32k'] }] });
      expect(s.ok).toBe(false);
    } finally {
      await host.close();
      t.cleanup();
    }
  });
});

describe('fair scheduling', () => {
  it('a later small job runs before a big job\'s queue drains', async () => {
    const pool = new WorkerPool({ size: 2 });
    const profile = builtInProfile('vtd');
    const strategy = parseStrategy('strict');
    const order: string[] = [];
    try {
      const big = Array.from({ length: 8 }, (_, i) => pool.submit({ profile, strategy, workload: parseWorkload('fio:number_ios=60000'), seed: i }, undefined, { job: 'big' })
        .promise.then(() => order.push(`big${i}`)));
      const small = pool.submit({ profile, strategy, workload: parseWorkload('fio:number_ios=100'), seed: 1 }, undefined, { job: 'small' }).promise.then(() => order.push('small'));
      await Promise.all([...big, small]);
      // FIFO would finish it last (9th); fair scheduling gives it the first free worker.
      expect(order.indexOf('small')).toBeLessThan(4);
    } finally {
      await pool.close();
    }
  }, 60_000);
});

describe('schemas', () => {
  it('deeply nested metrics are refused as invalid (they used to fail at insert with a 500)', () => {
    const { config, result } = sampleRun();
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = { a: deep };
    const bundle = {
      format: 'iommu-lab-bundle', version: 1, kind: 'run', exportedAt: 1, engineVersion: 'x', profiles: [], sweeps: [],
      runs: [{ id: 'abc123', name: '', tags: [], notes: '', saved: true, status: 'done', createdAt: 1, finishedAt: 2, wallMs: 1, error: null,
        config, sweepId: null, sweepIndex: null, sweepPoint: null, results: [{ ...result, metrics: { ...result.metrics, extra: deep } }] }],
    };
    expect(() => parseBundle(JSON.stringify(bundle))).toThrow(/bundle: runs\.0\.results\.0\.metrics/);
  });

  it('profile ranges are the engine\'s: no denormal bandwidth, no "power of two" above 2^30 slipping through', () => {
    const p = builtInProfile('vtd');
    expect(validateProfile({ ...p, device: { ...p.device, bandwidthBytesPerSec: 5e-324 } }).ok).toBe(false);
    expect(validateProfile({ ...p, iommu: { ...p.iommu, leafTableSpanBytes: 3 * 2 ** 31 } }).ok).toBe(false);
    expect(validateProfile({ ...p, iommu: { ...p.iommu, blockSizesBytes: [2 ** 31 + 2 ** 30] } }).ok).toBe(false);
    expect(validateProfile({ ...p, iommu: { ...p.iommu, leafTableSpanBytes: 2 ** 32 } }).ok).toBe(true);
  });
});

describe('control characters', () => {
  it('are escaped on the terminal, in names given on the command line and read back', async () => {
    const t = tempDir();
    try {
      const name = 'x\u001b[2J\u0007\u202ey';
      const r = await cli('run', '--profile', 'vtd', '--strategy', 'strict', '--workload', 'fio:number_ios=200', '--save', '--name', name, '--db', t.db());
      expect(r.code, r.err).toBe(0);
      const show = await cli('runs', 'show', r.out.trim(), '--db', t.db());
      expect(show.out).toContain(escapeForTerminal(name));
      expect(show.out).not.toMatch(/[\u0007\u001b\u202e]/);
      const json = await cli('runs', 'show', r.out.trim(), '--json', '--db', t.db());
      expect(JSON.parse(json.out).name).toBe(name);
      const svg = await cli('export', r.out.trim(), '--format', 'svg', '--out', '-', '--db', t.db());
      expect(svg.out).toContain('<svg');
      expect(svg.out).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    } finally {
      t.cleanup();
    }
  });
});

describe('bounded reads without blocking (the app\'s Open)', () => {
  it('refuses devices, stops at the limit for size-0 files, reads ordinary files', async () => {
    const { readUserTextAsync } = await import('../../electron/host/read-input.ts');
    await expect(readUserTextAsync('/dev/zero', { what: 'open' })).rejects.toThrow(/not a character device/);
    await expect(readUserTextAsync('/proc/self/status', { what: 'open', maxBytes: 64 })).rejects.toThrow(/reading stopped there/);
    await expect(readUserTextAsync('/proc/self/status', { what: 'open' })).resolves.toMatch(/^Name:/);
  });
});
