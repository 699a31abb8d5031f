import { writeFileSync } from 'node:fs';
import { InputError, type HardwareProfile } from '../../../core/index.ts';
import {
  calibrate, isMetricPath, parseMeasurements, planScript, RELATIVE_FLOOR, rowLabel, type CalibrationResult, type Measurement,
} from '../../../core/calibrate/index.ts';
import { UNUSED_REASON } from '../../../core/calibrate/fit.ts';
import { checkFlags, checkPositionals, flag, hasFlag, requireFlag } from '../args.ts';
import type { CliCommand } from '../command.ts';
import { loadProfileOrUserProfile, parseSeed, readInputFile, table } from './core.ts';

const FLAGS = ['base', 'measurements', 'strategy', 'out', 'json', 'db', 'save-as', 'plan', 'seed'];

/** Reads and parses every measurement file; a bad line exits 2 naming file:line and what was expected. */
export function loadMeasurementFiles(list: string, strategy: string | undefined): Measurement[] {
  const files = list.split(',').map((f) => f.trim()).filter(Boolean);
  if (!files.length) throw new InputError('--measurements', list, 'one or more files, comma-separated');
  return files.flatMap((f) => parseMeasurements(readInputFile('--measurements', f), f, isMetricPath, strategy));
}

const sig = (x: number, d = 4) => (Number.isFinite(x) ? String(Number(x.toPrecision(d))) : '-');
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

export function calibrationText(r: CalibrationResult): string {
  const out: string[] = [];
  out.push(`calibrated ${r.base} -> ${r.profile.id}: ${r.stats.measurements} measurements, ${r.fitted.length} parameters fitted, ${r.undetermined.length} left at their base value`);
  out.push(`rms relative error ${pct(r.stats.rmsRelErrorBefore).replace('+', '')} before, ${pct(r.stats.rmsRelErrorAfter).replace('+', '')} after; `
    + (r.stats.measurements > r.fitted.length
      ? `residual variance ${sig(r.stats.residualVariance, 3)} (χ²/dof in units of each figure's assumed uncertainty: near 1 or below fits within it) `
      : 'no residual variance (as many fitted costs as figures: any costs fit them; keep some figures out to judge the fit) ')
    + `(${r.stats.simulations} simulations, ${r.stats.iterations} iterations)\n`);
  out.push('measurements');
  out.push(table(['measurement', 'source', 'measured', 'before', 'after', 'error'],
    r.rows.map((q) => [rowLabel(q), q.source, sig(q.measured), sig(q.before), sig(q.after), pct(q.relError)])));
  out.push(`fitted parameters (range: ≈95 %, ±1.96 standard errors from (JᵀJ)⁻¹ × residual variance, each figure assumed known to ±${RELATIVE_FLOOR * 100} % and its print resolution)`);
  out.push(table(['parameter', 'unit', 'before', 'after', 'low', 'high', 'note'],
    r.fitted.map((f) => [f.path, f.unit, sig(f.before), sig(f.after), sig(f.low), sig(f.high), f.confoundedWith.length ? `leans on ${f.confoundedWith.join(', ')} (held)` : ''])));
  const unused = r.undetermined.filter((u) => u.reason === UNUSED_REASON);
  const rest = r.undetermined.filter((u) => u.reason !== UNUSED_REASON);
  if (rest.length) {
    out.push('undetermined (left at the base value)');
    out.push(table(['parameter', 'value', 'why', 'would be determined by'],
      rest.map((u) => [u.path, `${sig(u.value)} ${u.unit}`, u.reason, u.measure ?? '-'])));
  }
  if (unused.length) out.push(`${UNUSED_REASON}, left at the base value: ${unused.map((u) => u.path).join(', ')}\n`);
  return out.join('\n');
}

/**
 * The JSON of `calibrate --json`, exactly the shape the issue states (scripts key on it): the
 * reasons and suggested measurements of the undetermined costs are in the text output.
 */
export function calibrationJson(r: CalibrationResult): unknown {
  return {
    profile: r.profile,
    fitted: r.fitted.map(({ path, before, after, low, high }) => ({ path, before, after, low, high })),
    undetermined: r.undetermined.map((u) => u.path),
    rows: r.rows.map(({ workload, strategy, metric, measured, before, after, relError }) => ({ workload, strategy, metric, measured, before, after, relError })),
  };
}

const calibrateCommand: CliCommand = {
  name: 'calibrate',
  summary: 'Fit a profile\'s costs to your measurements (dma_map_benchmark output or a CSV); --plan prints what to measure.',
  usage: 'calibrate --base PROFILE --measurements FILE[,FILE...] [--strategy S] [--out FILE.json] [--json] [--seed N] [--db PATH --save-as NAME] | calibrate --plan --base PROFILE',
  booleanFlags: ['plan'],
  async run(args, io) {
    checkFlags(args, FLAGS, 'calibrate');
    checkPositionals(args, 0, 'calibrate');
    const base: HardwareProfile = await loadProfileOrUserProfile(requireFlag(args, 'base', 'a built-in profile id, a saved profile id or a profile .json file'), flag(args, 'db'), '--base');
    if (hasFlag(args, 'plan')) {
      io.out(planScript(base));
      return 0;
    }
    const measurements = loadMeasurementFiles(requireFlag(args, 'measurements', 'dma_map_benchmark output or workload,strategy,metric,value CSV files, comma-separated'), flag(args, 'strategy'));
    const saveAs = flag(args, 'save-as');
    if (saveAs !== undefined && !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(saveAs)) throw new InputError('--save-as', saveAs, 'lowercase letters, digits, . _ - (1-64 chars)');
    const progress = io.isTTY && !hasFlag(args, 'json');
    const result = calibrate(base, measurements, {
      seed: parseSeed(flag(args, 'seed')),
      id: saveAs,
      onProgress: progress ? (f, stage) => io.err(`\r${Math.round(f * 100)}% ${stage}`.padEnd(60)) : undefined,
    });
    if (progress) io.err('\r'.padEnd(61) + '\r');
    const outFile = flag(args, 'out');
    if (outFile) {
      try {
        writeFileSync(outFile, JSON.stringify(result.profile, null, 2) + '\n');
      } catch {
        throw new InputError('--out', outFile, 'a writable file path');
      }
    }
    if (saveAs !== undefined) {
      const { defaultDbPath } = await import('../../host/paths.ts');
      const { createHostService } = await import('../../host/service.ts');
      const host = createHostService({ dbPath: flag(args, 'db') ?? defaultDbPath(), workers: 1 });
      try {
        const r = await host.dispatch('calibrate:save', { profile: result.profile, rows: result.rows, base: base.id });
        if (!r.ok) throw new InputError('--save-as', saveAs, r.error.message);
      } finally {
        await host.close();
      }
    }
    if (hasFlag(args, 'json')) io.out(JSON.stringify(calibrationJson(result), null, 2) + '\n');
    else {
      io.out(calibrationText(result));
      if (outFile) io.out(`\nfitted profile written to ${outFile} (run --profile ${outFile} ...)\n`);
      if (saveAs !== undefined) io.out(`\nsaved as user profile ${saveAs} with its ${result.rows.length} measurements (validate --profile ${saveAs})\n`);
    }
    return 0;
  },
};

export const calibrateCommands: CliCommand[] = [calibrateCommand];
