/**
 * The event heap: a binary min-heap ordered by (time, priority, sequence), stored in typed
 * arrays so a simulated IO costs no allocation. `sequence` makes ties deterministic (FIFO).
 * Payload is two integers (event kind and argument).
 */
export class EventQueue {
  private time: Float64Array;
  private order: Float64Array; // priority * 2^40 + sequence
  private kind: Int32Array;
  private arg: Int32Array;
  private n = 0;
  private seq = 0;

  constructor(capacity = 1024) {
    this.time = new Float64Array(capacity);
    this.order = new Float64Array(capacity);
    this.kind = new Int32Array(capacity);
    this.arg = new Int32Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  push(time: number, priority: number, kind: number, arg: number): void {
    if (!(time >= 0 && time < Infinity)) throw new Error(`event time must be finite and >= 0, got ${time}`);
    if (this.n === this.time.length) this.grow();
    const ord = priority * 1099511627776 + this.seq++;
    let i = this.n++;
    const T = this.time, O = this.order, K = this.kind, A = this.arg;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (T[p] < time || (T[p] === time && O[p] < ord)) break;
      T[i] = T[p]; O[i] = O[p]; K[i] = K[p]; A[i] = A[p];
      i = p;
    }
    T[i] = time; O[i] = ord; K[i] = kind; A[i] = arg;
  }

  /** Time of the next event (undefined behaviour when empty: check size). */
  peekTime(): number {
    return this.time[0];
  }

  /** Pops the minimum into `out` ([time, kind, arg]). */
  pop(out: { time: number; kind: number; arg: number }): void {
    const T = this.time, O = this.order, K = this.kind, A = this.arg;
    out.time = T[0]; out.kind = K[0]; out.arg = A[0];
    const last = --this.n;
    if (last === 0) return;
    const t = T[last], o = O[last], k = K[last], a = A[last];
    let i = 0;
    const half = last >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      const r = c + 1;
      if (r < last && (T[r] < T[c] || (T[r] === T[c] && O[r] < O[c]))) c = r;
      if (t < T[c] || (t === T[c] && o < O[c])) break;
      T[i] = T[c]; O[i] = O[c]; K[i] = K[c]; A[i] = A[c];
      i = c;
    }
    T[i] = t; O[i] = o; K[i] = k; A[i] = a;
  }

  private grow(): void {
    const cap = this.time.length * 2;
    const t = new Float64Array(cap); t.set(this.time); this.time = t;
    const o = new Float64Array(cap); o.set(this.order); this.order = o;
    const k = new Int32Array(cap); k.set(this.kind); this.kind = k;
    const a = new Int32Array(cap); a.set(this.arg); this.arg = a;
  }
}
