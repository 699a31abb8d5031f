/**
 * Replays a captured trace's mappings through a strategy: each mapping is mapped on its CPU at its
 * traced time (later if that CPU is still busy), the device reaches it through the IOMMU, and it
 * is unmapped when the trace unmapped it (never before its map finished). Lifetimes, sizes,
 * directions, scatter-gather counts and CPUs are the trace's.
 */
import type { TraceWorkload } from '../types.ts';
import { newIo, type Io, type Machine } from './machine.ts';
import type { MappingStrategy } from './strategies.ts';
import { newEvent } from './queue.ts';

import { EV_TRACE_MAP, EV_TRACE_UNMAP } from './constants.ts';

export { EV_TRACE_MAP, EV_TRACE_UNMAP } from './constants.ts';

export interface TraceHooks {
  completed(t: number, bytes: number, latencyUs: number): void;
  progress(fraction: number): void;
}

export function driveTrace(m: Machine, strat: MappingStrategy, w: TraceWorkload, slots: number, hooks: TraceHooks): { endT: number; ios: number; bytes: number } {
  const ios: Io[] = Array.from({ length: slots }, (_, i) => newIo(i));
  const free: number[] = [];
  for (let i = slots - 1; i >= 0; i--) free.push(i);
  const ofSlot = new Int32Array(slots).fill(-1);
  const granulesPerPage = Math.max(1, m.granule / m.cpuPage);
  const q = m.queue;
  const n = w.mapUs.length;
  let maxBytes = 0;
  for (const b of w.bytes) if (b > maxBytes) maxBytes = b;
  const pagesPerBuffer = Math.ceil(maxBytes / m.cpuPage) + granulesPerPage;
  let next = 0;
  let ios_ = 0;
  let bytes = 0;
  let endT = 0;
  /** Records mapped and unmapped, or failed: the replay ends when all n have settled. */
  let settled = 0;
  // Map events are pushed lazily, one ahead, so the heap holds live mappings only.
  // The one map event queued is always record `next`'s: its argument would be a record index,
  // which can pass the event queue's argument range (EV_MAX_ARG) in a long capture.
  if (n > 0) q.push(w.mapUs[0], 2, EV_TRACE_MAP, 0);
  const ev = newEvent();
  // When the replay runs behind the capture (a slower strategy), mappings beyond the slots wait
  // for the next unmap, as a driver's bounded queue would make them.
  const waiting: number[] = [];
  let waitHead = 0;
  const mapOne = (k: number, time: number): void => {
      const slot = free.pop() as number;
      const io = ios[slot];
      ofSlot[slot] = k;
      io.cpu = w.cpu[k] % m.cpus;
      io.job = w.dev[k];
      io.bytes = w.bytes[k];
      io.toDevice = w.dir[k] !== 2;
      io.fromDevice = w.dir[k] !== 1;
      io.sgEntries = Math.max(1, w.sg[k]);
      io.failed = false;
      io.offsetInGranule = (m.rng.int(granulesPerPage) * m.cpuPage) % m.granule;
      // Each live slot is its own buffer (pinning and faults key on it); slots are reused like fio's.
      io.bufferPage = 64 + slot * pagesPerBuffer;
      const start = Math.max(time, m.cpuFreeAt[io.cpu]);
      io.submitT = start;
      m.cur = start;
      m.mapCall(strat, io);
      const t = m.cur;
      m.cpuFreeAt[io.cpu] = t;
      if (io.failed) {
        m.failures++;
        settled++;
        free.push(slot);
        return;
      }
      const walk = io.tlbShift === 0 ? m.deviceTranslate(io.iovaPage, io.iovaPages) : m.deviceTranslateBlocks(io.iovaPage, io.iovaPages, io.tlbShift);
      const stall = strat.deviceAccess(io, t) + walk;
      q.push(Math.max(w.mapUs[k] + w.lifeUs[k], t + stall), 2, EV_TRACE_UNMAP, slot);
  };
  while (q.size > 0 && settled < n) {
    q.pop(ev);
    m.now = ev.time;
    if (ev.kind === EV_TRACE_MAP) {
      const k = next;
      if (++next < n) q.push(w.mapUs[next], 2, EV_TRACE_MAP, 0);
      if (free.length === 0) waiting.push(k);
      else mapOne(k, ev.time);
    } else if (ev.kind === EV_TRACE_UNMAP) {
      const slot = ev.arg;
      const io = ios[slot];
      const k = ofSlot[slot];
      const start = Math.max(ev.time, m.cpuFreeAt[io.cpu]);
      m.cur = start;
      m.unmapCall(strat, io);
      const t = m.cur;
      m.cpuFreeAt[io.cpu] = t;
      free.push(slot);
      settled++;
      ios_++;
      bytes += w.bytes[k];
      if (t > endT) endT = t;
      hooks.completed(t, w.bytes[k], t - io.submitT);
      if (waitHead < waiting.length) mapOne(waiting[waitHead++], t);
      if ((ios_ & 0x3fff) === 0) hooks.progress(ios_ / n);
    } else strat.onEvent(ev.kind, ev.arg, ev.time);
  }
  return { endT, ios: ios_, bytes };
}
