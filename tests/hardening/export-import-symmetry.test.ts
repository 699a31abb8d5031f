/**
 * Whatever can be exported can be imported: a run at the contract's maximum (4 strategies x 20
 * replications, 100k series points asked per result) used to export as a 343 MiB bundle that
 * import refused (256 MiB). Stored series are bounded per run, so the bundle fits and imports back.
 */
import { describe, expect, it } from 'vitest';
import { MAX_BUNDLE_CHARS, MAX_SERIES_POINTS } from '../../core/contract.ts';
import { MAX_RUN_SERIES_POINTS } from '../../core/budget.ts';
import { parseStrategy } from '../../core/index.ts';
import { Exporter } from '../../electron/host/export.ts';
import { RunStore } from '../../electron/host/store.ts';
import { sampleRun, series, tempDir } from '../host/helpers.ts';

describe('export/import symmetry at the contract maximum', () => {
  it('a 4 x 20 run asked for 100k points per result exports under the import limit and imports back', async () => {
    const t = tempDir('iommu-lab-sym-');
    try {
      const { config, result } = sampleRun();
      const strategies = ['strict', 'lazy', 'swiotlb', 'passthrough'].map((s) => parseStrategy(s));
      const store = new RunStore(t.db('a.db'));
      const runId = store.createRun({ config: { ...config, strategies, replications: 20, seriesPoints: MAX_SERIES_POINTS }, saved: true });
      const big = series(MAX_SERIES_POINTS);
      for (let rep = 0; rep < 20; rep++) {
        strategies.forEach((s, i) => store.addResult(runId, { ...result, strategy: s.text, strategyIndex: i, replication: rep, seed: rep, series: big }));
      }
      store.finishRun(runId, 'done');
      const detail = store.getRun(runId, { series: true });
      const stored = detail.results.reduce((a, r) => a + r.series.tUs.length, 0);
      expect(stored).toBeLessThanOrEqual(MAX_RUN_SERIES_POINTS);
      const file = await new Exporter(store).exportRun({ runId, format: 'json', table: 'summary', chart: 'throughput', width: 900, height: 500 });
      expect(file.data.length).toBeLessThanOrEqual(MAX_BUNDLE_CHARS);
      store.close();
      const other = new RunStore(t.db('b.db'));
      const r = new Exporter(other).importBundle(file.data);
      expect(r.runIds).toEqual([runId]);
      expect(other.getRun(runId, { series: false }).results).toHaveLength(80);
      other.close();
    } finally {
      t.cleanup();
    }
  });
});
