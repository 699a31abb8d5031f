/**
 * Worker-thread entry: simulates one strategy x one replication per message, off the main thread.
 *
 * Messages in:  { type: 'task', taskId, profile, strategy (StrategySpec), workload, seed, seriesPoints?, cancel: SharedArrayBuffer }
 * Messages out: { type: 'progress', taskId, fraction } (throttled, at most every 100 ms)
 *               { type: 'done', taskId, result: StrategyResult, wallMs }
 *               { type: 'cancelled', taskId }
 *               { type: 'error', taskId, name, message }
 * Cancel: the host sets cancel[0] = 1 (Atomics); the engine polls isCancelled() cooperatively.
 *
 * This file must stay self-contained as one worker entry: the electron-vite build bundles it as its
 * own entry (out/main/sim-worker.js), the CLI and tests load the .ts through tsx.
 */
import { parentPort } from 'node:worker_threads';
import { builtInProfile, parseStrategy, parseWorkload, simulateStrategy, SimulationCancelled } from '../../core/index.ts';
import { runValidation } from '../../core/validation.ts';
import type { HardwareProfile, StrategySpec, Workload } from '../../core/index.ts';
import { calibrate, type Measurement } from '../../core/calibrate/index.ts';

export interface SimTaskMessage {
  type: 'task';
  taskId: number;
  profile: HardwareProfile;
  strategy: StrategySpec;
  workload: Workload;
  seed: number;
  seriesPoints?: number;
  cancel: SharedArrayBuffer;
}

/** `{ type: 'task', job: 'calibrate', taskId, base, measurements, seed, id?, cancel }`: core/calibrate's fit. */
export interface CalibrateTaskMessage {
  type: 'task';
  job: 'calibrate';
  taskId: number;
  base: HardwareProfile;
  measurements: Measurement[];
  seed: number;
  id?: string;
  cancel: SharedArrayBuffer;
}

const PROGRESS_INTERVAL_MS = 100;

if (parentPort) {
  const port = parentPort;
  port.on('message', (msg: SimTaskMessage | CalibrateTaskMessage | { type: 'warm' } | { type: 'validate' }) => {
    if (msg?.type === 'warm') {
      // Load and JIT the engine's hot paths before the first real task arrives.
      try {
        simulateStrategy(builtInProfile('vtd'), parseStrategy('strict'), parseWorkload('fio:rw=randread,bs=4k,iodepth=64,number_ios=20000'), 1, {});
        simulateStrategy(builtInProfile('virtio-iommu'), parseStrategy('bounce-pool'), parseWorkload('fio:rw=read,bs=64k,iodepth=16,number_ios=5000'), 1, {});
      } finally {
        port.postMessage({ type: 'warmed' });
      }
      return;
    }
    if (msg?.type === 'validate') {
      try {
        port.postMessage({ type: 'validated', rows: runValidation() });
      } catch (e) {
        port.postMessage({ type: 'validated', error: (e as Error)?.message ?? String(e) });
      }
      return;
    }
    if (msg?.type !== 'task') return;
    const flag = new Int32Array(msg.cancel);
    const started = performance.now();
    let lastProgress = 0;
    try {
      if ('job' in msg) {
        const fit = calibrate(msg.base, msg.measurements, {
          seed: msg.seed,
          id: msg.id,
          isCancelled: () => Atomics.load(flag, 0) === 1,
          onProgress: (fraction) => {
            const now = performance.now();
            if (now - lastProgress < PROGRESS_INTERVAL_MS) return;
            lastProgress = now;
            port.postMessage({ type: 'progress', taskId: msg.taskId, fraction });
          },
        });
        port.postMessage({ type: 'done', taskId: msg.taskId, result: fit, wallMs: performance.now() - started });
        return;
      }
      const result = simulateStrategy(msg.profile, msg.strategy, msg.workload, msg.seed, {
        isCancelled: () => Atomics.load(flag, 0) === 1,
        onProgress: (p) => {
          const now = performance.now();
          if (now - lastProgress < PROGRESS_INTERVAL_MS) return;
          lastProgress = now;
          port.postMessage({ type: 'progress', taskId: msg.taskId, fraction: p.fraction });
        },
        ...(msg.seriesPoints ? { seriesPoints: msg.seriesPoints } : {}),
      });
      port.postMessage({ type: 'done', taskId: msg.taskId, result, wallMs: performance.now() - started });
    } catch (e) {
      if (e instanceof SimulationCancelled) port.postMessage({ type: 'cancelled', taskId: msg.taskId });
      else {
        const err = e as Error;
        port.postMessage({ type: 'error', taskId: msg.taskId, name: err?.name ?? 'Error', message: err?.message ?? String(e) });
      }
    }
  });
}
