import { describe, expect, it } from 'vitest';
import { BUILT_IN_PROFILES } from '../../core/profiles/builtin.ts';
import { builtInProfile } from '../../core/profiles/schema.ts';
import { calibrate, calibrationPlan, costParams, getPath, predictMeasurements, withValues, type Measurement } from '../../core/calibrate/index.ts';
import type { DmaBenchWorkload, HardwareProfile } from '../../core/types.ts';
import { workloadText } from '../../core/workload.ts';
import { unitFor } from './perturb.ts';

/** A known truth: every cost of the profile scaled by a factor in [0.75, 1.35] fixed by its path and the seed. */
function perturbed(base: HardwareProfile, seed: number): HardwareProfile {
  return withValues(base, new Map(costParams(base).map((p) => [p.path, Math.min(p.max, p.base * (0.75 + 0.6 * unitFor(p.path, seed)))])));
}

function measure(truth: HardwareProfile, points: Array<{ workload: DmaBenchWorkload; strategy: string }>): Measurement[] {
  const ms: Measurement[] = points.flatMap((p) => (['mapUs.mean', 'unmapUs.mean'] as const).map((metric) => ({
    workload: p.workload, workloadText: workloadText(p.workload), strategy: p.strategy, metric, value: 0, resolution: 0, source: 'truth',
  })));
  // The truth is simulated with its spread zeroed (a long run's mean) and the fit's seed: the engine places a
  // dma_map_benchmark buffer at a seeded random page inside a granule, so another seed is another buffer.
  const t = structuredClone(truth);
  t.cpu.costJitterFraction = 0;
  const values = predictMeasurements(t, ms, 1);
  return ms.map((m, i) => ({ ...m, value: values[i] })).filter((m) => m.value > 0);
}

const dmab = (threads: number, granulePages: number): DmaBenchWorkload => ({
  kind: 'dmabench', threads, seconds: 10, granulePages, dir: 'BIDIRECTIONAL', delayNs: 0, sg: false, skipCpuSync: false,
});

/** The round trip for the built-in profiles `part` selects (two files share the work across cores). */
export function roundTripSuite(part: (index: number) => boolean): void {
describe('calibrate round trip: perturbed built-in profiles are recovered from their plan', () => {
  // Every built-in profile of the registry, so profiles added later are covered with no change here.
  for (const [index, { id }] of BUILT_IN_PROFILES.entries()) {
    if (!part(index)) continue;
    it(`${id}: determined costs within 5 % or their reported range, unused points within 5 %, the rest named`, () => {
      const base = builtInProfile(id);
      const truth = perturbed(base, 1234 + id.length);
      const plan = calibrationPlan(base);
      const r = calibrate(base, measure(truth, plan), { noSuggestions: true });

      // Every cost parameter is either fitted or named as undetermined, never silently dropped.
      const named = new Set([...r.fitted.map((f) => f.path), ...r.undetermined.map((u) => u.path)]);
      expect([...named].sort()).toEqual(costParams(base).map((p) => p.path).sort());
      expect(r.fitted.length).toBeGreaterThan(0);
      for (const u of r.undetermined) {
        expect(u.reason.length).toBeGreaterThan(10);
        expect(getPath(r.profile, u.path)).toBe(getPath(base, u.path));
      }

      for (const row of r.rows) expect(Math.abs(row.relError), `${id} ${row.workload} ${row.strategy} ${row.metric}`).toBeLessThanOrEqual(0.05);

      // Second pass: the costs this plan cannot determine are set back to their base values in the
      // truth (nothing can recover them from these figures); every fitted parameter then recovers it.
      const truth2 = withValues(truth, new Map(r.undetermined.map((u) => [u.path, getPath(base, u.path) as number])));
      const r2 = calibrate(base, measure(truth2, plan), { noSuggestions: true });
      // Determined: pinned down to ±25 % (≈95 %) or better, and not leaning on a cost this second fit
      // held at its base value (its truth is not the base when the first fit could fit it).
      const fitted2 = r2.fitted.filter((f) => !r.undetermined.some((u) => u.path === f.path) && (f.high - f.low) / 2 <= 0.25 * f.after && f.confoundedWith.length === 0);
      expect(r2.fitted.length).toBeGreaterThan(0);
      // Each recovered within 5 %, or inside its own reported range where that range is wider.
      for (const f of fitted2) {
        const t = getPath(truth2, f.path) as number;
        const halfWidth = (f.high - f.low) / 2 / f.after;
        expect(Math.abs(f.after - t) / t, `${id} ${f.path}: fitted ${f.after} (${f.low}-${f.high}), truth ${t}`).toBeLessThanOrEqual(Math.max(0.05, halfWidth));
      }

      // Predictions at points the fit never saw (other sizes and thread counts).
      const cores = base.cpu.cores;
      const unseen = [
        { workload: dmab(1, 2), strategy: 'strict' }, { workload: dmab(1, 128), strategy: 'strict' },
        { workload: dmab(1, 2), strategy: 'lazy' }, { workload: dmab(1, 128), strategy: 'lazy' },
        ...(cores > 1 ? [{ workload: dmab(Math.min(2, cores), 4), strategy: 'strict' }] : []),
      ].filter((u) => !plan.some((p) => workloadText(p.workload) === workloadText(u.workload) && p.strategy === u.strategy));
      const truthRows = measure(truth2, unseen);
      const predicted = predictMeasurements(r2.profile, truthRows);
      truthRows.forEach((m, i) => {
        expect(Math.abs(predicted[i] - m.value) / m.value, `${id} unseen ${m.workloadText} ${m.strategy} ${m.metric}: ${predicted[i]} vs ${m.value}`).toBeLessThanOrEqual(0.05);
      });
    }, 600_000);
  }
});
}
