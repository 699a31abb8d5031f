/**
 * Kernel DMA/IOMMU traces as text: `trace-cmd report` output or /sys/kernel/tracing/trace, with
 * the event formats of include/trace/events/dma.h (dma_map_page/phys/resource, dma_unmap_*,
 * dma_map_sg in its older `dma_addrs=` and newer `nents=a/b ents=c/d [TRUNCATED]` forms,
 * dma_unmap_sg, dma_sync_*, the dma_alloc and dma_free families) and include/trace/events/iommu.h (map/unmap
 * in the old `iova=` and newer `iova=A - B` forms, io_page_fault). Every line is either an event
 * used, an event counted, a header, or counted as unparsed (the first few are kept to show).
 */
import { InputError } from './errors.ts';
import type { DmaDirection, TraceFacts, TraceWorkload } from './types.ts';

const DIRS: DmaDirection[] = ['BIDIRECTIONAL', 'TO_DEVICE', 'FROM_DEVICE'];

/** `comm-pid [cpu] flags? timestamp: event: fields`, with an optional `(tgid)` column. */
const LINE = /^\s*(.*?)-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[(\d+)\]\s+(?:([a-zA-Z.0-9]{4,6})\s+)?(\d+\.\d+):\s+(?:[a-z_]+:)?([a-z_0-9]+):\s?(.*)$/;

interface Mapping {
  t: number;
  end: number;
  bytes: number;
  dir: number;
  cpu: number;
  sg: number;
  dev: number;
  skipSync: boolean;
}

const hex = (s: string | undefined) => (s === undefined ? NaN : parseInt(s.replace(/^0x/, ''), 16));

