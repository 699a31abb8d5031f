/**
 * The event queue: events ordered by (time, priority, insertion), kept sorted in a ring of typed
 * arrays so a simulated IO costs no allocation. Insertion order breaks the remaining ties (FIFO),
 * so the pop order is a total order and the queue's layout never shows in results.
 *
 * The payload (event kind, priority 0-3 and an integer argument in [-2^23, 2^23)) is one int32,
 * kind | priority << 6 | arg << 8: integer operations only to pack and unpack it (as a double,
 * kind + priority * 64 + arg * 256, each pop converted it to integers twice). The sorted ring
 * keeps an event in two slots (time, payload): inserting from the tail keeps equal events in
 * insertion order by itself, so a tie needs only the priority, read from the payload. The heap
 * keeps a third slot, priority * 2^40 + a sequence number, since sifting does not keep insertion
 * order. (The ring carried that slot too, and wrote and moved it on every push.)
 *
 * Sorted, not a heap: a closed loop's new event (a device completion ~80 µs ahead, jittered) lands
 * at or within a few places of the tail (strict on vtd: 0.8 places back on average, lazy 2, its
 * flush timer sitting at the tail), so a push is an insertion step or two and a pop takes the
 * head. A binary heap moved its hole down all six levels of a 64-event heap on every pop: ~400
 * of a simulated IO's ~3,090 machine instructions. An event landing further back (another CPU's
 * work due now, behind a queue of completions) is placed by binary search and the shorter side
 * of the ring moves by one. With several CPUs, each CPU's completions interleave with the
 * others' and work due now lands behind all of them: the moves cost more than a heap's sifts
 * (fio numjobs=4 iodepth=32: +6.5 % instructions per IO), so such a run's queue is a binary
 * heap (`sorted` false), as before, with the earliest event kept outside it when it arrives
 * earliest: a CPU's next call due now skips both sifts (fio 4k randread, 4 jobs x QD16: smmuv3
 * lazy 4,609 -> 3,969 instructions per IO, vtd strict 8,213 -> 7,640).
 */
import { EV_KINDS as KINDS, EV_MAX_ARG as MAX_ARG, QUEUE_NEAR as NEAR } from './constants.ts';
import { doubleFields } from './shape.ts';

/** What EventQueue.pop fills: one per event loop, reused. */
export interface PoppedEvent {
  time: number;
  kind: number;
  arg: number;
}

/** A PoppedEvent whose time is a double from the start (NaN in the literal; see doubleFields). */
export function newEvent(): PoppedEvent {
  const ev = { time: NaN, kind: 0, arg: 0 };
  ev.time = 0;
  return ev;
}

export class EventQueue {
  private declare time: Float64Array;
  /** Heap mode only: priority * 2^40 + sequence. */
  private declare order: Float64Array;
  /** kind | priority << 6 | arg << 8 (arg in [-2^23, 2^23), priority 0-3). */
  private declare payload: Int32Array;
  /** Capacity - 1 (the capacity is a power of two). */
  private declare mask: number;
  /** Ring index of the earliest event. */
  private head = 0;
  /** Events queued (read-only outside: a field, not a getter, for the event loops' tests). */
  size = 0;
  private seq = 0;
  /** A binary heap from index 0 (head 0) rather than a sorted ring (see above). */
  private declare readonly heap: boolean;
  /**
   * Heap mode: 1 while the earliest event waits outside the heap, in the front slot. An event
   * handler's next work is often due before everything queued (smmuv3 lazy, 4 jobs: three pushes
   * in four); it waits there, and its pop takes it back, with no sift either way.
   */
  private front = 0;
  private frontTime = 0;
  private frontOrd = 0;
  private frontPayload = 0;

  constructor(capacity = 1024, sorted = true) {
    // `| 0`: 2 ** n is a heap number, and a field first stored one is a double field, which every
    // push and pop converted back to an integer for the ring's mask (checks included).
    const cap = (2 ** Math.max(1, Math.ceil(Math.log2(Math.max(2, capacity))))) | 0;
    this.heap = !sorted;
    this.time = new Float64Array(cap);
    this.order = new Float64Array(cap);
    this.payload = new Int32Array(cap);
    this.mask = cap - 1;
    doubleFields(this, 'seq', 'frontTime', 'frontOrd');
  }

