import { SimulationCancelled, SimulationInvariantError } from '../errors.ts';
import {
  COST_TERMS,
  type AccelWorkload, type CallBreakdown, type CostTerm, type DmaBenchWorkload, type ExperimentInput, type ExperimentResult,
  type FioWorkload, type HardwareProfile, type Metrics, type Progress, type StrategyResult, type StrategySpec, type TimeSeries,
  type Workload,
} from '../types.ts';
import { protectionOf } from '../protection.ts';
import { workloadText } from '../workload.ts';
import {
  EV_CPU_WAKE, EV_DEV_ARRIVE, EV_DEV_DONE, EV_LOOP, EV_SUBMIT, EV_UNMAP_CALL, Machine, newIo, PH_COPY, PH_FAULT, PH_INV, PH_MAP, PH_OTHER, PH_UNMAP,
  type Io,
} from './machine.ts';
import { BouncePool, createStrategy, type MappingStrategy } from './strategies.ts';
import { driveFioJobs, fioJobsMaxIos, fioJobsMaxThreads } from './fiojobs.ts';
import { driveTrace } from './tracereplay.ts';
import { doubleFields } from './shape.ts';
import { PROGRESS_EVERY } from './constants.ts';
import { newEvent, type EventQueue } from './queue.ts';
import { tracePeakLive } from '../trace.ts';
import type { FioJobResult } from '../types.ts';

/** Bump when a change alters any simulated figure for the same input. */
export const ENGINE_VERSION = '2.4.0';

export interface RunOptions {
  onProgress?: (p: Progress) => void;
  isCancelled?: () => boolean;
  /** Called after each strategy finishes, so a cancelled run keeps what finished. */
  onStrategyDone?: (r: StrategyResult, index: number) => void;
  /** Upper bound on time-series points (default 240). */
  seriesPoints?: number;
  /** Track every live IOVA and check pool invariants (property tests; slower). */
  checkInvariants?: boolean;
  /**
   * dma_map_benchmark only: called after each map (unmap false) and unmap call of thread `thread`
   * with its start and end in simulated µs; returning true ends the run there, as if its seconds
   * had run out. The calibrator measures whole flush-queue cycles of loops with it.
   */
  onDmaBenchCall?: (thread: number, unmap: boolean, startUs: number, endUs: number) => boolean | void;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** Throughput and gauges sampled on a grid that doubles its step when full: bounded points, no per-IO arrays. */
class Sampler {
  private stepUs = 50;
  private nextT = 50;
  private bytesInStep = 0;
  readonly s: TimeSeries = { tUs: [], throughputMiBps: [], bounceBytes: [], pinnedBytes: [], iovaBytes: [] };
  private declare readonly m: Machine;
  private declare readonly max: number;
  constructor(m: Machine, max: number) {
    this.m = m;
    this.max = max;
    doubleFields(this, 'stepUs', 'nextT', 'bytesInStep');
  }

  completed(t: number, bytes: number): void {
    while (t >= this.nextT) this.emit();
    this.bytesInStep += bytes;
  }

  private emit(): void {
    const s = this.s;
    s.tUs.push(this.nextT);
    s.throughputMiBps.push(this.bytesInStep / MiB / (this.stepUs / 1e6));
    s.bounceBytes.push(this.m.bounce.value);
    s.pinnedBytes.push(this.m.pinned.value);
    s.iovaBytes.push(this.m.iovaBytes.value);
    this.bytesInStep = 0;
    this.nextT += this.stepUs;
    if (s.tUs.length >= this.max) this.halve();
  }

  private halve(): void {
    const s = this.s;
    const pick = <T>(a: T[], f: (x: T, y: T) => T): T[] => {
      const out: T[] = [];
      for (let i = 0; i + 1 < a.length; i += 2) out.push(f(a[i], a[i + 1]));
      return out;
    };
    s.tUs = pick(s.tUs, (_a, b) => b);
    s.throughputMiBps = pick(s.throughputMiBps, (a, b) => (a + b) / 2);
    s.bounceBytes = pick(s.bounceBytes, (_a, b) => b);
    s.pinnedBytes = pick(s.pinnedBytes, (_a, b) => b);
    s.iovaBytes = pick(s.iovaBytes, (_a, b) => b);
    this.stepUs *= 2;
    this.nextT = (s.tUs.length ? s.tUs[s.tUs.length - 1] : 0) + this.stepUs;
  }

