/**
 * `run` with several strategies on the worker pool: one task per strategy, results assembled in
 * the strategies' order exactly as core's runExperiment assembles them, so the output is the same
 * JSON byte for byte (each strategy is its own deterministic simulation with the run's seed).
 */
import { ENGINE_VERSION, workloadText, type ExperimentInput, type ExperimentResult, type Progress } from '../../core/index.ts';
import { applySlowdown } from '../../core/engine/run.ts';
import { defaultWorkerCount, WorkerPool } from './pool.ts';

/** Worth a pool: more than one strategy and more than one core (IOMMU_LAB_WORKERS=1 turns it off). */
export function usePool(strategies: number): boolean {
  return strategies > 1 && defaultWorkerCount() > 1;
}

export async function runExperimentOnPool(input: ExperimentInput, opts: { onProgress?: (p: Progress) => void; workers?: number } = {}): Promise<ExperimentResult> {
  const n = input.strategies.length;
  const pool = new WorkerPool({ size: Math.min(n, opts.workers ?? defaultWorkerCount()) });
  const fractions = new Float64Array(n);
  try {
    const handles = input.strategies.map((strategy, i) => pool.submit(
      { profile: input.profile, strategy, workload: input.workload, seed: input.seed },
      (f) => {
        fractions[i] = f;
        opts.onProgress?.({ fraction: fractions.reduce((a, b) => a + b, 0) / n, strategy: strategy.text });
      },
    ));
    const results = (await Promise.all(handles.map((h) => h.promise))).map((o) => o.result);
    applySlowdown(input.workload, results);
    opts.onProgress?.({ fraction: 1, strategy: '' });
    return {
      engineVersion: ENGINE_VERSION, profile: input.profile.id, workload: input.workload,
      workloadText: workloadText(input.workload), seed: input.seed, results,
    };
  } finally {
    await pool.close();
  }
}
