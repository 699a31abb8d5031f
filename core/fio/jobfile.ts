/**
 * fio job files and command lines as fio reads them (init.c parse_jobs_ini, parse_cmd_line;
 * options.c fio_option_dup_subs): `[global]` inheritance, sections as concurrent jobs,
 * stonewall/wait_for_previous/new_group forming groups, numjobs, `include FILE`, `${ENV}`.
 * Every valid fio option is accepted; the ones that change DMA traffic are modelled, the rest are
 * listed as not modelled. Only a bad value of a modelled option, or a name fio itself does not
 * know, is an error.
 */
import { InputError } from '../errors.ts';
import type { FioJob, FioRw, FioWorkload } from '../types.ts';
import { formatBytes } from '../units.ts';
import { FIO_CMDLINE_OPTIONS, FIO_OPTION_TABLE } from './option-names.ts';

/** Where an option came from: `file:line`, or `command line`. */
export interface FioOptionUse {
  name: string;
  value: string;
  where: string;
}

export interface FioJobUnderstood {
  name: string;
  /** Reporting group (fio's groupid): a stonewall or new_group starts the next one. */
  group: number;
  /** Waits for every earlier job to finish (stonewall / wait_for_previous). */
  stonewall: boolean;
  numjobs: number;
  modelled: FioOptionUse[];
  notModelled: FioOptionUse[];
  /** Why this job moves no data by DMA and is skipped (e.g. a trim-only job, ioengine=net). */
  skipped: string | null;
  /** Engine-level notes on how a modelled option was read (sync engine depth, buffered IO...). */
  notes: string[];
}

export interface FioUnderstanding {
  source: 'job file' | 'command line' | 'fio JSON';
  jobs: FioJobUnderstood[];
  groupReporting: boolean;
  /** Sections with no effect on the run (e.g. only `[global]`). */
  notes: string[];
}

export interface FioParseOptions {
  /** Environment for `${VAR}` (fio substitutes an unset variable with nothing). */
  env?: Record<string, string | undefined>;
  /** The name shown in `file:line`. */
  fileName?: string;
  /** Reads an `include` file (the host resolves it relative to the including file). */
  readInclude?: (name: string, from: string) => string;
}

/** Options whose value changes the simulated DMA traffic. Aliases map to the canonical name. */
const MODELLED = new Set([
  'rw', 'bs', 'bsrange', 'bssplit', 'blockalign', 'iodepth', 'iodepth_batch', 'iodepth_batch_complete_min',
  'numjobs', 'size', 'io_size', 'number_ios', 'runtime', 'time_based', 'ramp_time', 'rate', 'rate_iops',
  'thinktime', 'rwmixread', 'rwmixwrite', 'direct', 'buffered', 'ioengine', 'verify', 'do_verify',
  'stonewall', 'new_group', 'group_reporting', 'name',
]);

/** Engines that move data with block IO (so DMA): anything else is refused with its reason. */
const BLOCK_ENGINES = new Set([
  'libaio', 'io_uring', 'io_uring_cmd', 'psync', 'sync', 'vsync', 'pvsync', 'pvsync2', 'posixaio', 'mmap',
  'splice', 'sg', 'bsg', 'xnvme', 'spdk', 'libblkio', 'windowsaio', 'solarisaio', 'libzbc', 'libcufile',
  'libhipfile', 'nvme',
]);
/** Engines that keep one IO in flight per job whatever iodepth says. */
const SYNC_ENGINES = new Set(['sync', 'psync', 'vsync', 'pvsync', 'pvsync2', 'mmap', 'splice']);
const NON_BLOCK_REASON: Record<string, string> = {
  net: 'network sockets, no block IO', netsplice: 'network sockets, no block IO', rdma: 'RDMA verbs between hosts, no block IO',
  http: 'HTTP/S3/Swift over the network, no block IO', nfs: 'NFS over the network (libnfs), no block IO',
  nbd: 'network block device client over a socket, no local block IO', rbd: 'Ceph RBD over the network, no block IO',
  rados: 'Ceph RADOS objects over the network, no block IO', gfapi: 'GlusterFS over the network, no block IO',
  gfapi_async: 'GlusterFS over the network, no block IO', libiscsi: 'iSCSI over the network (user space), no local block IO',
  libhdfs: 'HDFS over the network, no block IO', dfs: 'DAOS over the network, no block IO',
  ime_psync: 'DDN IME over the network, no local block IO', ime_psyncv: 'DDN IME over the network, no local block IO',
  ime_aio: 'DDN IME over the network, no local block IO', null: 'does no IO at all', cpp_null: 'does no IO at all',
  cpuio: 'burns CPU, no IO', exec: 'runs a program, no IO', e4defrag: 'ext4 defragmentation ioctl, no job IO buffers',
  falloc: 'fallocate() calls, no data IO', ftruncate: 'ftruncate() calls, no data IO', filecreate: 'file creation, no data IO',
  filestat: 'stat() calls, no data IO', filedelete: 'file deletion, no data IO', dircreate: 'directory creation, no data IO',
  dirstat: 'directory stat() calls, no data IO', dirdelete: 'directory deletion, no data IO',
  page_fault: 'page faults on anonymous memory, no IO', 'dev-dax': 'memcpy to device-DAX persistent memory, no DMA',
  libpmem: 'memcpy to persistent memory (libpmem), no DMA', mtd: 'raw flash through MTD ioctls, not the block layer',
  gpuaccel: 'GPU compute, no block IO', guasi: 'no longer in fio',
};

