import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseTooNewError, defaultMigrationsDir, loadMigrations, schemaSnapshot, userVersion } from '../../electron/host/migrate.ts';
import { RunStore } from '../../electron/host/store.ts';
import { sampleRun, tempDir } from './helpers.ts';

const SNAPSHOT = join(defaultMigrationsDir(), 'schema.snapshot.sql');
const migrations = loadMigrations();
const LATEST = migrations.length;
let t = tempDir();
afterEach(() => {
  t.cleanup();
  t = tempDir();
});

function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe('migrations', () => {
  it('are numbered 001.. without gaps', () => {
    expect(migrations.map((m) => m.version)).toEqual(Array.from({ length: LATEST }, (_, i) => i + 1));
    expect(LATEST).toBeGreaterThanOrEqual(2);
  });

  it('build the committed schema snapshot from an empty database', () => {
    const s = new RunStore(t.db());
    const snap = schemaSnapshot(s.db);
    s.close();
    if (process.env.UPDATE_SCHEMA_SNAPSHOT) writeFileSync(SNAPSHOT, snap);
    expect(snap).toBe(readFileSync(SNAPSHOT, 'utf8'));
    expect(snap).toContain(`user_version = ${LATEST}`);
  });

  it('set user_version and use WAL, foreign keys and STRICT tables', () => {
    const s = new RunStore(t.db());
    expect(s.schemaVersion).toBe(LATEST);
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = s.db.prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as Array<{ name: string; sql: string }>;
    for (const tb of tables) expect(tb.sql, tb.name).toMatch(/\)\s*STRICT/);
    s.close();
  });

  for (let from = 1; from < LATEST; from++) {
    it(`upgrade a version-${from} database with data to the snapshot, keeping its runs`, () => {
      const path = t.db();
      const old = new RunStore(path, { targetVersion: from });
      expect(old.schemaVersion).toBe(from);
      // Write a run with the columns version 1 has (the oldest shape every later version keeps).
      const { config, result } = sampleRun();
      old.db.prepare(`INSERT INTO runs (id, name, status, profile_id, profile_name, config_json, strategies_text, workload_text, seed, replications, engine_version, created_at)
        VALUES ('oldrun0001', 'from v${from}', 'done', ?, ?, ?, ',strict,', ?, 1, 1, ?, 1700000000000)`).run(config.profile.id, config.profile.name, JSON.stringify(config), config.workloadText, config.engineVersion);
      old.db.prepare(`INSERT INTO results (run_id, strategy_index, replication, strategy, seed, wall_ms, metrics_json, histogram_json, series_points, series)
        VALUES ('oldrun0001', 0, 0, 'strict', 1, 1, ?, ?, 0, x'')`).run(JSON.stringify(result.metrics), JSON.stringify(result.latencyHistogram));
      old.close();

      const s = new RunStore(path);
      expect(s.schemaVersion).toBe(LATEST);
      expect(schemaSnapshot(s.db)).toBe(readFileSync(SNAPSHOT, 'utf8'));
      const run = s.getRun('oldrun0001');
      expect(run.name).toBe(`from v${from}`);
      expect(run.results).toHaveLength(1);
      expect(run.results[0].metrics).toEqual(result.metrics);
      expect(s.integrityCheck()).toBe('ok');
      s.close();
    });
  }

  it('refuse a database from a newer version with a clear message and leave the file untouched', () => {
    const path = t.db();
    const s = new RunStore(path);
    s.close();
    const raw = new Database(path);
    raw.pragma('journal_mode = DELETE');
    raw.pragma(`user_version = ${LATEST + 1}`);
    raw.close();
    const before = sha(path);
    expect(() => new RunStore(path)).toThrow(DatabaseTooNewError);
    expect(() => new RunStore(path)).toThrow(/newer than this program supports.*left untouched/);
    expect(sha(path)).toBe(before);
    expect(existsSync(`${path}-wal`)).toBe(false);
    const check = new Database(path, { readonly: true });
    expect(userVersion(check)).toBe(LATEST + 1);
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete');
    check.close();
  });

  it('refuse a file that is not a database without changing it', () => {
    const path = t.db();
    writeFileSync(path, 'this is not sqlite'.repeat(100));
    const before = sha(path);
    expect(() => new RunStore(path)).toThrow(/cannot open database/);
    expect(sha(path)).toBe(before);
  });

  it('migrate once when two stores open a fresh database at the same time', () => {
    const path = t.db();
    const a = new RunStore(path);
    const b = new RunStore(path);
    expect(a.schemaVersion).toBe(LATEST);
    expect(b.schemaVersion).toBe(LATEST);
    a.close();
    b.close();
  });
});
