import type { IovaAllocatorModel } from '../types.ts';
import { doubleFields, objectArray } from './shape.ts';

/**
 * IOVA allocator after drivers/iommu/iova.c: per-CPU rcaches (a loaded and a previous magazine
 * of `rcacheMagazineSize` entries per power-of-two size class up to `rcacheMaxPages` pages, plus
 * a global depot) in front of a slower allocator that hands out size-aligned ranges top-down.
 * Addresses are in IOMMU pages. The slow path is a bump allocator with exact-size free lists:
 * it never overlaps live ranges, which the property tests check.
 */
/** Where IovaAllocator.alloc leaves its result. */
export interface AllocOut {
  start: number;
  costUs: number;
  tree: boolean;
}

export class IovaAllocator {
  private declare readonly model: IovaAllocatorModel;
  private declare readonly classes: number;
  /**
   * Loaded / prev magazines, CPU c's of class k at c * classes + k: one array element away
   * rather than two (an array per CPU cost an element load, its checks and a map check more per
   * alloc and per free).
   */
  private declare readonly loaded: Magazine[];
  private declare readonly prev: Magazine[];
  /** [class] -> full magazines. */
  private declare readonly depot: Magazine[][];
  /** Empty magazines of rcacheMagazineSize entries, dropped from a CPU's rcache, to reuse. */
  private declare readonly spare: Magazine[];
  private readonly treeFree = new Map<number, number[]>();
  private declare next: number;
  private declare readonly limitPages: number;
  livePages = 0;
  peakLivePages = 0;
  treeFrees = 0;
  failures = 0;
  /** The model's rcache hit and tree allocation costs in µs (each divided once, not per call). */
  private declare readonly rcacheHitUs: number;
  /** The model's figures the per-IO path reads, a field away rather than behind the model object. */
  private declare readonly maxPages: number;
  private declare readonly magazineSize: number;
  private declare readonly rcacheHitNs: number;
  private declare readonly treeAllocUs: number;
  /** Debug: live ranges by start page (only when tracking is on, for property tests). */
  declare readonly live: Map<number, number> | null;

  constructor(model: IovaAllocatorModel, cpus: number, iovaBits: number, granuleShift: number, track: boolean) {
    this.model = model;
    this.rcacheHitUs = model.rcacheHitNs / 1000;
    this.maxPages = model.rcacheMaxPages;
    this.magazineSize = model.rcacheMagazineSize;
    this.rcacheHitNs = model.rcacheHitNs;
    this.treeAllocUs = model.treeAllocNs / 1000;
    doubleFields(this, 'rcacheHitUs', 'treeAllocUs', 'rcacheHitNs', 'livePages', 'peakLivePages');
    this.classes = model.rcacheMaxPages > 0 ? Math.floor(Math.log2(model.rcacheMaxPages)) + 1 : 0;
    const size = model.rcacheMagazineSize;
    const mk = () => Array.from({ length: cpus * this.classes }, () => new Magazine(size));
    this.loaded = mk();
    this.prev = mk();
    this.depot = Array.from({ length: this.classes }, () => objectArray(new Magazine(0)));
    this.spare = objectArray(new Magazine(0));
    this.limitPages = 2 ** (iovaBits - granuleShift);
    this.next = this.limitPages;
    this.live = track ? new Map() : null;
  }

  /** Rounded size the allocator really reserves (iommu_dma_alloc_iova rounds small sizes up). */
  allocPages(pages: number): number {
    return pages < this.maxPages ? this.pow2(pages) : pages;
  }

  /**
   * n rounded up to a power of two. A method, not a module function: a call of a module function
   * checks which function its binding holds, each time (allocPages runs on every map).
   */
  private pow2(n: number): number {
    if (n <= 1) return 1;
    // A shift, not 2 ** e: the result stays a small integer (e <= 30 here).
    if (n <= 0x40000000) return 1 << (32 - Math.clz32(n - 1));
    return 2 ** Math.ceil(Math.log2(n));
  }

  /**
   * Sets out to [startPage, costUs, treePath], start = -1 when the IOVA space is exhausted.
   * treePath tells the caller the global rbtree lock is taken.
   */
  alloc(cpu: number, pages: number, out: AllocOut): void {
    if (pages <= this.maxPages) {
      // The rounding and the class at once: the class is log2 of the rounded size (allocPages
      // gives 1 << class), and a size within the rcache's largest is always cached.
      const cls = pages > 1 ? 32 - Math.clz32(pages - 1) : 0;
      const size = 1 << cls;
      if (size <= this.maxPages) {
        const ld = this.loaded[cpu * this.classes + cls];
        if (ld.n > 0) this.hit(ld.pop(), size, out);
        else this.allocSlow(cpu, size, cls, out);
        return;
      }
    }
    // Beyond the largest cached size (allocPages rounds it to no cached class): the tree.
    this.allocSlow(cpu, this.allocPages(pages), -1, out);
  }

