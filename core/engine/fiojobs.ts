/**
 * Several fio jobs as fio runs them (backend.c run_threads): the jobs of a reporting group run
 * at once, each numjobs clone a thread on its own CPU with its own iodepth, buffers and options;
 * a stonewall makes the next group wait for every earlier job. Per-job and per-group results are
 * kept as fio reports them (numjobs clones of a section together, then each group).
 */
import type { FioJob, FioJobResult, FioWorkload } from '../types.ts';
import { Histogram } from './histogram.ts';
import { EV_CPU_WAKE, EV_DEV_ARRIVE, EV_DEV_DONE, PH_OTHER, newIo, type Io, type Machine } from './machine.ts';
import type { MappingStrategy } from './strategies.ts';
import { newEvent } from './queue.ts';
import { doubleFields } from './shape.ts';

import { EV_FIO_MAP, EV_FIO_STEP, EV_FIO_SUBMIT, EV_FIO_UNMAP } from './constants.ts';

export { EV_FIO_SUBMIT } from './constants.ts';

/** Buffered IO (direct=0): the page cache moves data in readahead / writeback chunks of this size. */
export const PAGE_CACHE_CHUNK_BYTES = 128 * 1024;
const SYNC_ENGINES = new Set(['sync', 'psync', 'vsync', 'pvsync', 'pvsync2', 'mmap', 'splice']);

export interface DeviceLike {
  /** A request reaches the device at the machine's cursor (Machine.cur). */
  arrive(io: Io): void;
  /** Its EV_DEV_DONE came due, at the event's time (Machine.now): false if its event comes again (a read waiting for the link). */
  finished(index: number): boolean;
  /** A request completed, at the event's time (Machine.now). */
  done(ios: Io[]): void;
}

export interface FioJobsHooks {
  /** Called for every completed IO that counts (after ramp_time). */
  completed(t: number, bytes: number, latencyUs: number): void;
  progress(fraction: number): void;
}

interface Thread {
  job: FioJob;
  section: number;
  cpu: number;
  depth: number;
  start: number;
  rampEnd: number;
  endAt: number;
  /** IOs this thread issues in its main phase (Infinity when time-bound). */
  limit: number;
  issued: number;
  writesDone: number;
  verifyLeft: number;
  verifying: boolean;
  inflight: number;
  free: Io[];
  /** Slots with nothing left to issue (kept for the verify phase). */
  idle: Io[];
  reaped: Io[];
  /** Reaped IOs whose completion work is still to run (several CPUs: one event per step). */
  completing: Io[];
  issuedBytes: [number, number];
  issuedIos: [number, number];
  busyUs: number;
  lastT: number;
}

interface SectionAcc {
  hist: Histogram;
  ios: number;
  bytes: number;
  readBytes: number;
  writeBytes: number;
  busyUs: number;
  threads: number;
  start: number;
  end: number;
}

/** Slots needed at once: the largest group's sum of numjobs x effective iodepth. */
export function fioJobsMaxIos(w: FioWorkload): number {
  const jobs = w.jobs ?? [];
  let best = 1;
  for (const g of new Set(jobs.map((j) => j.group))) {
    const n = jobs.filter((j) => j.group === g).reduce((a, j) => a + j.numjobs * effectiveDepth(j), 0);
    if (n > best) best = n;
  }
  return best;
}

export function fioJobsMaxThreads(w: FioWorkload): number {
  const jobs = w.jobs ?? [];
  let best = 1;
  for (const g of new Set(jobs.map((j) => j.group))) best = Math.max(best, jobs.filter((j) => j.group === g).reduce((a, j) => a + j.numjobs, 0));
  return best;
}

function effectiveDepth(j: FioJob): number {
  return SYNC_ENGINES.has(j.ioengine) ? 1 : j.iodepth;
}

function isRandom(j: FioJob): boolean {
  return j.rw === 'randread' || j.rw === 'randwrite' || j.rw === 'randrw';
}

function meanBs(j: FioJob, read: boolean): number {
  const range = read ? j.bsRangeRead : j.bsRangeWrite;
  const raw = range ? (range[0] + range[1]) / 2 : (read ? j.bsRead : j.bsWrite).reduce((a, [s, p]) => a + (s * p) / 100, 0);
  return j.direct ? raw : Math.max(raw, isRandom(j) ? 4096 : PAGE_CACHE_CHUNK_BYTES);
}