  finish(t: number): TimeSeries {
    const s = this.s;
    if (this.bytesInStep > 0 || s.tUs.length === 0) {
      const dt = t - (s.tUs.length ? s.tUs[s.tUs.length - 1] : 0);
      s.tUs.push(t);
      s.throughputMiBps.push(dt > 0 ? this.bytesInStep / MiB / (dt / 1e6) : 0);
      s.bounceBytes.push(this.m.bounce.value);
      s.pinnedBytes.push(this.m.pinned.value);
      s.iovaBytes.push(this.m.iovaBytes.value);
    }
    const r = (x: number) => Math.round(x * 1000) / 1000;
    return {
      tUs: s.tUs.map(r), throughputMiBps: s.throughputMiBps.map(r), bounceBytes: s.bounceBytes.map(Math.round),
      pinnedBytes: s.pinnedBytes.map(Math.round), iovaBytes: s.iovaBytes.map(Math.round),
    };
  }
}

interface Totals {
  ios: number;
  bytes: number;
  endT: number;
}

/** Byte counts pass 2^30: doubles from the start (see doubleFields). */
function newTotals(): Totals {
  const t = { ios: 0, bytes: NaN, endT: NaN };
  t.bytes = 0;
  t.endT = 0;
  return t;
}

/** The arg of a device event that is the link coming free for a waiting write, not a request's completion. */
const LINK_FREE = -1;

class Device {
  private inService = 0;
  private declare readonly waiting: Int32Array;
  private head = 0;
  private tail = 0;
  private pipeFreeAt = 0;
  /** Per IO in service: when a read's data is ready to cross the link (-1: crossed, or a write). */
  private declare readonly linkReadyUs: Float64Array;
  /** Writes waiting for the link: a list per CPU's submission queue (see queueWrite). */
  private declare readonly writeHead: Int32Array;
  private declare readonly writeTail: Int32Array;
  private declare readonly writeNext: Int32Array;
  private declare readonly writeBeginUs: Float64Array;
  private declare readonly writeFloorUs: Float64Array;
  private declare readonly writeWalkUs: Float64Array;
  private declare readonly writeXferUs: Float64Array;
  private writesWaiting = 0;
  private lastWriteQueue = 0;
  /** When the request start() starts begins (see arrive). */
  private startUs = 0;
  private xferBytes = -1;
  private xferUs = 0;
  /** The profile's device figures, a field away on the per-IO path. */
  private declare readonly parallelism: number;
  private declare readonly bandwidthBytesPerSec: number;
  private declare readonly readLatencyUs: number;
  private declare readonly writeLatencyUs: number;
  private declare readonly jitter: number;
  private declare readonly m: Machine;
  private declare readonly strat: MappingStrategy;
  /** `queues`: the submission queues requests come from, one per CPU that runs a job. */
  constructor(m: Machine, strat: MappingStrategy, capacity: number, queues: number) {
    this.m = m;
    this.strat = strat;
    this.waiting = new Int32Array(capacity + 1);
    this.linkReadyUs = new Float64Array(capacity).fill(-1);
    this.writeHead = new Int32Array(queues).fill(-1);
    this.writeTail = new Int32Array(queues);
    this.writeNext = new Int32Array(capacity);
    this.writeBeginUs = new Float64Array(capacity);
    this.writeFloorUs = new Float64Array(capacity);
    this.writeWalkUs = new Float64Array(capacity);
    this.writeXferUs = new Float64Array(capacity);
    const d = m.p.device;
    this.parallelism = d.parallelism;
    this.bandwidthBytesPerSec = d.bandwidthBytesPerSec;
    this.readLatencyUs = d.readLatencyUs;
    this.writeLatencyUs = d.writeLatencyUs;
    this.jitter = d.latencyJitterFraction;
    // Doubles, not the profile object's fields: a latency read there is a tagged value, and the
    // jittered latency, a choice between it and a product, was boxed into a new heap number per IO.
    doubleFields(this, 'pipeFreeAt', 'startUs', 'xferUs', 'bandwidthBytesPerSec', 'readLatencyUs', 'writeLatencyUs', 'jitter', 'inService', 'parallelism');
  }

  /**
   * A request reaches the device at the machine's cursor (the submitting CPU's time when it rings
   * the doorbell). Times reach the device through the cursor and a field, not as arguments: a
   * double passed to a call V8 does not inline is boxed into a new heap number each time.
   */
  arrive(io: Io): void {
    if (this.inService < this.parallelism) {
      this.startUs = this.m.cur;
      this.start(io);
    } else {
      this.waiting[this.tail] = io.index;
      this.tail = (this.tail + 1) % this.waiting.length;
    }
  }

  private start(io: Io): void {
    const m = this.m;
    const t = this.startUs;
    this.inService++;
    const stall = this.strat.deviceAccess(io, t);
    const walk = io.tlbShift === 0 ? m.deviceTranslate(io.iovaPage, io.iovaPages) : m.deviceTranslateBlocks(io.iovaPage, io.iovaPages, io.tlbShift);
    // The transfer time of the last size, kept: fio's sizes repeat, and a division is slow.
    if (io.bytes !== this.xferBytes) {
      this.xferBytes = io.bytes;
      this.xferUs = (io.bytes / this.bandwidthBytesPerSec) * 1e6;
    }
    const xfer = this.xferUs;
    const begin = t + stall;
    const base = io.fromDevice ? this.readLatencyUs : this.writeLatencyUs;
    const lat = this.jitter > 0 ? base * (1 - this.jitter + 2 * this.jitter * m.rng.float()) : base;
    if (io.fromDevice) {
      // A read's data crosses the link as the device has it, at the end of its latency (or from
      // the start, when the transfer takes longer): the link is booked when this event comes due
      // (see finished), in the order data becomes ready. Table walks delay this request only: the
      // IOMMU walks for several requests at once.
      const due = (lat > xfer ? begin + lat : begin + xfer) + walk;
      this.linkReadyUs[io.index] = due - xfer;
      m.queue.push(due, 0, EV_DEV_DONE, io.index);
      return;
    }
    this.startWrite(io, begin, begin + lat + walk, walk, xfer);
  }

  /**
   * A write's data crosses first: the device fetches it from memory as it takes the command. Apart
   * from start: the bytes of a function count against V8's inlining budget wherever it is inlined,
   * and with the write path inside, start's size changed what the per-IO path inlined (strict reads:
   * 2,334 -> 2,986 instructions per IO).
   */
  private startWrite(io: Io, begin: number, floorUs: number, walk: number, xfer: number): void {
    // With one submission queue, its turn is the order commands start in: booked now.
    if (this.writeHead.length === 1 || (this.writesWaiting === 0 && this.pipeFreeAt <= begin)) {
      this.sendWrite(io.index, begin > this.pipeFreeAt ? begin : this.pipeFreeAt, xfer, floorUs, walk);
      return;
    }
    this.queueWrite(io, begin, floorUs, walk, xfer);
  }

  /** A write's data takes the link from `startUs`; it completes after its latency (`floorUs`) and after the data plus its walks. */
  private sendWrite(index: number, startUs: number, xfer: number, floorUs: number, walk: number): void {
    const end = startUs + xfer;
    this.pipeFreeAt = end;
    this.m.queue.push(floorUs > end + walk ? floorUs : end + walk, 0, EV_DEV_DONE, index);
  }

  /**
   * The link is busy: the write waits in its CPU's submission queue, and the controller takes the
   * queues' heads round robin as the link frees (NVMe's default arbitration; blk-mq gives each CPU
   * its own queue). In one queue that is the order commands start in; with several, their jobs'
   * transfers interleave, as they do on a real controller. (Taken in start order across queues,
   * a job's writes that started together completed together while the other job's CPU idled, and
   * the run stayed so: virtio-iommu iopf, randwrite 16k QD30 x 2 jobs, 5 % faster than passthrough.)
   */
  private queueWrite(io: Io, begin: number, floorUs: number, walk: number, xfer: number): void {
    const index = io.index;
    const q = io.cpu % this.writeHead.length;
    this.writeBeginUs[index] = begin;
    this.writeFloorUs[index] = floorUs;
    this.writeWalkUs[index] = walk;
    this.writeXferUs[index] = xfer;
    this.writeNext[index] = -1;
    if (this.writeHead[q] < 0) this.writeHead[q] = index;
    else this.writeNext[this.writeTail[q]] = index;
    this.writeTail[q] = index;
    if (this.writesWaiting++ === 0) this.m.queue.push(this.pipeFreeAt > begin ? this.pipeFreeAt : begin, 0, EV_DEV_DONE, LINK_FREE);
  }

