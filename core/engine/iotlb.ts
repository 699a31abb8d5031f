import { IOTLB_HINTS } from './constants.ts';
import { doubleFields } from './shape.ts';

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
  /**
   * The way each page was last filled in, indexed by the page's low bits: a hint, checked against
   * the way's tag and generation before use. A page is valid in at most one way (it is filled only
   * on a miss), so a hint that checks out is the way a scan of the set would find: an unmap's flush
   * of the page the device just used, or a repeated lookup, skips the set hash and the scan.
   */
  private readonly lastWay = new Int32Array(IOTLB_HINTS);
  /**
   * Per set, a bit per way holding an entry of the current generation (valid in setGen's
   * generation only; an older setGen means no valid way): a lookup compares only the valid ways'
   * tags, and a miss takes the lowest clear bit, the first empty way, without reading the ways.
   * Kept for sets of up to 32 ways (every built-in profile has 4 or 8); wider sets scan the ways.
   */
  private declare readonly validWays: Int32Array;
  private declare readonly setGen: Uint32Array;
  /** The set each way belongs to (a hinted way's set without hashing the page). */
  private declare readonly setOfWay: Int32Array;
  private declare readonly allWays: number;
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
    this.validWays = new Int32Array(this.sets);
    this.setGen = new Uint32Array(this.sets);
    this.setOfWay = new Int32Array(n);
    for (let i = 0; i < n; i++) this.setOfWay[i] = Math.floor(i / this.ways);
    this.allWays = this.ways >= 32 ? -1 : (1 << this.ways) - 1;
    doubleFields(this, 'clock', 'lookups', 'misses');
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
    const want = page + 1;
    const tag = this.tag;
    const g = this.generation;
    const hint = this.lastWay[page & (IOTLB_HINTS - 1)];
    if (tag[hint] === want && this.gen[hint] === g) {
      this.stamp[hint] = ++this.clock;
      return false;
    }
    const ways = this.ways;
    if (ways > 32) return this.accessWide(page);
    const set = this.setOf(page);
    const base = set * ways;
    const valid = this.setGen[set] === g ? this.validWays[set] : 0;
    for (let v = valid; v !== 0; v &= v - 1) {
      const i = base + 31 - Math.clz32(v & -v);
      if (tag[i] === want) {
        this.stamp[i] = ++this.clock;
        return false;
      }
    }
    this.misses++;
    // The first empty way (stale generation), else the least recently used.
    const empty = ~valid & this.allWays;
    const victim = empty !== 0 ? base + 31 - Math.clz32(empty & -empty) : this.lruWay(base);
    tag[victim] = want;
    this.gen[victim] = g;
    this.stamp[victim] = ++this.clock;
    this.validWays[set] = valid | (1 << (victim - base));
    this.setGen[set] = g;
    this.lastWay[page & (IOTLB_HINTS - 1)] = victim;
    return true;
  }

  /** access() for sets of more than 32 ways: the ways are scanned, tag first. */
  private accessWide(page: number): boolean {
    const ways = this.ways;
    const base = this.setOf(page) * ways;
    const end = base + ways;
    const want = page + 1;
    const tag = this.tag;
    const gen = this.gen;
    const g = this.generation;
    for (let i = base; i < end; i++) {
      if (tag[i] === want && gen[i] === g) {
        this.stamp[i] = ++this.clock;
        return false;
      }
    }
    this.misses++;
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
    this.lastWay[page & (IOTLB_HINTS - 1)] = victim;
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
    const want = page + 1;
    const tag = this.tag;
    const gen = this.gen;
    const g = this.generation;
    const hint = this.lastWay[page & (IOTLB_HINTS - 1)];
    if (tag[hint] === want && gen[hint] === g) {
      this.empty(hint);
      return;
    }
    const base = this.setOf(page) * this.ways;
    const end = base + this.ways;
    for (let i = base; i < end; i++) {
      if (tag[i] === want && gen[i] === g) {
        // An invalidated entry is an empty way: the next miss in this set refills it first. A
        // page is valid in at most one way of its set (filled only on a miss); ways of older
        // generations are empty whatever their tag, so they need no clearing.
        this.empty(i);
        return;
      }
    }
  }

  /** Empties valid way `i`. */
  private empty(i: number): void {
    this.tag[i] = 0;
    this.gen[i] = 0;
    const set = this.setOfWay[i];
    this.validWays[set] &= ~(1 << (i - set * this.ways));
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