export const FIO_RW_VALUES = ['read', 'write', 'trim', 'randread', 'randwrite', 'randtrim', 'rw', 'readwrite', 'randrw', 'trimwrite', 'randtrimwrite'];
const VERIFY_VALUES = ['0', 'md5', 'crc64', 'crc32c', 'crc32c-intel', 'crc32', 'crc16', 'crc7', 'xxhash', 'sha512', 'sha256', 'sha1', 'sha384', 'sha3-224', 'sha3-256', 'sha3-384', 'sha3-512', 'meta', 'pattern', 'null'];

const ALIASES: Map<string, string> = (() => {
  const m = new Map<string, string>();
  for (const [name, [alias]] of Object.entries(FIO_OPTION_TABLE)) if (alias) m.set(alias, name);
  return m;
})();

/** The canonical fio option name, or null when fio would say "Bad option". */
export function fioOptionName(name: string): string | null {
  const n = name.trim();
  if (Object.hasOwn(FIO_OPTION_TABLE, n)) return n;
  return ALIASES.get(n) ?? null;
}

export function defaultFioJob(name = 'job'): FioJob {
  return {
    name, group: 0, stonewall: false, newGroup: false, groupReporting: false, rw: 'read', rwText: 'read', bsRead: [[4096, 100]], bsWrite: [[4096, 100]], bsRangeRead: null, bsRangeWrite: null,
    iodepth: 1, batchSubmit: 1, batchComplete: 1, numjobs: 1, sizeBytes: 1024 ** 3, ioBytes: null, ios: null,
    runtimeUs: null, timeBased: false, rampUs: 0, rateBytesPerSec: [0, 0], rateIops: [0, 0], thinktimeUs: 0,
    rwmixread: 50, direct: false, ioengine: 'psync', verify: false,
  };
}

type Where = string;
class Err extends InputError {}

function bad(where: Where, option: string, value: string, allowed: string): never {
  throw new Err(where === 'command line' ? `fio ${option}` : `${where}: fio ${option}`, value, allowed);
}

/** Zone-relative sizes (`8z`) with no device to ask: a typical host-managed SMR/ZNS zone. */
export const ASSUMED_ZONE_BYTES = 256 * 1024 ** 2;

/**
 * fio's reserved keywords ($pagesize, $mb_memory, $ncpus) followed by its `bc` arithmetic, for
 * values of modelled options; the keyword values are the simulated machine's (fixed here).
 */
export const FIO_KEYWORDS: Record<string, number> = { pagesize: 4096, mb_memory: 16384, ncpus: 8 };

function keywordMath(where: Where, option: string, text: string): string {
  if (!/\$(pagesize|mb_memory|ncpus)/.test(text)) return text;
  const expr = text.replace(/\$(pagesize|mb_memory|ncpus)/g, (_m, k: string) => String(FIO_KEYWORDS[k]));
  if (!/^[\d\s+\-*/().]+$/.test(expr)) bad(where, option, text, 'a number or arithmetic on $pagesize, $mb_memory, $ncpus');
  // Tiny recursive-descent evaluator (integer arithmetic as bc does without scale).
  let i = 0;
  const src = expr.replace(/\s+/g, '');
  const num = (): number => {
    if (src[i] === '(') {
      i++;
      const v = sum();
      i++;
      return v;
    }
    const m = /^\d+/.exec(src.slice(i));
    if (!m) bad(where, option, text, 'a well-formed arithmetic expression');
    i += m[0].length;
    return Number(m[0]);
  };
  const prod = (): number => {
    let v = num();
    while (src[i] === '*' || src[i] === '/') v = src[i++] === '*' ? v * num() : Math.trunc(v / num());
    return v;
  };
  const sum = (): number => {
    let v = prod();
    while (src[i] === '+' || src[i] === '-') v = src[i++] === '+' ? v + prod() : v - prod();
    return v;
  };
  const v = sum();
  if (i !== src.length || !Number.isFinite(v)) bad(where, option, text, 'a well-formed arithmetic expression');
  return String(v);
}

