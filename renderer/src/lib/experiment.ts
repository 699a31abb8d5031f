/**
 * Pure pieces of the experiment form: strategy texts from parameter inputs, workload text from the
 * form or a pasted fio / .fio / dma_map_benchmark text, sweep values. Unit-tested.
 */
import { parseSweepValues } from '../../../core/range.ts';
import { InputError } from '../../../core/errors.ts';
import type { StrategyDef, StrategyParamDef } from '../../../core/strategies.ts';
import { parseStrategy, STRATEGIES } from '../../../core/strategies.ts';
import { formatBytes } from '../../../core/units.ts';
import { parseAccel, parseDmaBench, parseFioOptions, understandFioOptions, workloadText } from '../../../core/workload.ts';
import { parseFioJobText, type FioParsed } from '../../../core/fio/jobfile.ts';
import { understoodLines } from '../../../core/fio/describe.ts';
import { fioJsonWorkload, looksLikeFioJson, parseFioJson } from '../../../core/fio/json.ts';
import { parseTrace, traceFactLines } from '../../../core/trace.ts';
import type { FioRw, StrategyId, Workload } from '../../../core/types.ts';

/**
 * Problems for strategies listed more than once with the same effective parameters (a variant left
 * at its defaults, or two variants typed alike): the host would run them twice under one column
 * name. `texts` are the canonical strategy texts; entries with errors are skipped.
 */
export function duplicateStrategyProblems(texts: Array<{ text: string; error: string | null }>): string[] {
  const seen = new Map<string, number>();
  for (const t of texts) if (!t.error) seen.set(t.text, (seen.get(t.text) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([text, n]) => `Strategy ${text} is listed ${n} times with the same parameters: give each variant different values, or remove it.`);
}

export interface StrategyEntry {
  uid: number;
  id: StrategyId;
  /** Parameter values as typed (strings); empty means the default. */
  params: Record<string, string>;
}

export function paramDefaultText(p: StrategyParamDef): string {
  const v = p.default;
  if (p.kind === 'size') return formatBytes(v as number);
  if (p.kind === 'sizes') return (v as number[]).map(formatBytes).join('+');
  if (p.kind === 'bool') return v ? '1' : '0';
  return String(v);
}

/** `id:key=value` with only the parameters that differ from their defaults; or an error line. */
export function entryText(e: StrategyEntry, def: StrategyDef | undefined): { text: string; error: string | null; paramErrors: Record<string, string> } {
  const parts = [e.id as string];
  // The host's catalog when loaded, else the core's own table (the same data).
  const d = def ?? STRATEGIES.find((x) => x.id === e.id);
  for (const p of d?.params ?? []) {
    const v = (e.params[p.key] ?? '').trim();
    if (v !== '' && v !== paramDefaultText(p)) parts.push(`${p.key}=${v}`);
  }
  const raw = parts.join(':');
  try {
    return { text: parseStrategy(raw).text, error: null, paramErrors: {} };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const paramErrors: Record<string, string> = {};
    const m = /parameter (\w+)/.exec(msg);
    if (m) paramErrors[m[1]] = msg.replace(/^strategy \S+ parameter \w+: /, '');
    return { text: raw, error: msg, paramErrors };
  }
}

export type FioForm = {
  rw: FioRw;
  bsMode: 'bs' | 'bssplit';
  bs: string;
  bssplit: string;
  iodepth: string;
  numjobs: string;
  size: string;
  numberIos: string;
  rwmixread: string;
  direct: boolean;
  ioengine: string;
};

export type DmaBenchForm = { threads: string; seconds: string; granule: string; dir: string; delayNs: string; sg: boolean };
export type AccelForm = { msgLen: string; times: string; buffers: string };

export function defaultFioForm(): FioForm {
  return { rw: 'randread', bsMode: 'bs', bs: '4k', bssplit: '4k/60:64k/40', iodepth: '64', numjobs: '1', size: '256m', numberIos: '', rwmixread: '50', direct: true, ioengine: 'libaio' };
}
export function defaultDmaBenchForm(): DmaBenchForm {
  return { threads: '1', seconds: '1', granule: '1', dir: '0', delayNs: '0', sg: false };
}
export function defaultAccelForm(): AccelForm {
  return { msgLen: '1m', times: '100', buffers: '2' };
}

export function fioFormOptions(f: FioForm): string {
  const o = [`rw=${f.rw}`];
  if (f.bsMode === 'bssplit') o.push(`bssplit=${f.bssplit.trim()}`);
  else o.push(`bs=${f.bs.trim()}`);
  o.push(`iodepth=${f.iodepth.trim()}`, `numjobs=${f.numjobs.trim()}`, `size=${f.size.trim()}`);
  if (f.numberIos.trim()) o.push(`number_ios=${f.numberIos.trim()}`);
  if (f.rw === 'rw' || f.rw === 'randrw') o.push(`rwmixread=${f.rwmixread.trim()}`);
  o.push(`direct=${f.direct ? 1 : 0}`, `ioengine=${f.ioengine.trim() || 'libaio'}`);
  return o.join(',');
}

export type PasteKind = 'auto' | 'fio' | 'fio-file' | 'fio-json' | 'trace' | 'dmabench' | 'accel';

/** A kernel trace line: `comm-pid [cpu] ... timestamp: dma_map_*|map|unmap:` (trace-cmd or tracefs). */
const TRACE_LINE = /\[\d{3}\]\s.*\d+\.\d+:\s+(dma_[a-z_]+|map|unmap|io_page_fault):/;

/** Guesses what a pasted text is: a .fio job file, a fio JSON result, a kernel trace, dma_map_benchmark flags, accel options or fio options. */
export function detectPaste(text: string): Exclude<PasteKind, 'auto'> {
  const t = text.trim();
  if (looksLikeFioJson(t)) return 'fio-json';
  if (TRACE_LINE.test(t.slice(0, 20000))) return 'trace';
  if (/^\s*\[[^\]]+\]\s*$/m.test(t)) return 'fio-file';
  if (/dma_map_benchmark|(^|\s)-[tsgdxn]\s+\d/.test(t) || /^dmabench:/i.test(t)) return 'dmabench';
  if (/^accel:/i.test(t) || /\bmsg_len\s*=/.test(t)) return 'accel';
  return 'fio';
}