  /** The link is free (its LINK_FREE event, at m.now): the next queue in turn with a write waiting sends its data. */
  private serveWrite(): void {
    const m = this.m;
    const now = m.now;
    // Reads that came due meanwhile took the link first.
    if (this.pipeFreeAt > now) {
      m.queue.push(this.pipeFreeAt, 0, EV_DEV_DONE, LINK_FREE);
      return;
    }
    const n = this.writeHead.length;
    let q = this.lastWriteQueue;
    do q = q + 1 === n ? 0 : q + 1;
    while (this.writeHead[q] < 0);
    this.lastWriteQueue = q;
    const index = this.writeHead[q];
    this.writeHead[q] = this.writeNext[index];
    const begin = this.writeBeginUs[index];
    this.sendWrite(index, begin > now ? begin : now, this.writeXferUs[index], this.writeFloorUs[index], this.writeWalkUs[index]);
    if (--this.writesWaiting > 0) m.queue.push(this.pipeFreeAt, 0, EV_DEV_DONE, LINK_FREE);
  }

  /**
   * Its EV_DEV_DONE came due (at m.now): true when the request is done, false when a read waits
   * for the link and its event comes again.
   *
   * A read crosses the link now: its data was ready linkReadyUs before (its transfer time). Events
   * come due in order of readiness plus transfer time, which is the order of readiness when sizes
   * are equal: a first-come-first-served link, whatever order the commands started in. (With
   * mixed sizes a long transfer is booked after shorter ones that were ready a little later.) The
   * link owes every transfer its time (pipeFreeAt only moves on), but a read whose transfer
   * overlapped the one before it still completes on time when the link is free by now: the two
   * shared the link, as PCIe interleaves the packets of transfers in flight. Only a link still
   * busy now (a backlog) makes a read wait, for its whole transfer.
   *
   * Checked in the event loop, before the event's dispatch: inside it, the extra branch changed
   * what V8 inlines into the dispatch (strict: 2,276 -> 2,777-3,177 instructions per IO).
   */
  finished(index: number): boolean {
    if (index < 0) {
      this.serveWrite();
      return false;
    }
    const readyUs = this.linkReadyUs[index];
    if (readyUs < 0) return true;
    this.linkReadyUs[index] = -1;
    const now = this.m.now;
    const free = this.pipeFreeAt;
    if (free <= readyUs) {
      this.pipeFreeAt = now;
      return true;
    }
    const end = free + (now - readyUs);
    this.pipeFreeAt = end;
    if (free <= now) return true;
    this.m.queue.push(end, 0, EV_DEV_DONE, index);
    return false;
  }

  /** A request completed (its EV_DEV_DONE, at m.now, finished): the next waiting one starts. */
  done(ios: Io[]): void {
    this.inService--;
    if (this.head !== this.tail) {
      const next = this.waiting[this.head];
      this.head = (this.head + 1) % this.waiting.length;
      this.startUs = this.m.now;
      this.start(ios[next]);
    }
  }
}

function checkCancel(opts: RunOptions, done: number, total: number, strategy: string, base: number, share: number): void {
  if (opts.isCancelled?.()) throw new SimulationCancelled();
  opts.onProgress?.({ fraction: Math.min(1, base + share * (done / Math.max(1, total))), strategy });
}

/** fio: numjobs threads, each keeping iodepth IOs in flight on its own CPU, buffers reused per slot. */
function driveFio(m: Machine, strat: MappingStrategy, w: FioWorkload, opts: RunOptions, sampler: Sampler, prog: [number, number], name: string): Totals {
  return new FioDriver(m, strat, w, opts, sampler, prog, name).run();
}

/**
 * The fio driver's state and per-IO steps. A class, not closures made per run: a closure made
 * anew by each run is a new call target for the optimised event loop, which the next run in
 * the same process threw away (a deoptimisation and a recompile at the start of every run).
 */
class FioDriver {
  private declare readonly p: HardwareProfile;
  private declare readonly ios: Io[];
  private declare readonly issued: Float64Array;
  private declare readonly device: Device;
  private declare readonly multiCpu: boolean;
  private declare readonly totals: Totals;
  private declare readonly total: number;
  private declare readonly perJob: number;
  private declare readonly split: [number, number][] | null;
  private declare readonly runPages: number;
  private declare readonly irqUs: number;
  private declare readonly direction: number;
  private declare readonly fixedSgEntries: number;
  /** The workload's block size, a field away (the workload object's fields need a map check each run of the path). */
  private declare readonly bsBytes: number;
  private declare readonly submitOverheadUs: number;
  private declare readonly completionOverheadUs: number;
  private declare readonly prog0: number;
  private declare readonly prog1: number;
  private declare readonly q: EventQueue;
  /** IOs completed or failed: the loop ends when every IO has. */
  private settled = 0;
  /** When the next submit() starts (see submit). */
  private submitAtUs = 0;

  // Declared and assigned, not TypeScript parameter properties: those compile to class fields
  // defined as undefined before the constructor runs, and a field that first held undefined has
  // V8's field type Any, so each use of the object read from it checked its map again (strict:
  // 2,561 -> 2,526 instructions per IO for this and the same change in the other engine classes).
  private declare readonly m: Machine;
  private declare readonly strat: MappingStrategy;
  private declare readonly w: FioWorkload;
  private declare readonly opts: RunOptions;
  private declare readonly sampler: Sampler;
  private declare readonly name: string;

