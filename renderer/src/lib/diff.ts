/** Pure helpers of the Diff view. Unit-tested. */
import type { DiffRow, MetricDef, RunResult } from '../../../core/contract.ts';
import { formatBytes } from '../../../core/units.ts';

/** good / bad / same for colouring a delta, from the metric's direction and significance. */
export function deltaClass(row: Pick<DiffRow, 'deltaPct' | 'significant'>, better: MetricDef['better']): 'delta-good' | 'delta-bad' | 'delta-same' {
  if (!row.significant || row.deltaPct === null || row.deltaPct === 0 || better === null) return 'delta-same';
  const up = row.deltaPct > 0;
  return (better === 'higher') === up ? 'delta-good' : 'delta-bad';
}

/** "+12.3% [+10.1, +14.2]" style confidence interval text. */
export function ciText(ci: [number, number] | null): string {
  if (!ci) return '';
  const f = (v: number) => `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v).toFixed(Math.abs(v) < 10 ? 1 : 0)}%`;
  return `[${f(ci[0])}, ${f(ci[1])}]`;
}

export function pText(p: number | null): string {
  if (p === null) return '';
  if (p < 0.001) return 'p<0.001';
  return `p=${p.toFixed(3)}`;
}

/**
 * A value shown in the config-changes table; a byte count (a path ending in `Bytes`, e.g.
 * `workload.bsBytes`) also in the notation engineers type (`16384 (16k)`).
 */
export function configValue(v: unknown, path = ''): string {
  if (v === undefined) return '(absent)';
  if (typeof v === 'number' && /Bytes$/.test(path) && Number.isInteger(v) && v >= 1024) {
    const h = formatBytes(v);
    return h === String(v) ? h : `${v} (${h})`;
  }
  if (v === null) return 'null';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** Results of two runs relabelled `A strict` / `B strict` for overlaid charts. */
export function overlayResults(a: RunResult[], b: RunResult[]): RunResult[] {
  const maxA = a.reduce((m, r) => Math.max(m, r.strategyIndex), -1) + 1;
  return [
    ...a.map((r) => ({ ...r, strategy: `A ${r.strategy}` })),
    ...b.map((r) => ({ ...r, strategy: `B ${r.strategy}`, strategyIndex: r.strategyIndex + maxA })),
  ];
}
