import { clone } from './params.ts';
import { SimulationCancelled } from '../errors.ts';
import type { HardwareProfile, Workload } from '../types.ts';
import { workloadText } from '../workload.ts';
import { formatBytes } from '../units.ts';
import { inverse, norm, selectColumns, solve, transposeTimes, transposeVec, type Matrix } from './linalg.ts';
import type { Measurement } from './measurements.ts';
import { costParams, getPath, spreadFields, withValues, type CostParam } from './params.ts';
import { calibrationPlan } from './plan.ts';
import { pointKey, readMetric, Simulator, toolFigureUs, type SimPoint } from './simulate.ts';

/** Relative uncertainty assumed for every figure besides its print resolution (run-to-run spread of real boards). */
export const RELATIVE_FLOOR = 0.02;
/** A parameter is left out when no measurement moves by a quarter of its uncertainty for a 100 % change. */
const SENSITIVITY_MIN = 0.25;
/** A parameter whose sensitivity is less than this fraction independent of the fitted ones is confounded. */
const INDEPENDENCE_MIN = 0.1;
/** Finite-difference step, as a fraction of the parameter's scale (the model is near-linear in costs). */
const STEP = 0.1;
const Z95 = 1.96;
/** No figure of the candidate catalogue moves it: the profile's structure does not use it. */
export const UNUSED_REASON = 'unused by this profile\'s structure (no dma_map_benchmark, fio or accelerator figure moves it)';
/** A fitted parameter whose ≈95 % range is wider than ± this fraction of its value is reported as undetermined. */
const WEAK_MAX = 1;
/** Simulations the search for determining measurements may spend (it is advice, not the fit). */
const SUGGEST_BUDGET = 400;

export interface FittedParam {
  path: string;
  unit: string;
  before: number;
  after: number;
  /** ≈95 % range (±1.96 standard errors from (JᵀJ)⁻¹ × residual variance, linearised at the fit), clipped to the schema bounds. */
  low: number;
  high: number;
  /** Parameters held at their base value that this one's fitted value depends on (it absorbed their share). */
  confoundedWith: string[];
}

export interface UndeterminedParam {
  path: string;
  unit: string;
  value: number;
  reason: string;
  /** A measurement that would determine it, when the candidate catalogue has one. */
  measure: string | null;
}

export interface CalibrationRow {
  workload: string;
  strategy: string;
  metric: string;
  measured: number;
  before: number;
  after: number;
  /** (after - measured) / measured */
  relError: number;
  relErrorBefore: number;
  source: string;
}

export interface CalibrationResult {
  profile: HardwareProfile;
  base: string;
  fitted: FittedParam[];
  undetermined: UndeterminedParam[];
  rows: CalibrationRow[];
  stats: {
    measurements: number;
    parameters: number;
    iterations: number;
    simulations: number;
    rmsRelErrorBefore: number;
    rmsRelErrorAfter: number;
    /** Residual variance in units of the assumed measurement variance (≈1 when the model fits within the noise). */
    residualVariance: number;
  };
}

export interface CalibrateOptions {
  seed?: number;
  /** Id of the fitted profile (default `<base>-fit`). */
  id?: string;
  name?: string;
  maxIterations?: number;
  /** Skip the search for measurements that would determine the undetermined parameters. */
  noSuggestions?: boolean;
  onProgress?: (fraction: number, stage: string) => void;
  /** Polled before every simulation; true throws SimulationCancelled. */
  isCancelled?: () => boolean;
}

interface Scaled extends CostParam {
  scale: number;
  lo: number;
  hi: number;
}

const SCALE_FLOOR: Record<string, number> = { ns: 100, 'µs': 1, ms: 1e-3, 'ns/B': 1e-2, 'B/s': 1e9 };

function scaled(p: CostParam): Scaled {
  const scale = Math.abs(p.base) > 0 ? Math.abs(p.base) : (SCALE_FLOOR[p.unit] ?? 1);
  return { ...p, scale, lo: p.min / scale, hi: p.max / scale };
}

const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);

