import type { FioJobResult } from '../types.ts';
import type { FioUnderstanding } from './jobfile.ts';

/** What the simulator understood of a fio input, one fact a line (CLI and app show the same lines). */
export function understoodLines(u: FioUnderstanding): string[] {
  const out: string[] = [];
  const groups = new Set(u.jobs.filter((j) => !j.skipped).map((j) => j.group)).size;
  const running = u.jobs.filter((j) => !j.skipped);
  out.push(`${u.source}: ${running.length} job${running.length === 1 ? '' : 's'} in ${groups} group${groups === 1 ? '' : 's'}${u.groupReporting ? ' (group_reporting)' : ''}${u.jobs.length > running.length ? `, ${u.jobs.length - running.length} skipped` : ''}`);
  for (const j of u.jobs) {
    out.push(`  [${j.name}] group ${j.group}${j.stonewall ? ' (stonewall: waits for earlier jobs)' : ''}${j.numjobs > 1 ? `, numjobs=${j.numjobs}` : ''}${j.skipped ? ` skipped: ${j.skipped}` : ''}`);
    if (j.skipped) continue;
    if (j.modelled.length) out.push(`    modelled: ${j.modelled.map((o) => (o.value === '' ? o.name : `${o.name}=${o.value}`)).join(' ')}`);
    if (j.notModelled.length) out.push(`    not modelled (no effect on DMA mapping): ${j.notModelled.map((o) => (o.value === '' ? o.name : `${o.name}=${o.value}`)).join(' ')}`);
    for (const n of j.notes) out.push(`    note: ${n}`);
  }
  for (const n of u.notes) out.push(`  note: ${n}`);
  return out;
}

const f1 = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

/** fio's per-job and per-group lines, as a table: the jobs of a group, then the group. */
export function jobResultRows(jobs: FioJobResult[]): string[][] {
  return jobs.map((j) => [
    j.name.startsWith('group ') ? `${j.name} (all jobs)` : `  ${j.name}`, String(j.group), f1(j.throughputMiBps), f1(j.iops), f1(j.clatUs.p50), f1(j.clatUs.p99),
    f1(j.clatUs.p999), `${f1(j.cpuFraction * 100)}%`, f1(j.runtimeUs / 1000),
  ]);
}

export const JOB_RESULT_HEADER = ['job', 'group', 'MiB/s', 'IOPS', 'clat p50 us', 'clat p99 us', 'clat p99.9 us', 'sys CPU', 'runtime ms'];
