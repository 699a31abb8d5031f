/**
 * Worker-thread entry of `bench`: measures one strategy's engine speed in a fresh V8 isolate.
 *
 * A `run` of one strategy compiles the engine with call sites that have seen that strategy
 * only; the bench used to time every strategy one after the other in one isolate, where the
 * shared call sites (the driver's strategy calls, the Base class's helpers) had seen all nine
 * classes by the end and the later strategies measured their neighbours' megamorphic dispatch.
 *
 * Message in:  { strategy, sizes, repeats }   Message out: { figures: EngineFigure[] } or { error }
 */
import { parentPort } from 'node:worker_threads';
import { benchStrategy, type EngineFigure } from './bench.ts';

if (parentPort) {
  const port = parentPort;
  port.once('message', (msg: { strategy: string; sizes: number[]; repeats: number }) => {
    try {
      const figures: EngineFigure[] = benchStrategy(msg.strategy, msg.sizes, msg.repeats);
      port.postMessage({ figures });
    } catch (e) {
      port.postMessage({ error: (e as Error)?.message ?? String(e) });
    }
  });
}
