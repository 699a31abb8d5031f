import { InputError } from './errors.ts';
import type { AccelWorkload, DmaBenchWorkload, DmaDirection, FioRw, FioWorkload, Workload } from './types.ts';
import { formatBytes, parseBool, parseIntIn, parseSize } from './units.ts';

const GiB = 1024 ** 3;
const FIO_RW: FioRw[] = ['read', 'write', 'randread', 'randwrite', 'rw', 'randrw'];
const FIO_RW_ALIASES: Record<string, FioRw> = { readwrite: 'rw', randrw: 'randrw' };
const DIRS: DmaDirection[] = ['BIDIRECTIONAL', 'TO_DEVICE', 'FROM_DEVICE'];

export const WORKLOAD_KINDS = ['fio', 'dmabench', 'accel'] as const;

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

/**
 * fio's block-device engines. The engine is recorded with the run; the model's per-IO submit and
 * completion costs come from the profile (cpu.submitOverheadUs, completionOverheadUs).
 */
const FIO_ENGINES = ['libaio', 'io_uring', 'psync', 'sync', 'pvsync', 'pvsync2', 'vsync', 'posixaio', 'mmap', 'sg', 'splice', 'null', 'windowsaio', 'solarisaio', 'xnvme', 'spdk'];

const FIO_IGNORED = new Set(['name', 'filename', 'group_reporting', 'time_based', 'runtime', 'ramp_time', 'thread', 'norandommap', 'randrepeat', 'invalidate', 'output-format', 'buffered', 'gtod_reduce', 'refill_buffers', 'directory', 'stonewall', 'new_group', 'cpus_allowed', 'iodepth_batch', 'iodepth_batch_complete', 'end_fsync', 'fsync', 'verify']);

function applyFio(w: FioWorkload, key: string, value: string): void {
  const k = key.toLowerCase();
  switch (k) {
    case 'rw':
    case 'readwrite': {
      const v = FIO_RW_ALIASES[value] ?? (value as FioRw);
      if (!FIO_RW.includes(v)) throw new InputError('fio rw', value, FIO_RW.join(', '));
      w.rw = v;
      return;
    }
    case 'bs':
    case 'blocksize':
      w.bsBytes = parseSize('fio bs', value, 512, 64 * 1024 * 1024);
      w.bssplit = null;
      return;
    case 'bssplit': {
      const pairs: Array<[number, number]> = [];
      for (const part of value.split(':').filter(Boolean)) {
        const [s, p] = part.split('/');
        if (p === undefined) throw new InputError('fio bssplit', value, 'size/percent pairs separated by ":" such as 4k/60:64k/40');
        pairs.push([parseSize('fio bssplit', s, 512, 64 * 1024 * 1024), parseIntIn('fio bssplit percent', p, 0, 100)]);
      }
      const total = pairs.reduce((a, [, p]) => a + p, 0);
      if (pairs.length === 0 || total !== 100) throw new InputError('fio bssplit', value, 'percentages that add up to 100, e.g. 4k/60:64k/40');
      w.bssplit = pairs;
      w.bsBytes = pairs[0][0];
      return;
    }
    case 'iodepth':
      w.iodepth = parseIntIn('fio iodepth', value, 1, 4096);
      return;
    case 'numjobs':
      w.numjobs = parseIntIn('fio numjobs', value, 1, 256);
      return;
    case 'size':
      w.sizeBytes = parseSize('fio size', value, 512, 2 ** 50);
      return;
    case 'number_ios':
    case 'ios':
      w.ios = parseIntIn('fio number_ios', value, 1, 1e10);
      return;
    case 'rwmixread':
      w.rwmixread = parseIntIn('fio rwmixread', value, 0, 100);
      return;
    case 'rwmixwrite':
      w.rwmixread = 100 - parseIntIn('fio rwmixwrite', value, 0, 100);
      return;
    case 'direct':
      w.direct = parseBool('fio direct', value);
      return;
    case 'ioengine':
      if (!FIO_ENGINES.includes(value)) throw new InputError('fio ioengine', value, FIO_ENGINES.join(', '));
      w.ioengine = value;
      return;
    default:
      if (FIO_IGNORED.has(k)) return;
      throw new InputError('fio option', key, 'rw, bs, bssplit, iodepth, numjobs, size, number_ios, rwmixread, direct, ioengine');
  }
}

/** fio refuses a job whose size cannot hold one block; so do we. */
function checkFio(w: FioWorkload): FioWorkload {
  const largest = w.bssplit ? Math.max(...w.bssplit.map(([s]) => s)) : w.bsBytes;
  if (w.ios === null && w.sizeBytes < largest) {
    throw new InputError('fio size', formatBytes(w.sizeBytes), `at least the block size (${formatBytes(largest)}), or number_ios`);
  }
  return w;
}

/** fio options as `key=value` separated by commas, spaces or newlines, with or without `--`. */
export function parseFioOptions(text: string): FioWorkload {
  const w = defaultFio();
  const cleaned = text.replace(/^\s*fio\b/, '');
  for (const [k, v] of splitKv(cleaned, /[,\s]+/)) applyFio(w, k, v);
  return checkFio(w);
}

/**
 * A `.fio` job file: `[global]` then one or more job sections. The first job (with the global
 * options applied under it) is the workload; several jobs are not combined.
 */
export function parseFioJobFile(text: string): FioWorkload {
  const sections: Array<{ name: string; lines: Array<[string, string]> }> = [];
  let current: { name: string; lines: Array<[string, string]> } | null = null;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(/[#;].*$/, '').trim();
    if (!line) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      current = { name: sec[1].trim(), lines: [] };
      sections.push(current);
      continue;
    }
    if (!current) throw new InputError('fio job file', line, 'options inside a [section]');
    const eq = line.indexOf('=');
    current.lines.push(eq < 0 ? [line, '1'] : [line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  const global = sections.find((s) => s.name === 'global');
  const jobs = sections.filter((s) => s.name !== 'global');
  if (!global && jobs.length === 0) throw new InputError('fio job file', text.slice(0, 40), 'a [global] or job section with options');
  if (jobs.length > 1) {
    throw new InputError('fio job file', jobs.map((j) => `[${j.name}]`).join(' '), 'one job section (use numjobs for identical jobs, or one file per job)');
  }
  const w = defaultFio();
  for (const [k, v] of global?.lines ?? []) applyFio(w, k, v);
  for (const [k, v] of jobs[0]?.lines ?? []) applyFio(w, k, v);
  return checkFio(w);
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
  throw new InputError('workload', text, 'fio:key=value,..., dmabench:key=value,..., accel:key=value,... or a .fio job file path');
}

/** Canonical text; parseWorkload(workloadText(w)) deep-equals w. */
export function workloadText(w: Workload): string {
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
