import type { CliCommand } from '../command.ts';
import { calibrateCommands } from './calibrate.ts';
import { coreCommands } from './core.ts';
import { serveCommands } from './serve.ts';
import { storeCommands } from './store.ts';

/**
 * Every command of the CLI. Each module exports its commands; add new modules here.
 * core.ts: run, validate, bench, profiles, profile, strategies (the simulation core).
 * serve.ts: serve (the web mode).
 * store.ts: runs, diff, sweep, export, import (the run store; `run --save` via store-hook.ts).
 * calibrate.ts: calibrate (fit a profile to measurements; --plan).
 */
export const COMMANDS: CliCommand[] = [...coreCommands, ...serveCommands, ...storeCommands, ...calibrateCommands];
