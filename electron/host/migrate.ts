/**
 * Schema migrations: `migrations/NNN_name.sql`, applied in order inside one transaction that also
 * sets PRAGMA user_version to the last applied number. A database whose user_version is newer than
 * the newest migration is refused with a clear message, before anything writes to it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export class DatabaseTooNewError extends Error {
  readonly found: number;
  readonly supported: number;
  constructor(path: string, found: number, supported: number) {
    super(`database ${path} has schema version ${found}, newer than this program supports (${supported}); `
      + 'upgrade IOMMU Lab or use another --db; the file was left untouched');
    this.name = 'DatabaseTooNewError';
    this.found = found;
    this.supported = supported;
  }
}

/**
 * The database cannot be used safely: it cannot be opened or created there, it is damaged
 * (PRAGMA quick_check), it was deleted or replaced under the running program, or it is read-only
 * and a write was asked. One line for the user; exit code 2 on the command line, HTTP 409.
 */
export class DatabaseUnusableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUnusableError';
  }
}

/**
 * The migrations folder. Source layout: <root>/electron/host/migrate.ts -> <root>/migrations. The
 * electron-vite bundle (<root>/out/main/index.js) is at the same depth, so the same relative path
 * works there as long as `migrations/**` is packaged. IOMMU_LAB_MIGRATIONS overrides it.
 */
export function defaultMigrationsDir(): string {
  if (process.env.IOMMU_LAB_MIGRATIONS) return process.env.IOMMU_LAB_MIGRATIONS;
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');
}

export function loadMigrations(dir = defaultMigrationsDir()): Migration[] {
  const files = readdirSync(dir).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const out = files.map((f) => ({ version: Number(f.slice(0, 3)), name: f, sql: readFileSync(join(dir, f), 'utf8') }));
  out.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations in ${dir} must be numbered 001, 002, ... without gaps (found ${m.name} at position ${i + 1})`);
  });
  if (out.length === 0) throw new Error(`no migrations found in ${dir}`);
  return out;
}

export function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Bring the schema to `target` (default: the newest). Runs in one IMMEDIATE transaction so two
 * processes opening a fresh database at once do not both migrate; the version is re-read inside.
 * Returns the versions applied.
 */
export function migrate(db: Database.Database, migrations: Migration[], path: string, target = migrations.length): number[] {
  const applied: number[] = [];
  const tx = db.transaction(() => {
    const current = userVersion(db);
    if (current > migrations.length) throw new DatabaseTooNewError(path, current, migrations.length);
    for (const m of migrations) {
      if (m.version <= current || m.version > target) continue;
      db.exec(m.sql);
      applied.push(m.version);
    }
    if (applied.length) db.pragma(`user_version = ${Math.trunc(applied[applied.length - 1])}`);
  });
  tx.immediate();
  return applied;
}

/**
 * The schema as SQL text (tables, indexes; sorted), with the version: compared against the committed
 * migrations/schema.snapshot.sql by the tests. Regenerate with `UPDATE_SCHEMA_SNAPSHOT=1 npx vitest run tests/host/migrations.test.ts`.
 */
export function schemaSnapshot(db: Database.Database): string {
  const rows = db.prepare(`SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, name`).all() as Array<{ type: string; name: string; sql: string }>;
  return [
    '-- Schema of the run store after every migration (generated; do not edit).',
    `-- PRAGMA user_version = ${userVersion(db)}`,
    '',
    ...rows.map((r) => `${r.sql.trim()};\n`),
  ].join('\n');
}