/** Finite-difference step in scaled units: costs up, bandwidths down (both make work slower), inside the bounds. */
function stepOf(p: { unit: string; lo: number; hi: number }, x: number): number {
  const h = p.unit === 'B/s' ? -STEP / 2 : STEP;
  return x + h <= p.hi && x + h >= p.lo ? h : -h;
}
const roundSig = (x: number) => (x === 0 ? 0 : Number(x.toPrecision(6)));

/** How a figure reads to a user: `dma_map_benchmark -t 1 -g 16 (strict): unmap µs`. */
export function describePoint(w: Workload, strategy: string, metric: string): string {
  const m = /^(mapUs|dmaBenchTool\.map)\.mean$/.test(metric) ? 'average map latency' : /^(unmapUs|dmaBenchTool\.unmap)\.mean$/.test(metric) ? 'average unmap latency' : metric;
  if (w.kind === 'dmabench' && w.delayNs === 0 && !w.sg && !w.skipCpuSync) {
    return `dma_map_benchmark -t ${w.threads} -g ${w.granulePages}${w.dir === 'BIDIRECTIONAL' ? '' : ` -d ${['BIDIRECTIONAL', 'TO_DEVICE', 'FROM_DEVICE'].indexOf(w.dir)}`} with ${strategy}: ${m}`;
  }
  if (w.kind === 'fio') return `fio --rw=${w.rw} --bs=${formatBytes(w.bsBytes)} --iodepth=${w.iodepth} with ${strategy}: ${m}`;
  return `${workloadText(w)} with ${strategy}: ${m}`;
}

/**
 * Fits the base profile's cost parameters to the measurements by weighted least squares on
 * relative errors (each residual divided by the figure's uncertainty: RELATIVE_FLOOR of the value
 * combined with its print resolution), using the simulator itself as the model:
 *  1. the Jacobian by forward differences at the base (one simulation per parameter, same seed,
 *     spread fields zeroed so the objective is smooth);
 *  2. subset selection: parameters no measurement is sensitive to, and parameters whose sensitivity
 *     is a combination of others' (column-pivoted Gram-Schmidt), stay at their base value and are named;
 *  3. projected Levenberg-Marquardt over the selected parameters, scaled by their base values,
 *     bounded by the schema;
 *  4. uncertainty from (JᵀJ)⁻¹ times the residual variance at the solution.
 */