function readShare(j: FioJob): number {
  if (j.rw === 'read' || j.rw === 'randread') return 1;
  if (j.rw === 'write' || j.rw === 'randwrite') return 0;
  return j.rwmixread / 100;
}

function ioLimit(j: FioJob): number {
  if (j.ios !== null) return j.ios;
  if (j.timeBased && j.runtimeUs !== null) return Infinity;
  const share = readShare(j);
  const avg = share * meanBs(j, true) + (1 - share) * meanBs(j, false);
  return Math.max(1, Math.floor((j.ioBytes ?? j.sizeBytes) / avg));
}

/**
 * Runs every group of `w.jobs` in order; returns the end time, the measured window (µs, summed
 * over groups, after each group's ramp_time) and the per-job / per-group results.
 */
export function driveFioJobs(
  m: Machine, strat: MappingStrategy, w: FioWorkload, makeDevice: (capacity: number, queues: number) => DeviceLike, hooks: FioJobsHooks,
): { endT: number; measuredUs: number; ios: number; bytes: number; jobs: FioJobResult[] } {
  const jobs = w.jobs ?? [];
  const groups = [...new Set(jobs.map((j) => j.group))].sort((a, b) => a - b);
  const sections: SectionAcc[] = jobs.map(() => ({ hist: new Histogram(), ios: 0, bytes: 0, readBytes: 0, writeBytes: 0, busyUs: 0, threads: 0, start: 0, end: 0 }));
  const groupHists = groups.map(() => new Histogram());
  const groupWindow: Array<[number, number]> = [];
  const granulesPerPage = Math.max(1, m.granule / m.cpuPage);
  let groupStart = 0;
  let measuredUs = 0;
  let totalIos = 0;
  let totalBytes = 0;
  let endT = 0;

  groups.forEach((g, gi) => {
    const threads: Thread[] = [];
    const ios: Io[] = [];
    const ioThread: Thread[] = [];
    const maxBs = Math.max(...jobs.filter((j) => j.group === g).flatMap((j) => [...j.bsRead, ...j.bsWrite].map(([s]) => s).concat(j.bsRangeRead?.[1] ?? 0, j.bsRangeWrite?.[1] ?? 0, j.direct ? 0 : PAGE_CACHE_CHUNK_BYTES)));
    const pagesPerBuffer = Math.ceil(maxBs / m.cpuPage) + 1;
    let rampMax = 0;
    jobs.forEach((job, si) => {
      if (job.group !== g) return;
      rampMax = Math.max(rampMax, job.rampUs);
      sections[si].start = groupStart + job.rampUs;
      for (let c = 0; c < job.numjobs; c++) {
        const depth = effectiveDepth(job);
        const timed = job.runtimeUs !== null;
        const th: Thread = {
          job, section: si, cpu: threads.length % m.cpus, depth, start: groupStart, rampEnd: groupStart + job.rampUs,
          endAt: timed ? groupStart + job.rampUs + (job.runtimeUs as number) : Infinity, limit: ioLimit(job), issued: 0, writesDone: 0,
          verifyLeft: 0, verifying: false, inflight: 0, free: [], idle: [], reaped: [], completing: [], issuedBytes: [0, 0], issuedIos: [0, 0], busyUs: 0, lastT: groupStart,
        };
        threads.push(th);
        sections[si].threads++;
        for (let d = 0; d < depth; d++) {
          const io = newIo(ios.length);
          io.job = threads.length - 1;
          io.cpu = th.cpu;
          io.offsetInGranule = (m.rng.int(granulesPerPage) * m.cpuPage) % m.granule;
          io.bufferPage = 64 + io.index * pagesPerBuffer;
          ios.push(io);
          ioThread.push(th);
          th.free.push(io);
        }
      }
    });
    const group = new FioGroup(m, strat, hooks, sections, groupHists[gi], gi, groups.length, threads, ios, ioThread, makeDevice(ios.length, Math.min(threads.length, m.cpus)), groupStart, totalIos, totalBytes);
    group.run();
    const groupEnd = group.groupEnd;
    totalIos = group.totalIos;
    totalBytes = group.totalBytes;
    for (const th of threads) sections[th.section].busyUs += th.busyUs;
    const from = Math.min(groupStart + rampMax, groupEnd);
    groupWindow.push([from, groupEnd]);
    measuredUs += groupEnd - from;
    endT = groupEnd;
    groupStart = groupEnd;
  });

  const r3 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : 0);
  const result = (name: string, group: number, h: Histogram, ios: number, bytes: number, rb: number, wb: number, runtimeUs: number, busyUs: number, threads: number): FioJobResult => ({
    name, group, ios, bytes, readBytes: rb, writeBytes: wb, runtimeUs: r3(runtimeUs),
    throughputMiBps: r3(runtimeUs > 0 ? bytes / 1024 ** 2 / (runtimeUs / 1e6) : 0),
    iops: r3(runtimeUs > 0 ? ios / (runtimeUs / 1e6) : 0),
    clatUs: { mean: r3(h.mean()), p50: r3(h.quantile(0.5)), p90: r3(h.quantile(0.9)), p99: r3(h.quantile(0.99)), p999: r3(h.quantile(0.999)), max: r3(h.n ? h.max : 0) },
    cpuFraction: r3(runtimeUs > 0 && threads > 0 ? busyUs / threads / runtimeUs : 0),
  });
  const out: FioJobResult[] = jobs.map((j, si) => {
    const s = sections[si];
    const window = Math.max(0, s.end - s.start);
    return result(j.name, j.group, s.hist, s.ios, s.bytes, s.readBytes, s.writeBytes, window, s.busyUs, s.threads);
  });
  groups.forEach((g, gi) => {
    const members = jobs.map((j, si) => ({ j, s: sections[si] })).filter(({ j }) => j.group === g);
    const sum = (f: (s: SectionAcc) => number) => members.reduce((a, { s }) => a + f(s), 0);
    const [from, to] = groupWindow[gi];
    out.push(result(`group ${gi}`, g, groupHists[gi], sum((s) => s.ios), sum((s) => s.bytes), sum((s) => s.readBytes), sum((s) => s.writeBytes), to - from, sum((s) => s.busyUs), sum((s) => s.threads)));
  });
  return { endT, measuredUs, ios: totalIos, bytes: totalBytes, jobs: out };
}

