/**
 * RunStore: the SQLite database of user profiles, runs, results and sweeps (better-sqlite3).
 *
 * - WAL journal, foreign keys on, STRICT tables, bound parameters only, a busy timeout so several
 *   processes (app, CLI, web server) can write one file at once.
 * - Every write is one IMMEDIATE transaction; a run is inserted as `running` when it starts, each
 *   strategy x replication result is committed as it finishes, and the run is closed with its final
 *   status. A process killed mid-way leaves whole results only; the run is marked `interrupted` by the
 *   next store that opens (or lists) once its owner process is gone.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type {
  HardwareProfile, Metrics, TimeSeries,
} from '../../core/types.ts';
import {
  ContractError, MAX_SERIES_POINTS,
  type ProfileRecord, type ProfileSummary, type RunConfig, type RunDetail, type RunList, type RunResult,
  type RunStatus, type RunSummary, type SweepConfig, type SweepSummary, type CalibrationMeasurementRow,
} from '../../core/contract.ts';
import { summarizeResults, throughputByStrategy } from '../../core/report.ts';
import { seriesPointsPerResult } from '../../core/budget.ts';
import { DatabaseTooNewError, DatabaseUnusableError, loadMigrations, migrate, userVersion, type Migration } from './migrate.ts';

export interface StoreOptions {
  migrationsDir?: string;
  /** Stop migrating at this version (tests of upgrades from earlier versions). */
  targetVersion?: number;
  /** Milliseconds to wait for another process's write lock. */
  busyTimeoutMs?: number;
  /** Skip marking dead owners' running runs interrupted at open. */
  noReap?: boolean;
}

export interface NewRun {
  id?: string;
  config: RunConfig;
  name?: string;
  tags?: string[];
  notes?: string;
  saved?: boolean;
  createdAt?: number;
  sweepId?: string | null;
  sweepIndex?: number | null;
  sweepPoint?: Record<string, string> | null;
  /** A real tool's result (fio JSON) stored as a run; its raw figures go in measured_json. */
  kind?: 'simulated' | 'measured';
  measured?: unknown;
}

/** A result to store: the same shape runs:get gives back. */
export type NewResult = RunResult;

export interface RunFilter {
  search?: string;
  profileId?: string;
  strategy?: string;
  tag?: string;
  status?: RunStatus;
  sweepId?: string;
  includeSweepRuns?: boolean;
  from?: number;
  to?: number;
  savedOnly?: boolean;
  limit?: number;
  offset?: number;
  sort?: RunSort;
  order?: 'asc' | 'desc';
}

export type RunSort = 'created' | 'name' | 'profile' | 'status' | 'strategies' | 'workload' | 'wall' | 'throughput';

/** ORDER BY expressions per sortable column; ties broken by newest, then id (stable pages). */
const SORT_SQL: Record<RunSort, string> = {
  created: 'r.created_at',
  name: 'r.name COLLATE NOCASE',
  profile: 'r.profile_id',
  status: 'r.status',
  strategies: 'r.strategies_text',
  workload: 'r.workload_text',
  wall: 'r.wall_ms',
  throughput: '(SELECT max(value) FROM json_each(r.summary_json))',
};

export interface RunPatch {
  name?: string;
  tags?: string[];
  addTags?: string[];
  removeTags?: string[];
  notes?: string;
  saved?: boolean;
}

export interface NewSweep {
  id?: string;
  config: SweepConfig;
  pointCount: number;
  name?: string;
  tags?: string[];
  notes?: string;
  saved?: boolean;
  createdAt?: number;
}

/** A whole run as stored, for export bundles and import. */
export interface StoredRun {
  id: string;
  name: string;
  tags: string[];
  notes: string;
  saved: boolean;
  status: RunStatus;
  createdAt: number;
  finishedAt: number | null;
  wallMs: number | null;
  error: string | null;
  config: RunConfig;
  sweepId: string | null;
  sweepIndex: number | null;
  sweepPoint: Record<string, string> | null;
  results: NewResult[];
  /** Measured runs (compare-fio --save): the kind and the tool's raw figures. */
  kind?: 'measured';
  measured?: unknown;
}

export interface StoredSweep {
  id: string;
  name: string;
  tags: string[];
  notes: string;
  saved: boolean;
  status: RunStatus;
  createdAt: number;
  finishedAt: number | null;
  error: string | null;
  config: SweepConfig;
  pointCount: number;
}

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** 10 random base-36 characters (~51 bits): short enough to type, unique across databases in practice. */
export function newId(): string {
  const bytes = randomBytes(10);
  let s = '';
  for (const b of bytes) s += ID_ALPHABET[b % 36];
  return s;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const SERIES_FIELDS = ['tUs', 'throughputMiBps', 'bounceBytes', 'pinnedBytes', 'iovaBytes'] as const;

/** Evenly spaced indices keeping the first and the last point. */
function boundSeries(s: TimeSeries, max = MAX_SERIES_POINTS): TimeSeries {
  const n = s.tUs.length;
  if (n <= max) return s;
  const idx: number[] = [];
  for (let i = 0; i < max; i++) idx.push(Math.round((i * (n - 1)) / (max - 1)));
  const out = {} as TimeSeries;
  for (const f of SERIES_FIELDS) out[f] = idx.map((i) => s[f][i]);
  return out;
}

export function packSeries(s: TimeSeries, maxPoints = MAX_SERIES_POINTS): { points: number; blob: Buffer } {
  const b = boundSeries(s, Math.min(maxPoints, MAX_SERIES_POINTS));
  const n = b.tUs.length;
  for (const f of SERIES_FIELDS) {
    if (!Array.isArray(b[f]) || b[f].length !== n) throw new ContractError('invalid', `series.${f}: expected ${n} points like series.tUs`);
  }
  const arr = new Float64Array(n * 5);
  SERIES_FIELDS.forEach((f, k) => {
    const col = b[f];
    for (let i = 0; i < n; i++) arr[k * n + i] = Number(col[i]);
  });
  if (!LITTLE_ENDIAN) {
    const dv = new DataView(arr.buffer);
    for (let i = 0; i < arr.length; i++) dv.setFloat64(i * 8, arr[i], true);
  }
  return { points: n, blob: Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength) };
}

