import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FioCompareResult, RunDetail } from '../../core/contract.ts';
import { createHostService } from '../../electron/host/service.ts';
import { tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const JSON_TEXT = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'fio-json', 'libaio-two-jobs.json'), 'utf8');

describe('fio:compare (the app opening a fio JSON result)', () => {
  it('simulates the jobs on the worker pool, compares per job, and with save stores a measured and a simulated run with per-job results', async () => {
    const host = createHostService({ dbPath: tmp.db(), workers: 1 });
    try {
      const r = await host.dispatch('fio:compare', { fioJson: JSON_TEXT, profileId: 'vtd', strategy: 'strict', save: true });
      expect(r.ok).toBe(true);
      const c = (r as { result: FioCompareResult }).result;
      expect(c.strategy).toBe('strict');
      expect(c.rows.filter((x) => x.job === 'randwrite').map((x) => x.metric)).toContain('IOPS');
      expect(c.understood[0]).toBe('fio JSON: 2 jobs in 1 group');
      const m = await host.dispatch('runs:get', { runId: c.measuredRunId!, series: false });
      const s = await host.dispatch('runs:get', { runId: c.simulatedRunId!, series: false });
      const md = (m as { result: RunDetail }).result;
      const sd = (s as { result: RunDetail }).result;
      expect(md.kind).toBe('measured');
      expect(md.results[0].jobs?.map((j) => j.name)).toEqual(['seqread', 'randwrite']);
      expect(sd.results[0].jobs?.map((j) => j.name)).toEqual(['seqread', 'randwrite', 'group 0']);
      const bad = await host.dispatch('fio:compare', { fioJson: '{"jobs": 1}', profileId: 'vtd' });
      expect(bad.ok).toBe(false);
    } finally {
      await host.close();
    }
  });
});