  constructor(m: Machine, strat: MappingStrategy, w: FioWorkload, opts: RunOptions, sampler: Sampler, prog: [number, number], name: string) {
    this.m = m;
    this.strat = strat;
    this.w = w;
    this.opts = opts;
    this.sampler = sampler;
    this.name = name;
    const p = m.p;
    this.p = p;
    const jobs = w.numjobs;
    const depth = w.iodepth;
    const n = jobs * depth;
    this.ios = Array.from({ length: n }, (_, i) => newIo(i));
    const maxBs = w.bssplit ? Math.max(...w.bssplit.map(([s]) => s)) : w.bsBytes;
    const pagesPerBuffer = Math.ceil(maxBs / m.cpuPage) + 1;
    const avgBs = w.bssplit ? w.bssplit.reduce((a, [s, pct]) => a + (s * pct) / 100, 0) : w.bsBytes;
    this.perJob = w.ios ?? Math.max(1, Math.floor(w.sizeBytes / avgBs));
    this.issued = new Float64Array(jobs);
    // Job j runs on CPU j % cores (below): one submission queue per CPU in use.
    const cpus = Math.min(jobs, p.cpu.cores);
    this.device = new Device(m, strat, n, cpus);
    this.multiCpu = cpus > 1;
    const granulesPerPage = Math.max(1, m.granule / m.cpuPage);
    this.totals = newTotals();
    this.total = this.perJob * jobs;
    this.split = w.bssplit;
    this.runPages = p.cpu.userBufferRunPages;
    // A guest takes the device's completion interrupt through the host (VFIO eventfd, KVM irqfd).
    this.irqUs = p.virt.enabled ? p.virt.guestIrqUs : 0;
    // What does not change from one IO to the next is worked out once, not per IO.
    this.direction = w.rw === 'read' || w.rw === 'randread' ? 1 : w.rw === 'write' || w.rw === 'randwrite' ? 0 : -1;
    this.fixedSgEntries = this.sgEntriesOf(w.bsBytes);
    this.bsBytes = w.bsBytes;
    this.submitOverheadUs = p.cpu.submitOverheadUs;
    this.completionOverheadUs = p.cpu.completionOverheadUs;
    this.prog0 = prog[0];
    this.prog1 = prog[1];
    this.q = m.queue;
    // Profile figures are whole numbers in some profiles and fractions in others: doubles always.
    doubleFields(this, 'irqUs', 'submitOverheadUs', 'completionOverheadUs', 'prog0', 'prog1', 'submitAtUs', 'settled');

    for (let i = 0; i < n; i++) {
      const io = this.ios[i];
      io.job = Math.floor(i / depth);
      io.cpu = io.job % p.cpu.cores;
      // fio's buffers: page-aligned, at a random page inside an IOMMU granule.
      io.offsetInGranule = (m.rng.int(granulesPerPage) * m.cpuPage) % m.granule;
      io.bufferPage = 64 + i * pagesPerBuffer;
    }
  }

  private sgEntriesOf(bytes: number): number {
    return Math.ceil(Math.ceil(bytes / this.m.cpuPage) / this.runPages);
  }

  // fio's bssplit: each IO's block size drawn by the split's percentages.
  private drawBlockSize(): number {
    let bytes = this.w.bsBytes;
    let r = this.m.rng.float() * 100;
    for (const [s, pct] of this.split!) {
      bytes = s;
      if ((r -= pct) < 0) break;
    }
    return bytes;
  }

  // The rare branches of submit live apart from it: a small submit is inlined into the event loop.
  private fail(io: Io, tc: number): void {
    this.m.failures++;
    // The IO completes with an error: no device transfer, no unmap (an event, not recursion).
    this.q.push(tc, 0, EV_DEV_DONE, io.index);
  }

  /**
   * Submits `io` at this.submitAtUs. The time goes through a double field, not an argument:
   * submit is compiled apart from the event loop (together they pass V8's inlining budget), and
   * a double passed to a call that is not inlined is boxed into a new heap number each time.
   */
  private submit(io: Io, overheadPaid: boolean): void {
    const m = this.m;
    const t = this.submitAtUs;
    const split = this.split;
    const bytes = split ? this.drawBlockSize() : this.bsBytes;
    const direction = this.direction;
    const read = direction === 1 || (direction === -1 && m.rng.float() * 100 < this.w.rwmixread);
    io.bytes = bytes;
    io.fromDevice = read;
    io.toDevice = !read;
    io.failed = false;
    io.sgEntries = split ? this.sgEntriesOf(bytes) : this.fixedSgEntries;
    const cpu = io.cpu;
    // Read once: V8 loads a typed-array element again (header, bounds, data) for each mention.
    const free = m.cpuFreeAt[cpu];
    let tc = t > free ? t : free;
    // Scheduled after fio's submission work (see finishIo), the map starts now.
    if (!overheadPaid) {
      io.submitT = tc;
      const submitUs = this.submitOverheadUs * m.drawJitter();
      tc += submitUs;
      m.phaseUs[PH_OTHER] += submitUs;
    }
    m.cur = tc;
    m.mapCall(this.strat, io);
    tc = m.cur;
    m.cpuFreeAt[cpu] = tc;
    if (io.failed) this.fail(io, tc);
    else if (this.multiCpu && tc > t) this.q.push(tc, 1, EV_DEV_ARRIVE, io.index);
    else this.device.arrive(io);
  }

  private complete(io: Io, t: number, ok: boolean): void {
    const m = this.m;
    const cpu = io.cpu;
    // Read once: V8 loads a typed-array element again (header, bounds, data) for each mention.
    const free = m.cpuFreeAt[cpu];
    let tc = t > free ? t : free;
    const completeUs = this.completionOverheadUs * m.drawJitter() + this.irqUs;
    tc += completeUs;
    m.phaseUs[PH_OTHER] += completeUs;
    if (ok && this.multiCpu && tc > t) {
      // The unmap reaches shared locks and queues when its CPU gets there: booked as its own event,
      // so the other CPUs' calls until then are booked first, as they would take the lock first.
      m.cpuFreeAt[cpu] = tc;
      this.q.push(tc, 1, EV_UNMAP_CALL, io.index);
      return;
    }
    this.finishIo(io, tc, ok);
  }

