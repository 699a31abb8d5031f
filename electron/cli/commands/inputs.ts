/**
 * The user's artifacts: what `run` prints around its table for fio job files / command lines,
 * traces and dma_map_benchmark runs; and `compare-fio` (fio's JSON beside the simulation).
 */
import { InputError, runExperiment, type ExperimentResult, type HardwareProfile, type Workload } from '../../../core/index.ts';
import { compareFio, fioJsonWorkload, parseFioJson, type FioMeasured } from '../../../core/fio/json.ts';
import { readUserFile } from '../../host/userfile.ts';
import { checkFlags, checkPositionals, flag, hasFlag, requireFlag, type Args } from '../args.ts';
import type { CliCommand } from '../command.ts';
import { understoodLines } from '../../../core/fio/describe.ts';
import { table } from '../format.ts';
import { loadProfileOrUserProfile, parseSeed, parseStrategyFlag } from './core.ts';

const pctText = (x: number | null) => (x === null ? '-' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`);
const numText = (x: number | null) => (x === null ? 'not modelled' : x.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 }));

const compareFioCmd: CliCommand = {
  name: 'compare-fio',
  summary: "Simulate the jobs of a fio --output-format=json result and show measured vs simulated (bandwidth, IOPS, clat percentiles, CPU) with relative errors; --save stores the measured result as a run of kind measured.",
  usage: 'compare-fio RESULT.json --profile P [--strategy S] [--seed N] [--json] [--save [--name N] [--tag T] [--db PATH]]',
  booleanFlags: ['save'],
  async run(args, io) {
    checkFlags(args, ['profile', 'strategy', 'seed', 'json', 'save', 'name', 'tag', 'notes', 'db'], 'compare-fio');
    checkPositionals(args, 1, 'compare-fio', 'RESULT.json');
    const file = args.positionals[0];
    if (!file) throw new InputError('compare-fio', '(missing)', 'a fio JSON result file (fio --output-format=json ...)');
    const measured = parseFioJson(readUserFile(file, 'fio JSON'), `fio JSON ${file}`);
    const parsed = fioJsonWorkload(measured);
    if (!parsed.workload) throw new InputError(`fio JSON ${file}`, measured.jobs.map((j) => j.name).join(','), `a job that does block IO (${parsed.refusal})`);
    const profile = await loadProfileOrUserProfile(requireFlag(args, 'profile', 'a built-in profile id or a profile .json file'), flag(args, 'db'));
    const strategies = parseStrategyFlag(flag(args, 'strategy') ?? DEFAULT_COMPARE_STRATEGY);
    if (strategies.length !== 1) throw new InputError('--strategy', flag(args, 'strategy') ?? '', 'one strategy (the one the measured machine ran)');
    const seed = parseSeed(flag(args, 'seed'));
    const result = runExperiment({ profile, strategies, workload: parsed.workload, seed });
    const sim = result.results[0];
    const rows = compareFio(measured, sim.jobs ?? []);
    let savedId: string | null = null;
    if (hasFlag(args, 'save')) savedId = await saveMeasured(args, measured, parsed.workload, profile, result);
    if (hasFlag(args, 'json')) {
      io.out(JSON.stringify({ fioVersion: measured.fioVersion, profile: profile.id, strategy: sim.strategy, seed, workload: result.workloadText, rows, ...(savedId ? { measuredRunId: savedId } : {}) }, null, 2) + '\n');
      return 0;
    }
    io.out(`${measured.fioVersion} result ${file}: ${measured.jobs.length} job${measured.jobs.length === 1 ? '' : 's'}; simulated on ${profile.id} with ${sim.strategy}${flag(args, 'strategy') ? '' : ' (the default DMA-FQ domain; --strategy for yours)'}, seed ${seed}\n\n`);
    io.out(understoodLines(parsed.understood).join('\n') + '\n\n');
    io.out(table(['job', 'metric', 'measured', 'simulated', 'error'], rows.map((r) => [r.job, r.metric, numText(r.measured), numText(r.simulated), pctText(r.relError)])));
    const errs = rows.filter((r) => r.relError !== null).map((r) => Math.abs(r.relError as number));
    if (errs.length) io.out(`\nmedian |error| ${(median(errs) * 100).toFixed(1)}% over ${errs.length} figures; usr CPU is user-space work the simulator does not model\n`);
    if (savedId) io.out(`measured run saved: ${savedId}\n`);
    return 0;
  },
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The kernel's default DMA domain on most distributions (iommu.strict=0, DMA-FQ). */
export const DEFAULT_COMPARE_STRATEGY = 'lazy';

async function saveMeasured(args: Args, measured: FioMeasured, workload: Workload, profile: HardwareProfile, result: ExperimentResult): Promise<string> {
  const { openService, tagsFlag, textFlag } = await import('./store.ts');
  const { saveMeasuredAndSimulated } = await import('../../host/fiocompare.ts');
  const meta = { name: textFlag(args, 'name'), tags: tagsFlag(args), notes: textFlag(args, 'notes') };
  const host = openService(args);
  try {
    const ids = saveMeasuredAndSimulated(host.store, measured, workload, profile, result.results[0], result.seed, meta);
    return `${ids.measuredRunId} (simulated beside it: ${ids.simulatedRunId}; iommu-lab diff ${ids.measuredRunId} ${ids.simulatedRunId})`;
  } finally {
    await host.close();
  }
}

export const inputsCommands: CliCommand[] = [compareFioCmd];
