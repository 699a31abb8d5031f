import { InputError } from './errors.ts';
import type { AccelWorkload, DmaBenchWorkload, DmaDirection, FioJob, FioWorkload, Workload } from './types.ts';
import { parseTraceWorkloadText, traceWorkloadText } from './trace.ts';
import { fioJobsText, fioOptionName, parseFioCommandLine, parseFioJobText, type FioParsed, type FioParseOptions } from './fio/jobfile.ts';
import { formatBytes, parseBool, parseIntIn, parseSize } from './units.ts';

const GiB = 1024 ** 3;
const DIRS: DmaDirection[] = ['BIDIRECTIONAL', 'TO_DEVICE', 'FROM_DEVICE'];

export const WORKLOAD_KINDS = ['fio', 'dmabench', 'accel', 'trace'] as const;

export function defaultFio(): FioWorkload {
  return {
    kind: 'fio', rw: 'randread', bsBytes: 4096, bssplit: null, iodepth: 64, numjobs: 1,
    sizeBytes: 1 * GiB, ios: null, rwmixread: 50, direct: true, ioengine: 'libaio',
  };
}

export function defaultDmaBench(): DmaBenchWorkload {
  return { kind: 'dmabench', threads: 1, seconds: 1, granulePages: 1, dir: 'BIDIRECTIONAL', delayNs: 0, sg: false, skipCpuSync: false };
}

export function defaultAccel(): AccelWorkload {
  return { kind: 'accel', msgLenBytes: 1024 * 1024, times: 100, buffers: 2, env: 'guest' };
}

function splitKv(text: string, sep: RegExp): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const raw of text.split(sep)) {
    const item = raw.trim().replace(/^--?/, '');
    if (!item || item.startsWith('#') || item.startsWith(';')) continue;
    const eq = item.indexOf('=');
    if (eq < 0) out.push([item, '1']);
    else out.push([item.slice(0, eq).trim(), item.slice(eq + 1).trim()]);
  }
  return out;
}

/** The simulator's documented defaults for the `fio:key=value` short form (fio's own apply to job files). */
const SHORT_FORM_BASE: Partial<FioJob> = {
  rw: 'randread', rwText: 'randread', iodepth: 64, sizeBytes: 1 * GiB, direct: true, ioengine: 'libaio',
};

function sizeCheck(w: FioWorkload): FioWorkload {
  for (const j of w.jobs ?? []) {
    const smallest = Math.min(...[...j.bsRead, ...j.bsWrite].map(([s]) => s), j.bsRangeRead?.[0] ?? Infinity);
    if (j.ios === null && !j.timeBased && (j.ioBytes ?? j.sizeBytes) < smallest) {
      throw new InputError('fio size', formatBytes(j.ioBytes ?? j.sizeBytes), `at least the block size (${formatBytes(smallest)}) in job ${j.name}, or number_ios`);
    }
    if (j.numjobs * j.iodepth > 1 << 16) {
      throw new InputError('fio iodepth', String(j.iodepth), `at most ${1 << 16} IOs in flight per job section (numjobs x iodepth) in job ${j.name}`);
    }
  }
  return w;
}

function refuse(r: FioParsed, what: string): FioWorkload {
  if (!r.workload) throw new InputError(what, r.understood.jobs.map((j) => `[${j.name}]`).join(' '), `a job that does block IO (${r.refusal})`);
  return sizeCheck(r.workload);
}

/**
 * fio options: the short form `rw=randread,bs=4k,...` (commas or spaces, the simulator's defaults),
 * or a real fio command line (`fio --name=a --rw=read ... --name=b ...`, fio's defaults).
 */
export function parseFioOptions(text: string, env: Record<string, string | undefined> = {}): FioWorkload {
  return refuse(understandFioOptions(text, env), 'fio command line');
}

export function understandFioOptions(text: string, env: Record<string, string | undefined> = {}): FioParsed {
  const t = text.trim();
  if (/^fio(\s|$)/.test(t) || /(^|\s)--?name=/.test(t)) return parseFioCommandLine(t, { env });
  // Short form: key=value items split on commas/spaces; a bare item that is not an option name
  // continues the previous value (`bs=4k,8k` is fio's read,write pair).
  const items: string[] = [];
  for (const raw of t.split(/[,\s]+/)) {
    const item = raw.trim().replace(/^--?/, '');
    if (!item) continue;
    if (!item.includes('=') && items.length > 0 && !fioOptionName(item) && item !== 'ios') items[items.length - 1] += `,${item}`;
    else items.push(item);
  }
  const opts = items.map((i) => (i.startsWith('ios=') ? `number_ios=${i.slice(4)}` : i)).map((i) => `--${i}`).join(' ');
  return parseFioCommandLine(opts, { env, base: SHORT_FORM_BASE });
}

/**
 * A `.fio` job file as fio reads it: `[global]` then job sections, run as fio runs them (see
 * core/fio/jobfile.ts). `readInclude` resolves `include FILE` lines.
 */
export function parseFioJobFile(text: string, o: FioParseOptions = {}): FioWorkload {
  return refuse(parseFioJobText(text, o), 'fio job file');
}