/**
 * One reporting group's threads and per-IO steps. A class, not closures made per group and per
 * run: a closure made anew is a new call target for the optimised event loop, which the next run
 * (or group) in the same process threw away (see FioDriver in run.ts).
 */
class FioGroup {
  private declare readonly p: Machine['p'];
  private declare readonly q: Machine['queue'];
  private declare readonly device: DeviceLike;
  private declare readonly multiCpu: boolean;
  private declare readonly finiteLimit: number;
  private declare readonly timeBudget: number;
  /** IOs that completed (or failed) in this group: progress. */
  private groupDone = 0;
  /** IOs held for a later submit or in flight: the group is over when none is left. */
  private active = 0;
  /** When the group's last CPU work ended. */
  declare groupEnd: number;
  /** The run's totals so far, this group's counted IOs added (bytes pass 2^30: doubles). */
  declare totalIos: number;
  declare totalBytes: number;
  private declare readonly m: Machine;
  private declare readonly strat: MappingStrategy;
  private declare readonly hooks: FioJobsHooks;
  private declare readonly sections: SectionAcc[];
  private declare readonly groupHist: Histogram;
  private declare readonly gi: number;
  private declare readonly nGroups: number;
  private declare readonly threads: Thread[];
  private declare readonly ios: Io[];
  private declare readonly ioThread: Thread[];
  private declare readonly groupStart: number;

