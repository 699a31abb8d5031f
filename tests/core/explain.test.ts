import { describe, expect, it } from 'vitest';
import { explainRows, explainText, NO_BREAKDOWN } from '../../core/explain.ts';
import type { StrategyResult } from '../../core/types.ts';

const table = (h: string[], rows: string[][]) => [h, ...rows].map((r) => r.join(' | ')).join('\n') + '\n';

// The engine fills `explain` (fidelity issue); this is the shape it promises: terms summing to the mean.
const withExplain = {
  strategy: 'strict',
  metrics: { mapUs: { mean: 0.3 }, unmapUs: { mean: 2.6 } },
  explain: { map: { api: 0.15, iovaAlloc: 0.04, pte: 0.11 }, unmap: { api: 0.15, iovaFree: 0.04, pte: 0.03, invalidateCmd: 0.12, syncWait: 2.26 } },
} as unknown as StrategyResult;

describe('run --explain', () => {
  it('lists the non-zero cost terms of the mean map and unmap call and a total equal to the means', () => {
    const { rows, total } = explainRows(withExplain.explain!);
    expect(rows.map((r) => r.term)).toEqual(['api', 'iovaAlloc', 'iovaFree', 'pte', 'invalidateCmd', 'syncWait']);
    expect(total.mapUs).toBeCloseTo(withExplain.metrics.mapUs.mean, 9);
    expect(total.unmapUs).toBeCloseTo(withExplain.metrics.unmapUs.mean, 9);
    const text = explainText([withExplain], table);
    expect(text).toContain('sync (completion) wait | 0.000 | 2.260');
    expect(text).toContain('total (= mapUs.mean / unmapUs.mean) | 0.300 | 2.600');
  });

  it('says so when the engine books no breakdown', () => {
    const { explain: _e, ...bare } = withExplain;
    expect(explainText([bare as StrategyResult], table)).toBe(`strict: ${NO_BREAKDOWN}\n`);
  });
});
