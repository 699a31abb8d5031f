/**
 * The event heap: a binary min-heap ordered by (time, priority, sequence), stored in typed
 * arrays so a simulated IO costs no allocation. `sequence` makes ties deterministic (FIFO), so
 * the pop order is a total order and the heap's layout never shows in results.
 *
 * The payload (event kind and int32 argument) is one double, kind + arg * 64, so a sift step
 * moves three slots (time, order, payload), as a bare loop's heap does; the kind and argument
 * in an Int32Array pair made it four (~60 of the ~3,650 machine instructions of a simulated IO).
 * A 4-ary heap executed as many instructions as this binary one at queue depth 64.
 */
import { EV_KINDS as KINDS } from './constants.ts';

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
  private declare order: Float64Array; // priority * 2^40 + sequence
  private declare payload: Float64Array; // kind + arg * KINDS (arg an int32)
  /** Events in the heap (read-only outside: a field, not a getter, for the event loops' tests). */
  size = 0;
  private seq = 0;

  constructor(capacity = 1024) {
    this.time = new Float64Array(capacity);
    this.order = new Float64Array(capacity);
    this.payload = new Float64Array(capacity);
  }

  push(time: number, priority: number, kind: number, arg: number): void {
    if (!(time >= 0 && time < Infinity)) throw new Error(`event time must be finite and >= 0, got ${time}`);
    if (!(kind >= 0 && kind < KINDS)) throw new Error(`event kind must be in [0, ${KINDS}), got ${kind}`);
    if (this.size === this.time.length) this.grow();
    const ord = priority * 1099511627776 + this.seq++;
    const pl = (kind | 0) + (arg | 0) * KINDS;
    let i = this.size++;
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

  /** Time of the next event (undefined behaviour when empty: check size). */
  peekTime(): number {
    return this.time[0];
  }

  /** Pops the minimum into `out` ([time, kind, arg]). */
  pop(out: PoppedEvent): void {
    const T = this.time, O = this.order, P = this.payload;
    out.time = T[0];
    const p0 = P[0];
    const kind = p0 & (KINDS - 1);
    out.kind = kind;
    out.arg = ((p0 - kind) / KINDS) | 0;
    const last = --this.size;
    if (last === 0) return;
    const t = T[last], o = O[last], pl = P[last];
    let i = 0;
    const half = last >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      const r = c + 1;
      let tc = T[c];
      if (r < last) {
        const tr = T[r];
        if (tr < tc || (tr === tc && O[r] < O[c])) {
          c = r;
          tc = tr;
        }
      }
      if (t < tc || (t === tc && o < O[c])) break;
      T[i] = tc; O[i] = O[c]; P[i] = P[c];
      i = c;
    }
    T[i] = t; O[i] = o; P[i] = pl;
  }

  private grow(): void {
    const cap = this.time.length * 2;
    const t = new Float64Array(cap); t.set(this.time); this.time = t;
    const o = new Float64Array(cap); o.set(this.order); this.order = o;
    const p = new Float64Array(cap); p.set(this.payload); this.payload = p;
  }
}