  constructor(
    m: Machine, strat: MappingStrategy, hooks: FioJobsHooks, sections: SectionAcc[], groupHist: Histogram, gi: number, nGroups: number,
    threads: Thread[], ios: Io[], ioThread: Thread[], device: DeviceLike, groupStart: number, totalIos: number, totalBytes: number,
  ) {
    this.m = m;
    this.strat = strat;
    this.hooks = hooks;
    this.sections = sections;
    this.groupHist = groupHist;
    this.gi = gi;
    this.nGroups = nGroups;
    this.threads = threads;
    this.ios = ios;
    this.ioThread = ioThread;
    this.groupStart = groupStart;
    this.p = m.p;
    this.q = m.queue;
    this.device = device;
    this.multiCpu = Math.min(threads.length, m.p.cpu.cores) > 1;
    this.finiteLimit = threads.reduce((a, t) => a + (Number.isFinite(t.limit) ? t.limit : 0), 0);
    this.timeBudget = Math.max(0, ...threads.map((t) => (Number.isFinite(t.endAt) ? t.endAt - groupStart : 0)));
    this.groupEnd = groupStart;
    this.totalIos = totalIos;
    this.totalBytes = totalBytes;
    doubleFields(this, 'groupEnd', 'totalBytes', 'groupStart');
  }

  /** Issues every thread's slots, then runs the group's events until its last IO settles. */
  run(): void {
    for (const th of this.threads) this.flushFree(th, this.groupStart);
    // Strategy timers (flush queues, pool eviction) left after the group's last IO run on
    // during the next group, as in the kernel; after the last group the run drains them.
    const m = this.m;
    const q = this.q;
    const ev = newEvent();
    while (q.size > 0 && this.active > 0) {
      q.pop(ev);
      const t = ev.time;
      m.now = t;
      if (ev.kind !== EV_CPU_WAKE) {
        if (ev.kind !== EV_DEV_DONE || this.device.finished(ev.arg)) this.dispatch(ev.kind, ev.arg);
      }
      else for (m.cpuWoke(ev.arg); m.nextDeferred(ev.arg, t);) this.dispatch(m.deferredOut.kind, m.deferredOut.arg);
    }
  }

  private pickSize(job: FioJob, read: boolean): number {
    const range = read ? job.bsRangeRead : job.bsRangeWrite;
    let bytes: number;
    if (range) {
      const steps = Math.floor((range[1] - range[0]) / range[0]);
      bytes = Math.min(range[1], range[0] + this.m.rng.int(steps + 1) * range[0]);
    } else {
      const split = read ? job.bsRead : job.bsWrite;
      bytes = split[0][0];
      if (split.length > 1) {
        let r = this.m.rng.float() * 100;
        for (const [s, pct] of split) {
          bytes = s;
          if ((r -= pct) < 0) break;
        }
      }
    }
    return job.direct ? bytes : Math.max(bytes, isRandom(job) ? this.m.cpuPage : PAGE_CACHE_CHUNK_BYTES);
  }

  /** Chooses the next IO of a thread, or false when the thread has nothing more to issue. */
  private prepare(th: Thread, io: Io, t: number): boolean {
    const job = th.job;
    if (t >= th.endAt) return false;
    let read: boolean;
    if (th.verifying) {
      if (th.verifyLeft <= 0) return false;
      th.verifyLeft--;
      read = true;
    } else if (th.issued >= th.limit) {
      // fio's verify: after the write phase, every written block is read back.
      if (job.verify && th.writesDone > 0 && th.inflight === 0 && !Number.isFinite(th.endAt)) {
        th.verifying = true;
        th.verifyLeft = th.writesDone - 1;
        read = true;
      } else return false;
    } else {
      const share = readShare(job);
      read = share >= 1 ? true : share <= 0 ? false : this.m.rng.float() < share;
      // fio resets its counters when ramp_time ends: IOs of the ramp do not count toward size/number_ios.
      if (t >= th.rampEnd) th.issued++;
    }
    io.bytes = this.pickSize(job, read);
    io.fromDevice = read;
    io.toDevice = !read;
    return true;
  }

  private rateDelay(th: Thread, io: Io, t: number): number {
    const d = io.fromDevice ? 0 : 1;
    let at = t;
    const bps = th.job.rateBytesPerSec[d];
    if (bps > 0) at = Math.max(at, th.start + (th.issuedBytes[d] / bps) * 1e6);
    const iops = th.job.rateIops[d];
    if (iops > 0) at = Math.max(at, th.start + (th.issuedIos[d] / iops) * 1e6);
    return at;
  }

  // fio's CPU figures cover the job's measured window: busy time before ramp_time ends is not in it.
  private busy(th: Thread, from: number, to: number): void {
    const a = from > th.rampEnd ? from : th.rampEnd;
    if (to > a) th.busyUs += to - a;
  }