  private finishIo(io: Io, t: number, ok: boolean): void {
    const m = this.m;
    const totals = this.totals;
    const cpu = io.cpu;
    let tc = t;
    this.settled++;
    if (ok) {
      m.cur = tc;
      m.unmapCall(this.strat, io);
      tc = m.cur;
      m.latency.record(tc - io.submitT);
      totals.ios++;
      totals.bytes += io.bytes;
    }
    m.cpuFreeAt[cpu] = tc;
    if (tc > totals.endT) totals.endT = tc;
    const more = this.issued[io.job] < this.perJob;
    // Counted when decided, not when the deferred submission runs: IOs of one job completing
    // meanwhile would each see room for one more (a 2-job run of 400 IOs each did 801).
    if (more) this.issued[io.job]++;
    // The sampler's rare grid step and the progress report are calls: after the bookkeeping above,
    // not before it, because V8 checks again the maps of every object used after such a call.
    // The sampler reads only the gauges, which the next submit changes: before that.
    if (ok) {
      this.sampler.completed(tc, io.bytes);
      // Every PROGRESS_EVERY IOs from the first: a branch first taken after the loop is optimised
      // would throw the optimised loop away.
      if ((totals.ios & (PROGRESS_EVERY - 1)) === 1) this.progress();
    }
    if (more) {
      if (this.multiCpu) {
        // fio's submission work first, then the map reaches the IOMMU's locks as its own event.
        const submitUs = this.submitOverheadUs * m.drawJitter();
        m.phaseUs[PH_OTHER] += submitUs;
        io.submitT = tc;
        m.cpuFreeAt[cpu] = tc + submitUs;
        this.q.push(tc + submitUs, 1, EV_SUBMIT, io.index);
      } else {
        this.submitAtUs = tc;
        this.submit(io, false);
      }
    }
  }

  private progress(): void {
    checkCancel(this.opts, this.totals.ios, this.total, this.name, this.prog0, this.prog1);
  }

  run(): Totals {
    const m = this.m;
    const q = this.q;
    const ios = this.ios;
    const totals = this.totals;
    const jobs = this.w.numjobs;
    const depth = this.w.iodepth;
    const issued = this.issued;
    for (let d = 0; d < depth; d++) {
      for (let j = 0; j < jobs; j++) {
        if (issued[j] < this.perJob) {
          issued[j]++;
          this.submitAtUs = 0;
          this.submit(ios[j * depth + d], false);
        }
      }
    }

    const ev = newEvent();
    const total = this.total;
    // Until the last IO settles; strategy timers left after it are drained after the run.
    while (q.size > 0 && this.settled < total) {
      q.pop(ev);
      const t = ev.time;
      m.now = t;
      if (ev.kind !== EV_CPU_WAKE) {
        if (ev.kind !== EV_DEV_DONE || this.device.finished(ev.arg)) this.dispatch(ev.kind, ev.arg);
      }
      // Called directly, not through a callback: a callback made per run deoptimises the next run.
      else for (m.cpuWoke(ev.arg); m.nextDeferred(ev.arg, t);) this.dispatch(m.deferredOut.kind, m.deferredOut.arg);
    }
    return totals;
  }