export function unpackSeries(blob: Buffer, n: number): TimeSeries {
  const copy = new Uint8Array(blob.byteLength);
  copy.set(blob);
  const dv = new DataView(copy.buffer);
  const out = {} as TimeSeries;
  SERIES_FIELDS.forEach((f, k) => {
    const col = new Array<number>(n);
    for (let i = 0; i < n; i++) col[i] = dv.getFloat64((k * n + i) * 8, true);
    out[f] = col;
  });
  return out;
}

const EMPTY_SERIES: TimeSeries = { tUs: [], throughputMiBps: [], bounceBytes: [], pinnedBytes: [], iovaBytes: [] };

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

interface RunRow {
  id: string;
  name: string;
  notes: string;
  saved: number;
  status: RunStatus;
  profile_id: string;
  profile_name: string;
  config_json: string;
  strategies_text: string;
  workload_text: string;
  seed: number;
  replications: number;
  engine_version: string;
  created_at: number;
  finished_at: number | null;
  wall_ms: number | null;
  error: string | null;
  summary_json: string | null;
  sweep_id: string | null;
  sweep_index: number | null;
  sweep_point_json: string | null;
  tags_json: string;
  kind: string;
}

interface ResultRow {
  strategy_index: number;
  replication: number;
  strategy: string;
  seed: number;
  wall_ms: number;
  metrics_json: string;
  histogram_json: string;
  series_points: number;
  series: Buffer | null;
  jobs_json: string | null;
}

interface SweepRow {
  id: string;
  name: string;
  notes: string;
  tags_json: string;
  saved: number;
  status: RunStatus;
  config_json: string;
  point_count: number;
  created_at: number;
  finished_at: number | null;
  error: string | null;
}

const RUN_COLUMNS = `r.id, r.name, r.notes, r.saved, r.status, r.profile_id, r.profile_name, r.strategies_text, r.workload_text,
  r.seed, r.replications, r.engine_version, r.created_at, r.finished_at, r.wall_ms, r.error, r.summary_json,
  r.sweep_id, r.sweep_index, r.sweep_point_json, r.kind,
  (SELECT json_group_array(t.tag) FROM (SELECT tag FROM run_tags WHERE run_id = r.id ORDER BY tag) t) AS tags_json`;

/** SQLite error codes that say "this file cannot be written here" (a read-only folder or file system). */
const READ_ONLY_CODES = new Set(['SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_READONLY_DIRECTORY', 'SQLITE_IOERR_SHMOPEN', 'SQLITE_READONLY_CANTINIT', 'SQLITE_IOERR_WRITE', 'EROFS', 'EACCES', 'EPERM']);

/**
 * mkdir -p without Node's recursive mkdir, which loops forever on paths under /proc (`--db
 * /proc/x/y.db` spun at 100 % CPU): each missing component is created in turn; any failure is one line.
 */
function ensureDir(dir: string, dbPath: string): void {
  const missing: string[] = [];
  let d = dir;
  for (;;) {
    let st;
    try {
      st = statSync(d);
    } catch {
      st = null;
    }
    if (st) {
      if (!st.isDirectory()) throw new DatabaseUnusableError(`cannot create database ${dbPath}: ${d} is not a folder`);
      break;
    }
    missing.push(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statSync(m).isDirectory()) continue;
      throw new DatabaseUnusableError(`cannot create database ${dbPath}: cannot create folder ${m} (${code ?? 'error'})`);
    }
  }
}

function sqliteCode(e: unknown): string {
  return String((e as { code?: unknown })?.code ?? '');
}

export class RunStore {
  readonly path: string;
  readonly db: Database.Database;
  readonly migrations: Migration[];
  /** Why the store is read-only (its folder or file system is not writable), or null. */
  readonly readOnlyReason: string | null = null;
  private readonly host = hostname();
  /** Identity of the file opened: a deleted or replaced database is noticed before the next write. */
  private identity: { dev: number; ino: number; mtimeMs: number; size: number } | null = null;
  private damaged: string | null = null;
  private snapshotCopy: string | null = null;

