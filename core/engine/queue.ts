/**
 * The event heap: a binary min-heap ordered by (time, priority, sequence), stored in typed
 * arrays so a simulated IO costs no allocation. `sequence` makes ties deterministic (FIFO).
 * Payload is two integers (event kind and argument), kept side by side in one array so a
 * sift step moves three array slots, as a bare loop's heap of (time, sequence, payload) does.
 */
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
  private declare payload: Int32Array; // [2i] kind, [2i + 1] arg
  private n = 0;
  private seq = 0;

  constructor(capacity = 1024) {
    this.time = new Float64Array(capacity);
    this.order = new Float64Array(capacity);
    this.payload = new Int32Array(2 * capacity);
  }

  get size(): number {
    return this.n;
  }

  push(time: number, priority: number, kind: number, arg: number): void {
    if (!(time >= 0 && time < Infinity)) throw new Error(`event time must be finite and >= 0, got ${time}`);
    if (this.n === this.time.length) this.grow();
    const ord = priority * 1099511627776 + this.seq++;
    let i = this.n++;
    const T = this.time, O = this.order, P = this.payload;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const tp = T[p];
      if (tp < time || (tp === time && O[p] < ord)) break;
      T[i] = tp; O[i] = O[p]; P[2 * i] = P[2 * p]; P[2 * i + 1] = P[2 * p + 1];
      i = p;
    }
    T[i] = time; O[i] = ord; P[2 * i] = kind; P[2 * i + 1] = arg;
  }

  /** Time of the next event (undefined behaviour when empty: check size). */
  peekTime(): number {
    return this.time[0];
  }

  /** Pops the minimum into `out` ([time, kind, arg]). */
  pop(out: PoppedEvent): void {
    const T = this.time, O = this.order, P = this.payload;
    out.time = T[0]; out.kind = P[0]; out.arg = P[1];
    const last = --this.n;
    if (last === 0) return;
    const t = T[last], o = O[last], k = P[2 * last], a = P[2 * last + 1];
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
      T[i] = tc; O[i] = O[c]; P[2 * i] = P[2 * c]; P[2 * i + 1] = P[2 * c + 1];
      i = c;
    }
    T[i] = t; O[i] = o; P[2 * i] = k; P[2 * i + 1] = a;
  }

  private grow(): void {
    const cap = this.time.length * 2;
    const t = new Float64Array(cap); t.set(this.time); this.time = t;
    const o = new Float64Array(cap); o.set(this.order); this.order = o;
    const p = new Int32Array(2 * cap); p.set(this.payload); this.payload = p;
  }
}
