import type { CliCommand } from '../command.ts';
import { coreCommands, setRunSaveHook } from './core.ts';
import { inputsCommands } from './inputs.ts';
import { calibrateCommands } from './calibrate.ts';
import { serveCommands } from './serve.ts';
import { storeCommands } from './store.ts';

/**
 * Every command of the CLI. Each module exports its commands; add new modules here.
 * core.ts: run, validate, bench, profiles, profile, strategies (the simulation core).
 * serve.ts: serve (the web mode).
 * inputs.ts: compare-fio (fio's JSON beside the simulation).
 * store.ts: runs, diff, sweep, export, import (the run store; `run --save` via store-hook.ts).
 * calibrate.ts: calibrate (fit a profile to measurements; --plan).
 */
export const COMMANDS: CliCommand[] = [...coreCommands, ...serveCommands, ...storeCommands, ...inputsCommands, ...calibrateCommands];

// `run --save` goes through the run store; installed here so core.ts never imports upward.
setRunSaveHook(async (args, io, input) => (await import('./store-hook.ts')).saveRun(args, io, input));