  /** The event at m.now (read there, not passed: a double argument of a call not inlined is boxed). */
  private dispatch(kind: number, arg: number): void {
    const m = this.m;
    const t = m.now;
    const ios = this.ios;
    switch (kind) {
      case EV_DEV_DONE: {
        const io = ios[arg];
        if (io.failed) this.complete(io, t, false);
        else {
          this.device.done(ios);
          this.complete(io, t, true);
        }
        break;
      }
      case EV_DEV_ARRIVE:
        m.cur = t;
        this.device.arrive(ios[arg]);
        break;
      case EV_UNMAP_CALL: {
        const io = ios[arg];
        if (!m.deferWhileBusy(io.cpu, t, EV_UNMAP_CALL, arg)) this.finishIo(io, t, true);
        break;
      }
      case EV_SUBMIT: {
        const io = ios[arg];
        if (!m.deferWhileBusy(io.cpu, t, EV_SUBMIT, arg)) {
          this.submitAtUs = t;
          this.submit(io, true);
        }
        break;
      }
      default:
        this.strat.onEvent(kind, arg, t);
    }
  }
}

/**
 * tools/testing/selftests/dma/dma_map_benchmark (kernel/dma/map_benchmark.c): each thread loops
 * map, ndelay(delay_ns), unmap for `seconds`, timing map and unmap separately. Each call is its
 * own event at the time it starts, so a call reaches a lock or an invalidation queue when it
 * reaches it: a thread's map never waits behind another thread's later unmap, and the delay is
 * time on the thread's own CPU only.
 */
function driveDmaBench(m: Machine, strat: MappingStrategy, w: DmaBenchWorkload, opts: RunOptions, sampler: Sampler, prog: [number, number], name: string): Totals {
  const p = m.p;
  const threads = w.threads;
  const bytes = w.granulePages * m.cpuPage;
  const endUs = w.seconds * 1e6;
  const ios: Io[] = Array.from({ length: threads }, (_, i) => newIo(i));
  const totals = newTotals();
  // alloc_pages_node(get_order(size)): each thread's buffer is naturally aligned to its order.
  const order = 2 ** Math.ceil(Math.log2(Math.max(1, w.granulePages)));
  for (const io of ios) {
    io.cpu = io.index % p.cpu.cores;
    io.job = io.index;
    io.bytes = bytes;
    io.toDevice = w.dir !== 'FROM_DEVICE';
    io.fromDevice = w.dir !== 'TO_DEVICE';
    io.sgEntries = w.sg ? w.granulePages : 1;
    // Aligned to its order, not to the IOMMU granule: a small buffer sits anywhere in a larger granule.
    const orderBytes = order * m.cpuPage;
    io.offsetInGranule = orderBytes >= m.granule ? 0 : m.rng.int(m.granule / orderBytes) * orderBytes;
    io.bufferPage = (16 + io.index) * Math.max(order, m.granule / m.cpuPage) + io.offsetInGranule / m.cpuPage;
  }
  const delayUs = w.delayNs / 1000;
  const estimate = Math.max(1, endUs);
  let nextProgress = PROGRESS_EVERY;

  const onCall = opts.onDmaBenchCall;
  let stop = false;
  const benchMap = (io: Io, t: number): number => {
    io.failed = false;
    m.cur = t;
    m.mapCall(strat, io);
    const tc = m.cur;
    m.toolMap.record(tc - t);
    if (io.failed) m.failures++;
    if (onCall && onCall(io.index, false, t, tc)) stop = true;
    return tc;
  };
  const benchUnmap = (io: Io, t: number): number => {
    m.cur = t;
    m.unmapCall(strat, io);
    const tc = m.cur;
    m.toolUnmap.record(tc - t);
    if (onCall && onCall(io.index, true, t, tc)) stop = true;
    totals.ios++;
    totals.bytes += bytes;
    sampler.completed(tc, bytes);
    if (totals.ios >= nextProgress) {
      nextProgress += PROGRESS_EVERY;
      checkCancel(opts, Math.min(tc, endUs), estimate, name, prog[0], prog[1]);
    }
    return tc;
  };

  if (threads === 1 || p.cpu.cores === 1) {
    // No contention between CPUs: run each thread's loop inline, in time order.
    const t = new Float64Array(threads);
    for (;;) {
      let k = -1;
      for (let i = 0; i < threads; i++) if (t[i] < endUs && (k < 0 || t[i] < t[k])) k = i;
      if (k < 0) break;
      const io = ios[k];
      let tc = Math.max(t[k], m.cpuFreeAt[io.cpu]);
      m.now = tc;
      tc = benchMap(io, tc);
      if (io.failed) tc += 1;
      else {
        tc += delayUs;
        m.phaseUs[PH_OTHER] += delayUs;
        m.now = tc;
        tc = benchUnmap(io, tc);
      }
      t[k] = tc;
      m.cpuFreeAt[io.cpu] = tc;
      drainUntil(m, strat, tc);
      if (stop) break;
    }
  } else {
    // Event per call: arg = thread * 2 + (0: map next, 1: unmap next).
    for (const io of ios) m.queue.push(0, 1, EV_LOOP, io.index * 2);
    // Threads still looping; strategy timers left after the last one stops are drained after the run.
    let active = ios.length;
    const ev = newEvent();
    while (m.queue.size > 0 && active > 0) {
      m.queue.pop(ev);
      m.now = ev.time;
      if (ev.kind !== EV_LOOP) {
        strat.onEvent(ev.kind, ev.arg, ev.time);
        continue;
      }
      const io = ios[ev.arg >> 1];
      const start = Math.max(ev.time, m.cpuFreeAt[io.cpu]);
      if ((ev.arg & 1) === 0) {
        const end = benchMap(io, start);
        if (io.failed) {
          m.cpuFreeAt[io.cpu] = end + 1;
          if (end + 1 < endUs) m.queue.push(end + 1, 1, EV_LOOP, io.index * 2);
          else active--;
          continue;
        }
        // ndelay() spins on the thread's own CPU: nobody else's time.
        m.phaseUs[PH_OTHER] += delayUs;
        m.cpuFreeAt[io.cpu] = end + delayUs;
        m.queue.push(end + delayUs, 1, EV_LOOP, io.index * 2 + 1);
      } else {
        const end = benchUnmap(io, start);
        m.cpuFreeAt[io.cpu] = end;
        if (end < endUs) m.queue.push(end, 1, EV_LOOP, io.index * 2);
        else active--;
      }
      if (stop) break;
    }
  }
  for (let c = 0; c < m.cpus; c++) if (m.cpuFreeAt[c] > totals.endT) totals.endT = m.cpuFreeAt[c];
  return totals;
}

function drainUntil(m: Machine, strat: MappingStrategy, t: number): void {
  const ev = newEvent();
  while (m.queue.size > 0 && m.queue.peekTime() <= t) {
    m.queue.pop(ev);
    m.now = ev.time;
    strat.onEvent(ev.kind, ev.arg, ev.time);
  }
}

/** hisi_qm queue geometry (drivers/crypto/hisilicon/qm.c): 1024-entry rings, 128-byte SQEs, 16-byte CQEs. */
const QM_Q_DEPTH = 1024;
const QM_SQE_BYTES = 128;
const QM_CQE_BYTES = 16;
/** Queue context and doorbell/EQ pages the device touches on the first send. */
const QM_CTX_PAGES = 2;

/**
 * The hisi_sec_test loop of the IOPF series: one thread sends `times` messages of `msg_len`
 * bytes, cycling through `buffers` input/output buffer pairs; the accelerator reads the input
 * and writes the output, the thread waits for the completion. The session setup is paid once.
 */
function driveAccel(m: Machine, strat: MappingStrategy, w: AccelWorkload, opts: RunOptions, sampler: Sampler, prog: [number, number], name: string): Totals {
  const p = m.p;
  const d = p.device;
  const msgPages = Math.ceil(w.msgLenBytes / m.cpuPage);
  const inIo = newIo(0);
  const outIo = newIo(1);
  inIo.toDevice = true;
  inIo.fromDevice = false;
  outIo.toDevice = false;
  outIo.fromDevice = true;
  inIo.bytes = outIo.bytes = w.msgLenBytes;
  const totals = newTotals();
  let t = d.sessionSetupUs;
  m.phaseUs[PH_OTHER] += d.sessionSetupUs;
  const queueBase = 0;
  const sqPages = Math.ceil((QM_Q_DEPTH * QM_SQE_BYTES) / m.cpuPage);
  const cqBase = queueBase + QM_CTX_PAGES + sqPages;
  // Buffers live in their own allocations, far from the queue memory in guest-physical space.
  const bufBase = 1 << 18;
  for (let i = 0; i < w.times; i++) {
    const b = i % w.buffers;
    inIo.bufferPage = bufBase + b * 2 * (msgPages + 1);
    outIo.bufferPage = inIo.bufferPage + msgPages + 1;
    inIo.failed = outIo.failed = false;
    const submitT = t;
    let t0 = t;
    m.now = t;
    m.terms = m.mapTerms;
    m.cur = t;
    strat.map(inIo);
    strat.map(outIo);
    t = m.cur;
    m.terms = m.otherTerms;
    m.mapHist.record(t - t0);
    if (inIo.failed || outIo.failed) {
      m.failures++;
      if (!inIo.failed) strat.unmap(inIo);
      if (!outIo.failed) strat.unmap(outIo);
      t = m.cur;
      continue;
    }
    const sendUs = d.sendOverheadUs + (w.env === 'guest' ? d.guestSendOverheadUs : 0);
    t += sendUs;
    m.phaseUs[PH_OTHER] += sendUs;
    // Device: queue memory (SQE, CQE, context on first use), then input and output streams.
    const slot = i % QM_Q_DEPTH;
    let stall = 0;
    if (i === 0) stall += strat.touchQueuePages(queueBase, QM_CTX_PAGES, t);
    stall += strat.touchQueuePages(queueBase + QM_CTX_PAGES + Math.floor((slot * QM_SQE_BYTES) / m.cpuPage), 1, t + stall);
    stall += strat.touchQueuePages(cqBase + Math.floor((slot * QM_CQE_BYTES) / m.cpuPage), 1, t + stall);
    stall += strat.deviceAccess(inIo, t + stall);
    stall += strat.deviceAccess(outIo, t + stall);
    const tr = (x: Io) => (x.tlbShift === 0 ? m.deviceTranslate(x.iovaPage, x.iovaPages) : m.deviceTranslateBlocks(x.iovaPage, x.iovaPages, x.tlbShift));
    const walk = tr(inIo) + tr(outIo);
    const xfer = (w.msgLenBytes / d.bandwidthBytesPerSec) * 1e6;
    t += stall + d.readLatencyUs + xfer + walk;
    t0 = t;
    m.now = t;
    m.terms = m.unmapTerms;
    m.cur = t;
    strat.unmap(inIo);
    strat.unmap(outIo);
    t = m.cur;
    m.terms = m.otherTerms;
    m.unmapHist.record(t - t0);
    m.latency.record(t - submitT);
    totals.ios++;
    totals.bytes += w.msgLenBytes;
    sampler.completed(t, w.msgLenBytes);
    m.cpuFreeAt[0] = t;
    drainUntil(m, strat, t);
    t = Math.max(t, m.cpuFreeAt[0]);
    if ((i & 1023) === 1023) checkCancel(opts, i, w.times, name, prog[0], prog[1]);
  }
  totals.endT = t;
  return totals;
}

function cpusFor(p: HardwareProfile, w: Workload): number {
  if (w.kind === 'trace') return Math.max(1, Math.min(p.cpu.cores, w.cpu.reduce((a, c) => (c > a ? c : a), 0) + 1));
  if (w.kind === 'fio' && w.jobs) return Math.max(1, Math.min(fioJobsMaxThreads(w), p.cpu.cores));
  if (w.kind === 'fio') return Math.max(1, Math.min(w.numjobs, p.cpu.cores));
  if (w.kind === 'dmabench') return Math.max(1, Math.min(w.threads, p.cpu.cores));
  return 1;
}

function maxIosFor(w: Workload): number {
  // Room for the replay to run a little behind the capture before mappings wait for slots.
  if (w.kind === 'trace') return tracePeakLive(w) * 2 + 8;
  if (w.kind === 'fio' && w.jobs) return fioJobsMaxIos(w);
  if (w.kind === 'fio') return w.numjobs * w.iodepth;
  if (w.kind === 'dmabench') return w.threads;
  return 2;
}

const r3 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : 0);
const r6 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : 0);