const SIZE_SUFFIX: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** fio's size syntax with kb_base=1024: 4k, 4K, 4KiB, 1m, 2g, plain bytes, 0x hex. */
function size(where: Where, option: string, text: string, min: number, max: number): number {
  const t = text.trim();
  let n: number;
  const hex = /^0x([0-9a-f]+)$/i.exec(t);
  const zones = /^(\d+)z$/i.exec(t);
  if (hex) n = parseInt(hex[1], 16);
  else if (zones) n = Number(zones[1]) * ASSUMED_ZONE_BYTES;
  else {
    const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(t);
    if (!m) bad(where, option, text, 'a size such as 4096, 4k, 128k, 1m, 2g');
    n = Math.round(Number(m[1]) * SIZE_SUFFIX[m[2].toLowerCase()]);
  }
  if (!(n >= min && n <= max)) bad(where, option, text, `a size from ${formatBytes(min)} to ${formatBytes(max)}`);
  return n;
}

function int(where: Where, option: string, text: string, min: number, max: number): number {
  const t = text.trim();
  if (!/^\d+$/.test(t) || Number(t) < min || Number(t) > max) bad(where, option, text, `an integer from ${min} to ${max}`);
  return Number(t);
}

function bool(where: Where, option: string, text: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === '' || t === '1' || t === 'true' || t === 'yes' || t === 'on') return true;
  if (t === '0' || t === 'false' || t === 'no' || t === 'off') return false;
  return bad(where, option, text, '0 or 1');
}

const TIME_UNIT_US: Record<string, number> = { us: 1, usec: 1, ms: 1e3, msec: 1e3, s: 1e6, sec: 1e6, m: 60e6, min: 60e6, h: 3600e6, d: 86400e6 };

/** fio's time syntax (options with is_time): a number with an optional unit; `defaultUnitUs` when bare. */
function time(where: Where, option: string, text: string, defaultUnitUs: number): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? m[2].toLowerCase() : 'x';
  if (!m || (unit !== '' && !(unit in TIME_UNIT_US))) bad(where, option, text, 'a time such as 30, 30s, 500ms, 100us, 2m, 1h');
  return Number(m[1]) * (unit === '' ? defaultUnitUs : TIME_UNIT_US[unit]);
}

/** `a,b[,c]`: fio's per-direction values (read, write, trim); a missing write takes the read value. */
function perDir(text: string): [string, string] {
  const parts = text.split(',');
  const r = parts[0] ?? '';
  const w = parts.length > 1 && parts[1] !== '' ? parts[1] : r;
  return [r, w];
}

function bssplitOf(where: Where, text: string): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (const part of text.split(':').filter(Boolean)) {
    const [s, p] = part.split('/');
    const bytes = size(where, 'bssplit', s.includes('-') ? s.split('-')[1] : s, 1, 256 * 1024 ** 2);
    pairs.push([bytes, p === undefined || p === '' ? -1 : int(where, 'bssplit', p, 0, 100)]);
  }
  if (pairs.length === 0) bad(where, 'bssplit', text, 'size/percent pairs separated by ":" such as 4k/60:64k/40');
  // fio: entries without a percentage share what the others leave.
  const given = pairs.filter(([, p]) => p >= 0).reduce((a, [, p]) => a + p, 0);
  const open = pairs.filter(([, p]) => p < 0).length;
  if (given > 100 || (open === 0 && given !== 100)) bad(where, 'bssplit', text, 'percentages that add up to 100, e.g. 4k/60:64k/40');
  const share = Math.floor((100 - given) / Math.max(1, open));
  let extra = open > 0 ? 100 - given - share * open : 0;
  return pairs.map(([s, p]) => {
    if (p >= 0) return [s, p];
    const v = share + extra;
    extra = 0;
    return [s, v];
  });
}

