/**
 * Run-store commands (issue 3): runs, diff, sweep, export, import. Each goes through the same host
 * service (and contract) as the app and the web mode. Bad input, unknown ids and refused databases
 * exit 2 with one line; failures inside a run exit 1.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { BUILT_IN_PROFILES, builtInProfile, InputError, workloadText, type HardwareProfile } from '../../../core/index.ts';
import { estimateWork, overBudget } from '../../../core/budget.ts';
import { planSweep } from '../../host/sweep.ts';
import {
  ContractError, EXPORT_FORMATS, CHART_KINDS, MAX_BUNDLE_CHARS, MAX_REPLICATIONS, RUN_STATUSES, type ExportFile, type OpArgs,
  type RunDetail, type SweepDetail,
} from '../../../core/contract.ts';
import { diffMarkdown, diffText, formatValue, isMetricKey, METRIC_DEFS, summaryTable, textTable } from '../../../core/report.ts';
import { checkFlags, checkPositionals, flag, flagAll, hasFlag, requireFlag, type Args } from '../args.ts';
import { parseBundle } from '../../host/bundle.ts';
import type { CliCommand, CliIo } from '../command.ts';
import { createHostService, type HostService } from '../../host/service.ts';
import { DatabaseTooNewError, DatabaseUnusableError } from '../../host/migrate.ts';
import { defaultDbPath } from '../../host/paths.ts';
import { readUserText } from '../../host/read-input.ts';
import { loadProfile, loadWorkload, parseStrategyFlag } from './core.ts';
import { parseSweepValues } from '../../../core/range.ts';
import { flipSentence, sweepVerdict } from '../../../core/verdict.ts';

// ---------------------------------------------------------------------------------------------
// Helpers shared with store-hook.ts

export function dbPathOf(args: Args): string {
  const f = flag(args, 'db');
  if (f === '') throw new InputError('--db', '', 'a database file path');
  return f ? resolve(f) : defaultDbPath();
}

/**
 * `existing`: the command only reads, so an explicit --db that does not exist is a typo, not a
 * new database to create (the default database may be absent: that is simply "no runs yet").
 */
export function openService(args: Args, opts: { memory?: boolean; existing?: boolean } = {}): HostService {
  const dbPath = opts.memory ? ':memory:' : dbPathOf(args);
  if (opts.existing && flag(args, 'db') !== undefined && !existsSync(dbPath)) {
    throw new InputError('--db', flag(args, 'db'), 'an existing database file (runs are stored by run --save, sweep --save or import)');
  }
  return createHostService({ dbPath, exportsOffThread: false });
}

/** ContractError / refused database -> one line on stderr, exit 2 (internal errors stay exit 1). */
export async function withContractErrors(io: CliIo, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof DatabaseTooNewError || e instanceof DatabaseUnusableError) {
      io.err(`${e.message}\n`);
      return 2;
    }
    if (e instanceof ContractError && e.code !== 'internal') {
      io.err(`${e.message.split('\n')[0]}\n`);
      return 2;
    }
    if (e instanceof ContractError) throw new Error(e.message);
    throw e;
  }
}

export function parseIntFlag(args: Args, name: string, min: number, max: number, dflt: number): number {
  const v = flag(args, name);
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new InputError(`--${name}`, v, `an integer from ${min} to ${max}`);
  return Number(v);
}

const TAG_ALLOWED = 'tags of 1-64 characters without spaces (comma-separated or repeated), at most 32';

/** Tags as the store accepts them (the contract's rule), checked here so the error names the tag. */
export function checkTags(tags: string[], field: string): string[] {
  for (const t of tags) if (t.length > 64 || !/^[^\s,]+$/.test(t)) throw new InputError(field, t, TAG_ALLOWED);
  const unique = [...new Set(tags)];
  if (unique.length > 32) throw new InputError(field, unique.slice(32).join(','), TAG_ALLOWED);
  return unique;
}

export function tagsFlag(args: Args): string[] | undefined {
  const all = flagAll(args, 'tag').flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
  return all.length ? checkTags(all, '--tag') : undefined;
}

/** --name (at most 200 characters) and --notes (at most 20,000), as the store accepts them. */
export function textFlag(args: Args, name: 'name' | 'notes'): string | undefined {
  const v = flag(args, name);
  const max = name === 'name' ? 200 : 20_000;
  if (v !== undefined && v.length > max) throw new InputError(`--${name}`, v.length > 40 ? `${v.slice(0, 37)}...` : v, `at most ${max.toLocaleString('en-US')} characters (this one has ${v.length})`);
  return v;
}

