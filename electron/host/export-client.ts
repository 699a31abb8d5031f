/**
 * Runs export operations on the export worker (export-worker.ts), one at a time, off the host's
 * main thread. The worker is started on first use and stopped when idle; an in-memory database
 * (a CLI sweep without --save) has no file a second connection could open, so it stays in-thread.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ContractError } from '../../core/contract.ts';
import type { RunStore } from './store.ts';
import { runExportOp, type ExportOp } from './export-worker.ts';

/** Imports larger than this stop the worker afterwards (memory returned). */
const RECYCLE_AFTER_CHARS = 8 * 1024 * 1024;

export function defaultExportWorkerUrl(): URL {
  if (process.env.IOMMU_LAB_EXPORT_WORKER) return pathToFileURL(process.env.IOMMU_LAB_EXPORT_WORKER);
  const js = new URL('./export-worker.js', import.meta.url);
  if (js.protocol === 'file:' && existsSync(fileURLToPath(js))) return js;
  return new URL('./export-worker.ts', import.meta.url);
}

export interface ExportClientOptions {
  store: RunStore;
  dbPath: string;
  migrationsDir?: string;
  workerUrl?: URL | string;
  /** Run in this thread instead (the CLI). */
  inThread?: boolean;
}

export class ExportClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly url: URL;

  constructor(private readonly opts: ExportClientOptions) {
    this.url = opts.workerUrl ? new URL(String(opts.workerUrl), pathToFileURL(process.cwd() + '/')) : defaultExportWorkerUrl();
  }

  private spawn(): Worker {
    const execArgv = this.url.pathname.endsWith('.ts') ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
    const w = new Worker(this.url, { execArgv });
    w.postMessage({ type: 'init', dbPath: this.opts.dbPath, migrationsDir: this.opts.migrationsDir });
    w.on('message', (m: any) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(ContractError.fromJSON(m.error));
    });
    const failAll = (why: string) => {
      for (const p of this.pending.values()) p.reject(new ContractError('internal', why));
      this.pending.clear();
      if (this.worker === w) this.worker = null;
    };
    w.on('error', (e) => failAll(`export worker failed: ${e.message}`));
    w.on('exit', (code) => failAll(`export worker exited (code ${code})`));
    w.unref();
    return w;
  }

  /** The operation's result; ContractError as the in-thread exporter would throw. */
  run(op: ExportOp, args: unknown): Promise<unknown> {
    if (this.opts.dbPath === ':memory:' || this.opts.inThread) return Promise.resolve().then(() => runExportOp(this.opts.store, op, args));
    if (this.closed) return Promise.reject(new ContractError('internal', 'the host service is closed'));
    // One at a time: a PNG and an import each hold a lot of memory; a queue bounds it.
    const next = this.chain.then(() => this.send(op, args));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private send(op: ExportOp, args: unknown): Promise<unknown> {
    this.opts.store.checkUsable(op === 'export:import');
    this.worker ??= this.spawn();
    const w = this.worker;
    const id = this.nextId++;
    w.ref();
    // After a big import the worker is stopped: its heap (the bundle text, parsed twice over) goes
    // back to the system instead of staying with an idle thread.
    const bundle = (args as { bundle?: unknown })?.bundle;
    const big = typeof bundle === 'string' && bundle.length > RECYCLE_AFTER_CHARS;
    return new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, op, args });
    }).finally(() => {
      if (!this.pending.size) w.unref();
      if (big && this.worker === w && !this.pending.size) {
        this.worker = null;
        void w.terminate();
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
