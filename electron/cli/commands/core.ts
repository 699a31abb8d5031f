import { existsSync } from 'node:fs';
import {
  BUILT_IN_PROFILES, builtInProfile, ENGINE_VERSION, InputError, parseProfile, parseStrategyList,
  runExperiment, STRATEGIES, workloadText,
  type ExperimentResult, type HardwareProfile, type Metrics, type Progress, type Workload,
} from '../../../core/index.ts';
import { runValidation } from '../../../core/validation.ts';
import { estimateWork, overBudget, workDetail } from '../../../core/budget.ts';
import { explainText } from '../../../core/explain.ts';
import { protectionOf } from '../../../core/protection.ts';
import { checkFlags, checkPositionals, flag, hasFlag, requireFlag, type Args } from '../args.ts';
import type { CliCommand, CliIo } from '../command.ts';
import { runBench } from '../bench.ts';
import { table } from '../format.ts';
import { MAX_INPUT_FILE_BYTES, readUserText } from '../../host/read-input.ts';
import { loadWorkloadInput } from '../inputs.ts';
import { inputsRunReport } from '../run-report.ts';

export function readInputFile(field: string, path: string): string {
  return readUserText(path, { what: field, maxBytes: MAX_INPUT_FILE_BYTES });
}

/** A built-in id, or a path to a profile JSON file. */
export function loadProfile(ref: string, field = '--profile'): HardwareProfile {
  if (BUILT_IN_PROFILES.some((p) => p.id === ref)) return builtInProfile(ref);
  if (ref.endsWith('.json') || ref.includes('/') || existsSync(ref)) {
    const text = readInputFile(field, ref);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new InputError(field, ref, 'a JSON file holding one profile (see `profile show vtd`)');
    }
    return parseProfile(json);
  }
  throw new InputError(field, ref, `${BUILT_IN_PROFILES.map((p) => p.id).join(', ')} or a profile .json file`);
}

/**
 * A built-in id, a profile file, or the id of a profile saved in the run store (the app's
 * Profiles view). The store is only opened when its database already exists.
 */
export async function loadProfileOrUserProfile(ref: string, dbPath: string | undefined, field = '--profile'): Promise<HardwareProfile> {
  try {
    return loadProfile(ref, field);
  } catch (e) {
    if (!(e instanceof InputError) || e.field !== field || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(ref)) throw e;
    const { defaultDbPath } = await import('../../host/paths.ts');
    const db = dbPath ?? defaultDbPath();
    if (!existsSync(db)) throw e;
    const { createHostService } = await import('../../host/service.ts');
    const host = createHostService({ dbPath: db, workers: 1 });
    try {
      const r = await host.dispatch('profiles:get', { id: ref });
      if (r.ok) return (r.result as { profile: HardwareProfile }).profile;
    } finally {
      await host.close();
    }
    throw new InputError(field, ref, `${BUILT_IN_PROFILES.map((p) => p.id).join(', ')}, a profile saved in ${db}, or a profile .json file`);
  }
}

/**
 * --strategy as a list in which each strategy appears once: `strict,strict` or `strict,all` used to
 * simulate the same thing twice, print duplicate rows and pair them arbitrarily in a diff.
 */
export function parseStrategyFlag(text: string): ReturnType<typeof parseStrategyList> {
  const list = parseStrategyList(text);
  const seen = new Set<string>();
  for (const s of list) {
    if (seen.has(s.text)) throw new InputError('--strategy', s.text, `each strategy once${/(^|,)\s*all\s*(,|$)/.test(text) ? ' (all already lists every strategy with its defaults)' : ''}; ${text} names it twice`);
    seen.add(s.text);
  }
  return list;
}

/** `fio:...`, `dmabench:...`, `accel:...`, a fio command line, a `.fio` job file or `trace:FILE` (electron/cli/inputs.ts). */
export function loadWorkload(ref: string): Workload {
  return loadWorkloadInput(ref, existsSync).workload;
}

export function parseSeed(text: string | undefined): number {
  if (text === undefined) return 1;
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) throw new InputError('--seed', text, 'an integer from 0 to 4294967295');
  return Number(text);
}

