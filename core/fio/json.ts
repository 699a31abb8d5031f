/**
 * fio's `--output-format=json` result (stat.c show_thread_status_json): per job (or per group
 * with group_reporting) the "job options", read/write/trim bandwidth, IOPS, clat percentiles
 * in ns, and usr/sys CPU in percent; the file's "global options" apply under every job.
 */
import { InputError } from '../errors.ts';
import type { FioJobResult, Percentiles } from '../types.ts';
import { fioSectionsFromJson, type FioParsed } from './jobfile.ts';

export interface FioMeasuredJob {
  name: string;
  groupid: number;
  options: Record<string, string>;
  ioBytes: number;
  readBytes: number;
  writeBytes: number;
  bandwidthBytesPerSec: number;
  iops: number;
  /** Completion latency of the direction with the most IOs (both when mixed), µs. */
  clatUs: Percentiles;
  clatDirection: 'read' | 'write' | 'read+write';
  usrCpuPercent: number;
  sysCpuPercent: number;
  runtimeMs: number;
  error: number;
}

export interface FioMeasured {
  fioVersion: string;
  timestamp: number;
  globalOptions: Record<string, string>;
  jobs: FioMeasuredJob[];
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : 0);
const strMap = (v: unknown): Record<string, string> => Object.fromEntries(Object.entries(obj(v)).map(([k, x]) => [k, String(x)]));

function pct(clat: Json, p: string): number {
  const table = obj(clat.percentile);
  const key = Object.keys(table).find((k) => Math.abs(Number(k) - Number(p)) < 1e-6);
  return key ? num(table[key]) / 1000 : 0;
}

function clatOf(dir: Json): Percentiles {
  const c = obj(dir.clat_ns);
  return { mean: num(c.mean) / 1000, p50: pct(c, '50'), p90: pct(c, '90'), p99: pct(c, '99'), p999: pct(c, '99.9'), max: num(c.max) / 1000 };
}

/** fio's JSON result: `{` then its first key, "fio version". */
const FIO_JSON_START = /^\{\s*"fio version"\s*:/;
/** The same at the start of any line: inside fio's other output (--output-format=normal,json). */
const FIO_JSON_LINE = new RegExp(FIO_JSON_START.source, 'm');

/** Whether `text` holds a fio JSON result (alone or inside fio's other output), for sniffing pasted or opened files. */
export function looksLikeFioJson(text: string): boolean {
  return FIO_JSON_LINE.test(text.slice(0, 200000));
}

/**
 * The JSON object in what fio wrote: alone (`--output-format=json` or `json+`), after warnings,
 * or between the normal report's header and its per-job text (`--output-format=normal,json`, in
 * whichever order the formats were given). The object starts on a line of its own with `{`; its
 * end is found by matching braces outside strings. Null when there is none.
 */
export function fioJsonObjectText(text: string): string | null {
  const re = /^\{/gm;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const start = m.index;
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (c === 0x5c) i++;
        else if (c === 0x22) inString = false;
      } else if (c === 0x22) inString = true;
      else if (c === 0x7b) depth++;
      else if (c === 0x7d && --depth === 0) {
        const body = text.slice(start, i + 1);
        if (FIO_JSON_START.test(body)) return body;
        break;
      }
    }
  }
  return null;
}

/** Reads fio's JSON result from what fio wrote (see fioJsonObjectText). */
export function parseFioJson(text: string, what = 'fio JSON'): FioMeasured {
  const body = fioJsonObjectText(text);
  let doc: Json;
  try {
    doc = obj(JSON.parse(body ?? text));
  } catch {
    throw new InputError(what, text.slice(0, 40), 'the output of fio --output-format=json');
  }
  if (!Array.isArray(doc.jobs) || typeof doc['fio version'] !== 'string') throw new InputError(what, Object.keys(doc).slice(0, 4).join(','), 'the output of fio --output-format=json (with "fio version" and "jobs")');
  const jobs = (doc.jobs as unknown[]).map((raw, i): FioMeasuredJob => {
    const j = obj(raw);
    const rd = obj(j.read);
    const wr = obj(j.write);
    const rIos = num(rd.total_ios);
    const wIos = num(wr.total_ios);
    const clat = rIos > 0 && wIos > 0 ? mergeClat(rd, wr, rIos, wIos) : clatOf(wIos > rIos ? wr : rd);
    return {
      name: typeof j.jobname === 'string' && j.jobname ? j.jobname : `job${i}`,
      groupid: num(j.groupid),
      options: strMap(j['job options']),
      ioBytes: num(rd.io_bytes) + num(wr.io_bytes),
      readBytes: num(rd.io_bytes),
      writeBytes: num(wr.io_bytes),
      bandwidthBytesPerSec: num(rd.bw_bytes) + num(wr.bw_bytes),
      iops: num(rd.iops) + num(wr.iops),
      clatUs: clat,
      clatDirection: rIos > 0 && wIos > 0 ? 'read+write' : wIos > rIos ? 'write' : 'read',
      usrCpuPercent: num(j.usr_cpu),
      sysCpuPercent: num(j.sys_cpu),
      runtimeMs: num(j.job_runtime) || Math.max(num(rd.runtime), num(wr.runtime)),
      error: num(j.error),
    };
  });
  if (jobs.length === 0) throw new InputError(what, 'jobs: []', 'a fio result with at least one job');
  return { fioVersion: doc['fio version'] as string, timestamp: num(doc.timestamp), globalOptions: strMap(doc['global options']), jobs };
}