/** One `name=value` applied to a job; returns true when it is modelled. */
function apply(job: FioJob, canonical: string, raw: string, rawValue: string, where: Where): boolean {
  const value = MODELLED.has(canonical) ? keywordMath(where, raw, rawValue) : rawValue;
  switch (canonical) {
    case 'name':
      return true;
    case 'rw': {
      const base = value.split(':')[0].trim();
      if (!FIO_RW_VALUES.includes(base)) bad(where, raw, value, FIO_RW_VALUES.join(', '));
      job.rwText = base;
      const map: Record<string, FioRw> = { readwrite: 'rw', trimwrite: 'write', randtrimwrite: 'randwrite', trim: 'read', randtrim: 'randread' };
      job.rw = map[base] ?? (base as FioRw);
      return true;
    }
    case 'bs': {
      const [r, w] = perDir(value);
      job.bsRead = [[size(where, raw, r, 1, 256 * 1024 ** 2), 100]];
      job.bsWrite = [[size(where, raw, w, 1, 256 * 1024 ** 2), 100]];
      job.bsRangeRead = job.bsRangeWrite = null;
      return true;
    }
    case 'bsrange': {
      const [r, w] = perDir(value);
      const range = (t: string): [number, number] => {
        const m = /^([^-]+)-([^-]+)$/.exec(t.trim());
        if (!m) bad(where, raw, value, 'min-max such as 4k-64k, optionally read,write ranges');
        const lo = size(where, raw, m[1], 1, 256 * 1024 ** 2);
        const hi = size(where, raw, m[2], 1, 256 * 1024 ** 2);
        return lo <= hi ? [lo, hi] : [hi, lo];
      };
      job.bsRangeRead = range(r);
      job.bsRangeWrite = range(w);
      return true;
    }
    case 'bssplit': {
      const [r, w] = perDir(value);
      job.bsRead = bssplitOf(where, r);
      job.bsWrite = bssplitOf(where, w);
      job.bsRangeRead = job.bsRangeWrite = null;
      return true;
    }
    case 'ba':
    case 'blockalign':
      for (const v of value.split(',')) if (v !== '') size(where, raw, v, 1, 256 * 1024 ** 2);
      return true;
    case 'iodepth':
      job.iodepth = int(where, raw, value, 1, 65536);
      return true;
    case 'iodepth_batch':
      job.batchSubmit = int(where, raw, value, 0, 65536) || 1;
      return true;
    case 'iodepth_batch_complete_min':
      job.batchComplete = int(where, raw, value, 0, 65536) || 1;
      return true;
    case 'numjobs':
      job.numjobs = int(where, raw, value, 1, 4096);
      return true;
    case 'size':
      if (/%$/.test(value.trim())) {
        int(where, raw, value.trim().slice(0, -1), 1, 100);
        return true;
      }
      job.sizeBytes = size(where, raw, value, 1, 2 ** 60);
      return true;
    case 'io_size':
      job.ioBytes = size(where, raw, value, 1, 2 ** 60);
      return true;
    case 'number_ios':
      job.ios = int(where, raw, value, 0, 1e12) || null;
      return true;
    case 'runtime':
      job.runtimeUs = time(where, raw, value, 1e6) || null;
      return true;
    case 'time_based':
      job.timeBased = bool(where, raw, value);
      return true;
    case 'ramp_time':
      job.rampUs = time(where, raw, value, 1e6);
      return true;
    case 'rate': {
      const [r, w] = perDir(value);
      job.rateBytesPerSec = [r === '' ? 0 : size(where, raw, r, 0, 2 ** 50), w === '' ? 0 : size(where, raw, w, 0, 2 ** 50)];
      return true;
    }
    case 'rate_iops': {
      const [r, w] = perDir(value);
      job.rateIops = [r === '' ? 0 : int(where, raw, r, 0, 1e9), w === '' ? 0 : int(where, raw, w, 0, 1e9)];
      return true;
    }
    case 'thinktime':
      job.thinktimeUs = time(where, raw, value, 1);
      return true;
    case 'rwmixread':
      job.rwmixread = int(where, raw, value, 0, 100);
      return true;
    case 'rwmixwrite':
      job.rwmixread = 100 - int(where, raw, value, 0, 100);
      return true;
    case 'direct':
      job.direct = bool(where, raw, value);
      return true;
    case 'buffered':
      job.direct = !bool(where, raw, value);
      return true;
    case 'ioengine': {
      const e = value.trim();
      const known = BLOCK_ENGINES.has(e) || Object.hasOwn(NON_BLOCK_REASON, e) || e.startsWith('external:') || e.includes('/');
      if (!known) bad(where, raw, value, `an engine fio has: ${[...BLOCK_ENGINES].join(', ')}, or ${Object.keys(NON_BLOCK_REASON).join(', ')}`);
      job.ioengine = e;
      return true;
    }
    case 'verify':
      if (!VERIFY_VALUES.includes(value.trim())) bad(where, raw, value, VERIFY_VALUES.join(', '));
      job.verify = value.trim() !== '0';
      return true;
    case 'do_verify':
      if (!bool(where, raw, value)) job.verify = false;
      return true;
    case 'stonewall':
      job.stonewall = bool(where, raw, value);
      return true;
    case 'new_group':
      job.newGroup = bool(where, raw, value);
      return true;
    case 'group_reporting':
      job.groupReporting = bool(where, raw, value);
      return true;
    default:
      return false;
  }
}