  push(time: number, priority: number, kind: number, arg: number): void {
    // The checks' messages are built out of line: push is inlined at every call site, and its size
    // counts against V8's inlining budget for the whole per-IO path. (Kind and priority are
    // constants at every call site: their checks fold away.)
    if (!(time >= 0 && time < Infinity && kind >= 0 && kind < KINDS && priority >= 0 && priority < 4 && arg >= -MAX_ARG && arg < MAX_ARG)) {
      badEvent(time, kind, priority, arg);
    }
    if (this.size > this.mask) this.grow();
    const pl = kind | (priority << 6) | (arg << 8);
    if (this.heap) {
      this.heapPush(time, priority * 1099511627776 + this.seq++, pl);
      return;
    }
    const n = this.size;
    const h = this.head;
    const mask = this.mask;
    const T = this.time, P = this.payload;
    // Further back than NEAR places: binary search. (An event at the same time stays on the scan:
    // correct either way, and one comparison fewer on every push.)
    if (n > NEAR && T[(h + n - NEAR) & mask] > time) {
      this.pushFar(time, priority, pl);
      return;
    }
    // Insertion from the tail: later events move up one place. Among events at the same time the
    // ring keeps insertion order within a priority (FIFO), so the tie is the priority alone: an
    // equal one stays ahead of the new event, as its smaller sequence number did in the heap.
    let x = n;
    while (x > 0) {
      const s = (h + x - 1) & mask;
      const ts = T[s];
      if (ts < time || (ts === time && (P[s] & (4 * KINDS - 1)) < (priority + 1) * KINDS)) break;
      const d = (h + x) & mask;
      T[d] = ts; P[d] = P[s];
      x--;
    }
    const d = (h + x) & mask;
    T[d] = time; P[d] = pl;
    this.size = n + 1;
  }

