/** The host layer: run store, workers, exports, and the contract's implementation. */
export { createHostService, toContractError } from './service.ts';
export type { HostService, HostServiceOptions, RunAndSaveOptions } from './service.ts';
export { RunStore, newId } from './store.ts';
export { DatabaseTooNewError, DatabaseUnusableError, loadMigrations, migrate } from './migrate.ts';
export { WorkerPool, defaultWorkerUrl, defaultWorkerCount } from './pool.ts';
export { JobRunner } from './jobs.ts';
export { Exporter } from './export.ts';
export { parseBundle, BUNDLE_FORMAT, BUNDLE_VERSION } from './bundle.ts';
export { renderSvg, renderPng } from './render.ts';
export { defaultDbPath, userDataDir, PRODUCT_NAME } from './paths.ts';
