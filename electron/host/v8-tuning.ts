import { setFlagsFromString } from 'node:v8';

/**
 * TurboFan's budget of bytecodes inlined into one optimised function: V8's default is 920, and
 * 4,600 is its ceiling (--max-inlined-bytecode-size-absolute), which this raises it to.
 *
 * A simulated IO runs through the driver, the strategy and the machine (IOVA rcache, page
 * tables, IOTLB, invalidation queue, histograms): some 6,000 bytecodes of small functions. With
 * the default budget most of them stay real calls, each boxing its double arguments into a heap
 * number (~240 bytes allocated per IO), and which callees get inlined differs from one process
 * to the next, so the same run swings by ±25 %. With this budget most of the per-IO path
 * compiles into the event loop: about a third of the allocation, and 1.3-1.5x the IOs per CPU
 * second (`iommu-lab bench`). The flag changes only how V8 compiles, never what the engine
 * computes (the golden-output test runs without it).
 */
export const ENGINE_INLINING_BUDGET = 4600;

/**
 * The flags tuneV8ForEngine sets, in its order; why each one, beside it there. The engine's
 * measuring scripts (scripts/engine-instructions.mjs, engine-profile.mjs) put the same list on
 * node's command line, read from here, so their counts are of the engine as the hosts compile it.
 */
export const ENGINE_V8_FLAGS: readonly string[] = [
  `--max-inlined-bytecode-size-cumulative=${ENGINE_INLINING_BUDGET}`,
  // V8 gives a function its type feedback only after a few calls by default; branches taken in
  // those first calls alone (the first page-table allocations, a lock calendar's first growth,
  // the first progress report) then look never taken to the optimiser, and the optimised event
  // loop was thrown away and compiled again when one was taken later. Feedback from the first
  // call on: the first run in a fresh process 1.0x -> 1.2x faster (README, `bench`).
  '--no-lazy-feedback-allocation',
  // Optimise on the thread that runs the code, not on a background thread. Concurrently, the
  // simulation kept running in slower tiers while the per-IO functions, each inlining the ones
  // below it, were optimised one after the other behind it, much of it for code superseded by
  // the time it landed: the first 200,000 IOs of a fresh worker ran at 0.4 M IOs per CPU second,
  // now 0.9-1.0 M (`bench --quick`, strict). V8 reads this flag when it creates an isolate, so it
  // takes effect in the worker threads started after it (simulation pools, `bench`), not in the
  // thread that sets it. Steady-state speed is the same.
  '--no-concurrent-recompilation',
  // On-stack replacement too: a run's event loop is one long call, optimised while it runs. With
  // OSR on a background thread the code arrived at a moment that depended on the machine, and
  // about one strategy's figure in five `bench` runs came from worse code: swiotlb 2.63 M IOs per
  // CPU second (0.61x the bare loop) where its others were 4.1-4.3 M (0.69-0.72x). With this flag,
  // ten runs in a row: no figure under 3.74 M (swiotlb-dynamic), strict 4.03-4.81 M (README).
  '--no-concurrent-osr',
];

/**
 * Applies ENGINE_V8_FLAGS to this process and its worker threads (V8 flags are per process).
 * Called first thing by the hosts that simulate (command line, Electron main): the flags affect
 * only functions optimised after they are set.
 */
export function tuneV8ForEngine(): void {
  for (const flag of ENGINE_V8_FLAGS) setFlagsFromString(flag);
}