export function calibrate(base: HardwareProfile, measurements: Measurement[], opts: CalibrateOptions = {}): CalibrationResult {
  const seed = opts.seed ?? 1;
  const progress = opts.onProgress ?? (() => {});
  const params = costParams(base).map(scaled);
  const work = clone(base);
  const spreads = spreadFields(base);
  for (const f of spreads) setZero(work, f);
  const points: SimPoint[] = measurements.map((m) => ({ workload: m.workload, strategy: m.strategy }));
  const sim = new Simulator(points, work, seed);
  const keys = measurements.map((m) => pointKey(m));
  const sigma = measurements.map((m) => Math.sqrt((RELATIVE_FLOOR * m.value) ** 2 + m.resolution ** 2) || 1);

  const x0 = params.map((p) => p.base / p.scale);
  const profileAt = (x: number[]) => withValues(work, new Map(params.map((p, j) => [p.path, x[j] * p.scale])));
  // A figure dma_map_benchmark printed is compared with the tool's arithmetic on the simulated mean.
  const toolOf = measurements.map((m) => /^dmaBenchTool\.(map|unmap)\.mean$/.exec(m.metric)?.[1]);
  const valuesAt = (x: number[]) => {
    if (opts.isCancelled?.()) throw new SimulationCancelled();
    const ms = sim.run(profileAt(x));
    return measurements.map((m, i) => {
      const t = toolOf[i];
      if (!t) return readMetric(ms.get(keys[i]), m.metric);
      return toolFigureUs(readMetric(ms.get(keys[i]), `${t}Us.mean`));
    });
  };
  const residuals = (v: number[]) => v.map((s, i) => (s - measurements[i].value) / sigma[i]);
  const cost = (r: number[]) => r.reduce((a, b) => a + b * b, 0);

  progress(0, 'simulating the base profile');
  const before = valuesAt(x0);
  for (let i = 0; i < before.length; i++) {
    if (!Number.isFinite(before[i])) throw new Error(`${measurements[i].source}: metric ${measurements[i].metric} is not produced by ${measurements[i].strategy} on ${measurements[i].workloadText}`);
  }

  const jacobian = (x: number[], v: number[], cols: number[], onCol?: (k: number) => void): Matrix => {
    const J: Matrix = measurements.map(() => new Array<number>(params.length).fill(0));
    if (cols !== all) for (let i = 0; i < J.length; i++) for (const j of all) J[i][j] = J0[i][j];
    cols.forEach((j, k) => {
      const h = stepOf(params[j], x[j]);
      const xs = [...x];
      xs[j] += h;
      const vh = valuesAt(xs);
      for (let i = 0; i < v.length; i++) J[i][j] = (vh[i] - v[i]) / h / sigma[i];
      onCol?.(k);
    });
    return J;
  };

  const all = params.map((_, j) => j);
  const J0: Matrix = measurements.map(() => new Array<number>(params.length).fill(0));
  // Hierarchical group screening along the profile's own structure (cpu, iommu, iommu.invalidation,
  // ...): a group raised together that moves no measurement holds no sensitive parameter (costs
  // push every figure the same way), so its members need no simulation of their own.
  let screened = 0;
  const screen = (group: number[], depth: number): number[] => {
    const xs = [...x0];
    for (const j of group) xs[j] += stepOf(params[j], x0[j]);
    const vh = valuesAt(xs);
    screened += group.length === 1 ? 1 : 0;
    if (group.length === 1) {
      const j = group[0];
      const h = stepOf(params[j], x0[j]);
      for (let i = 0; i < vh.length; i++) J0[i][j] = (vh[i] - before[i]) / h / sigma[i];
      progress((0.6 * ++screened) / all.length, 'sensitivities');
      return [j];
    }
    const moved = Math.sqrt(vh.reduce((a, v, i) => a + ((v - before[i]) / sigma[i]) ** 2, 0)) / STEP;
    if (!(moved >= SENSITIVITY_MIN)) return [];
    const sub = new Map<string, number[]>();
    for (const j of group) {
      const parts = params[j].path.split('.');
      const key = parts.length > depth + 1 ? parts.slice(0, depth + 1).join('.') : params[j].path;
      sub.set(key, [...(sub.get(key) ?? []), j]);
    }
    return [...sub.values()].flatMap((g) => screen(g, depth + 1));
  };
  screen(all, 0);
  const colNorm = (J: Matrix, j: number) => norm(J.map((row) => row[j]));
  const sensitive = all.filter((j) => colNorm(J0, j) >= SENSITIVITY_MIN);
  const insensitive = all.filter((j) => colNorm(J0, j) < SENSITIVITY_MIN);
  // Costs the base profile has at 0 (a trap on a bare-metal base the user turned into a guest, a
  // per-page range cost) are probed on a unit scale so the fit can find them, but are taken only
  // after the costs the base does have: the pivot order sees their columns scaled down, the
  // independence test (a ratio per column) is unchanged.
  const pivotJ = J0.map((row) => row.map((v, j) => (params[j].base === 0 ? v * 1e-3 : v)));
  const { taken, left } = selectColumns(pivotJ, sensitive, INDEPENDENCE_MIN);
  let sel: number[] = [];
  let iterations = 0;
  const fitSubset = (sel: number[], start: number[], maxIt: number, freshJacobian: boolean) => {
    // Projected Levenberg-Marquardt over the selected parameters. The model is near-linear in costs,
    // so the Jacobian is carried by Broyden's rank-one update after each accepted step and only
    // recomputed by finite differences when a step fails.
    let x = [...start];
    let v = start === x0 ? before : valuesAt(start);
    let r = residuals(v);
    let c = cost(r);
    let J = J0.map((row) => [...row]);
    let fresh = true;
    let lambda = 1e-3;
    for (let it = 0; it < maxIt && sel.length > 0 && c > 1e-10; it++) {
      iterations++;
      const A = transposeTimes(J, sel);
      const g = transposeVec(J, sel, r);
      const Ad = A.map((row, a) => row.map((val, b) => (a === b ? val + lambda * Math.max(val, 1e-9) : val)));
      const d = solve(Ad, g.map((q) => -q));
      let accepted = false;
      let gain = 0;
    let stepMax = 0;
      if (d) {
        const xn = [...x];
        sel.forEach((j, a) => { xn[j] = clamp(x[j] + d[a], params[j].lo, params[j].hi); });
        const vn = valuesAt(xn);
        const rn = residuals(vn);
        const cn = cost(rn);
        if (Number.isFinite(cn)) {
          // Broyden: J += (Δr - J δ) δᵀ / δᵀδ over the selected columns, with the step actually taken.
          const delta = sel.map((j) => xn[j] - x[j]);
        stepMax = Math.max(...delta.map(Math.abs));
          const dd = delta.reduce((q, y) => q + y * y, 0);
          if (dd > 0) {
            for (let i = 0; i < J.length; i++) {
              const pred = sel.reduce((q, j, a) => q + J[i][j] * delta[a], 0);
              const f = (rn[i] - r[i] - pred) / dd;
              sel.forEach((j, a) => { J[i][j] += f * delta[a]; });
            }
            fresh = false;
          }
          if (cn < c) {
            gain = (c - cn) / c;
            x = xn; v = vn; r = rn; c = cn;
            lambda = Math.max(lambda / 4, 1e-7);
            accepted = true;
          }
        }
      }
      if (!accepted) {
        lambda *= 8;
        if (!fresh && lambda > 1) {
          J = jacobian(x, v, sel);
          fresh = true;
          lambda = 1e-3;
        }
        if (lambda > 1e6) break;
      } else if (gain < 1e-6 || stepMax < 1e-5) break;
      progress(0.6 + (0.3 * (it + 1)) / maxIt, 'fitting');
    }
    if (freshJacobian && !fresh && sel.length) J = jacobian(x, v, sel);
    return { x, v, r, c, J };
  };

  // Forward selection in pivot order: a parameter joins the fit only if, fitted together with
  // the ones already in, every one of them stays determined to ±WEAK_MAX (≈95 %) of its value.
  // One that would not goes back to its base value and is named.
  const weak = new Map<number, number>();
  const m = measurements.length;
  // Identifiability is a property of the design (which figures move with which cost), so the
  // selection uses the measurement uncertainty alone; the reported ranges add the misfit.
  const widths = (f: ReturnType<typeof fitSubset>, set: number[]) => {
    const s2v = 1;
    const cv = set.length ? inverse(transposeTimes(f.J, set)) : [];
    return set.map((j, q) => {
      const sd = cv ? Math.sqrt(Math.max(0, cv[q][q] * s2v)) : Infinity;
      return (Z95 * sd) / Math.max(Math.abs(f.x[j]), 0.1 * Math.abs(x0[j]), 1e-12);
    });
  };
  let fit = { x: [...x0], v: before, r: residuals(before), c: cost(residuals(before)), J: J0 };
  sel = [];
  for (const j of taken) {
    const trial = [...sel, j];
    // Trials are short and keep Broyden's Jacobian; the final fit below polishes with a fresh one.
    const f = fitSubset(trial, fit.x, 6, false);
    const w = widths(f, trial);
    if (w.every((q) => q <= WEAK_MAX)) {
      sel = trial;
      fit = f;
    } else weak.set(j, w[w.length - 1]);
  }
  if (sel.length) fit = fitSubset(sel, fit.x, opts.maxIterations ?? 20, true);
  // The trials judged widths on Broyden's Jacobian; with the fresh one at the solution a cost may
  // turn out looser than ±WEAK_MAX: hold the loosest at base and refit, until none is.
  for (let round = 0; round < 4 && sel.length; round++) {
    const w = widths(fit, sel);
    let worst = -1;
    w.forEach((q, k) => { if (q > WEAK_MAX && (worst < 0 || q > w[worst])) worst = k; });
    if (worst < 0) break;
    const j = sel[worst];
    weak.set(j, w[worst]);
    sel = sel.filter((q) => q !== j);
    const restart = [...fit.x];
    restart[j] = x0[j];
    fit = sel.length ? fitSubset(sel, restart, opts.maxIterations ?? 20, true) : { x: [...x0], v: before, r: residuals(before), c: cost(residuals(before)), J: J0 };
  }
  const dof = m - sel.length;
  const s2 = Math.max(1, dof > 0 ? fit.c / dof : 1);
  const cov = sel.length ? inverse(transposeTimes(fit.J, sel)) : [];
  const { x, v, c } = fit;
  const undetermined: UndeterminedParam[] = [];
  for (const j of insensitive) {
    undetermined.push({ path: params[j].path, unit: params[j].unit, value: params[j].base, reason: 'no measurement moves it', measure: null });
  }
  for (const [j, w] of weak) {
    undetermined.push({
      path: params[j].path, unit: params[j].unit, value: params[j].base,
      reason: `known only to ±${Math.min(999, Math.round(w * 100))} % (≈95 %) from these measurements`, measure: null,
    });
  }
  // What each parameter held at its base value leans on among the fitted ones (least squares of
  // its sensitivity column on theirs, at the base).
  for (const j of [...left.keys(), ...weak.keys()]) {
    const A = transposeTimes(J0, sel);
    const coef = solve(A, transposeVec(J0, sel, J0.map((row) => row[j]))) ?? sel.map(() => 0);
    left.set(j, new Map(sel.map((t, q) => [t, coef[q]])));
  }
  const fitted: FittedParam[] = sel.map((j, a) => {
    const p = params[j];
    const sd = cov ? Math.sqrt(Math.max(0, cov[a][a] * s2)) : Infinity;
    const after = x[j] * p.scale;
    const conf = [...left.entries()]
      .filter(([, coef]) => Math.abs(coef.get(j) ?? 0) > 0.05)
      .map(([h]) => params[h].path);
    return {
      path: p.path, unit: p.unit, before: roundSig(p.base), after: roundSig(after),
      low: roundSig(clamp((x[j] - Z95 * sd) * p.scale, p.min, p.max)),
      high: roundSig(clamp((x[j] + Z95 * sd) * p.scale, p.min, p.max)),
      confoundedWith: conf,
    };
  });


  for (const [j, coef] of left) {
    if (weak.has(j)) continue;
    const partners = [...coef.entries()].filter(([, k]) => Math.abs(k) > 0.05).map(([t]) => params[t].path);
    undetermined.push({
      path: params[j].path, unit: params[j].unit, value: params[j].base,
      reason: `moves these measurements only together with ${partners.join(', ') || 'the fitted parameters'}`, measure: null,
    });
  }
  undetermined.sort((a, b) => a.path.localeCompare(b.path));

  if (!opts.noSuggestions && undetermined.length) {
    progress(0.9, 'looking for measurements that determine the rest');
    suggest(base, work, params, undetermined, measurements, J0, left, seed);
  }

  const final = withValues(base, new Map(fitted.map((f) => [f.path, f.after])));
  final.id = opts.id ?? `${base.id}-fit`.slice(0, 64);
  final.name = opts.name ?? `${base.name} — calibrated`;
  final.builtIn = undefined;
  delete final.builtIn;
  final.sources = [
    ...base.sources,
    `Calibrated by iommu-lab calibrate from ${base.id} on ${m} measurement(s) (${[...new Set(measurements.map((q) => q.source.replace(/:\d+$/, '')))].join(', ')}); fitted: ${fitted.map((f) => f.path).join(', ') || 'none'}.`,
  ].slice(0, 50);

  const rows: CalibrationRow[] = measurements.map((q, i) => ({
    workload: q.workloadText, strategy: q.strategy, metric: q.metric, measured: q.value,
    before: roundSig(before[i]), after: roundSig(v[i]),
    relError: roundSig((v[i] - q.value) / q.value), relErrorBefore: roundSig((before[i] - q.value) / q.value), source: q.source,
  }));
  const rms = (xs: number[]) => Math.sqrt(xs.reduce((a, b) => a + b * b, 0) / Math.max(1, xs.length));
  progress(1, 'done');
  return {
    profile: final, base: base.id, fitted, undetermined, rows,
    stats: {
      measurements: m, parameters: params.length, iterations, simulations: sim.evaluations,
      rmsRelErrorBefore: roundSig(rms(rows.map((q) => q.relErrorBefore))), rmsRelErrorAfter: roundSig(rms(rows.map((q) => q.relError))),
      residualVariance: roundSig(dof > 0 ? c / dof : 0),
    },
  };
}