function fmt(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function bytesShort(n: number): string {
  if (n >= 1024 ** 3) return `${fmt(n / 1024 ** 3, 2)}G`;
  if (n >= 1024 ** 2) return `${fmt(n / 1024 ** 2, 1)}M`;
  if (n >= 1024) return `${fmt(n / 1024, 1)}K`;
  return String(Math.round(n));
}

export { table };

export function summaryTable(result: ExperimentResult): string {
  // Protection is the class and its three measures (core/protection.ts): a device that reaches all
  // of memory (passthrough, pinned) must not read as exposing 0 bytes with no stale window.
  const header = [
    'strategy', 'MiB/s', 'IOPS', 'lat p50 us', 'lat p99 us', 'map us', 'unmap us', 'CPU s/GiB', 'inval/page', 'bounce peak', 'pinned peak',
    'protection', 'reach B', 'beyond B', 'stale us', 'faults', 'fallbk', 'fail',
  ];
  const rows = result.results.map(({ metrics: m, strategy }) => [
    strategy, fmt(m.throughputMiBps), fmt(m.iops, 0), fmt(m.latencyUs.p50), fmt(m.latencyUs.p99), fmt(m.mapUs.mean, 2), fmt(m.unmapUs.mean, 2),
    fmt(m.cpuSecondsPerGiB.total, 3), fmt(m.invalidations.perPage, 2), bytesShort(m.bounceBytes.peak), bytesShort(m.pinnedBytes.peak),
    m.exposure.protection ?? protectionOf(m.exposure), bytesShort(m.exposure.standingBytes ?? 0), bytesShort(m.exposure.bytesBeyondBuffer),
    fmt(m.exposure.staleWindowUs.mean), String(m.faults), String(m.fallbacks), String(m.failures),
  ]);
  return table(header, rows);
}

/** dma_map_benchmark's own output lines. */
export function dmaBenchLines(m: Metrics): string {
  // The tool's own arithmetic (whole 100 ns units per call) when the engine recorded it.
  const map = m.dmaBenchTool?.map ?? m.mapUs;
  const unmap = m.dmaBenchTool?.unmap ?? m.unmapUs;
  return (
    `average map latency(us):${map.mean.toFixed(1)} standard deviation:${map.stddev.toFixed(1)}\n` +
    `average unmap latency(us):${unmap.mean.toFixed(1)} standard deviation:${unmap.stddev.toFixed(1)}\n`
  );
}

/** The JSON of `run --json`: engine version, profile id, workload, seed and per-strategy metrics. */
export function runJson(result: ExperimentResult): string {
  return JSON.stringify(
    {
      engineVersion: result.engineVersion,
      profile: result.profile,
      workload: result.workloadText,
      seed: result.seed,
      results: result.results.map((r) => ({ strategy: r.strategy, metrics: r.metrics, ...(r.explain ? { explain: r.explain } : {}), ...(r.jobs ? { jobs: r.jobs } : {}) })),
    },
    null,
    2,
  ) + '\n';
}

/** run --json --explain: the same, with each strategy's cost-term breakdown (null when the engine books none). */
export function runJsonExplained(result: ExperimentResult): string {
  const j = JSON.parse(runJson(result)) as { results: Array<{ strategy: string; explain?: unknown }> };
  j.results.forEach((r, i) => { r.explain = result.results[i].explain ?? null; });
  return JSON.stringify(j, null, 2) + '\n';
}

export const RUN_FLAGS = ['profile', 'strategy', 'workload', 'seed', 'json', 'save', 'name', 'tag', 'notes', 'replications', 'db', 'force', 'verdict', 'goal', 'explain'];

/**
 * The work budget (core/budget.ts), checked before anything runs: exit 2 naming the estimate and
 * the limit, unless --force. The host service checks it again for --save (and for the app and HTTP).
 */
export function checkRunBudget(args: Args, workload: Workload, strategies: number, replications: number): void {
  if (hasFlag(args, 'force')) return;
  const est = estimateWork(workload, strategies, replications);
  const why = overBudget(est.total, workDetail(est, strategies, replications), '--force');
  if (why) throw new InputError('--workload', workloadText(workload), why);
}

/**
 * Progress for a caller that is not a terminal (a CI log, a pipe): a plain line on stderr when a
 * run has gone on for 10 s, then at most every 10 s. Short runs print nothing.
 */
export function plainProgress(io: CliIo, label: string): (fraction: number, detail?: string) => void {
  const started = Date.now();
  let last = 0;
  return (fraction, detail = '') => {
    const now = Date.now();
    if (now - started < 10_000 || now - last < 10_000) return;
    last = now;
    io.err(`${label}: ${Math.floor(Math.min(1, Math.max(0, fraction)) * 100)}% done${detail ? ` (${detail})` : ''}, ${Math.round((now - started) / 1000)} s\n`);
  };
}

/**
 * `--save` and friends are served by the run store (issue 3); a hook keeps this module free of the
 * database. commands/index.ts installs it (store-hook.ts, loaded on first use): modules import
 * downward only, so this one never imports the store commands.
 */
export type SaveHook = (args: Args, io: CliIo, input: { profile: HardwareProfile; strategies: string[]; workload: Workload; seed: number }) => Promise<number>;
let saveHook: SaveHook | null = null;
export function setRunSaveHook(hook: SaveHook): void {
  saveHook = hook;
}

import { GOALS, parseGoal, runVerdict, verdictStrategies } from '../../../core/verdict.ts';

const run: CliCommand = {
  name: 'run',
  summary: 'Simulate a workload through one or more strategies on a profile (a table, or --json).',
  usage: 'run --profile P --strategy S[,S...] --workload W [--seed N] [--json] [--explain] [--verdict [--goal throughput|latency|cpu|dmacall]] [--force] [--save [--name N] [--tag T] [--replications K] [--db PATH]]',
  booleanFlags: ['save', 'force', 'verdict', 'explain'],
  async run(args, io) {
    checkFlags(args, RUN_FLAGS, 'run');
    checkPositionals(args, 0, 'run');
    const profile = await loadProfileOrUserProfile(requireFlag(args, 'profile', `${BUILT_IN_PROFILES.map((p) => p.id).join(', ')} or a profile .json file`), flag(args, 'db'));
    const strategyText = requireFlag(args, 'strategy', `a comma-separated list of ${STRATEGIES.map((s) => s.id).join(', ')}`);
    const strategies = parseStrategyFlag(strategyText);
    const input = loadWorkloadInput(requireFlag(args, 'workload', 'fio:key=value,..., dmabench:key=value,..., accel:key=value,... or a .fio file'), existsSync);
    const workload = input.workload;
    const seed = parseSeed(flag(args, 'seed'));
    if (!hasFlag(args, 'save')) checkRunBudget(args, workload, strategies.length, 1);
    const goalText = flag(args, 'goal');
    if (goalText !== undefined && !(goalText in GOALS)) throw new InputError('--goal', goalText, Object.keys(GOALS).join(', '));
    const goal = parseGoal(goalText, workload.kind);
    if (hasFlag(args, 'save')) {
      if (!saveHook) throw new InputError('--save', 'true', 'the run store, which is not available in this build');
      return saveHook(args, io, { profile, strategies: strategies.map((s) => s.text), workload, seed });
    }
    const progress = io.isTTY && !hasFlag(args, 'json');
    const experiment = { profile, strategies, workload, seed };
    const plain = plainProgress(io, 'run');
    const runOpts = progress
      ? { onProgress: throttled((p: Progress) => io.err(`\r${Math.round(p.fraction * 100)}% ${p.strategy}`.padEnd(60))) }
      : { onProgress: (p: Progress) => plain(p.fraction, p.strategy) };
    // Several strategies use every core (worker pool); one stays in this process.
    const parallel = await import('../../host/parallel.ts');
    const result = parallel.usePool(strategies.length) ? await parallel.runExperimentOnPool(experiment, runOpts) : runExperiment(experiment, runOpts);
    if (progress) io.err('\r'.padEnd(61) + '\r');
    if (hasFlag(args, 'json')) {
      io.out(hasFlag(args, 'explain') ? runJsonExplained(result) : runJson(result));
      return 0;
    }
    io.out(`profile ${profile.id}, workload ${workloadText(workload).split('\n')[0]}, seed ${seed}, engine ${ENGINE_VERSION}\n\n`);
    const extra = inputsRunReport(input, result);
    io.out(extra.before);
    io.out(extra.table ?? summaryTable(result));
    io.out(extra.after);
    if (workload.kind === 'dmabench') {
      // The table above is exact; the tool keeps its sums in whole 100 ns units, so its own lines differ.
      io.out('\nAs dma_map_benchmark prints them. Its arithmetic: sums in whole 100 ns units, an integer mean, and a\n'
        + 'variance (mean of squares minus that integer mean squared) that also holds about twice the mean times\n'
        + 'the fraction the integer mean dropped, so its standard deviation reads above the exact one:\n');
      for (const r of result.results) io.out(`\n${r.strategy}:\n${dmaBenchLines(r.metrics)}`);
    }
    if (hasFlag(args, 'explain')) io.out(`\nwhere the time of the mean map and unmap call goes\n\n${explainText(result.results, table)}`);
    if (workload.kind === 'accel') {
      io.out('\n');
      for (const r of result.results) {
        const s = r.metrics.slowdownVsPinned;
        io.out(`${r.strategy}: slowdown vs pinned ${s === null ? 'n/a (add pinned)' : `${(s * 100).toFixed(1)}%`} (${r.metrics.faults} faults)\n`);
      }
    }
    if (hasFlag(args, 'verdict')) {
      const v = runVerdict({ strategies: verdictStrategies(result.results), goal, profileName: profile.name || profile.id, workloadText: workloadText(workload) });
      io.out(`\n${v.sentences.map((line) => (/^\d+\. /.test(line) ? `  ${line}` : line)).join('\n')}\n`);
    }
    return 0;
  },
};

function throttled<T>(fn: (x: T) => void): (x: T) => void {
  let last = -1;
  return (x: T) => {
    const now = Date.now();
    if (now - last >= 100) {
      last = now;
      fn(x);
    }
  };
}

const validate: CliCommand = {
  name: 'validate',
  summary: 'Run every reference experiment and print published vs simulated figures with relative errors; --profile adds your own calibration rows.',
  usage: 'validate [--seed N] [--json] [--profile ID [--db PATH]]',
  async run(args, io) {
    checkFlags(args, ['json', 'seed', 'profile', 'db'], 'validate');
    checkPositionals(args, 0, 'validate');
    const seed = parseSeed(flag(args, 'seed'));
    // A calibrated user profile's own measurements (calibrate --save-as), listed beside the built-in rows.
    const profileRef = flag(args, 'profile');
    const userRows = profileRef === undefined ? [] : await loadUserRows(profileRef, flag(args, 'db'), seed);
    const rows = [...runValidation(seed, io.isTTY && !hasFlag(args, 'json') ? (id) => io.err(`\rrunning ${id}`.padEnd(40)) : undefined), ...userRows];
    if (io.isTTY && !hasFlag(args, 'json')) io.err('\r'.padEnd(41) + '\r');
    if (hasFlag(args, 'json')) {
      const calibrations = rows.filter((r) => r.basis === 'calibration').length;
      io.out(JSON.stringify({ engineVersion: ENGINE_VERSION, calibrations, predictions: rows.length - calibrations, experiments: rows }, null, 2) + '\n');
    } else {
      const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
      io.out(
        table(
          ['experiment', 'metric', 'published', 'simulated', 'error', 'basis', 'ok'],
          rows.map((r) => [r.id, r.metric, String(r.published), String(r.simulated), r.kind === 'approx' ? pct(r.relError) : r.kind, r.basis, r.pass ? 'yes' : 'NO']),
        ),
      );
      const failed = rows.filter((r) => !r.pass).length;
      const cal = rows.filter((r) => r.basis === 'calibration').length;
      io.out(`\n${rows.length - failed} passed, ${failed} failed (tolerance ±15% on approximate figures)\n`);
      io.out(`${cal} calibrations (a profile parameter was fitted to the figure), ${rows.length - cal} predictions (nothing was fitted to it)\n`);
      if (profileRef !== undefined) io.out(`${userRows.length} of them are your measurements of ${profileRef} (the rows it was calibrated from)\n`);
    }
    return rows.every((r) => r.pass) ? 0 : 1;
  },
};

async function loadUserRows(ref: string, dbPath: string | undefined, seed: number) {
  const profile = await loadProfileOrUserProfile(ref, dbPath, '--profile');
  const { defaultDbPath } = await import('../../host/paths.ts');
  const db = dbPath ?? defaultDbPath();
  if (!existsSync(db)) return [];
  const { createHostService } = await import('../../host/service.ts');
  const host = createHostService({ dbPath: db, workers: 1 });
  try {
    const r = await host.dispatch('calibrate:measurements', { profileId: profile.id });
    if (!r.ok) throw new InputError('--profile', ref, r.error.message);
    const { userValidationRows } = await import('../../../core/calibrate/index.ts');
    return userValidationRows(profile, (r.result as { rows: Array<{ workload: string; strategy: string; metric: string; measured: number; source: string }> }).rows, seed);
  } finally {
    await host.close();
  }
}

const bench: CliCommand = {
  name: 'bench',
  summary: 'Engine speed (simulated IOs per wall second, peak RSS) and run-store speed.',
  usage: 'bench [--json] [--quick]',
  booleanFlags: ['quick'],
  async run(args, io) {
    checkFlags(args, ['json', 'quick'], 'bench');
    checkPositionals(args, 0, 'bench');
    return runBench(io, hasFlag(args, 'json'), hasFlag(args, 'quick'));
  },
};

const profiles: CliCommand = {
  name: 'profiles',
  summary: 'List the built-in hardware profiles.',
  usage: 'profiles [--json]',
  run(args, io) {
    checkFlags(args, ['json'], 'profiles');
    checkPositionals(args, 0, 'profiles');
    if (hasFlag(args, 'json')) {
      io.out(JSON.stringify(BUILT_IN_PROFILES.map((p) => ({ id: p.id, name: p.name, description: p.description })), null, 2) + '\n');
      return 0;
    }
    io.out(table(['id', 'name', 'granule', 'invalidation', 'queue', 'virtual'], BUILT_IN_PROFILES.map((p) => {
      const inv = p.iommu.invalidation;
      const kinds = [inv.byAddressNs !== null && 'address', inv.byRangeNs !== null && 'range', inv.domainNs !== null && 'domain', inv.streamNs !== null && 'stream'].filter(Boolean).join('+');
      const queue = inv.hardwareQueue ? `cmdq x${inv.queues}` : 'lock';
      return [p.id, p.name, bytesShort(p.iommu.granuleBytes), kinds || 'request', queue, p.virt.enabled ? p.virt.mode : 'no'];
    })));
    return 0;
  },
};

const profile: CliCommand = {
  name: 'profile',
  summary: 'Print a profile as JSON, ready to edit and pass back with --profile FILE.json; or save an edited one in the run store.',
  usage: 'profile show ID [--db PATH] | profile import FILE.json [--db PATH]',
  async run(args, io) {
    checkFlags(args, ['json', 'db'], 'profile');
    checkPositionals(args, 2, 'profile', 'show ID or import FILE.json');
    const [verb, id] = args.positionals;
    if (verb === 'import') {
      if (!id) throw new InputError('profile file', '(missing)', 'a profile .json file');
      const p = loadProfile(id.includes('/') || id.endsWith('.json') ? id : `./${id}`, 'profile file');
      const { defaultDbPath } = await import('../../host/paths.ts');
      const { createHostService } = await import('../../host/service.ts');
      const host = createHostService({ dbPath: flag(args, 'db') ?? defaultDbPath(), workers: 1 });
      try {
        const r = await host.dispatch('profiles:save', { profile: p });
        if (!r.ok) throw new InputError('profile', p.id, r.error.message);
      } finally {
        await host.close();
      }
      io.out(`${p.id}\n`);
      return 0;
    }
    if (verb !== 'show') throw new InputError('profile subcommand', verb ?? '(missing)', 'show, import');
    if (!id) throw new InputError('profile id', '(missing)', BUILT_IN_PROFILES.map((p) => p.id).join(', '));
    const p = await loadProfileOrUserProfile(id, flag(args, 'db'), 'profile id');
    const { builtIn: _b, ...plain } = p;
    io.out(JSON.stringify(plain, null, 2) + '\n');
    return 0;
  },
};

const strategies: CliCommand = {
  name: 'strategies',
  summary: 'List the DMA-mapping strategies, the kernel path each models and their parameters.',
  usage: 'strategies [--json]',
  run(args, io) {
    checkFlags(args, ['json'], 'strategies');
    checkPositionals(args, 0, 'strategies');
    if (hasFlag(args, 'json')) {
      io.out(JSON.stringify(STRATEGIES, null, 2) + '\n');
      return 0;
    }
    for (const s of STRATEGIES) {
      io.out(`${s.id}  (${s.title})\n  ${s.summary}\n  models: ${s.models}\n`);
      for (const p of s.params) io.out(`  :${p.key}=${Array.isArray(p.default) ? p.default.join('+') : String(p.default)}  ${p.doc}\n`);
      io.out('\n');
    }
    return 0;
  },
};

export const coreCommands: CliCommand[] = [run, validate, bench, profiles, profile, strategies];
