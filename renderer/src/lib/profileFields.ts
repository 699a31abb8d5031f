/**
 * The profile form: sections, fields, units and how text maps to values. Pure: unit-tested.
 * Paths are dotted (`iommu.invalidation.syncNs`), the same as the validation issues'.
 */
import type { HardwareProfile } from '../../../core/types.ts';
import { fmtBytes, fmtNum } from './format.ts';

export type FieldKind = 'int' | 'number' | 'bytes' | 'bytesList' | 'bool' | 'text' | 'nullableNumber' | 'bytesPerSec' | 'textarea' | 'lines';

export interface FieldDef {
  path: string;
  label: string;
  kind: FieldKind;
  unit?: string;
  help?: string;
}

export interface SectionDef {
  id: string;
  title: string;
  fields: FieldDef[];
}

const f = (path: string, label: string, kind: FieldKind, unit?: string, help?: string): FieldDef => ({ path, label, kind, unit, help });

export const PROFILE_SECTIONS: SectionDef[] = [
  {
    id: 'general', title: 'General', fields: [
      f('id', 'Id', 'text', undefined, 'lowercase letters, digits, . _ - (1-64 chars)'),
      f('name', 'Name', 'text'),
      f('description', 'Description', 'textarea'),
      f('sources', 'Sources (one per line)', 'lines'),
    ],
  },
  {
    id: 'cpu', title: 'CPU', fields: [
      f('cpu.cores', 'Cores', 'int'),
      f('cpu.pageSizeBytes', 'CPU page size', 'bytes', 'bytes'),
      f('cpu.memcpyBytesPerSec', 'memcpy bandwidth', 'bytesPerSec', 'B/s', 'bounce-copy bandwidth, cache-cold source'),
      f('cpu.dmaCoherent', 'DMA coherent', 'bool', undefined, 'false: clean/invalidate every buffer byte on map/unmap'),
      f('cpu.cacheMaintenanceNsPerByte', 'Cache maintenance', 'number', 'ns/byte'),
      f('cpu.submitOverheadUs', 'Submit overhead', 'number', 'µs', 'block layer + driver per IO, outside the DMA API'),
      f('cpu.completionOverheadUs', 'Completion overhead', 'number', 'µs'),
      f('cpu.pageAllocUs', 'Page alloc', 'number', 'µs', 'buddy allocator, one page'),
      f('cpu.pageFreeUs', 'Page free', 'number', 'µs', 'one page back to the buddy allocator (dynamic swiotlb pools)'),
      f('cpu.memoryBytes', 'Memory', 'bytes', 'bytes'),
      f('cpu.dmaApiNs', 'DMA-API dispatch', 'number', 'ns', 'per call, outside the IOMMU driver'),
      f('cpu.copySetupNs', 'Copy setup', 'number', 'ns', 'fixed cost of one bounce copy'),
      f('cpu.slotFindNs', 'Slot find', 'number', 'ns', 'bounce slot search under its lock'),
      f('cpu.slotFreeNs', 'Slot free', 'number', 'ns'),
      f('cpu.dynAllocUs', 'Dynamic buffer alloc', 'number', 'µs', 'swiotlb_dyn_map bookkeeping besides the pages'),
      f('cpu.dynFreeUs', 'Dynamic buffer free', 'number', 'µs'),
      f('cpu.flushQueueAddNs', 'Flush queue add', 'number', 'ns', 'queue_iova per unmap (lazy)'),
      f('cpu.pinnedPageBytes', 'Pinned memory page size', 'bytes', 'bytes', '2 MiB / 1 GiB when the pinned memory is on huge pages'),
      f('cpu.cacheLineBytes', 'Cache line', 'int', 'bytes', '64 on most cores, 128 on Apple M1: PTEs per line = this / PTE size'),
      f('cpu.costJitterFraction', 'Cost jitter', 'number', 'fraction', 'each call costs (1 ± this) × nominal: run-to-run spread'),
      f('cpu.userBufferRunPages', 'User buffer contiguous run', 'number', 'pages', 'an IO buffer is ceil(pages / this) sg entries; 512 = huge-page backed'),
    ],
  },
  {
    id: 'iommu', title: 'IOMMU', fields: [
      f('iommu.granuleBytes', 'Granule (IOMMU page)', 'bytes', 'bytes'),
      f('iommu.blockSizesBytes', 'Block sizes', 'bytesList', 'bytes', 'comma separated, e.g. 2m, 1g'),
      f('iommu.pageTableLevels', 'Page-table levels', 'int'),
      f('iommu.leafTableSpanBytes', 'Leaf table span', 'bytes', 'bytes'),
      f('iommu.mapCallNs', 'map() call', 'number', 'ns'),
      f('iommu.unmapCallNs', 'unmap() call', 'number', 'ns'),
      f('iommu.pteWriteNs', 'PTE write', 'number', 'ns'),
      f('iommu.pteClearNs', 'PTE clear', 'number', 'ns'),
      f('iommu.tableAllocUs', 'Table alloc', 'number', 'µs'),
      f('iommu.freesEmptyTables', 'Frees empty tables', 'bool'),
      f('iommu.freesCoveredTables', 'Frees covered tables', 'bool', undefined, 'an unmap covering a whole leaf table frees it'),
      f('iommu.pteBytes', 'PTE size', 'int', 'bytes', '8 for Arm LPAE, VT-d, DART; 4 for tegra-smmu'),
      f('iommu.pteLineTransferNs', 'PTE line transfer', 'number', 'ns', 'a page-table cache line last written by another CPU'),
      f('iommu.coherentWalk', 'Coherent walk', 'bool', undefined, 'false: PTE writes are cleaned to memory for the walker (see PTE clean by range)'),
      f('iommu.pteCacheCleanNs', 'PTE cache clean', 'number', 'ns'),
      f('iommu.pteCleanByRange', 'PTE clean by range', 'bool', undefined, 'true: a call\'s PTEs are cleaned once per cache line (io-pgtable-arm, VT-d); false: once per PTE (tegra-smmu)'),
      f('iommu.cachesInvalidPtes', 'Caches invalid PTEs', 'bool', undefined, 'true: map also needs an invalidation'),
      f('iommu.iotlbEntries', 'IOTLB entries', 'int'),
      f('iommu.iotlbWays', 'IOTLB ways', 'int'),
      f('iommu.iotlbMissWalkNs', 'IOTLB miss walk', 'number', 'ns'),
      f('iommu.iovaBits', 'IOVA bits', 'int', 'bits'),
    ],
  },
  {
    id: 'invalidation', title: 'Invalidation', fields: [
      f('iommu.invalidation.byAddressNs', 'By address (per page)', 'nullableNumber', 'ns', 'empty: the hardware has no such command'),
      f('iommu.invalidation.byRangeNs', 'By range (fixed)', 'nullableNumber', 'ns', 'empty: the hardware has no such command'),
      f('iommu.invalidation.byRangePerPageNs', 'By range (per page)', 'number', 'ns'),
      f('iommu.invalidation.byRangeMaxPages', 'Range max pages', 'int', 'pages'),
      f('iommu.invalidation.domainNs', 'Whole domain / ASID', 'nullableNumber', 'ns', 'empty: the hardware has no such command'),
      f('iommu.invalidation.streamNs', 'Whole stream', 'nullableNumber', 'ns', 'Apple DART flushes whole streams only'),
      f('iommu.invalidation.walkCacheByAddressNs', 'Walk cache by address', 'nullableNumber', 'ns', 'empty: none'),
      f('iommu.invalidation.walkCacheAllNs', 'Walk cache, all', 'nullableNumber', 'ns', 'whole walk-cache flush; empty: none'),
      f('iommu.invalidation.syncNs', 'Sync / completion wait', 'number', 'ns'),
      f('iommu.invalidation.syncEachPage', 'Sync after every page', 'bool'),
      f('iommu.invalidation.hardwareQueue', 'Hardware command queue', 'bool', undefined, 'true: CPUs insert, the IOMMU consumes, waits overlap (SMMUv3 cmdq, VT-d QI); false: a driver lock held through the poll'),
      f('iommu.invalidation.queues', 'Queues', 'int', undefined, 'independent queues or locks (ECMDQ, CMDQV: several)'),
      f('iommu.invalidation.insertNs', 'Insert per batch', 'number', 'ns'),
      f('iommu.invalidation.syncLatencyNs', 'Sync latency', 'number', 'ns', 'sync consumed to waiter notified; occupies no queue'),
      f('iommu.invalidation.contentionNsPerCpu', 'Contention per CPU', 'number', 'ns', 'extra queue time per other active CPU'),
      f('iommu.invalidation.maxPerPageCmds', 'Max per-page commands', 'nullableNumber', 'commands', 'above: one ASID-wide command; empty: no limit'),
    ],
  },
  {
    id: 'iova', title: 'IOVA allocator', fields: [
      f('iova.rcacheMagazineSize', 'rcache magazine size', 'int', 'entries'),
      f('iova.rcacheMaxPages', 'rcache max size', 'int', 'pages'),
      f('iova.rcacheDepotMagazines', 'Depot magazines', 'int'),
      f('iova.rcacheHitNs', 'rcache hit', 'number', 'ns'),
      f('iova.treeAllocNs', 'Tree alloc', 'number', 'ns'),
      f('iova.treeFreeNs', 'Tree free', 'number', 'ns'),
      f('iova.sizeAligned', 'Size-aligned', 'bool'),
    ],
  },
  {
    id: 'virt', title: 'Virtualisation', fields: [
      f('virt.enabled', 'Virtual IOMMU', 'bool'),
      f('virt.mode', 'Mode', 'text', undefined, 'virtio, nested, vcmdq or emulated'),
      f('virt.trapUs', 'Trap round trip', 'number', 'µs'),
      f('virt.requestUs', 'VMM + VFIO per request', 'number', 'µs'),
      f('virt.hostMapPerPageUs', 'Host map per page', 'number', 'µs'),
      f('virt.hostUnmapPerPageUs', 'Host unmap per page', 'number', 'µs'),
      f('virt.hostInvPerCmdUs', 'Host per invalidation command', 'number', 'µs'),
      f('virt.hostSyncUs', 'Host per trapped sync', 'number', 'µs'),
      f('virt.bigLock', 'Big lock', 'bool', undefined, 'serialises requests from all vCPUs'),
      f('virt.wakeUs', 'VMM wake-up', 'number', 'µs', 'paid by a request that finds the VMM thread idle'),
      f('virt.wakeIdleUs', 'Idle time for a full wake-up', 'number', 'µs'),
      f('virt.wakeMinIdleUs', 'Idle time before any wake-up cost', 'number', 'µs'),
      f('virt.guestIrqUs', 'Guest interrupt per IO', 'number', 'µs'),
    ],
  },
  {
    id: 'device', title: 'Device', fields: [
      f('device.name', 'Name', 'text'),
      f('device.bandwidthBytesPerSec', 'Bandwidth', 'bytesPerSec', 'B/s'),
      f('device.readLatencyUs', 'Read latency', 'number', 'µs'),
      f('device.writeLatencyUs', 'Write latency', 'number', 'µs'),
      f('device.latencyJitterFraction', 'Latency jitter', 'number', 'fraction', 'uniform in latency × (1 ± this); 0 = fixed'),
      f('device.parallelism', 'Parallelism', 'int', 'requests'),
      f('device.sessionSetupUs', 'Session setup', 'number', 'µs'),
      f('device.sendOverheadUs', 'Send overhead', 'number', 'µs'),
      f('device.guestSendOverheadUs', 'Guest send overhead', 'number', 'µs', 'extra per send when the test runs in the guest'),
    ],
  },
  {
    id: 'iopf', title: 'IOPF', fields: [
      f('iopf.faultReportUs', 'Fault report', 'number', 'µs'),
      f('iopf.faultHandlerUs', 'Fault handler', 'number', 'µs'),
      f('iopf.pinMapPerPageUs', 'Pin + map per page', 'number', 'µs'),
      f('iopf.pageResponseUs', 'Page response', 'number', 'µs'),
      f('iopf.svaFaultPerPageUs', 'SVA fault per page', 'number', 'µs'),
    ],
  },
];

