import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketOfBits, Histogram } from '../../core/engine/histogram.ts';
import { Iotlb } from '../../core/engine/iotlb.ts';
import { IovaAllocator } from '../../core/engine/iova.ts';
import { EventQueue } from '../../core/engine/queue.ts';
import { Rng } from '../../core/engine/rng.ts';
import { builtInProfile } from '../../core/index.ts';

describe('seeded PRNG', () => {
  it('repeats the same sequence for the same seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    for (let i = 0; i < 1000; i++) expect(a.u32()).toBe(b.u32());
  });
  it('gives different sequences for different seeds', () => {
    const a = new Rng(1);
    const b = new Rng(2);
    const same = Array.from({ length: 100 }, () => a.u32() === b.u32()).filter(Boolean).length;
    expect(same).toBeLessThan(3);
  });
  it('stays in [0, 1) with a mean near one half', () => {
    const r = new Rng(7);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = r.float();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
    }
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(0.01);
  });
});

describe('event heap', () => {
  it.each([true, false])('pops in (time, priority, insertion) order (sorted ring: %s)', (sorted) => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3 })), { maxLength: 300 }), (events) => {
        const q = new EventQueue(4, sorted);
        events.forEach(([t, p], i) => q.push(t, p, i % 7, i - 150));
        const expected = events.map(([t, p], i) => ({ t, p, i })).sort((x, y) => x.t - y.t || x.p - y.p || x.i - y.i);
        const out = { time: 0, kind: 0, arg: 0 };
        for (const e of expected) {
          q.pop(out);
          expect(out.time).toBe(e.t);
          expect(out.kind).toBe(e.i % 7);
          expect(out.arg).toBe(e.i - 150);
        }
        expect(q.size).toBe(0);
      }),
    );
  });
  it.each([true, false])('keeps the order with pops between pushes, near the tail and far from it, across growth and wrap-around, and peeks the next (sorted ring: %s)', (sorted) => {
    fc.assert(
      fc.property(
        // Times spread out, or bunched within a step or two of now: ties wherever the order is decided.
        fc.array(fc.oneof(fc.tuple(fc.constant(1), fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 2 })), fc.integer({ min: 0, max: 2 })), fc.tuple(fc.constant(0), fc.constant(0), fc.constant(0))), { maxLength: 600 }),
        (ops) => {
          const q = new EventQueue(2, sorted);
          const ref: { t: number; p: number; i: number }[] = [];
          const out = { time: 0, kind: 0, arg: 0 };
          let now = 0;
          ops.forEach(([push, dt, p], i) => {
            if (push) {
              // Times never before the last popped one, as in the engine: most late, some due now.
              const t = now + (i % 5 === 0 ? 0 : dt);
              q.push(t, p, i % 64, i);
              ref.push({ t, p, i });
              ref.sort((x, y) => x.t - y.t || x.p - y.p || x.i - y.i);
            } else if (ref.length > 0) {
              const e = ref.shift()!;
              q.pop(out);
              now = out.time;
              expect([out.time, out.kind, out.arg]).toEqual([e.t, e.i % 64, e.i]);
            }
            expect(q.size).toBe(ref.length);
            // The next event, whether it waits in the heap or in the heap's front slot.
            if (ref.length > 0) expect(q.peekTime()).toBe(ref[0].t);
          });
        },
      ),
    );
  });
  it.each([true, false])('an event pushed right after a pop, among queued events of its own time, keeps the order (sorted ring: %s)', (sorted) => {
    // An event handler's pattern: pop one, push one or two; times bunched at now and the next
    // step, so the new event ties with the ones it is placed among (the heap's front slot).
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 12 }),
        (steps, initial) => {
          const q = new EventQueue(2, sorted);
          const ref: { t: number; p: number; i: number }[] = [];
          let i = 0;
          const push = (t: number, p: number) => {
            q.push(t, p, 1, i);
            ref.push({ t, p, i: i++ });
            ref.sort((x, y) => x.t - y.t || x.p - y.p || x.i - y.i);
          };
          for (let k = 0; k < initial; k++) push(k % 2, k % 3);
          const out = { time: 0, kind: 0, arg: 0 };
          for (const [pushes, dt, p1, p2] of steps) {
            if (ref.length === 0) push(out.time, p1 % 3);
            const e = ref.shift()!;
            q.pop(out);
            expect([out.time, out.arg]).toEqual([e.t, e.i]);
            if (pushes > 0) push(out.time + dt, p1 % 3);
            if (pushes > 1) push(out.time + (1 - dt), p2 % 3);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
  it('refuses a non-finite or negative time', () => {
    const q = new EventQueue();
    expect(() => q.push(Number.NaN, 0, 1, 0)).toThrow();
    expect(() => q.push(-1, 0, 1, 0)).toThrow();
    expect(() => q.push(1, 0, 64, 0)).toThrow();
  });
  it('carries any argument in [-2^23, 2^23) with any kind, and refuses one outside', () => {
    const q = new EventQueue(2);
    const args = [0, 1, -1, 2 ** 23 - 1, -(2 ** 23), 1234567, -7654321];
    args.forEach((a, i) => q.push(i, 0, 63 - i, a));
    const out = { time: 0, kind: 0, arg: 0 };
    args.forEach((a, i) => {
      q.pop(out);
      expect([out.time, out.kind, out.arg]).toEqual([i, 63 - i, a]);
    });
    expect(() => q.push(1, 0, 1, 2 ** 23)).toThrow(/argument/);
    expect(() => q.push(1, 0, 1, -(2 ** 23) - 1)).toThrow(/argument/);
    expect(q.size).toBe(0);
  });
});