/**
 * What the job-file and trace drivers report to the run: each counted completion and progress.
 * A class, not closures made per run: a closure made anew is a new call target for the drivers'
 * optimised per-IO code, which the next run in the same process threw away ("wrong call target").
 */
class DriverHooks {
  private declare readonly m: Machine;
  private declare readonly sampler: Sampler;
  private declare readonly opts: RunOptions;
  private declare readonly name: string;
  private declare readonly prog: [number, number];
  constructor(m: Machine, sampler: Sampler, opts: RunOptions, name: string, prog: [number, number]) {
    this.m = m;
    this.sampler = sampler;
    this.opts = opts;
    this.name = name;
    this.prog = prog;
  }

  completed(t: number, bytes: number, latencyUs: number): void {
    this.m.latency.record(latencyUs);
    this.sampler.completed(t, bytes);
  }

  progress(fraction: number): void {
    checkCancel(this.opts, fraction, 1, this.name, this.prog[0], this.prog[1]);
  }
}

/** One strategy through one workload on one profile. Deterministic for a given seed. */
export function simulateStrategy(profile: HardwareProfile, spec: StrategySpec, workload: Workload, seed: number, opts: RunOptions = {}, prog: [number, number] = [0, 1]): StrategyResult {
  const cpus = cpusFor(profile, workload);
  const m = new Machine(profile, seed, cpus, Boolean(opts.checkInvariants));
  if (workload.kind === 'dmabench' && workload.skipCpuSync) m.skipCpuSync = true;
  const strat = createStrategy(m, spec, maxIosFor(workload));
  const sampler = new Sampler(m, opts.seriesPoints ?? 240);
  let totals: Totals;
  let measuredUs: number | undefined;
  let jobResults: FioJobResult[] | undefined;
  if (workload.kind === 'fio' && workload.jobs) {
    const r = driveFioJobs(m, strat, workload, (capacity, queues) => new Device(m, strat, capacity, queues), new DriverHooks(m, sampler, opts, spec.text, prog));
    totals = { ios: r.ios, bytes: r.bytes, endT: r.endT };
    measuredUs = r.measuredUs;
    jobResults = r.jobs;
  } else if (workload.kind === 'trace') {
    totals = driveTrace(m, strat, workload, maxIosFor(workload), new DriverHooks(m, sampler, opts, spec.text, prog));
  } else if (workload.kind === 'fio') totals = driveFio(m, strat, workload, opts, sampler, prog, spec.text);
  else if (workload.kind === 'dmabench') totals = driveDmaBench(m, strat, workload, opts, sampler, prog, spec.text);
  else if (workload.kind === 'accel') totals = driveAccel(m, strat, workload, opts, sampler, prog, spec.text);
  else throw new Error('unknown workload kind');

  // Drain deferred work (flush queues, cached pool slots) after the last IO, so every mapping
  // is unmapped and the pools can be checked. The drain is teardown, as the pool reservation at
  // creation is set-up: neither is booked to the run. Booked, a short run's CPU seconds exceeded
  // its time x CPUs (bounce-pool on tegra-smmu, 300 IOs of 64 KiB: utilisation 1.59 of one CPU).
  const endT = totals.endT;
  // Memory gauges are averaged over the workload's time, before the end-of-run drain.
  const bounceMean = m.bounce.mean(endT);
  m.now = endT;
  m.terms = m.otherTerms;
  const bookedPhaseUs = m.phaseUs.slice();
  const bookedOtherTerms = m.otherTerms.slice();
  const bookedInvalidations = m.invalidations;
  // Strategy timers still pending (a flush queue's timeout, a pool's eviction pass) fire as they
  // would on an idle machine, so the stale windows they close are measured to when the kernel
  // would close them; their CPU work falls after the run.
  drainUntil(m, strat, Infinity);
  strat.finish(endT);
  m.phaseUs.set(bookedPhaseUs);
  m.otherTerms.set(bookedOtherTerms);
  m.invalidations = bookedInvalidations;
  if (opts.checkInvariants) {
    if (strat instanceof BouncePool) strat.checkInvariants();
    const live = m.iova.live;
    if (live && live.size > 0 && !(strat instanceof BouncePool)) {
      throw new SimulationInvariantError(`${live.size} IOVA ranges still allocated after the run`);
    }
  }
  const series = sampler.finish(endT);
  const metrics = buildMetrics(m, totals, endT, measuredUs ?? endT, bounceMean);
  metrics.exposure.standingBytes = Math.round(strat.standingBytes());
  metrics.exposure.protection = protectionOf(metrics.exposure);
  if (workload.kind === 'dmabench') metrics.dmaBenchTool = { map: m.toolMap.stats(), unmap: m.toolUnmap.stats() };
  const out: StrategyResult = { strategy: spec.text, metrics, series, latencyHistogram: m.latency.export(), explain: explainOf(m) };
  if (jobResults) out.jobs = jobResults;
  return out;
}