export const ALL_FIELDS: FieldDef[] = PROFILE_SECTIONS.flatMap((s) => s.fields);

const KNOWN = new Set(ALL_FIELDS.map((x) => x.path));

/** Dotted paths of a profile's leaves (arrays are leaves). */
export function leafPaths(o: unknown, prefix = ''): string[] {
  if (o && typeof o === 'object' && !Array.isArray(o)) {
    return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
  }
  return prefix ? [prefix] : [];
}

/** A field for a profile key this form does not know yet (the engine grew one): kind and unit from its name. */
export function inferField(path: string, value: unknown): FieldDef {
  const name = path.split('.').pop()!;
  const unitOf: Array<[RegExp, string]> = [[/BytesPerSec$/, 'B/s'], [/Bytes$/, 'bytes'], [/Ns$/, 'ns'], [/Us$/, 'µs'], [/Ms$/, 'ms'], [/Fraction$/, 'fraction'], [/Pages$/, 'pages']];
  const unit = unitOf.find(([re]) => re.test(name))?.[1];
  const bare = name.replace(/(BytesPerSec|Bytes|Ns|Us|Ms)$/, '');
  const label = bare.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
  let kind: FieldKind = 'number';
  if (typeof value === 'boolean') kind = 'bool';
  else if (typeof value === 'string') kind = 'text';
  else if (Array.isArray(value)) kind = /Bytes$/.test(name) ? 'bytesList' : 'lines';
  else if (value === null) kind = 'nullableNumber';
  else if (/BytesPerSec$/.test(name)) kind = 'bytesPerSec';
  else if (/Bytes$/.test(name)) kind = 'bytes';
  else if (path.startsWith('iommu.invalidation.') && /Ns$/.test(name)) kind = 'nullableNumber';
  return { path, label, kind, unit };
}

