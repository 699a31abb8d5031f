import type { HardwareProfile } from '../types.ts';
import { TOLERANCE, type ValidationRow } from '../validation.ts';
import { parseWorkload, workloadText } from '../workload.ts';
import { parseStrategy } from '../strategies.ts';
import type { Measurement } from './measurements.ts';
import { predictMeasurements } from './predict.ts';

/** A stored measurement of a calibrated user profile (the run store's profile_measurements row). */
export interface StoredMeasurement {
  workload: string;
  strategy: string;
  metric: string;
  measured: number;
  source: string;
}

/**
 * The user's own figures as validation rows: each stored measurement against what the profile
 * simulates now. They are the figures the profile was fitted to, so their basis is 'calibration'.
 */
export function userValidationRows(profile: HardwareProfile, stored: StoredMeasurement[], seed = 1): Array<ValidationRow & { basis: 'calibration' }> {
  if (!stored.length) return [];
  const ms: Measurement[] = stored.map((s) => {
    const workload = parseWorkload(s.workload);
    return { workload, workloadText: workloadText(workload), strategy: parseStrategy(s.strategy).text, metric: s.metric, value: s.measured, resolution: 0, source: s.source };
  });
  const sim = predictMeasurements(profile, ms, seed);
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  return ms.map((m, i) => {
    const relError = m.value !== 0 ? (sim[i] - m.value) / Math.abs(m.value) : sim[i];
    return {
      id: `${profile.id}:${i + 1}`, source: `your measurements (${m.source || profile.id})`,
      metric: `${m.metric}, ${m.workloadText.replace(/,seconds=\d+/, '')}, ${m.strategy}`,
      published: m.value, simulated: r4(sim[i]), relError: r4(relError), kind: 'approx' as const,
      pass: Math.abs(relError) <= TOLERANCE, basis: 'calibration' as const,
    };
  });
}