  /** The loaded magazine is empty (or the size is not cached): previous magazine, depot, then the tree. */
  private allocSlow(cpu: number, size: number, cls: number, out: AllocOut): void {
    if (cls >= 0) {
      const i = cpu * this.classes + cls;
      const ld = this.loaded[i];
      const pv = this.prev[i];
      if (pv.n > 0) {
        this.loaded[i] = pv;
        this.prev[i] = ld;
        return this.hit(pv.pop(), size, out);
      }
      const dep = this.depot[cls];
      if (dep.length > 0) {
        // The empty loaded magazine is dropped (freed, in iova.c), a full one from the depot loaded;
        // the empty one is kept for the next overflow instead of allocating another.
        const mag = dep.pop()!;
        this.spare.push(ld);
        this.loaded[i] = mag;
        return this.hit(mag.pop(), size, out);
      }
    }
    const start = this.treeAlloc(size);
    out.start = start;
    out.costUs = this.treeAllocUs;
    out.tree = true;
    if (start >= 0) this.track(start, size);
    else this.failures++;
  }

  private hit(start: number, size: number, out: AllocOut): void {
    out.start = start;
    out.costUs = this.rcacheHitUs;
    out.tree = false;
    this.track(start, size);
  }

  private track(start: number, size: number): void {
    this.livePages += size;
    if (this.livePages > this.peakLivePages) this.peakLivePages = this.livePages;
    if (this.live) this.trackLive(start, size);
  }

  // The debug tracking lives apart from the per-IO paths (alloc, free), which V8 inlines whole.
  private trackLive(start: number, size: number): void {
    if (this.live!.has(start)) throw new Error(`IOVA page ${start} handed out twice`);
    this.live!.set(start, size);
  }

  private untrackLive(start: number, size: number): void {
    if (this.live!.get(start) !== size) throw new Error(`IOVA page ${start} freed but not live with size ${size}`);
    this.live!.delete(start);
  }

  /** Frees a range; returns the CPU cost in ns (a magazine spill costs one tree free per entry). */
  free(cpu: number, start: number, pages: number): number {
    // As in alloc: a size within the rcache's largest is rounded and classed at once; beyond it,
    // no class.
    let cls = pages > 1 ? 32 - Math.clz32(pages - 1) : 0;
    let size = 1 << cls;
    if (pages > this.maxPages || size > this.maxPages) {
      size = this.allocPages(pages);
      cls = -1;
    }
    this.livePages -= size;
    if (this.live) this.untrackLive(start, size);
    const mag = this.magazineSize;
    if (cls >= 0 && mag > 0) {
      const ld = this.loaded[cpu * this.classes + cls];
      if (ld.n < mag) {
        ld.push(start);
        return this.rcacheHitNs;
      }
    }
    return this.freeSlow(cpu, start, size, cls);
  }

  /** The loaded magazine is full (or the size is not cached): previous magazine, depot, then the tree. */
  private freeSlow(cpu: number, start: number, size: number, cls: number): number {
    const mag = this.magazineSize;
    if (cls >= 0 && mag > 0) {
      const i = cpu * this.classes + cls;
      const ld = this.loaded[i];
      const pv = this.prev[i];
      if (pv.n < mag) {
        this.loaded[i] = pv;
        this.prev[i] = ld;
        pv.push(start);
        return this.rcacheHitNs;
      }
      // Both full: the loaded magazine goes to the depot, or back to the tree when the depot is full.
      const dep = this.depot[cls];
      let cost = this.rcacheHitNs;
      let fresh: Magazine;
      if (dep.length < this.model.rcacheDepotMagazines) {
        dep.push(ld);
        fresh = this.spare.pop() ?? new Magazine(mag);
      } else {
        for (let i = 0; i < ld.n; i++) this.treeRelease(ld.pfns[i], size);
        cost += ld.n * this.model.treeFreeNs;
        ld.n = 0;
        fresh = ld;
      }
      fresh.push(start);
      this.loaded[i] = fresh;
      return cost;
    }
    this.treeRelease(start, size);
    return this.model.treeFreeNs;
  }

  private treeAlloc(size: number): number {
    const list = this.treeFree.get(size);
    if (list && list.length > 0) return list.pop()!;
    const align = this.model.sizeAligned ? this.pow2(size) : 1;
    const start = Math.floor((this.next - size) / align) * align;
    if (start < 1) return -1;
    this.next = start;
    return start;
  }

  private treeRelease(start: number, size: number): void {
    this.treeFrees++;
    let list = this.treeFree.get(size);
    if (!list) {
      list = [];
      this.treeFree.set(size, list);
    }
    list.push(start);
  }
}

/**
 * An rcache magazine: a stack of up to `size` IOVA start pages (doubles: they pass 2^30) in a
 * typed array, so its storage never changes kind from one run to the next.
 */
class Magazine {
  declare readonly pfns: Float64Array;
  n = 0;
  constructor(size: number) {
    this.pfns = new Float64Array(size);
  }
  push(pfn: number): void {
    this.pfns[this.n++] = pfn;
  }
  pop(): number {
    return this.pfns[--this.n];
  }
}