/** The form's sections for this profile: the known fields, plus any unknown leaf under its section. */
export function sectionsFor(profile: unknown): SectionDef[] {
  const extra = leafPaths(profile).filter((p) => !KNOWN.has(p) && p !== 'builtIn');
  if (!extra.length) return PROFILE_SECTIONS;
  const sections = PROFILE_SECTIONS.map((s) => ({ ...s, fields: [...s.fields] }));
  const home = (p: string) => {
    if (p.startsWith('iommu.invalidation.')) return 'invalidation';
    const top = p.split('.')[0];
    return sections.some((s) => s.id === top) ? top : 'general';
  };
  for (const p of extra) sections.find((s) => s.id === home(p))!.fields.push(inferField(p, getPath(profile, p)));
  return sections;
}

export function getPath(obj: unknown, path: string): unknown {
  let o: unknown = obj;
  for (const k of path.split('.')) {
    if (o === null || o === undefined || typeof o !== 'object') return undefined;
    o = (o as Record<string, unknown>)[k];
  }
  return o;
}

/** Returns a copy of `obj` with `path` set (objects on the way are copied, not mutated). */
export function setPath<T>(obj: T, path: string, value: unknown): T {
  const keys = path.split('.');
  const root = (Array.isArray(obj) ? [...obj] : { ...(obj as object) }) as Record<string, unknown>;
  let o = root;
  for (let i = 0; i < keys.length - 1; i++) {
    const cur = o[keys[i]];
    const next = cur && typeof cur === 'object' ? { ...(cur as object) } : {};
    o[keys[i]] = next;
    o = next as Record<string, unknown>;
  }
  o[keys[keys.length - 1]] = value;
  return root as T;
}