  constructor(path: string, opts: StoreOptions = {}) {
    this.path = path;
    this.migrations = loadMigrations(opts.migrationsDir);
    const latest = opts.targetVersion ?? this.migrations.length;
    const timeout = opts.busyTimeoutMs ?? 15_000;
    const existing = path !== ':memory:' && existsSync(path) && statSync(path).size > 0;
    if (existing) {
      if (!statSync(path).isFile()) throw new DatabaseUnusableError(`cannot open database ${path}: not a regular file`);
      // Look before touching: a newer or damaged database is refused without writing (no WAL switch, no migration).
      let found = 0;
      let check = 'ok';
      try {
        const probe = new Database(path, { readonly: true, fileMustExist: true, timeout });
        try {
          found = userVersion(probe);
          if (found <= this.migrations.length) check = String(probe.pragma('quick_check(1)', { simple: true }));
        } finally {
          probe.close();
        }
      } catch (e) {
        if (!READ_ONLY_CODES.has(sqliteCode(e))) throw new DatabaseUnusableError(`cannot open database ${path}: ${(e as Error).message} (restore a backup or use another --db; the file was left untouched)`);
      }
      if (found > this.migrations.length) throw new DatabaseTooNewError(path, found, this.migrations.length);
      if (check !== 'ok') throw new DatabaseUnusableError(`database ${path} is damaged (quick_check: ${check.split('\n').slice(0, 2).join(' ')}); restore a backup or use another --db; the file was left untouched`);
    } else if (path !== ':memory:') {
      ensureDir(dirname(path), path);
    }
    let db: Database.Database;
    try {
      db = new Database(path, { timeout });
      this.retryBusy(() => db.pragma('journal_mode = WAL'));
    } catch (e) {
      if (!existing || !READ_ONLY_CODES.has(sqliteCode(e))) throw new DatabaseUnusableError(`cannot open database ${path}: ${(e as Error).message}`);
      // A database in a read-only folder (or file system): SQLite cannot create its WAL files there,
      // so reads go to a private snapshot copy, and writes are refused with this reason.
      const reason = `database ${path} is read-only here (${(e as Error).message}); copy it to a writable folder to change it`;
      try {
        (db! as Database.Database | undefined)?.close();
      } catch {
        // already closed
      }
      const copy = join(tmpdir(), `iommu-lab-readonly-${process.pid}-${newId()}.db`);
      try {
        copyFileSync(path, copy);
        db = new Database(copy, { readonly: true, fileMustExist: true, timeout });
      } catch (e2) {
        rmSync(copy, { force: true });
        throw new DatabaseUnusableError(`cannot open database ${path}: ${(e2 as Error).message}`);
      }
      this.snapshotCopy = copy;
      this.readOnlyReason = reason;
    }
    this.db = db;
    try {
      this.db.pragma('foreign_keys = ON');
      if (!this.readOnlyReason) {
        this.db.pragma('synchronous = NORMAL');
        migrate(this.db, this.migrations, path, latest);
        if (!opts.noReap && userVersion(this.db) === this.migrations.length) this.reapInterrupted();
      } else if (userVersion(this.db) !== latest) {
        throw new DatabaseUnusableError(`${this.readOnlyReason}; it also needs a schema upgrade (version ${userVersion(this.db)} of ${latest}), which needs write access`);
      }
      if (path !== ':memory:') {
        const st = statSync(path);
        this.identity = { dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs, size: st.size };
      }
    } catch (e) {
      this.close();
      if (e instanceof DatabaseTooNewError || e instanceof DatabaseUnusableError || e instanceof ContractError) throw e;
      throw new DatabaseUnusableError(`cannot open database ${path}: ${(e as Error).message}`);
    }
  }

  /**
   * Refuses to go on when the database file was deleted or replaced under us (writes would go to an
   * unlinked inode and be lost while reported done), when quick_check found damage, or when the
   * store is read-only. Cheap: one stat.
   */
  checkUsable(forWrite: boolean): void {
    if (this.damaged) throw new DatabaseUnusableError(this.damaged);
    if (forWrite && this.readOnlyReason) throw new DatabaseUnusableError(this.readOnlyReason);
    if (!this.identity) return;
    let st;
    try {
      st = statSync(this.path);
    } catch {
      st = null;
    }
    if (!st || st.dev !== this.identity.dev || st.ino !== this.identity.ino) {
      this.damaged = `database ${this.path} was ${st ? 'replaced by another file' : 'deleted'} while in use; nothing more is written to it (restart to use the new file)`;
      throw new DatabaseUnusableError(this.damaged);
    }
    // In WAL mode the main file only changes at checkpoints. When it changed since we last looked
    // (another process's checkpoint, or bytes written into it by something else), check it before writing.
    if (forWrite && (st.mtimeMs !== this.identity.mtimeMs || st.size !== this.identity.size)) {
      this.identity.mtimeMs = st.mtimeMs;
      this.identity.size = st.size;
      let check: string;
      try {
        check = String(this.db.pragma('quick_check(1)', { simple: true }));
      } catch (e) {
        check = (e as Error).message;
      }
      if (check !== 'ok') {
        this.damaged = `database ${this.path} is damaged (quick_check: ${check.split('\n').slice(0, 2).join(' ')}); nothing more is written to it; restore a backup or use another --db`;
        throw new DatabaseUnusableError(this.damaged);
      }
    }
  }

  /** Our own writes (checkpoints) change the main file: remember its state after them. */
  private noteOwnWrite(): void {
    if (!this.identity) return;
    try {
      const st = statSync(this.path);
      if (st.ino === this.identity.ino) {
        this.identity.mtimeMs = st.mtimeMs;
        this.identity.size = st.size;
      }
    } catch {
      // noticed by the next checkUsable
    }
  }

  /** After an SQLite error: is the file damaged? Then every later call is refused with the reason. */
  private afterError(e: unknown): void {
    if (e instanceof ContractError || e instanceof DatabaseUnusableError || !this.db.open) return;
    const code = sqliteCode(e);
    if (!code.startsWith('SQLITE_')) return;
    let check = 'ok';
    try {
      check = String(this.db.pragma('quick_check(1)', { simple: true }));
    } catch (e2) {
      check = (e2 as Error).message;
    }
    if (check !== 'ok') this.damaged = `database ${this.path} is damaged (quick_check: ${check.split('\n').slice(0, 2).join(' ')}); nothing more is written to it; restore a backup or use another --db`;
  }