  private submitNow(th: Thread, io: Io, t: number): void {
    const cpu = io.cpu;
    const d = io.fromDevice ? 0 : 1;
    th.issuedBytes[d] += io.bytes;
    th.issuedIos[d]++;
    th.inflight++;
    io.failed = false;
    // fio's buffers are physically contiguous in runs of userBufferRunPages pages: one sg entry each.
    io.sgEntries = Math.ceil(Math.ceil(io.bytes / this.m.cpuPage) / this.p.cpu.userBufferRunPages);
    const free = this.m.cpuFreeAt[cpu];
    let tc = t > free ? t : free;
    const cpuStart = tc;
    io.submitT = tc;
    const submitUs = this.p.cpu.submitOverheadUs * this.m.drawJitter();
    tc += submitUs;
    this.m.phaseUs[PH_OTHER] += submitUs;
    if (this.multiCpu) {
      this.m.cpuFreeAt[cpu] = tc;
      this.busy(th, cpuStart, tc);
      this.q.push(tc, 1, EV_FIO_MAP, io.index);
      return;
    }
    this.mapNow(th, io, tc, cpuStart, t);
  }

  private mapNow(th: Thread, io: Io, start: number, cpuStart: number, t: number): void {
    const cpu = io.cpu;
    this.m.cur = start;
    this.m.mapCall(this.strat, io);
    const tc = this.m.cur;
    this.m.cpuFreeAt[cpu] = tc;
    this.busy(th, cpuStart, tc);
    if (io.failed) {
      this.m.failures++;
      this.q.push(tc, 0, EV_DEV_DONE, io.index);
      return;
    }
    if (this.multiCpu && tc > t) this.q.push(tc, 1, EV_DEV_ARRIVE, io.index);
    else {
      this.m.cur = tc;
      this.device.arrive(io);
    }
  }

  /** Issues a free slot now, or at the time rate limits allow (an event, so CPUs stay in order). */
  private issue(th: Thread, io: Io, t: number): void {
    const wasVerifying = th.verifying;
    if (!this.prepare(th, io, t)) {
      th.idle.push(io);
      return;
    }
    if (th.verifying && !wasVerifying) for (const other of th.idle.splice(0, th.idle.length)) this.issue(th, other, t);
    const at = this.rateDelay(th, io, t);
    this.active++;
    if (at > t) this.q.push(at, 1, EV_FIO_SUBMIT, io.index);
    else this.submitNow(th, io, t);
  }

  private flushFree(th: Thread, t: number): void {
    // iodepth_batch: freed slots wait until a batch is free (or nothing is in flight).
    const batch = Math.min(th.job.batchSubmit, th.depth);
    if (th.free.length < batch && th.inflight > 0) return;
    const slots = th.free.splice(0, th.free.length);
    for (const io of slots) this.issue(th, io, t);
  }

  private complete(th: Thread, io: Io, t: number, ok: boolean): number {
    const cpu = io.cpu;
    const free = this.m.cpuFreeAt[cpu];
    let tc = t > free ? t : free;
    const cpuStart = tc;
    tc += this.completionWork(th);
    return this.unmapNow(th, io, tc, cpuStart, ok);
  }

  /** The completion interrupt and fio's reaping, before the unmap. */
  private completionWork(th: Thread): number {
    // A guest takes the device's completion interrupt through the host (VFIO eventfd, KVM irqfd).
    const completeUs = this.p.cpu.completionOverheadUs * this.m.drawJitter() + (this.p.virt.enabled ? this.p.virt.guestIrqUs : 0);
    this.m.phaseUs[PH_OTHER] += completeUs;
    th.inflight--;
    return completeUs;
  }