const SIZE = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i;
const MULT: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
/** Rates use binary multipliers like sizes (12g = 12 GiB/s), as they are shown. */
const RATE = /^\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([kmgt]?)i?(?:b(?:\/s|ps)?)?\s*$/i;

/** Text typed into a field → the value to store, or an error saying what is expected. */
export function parseFieldText(kind: FieldKind, text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const t = text.trim();
  switch (kind) {
    case 'text':
    case 'textarea':
      return { ok: true, value: text };
    case 'lines':
      return { ok: true, value: text.split('\n').map((s) => s.trim()).filter(Boolean) };
    case 'bool':
      return { ok: true, value: t === 'true' };
    case 'int': {
      if (!/^-?\d+$/.test(t)) return { ok: false, error: 'must be a whole number' };
      return { ok: true, value: Number(t) };
    }
    case 'number': {
      const n = Number(t);
      if (t === '' || !Number.isFinite(n)) return { ok: false, error: 'must be a number' };
      return { ok: true, value: n };
    }
    case 'nullableNumber': {
      if (t === '' || t === '-' || t.toLowerCase() === 'none' || t.toLowerCase() === 'null') return { ok: true, value: null };
      const n = Number(t);
      if (!Number.isFinite(n)) return { ok: false, error: 'must be a number, or empty for "not supported"' };
      return { ok: true, value: n };
    }
    case 'bytes': {
      const m = SIZE.exec(t);
      if (!m) return { ok: false, error: 'must be a size in bytes, e.g. 4096, 16k, 64m, 1g' };
      return { ok: true, value: Math.round(Number(m[1]) * MULT[m[2].toLowerCase()]) };
    }
    case 'bytesList': {
      if (t === '') return { ok: true, value: [] };
      const out: number[] = [];
      for (const part of t.split(/[,\s]+/).filter(Boolean)) {
        const m = SIZE.exec(part);
        if (!m) return { ok: false, error: `"${part}" is not a size; use e.g. 2m, 1g` };
        out.push(Math.round(Number(m[1]) * MULT[m[2].toLowerCase()]));
      }
      return { ok: true, value: out };
    }
    case 'bytesPerSec': {
      const m = RATE.exec(t);
      if (!m) return { ok: false, error: 'must be a rate in bytes/s, e.g. 12g, 2.5G, 3.2e9' };
      const mult = MULT[m[2].toLowerCase()];
      return { ok: true, value: Math.round(Number(m[1]) * mult) };
    }
  }
}

