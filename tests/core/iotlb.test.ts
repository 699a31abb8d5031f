import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Iotlb } from '../../core/engine/iotlb.ts';

/**
 * The IOTLB as first written, plainly: per set, ways with (tag, generation, LRU stamp); a lookup
 * hits a way of the current generation with the page's tag, a miss fills the first way of an
 * older generation or else the least recently used; a page flush empties every way holding its
 * tag; a flush of more pages than entries clears the tags in range; a full flush starts a new
 * generation. The engine's Iotlb reads fewer slots per lookup and must answer the same.
 */
class ReferenceIotlb {
  private readonly sets: number;
  private readonly ways: number;
  private readonly tag: number[];
  private readonly gen: number[];
  private readonly stamp: number[];
  private generation = 1;
  private clock = 0;
  constructor(entries: number, ways: number) {
    this.ways = Math.max(1, Math.min(ways, entries));
    this.sets = Math.max(1, Math.floor(entries / this.ways));
    const n = this.sets * this.ways;
    this.tag = new Array<number>(n).fill(0);
    this.gen = new Array<number>(n).fill(0);
    this.stamp = new Array<number>(n).fill(0);
  }
  private setOf(page: number): number {
    const h = Math.imul(page ^ (page / 4096), 0x9e3779b1);
    return (this.sets & (this.sets - 1)) === 0 ? h & (this.sets - 1) : (h >>> 0) % this.sets;
  }
  access(page: number): boolean {
    const base = this.setOf(page) * this.ways;
    let victim = -1;
    for (let i = base; i < base + this.ways; i++) {
      if (this.gen[i] === this.generation) {
        if (this.tag[i] === page + 1) {
          this.stamp[i] = ++this.clock;
          return false;
        }
      } else if (victim < 0) victim = i;
    }
    if (victim < 0) {
      victim = base;
      for (let i = base + 1; i < base + this.ways; i++) if (this.stamp[i] < this.stamp[victim]) victim = i;
    }
    this.tag[victim] = page + 1;
    this.gen[victim] = this.generation;
    this.stamp[victim] = ++this.clock;
    return true;
  }
  invalidatePage(page: number): void {
    const base = this.setOf(page) * this.ways;
    for (let i = base; i < base + this.ways; i++) {
      if (this.tag[i] === page + 1) {
        this.tag[i] = 0;
        this.gen[i] = 0;
      }
    }
  }
  invalidateRange(first: number, pages: number): void {
    if (pages > this.tag.length) {
      for (let i = 0; i < this.tag.length; i++) if (this.tag[i] - 1 >= first && this.tag[i] - 1 < first + pages) this.tag[i] = 0;
      return;
    }
    for (let p = 0; p < pages; p++) this.invalidatePage(first + p);
  }
  invalidateAll(): void {
    this.generation++;
  }
}

describe('IOTLB', () => {
  it('hits and misses exactly as the plain set-associative LRU model, whatever the lookups and flushes', () => {
    const op = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.constant('access' as const), fc.integer({ min: 0, max: 40 }), fc.constant(0)) },
      { weight: 2, arbitrary: fc.tuple(fc.constant('page' as const), fc.integer({ min: 0, max: 40 }), fc.constant(0)) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('range' as const), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 80 })) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('all' as const), fc.constant(0), fc.constant(0)) },
    );
    fc.assert(
      fc.property(fc.constantFrom<[number, number]>([16, 4], [32, 8], [12, 4], [8, 8], [64, 2], [96, 32], [80, 40]), fc.array(op, { maxLength: 400 }), ([entries, ways], ops) => {
        const a = new Iotlb(entries, ways);
        const b = new ReferenceIotlb(entries, ways);
        // Pages near the top of a 48-bit space, as the IOVA allocator hands them out, and low ones;
        // even x from 20 on share their lookup-hint slot with x - 20 (4096 pages apart).
        const base = 2 ** 36 - 256;
        for (const [kind, x, n] of ops) {
          const page = (x & 1) === 0 ? base + (x % 20) + (x >= 20 ? 4096 : 0) : x;
          if (kind === 'access') expect(a.access(page)).toBe(b.access(page));
          else if (kind === 'page') { a.invalidatePage(page); b.invalidatePage(page); }
          else if (kind === 'range') { a.invalidateRange(page, n); b.invalidateRange(page, n); }
          else { a.invalidateAll(); b.invalidateAll(); }
        }
        for (let p = 0; p < 50; p++) expect(a.access(base + p)).toBe(b.access(base + p));
      }),
      { numRuns: 1000 },
    );
  });
});