function fmtEta(s: number | null): string {
  if (s === null) return '';
  if (s < 60) return `eta ${Math.ceil(s)}s`;
  return `eta ${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`;
}

/** `\r[#########.........]  45% eta 12s label` for a terminal. */
export function progressLine(label: string, fraction: number, eta: number | null, detail = ''): string {
  const n = 24;
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * n);
  const line = `[${'#'.repeat(filled)}${'.'.repeat(n - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${fmtEta(eta).padEnd(10)} ${label} ${detail}`;
  return `\r${line.slice(0, 78).padEnd(78)}`;
}

function date(ms: number | null): string {
  if (ms === null) return '-';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

function positional(args: Args, i: number, what: string): string {
  const v = args.positionals[i];
  if (!v) throw new InputError(what, '(missing)', 'a run id (or a unique prefix of at least 4 characters)');
  return v;
}

const ID_ALLOWED = 'the id of a stored run, or a unique prefix of at least 4 characters (`runs --all` lists them)';

/**
 * A run id or prefix resolved against the store; unknown, too short or ambiguous ids are bad input
 * naming the field, the value and what is allowed (they used to print `no run X` or a schema message).
 */
function resolveRunRef(h: HostService, ref: string, field = 'run id'): string {
  try {
    return h.store.resolveRunId(ref);
  } catch (e) {
    if (e instanceof ContractError && e.code === 'conflict') throw new InputError(field, ref, `a longer prefix: ${e.message}`);
    if (e instanceof ContractError && e.code === 'not_found') throw new InputError(field, ref, ID_ALLOWED);
    throw e;
  }
}

/** A run or a sweep id (export takes either). */
function resolveRunOrSweep(h: HostService, ref: string, field: string): { kind: 'run' | 'sweep'; id: string } {
  for (const kind of ['run', 'sweep'] as const) {
    try {
      return { kind, id: kind === 'run' ? h.store.resolveRunId(ref) : h.store.resolveSweepId(ref) };
    } catch (e) {
      if (e instanceof ContractError && e.code === 'conflict') throw new InputError(field, ref, `a longer prefix: ${e.message}`);
      if (!(e instanceof ContractError) || e.code !== 'not_found') throw e;
    }
  }
  throw new InputError(field, ref, 'the id of a stored run or sweep, or a unique prefix of at least 4 characters (`runs --all` lists runs; a sweep prints its id)');
}

/** --metric: a metric key, checked before any work is done. */
export function metricFlag(args: Args, dflt: string): string {
  const m = flag(args, 'metric') ?? dflt;
  if (!isMetricKey(m)) throw new InputError('--metric', m, METRIC_DEFS.map((d) => d.key).join(', '));
  return m;
}

function cmd(c: Omit<CliCommand, 'run'> & { run(args: Args, io: CliIo): Promise<number> }): CliCommand {
  return { ...c, run: (args, io) => withContractErrors(io, () => c.run(args, io)) };
}

async function withService<T>(args: Args, fn: (h: HostService) => Promise<T>, opts: { memory?: boolean; existing?: boolean } = {}): Promise<T> {
  const h = openService(args, opts);
  try {
    return await fn(h);
  } finally {
    await h.close();
  }
}

/** For commands that only read the store (runs, diff, export). */
function withExistingService<T>(args: Args, fn: (h: HostService) => Promise<T>): Promise<T> {
  return withService(args, fn, { existing: true });
}

// ---------------------------------------------------------------------------------------------
// runs

function showRun(d: RunDetail): string {
  const lines = [
    `run       ${d.id}${d.name ? `  ${d.name}` : ''}`,
    `status    ${d.status}${d.error ? ` (${d.error})` : ''}`,
    `profile   ${d.config.profile.name} (${d.profileId})`,
    `workload  ${d.workloadText}`,
    `seed      ${d.seed}, ${d.replications} replication(s), engine ${d.engineVersion}`,
    `created   ${date(d.createdAt)}${d.wallMs !== null ? `, took ${(d.wallMs / 1000).toFixed(1)} s` : ''}`,
  ];
  if (d.tags.length) lines.push(`tags      ${d.tags.join(', ')}`);
  if (d.sweepId) lines.push(`sweep     ${d.sweepId} ${Object.entries(d.sweepPoint ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  if (d.notes) lines.push(`notes     ${d.notes.replace(/\n/g, '\n          ')}`);
  return `${lines.join('\n')}\n\n${d.summary.length ? textTable(summaryTable(d.summary)) : '(no results)\n'}`;
}

const RUNS_FLAGS = ['json', 'db', 'all', 'sweep', 'search', 'tag', 'profile', 'strategy', 'status', 'limit', 'offset', 'series', 'remove', 'help'];

function resolveSweepRef(h: HostService, ref: string): string {
  try {
    return h.store.resolveSweepId(ref);
  } catch (e) {
    if (e instanceof ContractError && (e.code === 'not_found' || e.code === 'conflict')) {
      throw new InputError('--sweep', ref, 'the id of a stored sweep (or a unique prefix of at least 4 characters)');
    }
    throw e;
  }
}

const runs = cmd({
  name: 'runs',
  summary: 'List saved runs (--all: every stored run, sweep points included; --sweep ID: one sweep\'s points); `runs show ID`, `runs rm ID`, `runs tag ID T [--remove]`.',
  usage: 'runs [--all] [--sweep ID] [--search S] [--tag T] [--profile P] [--strategy S] [--status S] [--limit N] [--json] [--db PATH] | runs show ID [--json] | runs rm ID | runs tag ID T',
  booleanFlags: ['all', 'series', 'remove'],
  async run(args, io) {
    checkFlags(args, RUNS_FLAGS, 'runs');
    const sub = args.positionals[0];
    const json = hasFlag(args, 'json');
    if (sub === 'show' || sub === 'rm') checkPositionals(args, 2, `runs ${sub}`, 'one run id');
    const status = flag(args, 'status');
    if (status !== undefined && !(RUN_STATUSES as readonly string[]).includes(status)) throw new InputError('--status', status, RUN_STATUSES.join(', '));
    return withExistingService(args, async (h) => {
      if (sub === 'show') {
        const d = await h.call('runs:get', { runId: resolveRunRef(h, positional(args, 1, 'run id')), series: hasFlag(args, 'series') });
        io.out(json ? `${JSON.stringify(d, null, 2)}\n` : showRun(d));
        return 0;
      }
      if (sub === 'rm') {
        const id = resolveRunRef(h, positional(args, 1, 'run id'));
        await h.call('runs:delete', { runId: id });
        io.out(json ? `${JSON.stringify({ deleted: id })}\n` : `deleted ${id}\n`);
        return 0;
      }
      if (sub === 'tag') {
        const id = resolveRunRef(h, positional(args, 1, 'run id'));
        const tags = args.positionals.slice(2).flatMap((t) => t.split(',')).filter(Boolean);
        if (!tags.length) throw new InputError('runs tag', '(missing)', 'one or more tags: runs tag ID T [T...]');
        checkTags(tags, 'runs tag');
        const s = await h.call('runs:update', hasFlag(args, 'remove') ? { runId: id, removeTags: tags } : { runId: id, addTags: tags, saved: true });
        io.out(json ? `${JSON.stringify(s)}\n` : `${s.id}: ${s.tags.join(', ') || '(no tags)'}\n`);
        return 0;
      }
      if (sub !== undefined) throw new InputError('runs', sub, 'show ID, rm ID, tag ID T, or flags to filter the list');
      const sweepRef = flag(args, 'sweep');
      const list = await h.call('runs:list', {
        savedOnly: !hasFlag(args, 'all'),
        // --all is every stored run, including the points of sweeps (an interrupted sweep shows here).
        includeSweepRuns: hasFlag(args, 'all'),
        sweepId: sweepRef === undefined ? undefined : resolveSweepRef(h, sweepRef),
        search: flag(args, 'search'),
        tag: flag(args, 'tag'),
        profileId: flag(args, 'profile'),
        strategy: flag(args, 'strategy'),
        status: status as OpArgs<'runs:list'>['status'],
        limit: parseIntFlag(args, 'limit', 1, 10_000, 50),
        offset: parseIntFlag(args, 'offset', 0, 1e9, 0),
      });
      if (json) {
        io.out(`${JSON.stringify(list, null, 2)}\n`);
        return 0;
      }
      if (!list.items.length) {
        io.out(hasFlag(args, 'all') ? 'no runs\n' : 'no saved runs (runs --all lists every stored run)\n');
        return 0;
      }
      io.out(textTable({
        header: ['id', 'created', 'status', 'name', 'profile', 'workload', 'n', 'tags', 'best MiB/s'],
        rows: list.items.map((r) => {
          const best = Object.entries(r.throughputMiBps).sort((a, b) => b[1] - a[1])[0];
          return [r.id, date(r.createdAt), r.status, r.name || (r.sweepId ? `(sweep ${r.sweepId})` : ''), r.profileId, r.workloadText.length > 48 ? `${r.workloadText.slice(0, 47)}…` : r.workloadText,
            String(r.replications), r.tags.join(','), best ? `${formatValue(best[1], 'MiB/s')} ${best[0]}` : '-'];
        }),
        align: ['l', 'l', 'l', 'l', 'l', 'l', 'r', 'l', 'l'],
      }));
      if (list.total > list.items.length) io.out(`(${list.items.length} of ${list.total}; --limit/--offset for more)\n`);
      return 0;
    });
  },
});

// ---------------------------------------------------------------------------------------------
// diff

const diff = cmd({
  name: 'diff',
  summary: 'Compare two runs, benchstat style: configuration changes, medians, delta with 95% CI, p-value, ~ when not significant.',
  usage: 'diff A B [--json | --markdown] [--db PATH]',
  async run(args, io) {
    checkFlags(args, ['json', 'markdown', 'db', 'help'], 'diff');
    const a = positional(args, 0, 'run A');
    const b = positional(args, 1, 'run B');
    if (args.positionals.length > 2) throw new InputError('diff', args.positionals[2], 'exactly two run ids');
    return withExistingService(args, async (h) => {
      const d = await h.call('runs:diff', { a: resolveRunRef(h, a, 'run A'), b: resolveRunRef(h, b, 'run B') });
      if (hasFlag(args, 'json')) io.out(`${JSON.stringify(d, null, 2)}\n`);
      else if (hasFlag(args, 'markdown')) io.out(diffMarkdown(d));
      else io.out(diffText(d));
      return 0;
    });
  },
});

// ---------------------------------------------------------------------------------------------
// sweep

function parseVary(args: Args): Array<{ key: string; values: string[] }> {
  return flagAll(args, 'vary').map((v) => {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new InputError('--vary', v, 'key=v1,v2,... or key=4k..128k[:N], such as bs=4k,16k,64k bounce-pool.slots=256,1024 or iommu.invalidation.syncNs=500,1000');
    const values = parseSweepValues(`--vary ${v.slice(0, eq).trim()}`, v.slice(eq + 1));
    return { key: v.slice(0, eq).trim(), values };
  });
}

/** Profiles for a sweep: built-in ids, user profiles of the database, or profile .json files. */
async function sweepProfiles(args: Args, h: HostService, memory: boolean): Promise<string[]> {
  const refs = requireFlag(args, 'profile', 'one or more profile ids (comma-separated) or profile .json files').split(',').map((s) => s.trim()).filter(Boolean);
  const ids: string[] = [];
  for (const ref of refs) {
    if (BUILT_IN_PROFILES.some((p) => p.id === ref)) {
      ids.push(ref);
      continue;
    }
    const isFile = ref.endsWith('.json') || ref.includes('/');
    let profile = isFile ? loadProfile(ref) : null;
    if (!profile && memory) {
      // Not saving: read the user profile from the database, read-only, without creating or migrating it.
      const path = dbPathOf(args);
      let found: HardwareProfile | null = null;
      if (existsSync(path)) {
        try {
          const db = new Database(path, { readonly: true, fileMustExist: true });
          try {
            const row = db.prepare('SELECT json FROM profiles WHERE id = ?').get(ref) as { json: string } | undefined;
            found = row ? (JSON.parse(row.json) as HardwareProfile) : null;
          } finally {
            db.close();
          }
        } catch {
          found = null;
        }
      }
      if (!found) throw new InputError('--profile', ref, `a built-in id (${BUILT_IN_PROFILES.map((p) => p.id).join(', ')}), a saved profile, or a .json file`);
      profile = found;
    }
    if (profile) {
      const existing = h.store.getProfile(profile.id);
      if (existing && JSON.stringify({ ...existing.profile, builtIn: undefined }) !== JSON.stringify({ ...profile, builtIn: undefined })) {
        throw new InputError('--profile', ref, `a profile whose id ${profile.id} is not already saved with other values (change its id)`);
      }
      if (!existing) await h.call('profiles:save', { profile, mode: 'create' });
    }
    ids.push(profile ? profile.id : ref);
  }
  return ids;
}

function sweepTable(d: SweepDetail, includeUnprotected = false): string {
  const strategies = [...new Set(d.points.flatMap((p) => p.strategies))];
  const keys = [...new Set(d.points.flatMap((p) => Object.keys(p.values)))];
  const rows = d.points.map((p) => {
    const vals = strategies.map((s) => p.medians[s]);
    const finite = vals.filter((v): v is number => typeof v === 'number');
    // Best as printed: values that print the same are tied (all starred), and a point where every
    // strategy prints the same value has no best. Before, 3051* stood beside an unstarred 3051.
    const best = finite.length > 1 && d.metric.better ? (d.metric.better === 'higher' ? Math.max(...finite) : Math.min(...finite)) : null;
    const bestText = best === null ? null : formatValue(best, d.metric.unit);
    const allTied = bestText !== null && finite.every((v) => formatValue(v, d.metric.unit) === bestText);
    const star = (v: number) => (!allTied && formatValue(v, d.metric.unit) === bestText ? '*' : '');
    return [...keys.map((k) => p.values[k] ?? ''), ...vals.map((v) => (typeof v === 'number' ? `${formatValue(v, d.metric.unit)}${star(v)}` : p.status === 'done' ? '-' : p.status))];
  });
  let out = `${d.metric.label} (${d.metric.unit}), * best per point\n\n`;
  out += textTable({ header: [...keys, ...strategies], rows, align: [...keys.map(() => 'l' as const), ...strategies.map(() => 'r' as const)] });
  const v = sweepVerdict(d, includeUnprotected);
  out += `\n${v.headline}\n`;
  for (const line of v.spans) out += `  ${line}\n`;
  const cs = includeUnprotected ? (d.crossoversAll ?? d.crossovers) : d.crossovers;
  out += cs.length ? '\nWhere the answer flips:\n' : '\nNo crossover among the protected strategies.\n';
  for (const c of cs) out += `  ${flipSentence(c)}\n`;
  return out;
}

/**
 * The sweep's estimated work, all points together (the service checks it again). Profiles do not
 * change the estimate, so each point is planned on a built-in one.
 */
function checkSweepBudget(args: Args, strategies: string[], workload: string, vary: Array<{ key: string; values: string[] }>, replications: number): void {
  const profiles = requireFlag(args, 'profile', 'one or more profile ids').split(',').map((x) => x.trim()).filter(Boolean);
  const points = planSweep({ profileIds: profiles.map(() => 'vtd'), strategies, workload, vary, seed: 1, replications, seriesPoints: null }, () => builtInProfile('vtd'));
  let total = 0;
  let tasks = 0;
  for (const p of points) {
    const e = estimateWork(p.workload, p.strategies.length, replications);
    total += e.total;
    tasks += e.tasks;
  }
  const why = overBudget(total, `${points.length} points, ${tasks} strategy x replication tasks`, '--force');
  if (why) throw new InputError('sweep', `${points.length} points`, why);
}

const SWEEP_FLAGS = ['profile', 'strategy', 'workload', 'vary', 'seed', 'replications', 'save', 'name', 'tag', 'notes', 'db', 'json', 'metric', 'include-unprotected', 'help', 'force'];

const sweep = cmd({
  name: 'sweep',
  summary: 'Run the cartesian product of profiles and --vary values (workload keys, strategy.param or profile fields); shows the crossovers.',
  usage: 'sweep --profile P[,P] --strategy S[,S] --workload W --vary key=v1,v2,...|key=4k..128k[:N] [--vary ...] [--replications K] [--seed N] [--metric M] [--include-unprotected] [--save [--name N] [--tag T]] [--json] [--force] [--db PATH]',
  booleanFlags: ['save', 'force', 'include-unprotected'],
  async run(args, io) {
    checkFlags(args, SWEEP_FLAGS, 'sweep');
    checkPositionals(args, 0, 'sweep');
    const save = hasFlag(args, 'save');
    const strategies = [requireFlag(args, 'strategy', 'a comma-separated list of strategies')];
    const workload = workloadText(loadWorkload(requireFlag(args, 'workload', 'fio:key=value,..., dmabench:..., accel:... or a .fio file')));
    const vary = parseVary(args);
    const seedText = flag(args, 'seed');
    const seed = seedText === undefined ? 1 : parseIntFlag(args, 'seed', 0, 0xffffffff, 1);
    const replications = parseIntFlag(args, 'replications', 1, MAX_REPLICATIONS, 1);
    // Checked before the sweep runs (an unknown metric used to fail only after the whole sweep, already saved).
    const metric = metricFlag(args, 'throughputMiBps');
    // Strategy specs, name and tags are checked before the database is opened (or created).
    parseStrategyFlag(strategies[0]);
    const meta = { name: textFlag(args, 'name'), tags: tagsFlag(args), notes: textFlag(args, 'notes') };
    // The work budget, before the database is opened (or created): a refused sweep writes nothing.
    if (!hasFlag(args, 'force')) checkSweepBudget(args, strategies, workload, vary, replications);
    // Without --save the sweep lives in an in-memory database: nothing is written to disk.
    return withService(args, async (h) => {
      const profileIds = await sweepProfiles(args, h, !save);
      const { sweepId, runs: n } = await h.call('sweeps:start', {
        profileIds, strategies, workload, vary, seed, replications, saved: save, ...meta, force: hasFlag(args, 'force'),
      });
      const onInt = () => {
        io.err('\ncancelling the sweep (finished points are kept)...\n');
        void h.dispatch('sweeps:cancel', { sweepId });
      };
      process.on('SIGINT', onInt);
      let lastDone = -1;
      let st;
      try {
        if (!io.isTTY) io.err(`sweep ${sweepId}: ${n} point(s)\n`);
        st = await h.waitSweep(sweepId, (s) => {
          if (io.isTTY) io.err(progressLine(`sweep ${sweepId}`, s.fraction, s.etaSeconds, `${s.runsDone}/${s.runsTotal} points`));
          else if (s.runsDone !== lastDone) {
            lastDone = s.runsDone;
            io.err(`sweep ${sweepId}: ${s.runsDone}/${s.runsTotal} points done (${Math.floor(s.fraction * 100)}%)${s.etaSeconds !== null ? `, ${fmtEta(s.etaSeconds)}` : ''}\n`);
          }
        }, io.isTTY ? 150 : 500);
      } finally {
        process.off('SIGINT', onInt);
      }
      if (io.isTTY) io.err('\r'.padEnd(79) + '\r');
      else io.err(`sweep ${sweepId}: ${st.status}, ${st.runsDone}/${st.runsTotal} points\n`);
      const d = await h.call('sweeps:get', { sweepId, metric });
      if (hasFlag(args, 'json')) io.out(`${JSON.stringify(d, null, 2)}\n`);
      else {
        // The base workload keeps its defaults for the swept keys: say what varies next to it.
        const varied = d.config.vary.map((v) => `${v.key}=${v.values.join(',')}`).join(' ');
        io.out(`sweep ${save ? sweepId : '(not saved; --save keeps it)'}: ${d.config.workload}${varied ? `; vary: ${varied}` : ''}\n`);
        io.out(sweepTable(d, hasFlag(args, 'include-unprotected')));
      }
      if (st.status !== 'done') io.err(`sweep ${st.status}${st.error ? `: ${st.error}` : ''}\n`);
      return st.status === 'done' ? 0 : 1;
    }, { memory: !save });
  },
});

// ---------------------------------------------------------------------------------------------
// export / import

function writeExport(f: ExportFile, out: string | undefined, io: CliIo): void {
  if (out === '-') {
    if (f.encoding !== 'utf8') throw new InputError('--out', '-', 'a file path for binary formats (png)');
    io.out(f.data);
    return;
  }
  const path = resolve(out ?? f.filename);
  try {
    writeFileSync(path, f.encoding === 'base64' ? Buffer.from(f.data, 'base64') : f.data);
  } catch (e) {
    // A missing folder, a directory or a read-only place is bad input, not an internal failure.
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError('--out', out ?? path, `a writable file path whose folder exists (${code}), or - for stdout`);
  }
  io.out(`${path}\n`);
}

const RUN_CHARTS = CHART_KINDS.filter((c) => c !== 'diff' && c !== 'sweep');

const EXPORT_FLAGS = ['format', 'out', 'chart', 'table', 'metric', 'width', 'height', 'db', 'help'];

const exportCmd = cmd({
  name: 'export',
  summary: 'Export a run (or a sweep, or `export A B` a diff) as a JSON bundle, CSV, Markdown, SVG or PNG chart.',
  usage: `export ID [ID2] --format ${EXPORT_FORMATS.join('|')} [--out FILE|-] [--chart ${CHART_KINDS.filter((c) => c !== 'diff' && c !== 'sweep').join('|')}] [--table summary|series] [--metric M] [--width W --height H] [--db PATH]`,
  async run(args, io) {
    checkFlags(args, EXPORT_FLAGS, 'export');
    checkPositionals(args, 2, 'export', 'a run or sweep id, or two run ids for a diff');
    const format = requireFlag(args, 'format', EXPORT_FORMATS.join(', '));
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new InputError('--format', format, EXPORT_FORMATS.join(', '));
    const id = positional(args, 0, 'run id');
    const chart = flag(args, 'chart');
    if (chart !== undefined && !(RUN_CHARTS as readonly string[]).includes(chart)) throw new InputError('--chart', chart, RUN_CHARTS.join(', '));
    const tableKind = flag(args, 'table');
    if (tableKind !== undefined && tableKind !== 'summary' && tableKind !== 'series') throw new InputError('--table', tableKind, 'summary, series');
    const metric = flag(args, 'metric') === undefined ? undefined : metricFlag(args, 'throughputMiBps');
    const size = {
      width: parseIntFlag(args, 'width', 200, 4000, 900),
      height: parseIntFlag(args, 'height', 150, 4000, 500),
    };
    return withExistingService(args, async (h) => {
      let f: ExportFile;
      const fmt = format as (typeof EXPORT_FORMATS)[number];
      const notFor = (what: string, flags: Array<[string, string | undefined]>): void => {
        for (const [name, v] of flags) if (v !== undefined) throw new InputError(`--${name}`, v, `no --${name} when exporting ${what}`);
      };
      if (args.positionals[1]) {
        notFor('a diff (it charts --metric)', [['chart', chart], ['table', tableKind]]);
        const a = resolveRunRef(h, id, 'run A');
        const b = resolveRunRef(h, args.positionals[1], 'run B');
        f = await h.call('export:diff', { a, b, format: fmt, metric, ...size });
      } else {
        const target = resolveRunOrSweep(h, id, 'export id');
        if (target.kind === 'sweep') notFor('a sweep (it charts --metric)', [['chart', chart], ['table', tableKind]]);
        else notFor('a run (use --chart and --table)', [['metric', metric]]);
        f = target.kind === 'sweep'
          ? await h.call('export:sweep', { sweepId: target.id, format: fmt, metric, ...size })
          : await h.call('export:run', { runId: target.id, format: fmt, table: tableKind as 'summary' | 'series' | undefined, chart: chart as OpArgs<'export:run'>['chart'], ...size });
      }
      writeExport(f, flag(args, 'out'), io);
      return 0;
    });
  },
});

const importCmd = cmd({
  name: 'import',
  summary: 'Import a JSON bundle (run, diff or sweep) into the database: validated first, all or nothing.',
  usage: 'import FILE [--json] [--db PATH]',
  async run(args, io) {
    checkFlags(args, ['db', 'json', 'help'], 'import');
    checkPositionals(args, 1, 'import', 'one bundle file');
    const file = args.positionals[0];
    if (!file) throw new InputError('import', '(missing)', 'a bundle file written by `export --format json`');
    const text = readUserText(file, { what: 'import', maxBytes: MAX_BUNDLE_CHARS, expect: 'a bundle file written by `export --format json`' });
    if (!text.trim()) throw new InputError('import', file, 'a non-empty JSON bundle');
    // Validate the whole bundle before opening the database: a corrupted bundle writes nothing,
    // not even a new empty database file.
    parseBundle(text);
    return withService(args, async (h) => {
      const r = await h.call('export:import', { bundle: text });
      if (hasFlag(args, 'json')) io.out(`${JSON.stringify(r)}\n`);
      else {
        io.out(`imported ${r.runIds.length} run(s)${r.sweepIds.length ? `, ${r.sweepIds.length} sweep(s)` : ''}${r.profilesImported.length ? `, profiles ${r.profilesImported.join(', ')}` : ''}${r.skipped.length ? `; already present: ${r.skipped.join(', ')}` : ''}\n`);
        for (const id of r.runIds) io.out(`${id}\n`);
      }
      return 0;
    });
  },
});

export const storeCommands: CliCommand[] = [runs, diff, sweep, exportCmd, importCmd];