interface Section {
  name: string;
  opts: Array<{ name: string; value: string; where: Where }>;
}

/** fio's `${VAR}` substitution: always replaced, by nothing when the variable is unset. */
function substitute(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\{([^}]+)\}/g, (_m, v: string) => env[v] ?? '');
}

function splitOption(line: string): [string, string] {
  const eq = line.indexOf('=');
  return eq < 0 ? [line.trim(), ''] : [line.slice(0, eq).trim(), line.slice(eq + 1).trim()];
}

/** Strips an inline comment (`runtime=30  # seconds`) the way fio's examples rely on. */
function stripComment(line: string): string {
  return line.replace(/\s[#;].*$/, '').trim();
}

function readSections(text: string, o: FioParseOptions): Section[] {
  const file = o.fileName ?? 'job file';
  const env = o.env ?? {};
  const sections: Section[] = [];
  let current: Section | null = null;
  const addLines = (body: string, fname: string, depth: number, inSection: boolean): void => {
    body.split(/\r?\n/).forEach((raw, i) => {
      const where = `${fname}:${i + 1}`;
      const line = raw.trim();
      if (!line || line.startsWith('#') || line.startsWith(';')) return;
      if (line.startsWith('[')) {
        if (inSection) throw new InputError(`${where}: fio include`, line, 'options only (no new sections in included files)');
        const m = /^\[([^\]]+)\]/.exec(line);
        if (!m) throw new InputError(`${where}: fio section`, line, 'a section header such as [global] or [job1]');
        current = { name: m[1], opts: [] };
        sections.push(current);
        return;
      }
      const cur = current as Section | null;
      if (!cur) throw new InputError(`${where}: fio job file`, line, 'options inside a [section] (fio: option outside of [] job section)');
      if (/^include\s/.test(line)) {
        const name = line.slice('include'.length).trim();
        if (!o.readInclude) throw new InputError(`${where}: fio include`, name, 'an include read from a job file on disk (open the file, not its text)');
        if (depth > 8) throw new InputError(`${where}: fio include`, name, 'includes nested at most 8 deep');
        addLines(o.readInclude(name, fname), name, depth + 1, true);
        return;
      }
      const [name, value] = splitOption(substitute(stripComment(line), env));
      cur.opts.push({ name, value, where });
    });
  };
  addLines(text, file, 0, false);
  return sections;
}

/** Splits a fio command line into tokens, honouring single and double quotes. */
function tokens(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  let cur = '';
  let last = -1;
  while ((m = re.exec(text))) {
    const piece = m[1] ?? m[2] ?? m[3] ?? '';
    if (last === m.index && out.length) out[out.length - 1] += piece;
    else out.push(piece);
    last = re.lastIndex;
    cur = piece;
  }
  void cur;
  return out.filter((t) => t !== '\\');
}

/**
 * A fio command line (`fio --name=a --rw=read ... --name=b ...`): options before the first
 * --name are global; each --name starts a job, as fio's parse_cmd_line does. Returns sections.
 */
function cmdlineSections(text: string, env: Record<string, string | undefined>): { sections: Section[]; jobFiles: string[] } {
  const global: Section = { name: 'global', opts: [] };
  const sections: Section[] = [global];
  const jobFiles: string[] = [];
  let cur = global;
  const toks = tokens(substitute(text.trim(), env));
  if (toks[0] && /(^|\/)fio$/.test(toks[0])) toks.shift();
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (!t.startsWith('-')) {
      jobFiles.push(t);
      continue;
    }
    const [name, given] = splitOption(t.replace(/^--?/, ''));
    let value = given;
    if (!t.includes('=') && i + 1 < toks.length && !toks[i + 1].startsWith('-') && FIO_CMDLINE_OPTIONS.includes(name)) value = toks[++i];
    if (name === 'name') {
      cur = { name: value || 'job', opts: [] };
      sections.push(cur);
    }
    cur.opts.push({ name, value, where: 'command line' });
  }
  return { sections, jobFiles };
}

