/**
 * What `run` prints around its table for the user's artifacts: what was understood of a fio job
 * file or command line, a trace's own facts, per-job fio results, and dma_map_benchmark runs as
 * the tool shows them. Imports only downward (core/ and the table formatter).
 */
import type { ExperimentResult } from '../../core/index.ts';
import { JOB_RESULT_HEADER, jobResultRows, understoodLines } from '../../core/fio/describe.ts';
import { table } from './format.ts';
import type { WorkloadInput } from './inputs.ts';

/** dma_map_benchmark's figures as the tool prints them: map/unmap µs ± standard deviation. */
export function dmaBenchTable(result: ExperimentResult): string {
  const f = (x: number) => x.toFixed(2);
  return table(
    ['strategy', 'map us', '± sd', 'unmap us', '± sd', 'map p99 us', 'unmap p99 us', 'maps', 'fail'],
    result.results.map(({ strategy, metrics: m }) => [
      strategy, f(m.mapUs.mean), f(m.mapUs.stddev), f(m.unmapUs.mean), f(m.unmapUs.stddev), f(m.mapUs.p99), f(m.unmapUs.p99), String(m.mapCalls), String(m.failures),
    ]),
  );
}

export function inputsRunReport(input: WorkloadInput, result: ExperimentResult): { before: string; table: string | null; after: string } {
  let before = '';
  let after = '';
  if (input.understood) before += understoodLines(input.understood).join('\n') + '\n\n';
  if (input.facts) before += input.facts.join('\n') + '\n\n';
  const w = result.workload;
  if (w.kind === 'fio' && w.jobs) {
    for (const r of result.results) {
      if (!r.jobs) continue;
      after += `\n${r.strategy}: per job and per group, as fio reports them\n${table(JOB_RESULT_HEADER, jobResultRows(r.jobs))}`;
    }
  }
  return { before, table: w.kind === 'dmabench' ? dmaBenchTable(result) : null, after };
}
