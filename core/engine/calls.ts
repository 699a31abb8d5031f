import type { Io, Machine } from './machine.ts';
import type { MappingStrategy } from './strategies.ts';

/**
 * One dma_map_*() call of a driver loop, on the IO's CPU, from the machine's cursor (Machine.cur,
 * where the caller puts the call's start), which it leaves at the call's return (no double
 * argument or result: boxed whenever V8 does not inline the call): everything it spends is booked to the
 * map cost terms (`explain`) and its duration to the map histogram. Every driver (fio, fio job
 * files, dma_map_benchmark, trace replay) goes through here so the books agree across workloads.
 */
export function mapCall(m: Machine, strat: MappingStrategy, io: Io): void {
  const t = m.cur;
  m.cpu = io.cpu;
  m.terms = m.mapTerms;
  strat.map(io);
  m.terms = m.otherTerms;
  m.mapHist.record(m.cur - t);
}

/** One dma_unmap_*() call: the unmap terms and histogram (see mapCall). */
export function unmapCall(m: Machine, strat: MappingStrategy, io: Io): void {
  const t = m.cur;
  m.cpu = io.cpu;
  m.terms = m.unmapTerms;
  strat.unmap(io);
  m.terms = m.otherTerms;
  m.unmapHist.record(m.cur - t);
}