  private unmapNow(th: Thread, io: Io, start: number, cpuStart: number, ok: boolean): number {
    const cpu = io.cpu;
    let tc = start;
    if (ok) {
      this.m.cur = tc;
      this.m.unmapCall(this.strat, io);
      tc = this.m.cur;
      if (io.toDevice) th.writesDone++;
      if (tc >= th.rampEnd) {
        const lat = tc - io.submitT;
        const s = this.sections[th.section];
        s.hist.record(lat);
        this.groupHist.record(lat);
        s.ios++;
        s.bytes += io.bytes;
        if (io.fromDevice) s.readBytes += io.bytes;
        else s.writeBytes += io.bytes;
        if (tc > s.end) s.end = tc;
        this.totalIos++;
        this.totalBytes += io.bytes;
        this.hooks.completed(tc, io.bytes, lat);
      }
      this.groupDone++;
      if ((this.groupDone & 0x7fff) === 0) {
        const f = Math.max(this.finiteLimit > 0 ? this.groupDone / this.finiteLimit : 0, this.timeBudget > 0 ? (tc - this.groupStart) / this.timeBudget : 0);
        this.hooks.progress((this.gi + Math.min(1, f)) / this.nGroups);
      }
    }
    this.m.cpuFreeAt[cpu] = tc;
    this.busy(th, cpuStart, tc);
    if (tc > this.groupEnd) this.groupEnd = tc;
    return tc;
  }

  /** After a reaped batch: fio thinks (off the CPU) or issues the freed slots. */
  private afterReap(th: Thread, tc: number): void {
    const think = th.job.thinktimeUs;
    if (think > 0) {
      // fio thinks after the IO, off the CPU; the slots are issued when the think time is over.
      const slots = th.free.splice(0, th.free.length);
      for (const io2 of slots) {
        if (this.prepare(th, io2, tc)) {
          this.active++;
          this.q.push(Math.max(tc + think, this.rateDelay(th, io2, tc + think)), 1, EV_FIO_SUBMIT, io2.index);
        } else th.idle.push(io2);
      }
    } else this.flushFree(th, tc);
  }

  /** Several CPUs: the next reaped IO's completion work, then its unmap as an event. */
  private stepComplete(th: Thread, t: number): void {
    if (th.completing.length === 0) {
      this.afterReap(th, t);
      return;
    }
    const io = th.completing[0];
    const cpu = io.cpu;
    if (this.m.deferWhileBusy(cpu, t, EV_FIO_STEP, io.index)) return;
    const tc = t + this.completionWork(th);
    this.m.cpuFreeAt[cpu] = tc;
    this.busy(th, t, tc);
    this.q.push(tc, 1, EV_FIO_UNMAP, io.index);
  }

  /** The event at m.now (read there, not passed: a double argument of a call not inlined is boxed). */
  private dispatch(kind: number, arg: number): void {
    const t = this.m.now;
    switch (kind) {
      case EV_DEV_DONE: {
        const io = this.ios[arg];
        const th = this.ioThread[arg];
        if (!io.failed) this.device.done(this.ios);
        // iodepth_batch_complete_min: completions are reaped once enough are done.
        th.reaped.push(io);
        if (th.reaped.length < Math.min(th.job.batchComplete, th.inflight)) break;
        if (this.multiCpu) {
          const idle = th.completing.length === 0;
          for (const r of th.reaped.splice(0, th.reaped.length)) th.completing.push(r);
          if (idle) this.stepComplete(th, t);
          break;
        }
        let tc = t;
        for (const r of th.reaped.splice(0, th.reaped.length)) {
          tc = this.complete(th, r, tc, !r.failed);
          this.active--;
          th.free.push(r);
        }
        this.afterReap(th, tc);
        break;
      }
      case EV_FIO_MAP: {
        const io = this.ios[arg];
        if (!this.m.deferWhileBusy(io.cpu, t, EV_FIO_MAP, arg)) this.mapNow(this.ioThread[arg], io, t, t, t);
        break;
      }
      case EV_FIO_UNMAP: {
        const io = this.ios[arg];
        const th = this.ioThread[arg];
        if (this.m.deferWhileBusy(io.cpu, t, EV_FIO_UNMAP, arg)) break;
        const tc = this.unmapNow(th, io, t, t, !io.failed);
        this.active--;
        th.free.push(io);
        th.completing.shift();
        this.stepComplete(th, tc);
        break;
      }
      case EV_FIO_STEP:
        this.stepComplete(this.ioThread[arg], t);
        break;
      case EV_DEV_ARRIVE:
        this.m.cur = t;
        this.device.arrive(this.ios[arg]);
        break;
      case EV_FIO_SUBMIT:
        this.submitNow(this.ioThread[arg], this.ios[arg], t);
        break;
      default:
        this.strat.onEvent(kind, arg, t);
    }
  }
}
