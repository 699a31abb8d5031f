/**
 * Exports, imports and PNG rendering run on the export worker, not on the host's main thread (a
 * 4000x4000 PNG blocked the app and the web server for 7.8 s). Checked structurally: the main
 * thread's Exporter is never called, yet the files come back, and an import lands in the database.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Exporter } from '../../electron/host/export.ts';
import { createHostService } from '../../electron/host/service.ts';
import { SMALL_FIO, tempDir } from '../host/helpers.ts';

const t = tempDir('iommu-lab-offthread-');
afterAll(() => t.cleanup());

describe('exports off the main thread', () => {
  it('PNG, bundle export and import go through the export worker', async () => {
    const spies = (['exportRun', 'exportDiff', 'exportSweep', 'importBundle'] as const).map((m) => vi.spyOn(Exporter.prototype, m));
    const host = createHostService({ dbPath: t.db('a.db'), workers: 1 });
    const other = createHostService({ dbPath: t.db('b.db'), workers: 1 });
    try {
      const { runId } = await host.call('runs:start', { profileId: 'vtd', strategies: ['strict'], workload: SMALL_FIO, saved: true, name: 'bell\u0007name' });
      await host.waitRun(runId);
      const png = await host.call('export:run', { runId, format: 'png', chart: 'throughput', width: 1200, height: 800 });
      expect(Buffer.from(png.data, 'base64').subarray(1, 4).toString()).toBe('PNG');
      const json = await host.call('export:run', { runId, format: 'json' });
      const imported = await other.call('export:import', { bundle: json.data });
      expect(imported.runIds).toEqual([runId]);
      expect((await other.call('runs:get', { runId, series: false })).name).toBe('bell\u0007name');
      for (const s of spies) expect(s).not.toHaveBeenCalled();
    } finally {
      vi.restoreAllMocks();
      await host.close();
      await other.close();
    }
  }, 60_000);
});