export interface WorkloadParse {
  ok: boolean;
  workload: Workload | null;
  /** Canonical text for runs:start (`fio:...`, `dmabench:...`, `accel:...`). */
  text: string;
  error: string | null;
  kind: Exclude<PasteKind, 'auto'> | null;
  /** What was understood, one fact a line: fio jobs, groups, modelled and not-modelled options; trace facts. */
  understood?: string[];
}

function attempt(kind: Exclude<PasteKind, 'auto'>, f: () => Workload | { workload: Workload; understood: string[] }): WorkloadParse {
  try {
    const r = f();
    const w = 'kind' in r ? r : r.workload;
    const understood = 'kind' in r ? undefined : r.understood;
    return { ok: true, workload: w, text: workloadText(w), error: null, kind, ...(understood ? { understood } : {}) };
  } catch (e) {
    return { ok: false, workload: null, text: '', error: e instanceof Error ? e.message : String(e), kind };
  }
}

function fioUnderstood(r: FioParsed, what: string): { workload: Workload; understood: string[] } {
  if (!r.workload) throw new Error(`${what}: no job moves data by DMA (${r.refusal})`);
  return { workload: r.workload, understood: understoodLines(r.understood) };
}

export function parsePasted(text: string, kind: PasteKind = 'auto'): WorkloadParse {
  if (!text.trim()) return { ok: false, workload: null, text: '', error: 'paste fio options, a .fio job file or dma_map_benchmark flags', kind: null };
  const k = kind === 'auto' ? detectPaste(text) : kind;
  const body = text.trim().replace(/^(fio|dmabench|dma_map_benchmark|accel):/i, '');
  switch (k) {
    case 'fio-file':
      // `include` needs the file on disk: the CLI reads includes; pasted text cannot.
      return attempt(k, () => fioUnderstood(parseFioJobText(text, { fileName: 'pasted' }), 'fio job file'));
    case 'fio-json':
      return attempt(k, () => {
        const m = parseFioJson(text);
        const r = fioUnderstood(fioJsonWorkload(m), 'fio JSON');
        const measured = m.jobs.map((j) => `  measured [${j.name}]: ${(j.bandwidthBytesPerSec / 1024 ** 2).toFixed(1)} MiB/s, ${j.iops.toFixed(0)} IOPS, clat p50 ${j.clatUs.p50.toFixed(1)} us, p99 ${j.clatUs.p99.toFixed(1)} us, usr ${j.usrCpuPercent.toFixed(1)}% sys ${j.sysCpuPercent.toFixed(1)}%`);
        return { workload: r.workload, understood: [`${m.fioVersion} result (compare it with the simulation above, or with iommu-lab compare-fio)`, ...measured, ...r.understood] };
      });
    case 'trace':
      return attempt(k, () => {
        const w = parseTrace(text, { source: 'pasted trace' });
        return { workload: w, understood: traceFactLines(w) };
      });
    case 'dmabench':
      return attempt(k, () => parseDmaBench(body));
    case 'accel':
      return attempt(k, () => parseAccel(body));
    default:
      return attempt('fio', () => fioUnderstood(understandFioOptions(body), 'fio options'));
  }
}

export function parseForm(kind: 'fio' | 'dmabench' | 'accel', fio: FioForm, dmab: DmaBenchForm, accel: AccelForm): WorkloadParse {
  if (kind === 'fio') return attempt('fio', () => parseFioOptions(fioFormOptions(fio)));
  if (kind === 'dmabench') {
    return attempt('dmabench', () => parseDmaBench(`threads=${dmab.threads.trim()},seconds=${dmab.seconds.trim()},granule=${dmab.granule.trim()},dir=${dmab.dir.trim()},delay_ns=${dmab.delayNs.trim()},sg=${dmab.sg ? 1 : 0}`));
  }
  return attempt('accel', () => parseAccel(`msg_len=${accel.msgLen.trim()},times=${accel.times.trim()},buffers=${accel.buffers.trim()}`));
}

/** Field of the form an error message is about (`fio iodepth: ...` → `iodepth`). */
export function workloadErrorField(error: string | null): string | null {
  if (!error) return null;
  const m = /^(?:fio|dmabench|accel) (\w+)(?: percent)?:/.exec(error);
  if (!m) return null;
  const map: Record<string, string> = { number_ios: 'numberIos', delay_ns: 'delayNs', msg_len: 'msgLen', granule: 'granule' };
  return map[m[1]] ?? m[1];
}

/** Sweep values typed as `4k, 16k, 64k` or `4k 16k 64k`. */
export function splitValues(text: string): string[] {
  return sweepValuesOf(text).values;
}

/** Sweep values with ranges expanded (`4k..128k`, `4k..128k:8`, core/range.ts), or the one problem in words. */
export function sweepValuesOf(text: string, key = 'values'): { values: string[]; error: string | null } {
  if (!text.trim()) return { values: [], error: null };
  try {
    return { values: parseSweepValues(key, text), error: null };
  } catch (e) {
    return { values: [], error: e instanceof InputError ? `${e.value}: expected ${e.allowed}` : String((e as Error)?.message ?? e) };
  }
}