describe('streaming histogram', () => {
  it('answers quantiles within 1.6% of the exact sample quantile', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.05, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 400 }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, q) => {
        const h = new Histogram();
        xs.forEach((x) => h.record(x));
        const sorted = [...xs].sort((a, b) => a - b);
        const exact = sorted[Math.max(0, Math.ceil(q * xs.length) - 1)];
        const got = h.quantile(q);
        expect(got).toBeGreaterThanOrEqual(exact * (1 - 1e-9));
        expect(got).toBeLessThanOrEqual(exact * 1.0157 + 1e-9);
      }),
    );
  });
  it('files every double in the bucket its IEEE-754 bits name (the integer path agrees with the bits)', () => {
    const h = new Histogram();
    const check = (v: number) => {
      const b = bucketOfBits(v);
      const before = h.counts[b];
      h.record(v);
      expect(h.counts[b]).toBe(before + 1);
    };
    const edges = [0, -1, Number.NaN, 2 ** -6, 2 ** -6 - 2 ** -60, 2 ** 19, 2 ** 19 - 2 ** -30, 2 ** 34, 2 ** 34 - 1, Infinity, 5e-324, 1, 1.015625, 127.99999, 0.3, 90.5];
    edges.forEach(check);
    fc.assert(fc.property(fc.oneof(fc.double({ noNaN: true }), fc.double({ min: 0.01, max: 1e6, noNaN: true })), check), { numRuns: 5000 });
    expect(h.n).toBe(edges.length + 5000);
  });
  it('keeps mean, max and count exactly', () => {
    const h = new Histogram();
    [1, 2, 3, 10].forEach((x) => h.record(x));
    expect(h.mean()).toBe(4);
    expect(h.max).toBe(10);
    expect(h.n).toBe(4);
    expect(h.export().counts.reduce((a, b) => a + b, 0)).toBe(4);
  });
});

describe('IOVA allocator with rcaches', () => {
  const model = builtInProfile('vtd').iova;
  // Any rcache geometry a profile may give (the largest cached size need not be a power of two):
  // alloc's and free's fast path rounds and classes a size at once, and must agree with allocPages.
  const rcache = fc.record({
    rcacheMaxPages: fc.integer({ min: 0, max: 70 }),
    rcacheMagazineSize: fc.integer({ min: 0, max: 8 }),
    rcacheDepotMagazines: fc.integer({ min: 0, max: 4 }),
  });
  it('never hands out a range twice while it is live, aligns to the size, and reserves the rounded size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: -2, max: 5 })), { maxLength: 400 }),
        fc.oneof(fc.constant({}), rcache),
        (ops, geometry) => {
          const m = { ...model, ...geometry };
          const a = new IovaAllocator(m, 4, 32, 12, true);
          const live: Array<[number, number, number]> = [];
          const out = { start: 0, costUs: 0, tree: false };
          for (const [alloc, drawn, cpu, near] of ops) {
            // Half the sizes at the largest cached size or next to it, where the rounding changes.
            const pages = near > 2 ? drawn : Math.max(1, m.rcacheMaxPages + near);
            if (alloc || live.length === 0) {
              const before = a.livePages;
              a.alloc(cpu, pages, out);
              expect(out.start).toBeGreaterThan(0);
              const size = a.allocPages(pages);
              expect(a.livePages - before).toBe(size);
              const align = 2 ** Math.ceil(Math.log2(size));
              expect(out.start % align).toBe(0);
              for (const [s, n] of live) expect(out.start + size <= s || s + a.allocPages(n) <= out.start).toBe(true);
              live.push([out.start, pages, cpu]);
            } else {
              const [s, n, c] = live.splice(pages % live.length, 1)[0];
              const before = a.livePages;
              a.free(c, s, n);
              expect(before - a.livePages).toBe(a.allocPages(n));
            }
          }
          expect(a.live!.size).toBe(live.length);
        },
      ),
    );
  });
  it('serves a freed small size from the CPU cache at the rcache cost', () => {
    const a = new IovaAllocator(model, 1, 48, 12, false);
    const out = { start: 0, costUs: 0, tree: false };
    a.alloc(0, 4, out);
    expect(out.tree).toBe(true);
    const first = out.start;
    a.free(0, first, 4);
    a.alloc(0, 4, out);
    expect(out.tree).toBe(false);
    expect(out.start).toBe(first);
    expect(out.costUs).toBe(model.rcacheHitNs / 1000);
  });
  it('never caches sizes above the rcache limit', () => {
    const a = new IovaAllocator(model, 1, 48, 12, false);
    const out = { start: 0, costUs: 0, tree: false };
    a.alloc(0, 64, out);
    a.free(0, out.start, 64);
    a.alloc(0, 64, out);
    expect(out.tree).toBe(true);
  });
});

describe('IOTLB', () => {
  it('misses once, then hits, until the page is invalidated', () => {
    const t = new Iotlb(64, 4);
    expect(t.access(100)).toBe(true);
    expect(t.access(100)).toBe(false);
    t.invalidatePage(100);
    expect(t.access(100)).toBe(true);
    t.invalidateAll();
    expect(t.access(100)).toBe(true);
  });
  it('misses on every access when a cyclic working set exceeds its capacity', () => {
    const t = new Iotlb(16, 16);
    for (let round = 0; round < 3; round++) for (let p = 0; p < 32; p++) t.access(p);
    expect(t.misses).toBe(96);
  });
});