/** Builds jobs from sections the way fio does: global options under each job, then the job's own. */
function understand(sections: Section[], source: FioUnderstanding['source'], base?: Partial<FioJob>, forceJobs = false): { workload: FioWorkload | null; understood: FioUnderstanding } {
  const understood: FioUnderstanding = { source, jobs: [], groupReporting: false, notes: [] };
  let global: Section['opts'] = [];
  const jobs: FioJob[] = [];
  let group = 0;
  let sawJob = false;
  for (const sec of sections) {
    if (sec.name === 'global' || sec.name.startsWith('global')) {
      // fio: a later [global] applies to the jobs after it.
      global = [...global, ...sec.opts];
      continue;
    }
    const job = { ...defaultFioJob(sec.name), ...base, name: sec.name };
    const u: FioJobUnderstood = { name: sec.name, group: 0, stonewall: false, numjobs: 1, modelled: [], notModelled: [], skipped: null, notes: [] };
    const inherited = new Set<string>();
    for (const opt of [...global, ...sec.opts]) {
      const raw = opt.name;
      if (FIO_CMDLINE_OPTIONS.includes(raw) && opt.where === 'command line' && !Object.hasOwn(FIO_OPTION_TABLE, raw)) {
        u.notModelled.push({ ...opt, name: `--${raw}` });
        continue;
      }
      const canonical = fioOptionName(raw);
      if (!canonical) throw new InputError(`${opt.where}: fio option`, raw, 'an option fio knows (fio: "Bad option"); see fio --cmdhelp=all');
      const isGlobal = global.includes(opt);
      if (isGlobal && (canonical === 'stonewall' || canonical === 'new_group')) {
        // fio applies these per job too; a global stonewall makes every job its own group.
      }
      const modelled = MODELLED.has(canonical) && apply(job, canonical, raw, opt.value, opt.where);
      if (canonical === 'name') continue;
      const list = modelled ? u.modelled : u.notModelled;
      const existing = list.findIndex((x) => fioOptionName(x.name) === canonical);
      if (existing >= 0 && inherited.has(canonical)) list.splice(existing, 1);
      list.push(opt);
      if (isGlobal) inherited.add(canonical);
    }
    if (job.groupReporting) understood.groupReporting = true;
    if (sawJob && (job.stonewall || job.newGroup)) group++;
    sawJob = true;
    job.group = group;
    u.group = group;
    u.stonewall = job.stonewall;
    u.numjobs = job.numjobs;
    const engine = job.ioengine.split(':')[0];
    if (engine === 'external' || job.ioengine.startsWith('external:') || job.ioengine.includes('/')) u.skipped = `ioengine=${job.ioengine}: an external engine, its IO is unknown`;
    else if (!BLOCK_ENGINES.has(engine)) u.skipped = `ioengine=${engine}: ${NON_BLOCK_REASON[engine] ?? 'not a block-IO engine'}`;
    else if (job.rwText === 'trim' || job.rwText === 'randtrim') u.skipped = `rw=${job.rwText}: trims carry no data, so no DMA`;
    if (!u.skipped) {
      if (SYNC_ENGINES.has(engine) && job.iodepth > 1) u.notes.push(`ioengine=${engine} is synchronous: one IO in flight per job (iodepth=${job.iodepth} has no effect, as in fio)`);
      if (!job.direct) u.notes.push('direct=0: buffered IO; the page cache issues the DMA in larger chunks (readahead / writeback of 128k)');
      if (job.rwText === 'trimwrite' || job.rwText === 'randtrimwrite') u.notes.push(`rw=${job.rwText}: the trims carry no data; only the writes are DMA`);
      if (job.verify && job.rw !== 'read' && job.rw !== 'randread') u.notes.push('verify: every written block is read back after the write phase');
      if (job.rampUs > 0) u.notes.push(`ramp_time: the first ${job.rampUs / 1e6} s are excluded from the metrics`);
      jobs.push(job);
    }
    understood.jobs.push(u);
  }
  if (understood.jobs.length === 0) throw new InputError('fio job file', sections.map((s) => `[${s.name}]`).join(' ') || '(empty)', 'at least one job section (fio: no jobs defined)');
  // Groups are renumbered over the jobs that run, so group 0 is the first that moves data.
  const groups = [...new Set(jobs.map((j) => j.group))].sort((a, b) => a - b);
  for (const j of jobs) j.group = groups.indexOf(j.group);
  if (jobs.length === 0) return { workload: null, understood };
  return { workload: toWorkload(jobs, understood.groupReporting, forceJobs), understood };
}

