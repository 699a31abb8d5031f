/**
 * A set-associative IOTLB with LRU replacement inside each set. Entries are tagged with the
 * IOVA page number; a generation counter makes domain- or stream-wide invalidation O(1).
 */
export class Iotlb {
  private declare readonly sets: number;
  /** sets - 1 when sets is a power of two (every built-in profile), else -1: the set index is a mask, not a float %. */
  private declare readonly setMask: number;
  private declare readonly ways: number;
  private declare readonly tag: Float64Array; // page + 1, 0 = empty
  private declare readonly gen: Uint32Array;
  private declare readonly stamp: Float64Array;
  private generation = 1;
  private clock = 0;
  lookups = 0;
  misses = 0;

  constructor(entries: number, ways: number) {
    this.ways = Math.max(1, Math.min(ways, entries));
    this.sets = Math.max(1, Math.floor(entries / this.ways));
    this.setMask = (this.sets & (this.sets - 1)) === 0 ? this.sets - 1 : -1;
    const n = this.sets * this.ways;
    this.tag = new Float64Array(n);
    this.gen = new Uint32Array(n);
    this.stamp = new Float64Array(n);
  }

  private setOf(page: number): number {
    // Spread sequential pages and aligned allocations over the sets. Math.imul reads its operand
    // as int32, and the low bits of an unsigned product are its remainder by a power of two.
    const h = Math.imul(page ^ (page / 4096), 0x9e3779b1);
    return this.setMask >= 0 ? h & this.setMask : (h >>> 0) % this.sets;
  }

  /** A device access to one IOVA page; returns true on a miss (a table walk follows). */
  access(page: number): boolean {
    this.lookups++;
    const ways = this.ways;
    const base = this.setOf(page) * ways;
    const end = base + ways;
    const want = page + 1;
    const tag = this.tag;
    const gen = this.gen;
    const g = this.generation;
    // The tag first: most ways differ in it, so a lookup reads one array per way, not two.
    for (let i = base; i < end; i++) {
      if (tag[i] === want && gen[i] === g) {
        this.stamp[i] = ++this.clock;
        return false;
      }
    }
    this.misses++;
    // The first empty way (stale generation), else the least recently used.
    let victim = -1;
    for (let i = base; i < end; i++) {
      if (gen[i] !== g) {
        victim = i;
        break;
      }
    }
    if (victim < 0) victim = this.lruWay(base);
    tag[victim] = want;
    gen[victim] = g;
    this.stamp[victim] = ++this.clock;
    return true;
  }

  /** The least recently used way of the set starting at `base` (out of line: the lookup stays small). */
  private lruWay(base: number): number {
    const stamp = this.stamp;
    let victim = base;
    let oldest = stamp[base];
    for (let i = base + 1; i < base + this.ways; i++) {
      if (stamp[i] < oldest) {
        oldest = stamp[i];
        victim = i;
      }
    }
    return victim;
  }

  invalidatePage(page: number): void {
    const base = this.setOf(page) * this.ways;
    const end = base + this.ways;
    const want = page + 1;
    const tag = this.tag;
    const gen = this.gen;
    const g = this.generation;
    for (let i = base; i < end; i++) {
      if (tag[i] === want && gen[i] === g) {
        // An invalidated entry is an empty way: the next miss in this set refills it first. A
        // page is valid in at most one way of its set (filled only on a miss); ways of older
        // generations are empty whatever their tag, so they need no clearing.
        tag[i] = 0;
        gen[i] = 0;
        return;
      }
    }
  }

  invalidateRange(firstPage: number, pages: number): void {
    if (pages > this.tag.length) {
      const last = firstPage + pages;
      for (let i = 0; i < this.tag.length; i++) {
        const p = this.tag[i] - 1;
        if (p >= firstPage && p < last) this.tag[i] = 0;
      }
      return;
    }
    for (let p = 0; p < pages; p++) this.invalidatePage(firstPage + p);
  }

  invalidateAll(): void {
    this.generation++;
  }
}
