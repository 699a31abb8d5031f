import type { Io, Machine } from './machine.ts';
import type { MappingStrategy } from './strategies.ts';

/**
 * One dma_map_*() call of a driver loop, on the IO's CPU: everything it spends is booked to the
 * map cost terms (`explain`) and its duration to the map histogram. Every driver (fio, fio job
 * files, dma_map_benchmark, trace replay) goes through here so the books agree across workloads.
 */
export function mapCall(m: Machine, strat: MappingStrategy, io: Io, t: number): number {
  m.cpu = io.cpu;
  m.terms = m.mapTerms;
  m.cur = t;
  strat.map(io);
  const tc = m.cur;
  m.terms = m.otherTerms;
  m.mapHist.record(tc - t);
  return tc;
}

/** One dma_unmap_*() call: the unmap terms and histogram (see mapCall). */
export function unmapCall(m: Machine, strat: MappingStrategy, io: Io, t: number): number {
  m.cpu = io.cpu;
  m.terms = m.unmapTerms;
  m.cur = t;
  strat.unmap(io);
  const tc = m.cur;
  m.terms = m.otherTerms;
  m.unmapHist.record(tc - t);
  return tc;
}