/** A stored value as the text shown in its field. */
export function fieldText(kind: FieldKind, v: unknown): string {
  if (v === null || v === undefined) return '';
  switch (kind) {
    case 'lines':
      return Array.isArray(v) ? v.join('\n') : String(v);
    case 'bytes':
      return typeof v === 'number' ? compactBytes(v) : String(v);
    case 'bytesList':
      return Array.isArray(v) ? v.map((x) => (typeof x === 'number' ? compactBytes(x) : String(x))).join(', ') : String(v);
    case 'bytesPerSec':
      return typeof v === 'number' ? compactRate(v) : String(v);
    default:
      return String(v);
  }
}

/** 16384 → 16k, 1073741824 → 1g; otherwise the plain number. */
export function compactBytes(n: number): string {
  for (const [s, m] of [['t', 1024 ** 4], ['g', 1024 ** 3], ['m', 1024 ** 2], ['k', 1024]] as const) {
    if (n >= m && n % m === 0) return `${n / m}${s}`;
  }
  return String(n);
}

/** Rates: 12g when exact in binary units with few digits, else 2.8e9, else the plain number. */
export function compactRate(n: number): string {
  const c = compactBytes(n);
  if (/^\d{1,4}[kmgt]$/.test(c) || c === String(n) && n < 1e7) return c;
  return n.toExponential().replace('e+', 'e');
}

/** A hint beside a value (human size or rate). */
export function fieldHint(kind: FieldKind, v: unknown): string {
  if (typeof v !== 'number') return '';
  if (kind === 'bytes') return fmtBytes(v);
  if (kind === 'bytesPerSec') return `${fmtBytes(v)}/s`;
  if (kind === 'number' && Math.abs(v) >= 10000) return fmtNum(v);
  return '';
}

/** Profile validation issues mapped to the form's fields; issues on a whole section go to its first field. */
export function issuesForForm(issues: Array<{ path: string; message: string }>, extraPaths?: string[]): { byField: Record<string, string>; other: string[] } {
  const byField: Record<string, string> = {};
  const other: string[] = [];
  const known = new Set([...ALL_FIELDS.map((x) => x.path), ...(extraPaths ?? [])]);
  for (const i of issues) {
    let p = i.path;
    // array items (blockSizesBytes.0) belong to their field
    while (p && !known.has(p) && /\.\d+$/.test(p)) p = p.replace(/\.\d+$/, '');
    if (known.has(p)) {
      if (!(p in byField)) byField[p] = i.message;
    } else {
      other.push(`${i.path}: ${i.message}`);
    }
  }
  return { byField, other };
}

export type { HardwareProfile };
