/**
 * Worker-thread entry for exports, imports and chart rendering: a 4000x4000 PNG took 7.8 s and a
 * big bundle import seconds of JSON parsing and validation, all on the host's main thread (the
 * Electron main process, the web server's event loop). Here they run on their own thread with
 * their own connection to the same database file (WAL: readers and one writer at a time).
 *
 * Messages in:  { type: 'init', dbPath, migrationsDir? } then { id, op, args } (args already validated)
 * Messages out: { id, ok: true, result } | { id, ok: false, error: ContractErrorData }
 *
 * Self-contained as one worker entry (electron-vite builds it as out/main/export-worker.js).
 */
import { parentPort } from 'node:worker_threads';
import { BUILT_IN_PROFILES, InputError } from '../../core/index.ts';
import { ContractError, type ContractErrorData } from '../../core/contract.ts';
import type { HardwareProfile } from '../../core/types.ts';
import { checkMetric, Exporter } from './export.ts';
import { DatabaseTooNewError, DatabaseUnusableError } from './migrate.ts';
import { RunStore } from './store.ts';
import { buildSweepDetail } from './sweep.ts';

export type ExportOp = 'export:run' | 'export:diff' | 'export:sweep' | 'export:import';

function errorData(e: unknown): ContractErrorData {
  if (e instanceof ContractError) return e.toJSON();
  if (e instanceof InputError) return { code: 'invalid', message: e.message, issues: [{ path: e.field, message: `allowed: ${e.allowed}` }] };
  if (e instanceof DatabaseTooNewError || e instanceof DatabaseUnusableError) return { code: 'conflict', message: e.message };
  return { code: 'internal', message: (e as Error)?.message ?? String(e) };
}

/** One export operation against a store (also used in-thread for in-memory databases). */
export async function runExportOp(store: RunStore, op: ExportOp, args: any): Promise<unknown> {
  const exporter = new Exporter(store);
  const resolveProfile = (id: string): HardwareProfile => {
    const b = BUILT_IN_PROFILES.find((p) => p.id === id);
    if (b) return b;
    const u = store.getProfile(id);
    if (u) return u.profile;
    throw new ContractError('not_found', `no profile ${id}`);
  };
  switch (op) {
    case 'export:run':
      return exporter.exportRun(args);
    case 'export:diff':
      return exporter.exportDiff(args);
    case 'export:sweep':
      checkMetric(args.metric);
      return exporter.exportSweep(buildSweepDetail(store, args.sweepId, args.metric, resolveProfile), args);
    case 'export:import':
      return exporter.importBundle(args.bundle);
  }
}

if (parentPort) {
  const port = parentPort;
  let store: RunStore | null = null;
  let initError: unknown = null;
  port.on('message', (m: any) => {
    if (m?.type === 'init') {
      try {
        store = new RunStore(m.dbPath, { migrationsDir: m.migrationsDir, noReap: true });
      } catch (e) {
        initError = e;
      }
      return;
    }
    const fail = (e: unknown) => port.postMessage({ id: m.id, ok: false, error: errorData(e) });
    if (!store) {
      fail(initError ?? new Error('export worker has no database'));
      return;
    }
    runExportOp(store, m.op, m.args).then((result) => port.postMessage({ id: m.id, ok: true, result }), fail);
  });
}