/** Mean µs per map and per unmap call by cost term; the terms of a call kind sum to its mean duration. */
function explainOf(m: Machine): CallBreakdown {
  const per = (terms: Float64Array, calls: number): Partial<Record<CostTerm, number>> => {
    const out: Partial<Record<CostTerm, number>> = {};
    if (calls === 0) return out;
    for (let i = 0; i < COST_TERMS.length; i++) if (terms[i] !== 0) out[COST_TERMS[i]] = r6(terms[i] / calls);
    return out;
  };
  return { map: per(m.mapTerms, m.mapHist.n), unmap: per(m.unmapTerms, m.unmapHist.n) };
}

function callStats(h: { mean(): number; quantile(q: number): number; stddev(): number }) {
  return { mean: r3(h.mean()), p50: r3(h.quantile(0.5)), p99: r3(h.quantile(0.99)), stddev: r3(h.stddev()) };
}

/** `measuredUs`: the window the rates are over (the whole run, or after fio's ramp_time). */
function buildMetrics(m: Machine, totals: Totals, endT: number, measuredUs: number, bounceMean: number): Metrics {
  const seconds = measuredUs / 1e6;
  const gib = totals.bytes / GiB;
  const perGiB = (us: number) => (gib > 0 ? us / 1e6 / gib : 0);
  const ph = m.phaseUs;
  const cpu = {
    map: r6(perGiB(ph[PH_MAP])), unmap: r6(perGiB(ph[PH_UNMAP])), copy: r6(perGiB(ph[PH_COPY])),
    invalidate: r6(perGiB(ph[PH_INV])), fault: r6(perGiB(ph[PH_FAULT])), other: r6(perGiB(ph[PH_OTHER])), total: 0,
  };
  cpu.total = r6(cpu.map + cpu.unmap + cpu.copy + cpu.invalidate + cpu.fault + cpu.other);
  const cpuUs = ph.reduce((a, b) => a + b, 0);
  const pagesMoved = totals.bytes / m.granule;
  const L = m.latency;
  return {
    simulatedSeconds: r6(seconds),
    ios: totals.ios,
    bytes: totals.bytes,
    throughputMiBps: r3(seconds > 0 ? totals.bytes / MiB / seconds : 0),
    iops: r3(seconds > 0 ? totals.ios / seconds : 0),
    latencyUs: {
      mean: r3(L.mean()), p50: r3(L.quantile(0.5)), p90: r3(L.quantile(0.9)), p99: r3(L.quantile(0.99)),
      p999: r3(L.quantile(0.999)), max: r3(L.n ? L.max : 0),
    },
    mapUs: callStats(m.mapHist),
    unmapUs: callStats(m.unmapHist),
    mapCalls: m.mapHist.n,
    unmapCalls: m.unmapHist.n,
    cpuSecondsPerGiB: cpu,
    cpuUtilisation: r3(endT > 0 ? cpuUs / endT : 0),
    iotlb: {
      lookups: m.iotlb.lookups,
      misses: m.iotlb.misses,
      missesPerPage: r6(pagesMoved > 0 ? m.iotlb.misses / pagesMoved : 0),
    },
    invalidations: { count: m.invalidations, perPage: r6(pagesMoved > 0 ? m.invalidations / pagesMoved : 0) },
    bounceBytes: { peak: Math.round(m.bounce.peak), mean: Math.round(Math.min(bounceMean, m.bounce.peak)) },
    pinnedBytes: { peak: Math.round(m.pinned.peak) },
    iovaBytes: { peak: Math.round(Math.max(m.iovaBytes.peak, m.iova.peakLivePages * m.granule)) },
    exposure: {
      bytesBeyondBuffer: Math.round(m.mappings > 0 ? m.exposedBeyondBytes / m.mappings : 0),
      fractionBeyondBuffer: r6(m.mappedSpanBytes > 0 ? m.exposedBeyondBytes / m.mappedSpanBytes : 0),
      staleWindowUs: { mean: r3(m.staleN ? m.staleSumUs / m.staleN : 0), max: r3(m.staleMaxUs) },
    },
    faults: m.faults,
    fallbacks: m.fallbacks,
    failures: m.failures,
    slowdownVsPinned: null,
  };
}

/** Every strategy of the experiment on the same profile, workload and seed. */
export function runExperiment(input: ExperimentInput, opts: RunOptions = {}): ExperimentResult {
  const results: StrategyResult[] = [];
  const n = input.strategies.length;
  input.strategies.forEach((s, i) => {
    const r = simulateStrategy(input.profile, s, input.workload, input.seed, opts, [i / n, 1 / n]);
    results.push(r);
    opts.onStrategyDone?.(r, i);
  });
  applySlowdown(input.workload, results);
  opts.onProgress?.({ fraction: 1, strategy: '' });
  return {
    engineVersion: ENGINE_VERSION,
    profile: input.profile.id,
    workload: input.workload,
    workloadText: workloadText(input.workload),
    seed: input.seed,
    results,
  };
}

/** For accel runs, each strategy's slowdown against `pinned` in the same list (time, not rate). */
export function applySlowdown(w: Workload, results: StrategyResult[]): void {
  if (w.kind !== 'accel') return;
  const base = results.find((r) => r.strategy === 'pinned');
  for (const r of results) {
    r.metrics.slowdownVsPinned = base
      ? r6((r.metrics.simulatedSeconds - base.metrics.simulatedSeconds) / base.metrics.simulatedSeconds)
      : null;
  }
}