/** Read and write percentiles weighted by IO count (an approximation: fio keeps no merged table). */
function mergeClat(rd: Json, wr: Json, rn: number, wn: number): Percentiles {
  const a = clatOf(rd);
  const b = clatOf(wr);
  const w = (x: number, y: number) => (x * rn + y * wn) / (rn + wn);
  return { mean: w(a.mean, b.mean), p50: w(a.p50, b.p50), p90: w(a.p90, b.p90), p99: w(a.p99, b.p99), p999: w(a.p999, b.p999), max: Math.max(a.max, b.max) };
}

/**
 * The jobs of a fio result as a workload, always in per-job form so each job is compared. fio's JSON does not echo `stonewall` or `new_group`
 * (flags without a value are left out of "job options"), only each job's groupid: a job whose
 * groupid differs from the previous job's is read as starting after the earlier jobs finished
 * (stonewall, the usual reason for a new group). A new_group without stonewall, whose jobs ran
 * at the same time and were only reported apart, cannot be told from it.
 */
export function fioJsonWorkload(m: FioMeasured): FioParsed {
  return fioSectionsFromJson(m.globalOptions, m.jobs.map((j, i) => {
    const prev = i > 0 ? m.jobs[i - 1].groupid : j.groupid;
    const said = ['stonewall', 'wait_for_previous', 'new_group'].some((k) => k in j.options);
    const implied = j.groupid !== prev && !said ? [{ name: 'stonewall', value: '1', where: `groupid ${j.groupid} after ${prev} (fio's JSON does not echo stonewall)` }] : [];
    return { name: j.name, options: j.options, implied };
  }), true);
}

export interface CompareRow {
  job: string;
  metric: string;
  measured: number | null;
  simulated: number | null;
  /** (simulated - measured) / measured; null when either side is missing or measured is 0. */
  relError: number | null;
}

/** Measured vs simulated per job: bandwidth, IOPS, clat p50/p90/p99/p99.9, usr and sys CPU. */
export function compareFio(measured: FioMeasured, simulated: FioJobResult[]): CompareRow[] {
  const rows: CompareRow[] = [];
  const rel = (m: number | null, s: number | null) => (m === null || s === null || m === 0 ? null : (s - m) / m);
  const push = (job: string, metric: string, m: number | null, s: number | null) => rows.push({ job, metric, measured: m, simulated: s, relError: rel(m, s) });
  for (const mj of measured.jobs) {
    const sj = simulated.find((j) => j.name === mj.name && !j.name.startsWith('group '));
    push(mj.name, 'bandwidth MiB/s', mj.bandwidthBytesPerSec / 1024 ** 2, sj ? sj.throughputMiBps : null);
    push(mj.name, 'IOPS', mj.iops, sj ? sj.iops : null);
    push(mj.name, `clat p50 us (${mj.clatDirection})`, mj.clatUs.p50, sj ? sj.clatUs.p50 : null);
    push(mj.name, `clat p90 us (${mj.clatDirection})`, mj.clatUs.p90, sj ? sj.clatUs.p90 : null);
    push(mj.name, `clat p99 us (${mj.clatDirection})`, mj.clatUs.p99, sj ? sj.clatUs.p99 : null);
    push(mj.name, `clat p99.9 us (${mj.clatDirection})`, mj.clatUs.p999, sj ? sj.clatUs.p999 : null);
    // The simulator models kernel work only (DMA API, block layer, interrupts): all of it is sys.
    push(mj.name, 'usr CPU %', mj.usrCpuPercent, null);
    push(mj.name, 'sys CPU %', mj.sysCpuPercent, sj ? Math.round(sj.cpuFraction * 1e5) / 1e3 : null);
  }
  return rows;
}