/** Field-for-field the single-job form when the jobs need nothing more (so results stay as before). */
function toWorkload(jobs: FioJob[], groupReporting: boolean, forceJobs: boolean): FioWorkload {
  const j = jobs[0];
  const legacy = !forceJobs && jobsAreLegacy(jobs);
  const split = j.rw === 'write' || j.rw === 'randwrite' ? j.bsWrite : j.bsRead;
  const w: FioWorkload = {
    kind: 'fio', rw: j.rw, bsBytes: split[0][0], bssplit: split.length > 1 ? split.map(([s, p]) => [s, p]) : null,
    iodepth: j.iodepth, numjobs: j.numjobs, sizeBytes: j.ioBytes ?? j.sizeBytes, ios: j.ios, rwmixread: j.rwmixread,
    direct: j.direct, ioengine: j.ioengine,
  };
  if (!legacy) {
    w.jobs = jobs.map((x) => ({ ...x }));
    if (groupReporting) w.groupReporting = true;
  }
  return w;
}

function jobsAreLegacy(jobs: FioJob[]): boolean {
  if (jobs.length !== 1) return false;
  const j = jobs[0];
  const same = (a: Array<[number, number]>, b: Array<[number, number]>) => JSON.stringify(a) === JSON.stringify(b);
  const intSplit = j.bsRead.every(([s, p]) => Number.isInteger(p) && s >= 512);
  return (
    same(j.bsRead, j.bsWrite) && intSplit && j.bsRangeRead === null && j.bsRangeWrite === null && !SYNC_ENGINES.has(j.ioengine) && j.direct &&
    j.batchSubmit === 1 && j.batchComplete === 1 && j.runtimeUs === null && !j.timeBased && j.rampUs === 0 &&
    j.rateBytesPerSec[0] === 0 && j.rateBytesPerSec[1] === 0 && j.rateIops[0] === 0 && j.rateIops[1] === 0 &&
    j.thinktimeUs === 0 && !j.verify && (j.ioBytes ?? j.sizeBytes) >= (j.bsRead.reduce((a, [s]) => Math.max(a, s), 0))
  );
}

export interface FioParsed {
  /** null when no job moves data by DMA; `refusal` then says why, in one line. */
  workload: FioWorkload | null;
  understood: FioUnderstanding;
  refusal: string | null;
}

function finish(r: { workload: FioWorkload | null; understood: FioUnderstanding }): FioParsed {
  if (r.workload) return { ...r, refusal: null };
  const reasons = [...new Set(r.understood.jobs.map((j) => j.skipped).filter(Boolean))];
  return { ...r, refusal: `no job moves data by DMA: ${reasons.join('; ')}` };
}

export function parseFioJobText(text: string, o: FioParseOptions = {}): FioParsed {
  return finish(understand(readSections(text, o), 'job file'));
}

/**
 * A fio command line. Job files named on it are returned in `jobFiles` for the host to read (and
 * the command line's options then apply to them, as fio does); `base` replaces fio's defaults
 * (the `fio:key=value` short form keeps the simulator's documented defaults).
 */
export function parseFioCommandLine(text: string, o: FioParseOptions & { base?: Partial<FioJob> } = {}): FioParsed & { jobFiles: string[] } {
  const { sections, jobFiles } = cmdlineSections(text, o.env ?? {});
  if (jobFiles.length > 0) {
    if (!o.readInclude) throw new InputError('fio command line', jobFiles.join(' '), 'options only here (open the job file itself, or run it from the CLI)');
    let fileSections: Section[] = [];
    for (const f of jobFiles) fileSections.push(...readSections(o.readInclude(f, ''), { ...o, fileName: f }));
    // fio's --section=NAME (repeatable) runs only the named job sections (and the globals).
    const wanted = sections[0].opts.filter((x) => x.name === 'section').map((x) => x.value);
    if (wanted.length) {
      const missing = wanted.filter((w) => !fileSections.some((sec) => sec.name === w));
      if (missing.length) throw new InputError('fio --section', missing.join(','), `a section of ${jobFiles.join(' ')}: ${fileSections.map((sec) => sec.name).join(', ')}`);
      fileSections = fileSections.filter((sec) => sec.name.startsWith('global') || wanted.includes(sec.name));
    }
    // fio applies command-line options after the job files' own, to every job.
    const cmd = sections[0].opts.filter((x) => x.name !== 'section');
    for (const s of fileSections) if (!s.name.startsWith('global')) s.opts.push(...cmd);
    return { ...finish(understand(fileSections, 'command line', o.base)), jobFiles };
  }
  if (sections.length === 1) sections.push({ name: 'job', opts: [] });
  return { ...finish(understand(sections, 'command line', o.base)), jobFiles };
}