  /** An event more than NEAR places before the tail: binary search, then the shorter side moves. */
  private pushFar(time: number, priority: number, pl: number): void {
    const n = this.size;
    const h = this.head;
    const mask = this.mask;
    const T = this.time, P = this.payload;
    // First place whose event comes after the new one (one exists: the check in push, a later time).
    let lo = 0;
    let hi = n - NEAR;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const s = (h + mid) & mask;
      if (T[s] > time || (T[s] === time && (P[s] & (4 * KINDS - 1)) >= (priority + 1) * KINDS)) hi = mid;
      else lo = mid + 1;
    }
    if (lo < n - lo) {
      // The earlier events move down one place, the head with them.
      const nh = (h - 1) & mask;
      for (let x = 0; x < lo; x++) {
        const s = (h + x) & mask;
        const d = (nh + x) & mask;
        T[d] = T[s]; P[d] = P[s];
      }
      const d = (nh + lo) & mask;
      T[d] = time; P[d] = pl;
      this.head = nh;
    } else {
      for (let x = n; x > lo; x--) {
        const s = (h + x - 1) & mask;
        const d = (h + x) & mask;
        T[d] = T[s]; P[d] = P[s];
      }
      const d = (h + lo) & mask;
      T[d] = time; P[d] = pl;
    }
    this.size = n + 1;
  }

  /** Time of the next event (undefined behaviour when empty: check size). */
  peekTime(): number {
    return this.front !== 0 ? this.frontTime : this.time[this.head];
  }

  private heapPush(time: number, ord: number, pl: number): void {
    const T = this.time, O = this.order;
    if (this.front === 0) {
      // Before the heap's root (or into an empty heap): the front slot.
      if (this.size === 0 || T[0] > time || (T[0] === time && O[0] > ord)) {
        this.front = 1;
        this.frontTime = time; this.frontOrd = ord; this.frontPayload = pl;
        this.size++;
        return;
      }
    } else if (this.frontTime > time || (this.frontTime === time && this.frontOrd > ord)) {
      // Before the front event too: that one goes into the heap, the new one takes its place.
      this.siftUp(this.size - 1, this.frontTime, this.frontOrd, this.frontPayload);
      this.frontTime = time; this.frontOrd = ord; this.frontPayload = pl;
      this.size++;
      return;
    }
    this.siftUp(this.size++ - this.front, time, ord, pl);
  }

  /** Places an event at heap hole `i`, its parents moving down while they come after it. */
  private siftUp(hole: number, time: number, ord: number, pl: number): void {
    let i = hole;
    const T = this.time, O = this.order, P = this.payload;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const tp = T[p];
      if (tp < time || (tp === time && O[p] < ord)) break;
      T[i] = tp; O[i] = O[p]; P[i] = P[p];
      i = p;
    }
    T[i] = time; O[i] = ord; P[i] = pl;
  }

  /** Pops the earliest event into `out` ([time, kind, arg]). */
  pop(out: PoppedEvent): void {
    if (this.heap) {
      this.heapPop(out);
      return;
    }
    const h = this.head;
    out.time = this.time[h];
    const p0 = this.payload[h];
    out.kind = p0 & (KINDS - 1);
    out.arg = p0 >> 8;
    this.head = (h + 1) & this.mask;
    this.size--;
  }

  private heapPop(out: PoppedEvent): void {
    if (this.front !== 0) {
      this.front = 0;
      out.time = this.frontTime;
      const pf = this.frontPayload;
      out.kind = pf & (KINDS - 1);
      out.arg = pf >> 8;
      this.size--;
      return;
    }
    const T = this.time, O = this.order, P = this.payload;
    out.time = T[0];
    const p0 = P[0];
    out.kind = p0 & (KINDS - 1);
    out.arg = p0 >> 8;
    const last = --this.size;
    if (last === 0) return;
    // Bottom-up (Floyd): the hole at the root moves down along the earlier child to a leaf, one
    // comparison per level, then the last event rises from there, rarely more than a level: it
    // was a leaf, and late. Which child is earlier is a coin toss the branch predictor loses half
    // the time, so it is taken as a number (a comparison's 0 or 1), not a branch; only equal times
    // branch, to the sequence.
    let i = 0;
    for (let c = 1; c < last; c = 2 * i + 1) {
      const r = c + 1;
      if (r < last) {
        const tr = T[r], tc = T[c];
        let right = Number(tr < tc);
        if (tr === tc && O[r] < O[c]) right = 1;
        c += right;
      }
      T[i] = T[c]; O[i] = O[c]; P[i] = P[c];
      i = c;
    }
    this.siftUp(i, T[last], O[last], P[last]);
  }

  /** Twice the capacity, the events from index 0 in order (a heap too, in heap mode). */
  private grow(): void {
    // The front event is outside the arrays.
    const n = this.size - this.front;
    const cap = 2 * (this.mask + 1);
    const t = new Float64Array(cap), o = new Float64Array(cap), p = new Int32Array(cap);
    // A heap starts at index 0 (head 0): the copy keeps it one.
    for (let x = 0; x < n; x++) {
      const s = (this.head + x) & this.mask;
      t[x] = this.time[s]; o[x] = this.order[s]; p[x] = this.payload[s];
    }
    this.time = t; this.order = o; this.payload = p;
    this.mask = cap - 1;
    this.head = 0;
  }
}

function badEvent(time: number, kind: number, priority: number, arg: number): never {
  if (!(time >= 0 && time < Infinity)) throw new Error(`event time must be finite and >= 0, got ${time}`);
  if (!(priority >= 0 && priority < 4)) throw new Error(`event priority must be in [0, 4), got ${priority}`);
  if (!(arg >= -MAX_ARG && arg < MAX_ARG)) throw new Error(`event argument must be in [-${MAX_ARG}, ${MAX_ARG}), got ${arg}`);
  throw new Error(`event kind must be in [0, ${KINDS}), got ${kind}`);
}