function applyDmaBench(w: DmaBenchWorkload, key: string, value: string): void {
  switch (key) {
    case 't':
    case 'threads':
      w.threads = parseIntIn('dmabench threads', value, 1, 1024);
      return;
    case 's':
    case 'seconds':
      w.seconds = parseIntIn('dmabench seconds', value, 1, 300);
      return;
    case 'g':
    case 'granule':
      w.granulePages = parseIntIn('dmabench granule', value, 1, 8192);
      return;
    case 'd':
    case 'dir': {
      const v = value.toUpperCase();
      const byNum = /^\d$/.test(v) ? DIRS[Number(v)] : undefined;
      const dir = byNum ?? (DIRS.includes(v as DmaDirection) ? (v as DmaDirection) : undefined);
      if (!dir) throw new InputError('dmabench dir', value, '0 BIDIRECTIONAL, 1 TO_DEVICE, 2 FROM_DEVICE');
      w.dir = dir;
      return;
    }
    case 'x':
    case 'delay_ns':
    case 'delay':
      w.delayNs = parseIntIn('dmabench delay_ns', value, 0, 1_000_000_000);
      return;
    case 'sg':
      w.sg = parseBool('dmabench sg', value);
      return;
    case 'skip_cpu_sync':
      w.skipCpuSync = parseBool('dmabench skip_cpu_sync', value);
      return;
    case 'n':
    case 'node':
      return;
    default:
      throw new InputError('dmabench option', key, 'threads (-t), seconds (-s), granule (-g), dir (-d), delay_ns (-x), sg, skip_cpu_sync');
  }
}

/** `threads=2,granule=16` or the tool's own flags `-t 2 -s 1 -g 16 -d 2 -x 0`. */
export function parseDmaBench(text: string): DmaBenchWorkload {
  const w = defaultDmaBench();
  const body = text.replace(/^\s*(\S*dma_map_benchmark)\b/, '').trim();
  if (/(^|\s)-[a-z]\b/.test(body)) {
    const tok = body.split(/\s+/).filter(Boolean);
    for (let i = 0; i < tok.length; i++) {
      const m = /^-([a-z])$/.exec(tok[i]);
      if (!m) throw new InputError('dmabench flag', tok[i], '-t N -s N -g N -d 0|1|2 -x NS -n NODE');
      const v = tok[i + 1];
      if (v === undefined) throw new InputError(`dmabench -${m[1]}`, '', 'a value after the flag');
      applyDmaBench(w, m[1], v);
      i++;
    }
    return w;
  }
  for (const [k, v] of splitKv(body, /[,\s]+/)) applyDmaBench(w, k.toLowerCase(), v);
  return w;
}

export function parseAccel(text: string): AccelWorkload {
  const w = defaultAccel();
  for (const [k, v] of splitKv(text, /[,\s]+/)) {
    switch (k.toLowerCase()) {
      case 'msg_len':
      case 'msglen':
        w.msgLenBytes = parseSize('accel msg_len', v, 1, 1024 ** 3);
        break;
      case 'times':
        w.times = parseIntIn('accel times', v, 1, 10_000_000);
        break;
      case 'buffers':
        w.buffers = parseIntIn('accel buffers', v, 1, 4096);
        break;
      case 'env':
        if (v !== 'guest' && v !== 'host') throw new InputError('accel env', v, 'guest, host');
        w.env = v;
        break;
      default:
        throw new InputError('accel option', k, 'msg_len, times, buffers, env');
    }
  }
  return w;
}

/** `fio:...`, `dmabench:...` or `accel:...`. (A `.fio` file path is read by the host, then parseFioJobFile.) */
export function parseWorkload(text: string): Workload {
  const t = text.trim();
  const colon = t.indexOf(':');
  const kind = (colon < 0 ? t : t.slice(0, colon)).trim().toLowerCase();
  const body = colon < 0 ? '' : t.slice(colon + 1);
  if (kind === 'fio') return parseFioOptions(body);
  if (kind === 'dmabench' || kind === 'dma_map_benchmark') return parseDmaBench(body);
  if (kind === 'accel') return parseAccel(body);
  if (kind === 'trace') return parseTraceWorkloadText(t);
  throw new InputError('workload', text, 'fio:key=value,..., dmabench:key=value,..., accel:key=value,... or a .fio job file path');
}

/** Canonical text; parseWorkload(workloadText(w)) deep-equals w. */
export function workloadText(w: Workload): string {
  if (w.kind === 'trace') return traceWorkloadText(w);
  if (w.kind === 'fio' && w.jobs) return `fio:${fioJobsText(w.jobs, Boolean(w.groupReporting))}`;
  if (w.kind === 'fio') {
    const parts = [`rw=${w.rw}`];
    if (w.bssplit) parts.push(`bssplit=${w.bssplit.map(([s, p]) => `${formatBytes(s)}/${p}`).join(':')}`);
    else parts.push(`bs=${formatBytes(w.bsBytes)}`);
    parts.push(`iodepth=${w.iodepth}`, `numjobs=${w.numjobs}`, `size=${formatBytes(w.sizeBytes)}`);
    if (w.ios !== null) parts.push(`number_ios=${w.ios}`);
    if (w.rw === 'rw' || w.rw === 'randrw') parts.push(`rwmixread=${w.rwmixread}`);
    if (!w.direct) parts.push('direct=0');
    if (w.ioengine !== 'libaio') parts.push(`ioengine=${w.ioengine}`);
    return `fio:${parts.join(',')}`;
  }
  if (w.kind === 'dmabench') {
    return `dmabench:threads=${w.threads},seconds=${w.seconds},granule=${w.granulePages},dir=${w.dir},delay_ns=${w.delayNs},sg=${w.sg ? 1 : 0}${w.skipCpuSync ? ',skip_cpu_sync=1' : ''}`;
  }
  return `accel:msg_len=${formatBytes(w.msgLenBytes)},times=${w.times},buffers=${w.buffers}${w.env === 'host' ? ',env=host' : ''}`;
}