/** Jobs from fio's JSON output: "global options" under each job's "job options". */
export function fioSectionsFromJson(
  globalOptions: Record<string, string>,
  jobs: Array<{ name: string; options: Record<string, string>; implied?: Array<{ name: string; value: string; where: string }> }>,
  forceJobs = false,
): FioParsed {
  const sections: Section[] = [{ name: 'global', opts: Object.entries(globalOptions).map(([name, value]) => ({ name, value: String(value), where: 'global options' })) }];
  for (const j of jobs) {
    const opts = Object.entries(j.options).filter(([k]) => k !== 'name').map(([name, value]) => ({ name, value: String(value), where: `job options of ${j.name}` }));
    sections.push({ name: j.name, opts: [...(j.implied ?? []), ...opts] });
  }
  const r = understand(sections, 'fio JSON', undefined, forceJobs);
  r.understood.source = 'fio JSON';
  return finish(r);
}

/** Canonical command-line text of a multi-job workload; parseFioCommandLine reads it back. */
export function fioJobsText(jobs: FioJob[], groupReporting: boolean): string {
  const parts: string[] = [];
  void groupReporting;
  const split = (s: Array<[number, number]>) => s.map(([b, p]) => `${formatBytes(b)}/${p}`).join(':');
  for (const j of jobs) {
    const d = defaultFioJob(j.name);
    parts.push(/[\s'"]/.test(j.name) ? `--name="${j.name.replace(/"/g, '')}"` : `--name=${j.name}`);
    if (j.stonewall) parts.push('--stonewall=1');
    if (j.newGroup) parts.push('--new_group=1');
    parts.push(`--rw=${j.rwText}`, `--ioengine=${j.ioengine}`);
    if (j.bsRangeRead) parts.push(`--bsrange=${formatBytes(j.bsRangeRead[0])}-${formatBytes(j.bsRangeRead[1])},${formatBytes(j.bsRangeWrite![0])}-${formatBytes(j.bsRangeWrite![1])}`);
    else if (j.bsRead.length === 1 && j.bsWrite.length === 1) parts.push(j.bsRead[0][0] === j.bsWrite[0][0] ? `--bs=${formatBytes(j.bsRead[0][0])}` : `--bs=${formatBytes(j.bsRead[0][0])},${formatBytes(j.bsWrite[0][0])}`);
    else parts.push(`--bssplit=${split(j.bsRead)},${split(j.bsWrite)}`);
    if (j.iodepth !== d.iodepth) parts.push(`--iodepth=${j.iodepth}`);
    if (j.batchSubmit !== 1) parts.push(`--iodepth_batch=${j.batchSubmit}`);
    if (j.batchComplete !== 1) parts.push(`--iodepth_batch_complete_min=${j.batchComplete}`);
    if (j.numjobs !== 1) parts.push(`--numjobs=${j.numjobs}`);
    parts.push(`--size=${j.sizeBytes}`);
    if (j.ioBytes !== null) parts.push(`--io_size=${j.ioBytes}`);
    if (j.ios !== null) parts.push(`--number_ios=${j.ios}`);
    if (j.runtimeUs !== null) parts.push(`--runtime=${j.runtimeUs}us`);
    if (j.timeBased) parts.push('--time_based=1');
    if (j.rampUs) parts.push(`--ramp_time=${j.rampUs}us`);
    if (j.rateBytesPerSec[0] || j.rateBytesPerSec[1]) parts.push(`--rate=${j.rateBytesPerSec[0]},${j.rateBytesPerSec[1]}`);
    if (j.rateIops[0] || j.rateIops[1]) parts.push(`--rate_iops=${j.rateIops[0]},${j.rateIops[1]}`);
    if (j.thinktimeUs) parts.push(`--thinktime=${j.thinktimeUs}us`);
    if (j.rwmixread !== d.rwmixread) parts.push(`--rwmixread=${j.rwmixread}`);
    parts.push(`--direct=${j.direct ? 1 : 0}`);
    if (j.verify) parts.push('--verify=crc32c');
    if (j.groupReporting) parts.push('--group_reporting=1');
  }
  return parts.join(' ');
}
