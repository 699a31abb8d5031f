import { InputError } from './errors.ts';
import type { StrategyId, StrategyParamValue, StrategySpec } from './types.ts';
import { formatBytes, parseBool, parseIntIn, parseSize } from './units.ts';

export interface StrategyParamDef {
  key: string;
  kind: 'size' | 'int' | 'bool' | 'enum' | 'sizes';
  default: StrategyParamValue;
  min?: number;
  max?: number;
  values?: string[];
  unit?: string;
  doc: string;
}

export interface StrategyDef {
  id: StrategyId;
  title: string;
  /** The kernel path or patch series the model follows. */
  models: string;
  /**
   * No static protection class: a strategy's protection is read from each result's measured
   * exposure (core/protection.ts), so pinned, iopf and passthrough show 'none' where they expose memory.
   */
  summary: string;
  params: StrategyParamDef[];
}

const KiB = 1024;
const MiB = 1024 * 1024;

export const STRATEGIES: StrategyDef[] = [
  {
    id: 'passthrough',
    title: 'Passthrough',
    models: 'iommu.passthrough=1 / IOMMU_DOMAIN_IDENTITY: dma-direct, no translation',
    summary: 'Identity mapping: the device sees all memory. Upper bound on speed, no protection.',
    params: [],
  },
  {
    id: 'strict',
    title: 'Strict',
    models: 'iommu.strict=1: iommu_dma_map_page/unmap_page, iommu_unmap + iommu_iotlb_sync on every unmap',
    summary: 'Map and unmap every buffer; a synchronous IOTLB invalidation per unmapped page before unmap returns.',
    params: [
      { key: 'syncMap', kind: 'bool', default: false, doc: 'virtio-iommu only: viommu_iotlb_sync_map (2023), the MAP requests of one iommu_map/iommu_map_sg call are queued and synced once instead of one synchronous round trip each' },
    ],
  },
  {
    id: 'lazy',
    title: 'Lazy (flush queue)',
    models: 'iommu.strict=0: drivers/iommu/dma-iommu.c queue_iova / fq_flush_timeout (per-CPU flush queues)',
    summary: 'Unmapped IOVAs wait in per-CPU flush queues; one domain-wide flush when a queue fills or the timer fires. The device can still reach freed buffers until then.',
    params: [
      { key: 'fq', kind: 'int', default: 256, min: 1, max: 1_000_000, doc: 'flush queue entries per CPU (IOVA_FQ_SIZE)' },
      { key: 'timeoutMs', kind: 'int', default: 10, min: 1, max: 60_000, unit: 'ms', doc: 'flush timer (IOVA_FQ_TIMEOUT)' },
      { key: 'single', kind: 'bool', default: false, doc: 'one shared queue of 32768 entries, 1000 ms timeout (IOVA_SINGLE_FQ_SIZE) unless fq/timeoutMs say otherwise' },
      { key: 'syncMap', kind: 'bool', default: false, doc: 'virtio-iommu only: viommu_iotlb_sync_map (2023), the MAP requests of one iommu_map/iommu_map_sg call are queued and synced once instead of one synchronous round trip each' },
    ],
  },
  {
    id: 'range-flush',
    title: 'Range flush',
    models: '[RFC PATCH 0/3] iommu: Add range flush operation (Figa 2015); today iommu_iotlb_gather + iotlb_sync / iotlb_sync_map',
    summary: 'Strict protection with one gathered flush per map/unmap range instead of one per page; map needs no flush on a coherent walk that never caches invalid PTEs.',
    params: [],
  },
  {
    id: 'swiotlb',
    title: 'swiotlb (static)',
    models: 'kernel/dma/swiotlb.c swiotlb_tbl_map_single / swiotlb=force, IO_TLB_SHIFT 11, IO_TLB_SEGSIZE 128',
    summary: 'Copy through a boot-time pool of 2 KiB slots; at most 128 contiguous slots (256 KiB) per mapping; an exhausted pool fails the mapping.',
    params: [
      { key: 'pool', kind: 'size', default: 64 * MiB, min: 256 * KiB, max: 64 * 1024 * MiB, doc: 'pool size (swiotlb= / 6% of RAM under SEV)' },
      { key: 'iommu', kind: 'bool', default: true, doc: '1: the slot is mapped through the IOMMU (dma-iommu, untrusted devices); 0: dma-direct (swiotlb=force, confidential guests)' },
    ],
  },
  {
    id: 'swiotlb-dynamic',
    title: 'swiotlb (dynamic)',
    models: '[PATCH v2 0/7] Allow dynamic allocation of software IO TLB bounce buffers (Tesarik 2023), swiotlb_dyn_alloc',
    summary: 'swiotlb whose buffers are allocated on demand when the small static pool is busy: memory follows load, growth costs page allocation.',
    params: [
      { key: 'pool', kind: 'size', default: 1 * MiB, min: 0, max: 64 * 1024 * MiB, doc: 'static part of the pool' },
      { key: 'iommu', kind: 'bool', default: true, doc: '1: buffers are mapped through the IOMMU; 0: dma-direct' },
    ],
  },
  {
    id: 'bounce-pool',
    title: 'IOMMU bounce pool',
    models: '[PATCH 0/4] Add dynamic iommu backed bounce buffers (Stevens 2021), drivers/iommu/io-buffer-pool.c',
    summary: 'Per-domain pools of IOMMU-mapped bounce slots in power-of-two classes; freed slots stay mapped, cached by protection, and are evicted after an idle period; anything else falls back to the normal path.',
    params: [
      { key: 'classes', kind: 'sizes', default: [4 * KiB, 16 * KiB, 128 * KiB], doc: 'slot size classes, + separated (default mask 32|4|1)' },
      { key: 'slots', kind: 'int', default: 1024, min: 1, max: 1_000_000, doc: 'slots per class' },
      { key: 'evictMs', kind: 'int', default: 5000, min: 1, max: 3_600_000, unit: 'ms', doc: 'unused cached slots are unmapped after this period' },
    ],
  },
  {
    id: 'iopf',
    title: 'I/O page faults',
    models: '[RFC PATCH v3 0/8] Add IOPF support for VFIO passthrough (Lu 2021), vfio_iommu_type1_dma_map_iopf; SVA: iommu_sva_handle_iopf',
    summary: 'Nothing pinned up front: the first device access to a page faults, the handler pins and maps it plus premap-1 following pages, then the device retries.',
    params: [
      { key: 'premap', kind: 'int', default: 512, min: 1, max: 1 << 20, unit: 'pages', doc: 'pages mapped per fault (IOPF_PREMAP_LEN; mode=vfio only: SVA maps the faulting page)' },
      { key: 'mode', kind: 'enum', default: 'vfio', values: ['vfio', 'sva'], doc: 'vfio: VFIO passthrough in a guest; sva: host shared virtual addressing' },
    ],
  },
  {
    id: 'pinned',
    title: 'Pinned',
    models: 'VFIO type1 default: VFIO_IOMMU_MAP_DMA of all guest memory at start; long-lived streaming mappings',
    summary: 'Everything pinned and mapped once up front; no per-IO IOMMU work, maximum pinned memory.',
    params: [],
  },
];

