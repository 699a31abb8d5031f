import { clone } from './params.ts';
import { simulateStrategy } from '../engine/run.ts';
import { parseStrategy } from '../strategies.ts';
import type { HardwareProfile, Metrics } from '../types.ts';
import type { Measurement } from './measurements.ts';
import { pointKey, readMetric, Simulator, toolFigureUs, type SimPoint } from './simulate.ts';

let template: Metrics | null = null;

/** A numeric leaf of Metrics (`mapUs.mean`, `throughputMiBps`, `latencyUs.p99`, ...). */
export function isMetricPath(path: string): boolean {
  template ??= simulateStrategy(
    // Any valid profile gives the full Metrics shape; the smallest run is enough.
    clone(SHAPE_PROFILE),
    parseStrategy('strict'),
    { kind: 'dmabench', threads: 1, seconds: 0.0001, granulePages: 1, dir: 'BIDIRECTIONAL', delayNs: 0, sg: false, skipCpuSync: false },
    1,
  ).metrics;
  let cur: unknown = template;
  for (const k of path.split('.')) {
    if (!cur || typeof cur !== 'object' || !(k in (cur as object))) return false;
    cur = (cur as Record<string, unknown>)[k];
  }
  return typeof cur === 'number' || cur === null;
}

import { BUILT_IN_PROFILES } from '../profiles/builtin.ts';
const SHAPE_PROFILE: HardwareProfile = BUILT_IN_PROFILES[0];

/** What `profile` predicts for each measurement (same steady-state simulation as the fit). */
export function predictMeasurements(profile: HardwareProfile, ms: Measurement[], seed = 1): number[] {
  const points: SimPoint[] = ms.map((m) => ({ workload: m.workload, strategy: m.strategy }));
  const sim = new Simulator(points, profile, seed);
  const out = sim.run(profile);
  return ms.map((m) => {
    const tool = /^dmaBenchTool\.(map|unmap)\.mean$/.exec(m.metric)?.[1];
    const key = pointKey(m);
    return tool ? toolFigureUs(readMetric(out.get(key), `${tool}Us.mean`)) : readMetric(out.get(key), m.metric);
  });
}