function field(body: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${name}=(\\S*)`).exec(body);
  return m ? m[1] : undefined;
}

function array(text: string | undefined): string[] {
  if (!text) return [];
  const m = /^\{(.*)\}$/.exec(text);
  return m ? m[1].split(',').filter(Boolean) : [];
}

export interface TraceParseOptions {
  source: string;
  /** Keep only this device (dev_name, e.g. 0000:c2:00.0). */
  device?: string | null;
  /** Unparsed lines kept to show (default 5). */
  keepUnparsed?: number;
}

/** Parses a trace; throws InputError when it holds no usable DMA or IOMMU mapping event. */
export function parseTrace(text: string, o: TraceParseOptions): TraceWorkload {
  const maps: Mapping[] = [];
  const iommuMaps: Mapping[] = [];
  const devices: string[] = [];
  const devIndex = (d: string) => {
    let i = devices.indexOf(d);
    if (i < 0) i = devices.push(d) - 1;
    return i;
  };
  const open = new Map<string, number>();
  const openIommu = new Map<number, number>();
  const events: Record<string, number> = {};
  const faults: Record<string, number> = {};
  const unparsedFirst: string[] = [];
  let unparsed = 0;
  let unmatchedUnmaps = 0;
  let truncatedSg = 0;
  let syncs = 0;
  let filteredOut = 0;
  const seen = new Set<string>();
  let t0 = NaN;
  let tLast = 0;
  const keep = o.keepUnparsed ?? 5;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, n) => {
    const line = raw.replace(/\s+$/, '');
    if (line === '' || line.startsWith('#') || /^cpus=\d+$/.test(line.trim()) || /^version = /.test(line.trim()) || /^CPU \d+ is empty$/.test(line.trim())) return;
    const m = LINE.exec(line);
    if (!m) {
      unparsed++;
      if (unparsedFirst.length < keep) unparsedFirst.push(`${n + 1}: ${line.slice(0, 160)}`);
      return;
    }
    const cpu = Number(m[3]);
    const tUs = Number(m[5]) * 1e6;
    const ev = m[6];
    const body = m[7].trim();
    const bad = () => {
      unparsed++;
      if (unparsedFirst.length < keep) unparsedFirst.push(`${n + 1}: ${line.slice(0, 160)}`);
    };
    const dev = body.split(/\s/, 1)[0];
    const isDma = ev.startsWith('dma_');
    if (isDma && o.device && dev !== o.device) {
      filteredOut++;
      seen.add(dev);
      return;
    }
    if (Number.isNaN(t0)) t0 = tUs;
    const t = tUs - t0;
    if (t > tLast) tLast = t;
    const dir = DIRS.indexOf((field(body, 'dir') ?? '') as DmaDirection);
    const attrs = field(body, 'attrs') ?? '';
    const skipSync = attrs.split('|').includes('SKIP_CPU_SYNC');
    switch (ev) {
      case 'dma_map_page':
      case 'dma_map_phys':
      case 'dma_map_resource':
      case 'dma_alloc':
      case 'dma_alloc_pages': {
        const addr = hex(field(body, 'dma_addr'));
        const size = Number(field(body, 'size'));
        if (!Number.isFinite(addr) || !(size > 0) || (ev.startsWith('dma_map') && dir < 0)) return bad();
        const index = maps.push({ t, end: NaN, bytes: size, dir: dir < 0 ? 0 : dir, cpu, sg: 1, dev: devIndex(dev), skipSync }) - 1;
        open.set(`${dev} ${addr}`, index);
        break;
      }
      case 'dma_alloc_sgt': {
        const addr = hex(field(body, 'dma_addr'));
        const size = Number(field(body, 'size'));
        if (!Number.isFinite(addr) || !(size > 0)) return bad();
        const index = maps.push({ t, end: NaN, bytes: size, dir: Math.max(0, dir), cpu, sg: Math.max(1, array(field(body, 'phys_addrs')).length), dev: devIndex(dev), skipSync }) - 1;
        open.set(`${dev} ${addr}`, index);
        break;
      }
      case 'dma_map_sg': {
        const sizes = array(field(body, 'sizes')).map(Number);
        const phys = array(field(body, 'phys_addrs'));
        const ents = /ents=(\d+)\/(\d+)/.exec(body.replace(/nents=\d+\/\d+/, ''));
        const nents = /nents=(\d+)\/(\d+)/.exec(body);
        if (dir < 0 || sizes.length === 0 || sizes.some((x) => !Number.isFinite(x)) || phys.length === 0) return bad();
        let bytes = sizes.reduce((a, b) => a + b, 0);
        let sg = Math.max(1, nents ? Number(nents[2]) : phys.length);
        if (body.includes('[TRUNCATED]') && ents) {
          // Only the first 128 entries are traced: scale by the full count (mean entry size).
          truncatedSg++;
          bytes = Math.round((bytes / sizes.length) * Number(ents[2]));
          sg = Math.max(sg, Number(nents?.[2] ?? sg));
        }
        const index = maps.push({ t, end: NaN, bytes, dir, cpu, sg, dev: devIndex(dev), skipSync }) - 1;
        open.set(`${dev} sg ${hex(phys[0])}`, index);
        break;
      }
      case 'dma_unmap_page':
      case 'dma_unmap_phys':
      case 'dma_unmap_resource':
      case 'dma_free':
      case 'dma_free_pages':
      case 'dma_free_sgt':
      case 'dma_unmap_sg': {
        const key = ev === 'dma_unmap_sg' ? `${dev} sg ${hex(array(field(body, 'phys_addrs'))[0])}` : `${dev} ${hex(field(body, 'dma_addr'))}`;
        const i = open.get(key);
        if (i === undefined) unmatchedUnmaps++;
        else {
          maps[i].end = t;
          open.delete(key);
        }
        break;
      }
      case 'dma_sync_single_for_cpu':
      case 'dma_sync_single_for_device':
      case 'dma_sync_sg_for_cpu':
      case 'dma_sync_sg_for_device':
        syncs++;
        break;
      case 'dma_map_sg_err':
      case 'dma_alloc_sgt_err':
        break;
      case 'map': {
        const iova = hex(/iova=(0x[0-9a-f]+)/i.exec(body)?.[1]);
        const size = Number(field(body, 'size'));
        if (!Number.isFinite(iova) || !(size > 0)) return bad();
        const index = iommuMaps.push({ t, end: NaN, bytes: size, dir: 0, cpu, sg: 1, dev: devIndex('iommu'), skipSync: false }) - 1;
        openIommu.set(iova, index);
        break;
      }
      case 'unmap': {
        const iova = hex(/iova=(0x[0-9a-f]+)/i.exec(body)?.[1]);
        const i = openIommu.get(iova);
        if (i === undefined) unmatchedUnmaps++;
        else {
          iommuMaps[i].end = t;
          openIommu.delete(iova);
        }
        break;
      }
      case 'io_page_fault': {
        const pf = /^IOMMU:(\S+)\s+(\S+)/.exec(body);
        const d = pf ? pf[2] : 'unknown';
        if (o.device && d !== o.device) return;
        faults[d] = (faults[d] ?? 0) + 1;
        break;
      }
      default:
        events[`other:${ev}`] = (events[`other:${ev}`] ?? 0) + 1;
        return;
    }
    events[ev] = (events[ev] ?? 0) + 1;
  });
  // dma: events name the device; iommu:map/unmap do not. Use them only when no dma: event is there.
  const used = maps.length > 0 ? maps : o.device ? [] : iommuMaps;
  if (used.length === 0) {
    throw new InputError(`trace ${o.source}`, o.device ? `dev=${o.device}` : `${lines.length} lines`,
      `a trace with dma:dma_map_* / dma_unmap_* or iommu:map / unmap events${o.device ? ` for that device (devices seen: ${[...seen].join(', ') || 'none'}${filteredOut ? `; ${filteredOut} events of other devices` : ''})` : ''} (${unparsed} unparsed lines${unparsedFirst.length ? `, first: ${unparsedFirst[0]}` : ''})`);
  }
  let neverUnmapped = 0;
  for (const mp of used) {
    if (Number.isNaN(mp.end)) {
      neverUnmapped++;
      mp.end = tLast;
    }
  }
  used.sort((a, b) => a.t - b.t);
  const facts = traceFacts(used, devices, tLast);
  facts.events = events;
  facts.unparsedLines = unparsed;
  facts.unparsedFirst = unparsedFirst;
  facts.unmatchedUnmaps = unmatchedUnmaps;
  facts.neverUnmapped = neverUnmapped;
  facts.truncatedSg = truncatedSg;
  facts.syncs = syncs;
  facts.pageFaults = faults;
  facts.source = maps.length > 0 ? 'dma' : 'iommu';
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return {
    kind: 'trace', source: o.source, device: o.device ?? null, devices,
    mapUs: used.map((x) => r(x.t)), lifeUs: used.map((x) => r(Math.max(0, x.end - x.t))), bytes: used.map((x) => x.bytes), dir: used.map((x) => x.dir),
    cpu: used.map((x) => x.cpu), sg: used.map((x) => x.sg), dev: used.map((x) => x.dev), skipSync: used.map((x) => (x.skipSync ? 1 : 0)), facts,
  };
}

/** What the trace itself shows: sizes, rate, peak live mappings per device. */
function traceFacts(maps: Mapping[], devices: string[], durationUs: number): TraceFacts {
  const sizeHistogram: Record<string, number> = {};
  for (const mp of maps) {
    const b = mp.bytes <= 4096 ? 4096 : 2 ** Math.ceil(Math.log2(mp.bytes));
    const label = b >= 1024 * 1024 ? `${b / 1024 / 1024}M` : `${b / 1024}K`;
    sizeHistogram[label] = (sizeHistogram[label] ?? 0) + 1;
  }
  const peakLive: Record<string, number> = {};
  devices.forEach((d, i) => {
    const ev: Array<[number, number]> = [];
    for (const mp of maps) if (mp.dev === i) ev.push([mp.t, 1], [mp.end, -1]);
    ev.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let live = 0;
    let peak = 0;
    for (const [, d2] of ev) {
      live += d2;
      if (live > peak) peak = live;
    }
    if (ev.length) peakLive[d] = peak;
  });
  const bytes = maps.reduce((a, x) => a + x.bytes, 0);
  return {
    mappings: maps.length, bytes, durationUs: Math.round(durationUs * 1000) / 1000,
    mappingsPerSecond: durationUs > 0 ? Math.round((maps.length / durationUs) * 1e6 * 10) / 10 : 0,
    sizeHistogram, peakLive, events: {}, unparsedLines: 0, unparsedFirst: [], unmatchedUnmaps: 0, neverUnmapped: 0, truncatedSg: 0, syncs: 0,
    pageFaults: {}, source: 'dma',
  };
}

/** Peak number of mappings live at once (the slots the replay needs). */
export function tracePeakLive(w: TraceWorkload): number {
  const ev: Array<[number, number]> = [];
  for (let i = 0; i < w.mapUs.length; i++) ev.push([w.mapUs[i], 1], [w.mapUs[i] + w.lifeUs[i], -1]);
  ev.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let live = 0;
  let peak = 1;
  for (const [, d] of ev) {
    live += d;
    if (live > peak) peak = live;
  }
  return peak;
}

/** Self-contained canonical text: a readable first line, the facts, then one mapping a line. */
const enc = (s: string) => s.replace(/%/g, '%25').replace(/ /g, '%20').replace(/,/g, '%2C').replace(/\n/g, '%0A');

export function traceWorkloadText(w: TraceWorkload): string {
  const head = `trace:v1 source=${enc(w.source)}${w.device ? ` dev=${w.device}` : ''} mappings=${w.mapUs.length} devices=${w.devices.map(enc).join(',')}`;
  const rows = w.mapUs.map((t, i) => `${t} ${w.lifeUs[i]} ${w.bytes[i]} ${w.dir[i]} ${w.cpu[i]} ${w.sg[i]} ${w.dev[i]} ${w.skipSync[i]}`);
  return [head, `facts ${JSON.stringify(w.facts)}`, ...rows].join('\n');
}

export function parseTraceWorkloadText(text: string): TraceWorkload {
  const lines = text.split('\n');
  const head = /^trace:v1 source=(\S*)(?: dev=(\S+))? mappings=(\d+) devices=(\S*)$/.exec(lines[0] ?? '');
  const factsLine = lines[1] ?? '';
  if (!head || !factsLine.startsWith('facts ')) throw new InputError('trace workload', lines[0]?.slice(0, 60) ?? '', 'trace:FILE[:dev=NAME] (the CLI or app reads the file)');
  const w: TraceWorkload = {
    kind: 'trace', source: decodeURIComponent(head[1]), device: head[2] ?? null, devices: head[4] ? head[4].split(',').map(decodeURIComponent) : [],
    mapUs: [], lifeUs: [], bytes: [], dir: [], cpu: [], sg: [], dev: [], skipSync: [], facts: JSON.parse(factsLine.slice(6)) as TraceFacts,
  };
  for (const row of lines.slice(2)) {
    if (!row) continue;
    const [t, life, bytes, dir, cpu, sg, dev, skip] = row.split(' ').map(Number);
    w.mapUs.push(t);
    w.lifeUs.push(life);
    w.bytes.push(bytes);
    w.dir.push(dir);
    w.cpu.push(cpu);
    w.sg.push(sg);
    w.dev.push(dev);
    w.skipSync.push(skip);
  }
  if (w.mapUs.length !== Number(head[3])) throw new InputError('trace workload', `${w.mapUs.length} mappings`, `${head[3]} as its header says`);
  return w;
}

/** Facts as lines (CLI and app). */
export function traceFactLines(w: TraceWorkload): string[] {
  const f = w.facts;
  const out = [
    `trace ${w.source}${w.device ? ` (dev=${w.device})` : ''}: ${f.mappings} mappings from ${f.source === 'dma' ? 'dma:' : 'iommu:map/unmap'} events over ${(f.durationUs / 1e6).toFixed(6)} s, ${f.mappingsPerSecond.toLocaleString('en-US')} mappings/s, ${f.bytes} bytes`,
    `  sizes: ${Object.entries(f.sizeHistogram).sort((a, b) => parseFloat(a[0]) * (a[0].endsWith('M') ? 1024 : 1) - parseFloat(b[0]) * (b[0].endsWith('M') ? 1024 : 1)).map(([k, v]) => `<=${k}: ${v}`).join(', ')}`,
    `  peak live mappings: ${Object.entries(f.peakLive).map(([d, n]) => `${d} ${n}`).join(', ')}`,
    `  events: ${Object.entries(f.events).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  ];
  if (f.syncs) out.push(`  dma_sync_* calls: ${f.syncs} (counted; their cache maintenance is not replayed)`);
  if (f.truncatedSg) out.push(`  dma_map_sg [TRUNCATED]: ${f.truncatedSg} (sizes scaled from the first 128 entries to the full count)`);
  if (f.unmatchedUnmaps) out.push(`  unmaps with no map in the trace: ${f.unmatchedUnmaps} (mapped before the capture started; not replayed)`);
  if (f.neverUnmapped) out.push(`  mappings never unmapped in the trace: ${f.neverUnmapped} (held until the end of the capture)`);
  if (Object.keys(f.pageFaults).length) out.push(`  io_page_fault: ${Object.entries(f.pageFaults).map(([d, n]) => `${d} ${n}`).join(', ')}`);
  if (f.unparsedLines) out.push(`  unparsed lines: ${f.unparsedLines}; first: ${f.unparsedFirst.join(' | ')}`);
  return out;
}
