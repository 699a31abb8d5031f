import { COST_TERMS, type CallBreakdown, type CostTerm, type StrategyResult } from './types.ts';

/** What each cost term of a DMA-API call is, for tables and tooltips. */
export const COST_TERM_LABELS: Record<CostTerm, string> = {
  api: 'API and driver call', iovaAlloc: 'IOVA allocation', iovaFree: 'IOVA free', pte: 'PTE writes / clears',
  tableAlloc: 'page-table allocation', cacheMaint: 'cache maintenance', invalidateCmd: 'invalidation commands',
  syncWait: 'sync (completion) wait', lockWait: 'lock / queue wait', trap: 'VM trap', hostWork: 'host (VMM) work',
  copy: 'bounce copy', slot: 'bounce slot bookkeeping', pageAlloc: 'page allocation', fault: 'I/O page faults', other: 'other',
};

export interface ExplainRow {
  term: CostTerm;
  label: string;
  mapUs: number;
  unmapUs: number;
}

/** The non-zero terms of a breakdown in COST_TERMS order, plus the total row the terms sum to. */
export function explainRows(b: CallBreakdown): { rows: ExplainRow[]; total: { mapUs: number; unmapUs: number } } {
  const rows = COST_TERMS.map((term) => ({ term, label: COST_TERM_LABELS[term], mapUs: b.map[term] ?? 0, unmapUs: b.unmap[term] ?? 0 }))
    .filter((r) => r.mapUs !== 0 || r.unmapUs !== 0);
  const total = rows.reduce((a, r) => ({ mapUs: a.mapUs + r.mapUs, unmapUs: a.unmapUs + r.unmapUs }), { mapUs: 0, unmapUs: 0 });
  return { rows, total };
}

export const NO_BREAKDOWN = 'no cost-term breakdown in this engine version';

/** Plain-text breakdown of every strategy's mean map and unmap call (run --explain). */
export function explainText(results: StrategyResult[], table: (header: string[], rows: string[][]) => string): string {
  const f = (x: number) => x.toFixed(3);
  return results.map((r) => {
    if (!r.explain) return `${r.strategy}: ${NO_BREAKDOWN}\n`;
    const { rows, total } = explainRows(r.explain);
    return `${r.strategy} (mean µs per call)\n` + table(['cost term', 'map µs', 'unmap µs'], [
      ...rows.map((x) => [x.label, f(x.mapUs), f(x.unmapUs)]),
      ['total (= mapUs.mean / unmapUs.mean)', f(total.mapUs), f(total.unmapUs)],
    ]);
  }).join('\n');
}