function setZero(p: HardwareProfile, path: string): void {
  const keys = path.split('.');
  const parent = getPath(p, keys.slice(0, -1).join('.')) as Record<string, unknown>;
  parent[keys[keys.length - 1]] = 0;
}

/**
 * For each undetermined parameter, the first figure of a catalogue (the profile's calibration plan,
 * then a fio and an accelerator run) that is sensitive to it and — for a confounded one — moves
 * differently from the parameters it is confounded with. Derived by simulation, not by a table.
 */
function suggest(
  base: HardwareProfile, work: HardwareProfile, params: Scaled[], und: UndeterminedParam[], measurements: Measurement[],
  J0: Matrix, left: Map<number, Map<number, number>>, seed: number,
): void {
  // The tool's printed figure and the exact mean are the same measurement of a run.
  // A run of another length is the same measurement (the plan says -s 10, a user may run -s 20).
  const runKey = (p: SimPoint) => pointKey(p).replace(/,seconds=[\d.]+/, '');
  const have = new Set(measurements.map((m) => `${runKey(m)}|${m.metric.replace(/^dmaBenchTool\.(map|unmap)\.mean$/, '$1Us.mean')}`));
  const dmab = (threads: number, granulePages: number): Workload => ({ kind: 'dmabench', threads, seconds: 10, granulePages, dir: 'BIDIRECTIONAL', delayNs: 0, sg: false, skipCpuSync: false });
  const fio = (rw: 'read' | 'randread' | 'randwrite', bsBytes: number, iodepth: number, ios: number): Workload => ({
    kind: 'fio', rw, bsBytes, bssplit: null, iodepth, numjobs: 1, sizeBytes: 1 << 30, ios, rwmixread: 50, direct: true, ioengine: 'libaio',
  });
  // Cheapest and most common first: the plan's one-thread runs, then the rest of the plan, then
  // the copy paths, a fio run (device and walk costs) and an accelerator run (fault costs).
  const plan = calibrationPlan(base);
  const catalogue: Array<SimPoint & { metrics: string[] }> = [
    ...plan.filter((p) => p.workload.threads === 1),
    ...plan.filter((p) => p.workload.threads > 1),
  ].map((p) => ({ workload: p.workload as Workload, strategy: p.strategy, metrics: ['mapUs.mean', 'unmapUs.mean'] }));
  catalogue.push(
    { workload: dmab(1, 16), strategy: 'swiotlb', metrics: ['mapUs.mean', 'unmapUs.mean'] },
    { workload: dmab(1, 4), strategy: 'bounce-pool', metrics: ['mapUs.mean', 'unmapUs.mean'] },
    { workload: fio('randread', 4096, 1, 400), strategy: 'strict', metrics: ['latencyUs.mean'] },
    { workload: fio('randwrite', 4096, 1, 400), strategy: 'strict', metrics: ['latencyUs.mean'] },
    { workload: fio('read', 1 << 20, 8, 300), strategy: 'strict', metrics: ['throughputMiBps'] },
    { workload: fio('randread', 4096, 32, 1500), strategy: 'strict', metrics: ['throughputMiBps'] },
    { workload: { kind: 'accel', msgLenBytes: 1 << 20, times: 20, buffers: 2, env: 'guest' }, strategy: 'iopf:premap=1', metrics: ['simulatedSeconds'] },
    { workload: { kind: 'accel', msgLenBytes: 1 << 20, times: 20, buffers: 2, env: 'host' }, strategy: 'iopf:premap=1:mode=sva', metrics: ['simulatedSeconds'] },
  );
  const runs = catalogue.filter((c) => c.metrics.some((mt) => !have.has(`${runKey(c)}|${mt}`)));
  if (!runs.length) return;
  let sim: Simulator;
  try {
    sim = new Simulator(runs, work, seed);
  } catch {
    return;
  }
  const baseX = new Map(params.map((p) => [p.path, p.base]));
  const baseMetrics = new Map<string, ReturnType<Simulator['run']>>();
  const baseOf = (k: number) => {
    const key = pointKey(runs[k]);
    if (!baseMetrics.has(key)) baseMetrics.set(key, sim.run(work, new Set([key])));
    return baseMetrics.get(key)!.get(key);
  };
  const sens = new Map<string, number[]>();
  /** Weighted sensitivities of parameter j on run k's metrics (cached). */
  const sensOf = (j: number, k: number): number[] => {
    const key = `${j}|${k}`;
    if (sens.has(key)) return sens.get(key)!;
    const vals = new Map(baseX);
    vals.set(params[j].path, params[j].base + STEP * params[j].scale);
    const pk = pointKey(runs[k]);
    const m = sim.run(withValues(work, vals), new Set([pk])).get(pk);
    const b = baseOf(k);
    const out = runs[k].metrics.map((mt) => {
      const bv = readMetric(b, mt);
      const s = Math.abs(RELATIVE_FLOOR * bv) || 1;
      const d = (readMetric(m, mt) - bv) / STEP / s;
      return Number.isFinite(d) ? d : 0;
    });
    sens.set(key, out);
    return out;
  };
  // Group screening: one simulation per run with every undetermined parameter raised together
  // (bandwidths lowered, so all push the same way) tells which runs can move any of them at all.
  const idx = und.filter((u) => u.reason.startsWith('no measurement moves')).map((u) => params.findIndex((p) => p.path === u.path));
  const movers = new Set<number>();
  {
    const vals = new Map(baseX);
    for (const j of idx) vals.set(params[j].path, params[j].base + (params[j].unit === 'B/s' ? -0.5 : 1) * STEP * params[j].scale);
    const grouped = withValues(work, vals);
    for (let k = 0; k < runs.length; k++) {
      const pk = pointKey(runs[k]);
      const m = sim.run(grouped, new Set([pk])).get(pk);
      const b = baseOf(k);
      if (runs[k].metrics.some((mt) => Math.abs(readMetric(m, mt) - readMetric(b, mt)) > 1e-3 * Math.abs(readMetric(b, mt)))) movers.add(k);
    }
  }
  for (const u of und) {
    const j = params.findIndex((p) => p.path === u.path);
    const partners = [...(left.get(j)?.entries() ?? [])].filter(([, k]) => Math.abs(k) > 0.05).map(([t]) => t);
    if (left.has(j) && !partners.length) continue;
    search: for (let k = 0; k < runs.length && sim.evaluations < SUGGEST_BUDGET; k++) {
      if (!partners.length && !movers.has(k)) continue;
      const sj = sensOf(j, k);
      for (let q = 0; q < runs[k].metrics.length; q++) {
        const metric = runs[k].metrics[q];
        if (have.has(`${runKey(runs[k])}|${metric}`) || Math.abs(sj[q]) < SENSITIVITY_MIN) continue;
        if (partners.length) {
          // Would this figure separate it from its partners? Column-pivoted selection on the
          // existing rows plus this one must now take it.
          const cols = [...partners, j];
          const aug: Matrix = J0.map((row) => cols.map((c) => row[c]));
          aug.push(cols.map((c) => (c === j ? sj[q] : sensOf(c, k)[q])));
          if (!selectColumns(aug, cols.map((_, i) => i), INDEPENDENCE_MIN).taken.includes(cols.length - 1)) continue;
        }
        u.measure = describePoint(runs[k].workload, runs[k].strategy, metric);
        break search;
      }
    }
    if (!u.measure && u.reason.startsWith('no measurement moves')) {
      u.reason = UNUSED_REASON;
    }
  }
}