  private retryBusy<T>(fn: () => T): T {
    for (let i = 0; ; i++) {
      try {
        return fn();
      } catch (e) {
        if ((e as any)?.code !== 'SQLITE_BUSY' || i >= 50) throw e;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 + i * 5);
      }
    }
  }

  get schemaVersion(): number {
    return userVersion(this.db);
  }

  close(): void {
    if (this.db?.open) this.db.close();
    if (this.snapshotCopy) rmSync(this.snapshotCopy, { force: true });
    this.snapshotCopy = null;
  }

  private tx<T>(fn: () => T): T {
    this.checkUsable(true);
    try {
      const out = this.db.transaction(fn).immediate();
      this.noteOwnWrite();
      return out;
    } catch (e) {
      this.afterError(e);
      if (this.damaged) throw new DatabaseUnusableError(this.damaged);
      if (sqliteCode(e).startsWith('SQLITE_READONLY')) throw new DatabaseUnusableError(`database ${this.path} is read-only: ${(e as Error).message}`);
      throw e;
    }
  }

  /** Runs and sweeps left `running` by a process that no longer exists become `interrupted`. */
  reapInterrupted(): number {
    if (this.readOnlyReason) return 0;
    const rows = this.db.prepare(`SELECT id, owner_pid, owner_host FROM runs WHERE status = 'running'`).all() as Array<{ id: string; owner_pid: number | null; owner_host: string | null }>;
    const sweeps = this.db.prepare(`SELECT id, owner_pid, owner_host FROM sweeps WHERE status = 'running'`).all() as typeof rows;
    const dead = (r: { owner_pid: number | null; owner_host: string | null }) =>
      r.owner_pid === null || (r.owner_host === this.host && !pidAlive(r.owner_pid));
    const deadRuns = rows.filter(dead).map((r) => r.id);
    const deadSweeps = sweeps.filter(dead).map((r) => r.id);
    if (!deadRuns.length && !deadSweeps.length) return 0;
    const now = Date.now();
    this.tx(() => {
      const ur = this.db.prepare(`UPDATE runs SET status = 'interrupted', finished_at = ?, error = coalesce(error, 'the process running it stopped before it finished') WHERE id = ? AND status = 'running'`);
      for (const id of deadRuns) {
        ur.run(now, id);
        this.writeSummaryCache(id);
      }
      const us = this.db.prepare(`UPDATE sweeps SET status = 'interrupted', finished_at = ?, error = coalesce(error, 'the process running it stopped before it finished') WHERE id = ? AND status = 'running'`);
      for (const id of deadSweeps) us.run(now, id);
    });
    return deadRuns.length + deadSweeps.length;
  }

  // -------------------------------------------------------------------------------------------
  // Profiles

  listProfiles(): ProfileSummary[] {
    this.checkUsable(false);
    const rows = this.db.prepare('SELECT id, name, json, created_at, updated_at FROM profiles ORDER BY name, id').all() as Array<{ id: string; name: string; json: string; created_at: number; updated_at: number }>;
    return rows.map((r) => {
      const p = JSON.parse(r.json) as HardwareProfile;
      return { id: r.id, name: r.name, description: p.description ?? '', builtIn: false, createdAt: r.created_at, updatedAt: r.updated_at };
    });
  }

  getProfile(id: string): ProfileRecord | null {
    this.checkUsable(false);
    const r = this.db.prepare('SELECT id, name, json, created_at, updated_at FROM profiles WHERE id = ?').get(id) as { id: string; name: string; json: string; created_at: number; updated_at: number } | undefined;
    if (!r) return null;
    const profile = JSON.parse(r.json) as HardwareProfile;
    return { id: r.id, name: r.name, description: profile.description ?? '', builtIn: false, createdAt: r.created_at, updatedAt: r.updated_at, profile };
  }

  /** Insert or replace a (validated) user profile. mode 'create' refuses an existing id. */
  saveProfile(profile: HardwareProfile, mode: 'upsert' | 'create' = 'upsert'): ProfileRecord {
    const now = Date.now();
    const clean = { ...profile };
    delete clean.builtIn;
    this.tx(() => {
      const exists = this.db.prepare('SELECT 1 FROM profiles WHERE id = ?').get(clean.id);
      if (exists && mode === 'create') throw new ContractError('conflict', `profile ${clean.id} already exists`);
      if (exists) this.db.prepare('UPDATE profiles SET name = ?, json = ?, updated_at = ? WHERE id = ?').run(clean.name, JSON.stringify(clean), now, clean.id);
      else this.db.prepare('INSERT INTO profiles (id, name, json, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(clean.id, clean.name, JSON.stringify(clean), now, now);
    });
    return this.getProfile(clean.id)!;
  }

  deleteProfile(id: string): boolean {
    this.checkUsable(true);
    return this.db.prepare('DELETE FROM profiles WHERE id = ?').run(id).changes > 0;
  }

  /** A calibrated profile and the measurements it was fitted to, replacing any earlier ones, in one transaction. */
  saveCalibratedProfile(profile: HardwareProfile, base: string, rows: ReadonlyArray<Omit<CalibrationMeasurementRow, 'base' | 'createdAt'>>): ProfileRecord {
    const now = Date.now();
    let rec!: ProfileRecord;
    this.tx(() => {
      rec = this.saveProfile(profile, 'upsert');
      this.db.prepare('DELETE FROM profile_measurements WHERE profile_id = ?').run(profile.id);
      const ins = this.db.prepare('INSERT INTO profile_measurements (profile_id, seq, workload, strategy, metric, measured, source, base, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
      rows.forEach((r, i) => ins.run(profile.id, i, r.workload, r.strategy, r.metric, r.measured, r.source, base, now));
    });
    return rec;
  }

  profileMeasurements(profileId: string): CalibrationMeasurementRow[] {
    const rows = this.db.prepare('SELECT workload, strategy, metric, measured, source, base, created_at FROM profile_measurements WHERE profile_id = ? ORDER BY seq').all(profileId) as Array<{ workload: string; strategy: string; metric: string; measured: number; source: string; base: string; created_at: number }>;
    return rows.map((r) => ({ workload: r.workload, strategy: r.strategy, metric: r.metric, measured: r.measured, source: r.source, base: r.base, createdAt: r.created_at }));
  }

  // -------------------------------------------------------------------------------------------
  // Runs

  /** Resolve a full id or a unique prefix (>= 4 characters). */
  resolveRunId(ref: string): string {
    return this.resolveId('runs', 'run', ref);
  }

  resolveSweepId(ref: string): string {
    return this.resolveId('sweeps', 'sweep', ref);
  }

  private resolveId(table: 'runs' | 'sweeps', what: string, ref: string): string {
    this.checkUsable(false);
    const exact = this.db.prepare(`SELECT id FROM ${table} WHERE id = ?`).get(ref) as { id: string } | undefined;
    if (exact) return exact.id;
    if (ref.length >= 4) {
      const rows = this.db.prepare(`SELECT id FROM ${table} WHERE id LIKE ? ESCAPE '\\' LIMIT 3`).all(`${likeEscape(ref)}%`) as Array<{ id: string }>;
      if (rows.length === 1) return rows[0].id;
      if (rows.length > 1) throw new ContractError('conflict', `${what} id prefix ${ref} is ambiguous (${rows.map((r) => r.id).join(', ')}, ...)`);
    }
    throw new ContractError('not_found', `no ${what} ${ref}`);
  }

  private insertRunRow(run: NewRun & { id: string }, status: RunStatus, extra: { ownerPid: number | null; finishedAt?: number | null; wallMs?: number | null; error?: string | null } = { ownerPid: process.pid }): void {
    const c = run.config;
    this.db.prepare(`INSERT INTO runs (id, name, notes, saved, status, profile_id, profile_name, config_json, strategies_text,
        workload_text, seed, replications, engine_version, created_at, finished_at, wall_ms, error, owner_pid, owner_host,
        sweep_id, sweep_index, sweep_point_json)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      run.id, run.name ?? '', run.notes ?? '', run.saved ? 1 : 0, status, c.profile.id, c.profile.name, JSON.stringify(c),
      `,${c.strategies.map((s) => s.text).join(',')},`, c.workloadText, c.seed, c.replications, c.engineVersion,
      run.createdAt ?? Date.now(), extra.finishedAt ?? null, extra.wallMs ?? null, extra.error ?? null,
      extra.ownerPid, extra.ownerPid === null ? null : this.host,
      run.sweepId ?? null, run.sweepIndex ?? null, run.sweepPoint ? JSON.stringify(run.sweepPoint) : null,
    );
    this.setTags('run_tags', run.id, run.tags ?? []);
    if (run.kind === 'measured') {
      this.db.prepare(`UPDATE runs SET kind = 'measured', measured_json = ? WHERE id = ?`).run(JSON.stringify(run.measured ?? null), run.id);
    }
  }

  private setTags(_table: 'run_tags', id: string, tags: string[]): void {
    this.db.prepare('DELETE FROM run_tags WHERE run_id = ?').run(id);
    const ins = this.db.prepare('INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)');
    for (const t of tags) ins.run(id, t);
  }

  /** Insert a run as `running`, owned by this process. Returns its id. */
  createRun(run: NewRun): string {
    const id = run.id ?? newId();
    this.tx(() => this.insertRunRow({ ...run, id }, 'running'));
    return id;
  }

  private insertResult(runId: string, r: NewResult, maxPoints = MAX_SERIES_POINTS): void {
    const { points, blob } = packSeries(r.series, maxPoints);
    this.db.prepare(`INSERT INTO results (run_id, strategy_index, replication, strategy, seed, wall_ms, metrics_json, histogram_json, series_points, series, explain_json)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      runId, r.strategyIndex, r.replication, r.strategy, r.seed, r.wallMs, JSON.stringify(r.metrics), JSON.stringify(r.latencyHistogram), points, blob,
      r.explain ? JSON.stringify(r.explain) : null,
    );
    if (r.jobs) {
      this.db.prepare('UPDATE results SET jobs_json = ? WHERE run_id = ? AND strategy_index = ? AND replication = ?').run(JSON.stringify(r.jobs), runId, r.strategyIndex, r.replication);
    }
  }

  /** Commit one strategy x replication result of a running run. */
  addResult(runId: string, r: NewResult): void {
    this.tx(() => {
      const row = this.db.prepare(`SELECT status, replications, json_array_length(config_json, '$.strategies') AS strategies FROM runs WHERE id = ?`).get(runId) as { status: RunStatus; replications: number; strategies: number } | undefined;
      if (!row) throw new ContractError('not_found', `no run ${runId}`);
      if (row.status !== 'running') throw new ContractError('conflict', `run ${runId} is ${row.status}, not running`);
      // Stored bytes per run are bounded (core/budget.ts), so every stored run exports as a bundle import takes.
      this.insertResult(runId, r, seriesPointsPerResult(MAX_SERIES_POINTS, row.replications * Math.max(1, row.strategies ?? 1)));
    });
  }

  private writeSummaryCache(runId: string): void {
    const rows = this.db.prepare('SELECT strategy, strategy_index, metrics_json FROM results WHERE run_id = ?').all(runId) as Array<{ strategy: string; strategy_index: number; metrics_json: string }>;
    const summary = summarizeResults(rows.map((r) => ({ strategy: r.strategy, strategyIndex: r.strategy_index, metrics: JSON.parse(r.metrics_json) })));
    this.db.prepare('UPDATE runs SET summary_json = ? WHERE id = ?').run(JSON.stringify({ throughputMiBps: throughputByStrategy(summary) }), runId);
  }

  /** Close a run with its final status. Only a running run changes. */
  finishRun(runId: string, status: Exclude<RunStatus, 'running'>, info: { wallMs?: number; error?: string | null } = {}): void {
    this.tx(() => {
      this.db.prepare(`UPDATE runs SET status = ?, finished_at = ?, wall_ms = ?, error = ?, owner_pid = NULL WHERE id = ? AND status = 'running'`)
        .run(status, Date.now(), info.wallMs ?? null, info.error ?? null, runId);
      this.writeSummaryCache(runId);
    });
  }

  /** Insert a complete run (results included) in one transaction: the benchmark and the CLI's `run --save`. */
  insertCompleteRun(run: NewRun, results: NewResult[], status: Exclude<RunStatus, 'running'> = 'done', wallMs: number | null = null): string {
    const id = run.id ?? newId();
    this.tx(() => {
      this.insertRunRow({ ...run, id }, status, { ownerPid: null, finishedAt: Date.now(), wallMs });
      for (const r of results) this.insertResult(id, r);
      this.writeSummaryCache(id);
    });
    return id;
  }

  private rowToSummary(r: RunRow): RunSummary {
    const cache = r.summary_json ? (JSON.parse(r.summary_json) as { throughputMiBps: Record<string, number> }) : null;
    return {
      id: r.id,
      name: r.name,
      tags: JSON.parse(r.tags_json ?? '[]'),
      notes: r.notes,
      saved: r.saved === 1,
      status: r.status,
      profileId: r.profile_id,
      profileName: r.profile_name,
      strategies: r.strategies_text.split(',').filter(Boolean),
      workloadText: r.workload_text,
      seed: r.seed,
      replications: r.replications,
      engineVersion: r.engine_version,
      createdAt: r.created_at,
      finishedAt: r.finished_at,
      wallMs: r.wall_ms,
      error: r.error,
      sweepId: r.sweep_id,
      throughputMiBps: cache?.throughputMiBps ?? {},
      ...(r.kind === 'measured' ? { kind: 'measured' as const } : {}),
    };
  }

  getRunSummary(ref: string): RunSummary {
    const id = this.resolveRunId(ref);
    const r = this.db.prepare(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = ?`).get(id) as RunRow;
    return this.rowToSummary(r);
  }

  runStatus(id: string): { status: RunStatus; tasksDone: number; tasksTotal: number; error: string | null; createdAt: number } | null {
    const r = this.db.prepare(`SELECT status, error, created_at, replications, config_json,
      (SELECT count(*) FROM results WHERE run_id = runs.id) AS done FROM runs WHERE id = ?`).get(id) as
      { status: RunStatus; error: string | null; created_at: number; replications: number; config_json: string; done: number } | undefined;
    if (!r) return null;
    const config = JSON.parse(r.config_json) as RunConfig;
    return { status: r.status, tasksDone: r.done, tasksTotal: config.strategies.length * r.replications, error: r.error, createdAt: r.created_at };
  }

  getRun(ref: string, opts: { series?: boolean } = {}): RunDetail {
    const id = this.resolveRunId(ref);
    const r = this.db.prepare(`SELECT ${RUN_COLUMNS}, r.config_json FROM runs r WHERE r.id = ?`).get(id) as RunRow;
    const withSeries = opts.series ?? true;
    const rows = this.db.prepare(`SELECT strategy_index, replication, strategy, seed, wall_ms, metrics_json, histogram_json, series_points, jobs_json, explain_json${withSeries ? ', series' : ', NULL AS series'}
      FROM results WHERE run_id = ? ORDER BY strategy_index, replication`).all(id) as Array<ResultRow & { explain_json: string | null }>;
    const results: RunResult[] = rows.map((x) => ({
      strategy: x.strategy,
      strategyIndex: x.strategy_index,
      replication: x.replication,
      seed: x.seed,
      wallMs: x.wall_ms,
      metrics: JSON.parse(x.metrics_json),
      series: x.series ? unpackSeries(x.series, x.series_points) : { ...EMPTY_SERIES },
      latencyHistogram: JSON.parse(x.histogram_json),
      ...(x.jobs_json ? { jobs: JSON.parse(x.jobs_json) } : {}),
      ...(x.explain_json ? { explain: JSON.parse(x.explain_json) } : {}),
    }));
    return {
      ...this.rowToSummary(r),
      config: JSON.parse(r.config_json),
      results,
      summary: summarizeResults(results),
      sweepPoint: r.sweep_point_json ? JSON.parse(r.sweep_point_json) : null,
    };
  }

  listRuns(f: RunFilter = {}): RunList {
    this.checkUsable(false);
    this.reapInterrupted();
    const where: string[] = [];
    const params: unknown[] = [];
    if ((f.savedOnly ?? true) && !f.sweepId) where.push('r.saved = 1');
    if (f.status) {
      where.push('r.status = ?');
      params.push(f.status);
    }
    if (f.profileId) {
      where.push('r.profile_id = ?');
      params.push(f.profileId);
    }
    if (f.strategy) {
      where.push(`(instr(r.strategies_text, ',' || ? || ',') > 0 OR instr(r.strategies_text, ',' || ? || ':') > 0)`);
      params.push(f.strategy, f.strategy);
    }
    if (f.tag) {
      where.push('EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.tag = ?)');
      params.push(f.tag);
    }
    if (f.sweepId) {
      where.push('r.sweep_id = ?');
      params.push(this.resolveSweepId(f.sweepId));
    } else if (!f.includeSweepRuns) where.push('r.sweep_id IS NULL');
    if (f.from !== undefined) {
      where.push('r.created_at >= ?');
      params.push(f.from);
    }
    if (f.to !== undefined) {
      where.push('r.created_at <= ?');
      params.push(f.to);
    }
    if (f.search && f.search.trim()) {
      const like = `%${likeEscape(f.search.trim())}%`;
      where.push(`(r.id LIKE ?1 ESCAPE '\\' OR r.name LIKE ?1 ESCAPE '\\' OR r.notes LIKE ?1 ESCAPE '\\' OR r.profile_id LIKE ?1 ESCAPE '\\'
        OR r.profile_name LIKE ?1 ESCAPE '\\' OR r.strategies_text LIKE ?1 ESCAPE '\\' OR r.workload_text LIKE ?1 ESCAPE '\\'
        OR EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.tag LIKE ?1 ESCAPE '\\'))`.replace(/\?1/g, '?'));
      for (let i = 0; i < 8; i++) params.push(like);
    }
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT count(*) AS n FROM runs r ${w}`).get(...params) as { n: number }).n;
    const dir = f.order === 'asc' ? 'ASC' : 'DESC';
    const order = (f.sort ?? 'created') === 'created' ? `r.created_at ${dir}, r.id ${dir}` : `${SORT_SQL[f.sort!]} ${dir} NULLS LAST, r.created_at DESC, r.id`;
    const rows = this.db.prepare(`SELECT ${RUN_COLUMNS} FROM runs r ${w} ORDER BY ${order} LIMIT ? OFFSET ?`)
      .all(...params, f.limit ?? 50, f.offset ?? 0) as RunRow[];
    return { total, items: rows.map((r) => this.rowToSummary(r)) };
  }

  updateRun(ref: string, patch: RunPatch): RunSummary {
    const id = this.resolveRunId(ref);
    this.tx(() => {
      if (patch.name !== undefined) this.db.prepare('UPDATE runs SET name = ? WHERE id = ?').run(patch.name, id);
      if (patch.notes !== undefined) this.db.prepare('UPDATE runs SET notes = ? WHERE id = ?').run(patch.notes, id);
      if (patch.saved !== undefined) this.db.prepare('UPDATE runs SET saved = ? WHERE id = ?').run(patch.saved ? 1 : 0, id);
      if (patch.tags !== undefined) this.setTags('run_tags', id, patch.tags);
      for (const t of patch.addTags ?? []) this.db.prepare('INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)').run(id, t);
      for (const t of patch.removeTags ?? []) this.db.prepare('DELETE FROM run_tags WHERE run_id = ? AND tag = ?').run(id, t);
    });
    return this.getRunSummary(id);
  }

  deleteRun(ref: string): void {
    const id = this.resolveRunId(ref);
    this.tx(() => {
      const r = this.db.prepare('SELECT status FROM runs WHERE id = ?').get(id) as { status: RunStatus };
      if (r.status === 'running') throw new ContractError('conflict', `run ${id} is running; cancel it first`);
      this.db.prepare('DELETE FROM runs WHERE id = ?').run(id);
    });
  }

  /** A whole run with every result, as a bundle carries it. */
  exportRun(ref: string): StoredRun {
    const d = this.getRun(ref, { series: true });
    return {
      id: d.id, name: d.name, tags: d.tags, notes: d.notes, saved: d.saved, status: d.status,
      createdAt: d.createdAt, finishedAt: d.finishedAt, wallMs: d.wallMs, error: d.error, config: d.config,
      sweepId: d.sweepId, sweepIndex: this.sweepIndexOf(d.id), sweepPoint: d.sweepPoint,
      results: d.results.map((r) => ({
        strategy: r.strategy, strategyIndex: r.strategyIndex, replication: r.replication, seed: r.seed, wallMs: r.wallMs,
        metrics: r.metrics, series: r.series, latencyHistogram: r.latencyHistogram, ...(r.jobs ? { jobs: r.jobs } : {}), ...(r.explain ? { explain: r.explain } : {}),
      })),
      ...(d.kind === 'measured' ? { kind: 'measured' as const, measured: this.measuredOf(d.id) } : {}),
    };
  }

  private measuredOf(id: string): unknown {
    const r = this.db.prepare('SELECT measured_json FROM runs WHERE id = ?').get(id) as { measured_json: string | null } | undefined;
    return r?.measured_json ? JSON.parse(r.measured_json) : null;
  }

  private sweepIndexOf(id: string): number | null {
    const r = this.db.prepare('SELECT sweep_index FROM runs WHERE id = ?').get(id) as { sweep_index: number | null } | undefined;
    return r?.sweep_index ?? null;
  }

  // -------------------------------------------------------------------------------------------
  // Sweeps

  createSweep(s: NewSweep): string {
    const id = s.id ?? newId();
    this.tx(() => this.insertSweepRow({ ...s, id }, 'running', process.pid));
    return id;
  }

  private insertSweepRow(s: NewSweep & { id: string }, status: RunStatus, ownerPid: number | null, finished?: { finishedAt: number | null; error: string | null }): void {
    this.db.prepare(`INSERT INTO sweeps (id, name, notes, tags_json, saved, status, config_json, point_count, created_at, finished_at, error, owner_pid, owner_host)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      s.id, s.name ?? '', s.notes ?? '', JSON.stringify(s.tags ?? []), s.saved ? 1 : 0, status, JSON.stringify(s.config), s.pointCount,
      s.createdAt ?? Date.now(), finished?.finishedAt ?? null, finished?.error ?? null, ownerPid, ownerPid === null ? null : this.host,
    );
  }

  finishSweep(id: string, status: Exclude<RunStatus, 'running'>, error: string | null = null): void {
    this.tx(() => {
      this.db.prepare(`UPDATE sweeps SET status = ?, finished_at = ?, error = ?, owner_pid = NULL WHERE id = ? AND status = 'running'`).run(status, Date.now(), error, id);
    });
  }

  private sweepRowToSummary(r: SweepRow): SweepSummary {
    return {
      id: r.id, name: r.name, tags: JSON.parse(r.tags_json), notes: r.notes, saved: r.saved === 1, status: r.status,
      createdAt: r.created_at, finishedAt: r.finished_at, pointCount: r.point_count, config: JSON.parse(r.config_json), error: r.error,
    };
  }

  getSweep(ref: string): SweepSummary {
    const id = this.resolveSweepId(ref);
    return this.sweepRowToSummary(this.db.prepare('SELECT * FROM sweeps WHERE id = ?').get(id) as SweepRow);
  }

  /** The runs of a sweep with their point index (summaries and per-strategy result metrics). */
  sweepRuns(id: string): Array<{ index: number; runId: string; status: RunStatus; point: Record<string, string>; config: RunConfig; results: Array<{ strategy: string; strategyIndex: number; metrics: Metrics }> }> {
    const runs = this.db.prepare('SELECT id, status, sweep_index, sweep_point_json, config_json FROM runs WHERE sweep_id = ? ORDER BY sweep_index').all(id) as Array<{ id: string; status: RunStatus; sweep_index: number; sweep_point_json: string | null; config_json: string }>;
    const res = this.db.prepare('SELECT strategy, strategy_index, metrics_json FROM results WHERE run_id = ? ORDER BY strategy_index, replication');
    return runs.map((r) => ({
      index: r.sweep_index,
      runId: r.id,
      status: r.status,
      point: r.sweep_point_json ? JSON.parse(r.sweep_point_json) : {},
      config: JSON.parse(r.config_json),
      results: (res.all(r.id) as Array<{ strategy: string; strategy_index: number; metrics_json: string }>).map((x) => ({ strategy: x.strategy, strategyIndex: x.strategy_index, metrics: JSON.parse(x.metrics_json) })),
    }));
  }

  listSweeps(f: { savedOnly?: boolean; limit?: number; offset?: number } = {}): { total: number; items: SweepSummary[] } {
    this.checkUsable(false);
    this.reapInterrupted();
    const w = f.savedOnly ? 'WHERE saved = 1' : '';
    const total = (this.db.prepare(`SELECT count(*) AS n FROM sweeps ${w}`).get() as { n: number }).n;
    const rows = this.db.prepare(`SELECT * FROM sweeps ${w} ORDER BY created_at DESC, id LIMIT ? OFFSET ?`).all(f.limit ?? 50, f.offset ?? 0) as SweepRow[];
    return { total, items: rows.map((r) => this.sweepRowToSummary(r)) };
  }

  updateSweep(ref: string, patch: { name?: string; tags?: string[]; notes?: string; saved?: boolean }): SweepSummary {
    const id = this.resolveSweepId(ref);
    this.tx(() => {
      if (patch.name !== undefined) this.db.prepare('UPDATE sweeps SET name = ? WHERE id = ?').run(patch.name, id);
      if (patch.notes !== undefined) this.db.prepare('UPDATE sweeps SET notes = ? WHERE id = ?').run(patch.notes, id);
      if (patch.tags !== undefined) this.db.prepare('UPDATE sweeps SET tags_json = ? WHERE id = ?').run(JSON.stringify([...new Set(patch.tags)]), id);
      if (patch.saved !== undefined) {
        this.db.prepare('UPDATE sweeps SET saved = ? WHERE id = ?').run(patch.saved ? 1 : 0, id);
        this.db.prepare('UPDATE runs SET saved = ? WHERE sweep_id = ?').run(patch.saved ? 1 : 0, id);
      }
    });
    return this.getSweep(id);
  }

  deleteSweep(ref: string): void {
    const id = this.resolveSweepId(ref);
    this.tx(() => {
      const r = this.db.prepare('SELECT status FROM sweeps WHERE id = ?').get(id) as { status: RunStatus };
      if (r.status === 'running') throw new ContractError('conflict', `sweep ${id} is running; cancel it first`);
      this.db.prepare('DELETE FROM sweeps WHERE id = ?').run(id);
    });
  }

  exportSweep(ref: string): StoredSweep {
    const s = this.getSweep(ref);
    return { id: s.id, name: s.name, tags: s.tags, notes: s.notes, saved: s.saved, status: s.status, createdAt: s.createdAt, finishedAt: s.finishedAt, error: s.error, config: s.config, pointCount: s.pointCount };
  }

  // -------------------------------------------------------------------------------------------
  // Import

  /**
   * Insert validated bundle content in one transaction: all or nothing. Existing ids are skipped;
   * runs imported as `running` (exported mid-run) become `interrupted`.
   */
  importAll(content: { profiles: HardwareProfile[]; sweeps: StoredSweep[]; runs: StoredRun[] }): { runIds: string[]; sweepIds: string[]; skipped: string[]; profilesImported: string[] } {
    const out = { runIds: [] as string[], sweepIds: [] as string[], skipped: [] as string[], profilesImported: [] as string[] };
    this.tx(() => {
      const now = Date.now();
      for (const p of content.profiles) {
        if (this.db.prepare('SELECT 1 FROM profiles WHERE id = ?').get(p.id)) continue;
        const clean = { ...p };
        delete clean.builtIn;
        this.db.prepare('INSERT INTO profiles (id, name, json, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(clean.id, clean.name, JSON.stringify(clean), now, now);
        out.profilesImported.push(p.id);
      }
      const sweepIds = new Set<string>();
      for (const s of content.sweeps) {
        if (this.db.prepare('SELECT 1 FROM sweeps WHERE id = ?').get(s.id)) {
          out.skipped.push(s.id);
          sweepIds.add(s.id);
          continue;
        }
        const status = s.status === 'running' ? 'interrupted' : s.status;
        this.insertSweepRow({ ...s }, status, null, { finishedAt: s.finishedAt, error: s.error });
        out.sweepIds.push(s.id);
        sweepIds.add(s.id);
      }
      for (const r of content.runs) {
        if (this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(r.id)) {
          out.skipped.push(r.id);
          continue;
        }
        const sweepId = r.sweepId && (sweepIds.has(r.sweepId) || this.db.prepare('SELECT 1 FROM sweeps WHERE id = ?').get(r.sweepId)) ? r.sweepId : null;
        if (sweepId && r.sweepIndex !== null && this.db.prepare('SELECT 1 FROM runs WHERE sweep_id = ? AND sweep_index = ?').get(sweepId, r.sweepIndex)) {
          throw new ContractError('conflict', `sweep ${sweepId} already has a run at point ${r.sweepIndex}`);
        }
        const status = r.status === 'running' ? 'interrupted' : r.status;
        this.insertRunRow({
          id: r.id, config: r.config, name: r.name, tags: r.tags, notes: r.notes, saved: r.saved, createdAt: r.createdAt,
          sweepId, sweepIndex: sweepId ? r.sweepIndex : null, sweepPoint: r.sweepPoint,
          ...(r.kind === 'measured' ? { kind: 'measured' as const, measured: r.measured } : {}),
        }, status, { ownerPid: null, finishedAt: r.finishedAt, wallMs: r.wallMs, error: r.error });
        for (const res of r.results) this.insertResult(r.id, res);
        this.writeSummaryCache(r.id);
        out.runIds.push(r.id);
      }
    });
    return out;
  }

  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }
}