const BY_ID = new Map(STRATEGIES.map((s) => [s.id, s]));

export function strategyDef(id: string): StrategyDef {
  const def = BY_ID.get(id as StrategyId);
  if (!def) throw new InputError('strategy', id, STRATEGIES.map((s) => s.id).join(', '));
  return def;
}

function parseParam(strategy: string, def: StrategyParamDef, raw: string): StrategyParamValue {
  const field = `strategy ${strategy} parameter ${def.key}`;
  switch (def.kind) {
    case 'size':
      return parseSize(field, raw, def.min ?? 1, def.max);
    case 'int':
      return parseIntIn(field, raw, def.min ?? 0, def.max ?? Number.MAX_SAFE_INTEGER);
    case 'bool':
      return parseBool(field, raw);
    case 'enum':
      if (!def.values!.includes(raw)) throw new InputError(field, raw, def.values!.join(', '));
      return raw;
    case 'sizes': {
      const sizes = raw.split('+').map((s) => parseSize(field, s, 512, 64 * MiB));
      for (const s of sizes) {
        if ((s & (s - 1)) !== 0) throw new InputError(field, raw, 'power-of-two sizes such as 4k+16k+128k');
      }
      const sorted = [...new Set(sizes)].sort((a, b) => a - b);
      return sorted;
    }
  }
}

function paramText(def: StrategyParamDef, v: StrategyParamValue): string {
  if (def.kind === 'size') return formatBytes(v as number);
  if (def.kind === 'sizes') return (v as number[]).map(formatBytes).join('+');
  if (def.kind === 'bool') return v ? '1' : '0';
  return String(v);
}

function sameValue(a: StrategyParamValue, b: StrategyParamValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** `id:key=value[:key=value...]`. */
export function parseStrategy(text: string): StrategySpec {
  const parts = text.trim().split(':');
  const def = strategyDef(parts[0].trim());
  const params: Record<string, StrategyParamValue> = {};
  for (const p of def.params) params[p.key] = p.default;
  const seen = new Set<string>();
  for (const part of parts.slice(1)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new InputError(`strategy ${def.id}`, part, `key=value with keys ${def.params.map((p) => p.key).join(', ') || '(none)'}`);
    const key = part.slice(0, eq).trim();
    const pdef = def.params.find((p) => p.key === key);
    if (!pdef) throw new InputError(`strategy ${def.id} parameter`, key, def.params.map((p) => p.key).join(', ') || 'no parameters');
    if (seen.has(key)) throw new InputError(`strategy ${def.id} parameter ${key}`, part, 'each parameter once');
    seen.add(key);
    params[key] = parseParam(def.id, pdef, part.slice(eq + 1).trim());
  }
  // IOPF_PREMAP_LEN is the VFIO series' knob; iommu_sva_handle_iopf serves the one faulting page.
  if (def.id === 'iopf' && params.mode === 'sva' && seen.has('premap') && params.premap !== 1) {
    throw new InputError('strategy iopf parameter premap', String(params.premap), '1 or left out with mode=sva (iommu_sva_handle_iopf maps the faulting page only; premap is VFIO IOPF\'s IOPF_PREMAP_LEN)');
  }
  return { id: def.id, params, text: strategyText(def.id, params) };
}

export function strategyText(id: StrategyId, params: Record<string, StrategyParamValue>): string {
  const def = strategyDef(id);
  const parts: string[] = [id];
  for (const p of [...def.params].sort((a, b) => a.key.localeCompare(b.key))) {
    const v = params[p.key];
    if (v !== undefined && !sameValue(v, p.default)) parts.push(`${p.key}=${paramText(p, v)}`);
  }
  return parts.join(':');
}

/** A comma separates strategies; `all` expands to every strategy with defaults. */
export function parseStrategyList(text: string): StrategySpec[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new InputError('strategy', text, 'one or more of ' + STRATEGIES.map((s) => s.id).join(', '));
  const out: StrategySpec[] = [];
  for (const item of items) {
    if (item === 'all') out.push(...STRATEGIES.map((s) => parseStrategy(s.id)));
    else out.push(parseStrategy(item));
  }
  return out;
}
