/**
 * The user's artifacts as --workload: fio job files (with includes), fio command lines, and
 * kernel DMA/IOMMU traces. Files are read through readUserFile only.
 */
import { dirname, isAbsolute, join } from 'node:path';
import { parseTrace, traceFactLines } from '../../core/trace.ts';
import {
  InputError, parseFioCommandLine, parseFioJobText, parseWorkload,
  type FioParsed, type FioUnderstanding, type Workload,
} from '../../core/index.ts';
import { readUserFile } from '../host/userfile.ts';

export interface WorkloadInput {
  workload: Workload;
  /** For traces: what the trace shows, one fact a line. */
  facts?: string[];
  /** For fio inputs: the jobs, groups and options as understood. */
  understood?: FioUnderstanding;
}

function includeReader(fromFile: string) {
  return (name: string, from: string): string => {
    const base = from && from !== '' ? from : fromFile;
    const path = isAbsolute(name) ? name : join(dirname(base), name);
    return readUserFile(path, `fio include ${name}`);
  };
}

function checked(r: FioParsed, what: string): WorkloadInput {
  if (!r.workload) throw new InputError(what, r.understood.jobs.map((j) => `[${j.name}]`).join(' '), `a job that does block IO (${r.refusal})`);
  // parseWorkload of the canonical text applies the same checks as the short form (size >= bs).
  return { workload: r.workload, understood: r.understood };
}

export function loadFioJobFile(path: string): WorkloadInput {
  const text = readUserFile(path, '--workload');
  const r = parseFioJobText(text, { env: process.env, fileName: path, readInclude: includeReader(path) });
  return checked(r, `fio job file ${path}`);
}

/** `--workload` as the CLI takes it. */
export function loadWorkloadInput(ref: string, isFile: (p: string) => boolean): WorkloadInput {
  const commandLine = /^fio\s/.test(ref) || /^fio:\s*(fio\s|--)/.test(ref);
  if (!commandLine && (ref.endsWith('.fio') || (!/^(fio|dmabench|dma_map_benchmark|accel|trace)(:|\s|$)/.test(ref) && isFile(ref)))) return loadFioJobFile(ref);
  if (commandLine) {
    const r = parseFioCommandLine(ref.replace(/^fio:\s*/, ''), { env: process.env, readInclude: includeReader(join(process.cwd(), 'x')) });
    return checked(r, 'fio command line');
  }
  const trace = /^trace:(.+?)(?::dev=(.+))?$/.exec(ref);
  if (trace && !ref.startsWith('trace:v1 ')) return loadTrace(trace[1], trace[2] ?? null);
  const workload = parseWorkload(ref);
  return { workload };
}

/** `trace:FILE[:dev=NAME]`: a `trace-cmd report` or /sys/kernel/tracing/trace text capture. */
export function loadTrace(path: string, device: string | null): WorkloadInput {
  const text = readUserFile(path, 'trace');
  const workload = parseTrace(text, { source: path.split('/').pop() ?? path, device });
  return { workload, facts: traceFactLines(workload) };
}
