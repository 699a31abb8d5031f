/**
 * sfc32 seeded from a 32-bit seed through splitmix32: small, fast and identical on every
 * JavaScript engine (only 32-bit integer ops). One instance per simulated run; nothing else
 * in the engine draws randomness.
 *
 * The state lives in an Int32Array: int32 slots hold any 32-bit state unboxed (in object fields,
 * a value beyond V8's small integers is a double, and a field's representation can change from
 * one seed to the next). The arithmetic is modulo 2^32 either way, so the stream is the same
 * bits; only the public u32() converts to unsigned.
 */
export class Rng {
  /** sfc32's a, b, c, d. */
  private readonly s = new Int32Array(4);

  constructor(seed: number) {
    let x = seed | 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return z ^ (z >>> 16);
    };
    const s = this.s;
    s[0] = next();
    s[1] = next();
    s[2] = next();
    s[3] = next();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** The next output as int32 (the same bits as u32()). */
  private next(): number {
    const s = this.s;
    const b = s[1];
    const c = s[2];
    const t = (s[0] + b + s[3]) | 0;
    s[3] = (s[3] + 1) | 0;
    s[0] = b ^ (b >>> 9);
    s[1] = (c + (c << 3)) | 0;
    s[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    return t;
  }

  u32(): number {
    return this.next() >>> 0;
  }

  /** Uniform in [0, 1). The step of next() is written out: an int32 return outside the small-integer range is a boxed double. */
  float(): number {
    const s = this.s;
    const b = s[1];
    const c = s[2];
    const t = (s[0] + b + s[3]) | 0;
    s[3] = (s[3] + 1) | 0;
    s[0] = b ^ (b >>> 9);
    s[1] = (c + (c << 3)) | 0;
    s[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Exponential with the given mean. */
  exp(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }
}
